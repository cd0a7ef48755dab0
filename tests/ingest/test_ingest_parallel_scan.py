"""An ingest at DuckDB's default thread count, on a file large enough for a parallel scan.

The rest of the suite runs DuckDB on one thread per connection (tests/conftest.py) and on small
files, which DuckDB reads on one thread anyway. Here a CSV over 32 MB (DuckDB splits a CSV into
buffers of 16 x the largest line allowed, 2 MB) is read by several threads, and what depends on file
order must still hold: each rejected record's line, multi-line values counted, and which records
were stored. Both ways of numbering the records are run (ingest/typed_pass.py): by insertion order
of the typed rows, when DuckDB's plan keeps the scan's order, and over a plain copy of the scan
otherwise.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest

from insightdesk.config import reset_settings
from insightdesk.ingest import ingest_file, typed_pass
from insightdesk.store import open_store, scratch_duckdb

HEADER = "id,type,channel,subject,status,priority,customer_id,team_id,created_at"
RECORDS = 40_000
PADDING = "x" * 850  # about 900 bytes a record: 36 MB in all
MULTI_LINE = {i for i in range(RECORDS) if i % 1000 == 7}  # a subject with a line break
# Rejected records: the first, the last, and some around where the scan's buffers meet.
BAD_CHANNEL = {0, 8_888, 17_500, 35_000, 35_001, RECORDS - 1}
BAD_TIME = {9_000, 26_543}


def _write(path: Path) -> dict[str, int]:
    """The file, and the physical line each rejected record starts on."""
    lines = [HEADER]
    starts: dict[str, int] = {}
    line = 2
    for i in range(RECORDS):
        subject = f'"Subject {i}\nsecond line {PADDING}"' if i in MULTI_LINE else f"Subject {i} {PADDING}"
        channel = "pigeon" if i in BAD_CHANNEL else "email"
        created = "yesterday" if i in BAD_TIME else "2026-01-05T09:00:00Z"
        lines.append(f"T{i},incident,{channel},{subject},open,high,C{i % 500},G{i % 7},{created}")
        if i in BAD_CHANNEL | BAD_TIME:
            starts[f"T{i}"] = line
        line += 2 if i in MULTI_LINE else 1
    path.write_text("\n".join(lines) + "\n")
    return starts


def test_a_long_in_list_is_a_join_that_may_reorder() -> None:
    con = scratch_duckdb()
    try:
        con.execute("CREATE TABLE t AS SELECT range::VARCHAR AS x FROM range(10)")
        scan = "t"
        assert typed_pass.keeps_scan_order(con, f"SELECT x FROM {scan} WHERE x <> '3'")
        assert not typed_pass.keeps_scan_order(con, f"SELECT x IN ('1', '2', '3', '4', '5') FROM {scan}")
        assert typed_pass.keeps_scan_order(
            con, f"SELECT list_contains(['1', '2', '3', '4', '5'], x) FROM {scan}"
        )
    finally:
        con.close()


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="a parallel scan needs two cores")
@pytest.mark.parametrize(
    "plan_keeps_order", [True, False], ids=["numbered-as-typed", "numbered-before-typing"]
)
def test_a_parallel_scan_keeps_lines_and_records_exact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, plan_keeps_order: bool
) -> None:
    monkeypatch.delenv("INSIGHTDESK_DUCKDB_THREADS", raising=False)
    reset_settings()
    checked: list[bool] = []
    planned = typed_pass.keeps_scan_order

    def keeps_scan_order(con: duckdb.DuckDBPyConnection, sql: str) -> bool:
        checked.append(planned(con, sql))
        return checked[-1] and plan_keeps_order

    monkeypatch.setattr(typed_pass, "keeps_scan_order", keeps_scan_order)
    source = tmp_path / "tickets.csv"
    starts = _write(source)
    assert source.stat().st_size > 32_000_000
    with open_store(str(tmp_path / "desk.duckdb")) as store:
        assert store.scalar("SELECT current_setting('threads')") >= 2
        result = ingest_file(store, source, "tickets")
        assert checked == [True]  # the typing query of tickets keeps the scan's order as planned
        bad = len(BAD_CHANNEL | BAD_TIME)
        assert (result.received, result.accepted, result.rejected) == (RECORDS, RECORDS - bad, bad)
        rejected = store.query_df("SELECT record_key, line, field FROM quarantine ORDER BY line")
        assert dict(zip(rejected["record_key"], rejected["line"], strict=True)) == starts
        assert set(rejected.loc[rejected["field"] == "created_at", "record_key"]) == {
            f"T{i}" for i in BAD_TIME
        }
        stored = store.query_df("SELECT id, subject FROM tickets")
        expected = {f"generic:T{i}" for i in range(RECORDS) if i not in BAD_CHANNEL | BAD_TIME}
        assert set(stored["id"]) == expected
        # Each record's values stayed together: the subject names its own id.
        numbers = stored["id"].str.removeprefix("generic:T")
        assert (stored["subject"].str.split(" ", n=2).str[1].str.split("\n").str[0] == numbers).all()
