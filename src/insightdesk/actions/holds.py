"""Bulk-contact runs held for a second person: the per-run gate of the closed loop.

A rule version's approval (`rules`) is given once, on its dry-run. A live run is gated again: when one
run of a rule would contact more customers than `ActionsConfig.bulk_run_limit` (distinct customers with
contact consent, counted before anything is written), nothing of that run is evaluated; its events are
held (`action_run_holds`) until someone other than the person who put the version in force releases
them (`approve_run`) or rejects them (`reject_run`). While a hold waits, later runs of that version
evaluate nothing, so the held events and the newer ones cannot slip past the gate one run at a time.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from insightdesk.actions.errors import ActionsError, NotFound
from insightdesk.actions.events import Event
from insightdesk.actions.rules import get_version
from insightdesk.actions.spec import CONTACT_KINDS, RuleSpec, TaskAction
from insightdesk.governance import audit
from insightdesk.governance.privacy import consented_customers
from insightdesk.insights.common.runs import from_json, new_id, to_json
from insightdesk.store.tables.actions import action_run_holds as holds

if TYPE_CHECKING:
    from insightdesk.store import Store

STATUSES = ("held", "released", "rejected")


def contacts_of_run(store: Store, spec: RuleSpec, todo: list[tuple[Event, bool]], now: dt.datetime) -> int:
    """Distinct customers the run's contact tasks would reach: matched, with contact consent now."""
    if not any(isinstance(a, TaskAction) and a.kind in CONTACT_KINDS for a in spec.actions):
        return 0
    customers = {str(e.attrs["customer_id"]) for e, matched in todo if matched and e.attrs.get("customer_id")}
    if not customers:
        return 0
    with store.engine.connect() as conn:
        return len(consented_customers(conn, "contact", at=now, among=customers))


def activator(row: dict[str, Any]) -> str | None:
    """Who put a version in force (versions activated before migration 0015: who asked for it)."""
    return row.get("activated_by") or row.get("requested_by")


def pending_hold(store: Store, rule_id: str, version: int) -> str | None:
    with store.engine.connect() as conn:
        found = conn.execute(
            sa.select(holds.c.hold_id).where(
                holds.c.rule_id == rule_id, holds.c.version == version, holds.c.status == "held"
            )
        ).scalar()
    return None if found is None else str(found)


def hold_run(
    store: Store,
    spec: RuleSpec,
    version: int,
    todo: list[tuple[Event, bool]],
    contacts: int,
    now: dt.datetime,
) -> str:
    """Hold a run's events for approval; audited as `rules.hold_run`."""
    hold_id = new_id("hold")
    row = get_version(store, spec.rule, version)
    with store.begin() as conn:
        conn.execute(
            holds.insert().values(
                hold_id=hold_id,
                rule_id=spec.rule,
                version=version,
                contacts=contacts,
                event_keys=to_json([e.key for e, _ in todo]),
                status="held",
                activated_by=activator(row),
                created_at=now,
            )
        )
    audit.append(store.engine, actor="cli", action="rules.hold_run", target="action_run_holds",
                 record_ids=[hold_id], detail={"rule": f"{spec.rule}@v{version}", "contacts": contacts,
                                               "events": len(todo)})  # fmt: skip
    return hold_id


def get_hold(store: Store, hold_id: str) -> dict[str, Any]:
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(holds).where(holds.c.hold_id == hold_id)).first()
    if row is None:
        raise NotFound(f"no held run {hold_id!r} (see `actions.list_holds`)")
    return {**row._mapping, "event_keys": from_json(row.event_keys)}


def list_holds(store: Store, *, status: str | None = "held") -> list[dict[str, Any]]:
    """Held runs (or those of another status, or all with None), oldest first, without their event keys."""
    if status is not None and status not in STATUSES:
        raise ActionsError(f"unknown hold status {status!r}; statuses: {', '.join(STATUSES)}")
    query = sa.select(*[c for c in holds.c if c.name != "event_keys"]).order_by(
        holds.c.created_at, holds.c.hold_id
    )
    if status is not None:
        query = query.where(holds.c.status == status)
    with store.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]


def decide(
    store: Store, hold_id: str, actor: str, status: str, reason: str | None, now: dt.datetime
) -> dict[str, Any]:
    """Release or reject a held run: a second person only, and once (a conditional update)."""
    hold = get_hold(store, hold_id)
    if hold["status"] != "held":
        raise ActionsError(f"run {hold_id} was already {hold['status']} by {hold['decided_by']}")
    if hold["activated_by"] and actor.strip().lower() == hold["activated_by"].strip().lower():
        raise ActionsError(
            f"run {hold_id} of rule {hold['rule_id']!r} v{hold['version']}: {actor} put this rule in force; "
            f"a second person must approve or reject its bulk run ({hold['contacts']} customers)"
        )
    with store.begin() as conn:
        done = conn.execute(
            holds.update()
            .where(holds.c.hold_id == hold_id, holds.c.status == "held")
            .values(status=status, decided_by=actor, decided_at=now, reason=reason)
            .returning(holds.c.hold_id)
        ).all()
    if len(done) != 1:
        raise ActionsError(f"run {hold_id} was decided meanwhile; look again")
    audit.append(store.engine, actor=actor, action=f"rules.{'release' if status == 'released' else 'reject'}_run",
                 target="action_run_holds", record_ids=[hold_id],
                 detail={"rule": f"{hold['rule_id']}@v{hold['version']}", "contacts": hold["contacts"]})  # fmt: skip
    return {**hold, "status": status, "decided_by": actor, "decided_at": now, "reason": reason}
