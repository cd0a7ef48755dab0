"""Releasing or rejecting a bulk-contact run held for approval (`holds`).

    approve_run(store, hold_id, actor="bea")     # evaluates and acts on exactly the held events
    reject_run(store, hold_id, actor="bea", reason="wrong segment")   # records them as not acted on

The approver is never the person who put the rule version in force. Released events go through the
same evaluation as any live run (one evaluation per event, tasks and outbox in its transaction), so
a release run twice acts once. Rejected events are recorded as evaluated with the rejection, so no
later run acts on them either.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from insightdesk.actions.conditions import matches
from insightdesk.actions.config import ActionsConfig
from insightdesk.actions.errors import ActionsError
from insightdesk.actions.evaluate import RuleRun, evaluate_todo
from insightdesk.actions.events import Event, EventWindow, read_events
from insightdesk.actions.holds import decide, get_hold
from insightdesk.actions.planning import evaluation_id
from insightdesk.actions.rules import get_version
from insightdesk.actions.spec import RuleSpec, parse_rule
from insightdesk.insights.common.runs import to_json, utcnow
from insightdesk.store.tables.actions import action_evaluations

if TYPE_CHECKING:
    from insightdesk.store import Store


def _held_events(
    store: Store, hold: dict[str, Any], now: dt.datetime, cfg: ActionsConfig
) -> tuple[RuleSpec, list[Event]]:
    """The hold's rule and its events not evaluated yet (read again: an event is never stored in a hold)."""
    row = get_version(store, hold["rule_id"], hold["version"])
    spec = parse_rule(row["spec"], policy=cfg.messages, stored=True)
    keys = set(hold["event_keys"])
    since = row["activated_at"] or hold["created_at"]
    # The held events were stored before the hold was made: read up to then, whatever the clock says now.
    until = max(now, hold["created_at"]) + dt.timedelta(seconds=1)
    events = read_events(store, spec.event, EventWindow(since, until, live=True, now=now), cfg.calendar)
    held = [e for e in events if e.key in keys]
    ids = [evaluation_id(spec.rule, "live", e.key) for e in held]
    with store.engine.connect() as conn:
        done = set(
            conn.execute(
                sa.select(action_evaluations.c.evaluation_id).where(action_evaluations.c.evaluation_id.in_(ids))
            ).scalars()
        ) if ids else set()  # fmt: skip
    return spec, [e for e, i in zip(held, ids, strict=True) if i not in done]


def approve_run(
    store: Store,
    hold_id: str,
    actor: str,
    *,
    config: ActionsConfig | None = None,
    now: dt.datetime | None = None,
) -> RuleRun:
    """A second person's approval: the held events are evaluated and acted on now."""
    cfg = config or ActionsConfig()
    now = now or utcnow()
    hold = get_hold(store, hold_id)
    row = get_version(store, hold["rule_id"], hold["version"])
    if row["status"] != "active" and hold["status"] == "held":
        raise ActionsError(
            f"run {hold_id}: rule {hold['rule_id']!r} v{hold['version']} is {row['status']}, no longer active; "
            "reject the held run instead"
        )
    decide(store, hold_id, actor, "released", None, now)
    spec, events = _held_events(store, hold, now, cfg)
    run = RuleRun(spec.rule, hold["version"], "live", events=len(events))
    evaluate_todo(
        store,
        spec,
        hold["version"],
        "live",
        [(e, matches(spec.when, e.attrs)) for e in events],
        now,
        cfg,
        run,
    )
    return run


def reject_run(
    store: Store,
    hold_id: str,
    actor: str,
    *,
    reason: str,
    config: ActionsConfig | None = None,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """Refuse a held run: its events are recorded as evaluated and not acted on, with the reason."""
    cfg = config or ActionsConfig()
    now = now or utcnow()
    if not reason.strip():
        raise ActionsError(f"run {hold_id}: say why it is rejected (a reason)")
    hold = decide(store, hold_id, actor, "rejected", reason.strip()[:2000], now)
    spec, events = _held_events(store, hold, now, cfg)
    skipped = to_json([{"kind": "run", "skipped": f"bulk run rejected by {actor}"}])
    rows = [{"evaluation_id": evaluation_id(spec.rule, "live", e.key), "rule_id": spec.rule,
             "version": hold["version"], "mode": "live", "event": spec.event, "event_key": e.key,
             "matched": matches(spec.when, e.attrs), "actions": skipped, "evaluated_at": now}
            for e in events]  # fmt: skip
    if rows:
        with store.begin() as conn:
            conn.execute(action_evaluations.insert(), rows)
    return {**hold, "events": len(rows)}
