"""Review packs: a digest per role and period (KPI movements, top pain points with their rank changes
since the last review, open actions and their ages), held by a data-quality gate when the period's
data is stale or partial, and optionally signed off before it goes out.

Gate (each check recorded with its figures):
- fresh: the newest ticket is at most `max_staleness_hours` older than the period's end;
- complete: every working day of the period has tickets (a day without any is a gap in the load);
A pack that fails a check is `held`; one that passes is `awaiting_signoff` (when sign-off is required)
or `ready`.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from insightdesk.actions.errors import ActionsError, BuiltMeanwhile, NotFound
from insightdesk.governance import audit
from insightdesk.insights.common.runs import from_json, plain, to_json, utcnow
from insightdesk.metrics import stats
from insightdesk.store.tables.actions import action_review_packs as packs
from insightdesk.store.tables.actions import action_tasks
from insightdesk.store.tables.canonical import feedback, tickets
from insightdesk.store.tables.insights import insight_runs, painpoints

if TYPE_CHECKING:
    from insightdesk.store import Store

TOP = 10


def _gate(
    conn: sa.Connection, start: dt.datetime, end: dt.datetime, max_staleness_hours: float
) -> dict[str, Any]:
    newest = conn.execute(
        sa.select(sa.func.max(tickets.c.created_at)).where(tickets.c.created_at < end)
    ).scalar()
    days = conn.execute(
        sa.select(sa.func.date(tickets.c.created_at))
        .where(tickets.c.created_at >= start, tickets.c.created_at < end)
        .distinct()
    ).scalars()
    seen = {d if isinstance(d, dt.date) else dt.date.fromisoformat(str(d)[:10]) for d in days}
    working = [
        start.date() + dt.timedelta(days=i)
        for i in range((end - start).days)
        if (start + dt.timedelta(days=i)).weekday() < 5
    ]
    missing = [d.isoformat() for d in working if d not in seen]
    lag = None if newest is None else (end - newest).total_seconds() / 3600
    checks = {
        "fresh": {"ok": lag is not None and lag <= max_staleness_hours, "newest_ticket": newest, "lag_hours": lag,
                  "limit_hours": max_staleness_hours},
        "complete": {"ok": not missing, "working_days": len(working), "days_without_tickets": missing},
    }  # fmt: skip
    return plain({"ok": all(c["ok"] for c in checks.values()), "checks": checks})


def _csat(conn: sa.Connection, start: dt.datetime, end: dt.datetime) -> dict[str, Any]:
    row = conn.execute(
        sa.select(sa.func.count(), sa.func.sum(sa.case((feedback.c.score >= 4, 1), else_=0))).where(
            feedback.c.scale == "csat", feedback.c.answered_at >= start, feedback.c.answered_at < end
        )
    ).one()
    n, k = int(row[0] or 0), int(row[1] or 0)
    lo, hi = stats.wilson(k, n)
    return {
        "value": k / n if n else None,
        "n": n,
        "ci_low": float(lo) if n else None,
        "ci_high": float(hi) if n else None,
    }


def _ranks(conn: sa.Connection, run_id: str | None) -> dict[str, dict[str, Any]]:
    if run_id is None:
        return {}
    rows = conn.execute(
        sa.select(painpoints.c.painpoint_key, painpoints.c.label, painpoints.c.rank).where(
            painpoints.c.run_id == run_id
        )
    ).all()
    return {r.painpoint_key: {"label": r.label, "rank": int(r.rank)} for r in rows}


def _ages(open_tasks: Sequence[Any], period_end: dt.datetime) -> list[dict[str, Any]]:
    """Open actions per kind: how many, and the median and oldest age in whole days at the period's end."""
    ages: dict[str, list[int]] = {}
    for t in open_tasks:
        ages.setdefault(t.kind, []).append((period_end - t.created_at).days)
    return [{"kind": k, "count": len(v), "median_days": statistics.median(v), "oldest_days": max(v)}
            for k, v in sorted(ages.items(), key=lambda kv: (-len(kv[1]), kv[0]))]  # fmt: skip


