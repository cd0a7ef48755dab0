"""Staged plaintext stays in a private folder (0700) beside the store, never in the system temp
folder; it goes when the batch ends, and a `kill -9`'s leftovers go at the next ingest."""

from __future__ import annotations

import os
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from insightdesk.config import reset_settings
from insightdesk.ingest import IngestError, ingest_file
from insightdesk.ingest.workdir import STAGING_DIR, _process_start, make_workdir, staging_root, sweep
from insightdesk.store import open_store

MARKER = "Zq7-personal-detail"  # stands for the personal data a real export holds

# The child pauses once the file is staged (a transcoded copy is in the staging folder then),
# through ingest_file's `on_stage` seam, and waits to be killed.
INGEST_SCRIPT = """
import sys, time
from insightdesk.config import reset_settings
from insightdesk.ingest import IngestError, ingest_file
from insightdesk.store import open_store

def pause_at(stage):
    if stage == "read":
        print("pausing", flush=True)
        time.sleep(3600)

ingest_file(open_store(sys.argv[1]), sys.argv[2], "tickets", encoding="cp1252", on_stage=pause_at)
"""


def holding_marker(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file() and MARKER.encode() in p.read_bytes()]


def export(tmp_path: Path) -> Path:
    rows = "".join(f"K{i},incident,open,2026-01-01T00:00:00Z,{MARKER} caf\u00e9 {i}\n" for i in range(2000))
    path = tmp_path / "export.csv"
    path.write_bytes(("id,type,status,created_at,subject\n" + rows).encode("cp1252"))
    return path


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_kill_9_leaves_plaintext_only_in_the_private_folder_and_the_next_ingest_sweeps_it(
    engine, store_url, tmp_path, request, monkeypatch
):
    if engine == "duckdb":
        shutil.copyfile(request.getfixturevalue("duckdb_template"), store_url)
    system_tmp, home = tmp_path / "system-tmp", tmp_path / "home"
    system_tmp.mkdir()
    home.mkdir()
    # A PostgreSQL store stages under ~/.cache: HOME points into tmp_path, as TMPDIR does.
    env = {**os.environ, "TMPDIR": str(system_tmp), "HOME": str(home)}
    env.pop("INSIGHTDESK_STAGING_DIR", None)
    log = tmp_path / "child.log"
    with log.open("w") as out:
        child = subprocess.Popen(
            [sys.executable, "-c", INGEST_SCRIPT, store_url, str(export(tmp_path))],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
    deadline = time.monotonic() + 60
    while "pausing" not in log.read_text() and time.monotonic() < deadline:
        assert child.poll() is None, f"ingest ended before staging: {log.read_text()}"
        time.sleep(0.05)
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)

    root = (Path(store_url).parent if engine == "duckdb" else home / ".cache" / "insightdesk") / STAGING_DIR
    assert not holding_marker(system_tmp), "staged plaintext reached the system temp folder"
    [left] = list(root.iterdir())
    assert left.name.startswith(f"batch-{child.pid}-") and holding_marker(left)
    assert mode(root) == 0o700 and mode(left) == 0o700

    monkeypatch.setenv("HOME", str(home))  # Path.home() of this process, for PostgreSQL
    monkeypatch.delenv("INSIGHTDESK_STAGING_DIR", raising=False)
    reset_settings()
    with open_store(store_url) as store:
        assert staging_root(store) == root
        result = ingest_file(store, export(tmp_path), "tickets", encoding="cp1252")
    assert result.inserted == 2000
    assert not list(root.iterdir()), "the next ingest sweeps what the killed one left, and its own folder"


def test_sweep_spares_live_processes_and_removes_ended_ones(tmp_path):
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()
    try:
        started = _process_start(alive.pid)
        folders = {
            "live": tmp_path / f"batch-{alive.pid}-{started}-aa",
            "mine": tmp_path / f"batch-{os.getpid()}-{_process_start(os.getpid())}-bb",
            "ended": tmp_path / f"batch-{ended.pid}-{started}-cc",
            # the live PID, but another start time: a later process reusing the PID of a killed one
            "reused": tmp_path / f"batch-{alive.pid}-{started + 1}-dd",
            "not ours": tmp_path / "something-else",
        }
        for folder in folders.values():
            folder.mkdir()
        swept = sweep(tmp_path)
    finally:
        alive.kill()
        alive.wait()
    assert sorted(swept) == sorted([folders["ended"], folders["reused"]])
    assert all(folders[k].exists() for k in ("live", "mine", "not ours"))


def test_a_staging_folder_that_is_not_private_is_refused(tmp_path, monkeypatch):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / STAGING_DIR).symlink_to(elsewhere)
    monkeypatch.setenv("INSIGHTDESK_STAGING_DIR", str(tmp_path))
    reset_settings()
    with pytest.raises(IngestError, match=r"is a link or belongs to another user, so it is not private"):
        make_workdir(SimpleNamespace(dialect="duckdb", target=str(tmp_path / "s.duckdb")))
    assert not list(elsewhere.iterdir())
