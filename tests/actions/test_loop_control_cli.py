"""`insightdesk packs`, `changes` and `notifications`: a held pack exits 1 with its reason and is never
mailed, a signed-off one reaches each recipient once (a real SMTP server on loopback), four-eyes and
locked-setting refusals are one `error:` line and exit 2, never a traceback."""

from __future__ import annotations

import datetime as dt
import re
import shutil

import pytest
from typer.testing import CliRunner

from insightdesk.cli import app
from insightdesk.config import reset_settings
from insightdesk.store import open_store
from insightdesk.store.tables.actions import action_notifications
from insightdesk.store.tables.canonical import tickets
from tests.actions.desk import lineage
from tests.surveys.smtp import SmtpServer

END = dt.datetime(2026, 11, 30)


def test_packs_changes_and_notifications_commands(tmp_path, duckdb_template, monkeypatch: pytest.MonkeyPatch):
    db = str(tmp_path / "s.duckdb")
    shutil.copyfile(duckdb_template, db)
    start = END - dt.timedelta(days=7)
    with open_store(db) as store, store.begin() as conn:
        conn.execute(tickets.insert(), [
            {**lineage("t", str(i), start + dt.timedelta(hours=6 * i)), "type": "incident", "status": "open",
             "created_at": start + dt.timedelta(hours=6 * i)} for i in range(28)])  # fmt: skip
        conn.execute(action_notifications.insert().values(
            notification_id="ev-1:0:0", subject="ev-1", rule_id="critical-alerts", level=0, recipient="ops@desk.example",
            channel="email", escalate_after_hours=2, sent_at=END))  # fmt: skip
    runner = CliRunner()

    def run(*args: str) -> tuple[int, str]:
        result = runner.invoke(app, [*args, "--db", db])
        assert "Traceback" not in result.output, result.output
        return result.exit_code, re.sub(r"\s+", " ", result.output)

    code, out = run("packs", "build", "viewer", "--end", "2026-12-31", "--actor", "ana")
    assert code == 1 and "stale: newest ticket" in out and "viewer:2026-12-24 is held" in out
    code, out = run("packs", "send", "viewer:2026-12-24", "--to", "v@desk.example")
    assert code == 2 and "a held pack is never sent" in out
    code, out = run(
        "packs", "build", "team-lead", "--end", "2026-11-30", "--require-signoff", "--actor", "ana"
    )
    assert code == 0 and "awaiting_signoff" in out and "Open actions: none open" in out
    code, out = run("packs", "sign-off", "team_lead:2026-11-23", "--actor", "ana")
    assert code == 2 and "ana built it; a second person must sign it off" in out
    assert run("packs", "sign-off", "team_lead:2026-11-23", "--actor", "max")[0] == 0
    code, out = run("packs", "list", "--status", "held")
    assert code == 0 and "Review packs (1)" in out and "stale:" in out
    assert run("packs", "build", "boss")[1].startswith("error: unknown role 'boss'")

    with SmtpServer() as smtp:
        monkeypatch.setenv("INSIGHTDESK_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("INSIGHTDESK_SMTP_PORT", str(smtp.port))
        monkeypatch.setenv("INSIGHTDESK_SMTP_STARTTLS", "false")
        reset_settings()
        code, out = run("packs", "send", "team_lead:2026-11-23", "--to", "a@desk.example,b@desk.example")
        assert code == 0 and out.count("delivered") == 2
        code, out = run("packs", "send", "team_lead:2026-11-23", "--to", "a@desk.example")
        assert code == 0 and "already_sent" in out and len(smtp.mailbox.messages) == 2
    reset_settings()
    code, out = run("packs", "show", "team_lead:2026-11-23", "--format", "json")
    assert code == 0 and '"status": "sent"' in out and '"signed_off_by": "max"' in out

    code, out = run(
        "changes", "propose", "kpi.targets", '{"csat": 0.9}', "--region", "emea", "--actor", "ana"
    )
    assert code == 0 and "region emea" in out and "csat" in out and "0.9" in out
    change = re.search(r"proposed (cfg-\S+): a draft", out).group(1)  # type: ignore[union-attr]
    code, out = run("changes", "propose", "display.currency", '"EUR"', "--region", "emea")
    assert code == 2 and "setting display.currency is locked globally" in out
    code, out = run("changes", "stage", change, "--actor", "ana")
    assert code == 2 and "ana proposed it; a second person must stage it" in out
    assert run("changes", "stage", change, "--actor", "max")[1].strip() == f"{change}: staging"
    assert f"applied 1 change(s): {change}" in run("changes", "apply")[1]
    assert "active" in run("changes", "list", "--status", "active")[1]

    code, out = run("notifications", "list")
    assert code == 0 and "ev-1:0:0" in out and "waiting" in out
    assert run("notifications", "ack", "ev-1:0:0", "--actor", "lea")[0] == 0
    assert "already acknowledged by lea" in run("notifications", "ack", "ev-1:0:0")[1]
    assert "Notifications (0)" in run("notifications", "list")[1]
