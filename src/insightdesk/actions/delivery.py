"""Delivering the outbox: problem records to helpdesks, e-mail, Slack-compatible webhooks.

    deliver_due(store, load_destinations(path))      # one pass; the worker loops over it

Exactly-once effects: a problem record is looked up by its idempotency key at the helpdesk before it
is created (see `helpdesks`), so an attempt that died after the helpdesk made the record adopts it;
the delivered mark, the record's row and the evaluation that asked for it all carry the same key.
E-mail carries a Message-ID made from the key and webhooks an `Idempotency-Key` header, so a
receiver can drop the one repeat a crash between its acceptance and our mark can cause.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from insightdesk.actions.config import DeliveryPolicy
from insightdesk.actions.destinations import Destination
from insightdesk.actions.errors import ActionsError
from insightdesk.actions.helpdesks import writer_for
from insightdesk.actions.outbox import claim, mark_delivered, mark_failed
from insightdesk.connectors import RetryPolicy, TerminalVendorError, TransientVendorError, VendorClient
from insightdesk.insights.common.runs import utcnow
from insightdesk.store.tables.actions import action_external_records

if TYPE_CHECKING:
    from insightdesk.store import Store

log = logging.getLogger(__name__)


@dataclass
class DeliveryReport:
    claimed: int = 0
    delivered: int = 0
    adopted: int = 0
    """Problem records found at the helpdesk from an earlier attempt, not created again."""
    retrying: int = 0
    dead: int = 0
    errors: list[str] = field(default_factory=list)


class Terminal(Exception):
    """A delivery that will never succeed as it stands (no such destination, refused address...)."""


class Transient(Exception):
    """A delivery worth trying again later."""


def deliver_due(
    store: Store,
    destinations: dict[str, Destination],
    *,
    policy: DeliveryPolicy | None = None,
    now: Callable[[], dt.datetime] = utcnow,
    limit: int = 20,
    send_email: Callable[..., str] | None = None,
) -> DeliveryReport:
    """Claim the due messages and deliver each; failures are retried later or dead-lettered."""
    policy = policy or DeliveryPolicy()
    report = DeliveryReport()
    # Retries inside one attempt stay short: the outbox's own backoff spaces the attempts.
    retry = RetryPolicy(max_attempts=3, base_delay=0.2, max_delay=2.0, max_wait=policy.timeout_seconds)
    for message in claim(store, policy, now=now(), limit=limit):
        report.claimed += 1
        try:
            external, adopted = _deliver(message, destinations, retry, send_email)
        except (TransientVendorError, Transient) as exc:
            status = mark_failed(store, message, str(exc), terminal=False, policy=policy, now=now())
            report.retrying += status == "pending"
            report.dead += status == "dead"
            report.errors.append(f"{message['message_id']}: {exc}")
        except (TerminalVendorError, Terminal, ActionsError) as exc:
            mark_failed(store, message, str(exc), terminal=True, policy=policy, now=now())
            report.dead += 1
            report.errors.append(f"{message['message_id']}: {exc}")
        else:
            _record(store, message, external, destinations, now())
            report.delivered += 1
            report.adopted += adopted
    return report


def _record(
    store: Store,
    message: dict[str, Any],
    external: Any,
    destinations: dict[str, Destination],
    at: dt.datetime,
) -> None:
    with store.begin() as conn:
        mark_delivered(
            conn, message["message_id"], None if external is None else str(external.external_id), at
        )
        if message["channel"] == "problem_record" and external is not None:
            vendor = destinations[message["destination"]].kind
            exists = conn.execute(
                action_external_records.select().where(
                    action_external_records.c.vendor == vendor,
                    action_external_records.c.external_id == external.external_id,
                )
            ).first()
            if exists is None:
                conn.execute(
                    action_external_records.insert().values(
                        vendor=vendor,
                        external_id=external.external_id,
                        number=external.number,
                        idempotency_key=message["idempotency_key"],
                        painpoint_key=(message["payload"].get("evidence") or {}).get("painpoint_key"),
                        status=external.status,
                        created_at=at,
                        synced_at=at,
                    )
                )


def _destination(message: dict[str, Any], destinations: dict[str, Destination]) -> Destination:
    dest = destinations.get(message["destination"])
    if dest is None:
        raise Terminal(
            f"destination {message['destination']!r} is not in the destinations file "
            "(INSIGHTDESK_ACTIONS_DESTINATIONS); add it, then replay the message"
        )
    return dest


def _deliver(
    message: dict[str, Any],
    destinations: dict[str, Destination],
    retry: RetryPolicy,
    send_email: Callable[..., str] | None,
) -> tuple[Any, bool]:
    channel, key, payload = message["channel"], message["idempotency_key"], message["payload"]
    if channel == "problem_record":
        writer = writer_for(_destination(message, destinations), retry)
        try:
            found = writer.find(key)
            if found is not None:
                log.info("%s already holds the record of %s (%s): adopted", writer.vendor, key, found.number)
                return found, True
            return writer.create(key, payload), False
        finally:
            writer.close()
    if channel == "webhook":
        _post_webhook(_destination(message, destinations), key, payload, retry)
        return None, False
    if channel == "email":
        send_outbox_mail(message["destination"], key, payload, send_email)
        return None, False
    raise Terminal(f"outbox message {message['message_id']} has an unknown channel {channel!r}")


def slack_payload(text: str, key: str) -> dict[str, Any]:
    """A Slack-compatible incoming-webhook body: `text` for notifications, one mrkdwn section block."""
    return {
        "text": text,
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
        "metadata": {"event_type": "insightdesk_notification", "event_payload": {"idempotency_key": key}},
    }


def _post_webhook(dest: Destination, key: str, payload: dict[str, Any], retry: RetryPolicy) -> None:
    if dest.kind != "webhook":
        raise Terminal(f"destination {dest.name!r} is a {dest.kind}, not a webhook")
    with VendorClient(
        dest.url, vendor=f"webhook {dest.name}", timeout=dest.timeout_seconds, retry=retry
    ) as http:
        body = slack_payload(str(payload["text"]), key)
        try:
            http.request("POST", dest.url, json=body, headers={"Idempotency-Key": key})
        except TerminalVendorError as exc:
            # Slack answers a plain-text "ok": any 2xx is a delivery, whatever its body.
            if exc.status is None or not 200 <= exc.status < 300:
                raise


def send_outbox_mail(
    to: str, key: str, payload: dict[str, Any], send_email: Callable[..., str] | None
) -> None:
    """Mail one outbox message; its Message-ID derives from the idempotency key, so a retry is the same mail.

    Raises Transient (retry later) or Terminal (dead-letter) from the SMTP outcome.
    """
    from insightdesk.surveys.mail import DeliveryError
    from insightdesk.surveys.mail import send_email as smtp_send

    sender = send_email or smtp_send
    message_id = f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@insightdesk.local>"
    text = str(payload["text"])
    try:
        # A review pack carries its own subject and an HTML alternative (`packs_mail`).
        subject = str(payload.get("subject") or f"[InsightDesk] {text[:80]}")
        sender(to=to, subject=subject, text=text, html=payload.get("html"), message_id=message_id)
    except DeliveryError as exc:
        raise (Transient if exc.transient else Terminal)(str(exc)) from None
