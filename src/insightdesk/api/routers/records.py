"""Ticket and feedback records, customers and exports: row scope, redaction and audit by role."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request, Response

from insightdesk.api.deps import app_state, client_ip, require
from insightdesk.api.errors import ApiError, ErrorResponse
from insightdesk.api.params import MAX_LIMIT, filters, next_link, record_where
from insightdesk.api.schemas import CustomerRecord, FeedbackPage, TicketDetail, TicketPage
from insightdesk.api.views.filters import Filters
from insightdesk.governance import records
from insightdesk.governance.roles import Permission, Principal

router = APIRouter(
    prefix="/api/v1",
    tags=["records"],
    responses={401: {"model": ErrorResponse}, 403: {"model": ErrorResponse}, 404: {"model": ErrorResponse}},
)


@router.get("/tickets", response_model=TicketPage)
def list_tickets(
    request: Request,
    f: Filters = Depends(filters),
    category: str | None = Query(None, max_length=500),
    priority: str | None = Query(None, max_length=50),
    status: str | None = Query(None, max_length=50),
    problem_id: str | None = Query(None, max_length=500),
    theme: str | None = Query(None, max_length=100, description="Theme id: tickets with a text in it."),
    limit: int = Query(50, ge=1, le=MAX_LIMIT),
    offset: int = Query(0, ge=0, le=10_000_000),
    principal: Principal = Depends(require(Permission.RECORDS)),
) -> TicketPage:
    """Tickets in your scope, newest first (no free text, no customer identity)."""
    where = record_where(
        f, category=category, priority=priority, status=status, problem_id=problem_id, theme=theme
    )
    items, total = records.list_tickets(
        app_state(request).engine, principal, where, limit=limit, offset=offset
    )
    return TicketPage.model_validate(
        {
            "items": items,
            "total": total,
            "limit": limit,
            "offset": offset,
            "next": next_link(request, limit, offset, total),
        }
    )


# The customer block varies by role (identity fields only with identity.read): unset fields stay out.
@router.get("/tickets/{ticket_id}", response_model=TicketDetail, response_model_exclude_unset=True)
def get_ticket(
    ticket_id: str,
    request: Request,
    raw: bool = Query(False, description="Original text instead of redacted (roles with text.raw; audited)."),
    principal: Principal = Depends(require(Permission.RECORDS)),
) -> dict[str, Any]:
    """One ticket: transcript, feedback, linked problem, history and customer, as your role may see them."""
    if raw and not principal.can(Permission.TEXT_RAW):
        raise ApiError(403, "forbidden", f"your role ({principal.role.value}) does not grant text.raw")
    try:
        return records.get_ticket(
            app_state(request).engine,
            principal,
            ticket_id,
            raw=raw,
            ctx=records.ctx_of(principal, client_ip(request)),
        )
    except records.RecordNotFound as exc:
        raise ApiError(404, "not_found", str(exc)) from exc


@router.get("/feedback", response_model=FeedbackPage)
def list_feedback(
    request: Request,
    f: Filters = Depends(filters),
    scale: str | None = Query(None, max_length=20, description="csat, nps, ces or other."),
    category: str | None = Query(None, max_length=500),
    with_comment: bool = Query(False, description="Only answers with a comment."),
    raw: bool = Query(False, description="Original comments (roles with text.raw; audited)."),
    limit: int = Query(50, ge=1, le=MAX_LIMIT),
    offset: int = Query(0, ge=0, le=10_000_000),
    principal: Principal = Depends(require(Permission.RECORDS)),
) -> FeedbackPage:
    """Survey answers in your scope, newest first; comments redacted unless raw is asked and granted."""
    if raw and not principal.can(Permission.TEXT_RAW):
        raise ApiError(403, "forbidden", f"your role ({principal.role.value}) does not grant text.raw")
    where = record_where(f, category=category, scale=scale)
    items, total = records.list_feedback(
        app_state(request).engine,
        principal,
        where,
        limit=limit,
        offset=offset,
        raw=raw,
        with_comment=with_comment,
        ctx=records.ctx_of(principal, client_ip(request)),
    )
    return FeedbackPage.model_validate(
        {
            "items": items,
            "total": total,
            "limit": limit,
            "offset": offset,
            "next": next_link(request, limit, offset, total),
        }
    )


@router.get("/customers/{customer_id}", response_model=CustomerRecord, response_model_exclude_unset=True)
def get_customer(
    customer_id: str, request: Request, principal: Principal = Depends(require(Permission.IDENTITY))
) -> dict[str, Any]:
    """A customer's identity (name, organisation, contacts); audited."""
    try:
        return records.get_customer(
            app_state(request).engine,
            principal,
            customer_id,
            ctx=records.ctx_of(principal, client_ip(request)),
        )
    except records.RecordNotFound as exc:
        raise ApiError(404, "not_found", str(exc)) from exc


@router.get(
    "/export/tickets.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "CSV of tickets in scope"}},
)
def export_tickets(
    request: Request,
    f: Filters = Depends(filters),
    category: str | None = Query(None, max_length=500),
    status: str | None = Query(None, max_length=50),
    principal: Principal = Depends(require(Permission.EXPORT)),
) -> Response:
    """Tickets in scope as CSV without free text or identities; the export is audited with its ids."""
    body = records.export_tickets_csv(
        app_state(request).engine,
        principal,
        record_where(f, category=category, status=status),
        ctx=records.ctx_of(principal, client_ip(request)),
    )
    return Response(
        body, media_type="text/csv", headers={"Content-Disposition": 'attachment; filename="tickets.csv"'}
    )
