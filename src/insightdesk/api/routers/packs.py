"""Review packs over HTTP: list and read them (aggregates, within the reader's audience), build, sign
off (a second person) and mail them (`insights.manage`).

A pack is addressed to a role: an admin or analyst (row scope `all`) reaches every role's packs,
anyone else only their own role's; another role's pack answers 404, as if it did not exist. Reading
a pack is audited (`packs.read`), as reading records is.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Depends, Query, Request

from insightdesk.api.deps import app_state, client_ip, require
from insightdesk.api.errors import ApiError, ErrorResponse
from insightdesk.api.routers.actions import call_service
from insightdesk.api.schemas.loop_control import Pack, PackBuild, PackDelivery, PackList, PackSend
from insightdesk.governance import audit
from insightdesk.governance.roles import Permission, Principal, Scope

router = APIRouter(
    prefix="/api/v1/actions/packs",
    tags=["actions"],
    responses={401: {"model": ErrorResponse}, 403: {"model": ErrorResponse}},
)
READ = Depends(require(Permission.AGGREGATES))
MANAGE = Depends(require(Permission.INSIGHTS))
ERRORS: dict[int | str, dict[str, Any]] = {404: {"model": ErrorResponse}, 422: {"model": ErrorResponse}}


def audiences(principal: Principal) -> list[str] | None:
    """The roles whose packs a principal reaches (None: every role)."""
    return None if principal.scope is Scope.ALL else [principal.role.value]


def with_reason(pack: dict[str, Any]) -> dict[str, Any]:
    from insightdesk.actions import held_reason

    return {
        **pack,
        "held_reason": held_reason(pack["quality"]),
        "built_by": (pack["content"] or {}).get("built_by"),
    }


def visible_pack(
    request: Request, principal: Principal, pack_id: str, *, read: bool = False
) -> dict[str, Any]:
    """The pack if the principal's audience reaches it (404 otherwise); `read` audits the read."""
    from insightdesk.actions import get_pack

    pack = call_service(request, get_pack, pack_id)
    roles = audiences(principal)
    if roles is not None and pack["role"] not in roles:
        raise ApiError(404, "not_found", f"no review pack {pack_id!r} for your role ({principal.role.value})")
    if read:
        audit.append(app_state(request).engine, actor=principal.username, role=principal.role.value,
                     action="packs.read", target="action_review_packs", record_ids=[pack_id],
                     ip=client_ip(request))  # fmt: skip
    return with_reason(pack)


@router.get("", response_model=PackList, responses=ERRORS)
def packs(
    request: Request,
    role: str | None = Query(None, max_length=32, description="Only this audience role's packs."),
    status: str | None = Query(None, max_length=32, description="held, awaiting_signoff, ready or sent."),
    principal: Principal = READ,
) -> dict[str, Any]:
    """Packs your role reaches, newest period first, with why a held one is held."""
    from insightdesk.actions import list_packs

    roles = audiences(principal)
    if role is not None:
        roles = [r for r in (roles or [role]) if r == role]
    return {"items": call_service(request, list_packs, roles=roles, status=status)}


@router.get("/{pack_id}", response_model=Pack, responses=ERRORS)
def pack(pack_id: str, request: Request, principal: Principal = READ) -> dict[str, Any]:
    """One pack: the gate's checks and every figure (KPI movements with n and intervals, pain-point
    ranks and their changes since the last review, open actions and the oldest one's age)."""
    return visible_pack(request, principal, pack_id, read=True)


@router.post("", response_model=Pack, status_code=201, responses=ERRORS)
def build(body: PackBuild, request: Request, principal: Principal = MANAGE) -> dict[str, Any]:
    """Build (or rebuild, until sent) a role's pack; the data-quality gate may hold it."""
    from insightdesk.actions import build_pack

    roles = audiences(principal)
    if roles is not None and body.role.value not in roles:
        raise ApiError(
            403, "forbidden", f"you may build packs for your own role ({principal.role.value}) only"
        )
    end = dt.datetime.combine(body.period_end or dt.date.today(), dt.time())
    built = call_service(request, build_pack, body.role.value, end, days=body.days,
                         max_staleness_hours=body.max_staleness_hours, require_signoff=body.require_signoff,
                         actor=principal.username, write=True)  # fmt: skip
    return with_reason(built)


@router.post("/{pack_id}/sign-off", response_model=Pack, responses=ERRORS)
def sign_off(pack_id: str, request: Request, principal: Principal = MANAGE) -> dict[str, Any]:
    """Sign off a pack awaiting it: a second person, never the one who built it."""
    import insightdesk.actions as actions

    visible_pack(request, principal, pack_id)
    return with_reason(call_service(request, actions.sign_off, pack_id, principal.username, write=True))


@router.post("/{pack_id}/send", response_model=PackDelivery, responses=ERRORS)
def send(pack_id: str, body: PackSend, request: Request, principal: Principal = MANAGE) -> dict[str, Any]:
    """Mail a ready pack (HTML and text); each recipient gets it once, a held pack never."""
    from insightdesk.actions import send_pack

    visible_pack(request, principal, pack_id)
    return dict(call_service(request, send_pack, pack_id, body.recipients, principal.username, write=True))
