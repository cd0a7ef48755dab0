#!/usr/bin/env bash
# Install InsightDesk into ./.venv and build the embedded store from the bundled sample.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
pip_install() { .venv/bin/python -m pip install --quiet "$@" 2> >(grep -v "WARNING: Location" >&2); }
pip_install --upgrade pip
pip_install -e .
.venv/bin/insightdesk quickstart --serve "$@"
