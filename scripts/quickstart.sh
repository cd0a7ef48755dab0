#!/usr/bin/env bash
# Install InsightDesk into ./.venv and build the embedded store from the bundled sample.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e .
.venv/bin/insightdesk quickstart "$@"
