"""`insightdesk ingest` on files it cannot take: one `error:` line naming the file, exit 2, no
traceback; `insightdesk quarantine show --json` prints JSON Lines."""

from __future__ import annotations

import gzip
import json
import shutil

from typer.testing import CliRunner

from insightdesk.cli import app
from tests.support.ingest_files import TICKETS_CSV

runner = CliRunner()


def test_unreadable_files_get_one_error_line_and_exit_2(tmp_path, duckdb_template):
    db = str(tmp_path / "cli.duckdb")
    shutil.copyfile(duckdb_template, db)
    (tmp_path / "folder.csv").mkdir()
    (tmp_path / "empty.csv").write_bytes(b"")
    packed = gzip.compress(TICKETS_CSV.encode() * 20)
    (tmp_path / "cut.csv.gz").write_bytes(packed[: len(packed) // 2])
    (tmp_path / "huge.csv").write_text(
        "id,type,status,created_at,subject\nA,incident,open,2026-01-01," + "x" * 3_000_000 + "\n"
    )
    for name, says in (
        ("folder.csv", "is a folder, not a file"),
        ("empty.csv", "the file is empty (0 bytes)"),
        ("cut.csv.gz", "the gzip stream ends early"),
        ("huge.csv", "line 2 is longer than the 2,000,000 bytes one record may have"),
    ):
        path = tmp_path / name
        result = runner.invoke(app, ["ingest", str(path), "--kind", "tickets", "--db", db, "-q", "--no-kpis"])
        lines = result.output.strip().splitlines()
        assert result.exit_code == 2, (name, result.output)
        assert len(lines) == 1 and lines[0].startswith(f"error: {path}: ") and says in lines[0], name
        assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)


def test_quarantine_show_json_prints_json_lines(tmp_path, duckdb_template):
    db = str(tmp_path / "cli.duckdb")
    shutil.copyfile(duckdb_template, db)
    path = tmp_path / "tickets.csv"
    # a [markup]-looking value and a control character must come out as data, one object a line
    path.write_text(TICKETS_CSV.replace("Bad channel", "[bold]x\x1b[31m"), encoding="utf-8")
    ingested = runner.invoke(app, ["ingest", str(path), "--kind", "tickets", "--db", db, "-q", "--no-kpis"])
    assert ingested.exit_code == 0, ingested.output
    shown = runner.invoke(app, ["quarantine", "show", "--json", "--db", db])
    assert shown.exit_code == 0, shown.output
    records = [json.loads(line) for line in shown.stdout.splitlines()]
    assert len(records) == 3 and all(isinstance(r, dict) for r in records)
    by_key = {r["record_key"]: r for r in records}
    assert by_key["T3"]["raw"]["subject"] == "[bold]x\x1b[31m" and by_key["T3"]["field"] == "channel"
    assert "\x1b" not in shown.stdout  # escaped by JSON, never raw on the terminal
