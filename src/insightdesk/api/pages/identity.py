"""The identity review page: pairs in the uncertain band and key conflicts side by side, accept or
reject each (the same audited service as `insightdesk identity review` and the API)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from insightdesk.api.deps import app_state, client_ip, require
from insightdesk.api.pages.context import PAGE, page_count
from insightdesk.api.pages.rendering import render
from insightdesk.governance.audit import Actor
from insightdesk.governance.roles import Permission, Principal
from insightdesk.identity import IdentityError, decide, review_queue, status

router = APIRouter(include_in_schema=False)
RESOLVE = Depends(require(Permission.IDENTITY_RESOLVE))
FIELDS = ("name", "email", "phone", "country", "organisation_id", "source_system", "person_id", "record_id")


def _page(
    request: Request, principal: Principal, page: int, *, message: str | None = None, error: str | None = None
) -> Response:
    state = app_state(request)
    actor = Actor(principal.username, principal.role.value, client_ip(request))
    queue = review_queue(state.store, status="pending", limit=PAGE, offset=(page - 1) * PAGE, actor=actor)
    return render(
        request,
        "identity.html",
        status_code=422 if error else 200,
        items=queue.items,
        total=queue.total,
        page=page,
        pages=page_count(queue.total),
        fields=FIELDS,
        summary=status(state.store),
        message=message,
        error=error,
    )


@router.get("/identity", response_class=HTMLResponse)
def identity_page(
    request: Request, page: int = Query(1, ge=1, le=100_000), principal: Principal = RESOLVE
) -> Response:
    return _page(request, principal, page)


@router.post("/identity/review", response_class=HTMLResponse)
def identity_decide(
    request: Request,
    pair_id: str = Form(..., max_length=64),
    decision: Literal["accept", "reject"] = Form(...),
    principal: Principal = RESOLVE,
) -> Response:
    state = app_state(request)
    actor = Actor(principal.username, principal.role.value, client_ip(request))
    try:
        with state.write_lock, state.metrics_lock:
            try:
                change = decide(state.store, pair_id, decision, actor)
            finally:
                state.cache.clear()
    except IdentityError as exc:
        return _page(request, principal, 1, error=str(exc))
    verb = "merged" if change.get("merged_into") else "accepted" if decision == "accept" else "kept apart"
    return _page(request, principal, 1, message=f"{' and '.join(change['records'])}: {verb}")
