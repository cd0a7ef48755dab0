"""What the pages and the REST API show of the insight engine: its stored results, as JSON-safe dicts.

No analytics here: pain points, drivers, risk, alerts and impact are computed by
`insightdesk.insights` (CLI, quickstart or a scheduler) and stored; this module reads them,
limits per-ticket results to the caller's row scope, and records changes in the audit log.
Reads are cached until an insight table or the data changes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from functools import partial
from typing import Any, TypeVar

import pandas as pd

from insightdesk.api.state import AppState
from insightdesk.explore import insight_stamp, run_params, scored_tickets
from insightdesk.governance import audit
from insightdesk.governance.roles import Permission, Principal
from insightdesk.insights.common import plain
from insightdesk.model import display

OUTCOMES = ("low_csat", "detractor", "repeat_contact")
T = TypeVar("T")


class NotFound(LookupError):
    """No such stored result; the message names what was asked for."""


def _rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return plain(frame.to_dict(orient="records"))


def _store_read(state: AppState, fn: Callable[[], T]) -> T:
    # The insight functions use the store's own connection: one thread at a time, like the metrics.
    with state.metrics_lock:
        return fn()


def _cached(state: AppState, key: tuple[Any, ...], fn: Callable[[], T]) -> T:
    """Kept until the insight tables change (checked per request: a change made through the API must
    show at once) or the data does (for ticket joins)."""
    version = insight_stamp(state.engine, state.has_table)
    result: T = state.cache.get_or_compute(("insights", *key, version, state.data_version()), fn)
    return result


# --- pain points ----------------------------------------------------------------------------------


def _painpoints(
    state: AppState, *, status: str | None, kind: str | None, critical_only: bool, limit: int
) -> dict[str, Any]:
    from insightdesk.insights.painpoints import list_painpoints

    if not state.has_table("painpoints"):
        return {"computed": False, "items": []}
    try:
        frame = _store_read(
            state,
            lambda: list_painpoints(
                state.store, status=status, kind=kind, critical_only=critical_only, limit=limit
            ),
        )
    except LookupError:  # no ranking run yet
        return {"computed": False, "items": []}
    if frame.empty:
        return {"computed": False, "items": []}
    items = _rows(frame.drop(columns=["metrics"], errors="ignore"))
    for item, metrics in zip(items, frame["metrics"], strict=True):
        item["trend_text"] = _trend_text(metrics, item.get("trend"))
    first = frame.iloc[0]
    window = (first["metrics"] or {}).get("window", {}) if isinstance(first["metrics"], dict) else {}
    return {
        "computed": True,
        "run_id": first["run_id"],
        "computed_at": plain(first["computed_at"]),
        "window": window,
        "items": items,
    }


def _painpoint(state: AppState, key: str) -> dict[str, Any]:
    from insightdesk.insights.painpoints import get_painpoint

    try:
        found = _store_read(state, lambda: get_painpoint(state.store, key))
    except LookupError as exc:
        raise NotFound(str(exc)) from exc
    out = plain(found)
    out["trend_text"] = _trend_text(out.get("metrics"), out.get("trend"))
    return out


def _trend_text(metrics: Any, change: float | None) -> str:
    from insightdesk.insights.painpoints import trend_text

    return trend_text((metrics or {}).get("trend") if isinstance(metrics, dict) else None, change)


def update_painpoint(
    state: AppState, key: str, principal: Principal, ip: str | None, changes: dict[str, Any]
) -> dict[str, Any]:
    """Change status, owner, linked problem or note; written to the backlog trail and the audit log."""
    from insightdesk.insights.painpoints import update_painpoint as update

    changes = {k: v for k, v in changes.items() if v not in (None, "")}
    with state.write_lock:
        result = _store_read(state, lambda: update(state.store, key, actor=principal.username, **changes))
    audit.append(
        state.engine,
        actor=principal.username,
        role=principal.role.value,
        ip=ip,
        action="painpoint.update",
        target="painpoint_backlog",
        record_ids=[key],
        detail={k: str(v) for k, v in changes.items() if k not in ("note", "rationale")},
    )
    return plain(asdict(result))


# --- drivers, risk, alerts, impact ---------------------------------------------------------------


def _drivers(state: AppState, outcome: str | None) -> dict[str, Any]:
    from insightdesk.insights.drivers import load_drivers

    if not state.has_table("driver_effects"):
        return {"computed": False, "outcomes": {}}
    # One drivers run per outcome: show the latest run of each.
    latest: dict[str, str] = {}
    for run_id, params in run_params(state.engine, "drivers"):
        name = (params or {}).get("outcome")
        if name and name not in latest and (outcome is None or name == outcome):
            latest[name] = run_id
    out: dict[str, Any] = {}
    for name in sorted(latest, key=OUTCOMES.index if set(latest) <= set(OUTCOMES) else str):
        part = _store_read(state, partial(load_drivers, state.store, latest[name]))
        out[name] = {
            "run_id": latest[name],
            "drivers": [_effect_words(r, name) for r in _rows(part[part["kind"] == "driver"])],
            "disparities": [_effect_words(r, name) for r in _rows(part[part["kind"] == "disparity"])],
        }
    return {"computed": bool(out), "outcomes": out}


def _effect_words(row: dict[str, Any], outcome: str) -> dict[str, Any]:
    """A driver or disparity row with its display strings, all made from its `effect`.

    Every outcome of key drivers is a share of tickets (low CSAT, detractors, repeat contacts), so
    effects are stored in percentage points (within -100..100) and read as `+4.2 pts`; the chart
    draws the same `effect` and shows the same `effect_text`.
    """
    effect, low, high = row.get("effect"), row.get("ci_low"), row.get("ci_high")
    row["unit"] = "percentage points"
    row["effect_text"] = display.points(effect)
    row["ci_text"] = "" if low is None or high is None else f"{display.points(low)} .. {display.points(high)}"
    if row.get("kind") == "disparity":
        who, against = f"{row.get('feature')}={row.get('level')}", "against the other tickets"
    elif row.get("level"):
        who, against = f"{row.get('feature')}={row['level']}", "against the desk's average mix"
    else:  # a number: its effect from one quantile to another (the contrast says which)
        who, against = str(row.get("feature")), f"from {row.get('contrast') or 'low to high'}"
    ci = f" (95% CI {row['ci_text']})" if row["ci_text"] else ""
    verdict = "significant" if row.get("significant") else "not significant"
    row["text"] = (
        f"{who}: {row['effect_text']} of {outcome.replace('_', ' ')} {against}{ci}, "
        f"{verdict}, n={display.count(row.get('n'))}"
    )
    return row


def _risk(state: AppState, principal: Principal, target: str, limit: int) -> dict[str, Any]:
    from insightdesk.insights.risk import RiskModelError, risk_report

    if not state.has_table("risk_models"):
        return {"computed": False}
    try:
        report = _store_read(state, lambda: risk_report(state.store, target, top=limit))
    except RiskModelError as exc:
        return {"computed": False, "message": str(exc)}
    model = {k: v for k, v in report.model.items() if k not in ("artefact", "reference_profile")}
    result = {
        "computed": True,
        "target": target,
        "model": plain(model),
        "candidates": _rows(report.candidates),
        "precision_at_k": _rows(report.precision_at_k),
        "reliability": _rows(report.reliability),
        "importance": _rows(report.importance),
        "band_counts": plain(report.band_counts),
        "tickets": None,
    }
    if principal.can(Permission.RECORDS):
        result["tickets"] = plain(scored_tickets(state.engine, principal, model["model_id"], limit))
    return result


def _alerts(state: AppState, status: str | None, limit: int) -> dict[str, Any]:
    from insightdesk.insights.alerts import list_alerts

    if not state.has_table("alerts"):
        return {"computed": False, "items": []}
    frame = _store_read(state, lambda: list_alerts(state.store, status or None, limit=limit))
    items = _rows(frame)
    for item in items:
        item["unit"] = _series_unit(str(item.get("series") or ""))
    return {"computed": True, "items": items}


def _series_unit(series: str) -> str | None:
    """The unit of an alert's series: a KPI's own (`kpi:csat` -> share), texts for a theme's volume."""
    from insightdesk.metrics import get_kpi

    kind, _, name = series.partition(":")
    if kind == "kpi":
        try:
            return get_kpi(name).unit
        except KeyError:
            return None
    return None


