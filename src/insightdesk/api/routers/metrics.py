"""KPIs, overview tiles, segment comparisons, pain points and alerts: aggregates only (themes: routers/themes.py).

The KPI answers are served as cached JSON bytes (api/cache.py), so their response models describe
them in the OpenAPI document without re-validating each answer.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response

from insightdesk.api.cache import json_response
from insightdesk.api.deps import app_state, require
from insightdesk.api.errors import ErrorResponse, metrics_errors
from insightdesk.api.params import check_by, check_kpi, filters
from insightdesk.api.schemas import (
    Comparison,
    Dimensions,
    KpiAlerts,
    KpiCatalog,
    KpiRows,
    Overview,
    PainPoints,
)
from insightdesk.api.schemas.movers import Movers
from insightdesk.api.views import kpi_alerts, options
from insightdesk.api.views import kpis as kpi_views
from insightdesk.api.views import movers as movers_views
from insightdesk.api.views import overview as overview_views
from insightdesk.api.views import themes as theme_views
from insightdesk.api.views.filters import Filters
from insightdesk.governance.roles import Permission, Principal

router = APIRouter(
    prefix="/api/v1",
    tags=["metrics"],
    responses={401: {"model": ErrorResponse}, 422: {"model": ErrorResponse}},
)
AGG = Depends(require(Permission.AGGREGATES))
Grain = Literal["day", "week", "month", "quarter"]


@router.get("/kpis", response_model=KpiCatalog)
async def kpis(request: Request, principal: Principal = AGG) -> Response:
    """Every KPI with its formula, unit, method and direction."""
    return await json_response(request, lambda: {"items": kpi_views.catalog()})


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
        rows = metrics_errors(lambda: kpi_views.series(app_state(request), kpi, f, by=dims, grain=grain))
        return {"kpi": info, "filters": f.query(), "by": list(dims), "grain": grain, "rows": rows}

    return await json_response(request, build)


@router.get("/overview", response_model=Overview)
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
            "tiles": overview_views.tiles(state, f, grain),
            "range": options.data_range(state),
        },
    )


@router.get("/overview/movers", response_model=Movers)
def overview_movers(
    request: Request, grain: Grain = "week", f: Filters = Depends(filters), principal: Principal = AGG
) -> dict[str, Any]:
    """What changed and why, as the overview page tells it: the KPIs that moved most in their latest
    complete period (significant first), each with its test, the categories behind the move and
    their pain points; every number also as the page writes it (`*_text`). Links to the records
    behind each number for roles that read records."""
    state = app_state(request)
    found = movers_views.movers(
        state, f, grain, overview_views.tiles(state, f, grain), links=principal.can(Permission.RECORDS)
    )
    return {
        "filters": f.query(),
        "grain": grain,
        "period": found[0]["period"] if found else None,
        "significant": sum(1 for m in found if m["significant"]),
        "movers": found,
    }


@router.get("/compare/{kpi}", response_model=Comparison, responses={404: {"model": ErrorResponse}})
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
            lambda: kpi_views.comparison(app_state(request), kpi, f, by=dims, against=against, grain=grain)
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


@router.get("/dimensions", response_model=Dimensions)
def dimensions(request: Request, principal: Principal = AGG) -> dict[str, Any]:
    """Filter values offered by the dashboard, dimensions to compare by, and the data's date range."""
    from insightdesk.metrics import DIMENSIONS

    state = app_state(request)
    return {
        "filters": options.filter_options(state),
        "dimensions": DIMENSIONS,
        "compare": list(kpi_views.COMPARE_DIMENSIONS),
        "range": options.data_range(state),
    }


@router.get("/pain-points", response_model=PainPoints, response_model_exclude_unset=True)
def pain_points(
    request: Request, f: Filters = Depends(filters), principal: Principal = AGG
) -> dict[str, Any]:
    """Negative themes, or categories with significantly low CSAT while themes are not computed."""
    return theme_views.pain_points(app_state(request), f)


@router.get("/alerts", response_model=KpiAlerts)
def alerts(
    request: Request, grain: Grain = "week", f: Filters = Depends(filters), principal: Principal = AGG
) -> dict[str, Any]:
    """Significant period-over-period KPI changes, worse first."""
    return kpi_alerts.alerts(app_state(request), f, grain)
