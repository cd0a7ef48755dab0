"""The request tracker: subject access and erasure requests, their states, due dates and four eyes.

received -> verified (someone checked the requester is the person) -> approved (a second person
with the privacy permission; required for erasure, never the one who filed it) -> done; or refused
at any open state, with a reason. Exports need no approval: the person is owed their data once
verified. Each transition is one statement guarded by the state it expects, so two people acting
at once cannot both move a request.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import sqlalchemy as sa

from insightdesk.governance.clock import new_id, utcnow
from insightdesk.governance.privacy import rowcount
from insightdesk.store.tables.privacy import privacy_requests

DEFAULT_DUE_DAYS = 30


class RequestKind(StrEnum):
    EXPORT = "export"
    ERASURE = "erasure"


class RequestState(StrEnum):
    RECEIVED = "received"
    VERIFIED = "verified"
    APPROVED = "approved"
    DONE = "done"
    REFUSED = "refused"


NEEDS_APPROVAL = frozenset({RequestKind.ERASURE})
OPEN_STATES = (RequestState.RECEIVED, RequestState.VERIFIED, RequestState.APPROVED)


class RequestError(ValueError):
    """A request or transition that is not allowed; the message names the request and why."""


@dataclass(frozen=True)
class RequestRow:
    request_id: str
    kind: RequestKind
    state: RequestState
    subject: str | None
    subject_kind: str
    requested_by: str
    received_at: dt.datetime
    due_at: dt.datetime
    verified_by: str | None
    approved_by: str | None
    closed_at: dt.datetime | None
    reason: str | None
    result: str | None

    @property
    def overdue(self) -> bool:
        return self.state in OPEN_STATES and utcnow() > self.due_at

    @property
    def ready(self) -> bool:
        """Whether it may be carried out now."""
        wanted = RequestState.APPROVED if self.kind in NEEDS_APPROVAL else RequestState.VERIFIED
        return self.state is wanted or (
            self.kind not in NEEDS_APPROVAL and self.state is RequestState.APPROVED
        )


def _row(mapping: Any) -> RequestRow:
    values = {k: mapping[k] for k in RequestRow.__dataclass_fields__}
    values["kind"] = RequestKind(values["kind"])
    values["state"] = RequestState(values["state"])
    return RequestRow(**values)


def file_request(
    conn: sa.Connection,
    kind: RequestKind | str,
    *,
    actor: str,
    customer_id: str | None = None,
    email: str | None = None,
    due_days: int = DEFAULT_DUE_DAYS,
) -> str:
    """Record a new request in state `received`; returns its id."""
    try:
        checked = RequestKind(str(kind))
    except ValueError:
        raise RequestError(f"unknown request kind {kind!r}: use export or erasure") from None
    if (customer_id is None) == (email is None):
        raise RequestError("a request names its person by exactly one of a customer id or an email address")
    subject = (customer_id or email or "").strip()
    if not subject:
        raise RequestError("the request's customer id or email is empty")
    if email is not None and "@" not in subject:
        raise RequestError(f"email {email!r} is not an email address")
    if not 1 <= due_days <= 90:
        raise RequestError(f"due days {due_days} is outside 1 to 90 (the law allows at most three months)")
    now = utcnow()
    request_id = new_id("req-")
    conn.execute(
        privacy_requests.insert().values(
            request_id=request_id,
            kind=checked.value,
            subject=subject,
            subject_kind="customer" if customer_id is not None else "email",
            state=RequestState.RECEIVED.value,
            requested_by=actor,
            received_at=now,
            due_at=now + dt.timedelta(days=due_days),
        )
    )
    return request_id


def get_request(conn: sa.Connection, request_id: str) -> RequestRow:
    row = conn.execute(sa.select(privacy_requests).where(privacy_requests.c.request_id == request_id)).first()
    if row is None:
        raise RequestError(f"no privacy request {request_id!r}")
    return _row(row._mapping)


def list_requests(conn: sa.Connection, *, open_only: bool = False) -> list[RequestRow]:
    query = sa.select(privacy_requests).order_by(privacy_requests.c.received_at.desc())
    if open_only:
        query = query.where(privacy_requests.c.state.in_([s.value for s in OPEN_STATES]))
    return [_row(r._mapping) for r in conn.execute(query)]


def _move(
    conn: sa.Connection,
    request_id: str,
    expected: tuple[RequestState, ...],
    values: dict[str, Any],
    what: str,
) -> RequestRow:
    current = get_request(conn, request_id)
    if current.state not in expected:
        raise RequestError(f"request {request_id} is {current.state.value}: it cannot be {what}")
    moved = rowcount.changed(
        conn,
        privacy_requests.update()
        .where(
            privacy_requests.c.request_id == request_id,
            privacy_requests.c.state == current.state.value,
        )
        .values(**values),
    )
    if moved != 1:
        raise RequestError(f"request {request_id} changed while being {what}; look at it again")
    return get_request(conn, request_id)


def verify_request(conn: sa.Connection, request_id: str, *, actor: str) -> RequestRow:
    """The requester's identity was checked (by `actor`)."""
    return _move(
        conn,
        request_id,
        (RequestState.RECEIVED,),
        {"state": RequestState.VERIFIED.value, "verified_by": actor, "verified_at": utcnow()},
        "verified",
    )


def approve_request(conn: sa.Connection, request_id: str, *, actor: str) -> RequestRow:
    """The second pair of eyes: someone other than the requester approves."""
    current = get_request(conn, request_id)
    if current.requested_by == actor:
        raise RequestError(
            f"request {request_id}: {actor} filed it and cannot approve it; ask a second person"
        )
    return _move(
        conn,
        request_id,
        (RequestState.VERIFIED,),
        {"state": RequestState.APPROVED.value, "approved_by": actor, "approved_at": utcnow()},
        "approved",
    )


def refuse_request(conn: sa.Connection, request_id: str, *, actor: str, reason: str) -> RequestRow:
    if not reason.strip():
        raise RequestError(f"request {request_id}: say why it is refused")
    return _move(
        conn,
        request_id,
        OPEN_STATES,
        {"state": RequestState.REFUSED.value, "reason": reason.strip(), "closed_at": utcnow()},
        "refused",
    )


def require_ready(request: RequestRow) -> None:
    """Raise RequestError saying what is missing unless the request may be carried out now."""
    if not request.ready:
        needs = "approved by a second person" if request.kind in NEEDS_APPROVAL else "verified"
        raise RequestError(f"request {request.request_id} is {request.state.value}: it must be {needs} first")


def close_request(conn: sa.Connection, request_id: str, result: str) -> RequestRow:
    """Mark a ready request done with its result (JSON counts, no personal data)."""
    current = get_request(conn, request_id)
    require_ready(current)
    return _move(
        conn,
        request_id,
        (current.state,),
        {"state": RequestState.DONE.value, "closed_at": utcnow(), "result": result},
        "carried out",
    )