def set_alert_status(
    state: AppState, alert_id: str, status: str, principal: Principal, ip: str | None
) -> dict[str, Any]:
    """Acknowledge, close or reopen a stored alert; audited."""
    from insightdesk.insights.alerts import set_alert_status as set_status

    with state.write_lock:
        found = _store_read(state, lambda: set_status(state.store, alert_id, status))
    audit.append(
        state.engine,
        actor=principal.username,
        role=principal.role.value,
        ip=ip,
        action="alert.status",
        target="alerts",
        record_ids=[alert_id],
        detail={"status": status},
    )
    return plain(found)


def _impacts(state: AppState, limit: int) -> dict[str, Any]:
    from insightdesk.insights.impact import list_impact

    if not state.has_table("impact_analyses"):
        return {"computed": False, "items": []}
    frame = _store_read(state, lambda: list_impact(state.store, limit=limit))
    return {"computed": not frame.empty, "items": _rows(frame)}


def _impact(state: AppState, analysis_id: str) -> dict[str, Any]:
    from insightdesk.insights.impact import get_impact

    try:
        found = _store_read(state, lambda: get_impact(state.store, analysis_id))
    except (KeyError, LookupError) as exc:
        raise NotFound(f"no impact analysis {analysis_id!r}") from exc
    return plain(found.as_dict())


