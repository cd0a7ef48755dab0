"""Bounces that arrive later by mail: delivery status notifications matched to their invitations.

`read_bounces` takes the messages of an mbox file or a maildir (the bounce address's mailbox) and,
for each DSN (dsn.py), finds the invitation by the returned message's Message-ID (the sender sets
it from the invitation id) or, when the headers were not returned, by the recipient's address (the
latest invitation emailed to it). Then:

- `failed` with a 5.x.x status (permanent: unknown mailbox, domain gone): a hard bounce. The
  invitation becomes failed (reason `bounced`) and `record_bounce` suppresses the customer on email.
- `failed` with a 4.x.x status (the remote server gave up on a transient problem such as a full
  mailbox): a soft bounce. The invitation becomes failed (reason `soft_bounce`), counted in the
  funnel, and the customer is not suppressed.
- `delayed` (still being retried), `delivered`, `relayed`, `expanded`: nothing changes; counted.

Re-reading the same mailbox changes nothing: each change is a conditional update from the state it
replaces (a sent invitation, or a soft bounce becoming hard), so a second reading finds it done. An
answered invitation is never marked bounced. Messages that are not DSNs, or match no invitation,
are reported with the reason; addresses never reach the report, the log or the stored detail.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa

from insightdesk.governance.clock import utcnow
from insightdesk.store.tables.people import customer_contacts
from insightdesk.store.tables.surveys import survey_invitations, survey_responses
from insightdesk.surveys.dsn import (
    MAX_MESSAGE_BYTES,
    NotADsn,
    Notification,
    RecipientStatus,
    parse_bytes,
    parse_dsn,
)
from insightdesk.surveys.mail import scrub_addresses
from insightdesk.surveys.outbox import MESSAGE_ID_DOMAIN, record_bounce
from insightdesk.surveys.updates import changed_rows

OUTCOMES = ("hard_bounce", "soft_bounce", "delayed", "delivered", "already_recorded", "answered")


@dataclass
class BounceReport:
    messages: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)  # per recipient of a matched DSN
    suppressed: int = 0  # customers newly suppressed on email
    problems: list[tuple[str, str]] = field(default_factory=list)  # (where, why): unmatched or garbled

    def as_dict(self) -> dict[str, object]:
        return {
            "messages": self.messages,
            "outcomes": {k: self.outcomes[k] for k in OUTCOMES if self.outcomes[k]},
            "customers_suppressed": self.suppressed,
            "not_applied": [{"message": where, "reason": why} for where, why in self.problems],
        }


def _invitation_by_message_id(conn: sa.Connection, message_id: str | None) -> sa.Row | None:
    if not message_id or not message_id.endswith(f"@{MESSAGE_ID_DOMAIN}>"):
        return None
    inv = survey_invitations.c
    return conn.execute(
        sa.select(survey_invitations)
        .where(inv.invitation_id == message_id[1:].split("@", 1)[0])
        .where(inv.channel == "email")
    ).first()


def _invitation_by_address(conn: sa.Connection, address: str | None) -> sa.Row | None:
    """The latest invitation emailed to this address (the DSN did not return the headers)."""
    if not address:
        return None
    inv, contacts = survey_invitations.c, customer_contacts.c
    customers = (
        sa.select(contacts.customer_id)
        .where(contacts.kind == "email")
        .where(sa.func.lower(contacts.value) == address.lower())
    )
    return conn.execute(
        sa.select(survey_invitations)
        .where(inv.customer_id.in_(customers))
        .where(inv.channel == "email")
        .where(inv.sent_at.is_not(None))
        .order_by(inv.sent_at.desc(), inv.invitation_id)
        .limit(1)
    ).first()


def _mark(conn: sa.Connection, invitation_id: str, reason: str, recipient: RecipientStatus) -> bool:
    """Fail a sent invitation (or upgrade a soft bounce to hard) unless it was answered; True if changed."""
    inv = survey_invitations.c
    replaces = inv.status == "sent"
    if reason == "bounced":
        replaces = sa.or_(replaces, sa.and_(inv.status == "failed", inv.reason == "soft_bounce"))
    diagnostic = scrub_addresses(recipient.diagnostic)[:300]
    statement = (
        survey_invitations.update()
        .where(inv.invitation_id == invitation_id)
        .where(replaces)
        .where(~sa.exists().where(survey_responses.c.invitation_id == invitation_id))
        .values(
            status="failed",
            reason=reason,
            detail=f"bounce reported later by mail: {recipient.status} {diagnostic}".strip(),
        )
    )
    return changed_rows(conn, statement, inv.invitation_id) == 1


def _answered(conn: sa.Connection, invitation_id: str) -> bool:
    found = conn.execute(
        sa.select(survey_responses.c.invitation_id).where(survey_responses.c.invitation_id == invitation_id)
    ).first()
    return found is not None


def apply_notification(
    engine: sa.Engine, notification: Notification, at: dt.datetime
) -> list[tuple[str, bool]]:
    """Apply one DSN: (outcome, customer newly suppressed) per recipient. NotADsn when it matches
    no invitation."""
    outcomes = []
    for recipient in notification.recipients:
        with engine.connect() as conn:
            row = _invitation_by_message_id(conn, notification.original_message_id)
            if row is None:
                row = _invitation_by_address(conn, recipient.address)
        if row is None:
            known = "its Message-ID names no invitation" if notification.original_message_id else "no headers"
            raise NotADsn(
                f"matches no survey invitation ({known}, and no invitation was emailed to the recipient)"
            )
        if recipient.action != "failed" or not (recipient.permanent or recipient.transient):
            outcomes.append(("delayed" if recipient.action == "delayed" else "delivered", False))
            continue
        reason = "bounced" if recipient.permanent else "soft_bounce"
        with engine.begin() as conn:
            changed = _mark(conn, row.invitation_id, reason, recipient)
            answered = not changed and _answered(conn, row.invitation_id)
        if not changed:
            outcomes.append(("answered" if answered else "already_recorded", False))
            continue
        suppressed = reason == "bounced" and record_bounce(
            engine, row.customer_id, "email", at, note=f"bounce reported by mail ({recipient.status})"
        )
        outcomes.append(("hard_bounce" if reason == "bounced" else "soft_bounce", suppressed))
    return outcomes


def read_bounces(
    engine: sa.Engine, messages: Iterable[tuple[str, bytes]], at: dt.datetime | None = None
) -> BounceReport:
    """Apply every DSN among `messages` ((where, raw bytes), as dsn.read_mailbox yields them)."""
    at = at or utcnow()
    report = BounceReport()
    for where, raw in messages:
        report.messages += 1
        if len(raw) > MAX_MESSAGE_BYTES:
            report.problems.append(
                (
                    where,
                    f"over {MAX_MESSAGE_BYTES:,} bytes: too large for a delivery status notification, not read",
                )
            )
            continue
        try:
            notification = parse_dsn(parse_bytes(raw))
        except NotADsn as exc:
            report.problems.append((where, str(exc)))
            continue
        except (LookupError, TypeError, ValueError, AttributeError, UnicodeError) as exc:
            # A message too broken for the email parser: reported, never a traceback.
            report.problems.append(
                (where, f"garbled message the email parser cannot read ({type(exc).__name__})")
            )
            continue
        try:
            outcomes = apply_notification(engine, notification, at)
        except NotADsn as exc:
            report.problems.append((where, str(exc)))
            continue
        report.outcomes.update(outcome for outcome, _ in outcomes)
        report.suppressed += sum(1 for _, suppressed in outcomes if suppressed)
    return report
