"""Query parameters shared by many routes, declared and checked once: filters, KPI names, dimensions,
pagination."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import Query, Request

from insightdesk.api.errors import ApiError
from insightdesk.api.views.filters import Filters
from insightdesk.api.views.kpis import kpi_info
from insightdesk.governance.records import Where

MAX_LIMIT = 500


def _date(value: str | None, name: str) -> dt.date | None:
    # An empty value is "no bound": the dashboard's date inputs submit `since=` when left blank.
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError as exc:
        raise ApiError(422, "invalid_date", f"{name}={value!r} is not a date: use YYYY-MM-DD") from exc


def filters(
    since: str | None = Query(None, max_length=32, description="First day (inclusive), YYYY-MM-DD."),
    until: str | None = Query(None, max_length=32, description="Last day (exclusive), YYYY-MM-DD."),
    channel: str | None = Query(None, max_length=200),
    team: str | None = Query(None, max_length=200, description="Team name."),
    product: str | None = Query(None, max_length=500),
    tier: str | None = Query(None, max_length=200, description="Customer tier."),
    region: str | None = Query(None, max_length=200),
    language: str | None = Query(None, max_length=20),
) -> Filters:
    return Filters(
        _date(since, "since"),
        _date(until, "until"),
        channel or None,
        team or None,
        product or None,
        tier or None,
        region or None,
        language or None,
    )


def check_kpi(name: str) -> dict[str, Any]:
    """The KPI's description; a 404 naming the list to consult when there is no such KPI."""
    from insightdesk.metrics import get_kpi

    try:
        get_kpi(name)
    except (KeyError, ValueError) as exc:
        raise ApiError(404, "unknown_kpi", f"no KPI {name!r}; GET /api/v1/kpis lists them") from exc
    return kpi_info(name)


def check_by(by: list[str]) -> tuple[str, ...]:
    """The dimensions to cut by, each once; a 422 listing the available ones for an unknown one."""
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


def _ts(d: dt.date | None) -> dt.datetime | None:
    return dt.datetime.combine(d, dt.time()) if d else None


def record_where(
    f: Filters,
    category: str | None = None,
    priority: str | None = None,
    status: str | None = None,
    problem_id: str | None = None,
    scale: str | None = None,
    theme: str | None = None,
) -> Where:
    return Where(
        since=_ts(f.since),
        until=_ts(f.until),
        channel=f.channel,
        team=f.team,
        product=f.product,
        tier=f.tier,
        region=f.region,
        language=f.language,
        category=category,
        priority=priority,
        status=status,
        problem_id=problem_id,
        scale=scale,
        theme=theme,
    )


def next_link(request: Request, limit: int, offset: int, total: int) -> str | None:
    if offset + limit >= total:
        return None
    return str(request.url.include_query_params(limit=limit, offset=offset + limit))
