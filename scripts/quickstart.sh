#!/usr/bin/env bash
# Install InsightDesk into ./.venv, build the embedded store from the bundled sample, serve the dashboard.
# Each step prints its number and progress; a second run skips the install when pyproject.toml is
# unchanged and reuses the store when the sample and models are (`--fresh` rebuilds it).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
STAMP=.venv/.insightdesk-installed
want=$(sha256sum pyproject.toml | cut -d' ' -f1)

echo "[1/5] installing InsightDesk into ./.venv"
started=$SECONDS
if [ -x .venv/bin/insightdesk ] && [ "$(cat "$STAMP" 2>/dev/null)" = "$want" ]; then
    echo "      already installed (pyproject.toml unchanged since)"
else
    if [ ! -x .venv/bin/python ]; then
        echo "      creating ./.venv"
        "$PYTHON" -m venv .venv
    fi
    .venv/bin/python -m pip install --quiet --upgrade pip 2> >(grep -v "WARNING: Location" >&2)
    # pip's own output, one line per package it resolves and installs, counted as it goes
    # (unbuffered: through a pipe Python would hold the lines back until the end).
    PYTHONUNBUFFERED=1 .venv/bin/python -m pip install --progress-bar off -e . 2> >(grep -v "WARNING: Location" >&2) |
        awk '/^Collecting /  { n++; printf "      resolving: %d packages (%s)\n", n, $2; fflush() }
             /^Installing collected packages/ { printf "      installing %d packages (the longest part)\n", n; fflush() }
             /^Successfully installed/ { print "      installed"; fflush() }'
    echo "$want" > "$STAMP"
fi
echo "      done in $((SECONDS - started)) s"
exec .venv/bin/insightdesk quickstart --serve --steps-before 1 "$@"
