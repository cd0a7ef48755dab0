"""Coaching plans and sessions in the store, and each plan's follow-up measurement.

A plan's baseline is the agent's metric over the evaluations before the plan; its progress is measured
afresh on every read (`coaching.follow_up`), so new evaluations show up without a recomputation step.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import pandas as pd
import sqlalchemy as sa

from insightdesk.governance import Principal
from insightdesk.quality.access import NotInScope, agent_condition, audit_read, visible_agents
from insightdesk.quality.coaching import follow_up
from insightdesk.quality.records import from_json, new_id, read_frame, to_json, utcnow
from insightdesk.quality.rubrics import get_rubric
from insightdesk.store.tables.governance import audit_log
from insightdesk.store.tables.people import agents
from insightdesk.store.tables.quality import qa_coaching_plans, qa_coaching_sessions, qa_evaluations

if TYPE_CHECKING:
    from insightdesk.store import Store

STATUSES = ("open", "achieved", "not_achieved", "cancelled")
# A plan is worked while open; a closed plan (any other status) can only be reopened.
TRANSITIONS = {
    "open": ("achieved", "not_achieved", "cancelled"),
    "achieved": ("open",),
    "not_achieved": ("open",),
    "cancelled": ("open",),
}
STATUS_ACTION = "qa.coaching.status"


def _agent_evaluations(store: Store, agent_id: str) -> pd.DataFrame:
    e = qa_evaluations
    frame = read_frame(
        store,
        sa.select(
            e.c.created_at, e.c.score, e.c.answers, e.c.weight, e.c.rubric_id, e.c.rubric_version
        ).where(e.c.agent_id == agent_id, e.c.calibration_id.is_(None)),
    )
    frame["answers"] = frame["answers"].map(from_json)
    return frame


def _points(store: Store, evaluations: pd.DataFrame, rubric_id: str | None) -> dict[str, int]:
    rubric_ids = [rubric_id] if rubric_id else sorted(evaluations["rubric_id"].dropna().unique())
    points: dict[str, int] = {}
    for rid in rubric_ids:
        points |= {c.id: c.points for c in get_rubric(store, rid).criteria}
    return points


def create_plan(
    store: Store,
    principal: Principal,
    *,
    agent_id: str,
    goal: str,
    metric: str = "qa_score",
    target: float,
    due_at: dt.datetime | None = None,
    evidence: list[str] | None = None,
    rubric_id: str | None = None,
) -> dict[str, Any]:
    """A plan for an agent in the coach's scope, with the baseline measured now."""
    if not goal.strip() or len(goal) > 1000:
        raise ValueError("a coaching goal must be 1 to 1,000 characters")
    if not 0 <= target <= 100:
        raise ValueError(f"target {target} must be 0 to 100 (QA points)")
    if agent_id not in visible_agents(store, principal, [agent_id]):
        raise NotInScope(f"no agent {agent_id!r} in your scope")
    with store.engine.connect() as conn:
        team_id = conn.execute(sa.select(agents.c.team_id).where(agents.c.id == agent_id)).scalar()
    now = utcnow()
    evaluations = _agent_evaluations(store, agent_id)
    measured = follow_up(evaluations, metric, _points(store, evaluations, rubric_id), now, target)
    row = {
        "plan_id": new_id("coaching"),
        "agent_id": agent_id,
        "team_id": team_id,
        "goal": goal.strip(),
        "metric": metric,
        "baseline": measured["before"]["mean"] if measured["before"]["n"] else None,
        "baseline_n": measured["before"]["n"],
        "target": float(target),
        "due_at": due_at,
        "status": "open",
        "evidence": to_json(list(evidence or [])),
        "created_by": principal.username,
        "created_at": now,
    }
    with store.begin() as conn:
        conn.execute(qa_coaching_plans.insert().values(**row))
    return row | {"evidence": list(evidence or [])}


def _plan(store: Store, principal: Principal, plan_id: str) -> dict[str, Any]:
    p = qa_coaching_plans
    rows = read_frame(
        store, sa.select(p).where(p.c.plan_id == plan_id, agent_condition(principal, p.c.agent_id))
    )
    if rows.empty:
        raise NotInScope(f"no coaching plan {plan_id!r} in your scope")
    row = rows.to_dict("records")[0]
    row["evidence"] = from_json(row["evidence"])
    return row


