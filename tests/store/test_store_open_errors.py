"""A store that cannot be opened says why in one sentence: held by another process (which one), a
path that is a folder, a data file, a missing folder, a PostgreSQL URL that is wrong or unreachable.
The CLI prints that sentence (exit 2) and never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from insightdesk.cli import app
from insightdesk.cli.output import ExitCode
from insightdesk.store import Store, StoreError, StoreLocked, open_store
from insightdesk.store.duckdb_files import remove_duckdb_store
from insightdesk.store.errors import locked

# The holder opens the file or database as `insightdesk serve` does, with the bare driver (starts fast).
HOLD = {
    "duckdb": "import duckdb, sys; c = duckdb.connect(sys.argv[1]); c.execute('create table t (x int)')",
    "postgres": "import psycopg, sys; c = psycopg.connect(sys.argv[1])",
}


@pytest.fixture
def holder(engine: str, store_url: str) -> Iterator[int]:
    """Another process with the store open (DuckDB: locked for writing), until the test ends."""
    code = HOLD[engine] + "; print('ready', flush=True); sys.stdin.read()"
    proc = subprocess.Popen(
        [sys.executable, "-c", code, store_url], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    yield proc.pid
    assert proc.stdin is not None
    proc.stdin.close()
    proc.wait(timeout=10)


def _one_error_line(args: list[str]) -> str:
    result = CliRunner().invoke(app, args)
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit | None), result.output
    assert result.exit_code == ExitCode.BAD_INPUT, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


def test_a_second_process_meets_a_held_store(engine: str, store_url: str, holder: int) -> None:
    """PostgreSQL serves several processes; DuckDB refuses even a read-only open while one writes."""
    if engine == "postgres":
        with open_store(store_url) as second:
            assert second.count("tickets") == 0
        assert CliRunner().invoke(app, ["db", "status", "--db", store_url]).exit_code == ExitCode.OK
        return
    for read_only in (False, True):
        with pytest.raises(StoreLocked) as raised:
            open_store(store_url, read_only=read_only)
        assert raised.value.pid == holder and "not even to read" in str(raised.value)
    line = _one_error_line(["db", "status", "--db", store_url])
    assert f"in use by process {holder}" in line


@pytest.mark.parametrize(
    ("message", "pid", "shown"),
    [
        (
            'IO Error: Could not set lock on file "/s.duckdb": Conflicting lock is held in '
            "/usr/bin/python3.11 (PID 4242). See also https://duckdb.org/docs/stable/connect/concurrency",
            4242,
            "process 4242 (python3.11)",
        ),
        (
            'IO Error: Could not set lock on file "/s.duckdb": Conflicting lock is held in (PID 77) by user x',
            77,
            "process 77",
        ),
        (
            'IO Error: Could not set lock on file "/s.duckdb": Resource temporarily unavailable',
            None,
            "another process",
        ),
        (
            "The process cannot access the file because it is being used by another process.",
            None,
            "another process",
        ),
    ],
)
def test_the_lock_holder_is_read_from_duckdbs_message(message: str, pid: int | None, shown: str) -> None:
    error = locked("/s.duckdb", message)
    assert error.pid == pid and f"is in use by {shown}," in str(error) and "\n" not in str(error)


def test_careless_duckdb_paths_are_refused_without_creating_anything(tmp_path: Path) -> None:
    data = tmp_path / "tickets.csv"
    data.write_text("ticket_id,subject\nT1,printer\n", encoding="utf-8")
    empty = tmp_path / "empty.duckdb"
    empty.touch()
    cases = {
        str(tmp_path / "missing" / "store.duckdb"): "the folder",
        str(tmp_path): "is a folder, not a store file",
        str(data): "is not a DuckDB database",  # DuckDB itself would open it as an in-memory view
        str(empty): "is not a DuckDB database",
    }
    for target, problem in cases.items():
        for command in (["db", "init"], ["quarantine", "list"]):
            line = _one_error_line([*command, "--db", target])
            assert target in line and problem in line, line
    assert not (tmp_path / "missing").exists()
    assert data.read_text(encoding="utf-8") == "ticket_id,subject\nT1,printer\n" and empty.stat().st_size == 0


def test_a_folder_nobody_may_write_to_is_refused(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        folder = tmp_path / "locked-up"
        folder.mkdir(mode=0o500)
        target = folder / "store.duckdb"
    else:  # root writes anywhere but where the file system refuses, such as /sys
        target = Path("/sys/insightdesk-test.duckdb")
        try:
            target.touch()
        except OSError:
            pass
        else:
            target.unlink()
            pytest.skip("running as root, and /sys takes new files here: no folder refuses root")
    line = _one_error_line(["db", "init", "--db", str(target)])
    assert str(target) in line and "permission denied" in line


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("postgresql://postgres:s3cret@127.0.0.1:1/postgres", "cannot reach PostgreSQL"),  # wrong port
        (
            "postgresql://postgres:s3cret@nohost.invalid:5432/postgres",
            "cannot reach PostgreSQL",
        ),  # wrong host
        (
            "postgresql://postgres:s3cret@127.0.0.1:5432/no_such_db_15",
            'database "no_such_db_15" does not exist',
        ),
        (
            "postgresql://no_such_role_15:s3cret@127.0.0.1:5432/postgres",
            'role "no_such_role_15" does not exist',
        ),
        ("postgresql://postgres:s3cret@127.0.0.1:port/postgres", "is not a valid PostgreSQL URL"),
    ],
)
def test_careless_postgres_urls_get_one_line(url: str, problem: str, pg_template: str) -> None:
    line = _one_error_line(["db", "status", "--db", url])
    assert problem in line and "s3cret" not in line, line


def test_quickstart_never_deletes_what_is_not_a_duckdb_store(tmp_path: Path) -> None:
    data = tmp_path / "tickets.csv"
    data.write_text("ticket_id\nT1\n", encoding="utf-8")
    with pytest.raises(StoreError, match="is not a DuckDB database"):
        remove_duckdb_store(data)
    assert data.exists()
    store = tmp_path / "store.duckdb"
    open_store(store, migrate=False).close()
    Path(f"{store}.wal").write_bytes(b"")
    remove_duckdb_store(store)
    assert not store.exists() and not Path(f"{store}.wal").exists()


def test_a_database_that_is_not_this_insightdesks_store_is_refused_unchanged(
    store: Store, store_url: str
) -> None:
    """Another application's tables, or a schema of a newer InsightDesk: one line, nothing changed."""
    with store.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = 'ffff9999'"))
    store.close()
    line = _one_error_line(["db", "status", "--db", store_url])
    assert "has a schema this InsightDesk does not know" in line and "ffff9999" in line
    with open_store(store_url, migrate=False) as opened, opened.begin() as conn:
        conn.execute(sa.text("DROP TABLE alembic_version"))  # now it looks like another application's
    line = _one_error_line(["db", "init", "--db", store_url])
    assert "could not be given InsightDesk's tables" in line and "already exists" in line
    with open_store(store_url, migrate=False) as opened:
        assert not sa.inspect(opened.engine).has_table("alembic_version")  # the failed upgrade left nothing
