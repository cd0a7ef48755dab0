"""The sender: due invitations out through email (SMTP) or SMS, with retries and a crash-safe claim.

Each invitation is claimed (status `sending`, a lease in `claimed_until`) in its own short
transaction before anything goes out. The update to `sent` is written before the message goes out
and committed right after the server accepts it (rolled back if it does not), so only a kill in
that one commit's time can send a message twice. A sender killed mid-batch leaves at most the one
message it was sending claimed; the next run sends it again once the lease has passed (at least
once, never skipped), with the same Message-ID (fixed by the invitation), and records that it did.
Transient errors wait and retry with exponential backoff; terminal ones fail the invitation, and
a refused recipient (hard bounce) also suppresses the customer on that channel.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import sqlalchemy as sa

from insightdesk.governance.clock import new_id, utcnow
from insightdesk.governance.privacy import ConsentPurpose, has_consent
from insightdesk.store.tables.surveys import survey_invitations, survey_suppressions
from insightdesk.surveys.definition import SurveyDefinition
from insightdesk.surveys.eligibility import active_suppression, contact_point
from insightdesk.surveys.mail import DeliveryError, MailSession, SmtpConfig, build_message
from insightdesk.surveys.messages import render_email, render_sms
from insightdesk.surveys.sms import SmsProvider, TwilioSms
from insightdesk.surveys.tokens import LinkSigner, link_signer, survey_url, unsubscribe_url
from insightdesk.surveys.updates import changed_rows
from insightdesk.surveys.versions import StoredVersion, get_version, mark_sent

log = logging.getLogger(__name__)

LEASE = dt.timedelta(minutes=5)
MAX_ATTEMPTS = 5
BACKOFF_BASE = dt.timedelta(minutes=1)


@dataclass
class SendResult:
    counts: Counter[str] = field(default_factory=Counter)
    # Sent again after a killed sender's claim expired: the only ones whose earlier attempt may
    # have reached the recipient too (same Message-ID), see _deliver.
    resumed: int = 0

    def __getitem__(self, key: str) -> int:
        return self.counts[key]


def backoff(attempts: int) -> dt.timedelta:
    """1, 4, 16, 64 minutes... after the 1st, 2nd, 3rd, 4th failed attempt."""
    return BACKOFF_BASE * (4 ** max(attempts - 1, 0))


MESSAGE_ID_DOMAIN = "insightdesk.invalid"


def message_id_for(invitation_id: str) -> str:
    """The invitation's Message-ID: the same on every attempt, and a bounce's way back to it."""
    return f"<{invitation_id}@{MESSAGE_ID_DOMAIN}>"


def _claim(engine: sa.Engine, now: dt.datetime, limit: int, lease: dt.timedelta = LEASE) -> list[sa.Row]:
    inv = survey_invitations.c
    due = sa.or_(
        sa.and_(
            inv.status == "scheduled",
            inv.due_at <= now,
            sa.or_(inv.next_attempt_at.is_(None), inv.next_attempt_at <= now),
        ),
        sa.and_(inv.status == "sending", inv.claimed_until < now),
    )
    claimed = []
    with engine.begin() as conn:
        rows = conn.execute(
            sa.select(survey_invitations).where(due).order_by(inv.due_at, inv.invitation_id).limit(limit)
        ).all()
        for row in rows:
            # Conditional on the state just read: a concurrent sender that took it first wins.
            taken = changed_rows(
                conn,
                survey_invitations.update()
                .where(inv.invitation_id == row.invitation_id)
                .where(inv.status == row.status)
                .where(inv.attempts == row.attempts)
                .values(status="sending", claimed_until=now + lease, attempts=row.attempts + 1),
                inv.invitation_id,
            )
            if taken == 1:
                claimed.append(row)
    return claimed


def _expected_message_id(row: sa.Row) -> str | None:
    """The id the send will return, known before it: email's Message-ID, the in-app invitation id;
    None for SMS (the provider names its message)."""
    return {"email": message_id_for(row.invitation_id), "in_app": row.invitation_id}.get(row.channel)


def _finish(engine: sa.Engine, invitation_id: str, **values: object) -> None:
    with engine.begin() as conn:
        conn.execute(
            survey_invitations.update()
            .where(survey_invitations.c.invitation_id == invitation_id)
            .where(survey_invitations.c.status == "sending")
            .values(claimed_until=None, **values)
        )


class Sender:
    """Sends what is due. `mail_config` and `sms` default to the settings; tests pass their own."""

    def __init__(
        self,
        engine: sa.Engine,
        *,
        mail_config: SmtpConfig | None = None,
        sms: SmsProvider | None = None,
        signer: LinkSigner | None = None,
        clock: Callable[[], dt.datetime] = utcnow,
        lease: dt.timedelta = LEASE,
    ) -> None:
        self.engine = engine
        self.mail_config = mail_config
        self.sms = sms
        self.signer = signer or link_signer(engine)
        self.clock = clock
        self.lease = lease  # how long a killed sender's claim blocks the next one
        self._versions: dict[tuple[str, int], StoredVersion] = {}
        self._marked: set[tuple[str, int]] = set()  # versions whose first send this run committed
        self._mail: MailSession | None = None

    def run(self, *, limit: int = 1000, batch: int = 1) -> SendResult:
        result = SendResult()
        self._versions, self._mail = {}, None
        try:
            while result.counts.total() < limit:
                rows = _claim(
                    self.engine, self.clock(), min(batch, limit - result.counts.total()), self.lease
                )
                if not rows:
                    break
                for row in rows:
                    if row.status == "sending":  # a killed sender's claim, its lease run out
                        result.resumed += 1
                        log.warning(
                            "survey invitation %s: sending again after an interrupted attempt",
                            row.invitation_id,
                        )
                    result.counts[self._deliver(row)] += 1
        finally:
            if self._mail is not None:
                self._mail.close()
        return result

    def _version(self, conn: sa.Connection, survey_id: str, version: int) -> StoredVersion:
        # A version being sent is (or is about to be) immutable: read once per run.
        key = (survey_id, version)
        if key not in self._versions:
            self._versions[key] = get_version(conn, survey_id, version)
        return self._versions[key]

    def _deliver(self, row: sa.Row) -> str:
        now = self.clock()
        with self.engine.connect() as conn:
            stored = self._version(conn, row.survey_id, row.version)
            stopped = active_suppression(conn, row.customer_id, row.channel, now)
            consented = has_consent(conn, row.customer_id, ConsentPurpose.SURVEY, now)
            address = contact_point(conn, row.customer_id, row.channel)
        # Consent or a suppression may have changed since planning (an unsubscribe, a bounce).
        if not consented or stopped is not None or address is None:
            reason = "no_consent" if not consented else (stopped.reason if stopped else "no_contact")
            _finish(
                self.engine,
                row.invitation_id,
                status="suppressed",
                reason=reason,
                detail="checked again at send time",
            )
            return "suppressed"
        inv = survey_invitations.c
        expected = _expected_message_id(row)
        resumed = "sent again after an interrupted attempt; any earlier copy has the same Message-ID"
        # The `sent` row is written before the message goes out and committed the moment the
        # server accepts it: a sender killed in between sends again after its lease (at least
        # once, never skipped), and this keeps that window down to one commit.
        failure: DeliveryError | None = None
        with self.engine.connect() as conn:
            transaction = conn.begin()
            try:
                ours = changed_rows(
                    conn,
                    survey_invitations.update()
                    .where(inv.invitation_id == row.invitation_id)
                    .where(inv.status == "sending")
                    .where(inv.attempts == row.attempts + 1)
                    .values(
                        status="sent",
                        sent_at=now,
                        message_id=expected,
                        claimed_until=None,
                        reason=None,
                        detail=resumed if row.status == "sending" else None,
                        expires_at=now + dt.timedelta(seconds=stored.definition.expires_after_s),
                    ),
                    inv.invitation_id,
                )
                if not ours:  # our lease ran out and another sender claimed it: that one sends
                    transaction.rollback()
                    return "claim_lost"
                if (row.survey_id, row.version) not in self._marked:
                    mark_sent(conn, row.survey_id, row.version)
                provider_id = self._send(row, stored.definition, address)
                if provider_id != expected:  # SMS: the provider's own message id
                    conn.execute(
                        survey_invitations.update()
                        .where(inv.invitation_id == row.invitation_id)
                        .values(message_id=provider_id)
                    )
            except DeliveryError as exc:
                transaction.rollback()
                failure = exc
            except BaseException:
                transaction.rollback()
                raise
            else:
                transaction.commit()
                self._marked.add((row.survey_id, row.version))
        if failure is not None:
            return self._failed(row, failure, now)
        return "sent"

    def _send(self, row: sa.Row, definition: SurveyDefinition, address: str) -> str:
        link = survey_url(self.signer, row.invitation_id)
        if row.channel == "email":
            config = self.mail_config or SmtpConfig.from_settings()
            leave = unsubscribe_url(self.signer, row.invitation_id)
            email = render_email(definition, row.language, link, leave)
            message = build_message(
                config,
                to=address,
                subject=email.subject,
                text=email.text,
                html=email.html,
                message_id=message_id_for(row.invitation_id),
                language=email.language,
                headers={
                    "List-Unsubscribe": f"<{leave}>",
                    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                },
            )
            if self._mail is None:
                self._mail = MailSession(config)
            return self._mail.send(message)
        if row.channel == "sms":
            provider = self.sms or TwilioSms.from_settings()
            return provider.send(address, render_sms(definition, row.language, link))
        return row.invitation_id  # in-app: the app shows the embedded form to the signed-in customer

    def _failed(self, row: sa.Row, exc: DeliveryError, now: dt.datetime) -> str:
        attempts = row.attempts + 1
        log.warning("survey invitation %s: attempt %d failed: %s", row.invitation_id, attempts, exc)
        if exc.transient and attempts < MAX_ATTEMPTS:
            _finish(
                self.engine,
                row.invitation_id,
                status="scheduled",
                next_attempt_at=now + backoff(attempts),
                detail=f"attempt {attempts}: {exc}",
            )
            return "retry"
        reason = "bounced" if exc.recipient_refused else "delivery_failed"
        _finish(
            self.engine,
            row.invitation_id,
            status="failed",
            reason=reason,
            detail=f"attempt {attempts}: {exc}",
        )
        if exc.recipient_refused:
            record_bounce(self.engine, row.customer_id, row.channel, now, note=str(exc)[:200])
        return reason


def record_bounce(engine: sa.Engine, customer_id: str, channel: str, at: dt.datetime, note: str = "") -> bool:
    """A hard bounce: do not invite this customer on this channel until the suppression is lifted.

    False when a bounce already suppresses them there (a second bounce adds nothing)."""
    sup = survey_suppressions.c
    with engine.begin() as conn:
        already = conn.execute(
            sa.select(sup.suppression_id)
            .where(sup.customer_id == customer_id)
            .where(sup.reason == "bounced")
            .where(sup.channel == channel)
            .where(sup.starts_at <= at)
            .where(sa.or_(sup.ends_at.is_(None), sup.ends_at > at))
            .limit(1)
        ).first()
        if already is not None:
            return False
        conn.execute(
            survey_suppressions.insert().values(
                suppression_id=new_id("sup_"),
                customer_id=customer_id,
                reason="bounced",
                channel=channel,
                starts_at=at,
                ends_at=None,
                note=note or "hard bounce",
                created_by="delivery",
                created_at=utcnow(),
            )
        )
    return True
