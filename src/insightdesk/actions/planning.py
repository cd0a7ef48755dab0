"""What a matched rule does for one event: plan the actions (reads only), then carry them out.

`plan` turns a rule's actions into concrete steps (owner found, consent checked, texts rendered,
idempotency keys made); a dry-run and shadow mode stop there. `carry_out` writes the steps inside the
caller's transaction (tasks, notifications, outbox messages), so an evaluation and its effects
commit together or not at all.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from insightdesk.actions.business_hours import add_business_hours
from insightdesk.actions.clocks import insert_clocks, plan_clocks
from insightdesk.actions.config import ActionsConfig
from insightdesk.actions.errors import ActionsError
from insightdesk.actions.events import Event
from insightdesk.actions.knowledge import knowledge_outline
from insightdesk.actions.routing import contact_allowed, customer_context, problem_evidence, resolve_owner
from insightdesk.actions.spec import (
    CONTACT_KINDS,
    NotifyAction,
    ProblemRecordAction,
    RuleSpec,
    TaskAction,
    render,
)
from insightdesk.insights.common.runs import new_id, to_json
from insightdesk.store.tables.actions import action_notifications, action_outbox, action_tasks


@dataclass
class Step:
    """One concrete action: `kind` task, notify or problem_record, or skipped with a reason."""

    kind: str
    detail: dict[str, Any] = field(default_factory=dict)
    skipped: str | None = None

    def summary(self) -> dict[str, Any]:
        out = {"kind": self.kind, **{k: v for k, v in self.detail.items() if k not in ("context", "payload")}}
        if self.skipped:
            out["skipped"] = self.skipped
        return out


def evaluation_id(rule_id: str, mode: str, event_key: str) -> str:
    """Stable per rule, mode and event: a second evaluation of the same event is refused by the key."""
    return "ev-" + hashlib.sha256(f"{rule_id}\x1f{mode}\x1f{event_key}".encode()).hexdigest()[:24]


@dataclass
class Replay:
    """What a dry-run looks up once instead of per event: who consents, who owns what.

    Evidence and the customer's context are left out of a dry-run's steps (they are read when a live
    evaluation carries the steps out).
    """

    consenting: set[str]
    owners: dict[tuple[Any, ...], str | None] = field(default_factory=dict)


def plan(
    conn: sa.Connection,
    spec: RuleSpec,
    event: Event,
    now: dt.datetime,
    config: ActionsConfig,
    replay: Replay | None = None,
    consenting: set[str] | None = None,
) -> list[Step]:
    """The steps of a matched rule; `consenting` is the batch's consent answer read in this transaction."""
    steps = []
    for index, action in enumerate(spec.actions):
        if isinstance(action, TaskAction):
            steps.append(_plan_task(conn, action, event, now, config, replay, consenting))
        elif isinstance(action, NotifyAction):
            level = action.levels[0]
            steps.append(
                Step(
                    "notify",
                    {
                        "index": index,
                        "level": 0,
                        "to": level.to,
                        "message": render(action.message, event.attrs),
                        "escalate_after_hours": level.after_business_hours,
                    },
                )
            )
        elif isinstance(action, ProblemRecordAction):
            payload = {
                "short_description": render(action.short_description, event.attrs),
                "evidence": problem_evidence(conn, event.attrs) if replay is None else {},
                "event_key": event.key,
            }
            # Keyed by rule and event, not version: a new version never files a second record.
            key = f"problem:{spec.rule}:{event.key}"
            steps.append(
                Step(
                    "problem_record",
                    {"destination": action.destination, "idempotency_key": key, "payload": payload},
                )
            )
    return steps


def _plan_task(
    conn: sa.Connection,
    action: TaskAction,
    event: Event,
    now: dt.datetime,
    config: ActionsConfig,
    replay: Replay | None,
    consenting: set[str] | None = None,
) -> Step:
    attrs = event.attrs
    detail: dict[str, Any] = {
        "task_kind": action.kind,
        "title": render(action.title, attrs),
        "customer_id": attrs.get("customer_id"),
        "ticket_id": attrs.get("ticket_id"),
    }
    customer = attrs.get("customer_id")
    known = replay.consenting if replay is not None else consenting
    if action.kind in CONTACT_KINDS and not (
        contact_allowed(conn, customer) if known is None else customer in known
    ):
        return Step("task", detail, skipped="no contact consent")
    if replay is None:
        owner = resolve_owner(conn, action, attrs)
    else:
        key = (action.owner, action.fallback_owner, attrs.get("team_id"), attrs.get("agent_id"))
        if key not in replay.owners:
            replay.owners[key] = resolve_owner(conn, action, attrs)
        owner = replay.owners[key]
    context = customer_context(conn, attrs) if replay is None else {}
    if action.kind == "knowledge_gap" and replay is None:
        context["outline"] = knowledge_outline(conn, attrs.get("theme_id"))
    due_at = add_business_hours(now, action.due_business_hours, config.calendar)
    restricted = list(action.restricted_to)
    if action.kind == "regulatory_complaint":
        regime = config.regimes.get(action.regime or "")
        if regime is None:
            raise ActionsError(
                f"regulatory_complaint {action.title!r}: regime {action.regime!r} is not configured; "
                f"regimes: {', '.join(sorted(config.regimes))}"
            )
        # The regulator's clocks run from the complaint's receipt (the event), not from our evaluation.
        clocks = plan_clocks(regime, min(event.occurred_at, now), config.calendar)
        detail.update(regime=regime.name, clocks=clocks)
        due_at = min([due_at] + [c["due_at"] for c in clocks if c["binding"]])
        restricted = restricted or list(regime.restricted_to)
    detail.update(
        owner=owner,
        team_id=action.team_id or attrs.get("team_id"),
        due_at=due_at,
        restricted_to=restricted or None,
        context=context,
    )
    return Step("task", detail)


