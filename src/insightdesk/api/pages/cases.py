"""Regulatory-complaint cases (their clocks' due times and status, one case in detail, stopping a clock)
and the rules page's held bulk runs (approve or reject by a second person). Each goes through the same
services, checks and audit entries as the API (`routers.cases`, `routers.holds`): a case outside the
viewer's role is a 404, and the rule's activator is refused with the library's message."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from insightdesk.api.deps import require
from insightdesk.api.errors import ApiError
from insightdesk.api.pages.actions import rules_view
from insightdesk.api.pages.rendering import render
from insightdesk.api.routers.actions import call_service
from insightdesk.api.routers.cases import visible_case
from insightdesk.governance.roles import Permission, Principal

router = APIRouter(include_in_schema=False)
RECORDS = Depends(require(Permission.RECORDS))
MANAGE = Depends(require(Permission.INSIGHTS))


def _cases(request: Request, principal: Principal, breached: bool, **extra: Any) -> Response:
    from insightdesk.actions import regulatory_cases

    rows = call_service(request, regulatory_cases, role=principal.role.value, breached_only=breached)
    context = {"error": None, "message": None, "case": None, **extra}
    return render(request, "cases.html", cases=rows, breached=breached, **context)


@router.get("/cases", response_class=HTMLResponse)
def cases_page(request: Request, breached: bool = False, principal: Principal = RECORDS) -> Response:
    return _cases(request, principal, breached)


def _case(request: Request, principal: Principal, task_id: str, **extra: Any) -> Response:
    case = visible_case(request, principal, task_id)
    return _cases(request, principal, False, case=case, **extra)


@router.get("/cases/{task_id}", response_class=HTMLResponse)
def case_page(task_id: str, request: Request, principal: Principal = RECORDS) -> Response:
    return _case(request, principal, task_id)


@router.post("/cases/{task_id}/stop-clock", response_class=HTMLResponse)
def case_stop_clock(
    task_id: str,
    request: Request,
    clock: str = Form(..., max_length=63),
    at: str = Form("", max_length=16),
    principal: Principal = RECORDS,
) -> Response:
    """Record that a clock's deadline was met; the case's regime roles only (a 404 for any other)."""
    from insightdesk.actions import stop_clock

    visible_case(request, principal, task_id)
    try:
        when = dt.datetime.fromisoformat(at) if at.strip() else None
    except ValueError:
        return _case(request, principal, task_id, error=f"met at: {at!r} is not YYYY-MM-DDTHH:MM (UTC)")
    try:
        row = call_service(request, stop_clock, task_id, clock, actor=principal.username,
                           role=principal.role.value, at=when, write=True)  # fmt: skip
    except ApiError as exc:
        return _case(request, principal, task_id, error=exc.message)
    return _case(request, principal, task_id, message=f"{clock}: stopped, {row['status']}.")


@router.post("/rules/holds/approve", response_class=HTMLResponse)
def holds_approve(
    request: Request, hold_id: str = Form(..., max_length=100), principal: Principal = MANAGE
) -> Response:
    """A second person releases a held bulk run: its events are evaluated and acted on now."""
    from insightdesk.api.routers.holds import approve

    try:
        approve(hold_id, request, principal)
    except ApiError as exc:
        return rules_view(request, error=exc.message)
    return RedirectResponse("/rules", status_code=303)


@router.post("/rules/holds/reject", response_class=HTMLResponse)
def holds_reject(
    request: Request,
    hold_id: str = Form(..., max_length=100),
    reason: str = Form("", max_length=2000),
    principal: Principal = MANAGE,
) -> Response:
    from insightdesk.actions import reject_run

    try:
        call_service(request, reject_run, hold_id, principal.username, reason=reason, write=True)
    except ApiError as exc:
        return rules_view(request, error=exc.message)
    return RedirectResponse("/rules", status_code=303)
