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
