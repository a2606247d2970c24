import numpy as np
from scipy import stats

from etl.de import CohortDE, benjamini_hochberg, welch
from kg.schema import RelType


def test_welch_matches_scipy_and_bh_matches_scipy() -> None:
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(50, 12)), rng.normal(0.5, 2.0, size=(50, 7))
    lfc, p = welch(a, b)
    assert np.allclose(p, stats.ttest_ind(a, b, axis=1, equal_var=False).pvalue)
    assert np.allclose(lfc, a.mean(1) - b.mean(1))
    assert np.allclose(benjamini_hochberg(p), stats.false_discovery_control(p))


def test_zero_variance_genes() -> None:
    lfc, p = welch(np.zeros((2, 4)) + [[1.0], [2.0]], np.ones((2, 3)))
    assert list(p) == [1.0, 0.0] and list(lfc) == [0.0, 1.0]


def test_cohort_de_finds_planted_genes_across_chunks() -> None:
    rng = np.random.default_rng(2)
    tumour, normal = rng.normal(5, 0.3, size=(400, 20)), rng.normal(5, 0.3, size=(400, 8))
    tumour[:5] += 3
    tumour[5:10] -= 3
    de = CohortDE("MONDO:0006256", "TCGA")
    genes = [f"NCBIGene:{i + 1}" for i in range(400)]
    de.add(genes[:200], tumour[:200], normal[:200])
    de.add(genes[200:], tumour[200:], normal[200:])
    edges = list(de.edges(0.05, 1.0))
    up = {e.start for e in edges if e.type is RelType.UPREGULATED_IN}
    down = {e.start for e in edges if e.type is RelType.DOWNREGULATED_IN}
    assert up == set(genes[:5]) and down == set(genes[5:10])
    assert all(e.props["n_tumor"] == 20 and e.props["n_normal"] == 8 and e.props["padj"] < 0.05 for e in edges)
