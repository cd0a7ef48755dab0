"""KPIs, overview tiles, segment comparisons, themes, pain points and alerts: aggregates only."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response

from insightdesk.api import dashboard
from insightdesk.api.cache import json_response
from insightdesk.api.dashboard import Filters
from insightdesk.api.deps import app_state, require
from insightdesk.api.errors import ApiError, ErrorResponse
from insightdesk.api.params import filters
from insightdesk.api.schemas import KpiRows
from insightdesk.governance.roles import Permission, Principal

router = APIRouter(
    prefix="/api/v1",
    tags=["metrics"],
    responses={401: {"model": ErrorResponse}, 422: {"model": ErrorResponse}},
)
AGG = Depends(require(Permission.AGGREGATES))
Grain = Literal["day", "week", "month", "quarter"]


def check_kpi(name: str) -> dict[str, Any]:
    from insightdesk.metrics import get_kpi

    try:
        get_kpi(name)
    except (KeyError, ValueError) as exc:
        raise ApiError(404, "unknown_kpi", f"no KPI {name!r}; GET /api/v1/kpis lists them") from exc
    return dashboard.kpi_info(name)


def check_by(by: list[str]) -> tuple[str, ...]:
    from insightdesk.metrics import DIMENSIONS

    unknown = [b for b in by if b not in DIMENSIONS]
    if unknown:
        raise ApiError(
            422,
            "unknown_dimension",
            f"unknown dimension(s) {', '.join(unknown)}",
            {"available": sorted(DIMENSIONS)},
        )
    return tuple(dict.fromkeys(by))


def metrics_errors(fn: Any) -> Any:
    from insightdesk.metrics import MetricsError

    try:
        return fn()
    except MetricsError as exc:
        raise ApiError(422, "invalid_metric_request", str(exc)) from exc


@router.get("/kpis")
async def kpis(request: Request, principal: Principal = AGG) -> Response:
    """Every KPI with its formula, unit, method and direction."""
    return await json_response(request, lambda: {"items": dashboard.catalog()})


@router.get("/kpis/{kpi}", response_model=KpiRows, responses={404: {"model": ErrorResponse}})
async def kpi_rows(
    kpi: str,
    request: Request,
    by: list[str] = Query(default=[], description="Dimensions to cut by (GET /api/v1/dimensions)."),
    grain: Grain | None = None,
    f: Filters = Depends(filters),
    principal: Principal = AGG,
) -> Response:
    """One KPI per cell of by x grain: value, ci_low, ci_high (95%), n, low_n, method."""
    info = check_kpi(kpi)
    dims = check_by(by)

    def build() -> dict[str, Any]:
        rows = metrics_errors(lambda: dashboard.series(app_state(request), kpi, f, by=dims, grain=grain))
        return KpiRows(kpi=info, filters=f.query(), by=list(dims), grain=grain, rows=rows).model_dump(
            mode="json"
        )

    return await json_response(request, build)


@router.get("/overview")
async def overview(
    request: Request, grain: Grain = "week", f: Filters = Depends(filters), principal: Principal = AGG
) -> Response:
    """The KPI tiles: value with interval, trend series and the last period's change with its test."""
    state = app_state(request)
    return await json_response(
        request,
        lambda: {
            "filters": f.query(),
            "grain": grain,
            "tiles": dashboard.tiles(state, f, grain),
            "range": dashboard.data_range(state),
        },
    )


@router.get("/compare/{kpi}", responses={404: {"model": ErrorResponse}})
async def compare(
    kpi: str,
    request: Request,
    by: list[str] = Query(default=["channel"]),
    against: Literal["rest", "previous"] = "rest",
    grain: Grain | None = None,
    f: Filters = Depends(filters),
    principal: Principal = AGG,
) -> Response:
    """Segments against the rest (or periods against the previous), Holm-adjusted significance flags."""
    info = check_kpi(kpi)
    dims = check_by(by)

    def build() -> dict[str, Any]:
        rows = metrics_errors(
            lambda: dashboard.comparison(app_state(request), kpi, f, by=dims, against=against, grain=grain)
        )
        return {
            "kpi": info,
            "by": list(dims),
            "against": against,
            "grain": grain,
            "filters": f.query(),
            "rows": rows,
        }

    return await json_response(request, build)


@router.get("/dimensions")
def dimensions(request: Request, principal: Principal = AGG) -> dict[str, Any]:
    """Filter values offered by the dashboard, dimensions to compare by, and the data's date range."""
    from insightdesk.metrics import DIMENSIONS

    state = app_state(request)
    return {
        "filters": dashboard.filter_options(state),
        "dimensions": DIMENSIONS,
        "compare": list(dashboard.COMPARE_DIMENSIONS),
        "range": dashboard.data_range(state),
    }


@router.get("/themes")
def themes(request: Request, principal: Principal = AGG) -> dict[str, Any]:
    """Themes with volumes and negative share; representative (redacted) quotes for roles with text."""
    return dashboard.themes(app_state(request), with_quotes=principal.can(Permission.TEXT_REDACTED))


@router.get("/pain-points")
def pain_points(
    request: Request, f: Filters = Depends(filters), principal: Principal = AGG
) -> dict[str, Any]:
    return dashboard.pain_points(app_state(request), f)


@router.get("/alerts")
def alerts(
    request: Request, grain: Grain = "week", f: Filters = Depends(filters), principal: Principal = AGG
) -> dict[str, Any]:
    """Significant period-over-period KPI changes, worse first."""
    return dashboard.alerts(app_state(request), f, grain)
