"""Notifications sent by rules over HTTP: those waiting for someone, and acknowledging one so that its
escalation stops (`insights.manage`, as acknowledging an alert is)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from insightdesk.api.deps import require
from insightdesk.api.errors import ErrorResponse
from insightdesk.api.routers.actions import call_service
from insightdesk.api.schemas.loop_control import Acknowledgement, NotificationList
from insightdesk.governance.roles import Permission, Principal

router = APIRouter(
    prefix="/api/v1/actions/notifications",
    tags=["actions"],
    responses={401: {"model": ErrorResponse}, 403: {"model": ErrorResponse}},
)
MANAGE = Depends(require(Permission.INSIGHTS))
ERRORS: dict[int | str, dict[str, Any]] = {404: {"model": ErrorResponse}, 422: {"model": ErrorResponse}}


@router.get("", response_model=NotificationList)
def notifications(request: Request, waiting: bool = True, principal: Principal = MANAGE) -> dict[str, Any]:
    """Notifications, newest first: by default those nobody acknowledged that have not escalated yet."""
    from insightdesk.actions import list_notifications

    return {"items": call_service(request, list_notifications, waiting_only=waiting)}


@router.post("/{notification_id}/acknowledge", response_model=Acknowledgement, responses=ERRORS)
def acknowledge(notification_id: str, request: Request, principal: Principal = MANAGE) -> dict[str, Any]:
    """Acknowledge a notification: it escalates no further (an acknowledged one answers 422)."""
    import insightdesk.actions as actions

    return dict(call_service(request, actions.acknowledge, notification_id, principal.username, write=True))
