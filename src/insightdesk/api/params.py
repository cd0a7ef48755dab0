"""Query parameters shared by many routes: filters and pagination, declared once."""

from __future__ import annotations

import datetime as dt

from fastapi import Query, Request

from insightdesk.api.dashboard import Filters
from insightdesk.governance.records import Where

MAX_LIMIT = 500


def filters(
    since: dt.date | None = Query(None, description="First day (inclusive), YYYY-MM-DD."),
    until: dt.date | None = Query(None, description="Last day (exclusive), YYYY-MM-DD."),
    channel: str | None = Query(None, max_length=200),
    team: str | None = Query(None, max_length=200, description="Team name."),
    product: str | None = Query(None, max_length=500),
    tier: str | None = Query(None, max_length=200, description="Customer tier."),
    region: str | None = Query(None, max_length=200),
    language: str | None = Query(None, max_length=20),
) -> Filters:
    return Filters(
        since,
        until,
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
