"""Record pages: ticket and survey-answer lists in the caller's scope, and one ticket's detail.

Row scope, redaction and the audit of raw-text reads are applied by `governance.records`.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from insightdesk.api.deps import app_state, client_ip
from insightdesk.api.errors import ApiError
from insightdesk.api.pages.context import PAGE, RECORDS, filter_bar, page_count, qs
from insightdesk.api.pages.rendering import render
from insightdesk.api.params import filters, record_where
from insightdesk.api.views.access import cached
from insightdesk.api.views.filters import Filters
from insightdesk.explore.survey_comments import comment_coverage
from insightdesk.governance import records
from insightdesk.governance.roles import Permission, Principal

router = APIRouter(include_in_schema=False)


@router.get("/tickets", response_class=HTMLResponse)
def tickets_page(
    request: Request,
    f: Filters = Depends(filters),
    category: str | None = Query(None, max_length=500),
    priority: str | None = Query(None, max_length=50),
    problem_id: str | None = Query(None, max_length=500),
    theme: str | None = Query(None, max_length=100),
    page: int = Query(1, ge=1, le=100_000),
    principal: Principal = RECORDS,
) -> Response:
    where = record_where(f, category=category, priority=priority, problem_id=problem_id, theme=theme)
    items, total = records.list_tickets(
        app_state(request).engine, principal, where, limit=PAGE, offset=(page - 1) * PAGE
    )
    extra = {"category": category, "priority": priority, "problem_id": problem_id, "theme": theme}
    return render(
        request,
        "tickets.html",
        items=items,
        total=total,
        page=page,
        pages=page_count(total),
        extra=extra,
        qs=qs(**f.query(), **extra),
        **filter_bar(request, f),
    )


@router.get("/tickets/{ticket_id}", response_class=HTMLResponse)
def ticket_page(
    ticket_id: str, request: Request, raw: bool = False, principal: Principal = RECORDS
) -> Response:
    if raw and not principal.can(Permission.TEXT_RAW):
        raise ApiError(403, "forbidden", f"your role ({principal.role.value}) may not read original text")
    try:
        data = records.get_ticket(
            app_state(request).engine,
            principal,
            ticket_id,
            raw=raw,
            ctx=records.ctx_of(principal, client_ip(request)),
        )
    except records.RecordNotFound as exc:
        raise ApiError(404, "not_found", str(exc)) from exc
    return render(request, "ticket.html", d=data, raw=raw, can_raw=principal.can(Permission.TEXT_RAW))


@router.get("/feedback", response_class=HTMLResponse)
def feedback_page(
    request: Request,
    f: Filters = Depends(filters),
    scale: str | None = Query(None, max_length=20),
    category: str | None = Query(None, max_length=500),
    priority: str | None = Query(None, max_length=50),
    with_comment: bool = False,
    raw: bool = False,
    page: int = Query(1, ge=1, le=100_000),
    principal: Principal = RECORDS,
) -> Response:
    if raw and not principal.can(Permission.TEXT_RAW):
        raise ApiError(403, "forbidden", f"your role ({principal.role.value}) may not read original comments")
    items, total = records.list_feedback(
        app_state(request).engine,
        principal,
        record_where(f, scale=scale, category=category, priority=priority),
        limit=PAGE,
        offset=(page - 1) * PAGE,
        raw=raw,
        with_comment=with_comment,
        ctx=records.ctx_of(principal, client_ip(request)),
    )
    extra = {
        "scale": scale,
        "category": category,
        "priority": priority,
        "with_comment": "true" if with_comment else None,
    }
    return render(
        request,
        "feedback.html",
        items=items,
        total=total,
        page=page,
        pages=page_count(total),
        raw=raw,
        can_raw=principal.can(Permission.TEXT_RAW),
        extra=extra,
        qs=qs(**f.query(), **extra),
        # Scores only (no answer has a comment): the page says so instead of an empty comment column.
        comments=cached(
            app_state(request), ("comment_coverage",), lambda: comment_coverage(app_state(request).engine)
        ),
        **filter_bar(request, f),
    )