def add_session(
    store: Store,
    principal: Principal,
    plan_id: str,
    *,
    held_at: dt.datetime,
    notes: str = "",
    ticket_ids: list[str] | None = None,
) -> dict[str, Any]:
    _plan(store, principal, plan_id)
    if len(notes) > 10_000:
        raise ValueError("session notes are longer than 10,000 characters")
    row = {
        "session_id": new_id("session"),
        "plan_id": plan_id,
        "held_at": held_at,
        "coach": principal.username,
        "notes": notes,
        "ticket_ids": to_json(list(ticket_ids or [])),
    }
    with store.begin() as conn:
        conn.execute(qa_coaching_sessions.insert().values(**row))
    return row


def set_status(
    store: Store, principal: Principal, plan_id: str, status: str, *, note: str = "", ip: str | None = None
) -> dict[str, Any]:
    """Move a plan to `status` along TRANSITIONS; returns its progress after the change.

    `achieved` needs the evidence: the follow-up mean (evaluations after the plan) must have reached
    the target. The change, with the follow-up figures it was made on, goes to the audit log, which
    is the plan's status history (`status_history`)."""
    if status not in STATUSES:
        raise ValueError(f"status {status!r} must be one of {', '.join(STATUSES)}")
    if len(note) > 2_000:
        raise ValueError("a status note must be at most 2,000 characters")
    progress = plan_progress(store, principal, plan_id)
    current = progress["plan"]["status"]
    if status not in TRANSITIONS.get(current, ()):
        allowed = ", ".join(sorted(TRANSITIONS.get(current, ()))) or "none"
        raise ValueError(f"plan {plan_id}: cannot go from {current} to {status} (allowed: {allowed})")
    after = progress["follow_up"]["after"]
    if status == "achieved" and not progress["follow_up"]["met"]:
        mean = "no evaluation yet" if not after["n"] else f"{after['mean']:.1f} (n={after['n']})"
        raise ValueError(
            f"plan {plan_id}: the follow-up mean is {mean}, below the target "
            f"{progress['plan']['target']:g}; it cannot be marked achieved (not_achieved or keep it open)"
        )
    with store.begin() as conn:
        conn.execute(
            qa_coaching_plans.update().where(qa_coaching_plans.c.plan_id == plan_id).values(status=status)
        )
    detail = {
        "from": current,
        "to": status,
        "note": note,
        "follow_up_mean": None if not after["n"] else after["mean"],
        "follow_up_n": after["n"],
    }
    audit_read(store, principal, STATUS_ACTION, plan_id, [plan_id], detail, ip)
    progress["plan"]["status"] = status
    progress["status_history"] = status_history(store, plan_id)
    return progress


def status_history(store: Store, plan_id: str) -> list[dict[str, Any]]:
    """Every status change of a plan, oldest first: when, who, from, to, note and the follow-up then."""
    log = audit_log
    rows = read_frame(
        store,
        sa.select(log.c.occurred_at, log.c.actor, log.c.detail)
        .where(log.c.action == STATUS_ACTION, log.c.target == plan_id)
        .order_by(log.c.seq),
    )
    return [{"at": r.occurred_at, "by": r.actor} | (from_json(r.detail) or {}) for r in rows.itertuples()]


def plan_progress(store: Store, principal: Principal, plan_id: str) -> dict[str, Any]:
    """The plan, its sessions and the before/after measurement of its metric."""
    plan = _plan(store, principal, plan_id)
    s = qa_coaching_sessions
    sessions = read_frame(store, sa.select(s).where(s.c.plan_id == plan_id).order_by(s.c.held_at))
    sessions["ticket_ids"] = sessions["ticket_ids"].map(from_json)
    evaluations = _agent_evaluations(store, plan["agent_id"])
    measured = follow_up(
        evaluations, plan["metric"], _points(store, evaluations, None), plan["created_at"], plan["target"]
    )
    return {
        "plan": plan,
        "sessions": sessions.to_dict("records"),
        "follow_up": measured,
        "status_history": status_history(store, plan_id),
    }


def list_plans(store: Store, principal: Principal, agent_id: str | None = None) -> pd.DataFrame:
    p = qa_coaching_plans
    query = sa.select(p).where(agent_condition(principal, p.c.agent_id))
    if agent_id:
        query = query.where(p.c.agent_id == agent_id)
    frame = read_frame(store, query.order_by(p.c.created_at.desc()))
    frame["evidence"] = frame["evidence"].map(from_json)
    return frame
