"""Mailing a review pack: HTML and plain text over the one SMTP sender (INSIGHTDESK_SMTP_*), through
the closed loop's outbox so that a pack reaches each recipient once.

    send_pack(store, "team_lead:2026-11-23", ["lead@desk.example"], actor="max")

Only a ready pack (it passed the data-quality gate and, when asked, was signed off by a second person)
goes out; a held pack never does. Each recipient's message is an outbox row keyed
`pack:<pack id>:<address>`: sending again finds the key and mails nobody twice, and a transient SMTP
failure leaves the row pending for the outbox worker (`insightdesk rules deliver`) to retry.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from insightdesk.actions.config import DeliveryPolicy
from insightdesk.actions.delivery import Terminal, Transient, send_outbox_mail
from insightdesk.actions.errors import ActionsError
from insightdesk.actions.outbox import mark_delivered, mark_failed
from insightdesk.actions.packs import get_pack
from insightdesk.actions.packs_read import held_reason, pack_text
from insightdesk.actions.planning import enqueue
from insightdesk.actions.sql import changed_rows
from insightdesk.governance import audit
from insightdesk.insights.common.runs import from_json, utcnow
from insightdesk.store.tables.actions import action_outbox
from insightdesk.store.tables.actions import action_review_packs as packs

if TYPE_CHECKING:
    from insightdesk.store import Store

ADDRESS = re.compile(r"^[^\s@<>,;]+@[^\s@<>,;]+\.[^\s@<>,;]+$")
MAX_RECIPIENTS = 200


def idempotency_key(pack_id: str, address: str) -> str:
    return f"pack:{pack_id}:{address}"


def _recipients(values: list[str]) -> list[str]:
    found = sorted({v.strip().lower() for v in values if v and v.strip()})
    if not found:
        raise ActionsError("recipients: give at least one e-mail address")
    if len(found) > MAX_RECIPIENTS:
        raise ActionsError(f"recipients: {len(found)} addresses; at most {MAX_RECIPIENTS} per send")
    bad = [v for v in found if not ADDRESS.match(v)]
    if bad:
        raise ActionsError(f"recipients: {bad[0]!r} is not an e-mail address (name@domain)")
    return found


def _sendable(pack: dict[str, Any]) -> None:
    status = pack["status"]
    if status == "held":
        reason = held_reason(pack["quality"]) or "its data failed the quality gate"
        raise ActionsError(f"review pack {pack['pack_id']} is held ({reason}); a held pack is never sent")
    if status == "awaiting_signoff":
        raise ActionsError(
            f"review pack {pack['pack_id']} awaits sign-off by a second person; it is sent once signed off"
        )


def _take(store: Store, message_id: str, policy: DeliveryPolicy, now: dt.datetime) -> dict[str, Any] | None:
    """The message under a lease (as the outbox worker takes one), or None if it is not due or held."""
    with store.begin() as conn:
        took = changed_rows(
            conn,
            action_outbox.update()
            .where(action_outbox.c.message_id == message_id, action_outbox.c.status == "pending")
            .where(sa.or_(action_outbox.c.lease_until.is_(None), action_outbox.c.lease_until < now))
            .values(
                lease_until=now + dt.timedelta(seconds=policy.lease_seconds),
                attempts=action_outbox.c.attempts + 1,
                updated_at=now,
            ),
            action_outbox.c.message_id,
        )
        if not took:
            return None
        row = dict(
            conn.execute(action_outbox.select().where(action_outbox.c.message_id == message_id))
            .one()
            ._mapping
        )
    return {**row, "payload": from_json(row["payload"])}


def send_pack(
    store: Store,
    pack_id: str,
    recipients: list[str],
    actor: str,
    *,
    policy: DeliveryPolicy | None = None,
    send_email: Callable[..., str] | None = None,
) -> dict[str, Any]:
    """Mail a ready pack to each recipient once; returns each recipient's outcome.

    Outcomes: `delivered` (now), `already_sent` (an earlier send delivered it), `retrying` (a transient
    failure: the outbox worker tries again), `failed` (refused for good: see `rules outbox --status dead`).
    """
    policy = policy or DeliveryPolicy()
    addresses = _recipients(recipients)
    pack = get_pack(store, pack_id)
    _sendable(pack)
    subject, text, html = pack_text(pack)
    payload = {"subject": subject, "text": text, "html": html, "pack_id": pack_id}
    now = utcnow()
    with store.begin() as conn:
        keys = [idempotency_key(pack_id, a) for a in addresses]
        found = conn.execute(
            sa.select(action_outbox.c.idempotency_key, action_outbox.c.status).where(
                action_outbox.c.idempotency_key.in_(keys)
            )
        ).all()
        before = {str(r.idempotency_key): str(r.status) for r in found}
        ids = {
            a: enqueue(conn, channel="email", destination=a, idempotency_key=idempotency_key(pack_id, a),
                       payload=payload, evaluation=None, now=now)
            for a in addresses
        }  # fmt: skip
        conn.execute(
            packs.update().where(packs.c.pack_id == pack_id, packs.c.status == "ready").values(status="sent", sent_at=now)
        )  # fmt: skip
    outcomes = []
    for address in addresses:
        outcome = {"to": address, "status": "already_sent", "error": None}
        if before.get(idempotency_key(pack_id, address)) == "dead":
            outcome.update(
                status="failed", error="dead-lettered earlier: replay it with `insightdesk rules replay`"
            )
        message = _take(store, ids[address], policy, now) if outcome["status"] != "failed" else None
        if message is not None:
            outcome.update(_deliver(store, message, policy, send_email))
        elif before.get(idempotency_key(pack_id, address)) == "pending":
            outcome["status"] = "retrying"
        outcomes.append(outcome)
    audit.append(store.engine, actor=actor, action="packs.mail", target="action_review_packs", record_ids=[pack_id],
                 detail={"recipients": len(addresses), "delivered": sum(o["status"] == "delivered" for o in outcomes)})  # fmt: skip
    return {"pack_id": pack_id, "status": get_pack(store, pack_id)["status"], "recipients": outcomes}


def _deliver(
    store: Store, message: dict[str, Any], policy: DeliveryPolicy, send_email: Callable[..., str] | None
) -> dict[str, Any]:
    try:
        send_outbox_mail(message["destination"], message["idempotency_key"], message["payload"], send_email)
    except (Transient, Terminal) as exc:
        status = mark_failed(
            store, message, str(exc), terminal=isinstance(exc, Terminal), policy=policy, now=utcnow()
        )
        return {"status": "retrying" if status == "pending" else "failed", "error": str(exc)}
    with store.begin() as conn:
        mark_delivered(conn, message["message_id"], None, utcnow())
    return {"status": "delivered", "error": None}
