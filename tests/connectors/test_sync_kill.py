"""`kill -9` of a real sync process at several points: the next sync resumes with no gap and no
duplicate, because each cursor commits in the transaction of the rows it covers.

Points (stream, point, occurrence), each a real process forked from one warm process and killed
with SIGKILL while paused there: a page fetched but not ingested; rows and cursor written but not
committed; just after a commit; inside a later stream's transaction.
"""

from __future__ import annotations

import os
import select
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from insightdesk.connectors.cursors import read_cursor
from insightdesk.connectors.sync import sync_source
from insightdesk.store import open_store
from tests.connectors.fakes import FakeZendesk, fast_client, iso, source_for

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

FORKER = """
import os, signal, sys, time
signal.signal(signal.SIGCHLD, signal.SIG_IGN)
import duckdb, psycopg, sqlalchemy
from insightdesk.connectors.sources import parse_source
from insightdesk.connectors.sync import sync_source
from insightdesk.store import open_store

for line in sys.stdin:
    url, base, stream, point, nth = line.rstrip("\\n").split("\\t")
    if os.fork() == 0:
        seen = {"n": 0}
        def pause(at_stream, at_point):
            if (at_stream, at_point) == (stream, point):
                seen["n"] += 1
                if seen["n"] == int(nth):
                    os.write(1, f"paused {os.getpid()}\\n".encode())
                    time.sleep(120)
        source = parse_source("zendesk-test", {
            "vendor": "zendesk", "base_url": base, "owner": "admin", "start": "2026-01-01T00:00:00Z",
            "auth": {"type": "basic", "user": "agent/token", "secret_env": "TEST_CONNECTOR_TOKEN"},
            "page_size": 2, "batch_records": 2})
        try:
            sync_source(open_store(url, migrate=False), source, on_point=pause)
            os.write(1, f"finished {os.getpid()}\\n".encode())
        finally:
            os._exit(0)
"""

POINTS = [
    ("tickets", "fetched", 2),
    ("tickets", "ingested", 2),
    ("satisfaction_ratings", "ingested", 1),
]


@pytest.fixture(scope="module")
def forker() -> Iterator[subprocess.Popen[str]]:
    env = {**os.environ, "TEST_CONNECTOR_TOKEN": "test-secret", "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.Popen(
        [sys.executable, "-c", FORKER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env
    )
    yield proc
    assert proc.stdin is not None
    proc.stdin.close()
    proc.wait(timeout=30)


def _pause_and_kill(proc: subprocess.Popen[str], request: str) -> None:
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(request + "\n")
    proc.stdin.flush()
    ready, _, _ = select.select([proc.stdout], [], [], 60)
    assert ready, "the sync never reached its point"
    word, pid = proc.stdout.readline().split()
    assert word == "paused", f"the sync finished before its point ({request})"
    os.kill(int(pid), signal.SIGKILL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # DuckDB's file lock goes with the process, not the signal
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            return
        time.sleep(0.02)


@pytest.mark.parametrize(("stream", "point", "nth"), POINTS)
def test_kill_9_then_resume_is_exactly_once_on_duckdb(
    forker: subprocess.Popen[str],
    tmp_path: Path,
    duckdb_template: Path,
    httpserver: HTTPServer,
    monkeypatch: pytest.MonkeyPatch,
    stream: str,
    point: str,
    nth: int,
) -> None:
    store_url = str(tmp_path / "store.duckdb")
    shutil.copyfile(duckdb_template, store_url)
    _kill_and_resume(forker, store_url, httpserver, monkeypatch, (stream, point, nth))


@pytest.mark.postgres
def test_kill_9_inside_the_transaction_on_postgres(
    forker: subprocess.Popen[str], pg_url: str, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The point where rows and cursor are written but not committed: the one a second engine tests.
    _kill_and_resume(forker, pg_url, httpserver, monkeypatch, ("tickets", "ingested", 2))


def _kill_and_resume(
    forker: subprocess.Popen[str],
    store_url: str,
    httpserver: HTTPServer,
    monkeypatch: pytest.MonkeyPatch,
    at: tuple[str, str, int],
) -> None:
    stream, point, nth = at
    fake = FakeZendesk(httpserver)
    for n in range(1, 6):
        fake.put_ticket(n, T0 + timedelta(minutes=n))
    fake.ratings = {
        1: {"id": 1, "ticket_id": 1, "score": "good", "created_at": iso(T0), "updated_at": iso(T0)}
    }
    base = httpserver.url_for("/").rstrip("/")
    _pause_and_kill(forker, f"{store_url}\t{base}\t{stream}\t{point}\t{nth}")
    with open_store(store_url) as store:
        cursor, _ = read_cursor(store, "zendesk-test", "tickets")
        tickets = store.count("tickets")
        # What is in the store is exactly what the committed cursor covers: no more, no less.
        covered = int(cursor["cursor"].split(":")[1]) if cursor else 0
        assert tickets == covered
        assert store.scalar("select count(*) from connector_runs where status = 'running'") == 1
        monkeypatch.setenv("TEST_CONNECTOR_TOKEN", "test-secret")
        report = sync_source(
            store,
            source_for("zendesk", httpserver, page_size=2, batch_records=2),
            client_factory=fast_client(),
        )
        assert report.counts.received == 5 - covered + 1  # the rating (a later stream) comes again
        assert store.count("tickets") == 5 and store.count("feedback") == 1
        assert store.scalar("select count(*) from record_history") == 0
        assert store.scalar("select count(*) from quarantine") == 0
