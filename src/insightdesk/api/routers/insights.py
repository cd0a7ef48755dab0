"""The insight engine's stored results: pain points and their backlog, drivers, risk, alerts, impact."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from insightdesk.api.deps import app_state, client_ip, require
from insightdesk.api.errors import ApiError, ErrorResponse
from insightdesk.api.schemas import (
    BacklogChangeResult,
    DriversView,
    ImpactAnalysis,
    ImpactList,
    PainpointDetail,
    PainpointRanking,
    RiskView,
    StoredAlert,
    StoredAlerts,
)
from insightdesk.api.views import insights as views
from insightdesk.governance.roles import Permission, Principal

# Unset fields are left out: an answer has exactly the keys its stored result has (a view that was
# not computed yet says only `computed: false`).
router = APIRouter(
    prefix="/api/v1/insights",
    tags=["insights"],
    responses={401: {"model": ErrorResponse}, 403: {"model": ErrorResponse}},
)
AGG = Depends(require(Permission.AGGREGATES))
MANAGE = Depends(require(Permission.INSIGHTS))
Outcome = Literal["low_csat", "detractor", "repeat_contact"]


class BacklogChange(BaseModel):
    status: str | None = Field(
        None,
        max_length=40,
        description="new, under_review, linked_to_problem, fix_shipped, verified, wont_fix or deprioritised.",
    )
    rationale: str | None = Field(
        None, max_length=4000, description="Why: required with wont_fix and deprioritised."
    )
    owner: str | None = Field(None, max_length=64, description="Account responsible (users.username).")
    problem_id: str | None = Field(None, max_length=500, description="Problem record to link (problems.id).")
    note: str | None = Field(None, max_length=4000)


class AlertChange(BaseModel):
    status: Literal["open", "acknowledged", "closed"]


@router.get("/painpoints", response_model=PainpointRanking, response_model_exclude_unset=True)
def painpoints(
    request: Request,
    status: str | None = Query(None, max_length=40),
    kind: Literal["theme", "category", "theme_x_category"] | None = None,
    critical: bool = False,
    limit: int = Query(50, ge=1, le=500),
    principal: Principal = AGG,
) -> dict[str, Any]:
    """Pain points of the latest ranking, most urgent first, each with its score factors and explanation."""
    try:
        return views.painpoints(
            app_state(request), status=status, kind=kind, critical_only=critical, limit=limit
        )
    except ValueError as exc:
        raise ApiError(422, "invalid_request", str(exc)) from exc


@router.get(
    "/painpoints/{key:path}",
    response_model=PainpointDetail,
    response_model_exclude_unset=True,
    responses={404: {"model": ErrorResponse}},
)
def painpoint(key: str, request: Request, principal: Principal = AGG) -> dict[str, Any]:
    """One pain point: KPI gaps with intervals, customers and value at risk, explanation, backlog, history."""
    try:
        return views.painpoint(app_state(request), key)
    except views.NotFound as exc:
        raise ApiError(404, "not_found", str(exc)) from exc


@router.patch(
    "/backlog/{key:path}",
    response_model=BacklogChangeResult,
    response_model_exclude_unset=True,
    responses={404: {"model": ErrorResponse}, 422: {"model": ErrorResponse}},
)
def update_backlog(
    key: str, body: BacklogChange, request: Request, principal: Principal = MANAGE
) -> dict[str, Any]:
    """Move a pain point through the backlog; every change is kept with who made it (and audited)."""
    from insightdesk.insights.painpoints import BacklogError

    state = app_state(request)
    try:
        views.painpoint(state, key)
        return views.update_painpoint(state, key, principal, client_ip(request), body.model_dump())
    except views.NotFound as exc:
        raise ApiError(404, "not_found", str(exc)) from exc
    except BacklogError as exc:
        raise ApiError(422, "invalid_change", str(exc)) from exc


@router.get("/drivers", response_model=DriversView, response_model_exclude_unset=True)
def drivers(request: Request, outcome: Outcome | None = None, principal: Principal = AGG) -> dict[str, Any]:
    """Key drivers (adjusted effects with bootstrap intervals) and significant segment disparities."""
    return views.drivers(app_state(request), outcome)


@router.get("/risk", response_model=RiskView, response_model_exclude_unset=True)
def risk(
    request: Request,
    target: Outcome = "low_csat",
    limit: int = Query(20, ge=1, le=500),
    principal: Principal = AGG,
) -> dict[str, Any]:
    """The active risk model's held-out AUC and calibration; riskiest tickets in scope for record roles."""
    return views.risk(app_state(request), principal, target, limit)


@router.get("/alerts", response_model=StoredAlerts, response_model_exclude_unset=True)
def alerts(
    request: Request,
    status: Literal["open", "acknowledged", "closed", "all"] = "open",
    limit: int = Query(100, ge=1, le=1000),
    principal: Principal = AGG,
) -> dict[str, Any]:
    """Stored anomaly and threshold alerts with their evidence (series, expected range, observed)."""
    return views.alerts(app_state(request), None if status == "all" else status, limit)


@router.patch(
    "/alerts/{alert_id}",
    response_model=StoredAlert,
    response_model_exclude_unset=True,
    responses={404: {"model": ErrorResponse}},
)
def update_alert(
    alert_id: str, body: AlertChange, request: Request, principal: Principal = MANAGE
) -> dict[str, Any]:
    """Acknowledge, close or reopen an alert (audited)."""
    from insightdesk.insights.alerts import AlertError

    try:
        return views.set_alert_status(
            app_state(request), alert_id, body.status, principal, client_ip(request)
        )
    except AlertError as exc:
        raise ApiError(404, "not_found", str(exc)) from exc


@router.get("/impact", response_model=ImpactList, response_model_exclude_unset=True)
def impacts(
    request: Request, limit: int = Query(50, ge=1, le=500), principal: Principal = AGG
) -> dict[str, Any]:
    """Stored impact analyses: difference-in-differences, pre/post with trend, A/B tests."""
    return views.impacts(app_state(request), limit)


@router.get(
    "/impact/{analysis_id}",
    response_model=ImpactAnalysis,
    response_model_exclude_unset=True,
    responses={404: {"model": ErrorResponse}},
)
def impact(analysis_id: str, request: Request, principal: Principal = AGG) -> dict[str, Any]:
    """One impact analysis with its per-period series, warnings and power."""
    try:
        return views.impact(app_state(request), analysis_id)
    except views.NotFound as exc:
        raise ApiError(404, "not_found", str(exc)) from exc
