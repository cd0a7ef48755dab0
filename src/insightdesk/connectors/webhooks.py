"""Webhook receivers' logic: verify the sender, refuse replays, record the signal once per event id.

A webhook only signals that something changed; the next pull fetches the truth (a webhook body can
be forged, reordered or lost, the API's incremental export cannot). Both checks run before any
write, and a repeat of an event id is acknowledged without a second signal.

- Zendesk signs `timestamp + body` with HMAC-SHA256 under the webhook's signing secret and sends
  `X-Zendesk-Webhook-Signature` (base64) and `X-Zendesk-Webhook-Signature-Timestamp` (ISO 8601); a
  timestamp further than `REPLAY_WINDOW` from now is refused. The event id is the body's `id`
  (event-subscribed webhooks) or the `X-Zendesk-Webhook-Invocation-Id` header (trigger webhooks).
- A ServiceNow outbound REST message sends the shared secret in `X-InsightDesk-Secret` (compared in
  constant time) and an `event_id` in its JSON body (`${sys_id}-${sys_mod_count}` in the message
  template), with an optional `timestamp` checked against the same window.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from insightdesk.connectors.runs import utcnow
from insightdesk.connectors.streams import parse_time
from insightdesk.store.tables.connectors import connector_webhook_events

REPLAY_WINDOW = timedelta(minutes=5)
ZENDESK_SIGNATURE = "x-zendesk-webhook-signature"
ZENDESK_TIMESTAMP = "x-zendesk-webhook-signature-timestamp"
ZENDESK_INVOCATION = "x-zendesk-webhook-invocation-id"
SERVICENOW_SECRET = "x-insightdesk-secret"


class WebhookRejected(ValueError):
    """The webhook is refused; `status` is the HTTP answer (401 unsigned or forged, 400 malformed)."""

    def __init__(self, message: str, status: int = 401) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class WebhookEvent:
    event_id: str
    event_type: str | None
    signed_at: datetime | None


def zendesk_signature(secret: str, timestamp: str, body: bytes) -> str:
    """Zendesk's signature of a webhook: base64(HMAC-SHA256(secret, timestamp + body))."""
    digest = hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def verify_zendesk(
    secret: str, headers: Mapping[str, str], body: bytes, now: datetime | None = None
) -> WebhookEvent:
    signature, stamp = headers.get(ZENDESK_SIGNATURE), headers.get(ZENDESK_TIMESTAMP)
    if not signature or not stamp:
        raise WebhookRejected("the request carries no Zendesk webhook signature and timestamp headers")
    expected = zendesk_signature(secret, stamp, body)
    if not hmac.compare_digest(signature.encode(), expected.encode()):
        raise WebhookRejected("the Zendesk webhook signature does not match the body and timestamp")
    signed_at = _in_window(stamp, now)
    payload = _json(body)
    event_id = payload.get("id") or headers.get(ZENDESK_INVOCATION)
    if not event_id:
        raise WebhookRejected("the Zendesk webhook has no event id (body `id` or invocation id header)", 400)
    return WebhookEvent(str(event_id)[:200], _short(payload.get("type")), signed_at)


def verify_servicenow(
    secret: str, headers: Mapping[str, str], body: bytes, now: datetime | None = None
) -> WebhookEvent:
    sent = headers.get(SERVICENOW_SECRET)
    if not sent or not hmac.compare_digest(sent.encode(), secret.encode()):
        raise WebhookRejected(f"the ServiceNow message lacks the shared secret in {SERVICENOW_SECRET}")
    payload = _json(body)
    event_id = payload.get("event_id")
    if not event_id:
        raise WebhookRejected("the ServiceNow message has no `event_id` in its JSON body", 400)
    stamp = payload.get("timestamp")
    signed_at = _in_window(str(stamp), now) if stamp else None
    return WebhookEvent(str(event_id)[:200], _short(payload.get("table")), signed_at)


def record_event(engine: sa.Engine, source: str, event: WebhookEvent) -> bool:
    """Store the signal; False when this event id was already received (a replay or a retry)."""
    table = connector_webhook_events
    try:
        with engine.begin() as conn:
            exists = conn.execute(
                sa.select(table.c.event_id).where(
                    table.c.source == source, table.c.event_id == event.event_id
                )
            ).first()
            if exists:
                return False
            conn.execute(
                table.insert().values(
                    source=source,
                    event_id=event.event_id,
                    event_type=event.event_type,
                    signed_at=event.signed_at.astimezone(UTC).replace(tzinfo=None)
                    if event.signed_at
                    else None,
                    received_at=utcnow(),
                )
            )
    except sa.exc.IntegrityError:  # the same event arrived twice at once: the other request stored it
        return False
    return True


def pending_sources(engine: sa.Engine) -> list[str]:
    """Sources with webhook signals no pull has acted on yet."""
    table = connector_webhook_events
    with engine.connect() as conn:
        rows = conn.execute(sa.select(table.c.source).where(table.c.consumed_at.is_(None)).distinct())
        return sorted(r[0] for r in rows)


def consume(engine: sa.Engine, source: str, before: datetime) -> int:
    """Mark the source's signals received before `before` (a pull's start) as acted on."""
    table = connector_webhook_events
    with engine.begin() as conn:
        done = conn.execute(
            table.update()
            .where(table.c.source == source, table.c.consumed_at.is_(None), table.c.received_at <= before)
            .values(consumed_at=utcnow())
        )
        return max(int(done.rowcount or 0), 0)


def _in_window(stamp: str, now: datetime | None) -> datetime:
    signed_at = parse_time(stamp)
    if signed_at is None:
        raise WebhookRejected(f"the webhook timestamp {stamp[:40]!r} is not an ISO 8601 time", 400)
    now = now or datetime.now(UTC)
    if abs(now - signed_at) > REPLAY_WINDOW:
        raise WebhookRejected("the webhook timestamp is outside the 5-minute replay window")
    return signed_at


def _json(body: bytes) -> dict[str, Any]:
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise WebhookRejected("the webhook body is not JSON", 400) from None
    if not isinstance(payload, dict):
        raise WebhookRejected("the webhook body is not a JSON object", 400)
    return payload


def _short(value: object) -> str | None:
    return str(value)[:200] if value is not None else None
