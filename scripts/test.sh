#!/usr/bin/env bash
# Install everything from scratch into ./.venv and run the whole test suite (the README's test command).
# PostgreSQL tests must run: the suite fails, rather than skips them, when no server answers.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
rm -rf .venv
"$PYTHON" -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".[dev]"
bash scripts/ensure_postgres.sh
.venv/bin/ruff check src tests benchmarks scripts
export INSIGHTDESK_REQUIRE_POSTGRES=1 HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
.venv/bin/python -m pytest -p no:cacheprovider "$@"
