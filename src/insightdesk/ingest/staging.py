"""The DuckDB session a batch is staged in: bounded memory, progress reports, and cleanup after."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from insightdesk.config import get_settings
from insightdesk.ingest.sql import lit, scalar

if TYPE_CHECKING:
    import duckdb

ProgressFn = Callable[[str, float], None]

_SESSION_SETTINGS = ("memory_limit", "temp_directory", "TimeZone")

_STAGING_TABLES = (
    "stg_typed_scan",
    "stg_scan_copy",
    "stg_raw",
    "stg_raw_rejects",
    "stg_raw_scan",
    "stg_raw_json",
    "stg_typed",
    "stg_dups",
    "stg_events",
    "stg_contacts",
    "stg_quarantine",
    "stg_cls",
    "stg_rejected",
    "stg_ref_rej",
    "stg_erased",
)


@contextlib.contextmanager
def progress_poller(
    con: duckdb.DuckDBPyConnection, stage: str, lo: float, hi: float, progress: ProgressFn | None
) -> Iterator[None]:
    """Report DuckDB's own progress of the running statement as a fraction between lo and hi."""
    if progress is None:
        yield
        return
    stop = threading.Event()

    def poll() -> None:
        while not stop.wait(0.25):
            pct = con.query_progress()
            if pct >= 0:
                progress(stage, lo + (hi - lo) * min(pct, 100.0) / 100.0)

    thread = threading.Thread(target=poll, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
        progress(stage, hi)


def memory_limit() -> str:
    """DuckDB's memory limit for an ingest ($INSIGHTDESK_INGEST_MEMORY)."""
    return get_settings().ingest_memory


def limit_memory(con: duckdb.DuckDBPyConnection, workdir: Path) -> dict[str, str]:
    """Bound memory whatever the file size (DuckDB spills to workdir); returns the settings to restore."""
    saved = {name: scalar(con, f"SELECT current_setting('{name}')") for name in _SESSION_SETTINGS}
    con.execute(f"SET memory_limit = '{memory_limit()}'")
    con.execute(f"SET temp_directory = '{workdir}'")
    con.execute("SET preserve_insertion_order = true")
    return saved


def restore(con: duckdb.DuckDBPyConnection, saved: dict[str, str]) -> None:
    with contextlib.suppress(Exception):
        for name, value in saved.items():
            con.execute(f"SET {name} = {lit(str(value))}")


def drop_staging(con: duckdb.DuckDBPyConnection) -> None:
    for view in ("stg_ok", "stg_typed"):
        with contextlib.suppress(Exception):
            con.execute(f"DROP VIEW IF EXISTS {view}")
    with contextlib.suppress(Exception):
        con.execute("DROP TABLE IF EXISTS stg_ok")
    for name in _STAGING_TABLES:
        with contextlib.suppress(Exception):
            con.execute(f'DROP TABLE IF EXISTS "{name}"')
