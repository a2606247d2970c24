import pytest

from api.evidence import datatype_rows, overall


def rel(kind: str, **props: object) -> dict:
    return {"type": kind, "props": {"source": "s", **props}}


def test_overall_is_normalised_by_the_maximum_for_the_datatypes_present() -> None:
    assert overall([]) == 0.0
    curated = datatype_rows([rel("ASSOCIATED_WITH")])
    assert overall(curated) == pytest.approx(1.0)  # one perfect datatype is full support (was 0.608)
    both = datatype_rows([rel("ASSOCIATED_WITH"), rel("MUTATED_IN", frequency=0.1)])
    assert overall(both) == pytest.approx((1 + 0.1 / 4) / 1.25)
    assert overall(both) < overall(curated)  # a weak second datatype does not count as much as a perfect one
    perfect = datatype_rows(
        [rel("ASSOCIATED_WITH"), rel("MUTATED_IN", frequency=1.0), rel("UPREGULATED_IN", log2fc=8.0)]
    )
    assert overall(perfect) == pytest.approx(1.0)
    weak = datatype_rows([rel("MUTATED_IN", frequency=0.2), rel("MUTATED_IN", frequency=0.05)])
    assert overall(weak) == pytest.approx(0.2)  # the best score per datatype counts, once
