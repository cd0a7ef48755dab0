"""A batch is atomic: `kill -9` of a real ingest process at any point leaves the store as it was,
or, once committed, fully updated; and the same file then ingests normally.

The points are every one `ingest_file` names through its `on_stage` seam (see
ingest/checkpoints.py): the named stages and, between them, each statement the batch sends to the
store: 23 points for the batch below, on each engine. Each point gets a real process, forked from
one warm process (so 46 kills cost forks, not interpreter starts), paused at its point, killed with
SIGKILL, then the store is compared with its state before (row count and content digest of every
table) and the file re-ingested.
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
from pathlib import Path

import pytest
import sqlalchemy as sa

from insightdesk.ingest import ingest_file
from insightdesk.ingest.checkpoints import STAGES, STATEMENT
from insightdesk.store import Store, open_store
from tests.support.ingest_files import TICKETS_CSV, write

ROOT = Path(__file__).resolve().parents[2]

# A second file that inserts (T7), updates (T2, keeping history), leaves T1 unchanged, creates stub
# customers and teams (C9, G9), rejects three records and supersedes the first run's rejects.
CHANGED = TICKETS_CSV.replace("Need access,open", "Need access,resolved").replace(
    "T6,question,web,Fine,new,low,C3,G2", "T7,question,web,Fine,new,low,C9,G9"
)

# One warm process: for each line "url<TAB>file<TAB>point" on stdin it forks a child that ingests
# the file and pauses at the point, saying so on stdout (one write() per line, so lines of children
# never interleave). Killed children are reaped by the kernel; a forgotten one sleeps 2 minutes.
FORKER = """
import os, signal, sys, time
signal.signal(signal.SIGCHLD, signal.SIG_IGN)
import duckdb, psycopg, sqlalchemy  # warm: every fork shares these imports
from insightdesk.ingest import ingest_file
from insightdesk.store import open_store

for line in sys.stdin:
    url, path, point = line.rstrip("\\n").split("\\t")
    if os.fork() == 0:
        code = 1
        try:
            def pause(stage):
                if stage == point:
                    os.write(1, f"paused {os.getpid()}\\n".encode())
                    time.sleep(120)
            ingest_file(open_store(url, migrate=False), path, "tickets", on_stage=pause)
            os.write(1, f"finished {os.getpid()}\\n".encode())
            code = 0
        finally:
            os._exit(code)
