"""The Privacy page: subject access and erasure requests, their due dates, four-eyes approval.

Everything goes through the same service as the API and the CLI (and is audited the same way); an
export carried out here downloads the person's ZIP and keeps no copy on the server.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from insightdesk.api.deps import app_state, client_ip, require
from insightdesk.api.pages.rendering import render
from insightdesk.governance.audit import Actor
from insightdesk.governance.privacy import ConsentError, service
from insightdesk.governance.privacy.erasure import ErasureRefused
from insightdesk.governance.privacy.export import NoRecords, zip_bytes
from insightdesk.governance.privacy.requests import RequestError, list_requests
from insightdesk.governance.privacy.subject import SubjectError
from insightdesk.governance.roles import Permission, Principal

router = APIRouter(include_in_schema=False)
PRIVACY = Depends(require(Permission.PRIVACY))
_ERRORS = (RequestError, ErasureRefused, NoRecords, SubjectError, ConsentError)


def _page(request: Request, *, message: str | None = None, error: str | None = None) -> Response:
    with app_state(request).engine.begin() as conn:
        rows = list_requests(conn)
    open_rows = [r for r in rows if r.state.value in ("received", "verified", "approved")]
    closed = [r for r in rows if r not in open_rows][:50]
    return render(
        request,
        "privacy.html",
        status_code=422 if error else 200,
        open_rows=open_rows,
        closed=closed,
        message=message,
        error=error,
    )


@router.get("/privacy", response_class=HTMLResponse)
def privacy_page(request: Request, principal: Principal = PRIVACY) -> Response:
    return _page(request)


@router.post("/privacy", response_class=HTMLResponse)
def privacy_submit(
    request: Request,
    action: Literal["file", "verify", "approve", "refuse", "run"] = Form(...),
    request_id: str = Form("", max_length=100),
    kind: Literal["export", "erasure"] = Form("export"),
    subject_kind: Literal["customer", "email"] = Form("email"),
    subject: str = Form("", max_length=500),
    reason: str = Form("", max_length=2000),
    principal: Principal = PRIVACY,
) -> Response:
    state = app_state(request)
    actor = Actor(principal.username, principal.role.value, client_ip(request))
    try:
        with state.write_lock:
            if action == "file":
                who = {"customer_id": subject} if subject_kind == "customer" else {"email": subject}
                filed = service.file(state.engine, kind, actor, **who)
                return _page(request, message=f"{kind} request {filed} received")
            if action != "run":
                row = service.transition(state.engine, request_id, action, actor, reason)
                return _page(request, message=f"request {row.request_id} is {row.state.value}")
            outcome = service.carry_out(state.engine, request_id, actor)
    except _ERRORS as exc:
        return _page(request, error=str(exc))
    if outcome.export is not None:
        return Response(
            zip_bytes(outcome.export),
            media_type="application/zip",
            headers={"Content-Disposition": f'attachment; filename="{request_id}.zip"'},
        )
    # The erased rows stay in the DuckDB file's free blocks until the server stops and rewrites it.
    pending = " The store's file is rewritten when the server stops." if outcome.compaction_pending else ""
    total = sum(v for k, v in outcome.counts.items() if k != "tombstones")
    return _page(request, message=f"request {request_id} done: {total} rows erased or anonymised.{pending}")
