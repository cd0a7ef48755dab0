"""Regulatory-complaint cases over HTTP (`records.read`, and the case's regime roles: any other role gets
404, as the library decides): the open cases with their clocks, one case (the read is audited,
`cases.read`, as reading a review pack is), and stopping a clock by hand (audited by the library)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Depends, Query, Request

from insightdesk.api.deps import app_state, client_ip, require
from insightdesk.api.errors import ApiError, ErrorResponse
from insightdesk.api.routers.actions import call_service
from insightdesk.api.schemas.cases import Case, CaseClock, CaseList, ClockStop
from insightdesk.governance import audit
from insightdesk.governance.roles import Permission, Principal

router = APIRouter(
    prefix="/api/v1/actions/cases",
    tags=["actions"],
    responses={401: {"model": ErrorResponse}, 403: {"model": ErrorResponse}},
)
RECORDS = Depends(require(Permission.RECORDS))
ERRORS: dict[int | str, dict[str, Any]] = {404: {"model": ErrorResponse}, 422: {"model": ErrorResponse}}
BREACH = ("breached", "met_late")


def visible_case(request: Request, principal: Principal, task_id: str) -> dict[str, Any]:
    """The case with its clocks if the principal's role may see it (404 otherwise); the read is audited."""
    from insightdesk.actions import case_clocks, get_task

    clocks = call_service(request, case_clocks, task_id, role=principal.role.value)
    task = call_service(request, get_task, task_id)
    audit.append(app_state(request).engine, actor=principal.username, role=principal.role.value,
                 action="cases.read", target="action_tasks", record_ids=[task_id],
                 ip=client_ip(request))  # fmt: skip
    return {**task, "clocks": clocks, "regime": clocks[0]["regime"] if clocks else None,
            "breached": any(c["status"] in BREACH for c in clocks)}  # fmt: skip


@router.get("", response_model=CaseList, responses=ERRORS)
def cases(
    request: Request,
    breached: bool = Query(False, description="Only cases past (or met after) a binding deadline."),
    closed: bool = Query(False, description="Closed cases too."),
    principal: Principal = RECORDS,
) -> dict[str, Any]:
    """Cases your role may see, breached first, then soonest due, each with its clocks' status."""
    from insightdesk.actions import regulatory_cases

    rows = call_service(request, regulatory_cases, role=principal.role.value, breached_only=breached,
                        include_closed=closed)  # fmt: skip
    return {"items": rows}


@router.get("/{task_id}", response_model=Case, responses=ERRORS)
def case(task_id: str, request: Request, principal: Principal = RECORDS) -> dict[str, Any]:
    """One case and its clocks: due time, status (running, breached, met, met_late, lapsed), hours left."""
    return visible_case(request, principal, task_id)


@router.post("/{task_id}/clocks/{clock}/stop", response_model=CaseClock, responses=ERRORS)
def stop(
    task_id: str, clock: str, request: Request, body: ClockStop | None = None, principal: Principal = RECORDS
) -> dict[str, Any]:
    """Record that a clock's deadline was met (the acknowledgement went out...); audited."""
    from insightdesk.actions import stop_clock

    at = None
    if body is not None and body.at:
        try:
            at = dt.datetime.fromisoformat(body.at)
        except ValueError:
            raise ApiError(422, "invalid_request", f"at: {body.at!r} is not an ISO date or time") from None
        if at.tzinfo is not None:
            at = at.astimezone(dt.UTC).replace(tzinfo=None)
    return dict(call_service(request, stop_clock, task_id, clock, actor=principal.username,
                             role=principal.role.value, at=at, write=True))  # fmt: skip
