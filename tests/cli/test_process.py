"""Every `insightdesk` process tunes the garbage collector before it runs a command."""

from __future__ import annotations

import json
import subprocess
import sys

from insightdesk.cli.process import GC_THRESHOLDS

# Runs `main()` in a fresh interpreter with the command replaced by a probe of the collector's state.
PROBE = """
import gc, json, sys
import insightdesk.cli as cli
before = {"threshold": gc.get_threshold(), "frozen": gc.get_freeze_count()}
cli.app = lambda: print(json.dumps({"before": before, "threshold": gc.get_threshold(),
                                    "frozen": gc.get_freeze_count()}))
cli.main()
"""


def test_main_freezes_the_imports_and_collects_in_larger_steps() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120, check=True
    )
    state = json.loads(done.stdout)
    assert state["before"] == {"threshold": [700, 10, 10], "frozen": 0}  # CPython's defaults until main()
    assert tuple(state["threshold"]) == GC_THRESHOLDS
    # The CLI's imports (Typer, the command modules) are out of the collector's reach.
    assert state["frozen"] > 50_000
