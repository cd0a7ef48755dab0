"""Query parameters shared by many routes: filters and pagination, declared once."""

from __future__ import annotations

import datetime as dt

from fastapi import Query, Request

from insightdesk.api.dashboard import Filters
from insightdesk.api.errors import ApiError
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


def _ts(d: dt.date | None) -> dt.datetime | None:
    return dt.datetime.combine(d, dt.time()) if d else None


def record_where(
    f: Filters,
    category: str | None = None,
    priority: str | None = None,
    status: str | None = None,
    problem_id: str | None = None,
    scale: str | None = None,
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
    )


def next_link(request: Request, limit: int, offset: int, total: int) -> str | None:
    if offset + limit >= total:
        return None
    return str(request.url.include_query_params(limit=limit, offset=offset + limit))
