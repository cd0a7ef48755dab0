"""The sender killed (SIGKILL) at the two points that matter, by the SMTP server itself:

- after the server has taken a message but before its "250" reaches the sender (the one window SMTP
  leaves): the message is sent again after the claim's lease, with the same Message-ID, and the
  invitation records that it was sent again: at least once, never skipped;
- while the server is still reading the envelope (no message taken): sent exactly once afterwards.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from insightdesk.governance.clock import utcnow
from insightdesk.store import open_store
from insightdesk.surveys import Sender, scan_ticket_events
from insightdesk.surveys.outbox import message_id_for
from tests.surveys.seed import add_customer, add_ticket, publish_example
from tests.surveys.smtp import Mailbox, SmtpServer

AT_ONCE = {"delay: 2h": "delay: 0m", 'quiet_hours: "21:00-08:00"': "quiet_hours: null"}
LEASE_S = 1.0
SENDER = """
import datetime as dt, sys
from insightdesk.store import open_store
from insightdesk.surveys import Sender
with open_store(sys.argv[1]) as store:
    Sender(store.engine, lease=dt.timedelta(seconds=float(sys.argv[2]))).run()
"""


class KillingMailbox(Mailbox):
    """Kills the sender process at a chosen point of one recipient's transaction."""

    def __init__(self) -> None:
        super().__init__()
        self.victim: subprocess.Popen[bytes] | None = None
        self.kill_at: tuple[str, str] | None = None  # ("rcpt" or "data", address)

    def _kill(self) -> None:
        assert self.victim is not None
        self.victim.send_signal(signal.SIGKILL)
        self.victim.wait(timeout=10)  # dead before any reply can reach it
        self.kill_at = None

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if self.kill_at == ("rcpt", address):
            self._kill()
        return await super().handle_RCPT(server, session, envelope, address, options)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        reply = await super().handle_DATA(server, session, envelope)  # the message is taken
        if self.kill_at is not None and self.kill_at == ("data", envelope.rcpt_tos[0]):
            self._kill()
        return reply


def test_a_sender_killed_at_the_critical_points_skips_nothing(
    engine: str, store_url: str, duckdb_template: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if engine == "duckdb":
        shutil.copyfile(duckdb_template, store_url)
    with open_store(store_url) as store:
        publish_example(store.engine, **AT_ONCE)
        now = utcnow()
        for name in ("k-a", "k-b"):
            add_ticket(store.engine, f"t-{name}", add_customer(store.engine, name), now=now)
        scan_ticket_events(store.engine)
        # The order the sender takes them in: by due time, then id.
        order = store.query_df(
            "select invitation_id, customer_id from survey_invitations order by due_at, invitation_id"
        )
    (first, first_customer), (second, second_customer) = order.values.tolist()
    mailbox = KillingMailbox()
    with SmtpServer(mailbox) as smtp:
        monkeypatch.setenv("INSIGHTDESK_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("INSIGHTDESK_SMTP_PORT", str(smtp.port))
        monkeypatch.setenv("INSIGHTDESK_SMTP_STARTTLS", "false")
        monkeypatch.setenv("INSIGHTDESK_SURVEY_LINK_KEY", "survey-link-key-for-tests-0123456789abcdef")

        def sender(kill_at: tuple[str, str]) -> int:
            mailbox.kill_at = kill_at
            mailbox.victim = subprocess.Popen(
                [sys.executable, "-c", SENDER, store_url, str(LEASE_S)], env=os.environ.copy()
            )
            return mailbox.victim.wait(timeout=120)

        # 1: killed after the server took the first message, before the sender heard "250".
        assert sender(("data", f"{first_customer}@example.org")) == -signal.SIGKILL
        time.sleep(LEASE_S + 0.2)
        # 2: the first is sent again (lease over); killed while the server reads the second's envelope.
        assert sender(("rcpt", f"{second_customer}@example.org")) == -signal.SIGKILL
        time.sleep(LEASE_S + 0.2)
        with open_store(store_url) as store:
            result = Sender(store.engine, lease=dt.timedelta(seconds=LEASE_S)).run()
            rows = store.query_df(
                "select invitation_id, status, message_id, detail from survey_invitations order by due_at, invitation_id"
            )
        received = [m["Message-ID"] for m in mailbox.messages]
    assert result.counts == {"sent": 1} and result.resumed == 1
    # The first went out twice, as the same message; the second once; none skipped.
    assert sorted(received) == sorted([message_id_for(first), message_id_for(first), message_id_for(second)])
    assert rows.status.tolist() == ["sent", "sent"]
    assert rows.message_id.tolist() == [message_id_for(first), message_id_for(second)]
    assert all(str(d).startswith("sent again after an interrupted attempt") for d in rows.detail)
