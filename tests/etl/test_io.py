import gzip
import hashlib
from pathlib import Path

import pytest

from etl.io import FetchError, LocalFile, TabularFile, fetch, numbered_lines
from etl.pipeline import expand
from kg.errors import SourceFormatError


def test_download_once_with_checksum(http_root, tmp_path: Path) -> None:
    url, root, seen = http_root
    data = gzip.compress(b"#1.2\n0\t0\nName\tDescription\n")
    (root / "GTEx_Analysis_v10_gene_median_tpm.gct.gz").write_bytes(data)
    first = fetch(f"{url}/GTEx_Analysis_v10_gene_median_tpm.gct.gz", tmp_path / "cache")
    assert first.sha256 == hashlib.sha256(data).hexdigest() and first.path.read_bytes() == data
    assert first.name == "GTEx_Analysis_v10_gene_median_tpm.gct.gz" and first.origin.startswith("http://127.0.0.1")
    again = fetch(f"{url}/GTEx_Analysis_v10_gene_median_tpm.gct.gz", tmp_path / "cache")
    assert again == first and len(seen) == 1  # served from the cache the second time
    meta = (first.path.parent / (first.path.name + ".meta.json")).read_text()
    assert first.sha256 in meta


def test_download_errors(http_root, tmp_path: Path) -> None:
    url, _, _ = http_root
    with pytest.raises(FetchError, match="HTTP 404"):
        fetch(f"{url}/missing.maf.gz", tmp_path / "cache")
    with pytest.raises(FetchError, match="not found"):
        fetch(str(tmp_path / "nope.txt"), tmp_path / "cache")
    assert not list((tmp_path / "cache").rglob("*.maf.gz"))  # no half-written file left behind


def test_expand_lists_and_folders(tmp_path: Path) -> None:
    (tmp_path / "d" / "sub").mkdir(parents=True)
    (tmp_path / "d" / "a.tsv").write_text("x\n")
    (tmp_path / "d" / "sub" / "b.tsv").write_text("y\n")
    (tmp_path / "c.tsv").write_text("z\n")
    files = expand(f"{tmp_path / 'd'},{tmp_path / 'c.tsv'}", tmp_path / "cache")
    assert [f.name for f in files] == ["a.tsv", "b.tsv", "c.tsv"]


def test_truncated_gzip_names_the_line(tmp_path: Path) -> None:
    payload = gzip.compress("\n".join(f"row{i}\t{i}" for i in range(50_000)).encode())
    (tmp_path / "t.gz").write_bytes(payload[: len(payload) // 2])
    with pytest.raises(SourceFormatError, match=r"t.gz:\d+: truncated or corrupt gzip") as err:
        list(numbered_lines(tmp_path / "t.gz"))
    assert err.value.line and err.value.line > 1


def test_non_utf8(tmp_path: Path) -> None:
    (tmp_path / "x.txt").write_bytes(b"ok\n\xff\xfe bad\n")
    with pytest.raises(SourceFormatError, match="x.txt:2: not UTF-8"):
        list(numbered_lines(tmp_path / "x.txt"))


def test_gdc_bundle_url_is_unpacked(http_root, tmp_path: Path) -> None:
    """A GDC download bundle (tar.gz) served over HTTP expands to its files, once."""
    import tarfile

    from etl.sources import REGISTRY

    url, root, seen = http_root
    folder = Path(str(REGISTRY["gdc-counts"].default_location()))
    with tarfile.open(root / "gdc_download.tar.gz", "w:gz") as tar:
        tar.add(folder, arcname="gdc_download")
    files = expand(f"{url}/gdc_download.tar.gz", tmp_path / "cache")
    local = sorted(p.name for p in folder.rglob("*") if p.is_file())
    assert sorted(f.name for f in files) == local
    assert expand(f"{url}/gdc_download.tar.gz", tmp_path / "cache") == files and len(seen) == 1
    (root / "broken.tar.gz").write_bytes((root / "gdc_download.tar.gz").read_bytes()[:1000])
    with pytest.raises(SourceFormatError, match="unreadable tar archive"):
        expand(f"{url}/broken.tar.gz", tmp_path / "cache")


def _local(path: Path) -> LocalFile:
    return LocalFile(path, str(path), "0" * 64)


def test_a_tabular_file_indexes_its_header_and_names_file_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "t.tsv.gz"
    path.write_bytes(gzip.compress(b"# a comment\n\ngene\tscore\tnote\nA\t1.5\tx\nB\tnope\ty\nC\t2\n\nD\t3\tz\n"))
    table = TabularFile(_local(path), required=("gene", ("score", "value")), what="test")
    assert table.header_line == 3 and table.has("note") and table.first_of("value", "score") == "score"
    rejected: list[SourceFormatError] = []
    rows = list(table.rows(rejected.append))
    assert [r["gene"] for r in rows] == ["A", "B", "D"] and rows[0].float("score") == 1.5
    assert rows[0].get("absent", "-") == "-"
    assert [(e.line, "2 fields" in str(e)) for e in rejected] == [(6, True)]
    with pytest.raises(SourceFormatError, match=r"t\.tsv\.gz:5 \[score\]: not a number: 'nope'"):
        rows[1].float("score")
    with pytest.raises(SourceFormatError, match=r"t\.tsv\.gz:6: 2 fields"):
        list(TabularFile(_local(path)).rows())  # no reject handler: the first bad line stops the read
    with pytest.raises(SourceFormatError, match=r"test header lacks 'missing'"):
        TabularFile(_local(path), required=("missing",), what="test")
    empty = tmp_path / "empty.tsv"
    empty.write_text("# only a comment\n")
    with pytest.raises(SourceFormatError, match="empty file: no header line"):
        TabularFile(_local(empty))