def build_pack(
    store: Store,
    role: str,
    period_end: dt.datetime,
    *,
    days: int = 7,
    max_staleness_hours: float = 48,
    require_signoff: bool = False,
    actor: str = "cli",
) -> dict[str, Any]:
    """Build (or rebuild, while not sent) the pack of `role` for the `days` before `period_end`.

    `actor` is recorded as the pack's author: its sign-off must come from a second person."""
    start = period_end - dt.timedelta(days=days)
    pack_id = f"{role}:{start:%Y-%m-%d}"
    with store.engine.connect() as conn:
        existing = conn.execute(sa.select(packs.c.status).where(packs.c.pack_id == pack_id)).scalar()
        if existing == "sent":
            raise ActionsError(f"review pack {pack_id} was sent; it is not rebuilt")
        gate = _gate(conn, start, period_end, max_staleness_hours)
        runs = list(
            conn.execute(
                sa.select(insight_runs.c.run_id)
                .where(insight_runs.c.kind == "painpoints", insight_runs.c.finished_at < period_end)
                .order_by(insight_runs.c.finished_at.desc())
                .limit(2)
            ).scalars()
        )
        previous_pack = conn.execute(
            sa.select(packs.c.content).where(packs.c.role == role, packs.c.period_start < start, packs.c.status == "sent")
            .order_by(packs.c.period_start.desc()).limit(1)
        ).scalar()  # fmt: skip
        last_run = (from_json(previous_pack) or {}).get("painpoint_run") if previous_pack else None
        current = _ranks(conn, runs[0] if runs else None)
        before = _ranks(conn, last_run or (runs[1] if len(runs) > 1 else None))
        top = sorted(current.items(), key=lambda kv: kv[1]["rank"])[:TOP]
        open_tasks = conn.execute(
            sa.select(action_tasks.c.kind, action_tasks.c.created_at).where(
                action_tasks.c.status.in_(("open", "in_progress")), action_tasks.c.created_at < period_end
            )
        ).all()
        content = {
            "built_by": actor,
            "period": {"start": start, "end": period_end},
            "kpis": {"csat": {"now": _csat(conn, start, period_end), "before": _csat(conn, start - (period_end - start), start)}},
            "painpoint_run": runs[0] if runs else None,
            "painpoints": [
                {"key": k, "label": v["label"], "rank": v["rank"],
                 "previous_rank": before.get(k, {}).get("rank"),
                 "rank_change": None if k not in before else before[k]["rank"] - v["rank"]}
                for k, v in top
            ],
            "open_actions": {
                "count": len(open_tasks),
                "oldest_days": max(((period_end - t.created_at).days for t in open_tasks), default=None),
                "by_kind": _ages(open_tasks, period_end),
            },
        }  # fmt: skip
    status = "held" if not gate["ok"] else ("awaiting_signoff" if require_signoff else "ready")
    row = {"role": role, "period_start": start, "period_end": period_end, "status": status,
           "quality": to_json(gate), "content": to_json(content), "created_at": utcnow(), "signed_off_by": None}  # fmt: skip
    try:
        with store.begin() as conn:
            if existing is None:
                conn.execute(packs.insert().values(pack_id=pack_id, **row))
            # Never over a pack sent since it was read: that would make it "ready" to mail again. (Only
            # PostgreSQL can race here and reports 0 rows; DuckDB admits one process and reports -1.)
            elif (
                conn.execute(
                    packs.update().where(packs.c.pack_id == pack_id, packs.c.status != "sent").values(**row)
                ).rowcount
                == 0
            ):
                raise BuiltMeanwhile(
                    f"review pack {pack_id} was sent while it was being rebuilt; it is not rebuilt"
                )
    except sa.exc.IntegrityError:
        raise BuiltMeanwhile(
            f"review pack {pack_id} was built by another process meanwhile; it is not built twice"
        ) from None
    audit.append(store.engine, actor=actor, action="packs.build", target="action_review_packs", record_ids=[pack_id],
                 detail={"status": status})  # fmt: skip
    return get_pack(store, pack_id)


def get_pack(store: Store, pack_id: str) -> dict[str, Any]:
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(packs).where(packs.c.pack_id == pack_id)).first()
    if row is None:
        raise NotFound(f"no review pack {pack_id!r}")
    out = dict(row._mapping)
    return {**out, "quality": from_json(out["quality"]), "content": from_json(out["content"])}


def sign_off(store: Store, pack_id: str, actor: str) -> dict[str, Any]:
    pack = get_pack(store, pack_id)
    if pack["status"] != "awaiting_signoff":
        raise ActionsError(
            f"review pack {pack_id} is {pack['status']}; only a pack awaiting sign-off can be signed off"
        )
    if actor == (pack["content"] or {}).get("built_by"):
        raise ActionsError(f"review pack {pack_id}: {actor} built it; a second person must sign it off")
    with store.begin() as conn:
        conn.execute(
            packs.update().where(packs.c.pack_id == pack_id).values(status="ready", signed_off_by=actor)
        )
    audit.append(
        store.engine, actor=actor, action="packs.sign_off", target="action_review_packs", record_ids=[pack_id]
    )
    return get_pack(store, pack_id)


def mark_sent(store: Store, pack_id: str, actor: str) -> dict[str, Any]:
    """Record that a ready pack went out; a held or unsigned pack never does."""
    pack = get_pack(store, pack_id)
    if pack["status"] != "ready":
        raise ActionsError(f"review pack {pack_id} is {pack['status']}; only a ready pack goes out")
    with store.begin() as conn:
        conn.execute(packs.update().where(packs.c.pack_id == pack_id).values(status="sent", sent_at=utcnow()))
    audit.append(
        store.engine, actor=actor, action="packs.send", target="action_review_packs", record_ids=[pack_id]
    )
    return get_pack(store, pack_id)
