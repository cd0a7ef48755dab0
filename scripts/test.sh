#!/usr/bin/env bash
# Install everything from scratch into ./.venv and run the whole test suite (the README's test command).
# PostgreSQL tests must run: the suite fails, rather than skips them, when no server answers.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv   # a fresh clone has none: installed from scratch
# (grep drops this machine's pip notes about absent local mirrors; real errors still show and fail)
pip_install() { .venv/bin/python -m pip install --quiet "$@" 2> >(grep -v "WARNING: Location" >&2); }
pip_install --upgrade pip
# spark: the metrics integration test on PySpark local mode (needs Java 17). --no-compile: pip would
# write bytecode for all 13,000 modules of the dependencies (42 s of the 78 s the install took);
# the 2,500 the suite imports are compiled once, below, before the workers start.
pip_install --no-compile -e ".[dev,spark]"
bash scripts/ensure_postgres.sh
# Browser tests drive Debian's Chromium (never a downloaded browser build).
if ! command -v chromium >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null
fi
# Static checks first (seconds): lint, formatting, types, the layer contracts of pyproject.toml.
.venv/bin/ruff check src tests benchmarks scripts
.venv/bin/ruff format --check src tests benchmarks scripts
.venv/bin/mypy
.venv/bin/lint-imports
export INSIGHTDESK_REQUIRE_POSTGRES=1 HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
# Bytecode caches on, and written once before the workers start: the suite starts dozens of Python
# processes (servers, killed loaders, CLI runs), and without them each compiled our 300-odd modules
# from source again (importing the app: 4.6 s of CPU instead of 3.3 s). Some machines switch them off.
unset PYTHONDONTWRITEBYTECODE
.venv/bin/python -m compileall -q -j 0 src tests >/dev/null
# And the dependencies' bytecode (installed without it, above): one process writes what the app and
# the test tools import, rather than both workers compiling the same modules at once.
.venv/bin/python -c "import insightdesk.api.app, insightdesk.cli, pytest, hypothesis, schemathesis"
# One worker per core; tests that share a server, the sample store or a module's fixture stay on one
# worker (tests/conftest.py marks their xdist group). Arguments given here come last and win,
# e.g. `bash scripts/test.sh -n 0 tests/store` runs one folder without workers.
.venv/bin/python -m pytest -p no:cacheprovider -n auto --dist loadgroup --durations=15 "$@"
