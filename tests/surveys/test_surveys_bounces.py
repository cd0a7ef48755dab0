"""Bounces that arrive later by mail (RFC 3464 DSNs in an mbox or a maildir) reach their invitations:
a hard bounce suppresses the customer, a soft one is counted, re-reading changes nothing, and what
cannot be applied is reported with its reason."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from typer.testing import CliRunner

from insightdesk.cli import app
from insightdesk.cli.output import ExitCode
from insightdesk.governance.clock import utcnow
from insightdesk.store import Store, open_store
from insightdesk.store.tables.surveys import survey_invitations
from insightdesk.surveys import Sender, link_signer, scan_ticket_events, submit_page
from insightdesk.surveys.bounces import read_bounces
from insightdesk.surveys.dsn import read_mailbox
from insightdesk.surveys.health import funnel
from tests.surveys import dsn_samples as dsn
from tests.surveys.seed import add_customer, add_ticket, publish_example
from tests.surveys.smtp import SmtpServer

AT_ONCE = {"delay: 2h": "delay: 0m", 'quiet_hours: "21:00-08:00"': "quiet_hours: null"}
PEOPLE = ("b-hard", "b-soft", "b-delay", "b-noheaders", "b-answered")


def _mid(invitation_id: str) -> str:
    return f"<{invitation_id}@insightdesk.invalid>"


def _address(customer: str) -> str:
    return f"{customer}@example.org"


def test_bounces_read_from_a_mailbox(store: Store, mail_settings: SmtpServer, tmp_path: Path) -> None:
    engine = store.engine
    now = utcnow()
    publish_example(engine, **AT_ONCE)
    for person in PEOPLE:
        add_ticket(engine, f"t-{person}", add_customer(engine, person), now=now)
    scan_ticket_events(engine)
    assert Sender(engine).run()["sent"] == len(PEOPLE)
    invitation = dict(store.query_df("select customer_id, invitation_id from survey_invitations").values)
    # The customer who answered got the message, whatever a bounce later claims.
    signer = link_signer(engine)
    assert submit_page(engine, signer, signer.survey_token(invitation["b-answered"]), 0, {"q_csat": ["5"]})

    def mid(person: str) -> str:
        return _mid(invitation[person])

    box = dsn.write_mbox(
        tmp_path / "bounces.mbox",
        [
            dsn.hard_bounce(mid("b-hard"), _address("b-hard")),
            dsn.soft_bounce(mid("b-soft"), _address("b-soft")),
            dsn.delayed(mid("b-delay"), _address("b-delay")),
            dsn.hard_bounce_without_headers(_address("b-noheaders")),
            dsn.hard_bounce(mid("b-answered"), _address("b-answered"), dsn_id="dsn-answered"),
            dsn.hard_bounce("<x1@mail.example>", "stranger@example.net", dsn_id="dsn-stranger"),
            dsn.garbled_status(mid("b-delay"), _address("b-delay")),
            dsn.without_recipients(mid("b-delay"), _address("b-delay")),
            dsn.auto_reply(),
            dsn.truncated(),
        ],
    )
    report = read_bounces(engine, read_mailbox(box, "mbox"))
    assert report.messages == 10
    assert dict(report.outcomes) == {"hard_bounce": 2, "soft_bounce": 1, "delayed": 1, "answered": 1}
    assert report.suppressed == 2
    problems = dict(report.problems)
    assert list(problems) == [f"message {n}" for n in range(6, 11)]
    assert problems["message 6"].startswith("matches no survey invitation")
    assert problems["message 7"] == "recipient 1: Status 'five-one-one' is not a status code such as 5.1.1"
    assert problems["message 8"] == "the delivery-status part has no per-recipient fields"
    assert problems["message 9"] == "not a delivery status notification (Content-Type text/plain)"
    assert problems["message 10"]  # cut off: reported, not raised
    assert not any("@" in why for why in problems.values())  # no address reaches the report

    rows = store.query_df("select customer_id, status, reason, detail from survey_invitations").set_index(
        "customer_id"
    )
    assert (rows.loc["b-hard", "status"], rows.loc["b-hard", "reason"]) == ("failed", "bounced")
    assert "5.1.1" in rows.loc["b-hard", "detail"] and "@" not in rows.loc["b-hard", "detail"]
    assert (rows.loc["b-noheaders", "status"], rows.loc["b-noheaders", "reason"]) == ("failed", "bounced")
    assert (rows.loc["b-soft", "status"], rows.loc["b-soft", "reason"]) == ("failed", "soft_bounce")
    assert rows.loc["b-delay", "status"] == "sent" and rows.loc["b-answered", "status"] == "sent"
    suppressed = store.query_df("select customer_id, reason, channel from survey_suppressions order by 1")
    assert suppressed.values.tolist() == [["b-hard", "bounced", "email"], ["b-noheaders", "bounced", "email"]]
    assert funnel(engine)[0]["failed_by_reason"] == {"bounced": 2, "soft_bounce": 1}

    # The same mailbox read again: nothing changes.
    again = read_bounces(engine, read_mailbox(box, "mbox"))
    assert dict(again.outcomes) == {"already_recorded": 3, "delayed": 1, "answered": 1}
    assert again.suppressed == 0 and store.count("survey_suppressions") == 2

    # A soft bounce later confirmed as permanent becomes a hard one.
    late = dsn.hard_bounce(mid("b-soft"), _address("b-soft"), dsn_id="dsn-late")
    assert read_bounces(engine, [("late", late)]).suppressed == 1
    assert funnel(engine)[0]["failed_by_reason"] == {"bounced": 3}

    # A suppressed customer is not emailed again: a new resolution is held back with its reason.
    add_ticket(engine, "t-b-hard-2", "b-hard", now=now)
    scan_ticket_events(engine)
    held = store.query_df("select status, reason from survey_invitations where ticket_id = 't-b-hard-2'")
    assert held.values.tolist() == [["suppressed", "bounced"]]


def test_the_bounces_command(tmp_path: Path, duckdb_template: Path) -> None:
    db = tmp_path / "store.duckdb"
    shutil.copyfile(duckdb_template, db)
    now = utcnow()
    with open_store(db) as store:
        publish_example(store.engine)
        add_customer(store.engine, "m-1")
        with store.begin() as conn:
            conn.execute(
                survey_invitations.insert().values(
                    invitation_id="inv_cli_1",
                    survey_id="post-resolution",
                    version=1,
                    trigger="resolved",
                    customer_id="m-1",
                    channel="email",
                    status="sent",
                    event_at=now,
                    created_at=now,
                    due_at=now,
                    sent_at=now,
                    message_id=_mid("inv_cli_1"),
                    expires_at=now + dt.timedelta(days=14),
                )
            )
    folder = dsn.write_maildir(
        tmp_path / "Maildir", [dsn.hard_bounce(_mid("inv_cli_1"), _address("m-1")), dsn.auto_reply()]
    )

    def run(*args: str) -> tuple[int, str, str]:
        result = CliRunner().invoke(app, ["surveys", "bounces", *args, "--db", str(db)])
        assert "Traceback" not in result.output
        return result.exit_code, result.stdout, result.stderr

    code, out, _ = run("--maildir", str(folder))
    assert code == ExitCode.OK, out
    assert out.startswith("2 message(s): hard bounce 1; 1 customer(s) newly suppressed on email")
    assert "not a delivery status notification (Content-Type text/plain)" in out
    code, out, _ = run("--maildir", str(folder))
    assert code == ExitCode.OK and out.startswith("2 message(s): already recorded 1; 0 customer(s)")

    code, _, err = run()
    assert (
        code == ExitCode.BAD_INPUT
        and err == "error: give the bounce mailbox: either --mbox FILE or --maildir FOLDER\n"
    )
    code, _, err = run("--mbox", str(tmp_path / "missing.mbox"))
    assert code == ExitCode.BAD_INPUT and "no such mbox file" in err
    code, _, err = run("--maildir", str(tmp_path))
    assert code == ExitCode.BAD_INPUT and "not a maildir" in err


def test_a_message_far_larger_than_a_bounce_is_reported_not_read(store: Store, tmp_path: Path) -> None:
    # 3 MB of body: never read whole into memory, never parsed, reported with where it was.
    huge = b"From: mailer@example.test\nSubject: not a bounce\n\n" + b"x" * 3_000_000 + b"\n"
    box = dsn.write_mbox(tmp_path / "huge.mbox", [huge])
    [(where, raw)] = list(read_mailbox(box, "mbox"))
    assert len(raw) == 1_000_001
    report = read_bounces(store.engine, [(where, raw)])
    assert report.messages == 1 and not report.outcomes
    assert report.problems == [
        ("message 1", "over 1,000,000 bytes: too large for a delivery status notification, not read")
    ]