"""

# Columns whose values differ between two complete runs of the same batch (ids and clock times).
VOLATILE = {
    "batch_id",
    "replaced_by_batch_id",
    "resolved_batch_id",
    "quarantine_id",
    "first_seen_at",
    "last_changed_at",
    "started_at",
    "finished_at",
    "replaced_at",
}
VOLATILE_IN = {"quarantine": {"created_at"}}


def tables_and_columns(store: Store) -> dict[str, list[str]]:
    schema = "main" if store.dialect == "duckdb" else "public"
    rows = store.query_df(
        "SELECT c.table_name, c.column_name FROM information_schema.columns c JOIN information_schema.tables t "
        "ON t.table_name = c.table_name AND t.table_schema = c.table_schema WHERE c.table_schema = :s "
        "AND t.table_type = 'BASE TABLE' ORDER BY c.table_name, c.ordinal_position",
        {"s": schema},
    )
    found: dict[str, list[str]] = {}
    for table, column in rows.itertuples(index=False):
        found.setdefault(table, []).append(column)
    return found


_DIGEST_SQL: dict[tuple[str, bool], str] = {}


def digest(store: Store, *, stable: bool = False) -> dict[str, tuple[int, str]]:
    """(rows, md5 of the sorted row digests) per table; `stable` leaves out VOLATILE columns."""
    key = (store.dialect, stable)
    if key not in _DIGEST_SQL:  # the same tables in every store of a run: build the query once
        _DIGEST_SQL[key] = digest_sql(store, stable)
    frame = store.query_df(_DIGEST_SQL[key])
    return {t: (int(n), h) for t, n, h in frame.itertuples(index=False)}


def digest_sql(store: Store, stable: bool) -> str:
    text = "VARCHAR" if store.dialect == "duckdb" else "TEXT"
    parts = []
    for table, columns in tables_and_columns(store).items():
        if stable:
            kept = [c for c in columns if c not in VOLATILE | VOLATILE_IN.get(table, set())]
            row = "ROW(" + ", ".join(f'x."{c}"' for c in kept) + ")"
        else:
            row = "x"
        md5 = f"md5(CAST({row} AS {text}))"
        parts.append(
            f"SELECT '{table}' AS t, count(*) AS n, md5(coalesce(string_agg({md5}, '' ORDER BY {md5}), '')) AS h "
            f'FROM "{table}" x'
        )
    return " UNION ALL ".join(parts)


class Copies:
    """The loaded store before the batch, restored for each point: a file copy for DuckDB; for
    PostgreSQL the tables a batch writes refilled from copies kept in schema `pristine` (creating and
    dropping a database per point costs seconds)."""

    def __init__(self, engine: str, url: str, folder: Path) -> None:
        self.engine, self.url, self.folder = engine, url, folder
        self.written: list[str] = []  # the tables the batch changes (found by the reference run)
        with open_store(url) as store:
            self.tables = list(tables_and_columns(store))
            if engine == "postgres":
                with store.begin() as conn:
                    # Commits need not wait for the disk: a kill of the client is what is tested,
                    # and the server rolls back its open transaction all the same.
                    database = url.rsplit("/", 1)[1]
                    conn.execute(sa.text(f'ALTER DATABASE "{database}" SET synchronous_commit = off'))
                    conn.execute(sa.text("CREATE SCHEMA pristine"))
                    for table in self.tables:
                        conn.execute(sa.text(f'CREATE TABLE pristine."{table}" AS SELECT * FROM "{table}"'))

    def fresh(self, name: str) -> str:
        """The URL of a store in the state before the batch."""
        if self.engine == "duckdb":
            copy = self.folder / f"{name}.duckdb"
            shutil.copyfile(self.url, copy)
            return str(copy)
        # The digests prove every other table untouched; DELETE of a few rows beats TRUNCATE's new files.
        with open_store(self.url, migrate=False) as store, store.begin() as conn:
            for table in self.written:
                conn.execute(sa.text(f'DELETE FROM "{table}"'))
                conn.execute(sa.text(f'INSERT INTO "{table}" SELECT * FROM pristine."{table}"'))
        return self.url


@pytest.fixture(scope="module")
def forker() -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen(
        [sys.executable, "-c", FORKER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0, cwd=ROOT
    )
    yield process
    assert process.stdin is not None
    process.stdin.close()
    process.wait(timeout=30)


def said_lines(forker: subprocess.Popen[bytes], n: int, timeout: float = 60) -> list[list[str]]:
    """The next `n` lines the forked children print, or an assertion error after `timeout` seconds."""
    assert forker.stdout is not None
    fd, text, deadline = forker.stdout.fileno(), b"", time.monotonic() + timeout
    while (lines := text.count(b"\n")) < n:
        ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
        assert ready, f"only {lines} of {n} batches reached their point: {text!r}"
        text += os.read(fd, 4096)
    return [line.split() for line in text.decode().splitlines()]


def kill_at(forker: subprocess.Popen[bytes], path: Path, jobs: list[tuple[str, str]]) -> None:
    """Run the batch of `path` on each (store url, point) of `jobs` at once, each in its own process
    paused at its point; once all are paused, SIGKILL them all."""
    assert forker.stdin is not None
    forker.stdin.write("".join(f"{url}\t{path}\t{point}\n" for url, point in jobs).encode())
    forker.stdin.flush()
    said = said_lines(forker, len(jobs))
    pids = [int(pid) for _, pid in said]
    for pid in pids:
        os.kill(pid, signal.SIGKILL)
    assert all(word == "paused" for word, _ in said), f"a batch ran past its point: {said} (jobs {jobs})"
    deadline = time.monotonic() + 30
    while pids and time.monotonic() < deadline:  # each is gone once the kernel has reaped it
        try:
            os.kill(pids[-1], 0)
            time.sleep(0.005)
        except ProcessLookupError:
            pids.pop()
    assert not pids, f"processes {pids} outlived SIGKILL"


def test_kill_9_at_every_point_leaves_the_store_as_before_or_fully_updated(
    engine, store_url, tmp_path, forker
):
    with open_store(store_url) as store:
        ingest_file(store, write(tmp_path, "tickets.csv", TICKETS_CSV), "tickets")
        before = digest(store)
    changed = write(tmp_path, "changed.csv", CHANGED)
    copies = Copies(engine, store_url, tmp_path)

    # The reference: the batch run to the end, naming its points on the way.
    points: list[str] = []
    with open_store(copies.fresh("reference")) as store:
        reference = ingest_file(store, changed, "tickets", on_stage=points.append)
        after = digest(store, stable=True)
        copies.written = [t for t, state in digest(store).items() if state != before[t]]
    expected = (reference.inserted, reference.updated, reference.unchanged, reference.rejected)
    assert expected == (1, 1, 1, 3) and reference.stubs == {"customers": 1, "teams": 1}
    assert [p for p in points if p in STAGES] == list(STAGES)
    assert len(points) >= 20 and sum(p.startswith(STATEMENT) for p in points) >= 15

    # DuckDB: one file per point, all killed together. PostgreSQL: one database, point after point.
    if engine == "duckdb":
        urls = {point: copies.fresh(f"point{i}") for i, point in enumerate(points)}
        kill_at(forker, changed, [(url, point) for point, url in urls.items()])
    outcomes: dict[str, str] = {}
    for point in points:
        if engine == "duckdb":
            url = urls[point]
        else:
            url = copies.fresh(point)
            kill_at(forker, changed, [(url, point)])
        with open_store(url, migrate=False) as store:
            if digest(store) == before:
                outcomes[point] = "as before"
                rerun = ingest_file(store, changed, "tickets")
                assert (rerun.inserted, rerun.updated, rerun.unchanged, rerun.rejected) == expected, point
                assert digest(store, stable=True) == after, point
            else:
                assert digest(store, stable=True) == after, (
                    f"killed at {point!r}: neither as before nor updated"
                )
                outcomes[point] = "updated"
                rerun = ingest_file(store, changed, "tickets")
                assert (rerun.inserted, rerun.updated, rerun.rejected) == (0, 0, 3), point
            assert rerun.reconciles, point
    # Every point before the commit leaves the store as it was; after it, the batch is all there.
    assert [p for p, outcome in outcomes.items() if outcome == "updated"] == ["committed"]
