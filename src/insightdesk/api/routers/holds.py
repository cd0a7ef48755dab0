"""Bulk-contact runs held for a second person over HTTP (`insights.manage`, as rules are): the held runs,
approving one (its events are evaluated and acted on now) and rejecting one with a reason. Whoever put
the rule version in force is refused with the library's message."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request

from insightdesk.api.deps import require
from insightdesk.api.errors import ErrorResponse
from insightdesk.api.routers.actions import call_service
from insightdesk.api.schemas.cases import HoldRejection, RejectedRun, ReleasedRun, RunHoldList
from insightdesk.governance.roles import Permission, Principal

router = APIRouter(
    prefix="/api/v1/actions/holds",
    tags=["actions"],
    responses={401: {"model": ErrorResponse}, 403: {"model": ErrorResponse}},
)
MANAGE = Depends(require(Permission.INSIGHTS))
ERRORS: dict[int | str, dict[str, Any]] = {404: {"model": ErrorResponse}, 422: {"model": ErrorResponse}}


def _approve(store: Any, hold_id: str, actor: str) -> dict[str, Any]:
    from insightdesk.actions import approve_run

    return {"hold_id": hold_id, **approve_run(store, hold_id, actor).summary()}


@router.get("", response_model=RunHoldList, responses=ERRORS)
def holds(
    request: Request,
    status: str | None = Query(
        "held", max_length=16, description="held, released or rejected; all: every one."
    ),
    principal: Principal = MANAGE,
) -> dict[str, Any]:
    """Bulk runs held for approval (or decided ones), oldest first."""
    from insightdesk.actions import list_holds

    return {"items": call_service(request, list_holds, status=None if status == "all" else status)}


@router.post("/{hold_id}/approve", response_model=ReleasedRun, responses=ERRORS)
def approve(hold_id: str, request: Request, principal: Principal = MANAGE) -> dict[str, Any]:
    """Release a held run (a second person, never the rule's activator): its events are acted on now."""
    return dict(call_service(request, _approve, hold_id, principal.username, write=True))


@router.post("/{hold_id}/reject", response_model=RejectedRun, responses=ERRORS)
def reject(
    hold_id: str, body: HoldRejection, request: Request, principal: Principal = MANAGE
) -> dict[str, Any]:
    """Reject a held run: its events are recorded as evaluated and never acted on."""
    from insightdesk.actions import reject_run

    row = call_service(request, reject_run, hold_id, principal.username, reason=body.reason, write=True)
    return {k: v for k, v in row.items() if k != "event_keys"}
