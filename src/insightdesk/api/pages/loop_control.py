"""Closed-loop control pages: review packs (per audience role, with the data-quality gate's verdict,
sign-off by a second person and mailing), configuration changes (propose, diff, stage by a second
person, apply) and notifications waiting to be acknowledged. Each goes through the same services,
checks and audit entries as the API (`routers.packs`, `routers.changes`, `routers.notifications`)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from insightdesk.api.deps import require
from insightdesk.api.errors import ApiError
from insightdesk.api.pages.rendering import render
from insightdesk.api.routers.actions import call_service
from insightdesk.api.routers.changes import detail
from insightdesk.api.routers.packs import audiences, visible_pack
from insightdesk.governance.roles import Permission, Principal, Role

router = APIRouter(include_in_schema=False)
READ = Depends(require(Permission.AGGREGATES))
MANAGE = Depends(require(Permission.INSIGHTS))
SETTINGS = Depends(require(Permission.SETTINGS))
OPEN = ("draft", "staging")


def _packs(request: Request, principal: Principal, **extra: Any) -> Response:
    from insightdesk.actions import list_packs

    roles = audiences(principal)
    packs = call_service(request, list_packs, roles=roles)
    choices = [r.value for r in Role] if roles is None else roles
    today = dt.date.today().isoformat()
    context = {"error": None, "packs": packs, "roles": choices, "today": today, **extra}
    return render(request, "packs.html", can_manage=principal.can(Permission.INSIGHTS), **context)


@router.get("/packs", response_class=HTMLResponse)
def packs_page(request: Request, principal: Principal = READ) -> Response:
    return _packs(request, principal)


@router.post("/packs/build", response_class=HTMLResponse)
def packs_build(
    request: Request,
    role: Role = Form(...),
    period_end: dt.date = Form(...),
    days: int = Form(7, ge=1, le=92),
    require_signoff: bool = Form(False),
    principal: Principal = MANAGE,
) -> Response:
    from insightdesk.actions import build_pack

    roles = audiences(principal)
    if roles is not None and role.value not in roles:
        return _packs(
            request, principal, error=f"you may build packs for your own role ({principal.role.value}) only"
        )
    if not dt.date(2000, 1, 1) <= period_end <= dt.date(2100, 1, 1):
        return _packs(
            request, principal, error=f"period end: {period_end} is outside 2000-01-01 to 2100-01-01"
        )
    end = dt.datetime.combine(period_end, dt.time())
    try:
        pack = call_service(request, build_pack, role.value, end, days=days, require_signoff=require_signoff,
                            actor=principal.username, write=True)  # fmt: skip
    except ApiError as exc:
        return _packs(request, principal, error=exc.message)
    return RedirectResponse(f"/packs/{pack['pack_id']}", status_code=303)


def _pack(request: Request, principal: Principal, pack_id: str, **extra: Any) -> Response:
    pack = visible_pack(request, principal, pack_id, read=True)
    context = {"error": None, "message": None, "delivery": None, **extra}
    return render(request, "pack.html", pack=pack, c=pack["content"] or {},
                  can_manage=principal.can(Permission.INSIGHTS), **context)  # fmt: skip


@router.get("/packs/{pack_id}", response_class=HTMLResponse)
def pack_page(pack_id: str, request: Request, principal: Principal = READ) -> Response:
    return _pack(request, principal, pack_id)


@router.post("/packs/{pack_id}/sign-off", response_class=HTMLResponse)
def pack_sign_off(pack_id: str, request: Request, principal: Principal = MANAGE) -> Response:
    from insightdesk.actions import sign_off

    visible_pack(request, principal, pack_id)
    try:
        call_service(request, sign_off, pack_id, principal.username, write=True)
    except ApiError as exc:
        return _pack(request, principal, pack_id, error=exc.message)
    return _pack(request, principal, pack_id, message=f"Signed off by {principal.username}: ready to send.")


@router.post("/packs/{pack_id}/send", response_class=HTMLResponse)
def pack_send(
    pack_id: str,
    request: Request,
    recipients: str = Form(..., max_length=10_000),
    principal: Principal = MANAGE,
) -> Response:
    from insightdesk.actions import send_pack

    visible_pack(request, principal, pack_id)
    addresses = [a for a in recipients.replace("\n", ",").replace(";", ",").split(",") if a.strip()]
    try:
        result = call_service(request, send_pack, pack_id, addresses, principal.username, write=True)
    except ApiError as exc:
        return _pack(request, principal, pack_id, error=exc.message)
    return _pack(request, principal, pack_id, delivery=result["recipients"])


def _changes(request: Request, principal: Principal, **extra: Any) -> Response:
    from insightdesk.actions import REGIONAL, list_changes
    from insightdesk.governance.settings import SETTINGS as KNOWN

    rows = call_service(request, list_changes, limit=100)
    diffs = {r["change_id"]: detail(request, r["change_id"]) for r in rows if r["status"] in OPEN}
    context = {"error": None, "message": None, "form": {}, **extra}
    return render(request, "changes.html", changes=rows, diffs=diffs, settings=sorted(KNOWN),
                  regional=sorted(REGIONAL), can_stage=principal.can(Permission.SETTINGS), **context)  # fmt: skip


@router.get("/changes", response_class=HTMLResponse)
def changes_page(request: Request, principal: Principal = MANAGE) -> Response:
    return _changes(request, principal)


@router.post("/changes/propose", response_class=HTMLResponse)
def changes_propose(
    request: Request,
    setting: str = Form(..., max_length=100),
    value: str = Form(..., max_length=10_000),
    region: str = Form("", max_length=64),
    effective: str = Form("", max_length=10),
    principal: Principal = MANAGE,
) -> Response:
    from insightdesk.actions import propose_change

    form = {"setting": setting, "value": value, "region": region, "effective": effective}
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError:
        return _changes(
            request,
            principal,
            form=form,
            error=f'value: {value[:80]!r} is not JSON (text goes in quotes: "EUR")',
        )
    try:
        when = dt.datetime.combine(dt.date.fromisoformat(effective), dt.time()) if effective else None
    except ValueError:
        return _changes(
            request, principal, form=form, error=f"effective date: {effective!r} is not YYYY-MM-DD"
        )
    try:
        change = call_service(request, propose_change, setting, parsed, principal.username,
                              region=region.strip() or None, effective_at=when, write=True)  # fmt: skip
    except ApiError as exc:
        return _changes(request, principal, form=form, error=exc.message)
    return _changes(request, principal, message=f"Proposed {change['change_id']}: a second person stages it.")


def _change_step(request: Request, principal: Principal, change_id: str, step: str) -> Response:
    import insightdesk.actions as actions

    function = actions.stage_change if step == "stage" else actions.withdraw_change
    try:
        row = call_service(request, function, change_id, principal.username, write=True)
    except ApiError as exc:
        return _changes(request, principal, error=exc.message)
    return _changes(request, principal, message=f"{row['change_id']}: {row['status']}.")


@router.post("/changes/stage", response_class=HTMLResponse)
def changes_stage(
    request: Request, change_id: str = Form(..., max_length=100), principal: Principal = SETTINGS
) -> Response:
    """A second person (never the proposer) stages a draft."""
    return _change_step(request, principal, change_id, "stage")


@router.post("/changes/withdraw", response_class=HTMLResponse)
def changes_withdraw(
    request: Request, change_id: str = Form(..., max_length=100), principal: Principal = MANAGE
) -> Response:
    return _change_step(request, principal, change_id, "withdraw")


@router.post("/changes/apply", response_class=HTMLResponse)
def changes_apply(request: Request, principal: Principal = SETTINGS) -> Response:
    from insightdesk.actions import apply_due

    applied = call_service(request, apply_due, write=True)
    return _changes(request, principal, message=f"Applied {len(applied)} due change(s).")


def _notifications(request: Request, every: bool, **extra: Any) -> Response:
    from insightdesk.actions import list_notifications

    rows = call_service(request, list_notifications, waiting_only=not every)
    context = {"error": None, "message": None, **extra}
    return render(request, "notifications.html", notifications=rows, every=every, **context)


@router.get("/notifications", response_class=HTMLResponse)
def notifications_page(
    request: Request, every: bool = Query(False, alias="all"), principal: Principal = MANAGE
) -> Response:
    return _notifications(request, every)


@router.post("/notifications/acknowledge", response_class=HTMLResponse)
def notifications_acknowledge(
    request: Request, notification_id: str = Form(..., max_length=300), principal: Principal = MANAGE
) -> Response:
    from insightdesk.actions import acknowledge

    try:
        call_service(request, acknowledge, notification_id, principal.username, write=True)
    except ApiError as exc:
        return _notifications(request, False, error=exc.message)
    return _notifications(
        request, False, message=f"{notification_id}: acknowledged; it escalates no further."
    )
