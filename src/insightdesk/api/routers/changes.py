"""Change control of configuration over HTTP: propose a value (a draft, `insights.manage`), read it
with its diff against what is in force, withdraw it; stage it (a second person) and apply what is due
(`settings.manage`, as changing a setting directly is). A regional value of a setting locked globally
is refused with the settings a region may override."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request

from insightdesk.api.deps import require
from insightdesk.api.errors import ErrorResponse
from insightdesk.api.routers.actions import call_service
from insightdesk.api.schemas.loop_control import (
    AppliedChanges,
    Change,
    ChangeDetail,
    ChangeList,
    ChangeProposal,
)
from insightdesk.governance.roles import Permission, Principal

router = APIRouter(
    prefix="/api/v1/actions/changes",
    tags=["actions"],
    responses={401: {"model": ErrorResponse}, 403: {"model": ErrorResponse}},
)
MANAGE = Depends(require(Permission.INSIGHTS))
SETTINGS = Depends(require(Permission.SETTINGS))
ERRORS: dict[int | str, dict[str, Any]] = {404: {"model": ErrorResponse}, 422: {"model": ErrorResponse}}


def detail(request: Request, change_id: str) -> dict[str, Any]:
    """A change, the value in force where it applies, and what it changes key by key."""
    from insightdesk.actions import diff_change, get_change

    change = call_service(request, get_change, change_id)
    diff = call_service(request, diff_change, change_id)
    rows = [{"key": r["key"], "in_force": r["from"], "proposed": r["to"]} for r in diff["changes"]]
    return {"change": change, "in_force": diff["current"], "diff": rows}


@router.get("", response_model=ChangeList, responses=ERRORS)
def changes(
    request: Request,
    status: str | None = Query(
        None, max_length=32, description="draft, staging, active, superseded or withdrawn."
    ),
    principal: Principal = MANAGE,
) -> dict[str, Any]:
    """Configuration changes, newest first, and which settings a region may override."""
    from insightdesk.actions import REGIONAL, list_changes

    return {"items": call_service(request, list_changes, status=status), "regional": sorted(REGIONAL)}


@router.post("", response_model=ChangeDetail, status_code=201, responses=ERRORS)
def propose(body: ChangeProposal, request: Request, principal: Principal = MANAGE) -> dict[str, Any]:
    """Propose a value (checked as the setting checks it): a draft with its diff; nothing is in force yet."""
    from insightdesk.actions import propose_change

    change = call_service(request, propose_change, body.setting, body.value, principal.username,
                          region=body.region, effective_at=body.effective_at, write=True)  # fmt: skip
    return detail(request, change["change_id"])


@router.post("/apply", response_model=AppliedChanges, responses=ERRORS)
def apply(request: Request, principal: Principal = SETTINGS) -> dict[str, Any]:
    """Put in force every staged change whose effective date has come, oldest first."""
    from insightdesk.actions import apply_due

    return {"applied": call_service(request, apply_due, write=True)}


@router.get("/{change_id}", response_model=ChangeDetail, responses=ERRORS)
def change(change_id: str, request: Request, principal: Principal = MANAGE) -> dict[str, Any]:
    """A change and its diff against the value in force (the region's, else the global one)."""
    return detail(request, change_id)


@router.post("/{change_id}/stage", response_model=Change, responses=ERRORS)
def stage(change_id: str, request: Request, principal: Principal = SETTINGS) -> dict[str, Any]:
    """Stage a draft: a second person, never its proposer; it takes effect on its date."""
    from insightdesk.actions import stage_change

    return dict(call_service(request, stage_change, change_id, principal.username, write=True))


@router.post("/{change_id}/withdraw", response_model=Change, responses=ERRORS)
def withdraw(change_id: str, request: Request, principal: Principal = MANAGE) -> dict[str, Any]:
    """Withdraw a draft or staged change."""
    from insightdesk.actions import withdraw_change

    return dict(call_service(request, withdraw_change, change_id, principal.username, write=True))
