"""Insight pages: alerts (KPI moves and stored alerts), the pain-point ranking and backlog, and the
drivers, risk and impact summary."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from insightdesk.api.deps import app_state, client_ip, require
from insightdesk.api.errors import ApiError
from insightdesk.api.pages.context import AGG, filter_bar
from insightdesk.api.pages.rendering import render
from insightdesk.api.params import filters
from insightdesk.api.views import insights as insight_views
from insightdesk.api.views.filters import Filters
from insightdesk.api.views.kpi_alerts import alerts
from insightdesk.governance.roles import Permission, Principal
from insightdesk.web import charts

router = APIRouter(include_in_schema=False)
Grain = Literal["day", "week", "month", "quarter"]


@router.get("/alerts", response_class=HTMLResponse)
def alerts_page(
    request: Request,
    grain: Grain = "week",
    status: Literal["open", "acknowledged", "closed", "all"] = "open",
    f: Filters = Depends(filters),
    principal: Principal = AGG,
) -> Response:
    state = app_state(request)
    data = alerts(state, f, grain)
    stored = insight_views.alerts(state, None if status == "all" else status, limit=200)
    evidence = {
        a["alert_id"]: charts.alert_evidence((a.get("evidence") or {}).get("series_tail") or [], a)
        for a in stored["items"][:30]
    }
    return render(
        request,
        "alerts.html",
        data=data,
        grain=grain,
        stored=stored,
        status=status,
        charts=evidence,
        can_manage=principal.can(Permission.INSIGHTS),
        **filter_bar(request, f),
    )


@router.post("/alerts/status", response_class=HTMLResponse)
def alerts_status(
    request: Request,
    alert_id: str = Form(..., max_length=200),
    status: Literal["open", "acknowledged", "closed"] = Form(...),
    principal: Principal = Depends(require(Permission.INSIGHTS)),
) -> Response:
    from insightdesk.insights.alerts import AlertError

    try:
        insight_views.set_alert_status(app_state(request), alert_id, status, principal, client_ip(request))
    except AlertError as exc:
        raise ApiError(404, "not_found", str(exc)) from exc
    return RedirectResponse("/alerts", status_code=303)


@router.get("/painpoints", response_class=HTMLResponse)
def painpoints_page(
    request: Request,
    status: str | None = Query(None, max_length=40),
    kind: Literal["theme", "category", "theme_x_category", ""] | None = None,
    critical: bool = False,
    principal: Principal = AGG,
) -> Response:
    from insightdesk.insights.painpoints import STATUSES

    data = insight_views.painpoints(
        app_state(request), status=status or None, kind=kind or None, critical_only=critical, limit=100
    )
    return render(
        request, "painpoints.html", data=data, statuses=STATUSES, status=status, kind=kind, critical=critical
    )


def _painpoint_page(
    request: Request, key: str, principal: Principal, message: str | None = None, error: str | None = None
) -> Response:
    from insightdesk.insights.painpoints import STATUSES

    try:
        found = insight_views.painpoint(app_state(request), key)
    except insight_views.NotFound as exc:
        raise ApiError(404, "not_found", str(exc)) from exc
    weekly = (found.get("metrics") or {}).get("weekly") or []
    return render(
        request,
        "painpoint.html",
        status_code=422 if error else 200,
        p=found,
        spec=charts.weekly_volume(weekly, "tickets per week") if weekly else None,
        statuses=STATUSES,
        can_manage=principal.can(Permission.INSIGHTS),
        message=message,
        error=error,
    )


@router.get("/painpoints/detail", response_class=HTMLResponse)
def painpoint_page(
    request: Request, key: str = Query(..., max_length=1000), principal: Principal = AGG
) -> Response:
    return _painpoint_page(request, key, principal)


@router.get("/painpoints/{key:path}", response_class=HTMLResponse)
def painpoint_page_by_path(
    request: Request, key: str = Path(..., max_length=1000), principal: Principal = AGG
) -> Response:
    """The same page at the pain point's own address (`/painpoints/category:Billing`), as the API has it."""
    return _painpoint_page(request, key, principal)


@router.post("/painpoints/detail", response_class=HTMLResponse)
def painpoint_update(
    request: Request,
    key: str = Form(..., max_length=1000),
    status: str = Form("", max_length=40),
    owner: str = Form("", max_length=64),
    problem_id: str = Form("", max_length=500),
    note: str = Form("", max_length=4000),
    principal: Principal = Depends(require(Permission.INSIGHTS)),
) -> Response:
    from insightdesk.insights.painpoints import BacklogError

    changes = {"status": status, "owner": owner, "problem_id": problem_id, "note": note}
    try:
        insight_views.painpoint(app_state(request), key)
        insight_views.update_painpoint(app_state(request), key, principal, client_ip(request), changes)
    except insight_views.NotFound as exc:
        raise ApiError(404, "not_found", str(exc)) from exc
    except BacklogError as exc:
        return _painpoint_page(request, key, principal, error=str(exc))
    return _painpoint_page(request, key, principal, message="backlog updated")


@router.get("/insights", response_class=HTMLResponse)
def insights_page(request: Request, principal: Principal = AGG) -> Response:
    state = app_state(request)
    drivers = insight_views.drivers(state)
    # The chart draws the rows the table and the words show: one `effect` each, in percentage points.
    driver_charts = {
        outcome: charts.drivers(d["drivers"][:12], outcome) if d["drivers"] else None
        for outcome, d in drivers["outcomes"].items()
    }
    return render(
        request,
        "insights.html",
        drivers=drivers,
        driver_charts=driver_charts,
        risk=insight_views.risk(state, principal),
        impact=insight_views.impacts(state),
    )
