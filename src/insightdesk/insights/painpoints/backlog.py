"""The pain-point backlog: what is being done about each pain point, by whom, with an audit trail.

Statuses and the moves allowed between them (anything else is refused with the allowed moves named):

    new               -> under_review, linked_to_problem, wont_fix, deprioritised
    under_review      -> linked_to_problem, wont_fix, deprioritised
    linked_to_problem -> fix_shipped, under_review, wont_fix, deprioritised  (back to review: the wrong problem)
    fix_shipped       -> verified, linked_to_problem     (back: the fix did not work)
    verified          -> under_review                    (it came back)
    wont_fix          -> under_review                    (reconsidered)
    deprioritised     -> under_review, linked_to_problem (its turn came)

Moving to `linked_to_problem` needs a problem record (problems.id) that exists; `fix_shipped`
records when the fix shipped; `verified` measures the pain point before and after that moment
(its share of tickets and its CSAT, with intervals and tests), records the measurement, and is
refused when the data show no improvement unless forced. `wont_fix` and `deprioritised` are decisions
not to act (now): each needs a rationale, kept on the entry while it holds and in the trail for good.
Every change writes one painpoint_backlog_events row per field, with the actor.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from insightdesk.insights.common.runs import new_id, to_json, utcnow
from insightdesk.insights.painpoints.errors import BacklogError
from insightdesk.insights.painpoints.persistence import (
    account_active,
    apply_backlog_change,
    backlog_entry,
    backlog_event,
    problem_exists,
    read_backlog,
)
from insightdesk.insights.painpoints.verification import VERIFY_DAYS, naive_utc, verify_fix

if TYPE_CHECKING:
    from insightdesk.insights.painpoints.config import PainpointConfig
    from insightdesk.store import Store

STATUSES = (
    "new",
    "under_review",
    "linked_to_problem",
    "fix_shipped",
    "verified",
    "wont_fix",
    "deprioritised",
)
NEEDS_RATIONALE = ("wont_fix", "deprioritised")
"""Statuses that decide not to act (now): refused without a rationale."""
MAX_RATIONALE = 4000
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "new": ("under_review", "linked_to_problem", "wont_fix", "deprioritised"),
    "under_review": ("linked_to_problem", "wont_fix", "deprioritised"),
    "linked_to_problem": ("fix_shipped", "under_review", "wont_fix", "deprioritised"),
    "fix_shipped": ("verified", "linked_to_problem"),
    "verified": ("under_review",),
    "wont_fix": ("under_review",),
    "deprioritised": ("under_review", "linked_to_problem"),
}


def backlog_frame(store: Store, *, status: str | None = None, owner: str | None = None) -> pd.DataFrame:
    """The backlog, most recently changed first, optionally one status or owner."""
    if status is not None:
        _check_status(status)
    return read_backlog(store, status=status, owner=None if owner is None else owner.strip().lower())


def _check_status(status: str) -> None:
    if status not in STATUSES:
        raise BacklogError(f"unknown status {status!r}; statuses: {', '.join(STATUSES)}")


def _check_account(store: Store, username: str, role: str) -> str:
    name = username.strip().lower()
    active = account_active(store, name)
    if active is None:
        raise BacklogError(f"{role} {username!r} is not an account (see `insightdesk users list`)")
    if not active:
        raise BacklogError(f"{role} {username!r} is a disabled account")
    return name


@dataclass
class BacklogUpdate:
    """The entry after a change, the events written, and the verification measured (if any)."""

    entry: dict[str, Any]
    events: list[dict[str, Any]] = field(default_factory=list)
    verification: dict[str, Any] | None = None


def update_painpoint(
    store: Store,
    key: str,
    *,
    status: str | None = None,
    owner: str | None = None,
    problem_id: str | None = None,
    note: str | None = None,
    shipped_at: dt.datetime | None = None,
    rationale: str | None = None,
    actor: str = "cli",
    force: bool = False,
    verify_days: int = VERIFY_DAYS,
    config: PainpointConfig | None = None,
) -> BacklogUpdate:
    """Change a pain point's status, owner, linked problem or note, writing one audit event per field.

    `shipped_at` (default now) goes with status fix_shipped. Status verified measures the pain point
    over `verify_days` before and after shipped_at (see verify_fix) and is refused when it did not
    improve, unless `force` (the measurement is recorded either way). Statuses wont_fix and
    deprioritised need a `rationale`; leaving them clears it from the entry (the trail keeps it).
    """
    if status is not None:
        _check_status(status)
    if all(v is None for v in (status, owner, problem_id, note, shipped_at, rationale)):
        raise BacklogError("nothing to change: give a status, owner, problem, note or shipped-at time")
    if shipped_at is not None and status != "fix_shipped":
        raise BacklogError("a shipped-at time goes with --status fix_shipped")
    current = backlog_entry(store, key)
    if current is None:
        raise BacklogError(
            f"pain point {key!r} is not in the backlog; pain points enter it when a ranking puts them in "
            "the top `backlog_top` or marks them critical (see `insightdesk painpoints list`)"
        )
    now = utcnow()
    if status is not None and status != current["status"]:
        allowed = TRANSITIONS[current["status"]]
        if status not in allowed:
            raise BacklogError(
                f"{key}: cannot go from {current['status']} to {status}; allowed from {current['status']}: "
                f"{', '.join(allowed)}"
            )
    changes: dict[str, Any] = {}
    verification = None
    if actor != "cli":
        actor = _check_account(store, actor, "actor")
    if owner is not None:
        changes["owner"] = _check_account(store, owner, "owner") if owner.strip() else None
    if problem_id is not None:
        if problem_id.strip():
            if not problem_exists(store, problem_id):
                raise BacklogError(
                    f"problem {problem_id!r} does not exist in problems; ingest the problem records "
                    "(insightdesk ingest FILE --kind problems) or check the id"
                )
            changes["problem_id"] = problem_id
        else:
            changes["problem_id"] = None
    if note is not None:
        changes["note"] = note
    target = status if status is not None else current["status"]
    _rationale(key, target, rationale, changes, entering=target != current["status"])
    if status is not None and status != current["status"]:
        changes["status"] = status
        if status not in NEEDS_RATIONALE and current.get("rationale"):
            changes["rationale"] = None  # the decision no longer holds; the trail keeps it
        if status == "linked_to_problem" and not changes.get("problem_id", current["problem_id"]):
            raise BacklogError(f"{key}: linked_to_problem needs a problem record: give --problem PROBLEM_ID")
        if status == "fix_shipped":
            shipped = naive_utc(shipped_at) if shipped_at is not None else now
            if shipped > now:
                raise BacklogError(f"shipped-at {shipped:%Y-%m-%d %H:%M} is in the future")
            changes["shipped_at"] = shipped
        if status == "verified":
            if current["shipped_at"] is None:
                raise BacklogError(f"{key}: no shipped-at time recorded; set --status fix_shipped first")
            verification = verify_fix(store, key, current["shipped_at"], days=verify_days, config=config)
            verification["forced"] = bool(force and not verification["improved"])
            if not verification["improved"] and not force:
                raise BacklogError(
                    f"{key}: not verified: {verification['verdict']} (use --force to verify anyway)"
                )
            changes["verification"] = verification
    elif status is not None and not changes:
        raise BacklogError(f"{key} is already {status}; nothing to change")
    changes = {k: v for k, v in changes.items() if _as_text(v) != _as_text(current.get(k))}
    if not changes:
        raise BacklogError(f"{key}: nothing changes (the values given are the current ones)")

    # One id stem per update and a sequence after it: the history reads in this order.
    order = ("status", "rationale", "owner", "problem_id", "note", "shipped_at", "verification")
    stem = new_id("pbe")
    events = [
        backlog_event(
            key, name, _as_text(current.get(name)), _as_text(changes[name]), actor, now, f"{stem}-{i:02d}"
        )
        for i, name in enumerate(n for n in order if n in changes)
    ]
    values = {k: (to_json(v) if k == "verification" else v) for k, v in changes.items()}
    apply_backlog_change(store, key, current["status"], values, events, now)
    entry = backlog_entry(store, key) or {}
    return BacklogUpdate(entry=entry, events=events, verification=verification)


def _rationale(
    key: str, status: str, rationale: str | None, changes: dict[str, Any], *, entering: bool
) -> None:
    """A decision not to act carries its reason; a rationale goes only with such a decision."""
    text = (rationale or "").strip()
    if len(text) > MAX_RATIONALE:
        raise BacklogError(f"{key}: rationale is over {MAX_RATIONALE} characters")
    if status in NEEDS_RATIONALE:
        if not text and (entering or rationale is not None):
            raise BacklogError(
                f"{key}: {status} needs a rationale: say why it will {'not be fixed' if status == 'wont_fix' else 'wait'}"
                " (--rationale TEXT, or `rationale` in the API)"
            )
        if text:
            changes["rationale"] = text
        return
    if rationale is not None:
        raise BacklogError(
            f"{key}: a rationale goes with status {' or '.join(NEEDS_RATIONALE)}, not {status}"
        )


def _as_text(value: Any) -> Any:
    """A value as stored and shown in an event: JSON for the verification, the value otherwise."""
    return to_json(value) if isinstance(value, dict) else value