# --- cached entry points --------------------------------------------------------------------------


def painpoints(
    state: AppState,
    *,
    status: str | None = None,
    kind: str | None = None,
    critical_only: bool = False,
    limit: int = 50,
) -> dict[str, Any]:
    """The latest ranking with backlog state; `computed` is False until `insightdesk painpoints rank` ran."""
    return _cached(
        state,
        ("painpoints", status, kind, critical_only, limit),
        lambda: _painpoints(state, status=status, kind=kind, critical_only=critical_only, limit=limit),
    )


def painpoint(state: AppState, key: str) -> dict[str, Any]:
    """One pain point of the latest ranking: figures, explanation, backlog and its history."""
    return _cached(state, ("painpoint", key), lambda: _painpoint(state, key))


def drivers(state: AppState, outcome: str | None = None) -> dict[str, Any]:
    """Effects of the latest drivers run of each outcome: adjusted drivers and segment disparities."""
    return _cached(state, ("drivers", outcome), lambda: _drivers(state, outcome))


def risk(state: AppState, principal: Principal, target: str = "low_csat", limit: int = 20) -> dict[str, Any]:
    """The active model's held-out evaluation; the riskiest tickets in scope for roles that read records."""
    scope = (principal.role.value, principal.team_ids, principal.agent_id, principal.can(Permission.RECORDS))
    return _cached(state, ("risk", target, limit, scope), lambda: _risk(state, principal, target, limit))


def alerts(state: AppState, status: str | None = "open", limit: int = 100) -> dict[str, Any]:
    """Stored anomaly and threshold alerts, newest period first, with their evidence."""
    return _cached(state, ("alerts", status, limit), lambda: _alerts(state, status, limit))


def impacts(state: AppState, limit: int = 50) -> dict[str, Any]:
    """Stored impact analyses, newest first."""
    return _cached(state, ("impacts", limit), lambda: _impacts(state, limit))


def impact(state: AppState, analysis_id: str) -> dict[str, Any]:
    """One impact analysis with its per-period series, warnings and power."""
    return _cached(state, ("impact", analysis_id), lambda: _impact(state, analysis_id))


def warm_up(state: AppState) -> None:
    """The insight pages' default views, read at start: their first visitor then reads a cache.

    The risk view depends on the visitor's row scope, so only its modules are loaded here.
    """
    import insightdesk.insights.risk  # noqa: F401  # importing the modelling stack costs tens of ms

    painpoints(state, limit=100)  # as the Pain points page asks
    drivers(state)
    impacts(state)
    alerts(state, "open", limit=200)  # as the Alerts page asks
