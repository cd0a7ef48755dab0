"""Workforce planning: run and read demand forecasts with their backtests, staff them (Erlang C / A)
with scenarios, the Erlang calculator and where tickets escalate. Aggregates only: no ticket or
person is shown, so reading needs `aggregates.read`; running a forecast or a plan `insights.manage`."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request

from insightdesk.api.deps import app_state, require
from insightdesk.api.errors import ApiError, ErrorResponse
from insightdesk.api.schemas.workforce import (
    ErlangAnswer,
    ForecastDetail,
    ForecastList,
    ForecastRequest,
    PoolAnswer,
    PoolRequest,
    StaffingDetail,
    StaffingRequest,
    TierTable,
)
from insightdesk.api.service_calls import ServiceErrors, run_service
from insightdesk.governance.roles import Permission, Principal
from insightdesk.workforce import (
    KnownEvent,
    Scenario,
    StaffingParams,
    agents_for_interval,
    escalation_summary,
    forecast_detail,
    list_forecasts,
    run_forecast,
    run_staffing,
    staffing_detail,
    tier_paths,
)
from insightdesk.workforce.pools import WARMUP_SHARE, AgentGroup, Skill, pooling_bounds, simulate_pool
from insightdesk.workforce.records import plain

router = APIRouter(
    prefix="/api/v1/workforce",
    tags=["workforce"],
    responses={401: {"model": ErrorResponse}, 403: {"model": ErrorResponse}},
)
AGG = Depends(require(Permission.AGGREGATES))
MANAGE = Depends(require(Permission.INSIGHTS))
ERRORS: dict[int | str, dict[str, Any]] = {404: {"model": ErrorResponse}, 422: {"model": ErrorResponse}}
# A request runs in the server's threads: forecasts and plans are bounded (a few seconds of one core);
# bigger ones belong to the CLI. Without `models`, the fast candidates are tried.
FORECAST_BUDGET = 10_000.0
STAFFING_INTERVALS = 20_000
POOL_ARRIVALS = 500_000  # simulated contacts per request, all replications: about two seconds
API_MODELS = ("seasonal_naive", "auto_ets", "mstl")


SERVICE_ERRORS = ServiceErrors(not_found=KeyError, invalid=ValueError)


def _call(request: Request, fn: Callable[..., Any], *args: Any, write: bool = False, **kwargs: Any) -> Any:
    # Forecasts and staffing read the store's connection: api/service_calls.py's lock rules.
    state = app_state(request)
    return run_service(state, lambda: fn(state.store, *args, **kwargs), SERVICE_ERRORS, write=write)


def _when(value: str | None, field: str) -> dt.datetime | None:
    if value is None:
        return None
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        raise ApiError(422, "invalid_request", f"{field} {value!r} is not an ISO date or time") from None


def _run_row(run: dict[str, Any]) -> dict[str, Any]:
    keep = (
        "forecast_id",
        "granularity",
        "group_by",
        "horizon",
        "chosen",
        "warnings",
        "params",
        "created_by",
        "created_at",
    )
    row = plain({k: run.get(k) for k in keep})
    row["chosen"], row["warnings"], row["params"] = (
        row["chosen"] or {},
        row["warnings"] or [],
        row["params"] or {},
    )
    return row


def _detail(detail: dict[str, Any]) -> dict[str, Any]:
    backtests = detail["backtests"].drop(columns="forecast_id")
    points = detail["points"].drop(columns="forecast_id")
    return {
        "run": _run_row(detail["run"]),
        "backtests": plain(backtests.to_dict("records")),
        "points": plain(points.to_dict("records")),
    }


@router.get("/forecasts", response_model=ForecastList)
def forecasts(
    request: Request, limit: int = Query(20, ge=1, le=200), principal: Principal = AGG
) -> dict[str, Any]:
    """Stored forecasts, newest first, with the model chosen per series."""
    frame = _call(request, list_forecasts, limit)
    return {"forecasts": [_run_row(r) for r in frame.to_dict("records")]}


@router.post("/forecasts", response_model=ForecastDetail, responses=ERRORS)
def create_forecast(body: ForecastRequest, request: Request, principal: Principal = MANAGE) -> dict[str, Any]:
    """Backtest every candidate per series, keep the best by MASE, forecast with 80%/95% intervals."""
    try:
        events = [KnownEvent(dt.date.fromisoformat(e.date), e.name, e.kind) for e in body.events]
    except ValueError as exc:
        raise ApiError(422, "invalid_request", f"events: {exc}") from exc
    forecast_id, _ = _call(
        request,
        run_forecast,
        write=True,
        group_by=body.group_by,
        granularity=body.granularity,
        horizon=body.horizon,
        windows=body.windows,
        since=_when(body.since, "since"),
        until=_when(body.until, "until"),
        series=body.series,
        max_series=body.max_series,
        events=events,
        models=tuple(body.models) if body.models else API_MODELS,
        created_by=principal.username,
        budget=FORECAST_BUDGET,
    )
    return _detail(_call(request, forecast_detail, forecast_id))


@router.get("/forecasts/{forecast_id}", response_model=ForecastDetail, responses=ERRORS)
def forecast(forecast_id: str, request: Request, principal: Principal = AGG) -> dict[str, Any]:
    """One forecast (`latest` for the newest): its backtests per model and its points."""
    return _detail(_call(request, forecast_detail, None if forecast_id == "latest" else forecast_id))


def _staffing(detail: dict[str, Any]) -> dict[str, Any]:
    plans, intervals = detail["plans"], detail["intervals"]
    weekly = [
        {"scenario": p["scenario"], **w, "week": str(w["week"])[:10]}
        for p in plans.to_dict("records")
        for w in p["weekly"] or []
    ]
    return {
        "forecast_id": detail["forecast_id"],
        "plans": plain(plans[["plan_id", "scenario", "description", "params"]].to_dict("records")),
        "weekly": plain(weekly),
        "intervals": plain(intervals.drop(columns="plan_id").to_dict("records")),
    }


@router.post("/staffing", response_model=StaffingDetail, responses=ERRORS)
def create_staffing(body: StaffingRequest, request: Request, principal: Principal = MANAGE) -> dict[str, Any]:
    """Staff a stored forecast (the latest by default): the base plan and each scenario."""
    values = body.model_dump(exclude={"forecast_id", "scenarios"})
    try:
        params = StaffingParams(**values)
        scenarios = [
            Scenario(**{**s.model_dump(), "deflection_series": tuple(s.deflection_series)})
            for s in body.scenarios
        ]
    except (TypeError, ValueError) as exc:
        raise ApiError(422, "invalid_request", str(exc)) from exc
    result = _call(
        request,
        run_staffing,
        write=True,
        params=params,
        scenarios=scenarios,
        forecast_id=body.forecast_id,
        created_by=principal.username,
        max_intervals=STAFFING_INTERVALS,
    )
    return _staffing(_call(request, staffing_detail, result.forecast_id))


@router.get("/staffing", response_model=StaffingDetail, responses=ERRORS)
def staffing(
    request: Request, forecast_id: str | None = Query(None, max_length=200), principal: Principal = AGG
) -> dict[str, Any]:
    """The latest staffing run of a forecast: plans side by side, FTE per week, agents per interval."""
    return _staffing(_call(request, staffing_detail, forecast_id))


@router.get("/erlang", response_model=ErlangAnswer, responses=ERRORS)
def erlang(
    volume: float = Query(..., ge=0, le=1e7),
    interval: int = Query(1800, ge=60, le=86_400),
    aht: float = Query(180.0, ge=1, le=86_400),
    service_level: float = Query(0.8, gt=0, lt=1),
    target: float = Query(20.0, ge=0, le=86_400),
    max_occupancy: float = Query(0.85, ge=0.3, le=1),
    shrinkage: float = Query(0.3, ge=0, lt=1),
    model: Literal["erlang_c", "erlang_a"] = "erlang_c",
    patience: float = Query(180.0, ge=1, le=86_400),
    principal: Principal = AGG,
) -> dict[str, Any]:
    """Agents one interval needs, and the queue they give (no store involved)."""
    try:
        params = StaffingParams(
            aht=aht,
            service_level=service_level,
            target=target,
            max_occupancy=max_occupancy,
            shrinkage=shrinkage,
            model=model,
            patience=patience,
        )
        m = agents_for_interval(volume, interval, params)
    except ValueError as exc:
        raise ApiError(422, "invalid_request", str(exc)) from exc
    if m is None:
        return {
            "model": model,
            "traffic": 0.0,
            "agents": 0,
            "fte": 0.0,
            "p_wait": 0.0,
            "service_level": 1.0,
            "asa": 0.0,
            "p_abandon": 0.0,
            "occupancy": 0.0,
        }
    return {
        "model": model, "traffic": m.traffic, "agents": m.agents, "fte": m.agents / (1 - shrinkage), "p_wait": m.p_wait,
        "service_level": m.service_level, "asa": m.asa if math.isfinite(m.asa) else None, "p_abandon": m.p_abandon, "occupancy": m.occupancy,
    }  # fmt: skip


@router.post("/pools", response_model=PoolAnswer, responses=ERRORS)
def pool(body: PoolRequest, principal: Principal = AGG) -> dict[str, Any]:
    """Simulate a multi-skill pool (skills-based routing over groups holding different skills): service
    level and speed of answer per skill, occupancy per group, beside Erlang C's dedicated and pooled
    agents. Pure computation: nothing is read or stored."""
    arrivals = (
        sum(s.arrivals_per_hour for s in body.skills) * body.hours * (1 + WARMUP_SHARE) * body.replications
    )
    if arrivals > POOL_ARRIVALS:
        raise ApiError(
            422, "invalid_request",
            f"about {arrivals:,.0f} simulated contacts, over the limit of {POOL_ARRIVALS:,} per request: "
            "fewer hours or replications, or run `insightdesk staffing pool`",
        )  # fmt: skip
    skills = [Skill(s.name, s.arrivals_per_hour, s.aht) for s in body.skills]
    groups = [AgentGroup(g.name, g.agents, tuple(g.skills)) for g in body.groups]
    try:
        rows = simulate_pool(
            skills,
            groups,
            target=body.target,
            hours=body.hours,
            replications=body.replications,
            seed=body.seed,
        )
        bounds = pooling_bounds(skills, service_level=body.service_level, target=body.target)
    except ValueError as exc:
        raise ApiError(422, "invalid_request", str(exc)) from exc
    return {"rows": plain(rows.to_dict("records")), "erlang_c": plain(bounds.to_dict("records"))}


@router.get("/tiers", response_model=TierTable, responses=ERRORS)
def tiers(
    request: Request,
    topic: Literal["category", "subcategory", "channel", "type", "priority"] = "category",
    limit: int = Query(50, ge=1, le=500),
    principal: Principal = AGG,
) -> dict[str, Any]:
    """Where tickets escalate by topic, and the hours each tier held them."""
    paths = _call(request, tier_paths, topic=topic)
    return {"topic": topic, "rows": plain(escalation_summary(paths).head(limit).to_dict("records"))}
