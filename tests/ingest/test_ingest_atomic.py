"""A batch is atomic: `kill -9` of a real ingest process at any stage leaves the store as it was."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from insightdesk.ingest import ingest_file
from insightdesk.ingest.pipeline import STAGES
from insightdesk.store import open_store
from tests.support.ingest_files import TICKETS_CSV, write

TABLES = ["tickets", "customers", "teams", "quarantine", "ingest_batches", "record_history"]

# The child process pauses at the stage named by argv[3] through ingest_file's `on_stage` seam,
# so the library carries no test hook of its own.
INGEST_SCRIPT = """
import sys, time
from insightdesk.ingest import ingest_file
from insightdesk.store import open_store

def pause_at(stage):
    if stage == sys.argv[3]:
        print("pausing at", stage, flush=True)
        time.sleep(3600)

store = open_store(sys.argv[1])
ingest_file(store, sys.argv[2], "tickets", on_stage=pause_at)
"""


def snapshot(url: str) -> dict[str, object]:
    with open_store(url) as store:
        counts = {t: store.count(t) for t in TABLES}
        counts["statuses"] = store.query_df("SELECT id, status FROM tickets ORDER BY id").to_dict("records")
    return counts


def changed_tickets(tmp_path: Path) -> Path:
    # A second file that would insert, update and reject: anything it wrote would show.
    text = TICKETS_CSV.replace("Need access,open", "Need access,resolved").replace("T6,", "T7,")
    return write(tmp_path, "changed.csv", text)


@pytest.mark.parametrize("stage", STAGES)
def test_kill_9_midway_leaves_store_unchanged(store_url, tmp_path, stage):
    with open_store(store_url) as store:
        ingest_file(store, write(tmp_path, "tickets.csv", TICKETS_CSV), "tickets")
    before = snapshot(store_url)
    log = tmp_path / "child.log"
    with log.open("w") as out:
        child = subprocess.Popen(
            [sys.executable, "-c", INGEST_SCRIPT, store_url, str(changed_tickets(tmp_path)), stage],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 60
    while "pausing at" not in log.read_text() and time.monotonic() < deadline:
        assert child.poll() is None, f"ingest ended before reaching {stage}: {log.read_text()}"
        time.sleep(0.05)
    assert "pausing at" in log.read_text(), f"never reached {stage}"
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    assert snapshot(store_url) == before
    # and the store still works: the same file now ingests normally
    with open_store(store_url) as store:
        result = ingest_file(store, changed_tickets(tmp_path), "tickets")
        assert (result.inserted, result.updated) == (1, 1)


def test_on_stage_is_told_every_stage_in_order(tmp_path):
    reached: list[str] = []
    with open_store(tmp_path / "store.duckdb") as store:
        ingest_file(store, write(tmp_path, "tickets.csv", TICKETS_CSV), "tickets", on_stage=reached.append)
    assert reached == list(STAGES)