def carry_out(
    conn: sa.Connection, steps: list[Step], *, rule_id: str, evaluation: str, event: Event, now: dt.datetime
) -> None:
    """Write the steps (tasks, notifications and their outbox messages, problem-record messages)."""
    for step in steps:
        if step.skipped:
            continue
        d = step.detail
        if step.kind == "task":
            task_id = new_id("task")
            d["task_id"] = task_id
            conn.execute(
                action_tasks.insert().values(
                    task_id=task_id,
                    evaluation_id=evaluation,
                    rule_id=rule_id,
                    kind=d["task_kind"],
                    title=d["title"][:300],
                    owner=d["owner"],
                    team_id=d["team_id"],
                    restricted_to=to_json(d["restricted_to"]) if d["restricted_to"] else None,
                    customer_id=d["customer_id"],
                    ticket_id=d["ticket_id"],
                    feedback_id=event.attrs.get("feedback_id"),
                    painpoint_key=event.attrs.get("painpoint_key"),
                    context=to_json(d["context"]),
                    status="open",
                    due_at=d["due_at"],
                    created_at=now,
                    updated_at=now,
                )
            )
            insert_clocks(conn, task_id, d.get("clocks") or [])
        elif step.kind == "notify":
            queue_notification(
                conn,
                subject=evaluation,
                rule_id=rule_id,
                level=d["level"],
                index=d["index"],
                to=d["to"],
                message=d["message"],
                escalate_after_hours=d["escalate_after_hours"],
                now=now,
            )
        elif step.kind == "problem_record":
            d["message_id"] = enqueue(
                conn,
                channel="problem_record",
                destination=d["destination"],
                idempotency_key=d["idempotency_key"],
                payload=d["payload"],
                evaluation=evaluation,
                now=now,
            )


def queue_notification(
    conn: sa.Connection,
    *,
    subject: str,
    rule_id: str | None,
    level: int,
    index: int,
    to: str,
    message: str,
    escalate_after_hours: float | None,
    now: dt.datetime,
) -> str:
    channel, destination = ("webhook", to.split(":", 1)[1]) if to.startswith("webhook:") else ("email", to)
    notification_id = f"{subject}:{index}:{level}"
    message_id = enqueue(
        conn,
        channel=channel,
        destination=destination,
        idempotency_key=f"notify:{notification_id}",
        payload={"text": message, "notification_id": notification_id, "level": level},
        evaluation=subject,
        now=now,
    )
    conn.execute(
        action_notifications.insert().values(
            notification_id=notification_id,
            subject=subject,
            rule_id=rule_id,
            level=level,
            recipient=to,
            channel=channel,
            message_id=message_id,
            escalate_after_hours=escalate_after_hours,
            sent_at=now,
        )
    )
    return notification_id


def enqueue(
    conn: sa.Connection,
    *,
    channel: str,
    destination: str,
    idempotency_key: str,
    payload: dict[str, Any],
    evaluation: str | None,
    now: dt.datetime,
    status: str = "pending",
) -> str:
    """One outbox message; an existing key keeps its message (the effect is already on its way)."""
    existing = conn.execute(
        sa.select(action_outbox.c.message_id).where(action_outbox.c.idempotency_key == idempotency_key)
    ).scalar()
    if existing is not None:
        return str(existing)
    message_id = new_id("msg")
    conn.execute(
        action_outbox.insert().values(
            message_id=message_id,
            idempotency_key=idempotency_key,
            channel=channel,
            destination=destination,
            payload=to_json(payload),
            status=status,
            attempts=0,
            next_attempt_at=now,
            evaluation_id=evaluation,
            created_at=now,
            updated_at=now,
        )
    )
    return message_id
