"""Reading review packs: the list per audience role, why a held pack is held, and the pack in words
(the plain-text and HTML bodies the e-mail sender and the page share).

The gate's verdict is stored with the pack (`packs.build_pack`); `held_reason` turns its checks into
one sentence a reader can act on ("stale: newest ticket 120 h before the period's end, limit 48 h").
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from insightdesk.actions.errors import ActionsError
from insightdesk.insights.common.runs import from_json
from insightdesk.model import display
from insightdesk.store.tables.actions import action_review_packs as packs

if TYPE_CHECKING:
    from insightdesk.store import Store

STATUSES = ("held", "awaiting_signoff", "ready", "sent")
CSAT_FORMULA = "share of CSAT answers scoring 4 or 5; 95% Wilson interval"


def held_reason(quality: dict[str, Any] | None) -> str | None:
    """Why the data-quality gate holds a pack, one clause per failed check; None when it passes."""
    checks = (quality or {}).get("checks") or {}
    reasons = []
    fresh = checks.get("fresh") or {}
    if fresh and not fresh.get("ok"):
        lag = fresh.get("lag_hours")
        reasons.append(
            "stale: no ticket before the period's end"
            if lag is None
            else f"stale: newest ticket {display.duration(lag)} before the period's end (limit {display.duration(fresh.get('limit_hours'))})"
        )
    complete = checks.get("complete") or {}
    if complete and not complete.get("ok"):
        missing = list(complete.get("days_without_tickets") or [])
        shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
        reasons.append(
            f"incomplete: no tickets on {len(missing)} of {complete.get('working_days', 0)} working days ({shown})"
        )
    return "; ".join(reasons) or None


def _summary(row: Any) -> dict[str, Any]:
    out = dict(row._mapping)
    quality = from_json(out.pop("quality"))
    content = from_json(out.pop("content")) or {}
    return {**out, "built_by": content.get("built_by"), "held_reason": held_reason(quality)}


def list_packs(
    store: Store, *, roles: list[str] | None = None, status: str | None = None, limit: int = 100
) -> list[dict[str, Any]]:
    """Packs, newest period first; `roles` limits them to those audiences (None: every role)."""
    if status is not None and status not in STATUSES:
        raise ActionsError(f"unknown review pack status {status!r}; statuses: {', '.join(STATUSES)}")
    query = sa.select(packs).order_by(packs.c.period_start.desc(), packs.c.role).limit(limit)
    if roles is not None:
        query = query.where(packs.c.role.in_(roles))
    if status is not None:
        query = query.where(packs.c.status == status)
    with store.engine.connect() as conn:
        return [_summary(r) for r in conn.execute(query)]


def _rank_change(change: int | None) -> str:
    if change is None:
        return "new"
    return "same" if change == 0 else (f"up {change}" if change > 0 else f"down {-change}")


def _csat_line(kpi: dict[str, Any]) -> str:
    if not kpi.get("n"):
        return "no answers"
    return (
        f"{display.percent(kpi['value'])} (n={kpi['n']:,}, 95% CI "
        f"{display.percent(kpi['ci_low'])} to {display.percent(kpi['ci_high'])})"
    )


def csat_movement(content: dict[str, Any]) -> dict[str, Any]:
    """CSAT now, before and the difference in percentage points (None where a side has no answers)."""
    csat = (content.get("kpis") or {}).get("csat") or {}
    now, before = csat.get("now") or {}, csat.get("before") or {}
    both = now.get("value") is not None and before.get("value") is not None
    return {
        "now": _csat_line(now),
        "before": _csat_line(before),
        "difference": display.points(100 * (now["value"] - before["value"])) if both else display.DASH,
        "formula": CSAT_FORMULA,
    }


def pack_text(pack: dict[str, Any]) -> tuple[str, str, str]:
    """(subject, plain text, HTML) of a pack, as it is mailed."""
    content = pack["content"] or {}
    period = content.get("period") or {}
    start, end = (
        str(period.get("start", pack["period_start"]))[:10],
        str(period.get("end", pack["period_end"]))[:10],
    )
    subject = f"[InsightDesk] Review pack for {pack['role']}, {start} to {end}"
    csat = csat_movement(content)
    actions = content.get("open_actions") or {}
    oldest = actions.get("oldest_days")
    ages = (
        f"{actions.get('count', 0):,} open, the oldest {oldest} days old"
        if oldest is not None
        else "none open"
    )
    pains = content.get("painpoints") or []
    kinds = actions.get("by_kind") or []
    sign = f"Signed off by {pack['signed_off_by']}." if pack.get("signed_off_by") else ""
    lines = [
        f"Review pack for {pack['role']}: {start} to {end} (UTC, end exclusive). {sign}".strip(),
        "",
        "KPI movements",
        f"  CSAT now: {csat['now']}",
        f"  CSAT the period before: {csat['before']}",
        f"  Difference: {csat['difference']} ({csat['formula']})",
        "",
        "Top pain points (rank change since the last review)",
        *[f"  {p['rank']}. {p['label']} ({_rank_change(p.get('rank_change'))})" for p in pains],
        *([] if pains else ["  none ranked"]),
        "",
        f"Open actions: {ages}",
        *[
            f"  {a['kind']}: {a['count']:,} open, median {a['median_days']:g} days, oldest {a['oldest_days']} days"
            for a in kinds
        ],
    ]
    esc = html.escape
    rows = "".join(
        f"<tr><td>{p['rank']}</td><td>{esc(str(p['label']))}</td><td>{esc(_rank_change(p.get('rank_change')))}</td></tr>"
        for p in pains
    )
    body = (
        f"<h1>Review pack for {esc(pack['role'])}</h1><p>{start} to {end} (UTC, end exclusive). {esc(sign)}</p>"
        "<h2>KPI movements</h2><table><tr><th>KPI</th><th>now</th><th>before</th><th>difference</th></tr>"
        f"<tr><td>CSAT</td><td>{esc(csat['now'])}</td><td>{esc(csat['before'])}</td><td>{esc(csat['difference'])}</td></tr>"
        f"</table><p><small>{esc(csat['formula'])}</small></p>"
        "<h2>Top pain points</h2><table><tr><th>rank</th><th>pain point</th><th>since the last review</th></tr>"
        f"{rows or '<tr><td colspan=3>none ranked</td></tr>'}</table>"
        f"<h2>Open actions</h2><p>{esc(ages)}</p>"
        + "".join(
            f"<p>{esc(a['kind'])}: {a['count']:,} open, median {a['median_days']:g} days, oldest {a['oldest_days']} days</p>"
            for a in kinds
        )
    )
    page = f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{esc(subject)}</title></head><body>{body}</body></html>'
    return subject, "\n".join(lines) + "\n", page
