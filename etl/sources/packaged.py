"""Where real reference data installed from package registries lives (read as files, never imported).

``scripts/setup.sh`` installs the ``mantis-ml`` 1.6.5 wheel without its dependencies (its
``mantis_ml/data/`` holds GTEx v7, GOA 2018, InWeb_InBioMap) and unpacks Debian's
``r-bioc-go.db`` into ``$KG_DATA_CACHE`` (default ``~/.cache/kg/debian``).
"""

from __future__ import annotations

import os
from importlib.util import find_spec
from pathlib import Path


def wheel_data(package: str, relative: str) -> Path | None:
    """``<site-packages>/<package>/data/<relative>`` if that package is installed, else ``None``."""
    spec = find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / relative
    return path if path.is_file() else None


def debian_cache() -> Path:
    """The folder Debian data packages are unpacked into."""
    return Path(os.environ.get("KG_DATA_CACHE", Path.home() / ".cache" / "kg" / "debian"))


def debian_file(package: str, name: str) -> Path | None:
    """The first file called ``name`` inside the unpacked Debian ``package``, or ``None``."""
    root = debian_cache() / package
    if not root.is_dir():
        return None
    return next((p for p in sorted(root.rglob(name)) if p.is_file()), None)
