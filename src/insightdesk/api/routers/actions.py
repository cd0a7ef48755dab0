"""The closed loop over HTTP: rules (versions, dry-run, shadow, approval, rollback), the task inbox, KPIs.

Rule routes need `insights.manage`; the inbox needs `records.read` and reaches as far as the role's
row scope: an agent sees their own tasks, a team lead their own and their teams', an analyst or admin
any inbox. A task restricted to roles is invisible to every other role.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request

from insightdesk.api.deps import app_state, require
from insightdesk.api.errors import ApiError, ErrorResponse
from insightdesk.api.schemas.actions import (
    DryRun,
    DryRunRequest,
    LoopKpis,
    RuleList,
    RuleVersion,
    RuleVersions,
    RuleWrite,
    Task,
    TaskChange,
    TaskList,
)
from insightdesk.api.service_calls import ServiceErrors, json_ready, run_service
from insightdesk.governance.roles import Permission, Principal, Scope

router = APIRouter(
    prefix="/api/v1/actions",
    tags=["actions"],
    responses={401: {"model": ErrorResponse}, 403: {"model": ErrorResponse}},
)
MANAGE = Depends(require(Permission.INSIGHTS))
RECORDS = Depends(require(Permission.RECORDS))
AGG = Depends(require(Permission.AGGREGATES))
ERRORS: dict[int | str, dict[str, Any]] = {404: {"model": ErrorResponse}, 422: {"model": ErrorResponse}}


def call_service(request: Request, fn: Any, *args: Any, write: bool = False, **kwargs: Any) -> Any:
    """Run an actions service on the server's store (api/service_calls.py's lock rules); its
    errors become 404 or 422."""
    from insightdesk.actions import ActionsError, NotFound

    state = app_state(request)
    errors = ServiceErrors(not_found=NotFound, invalid=ActionsError)
    return json_ready(run_service(state, lambda: fn(state.store, *args, **kwargs), errors, write=write))


@router.get("/rules", response_model=RuleList)
def rules(request: Request, principal: Principal = MANAGE) -> dict[str, Any]:
    """Every rule with its newest version and its active and shadow versions."""
    from insightdesk.actions import list_rules

    return {"items": call_service(request, list_rules)}


@router.post("/rules", response_model=RuleVersion, status_code=201, responses=ERRORS)
def save(body: RuleWrite, request: Request, principal: Principal = MANAGE) -> dict[str, Any]:
    """Save a rule document as the rule's next version (a draft); errors name the field."""
    from insightdesk.actions import save_rule

    return dict(call_service(request, save_rule, body.spec, principal.username, write=True))


@router.get("/rules/{rule_id}", response_model=RuleVersions, responses=ERRORS)
def versions(rule_id: str, request: Request, principal: Principal = MANAGE) -> dict[str, Any]:
    """Every version of a rule and its lifecycle."""
    from insightdesk.actions import rule_versions

    return {"items": call_service(request, rule_versions, rule_id)}


@router.post("/rules/{rule_id}/dry-run", response_model=DryRun, responses=ERRORS)
def dry(rule_id: str, body: DryRunRequest, request: Request, principal: Principal = MANAGE) -> dict[str, Any]:
    """What a version would have done over the last N days: counts and examples; nothing is acted on."""
    from insightdesk.actions import dry_run

    return dict(
        call_service(
            request,
            dry_run,
            rule_id,
            version=body.version,
            days=body.days,
            actor=principal.username,
            write=True,
        )
    )


@router.post("/rules/{rule_id}/versions/{version}/{step}", response_model=RuleVersion, responses=ERRORS)
def lifecycle(
    rule_id: str,
    step: Literal["shadow", "activate", "approve", "reject"],
    request: Request,
    version: int = Path(..., ge=1, le=1_000_000),
    principal: Principal = MANAGE,
) -> dict[str, Any]:
    """Shadow a version, ask to activate it (helpdesk writes and bulk contact wait for a second person),
    approve or reject that request."""
    import insightdesk.actions as actions

    function = {"shadow": actions.shadow_rule, "activate": actions.request_activation,
                "approve": actions.approve_activation, "reject": actions.reject_activation}[step]  # fmt: skip
    return dict(call_service(request, function, rule_id, version, principal.username, write=True))


@router.post("/rules/{rule_id}/rollback", response_model=RuleVersion, responses=ERRORS)
def rollback(rule_id: str, request: Request, principal: Principal = MANAGE) -> dict[str, Any]:
    """Retire the active version and bring back the one active before it."""
    from insightdesk.actions import rollback_rule

    return dict(call_service(request, rollback_rule, rule_id, principal.username, write=True))


def scope_inbox(principal: Principal, owner: str | None, team: str | None) -> tuple[str | None, str | None]:
    """The inbox a caller may read: their own by default; others' only as far as their scope reaches."""
    if principal.scope is Scope.ALL:
        return (owner, team) if (owner or team) else (principal.username, None)
    if team is not None:
        if principal.scope is not Scope.TEAM or team not in principal.team_ids:
            raise ApiError(403, "forbidden", f"team {team!r} is outside your scope")
        return owner, team
    if owner is not None and owner.strip().lower() != principal.username:
        raise ApiError(403, "forbidden", "you may read your own inbox (or your teams')")
    return principal.username, None


@router.get("/tasks", response_model=TaskList, responses=ERRORS)
def tasks(
    request: Request,
    owner: str | None = Query(None, max_length=64),
    team: str | None = Query(None, max_length=200),
    closed: bool = False,
    principal: Principal = RECORDS,
) -> dict[str, Any]:
    """An inbox, soonest due first: yours by default, or a person's or team's within your scope."""
    from insightdesk.actions import inbox

    owner, team = scope_inbox(principal, owner, team)
    rows = call_service(
        request, inbox, owner=owner, team_id=team, include_closed=closed, role=principal.role.value
    )
    return {"items": rows}


@router.patch("/tasks/{task_id}", response_model=Task, responses=ERRORS)
def change_task(
    task_id: str, body: TaskChange, request: Request, principal: Principal = RECORDS
) -> dict[str, Any]:
    """Move your task, capture its outcome (closing needs one; a complaint also its root cause)."""
    from insightdesk.actions import get_task, update_task

    task = call_service(request, get_task, task_id)
    if task["owner"] != principal.username and not principal.can(Permission.INSIGHTS):
        raise ApiError(404, "not_found", f"no task {task_id!r} in your inbox")
    changes = body.model_dump(exclude_unset=True)
    return dict(
        call_service(
            request,
            update_task,
            task_id,
            actor=principal.username,
            role=principal.role.value,
            write=True,
            **changes,
        )
    )


@router.get("/kpis", response_model=LoopKpis)
def kpis(request: Request, days: int = Query(30, ge=1, le=366), principal: Principal = AGG) -> dict[str, Any]:
    """Time to close the loop, recovery rate and actions opened vs closed, with n and intervals."""
    from insightdesk.actions import loop_kpis

    return dict(call_service(request, loop_kpis, days=days))
