"""Scheduled review packs (`packs.schedule`, `run_due_packs`, `insightdesk packs run-due`): a pack is
due at its role's weekday and hour, built once per period whatever the repeats, mailed through a real
SMTP server on loopback (aiosmtpd) when it passes the gate and needs no sign-off; a held pack and one
awaiting sign-off are not mailed, and a signed-off one goes out at the next call (both engines)."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from insightdesk.actions import ActionsError, build_pack, list_packs, send_pack, sign_off
from insightdesk.actions import packs as packs_module
from insightdesk.actions.packs_schedule import last_slot, run_due_packs
from insightdesk.cli import app
from insightdesk.config import reset_settings
from insightdesk.governance.settings import SettingError, set_setting
from insightdesk.governance.users import Actor
from insightdesk.store import Store, open_store
from insightdesk.store.tables.canonical import tickets
from tests.actions.desk import lineage
from tests.surveys.smtp import SmtpServer

SLOT = dt.datetime(2026, 11, 30, 7, 0)  # a Monday, 07:00 UTC
ADMIN = Actor("cli:tests", "admin", "cli")
SCHEDULE = {
    "team-lead": {"weekday": "monday", "hour": 7, "days": 7, "recipients": ["Lead@desk.example"]},
    "analyst": {"weekday": "mon", "hour": 7, "recipients": ["ana@desk.example"], "require_signoff": True},
}


@pytest.fixture
def mail(monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpServer]:
    with SmtpServer() as smtp:
        monkeypatch.setenv("INSIGHTDESK_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("INSIGHTDESK_SMTP_PORT", str(smtp.port))
        monkeypatch.setenv("INSIGHTDESK_SMTP_STARTTLS", "false")
        monkeypatch.setenv("INSIGHTDESK_SMTP_FROM", "InsightDesk <reports@desk.example>")
        reset_settings()
        yield smtp
    reset_settings()


def _tickets(store: Store) -> None:
    """Four tickets a day for the week before SLOT, none earlier."""
    start = SLOT - dt.timedelta(days=7)
    with store.begin() as conn:
        conn.execute(tickets.insert(), [
            {**lineage("t", str(i), start + dt.timedelta(hours=6 * i)), "type": "incident", "status": "open",
             "created_at": start + dt.timedelta(hours=6 * i)} for i in range(28)])  # fmt: skip


def test_slots_fall_on_the_weekday_and_hour_and_the_setting_is_checked():
    weekly = {"weekday": "mon", "hour": 7}
    assert last_slot(weekly, SLOT) == SLOT
    assert last_slot(weekly, SLOT - dt.timedelta(minutes=1)) == SLOT - dt.timedelta(days=7)
    assert last_slot(weekly, SLOT + dt.timedelta(days=6, hours=16)) == SLOT  # Sunday 23:00
    assert last_slot(
        {"weekday": "daily", "hour": 7}, SLOT + dt.timedelta(days=2, hours=-1)
    ) == SLOT + dt.timedelta(days=1)
    from insightdesk.governance.settings import SETTINGS

    check = SETTINGS["packs.schedule"].check
    assert check(SCHEDULE)["team_lead"] == {"weekday": "mon", "hour": 7, "days": 7, "max_staleness_hours": 48,
                                            "recipients": ["lead@desk.example"], "require_signoff": False}  # fmt: skip
    for bad, message in (
        ({"boss": {}}, "unknown role 'boss'"),
        ({"viewer": {"hour": 24}}, r"packs.schedule\['viewer'\].hour must be a whole number from 0 to 23"),
        ({"viewer": {"weekday": "someday"}}, r"weekday must be one of mon, .* or daily"),
        ({"viewer": {"recipients": ["not-an-address"]}}, "recipients must be a list of e-mail addresses"),
        ({"viewer": {"cc": []}}, "unknown field 'cc'"),
    ):
        with pytest.raises(SettingError, match=message):
            check(bad)


def test_due_packs_are_built_once_per_period_and_only_ready_ones_are_mailed(store, mail):
    assert run_due_packs(store, SLOT) == []  # nothing scheduled: nothing happens
    _tickets(store)
    set_setting(store.engine, "packs.schedule", SCHEDULE, actor=ADMIN)

    # An hour before Monday's slot the due period is the week before, which has no data: held, not mailed.
    early = {o["role"]: o for o in run_due_packs(store, SLOT - dt.timedelta(hours=1))}
    assert early["team_lead"]["pack_id"] == "team_lead:2026-11-16" and early["team_lead"]["status"] == "held"
    assert early["team_lead"]["result"] == "built" and mail.mailbox.messages == []

    due = {o["role"]: o for o in run_due_packs(store, SLOT + dt.timedelta(minutes=5))}
    assert (due["team_lead"]["pack_id"], due["team_lead"]["result"], due["team_lead"]["status"]) == (
        "team_lead:2026-11-23", "sent", "sent")  # fmt: skip
    assert (due["analyst"]["result"], due["analyst"]["status"]) == ("built", "awaiting_signoff")
    assert [m["To"] for m in mail.mailbox.messages] == ["lead@desk.example"]

    # Same period, later in the week: nothing is built or mailed again.
    again = {o["role"]: o["result"] for o in run_due_packs(store, SLOT + dt.timedelta(days=3))}
    assert again == {"team_lead": "done", "analyst": "waiting"}
    assert len(mail.mailbox.messages) == 1 and len(list_packs(store)) == 4

    sign_off(store, "analyst:2026-11-23", "max")  # the scheduler built it: a person signs it off
    after = {o["role"]: o["result"] for o in run_due_packs(store, SLOT + dt.timedelta(days=3))}
    assert after == {"team_lead": "done", "analyst": "sent"}
    assert sorted(m["To"] for m in mail.mailbox.messages) == ["ana@desk.example", "lead@desk.example"]
    held = [p for p in list_packs(store) if p["status"] == "held"]
    assert sorted(p["pack_id"] for p in held) == ["analyst:2026-11-16", "team_lead:2026-11-16"]
    assert all(p["held_reason"].startswith("stale") for p in held)


def test_run_due_command(tmp_path, duckdb_template, mail):
    db = str(tmp_path / "s.duckdb")
    shutil.copyfile(duckdb_template, db)
    with open_store(db) as store:
        _tickets(store)
        set_setting(store.engine, "packs.schedule", {"viewer": {"hour": 7, "recipients": ["v@desk.example"]}},
                    actor=ADMIN)  # fmt: skip
    runner = CliRunner()
    for _ in range(2):  # the second run finds the period's pack: nothing is mailed twice
        result = runner.invoke(app, ["packs", "run-due", "--db", db, "--now", "2026-11-30T09:00"])
        assert result.exit_code == 0 and "Traceback" not in result.output, result.output
    out = re.sub(r"\s+", " ", result.output)
    assert "viewer:2026-11-23 │ done │ sent" in out or re.search(r"viewer:2026-11-23\W+done\W+sent", out), out
    assert [m["To"] for m in mail.mailbox.messages] == ["v@desk.example"]


@pytest.mark.postgres
def test_a_cron_run_beside_the_servers_loop_builds_and_mails_a_pack_once(pg_url, mail, monkeypatch):
    """PostgreSQL lets `insightdesk packs run-due` (cron) and the loop inside `serve` run at once. The
    other run is made to build and mail the pack between this run's read and its write (inside the
    data-quality gate): this run then neither fails nor writes, and the pack goes out once."""
    schedule = {"team-lead": {"weekday": "monday", "hour": 7, "recipients": ["lead@desk.example"]}}
    due = SLOT + dt.timedelta(minutes=5)
    with open_store(pg_url) as server_side, open_store(pg_url) as cron_side:
        _tickets(server_side)
        set_setting(server_side.engine, "packs.schedule", schedule, actor=ADMIN)
        real_gate = packs_module._gate
        elsewhere: list[dict] = []

        def gate_while_the_other_runs(*args, **kwargs):
            monkeypatch.setattr(packs_module, "_gate", real_gate)  # the other run goes through unhindered
            elsewhere.append(run_due_packs(cron_side, due))
            return real_gate(*args, **kwargs)

        monkeypatch.setattr(packs_module, "_gate", gate_while_the_other_runs)
        ours = run_due_packs(server_side, due)
        assert [(o["result"], o["status"]) for o in elsewhere[0]] == [("sent", "sent")]
        assert [(o["pack_id"], o["result"], o["status"], o["error"]) for o in ours] == [
            ("team_lead:2026-11-23", "done", "sent", None)
        ]
        assert [m["To"] for m in mail.mailbox.messages] == ["lead@desk.example"]
        assert len(list_packs(server_side)) == 1

        # A rebuild (`packs build`) while the other side mails the pack: the sent pack is left as sent.
        def gate_while_mailed(*args, **kwargs):
            monkeypatch.setattr(packs_module, "_gate", real_gate)
            send_pack(cron_side, "viewer:2026-11-23", ["v@desk.example"], "cron")
            return real_gate(*args, **kwargs)

        build_pack(server_side, "viewer", SLOT, actor="max")
        monkeypatch.setattr(packs_module, "_gate", gate_while_mailed)
        with pytest.raises(ActionsError, match="viewer:2026-11-23 was sent while it was being rebuilt"):
            build_pack(server_side, "viewer", SLOT, actor="max")
        assert {p["pack_id"]: p["status"] for p in list_packs(server_side)}["viewer:2026-11-23"] == "sent"
        assert sorted(m["To"] for m in mail.mailbox.messages) == ["lead@desk.example", "v@desk.example"]
