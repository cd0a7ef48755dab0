"""Closed-loop pages: the task inbox (yours, or a person's or team's within your scope) and the rules
page (versions, the YAML editor, dry-run results, shadow, activation, approval, rollback)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from insightdesk.api.deps import require
from insightdesk.api.errors import ApiError
from insightdesk.api.pages.rendering import render
from insightdesk.api.routers.actions import call_service, scope_inbox
from insightdesk.governance.roles import Permission, Principal

router = APIRouter(include_in_schema=False)
RECORDS = Depends(require(Permission.RECORDS))
MANAGE = Depends(require(Permission.INSIGHTS))


def _inbox(
    request: Request, principal: Principal, owner: str | None, team: str | None, **extra: Any
) -> Response:
    from insightdesk.actions import TASK_STATUSES, inbox

    owner, team = scope_inbox(principal, owner or None, team or None)
    tasks = call_service(request, inbox, owner=owner, team_id=team, role=principal.role.value)
    return render(request, "tasks.html", tasks=tasks, owner=owner, team=team, statuses=TASK_STATUSES, **extra)


@router.get("/tasks", response_class=HTMLResponse)
def tasks_page(
    request: Request,
    owner: str | None = Query(None, max_length=64),
    team: str | None = Query(None, max_length=200),
    principal: Principal = RECORDS,
) -> Response:
    return _inbox(request, principal, owner, team, error=None)


@router.post("/tasks/update", response_class=HTMLResponse)
def tasks_update(
    request: Request,
    task_id: str = Form(..., max_length=200),
    status: str = Form("", max_length=40),
    outcome: str = Form("", max_length=4000),
    recovered: Literal["", "yes", "no"] = Form(""),
    root_cause: str = Form("", max_length=4000),
    principal: Principal = RECORDS,
) -> Response:
    from insightdesk.actions import get_task, update_task

    task = call_service(request, get_task, task_id)
    if task["owner"] != principal.username and not principal.can(Permission.INSIGHTS):
        raise ApiError(404, "not_found", f"no task {task_id!r} in your inbox")
    changes: dict[str, object] = {
        "status": status or None,
        "outcome": outcome or None,
        "root_cause": root_cause or None,
    }
    if recovered:
        changes["recovered"] = recovered == "yes"
    try:
        call_service(
            request,
            update_task,
            task_id,
            actor=principal.username,
            role=principal.role.value,
            write=True,
            **changes,
        )
    except ApiError as exc:
        return _inbox(request, principal, None, None, error=exc.message)
    return RedirectResponse("/tasks", status_code=303)


def _rules(request: Request, **extra: Any) -> Response:
    from insightdesk.actions import list_holds, list_rules, rule_versions

    rules = call_service(request, list_rules)
    versions = {r["rule_id"]: call_service(request, rule_versions, r["rule_id"]) for r in rules}
    return render(
        request,
        "rules.html",
        rules=rules,
        versions=versions,
        holds=call_service(request, list_holds),  # bulk runs waiting for a second person (pages.cases)
        **{"error": None, "dry": None, "spec": "", **extra},
    )


rules_view = _rules  # the held runs' approve and reject forms (pages.cases) answer with this page


@router.get("/rules", response_class=HTMLResponse)
def rules_page(request: Request, principal: Principal = MANAGE) -> Response:
    return _rules(request)


@router.post("/rules/save", response_class=HTMLResponse)
def rules_save(
    request: Request, spec: str = Form(..., max_length=64_000), principal: Principal = MANAGE
) -> Response:
    from insightdesk.actions import save_rule

    try:
        call_service(request, save_rule, spec, principal.username, write=True)
    except ApiError as exc:
        return _rules(request, error=exc.message, spec=spec)
    return RedirectResponse("/rules", status_code=303)


@router.post("/rules/step", response_class=HTMLResponse)
def rules_step(
    request: Request,
    rule_id: str = Form(..., max_length=63),
    version: int = Form(..., ge=1, le=1_000_000),
    step: Literal["dry-run", "shadow", "activate", "approve", "reject", "rollback"] = Form(...),
    principal: Principal = MANAGE,
) -> Response:
    import insightdesk.actions as actions

    try:
        if step == "dry-run":
            dry = call_service(
                request, actions.dry_run, rule_id, version=version, actor=principal.username, write=True
            )
            return _rules(request, dry={"rule_id": rule_id, **dry})
        if step == "rollback":
            call_service(request, actions.rollback_rule, rule_id, principal.username, write=True)
        else:
            function = {"shadow": actions.shadow_rule, "activate": actions.request_activation,
                        "approve": actions.approve_activation, "reject": actions.reject_activation}[step]  # fmt: skip
            call_service(request, function, rule_id, version, principal.username, write=True)
    except ApiError as exc:
        return _rules(request, error=exc.message)
    return RedirectResponse("/rules", status_code=303)
