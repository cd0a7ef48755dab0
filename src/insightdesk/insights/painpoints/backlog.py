"""The pain-point backlog: what is being done about each pain point, by whom, with an audit trail.

Statuses and the moves allowed between them (anything else is refused with the allowed moves named):

    new               -> under_review, linked_to_problem
    under_review      -> linked_to_problem
    linked_to_problem -> fix_shipped, under_review       (back to review: the wrong problem)
    fix_shipped       -> verified, linked_to_problem     (back: the fix did not work)
    verified          -> under_review                    (it came back)

Moving to `linked_to_problem` needs a problem record (problems.id) that exists; `fix_shipped`
records when the fix shipped; `verified` measures the pain point before and after that moment
(its share of tickets and its CSAT, with intervals and tests), records the measurement, and is
refused when the data show no improvement unless forced. Every change writes one
painpoint_backlog_events row per field, with the actor.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from insightdesk.insights.common.runs import from_json, new_id, to_json, utcnow
from insightdesk.store.tables.insights import painpoint_backlog, painpoint_backlog_events

if TYPE_CHECKING:
    from insightdesk.insights.painpoints.config import PainpointConfig
    from insightdesk.store import Store

STATUSES = ("new", "under_review", "linked_to_problem", "fix_shipped", "verified")
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "new": ("under_review", "linked_to_problem"),
    "under_review": ("linked_to_problem",),
    "linked_to_problem": ("fix_shipped", "under_review"),
    "fix_shipped": ("verified", "linked_to_problem"),
    "verified": ("under_review",),
}
VERIFY_DAYS = 30


class BacklogError(ValueError):
    """A backlog change that cannot be made; the message says why and what is allowed."""


def add_new_painpoints(
    conn: sa.Connection, keys: Sequence[str], *, actor: str, now: dt.datetime
) -> list[str]:
    """Put pain points not yet in the backlog there as `new` (one `status` event each); returns the added keys."""
    if not keys:
        return []
    existing = {
        r[0]
        for r in conn.execute(
            sa.select(painpoint_backlog.c.painpoint_key).where(
                painpoint_backlog.c.painpoint_key.in_(list(keys))
            )
        )
    }
    added = [k for k in dict.fromkeys(keys) if k not in existing]
    if added:
        conn.execute(
            painpoint_backlog.insert(),
            [{"painpoint_key": k, "status": "new", "created_at": now, "updated_at": now} for k in added],
        )
        conn.execute(
            painpoint_backlog_events.insert(),
            [_event(k, "status", None, "new", actor, now) for k in added],
        )
    return added


def _event(
    key: str, name: str, old: Any, new: Any, actor: str, now: dt.datetime, event_id: str | None = None
) -> dict[str, Any]:
    def text(v: Any) -> str | None:
        if v is None:
            return None
        return v.isoformat() if isinstance(v, dt.datetime) else str(v)

    return {
        "event_id": event_id or new_id("pbe"),
        "painpoint_key": key,
        "field": name,
        "old_value": text(old),
        "new_value": text(new),
        "actor": actor,
        "occurred_at": now,
    }


def backlog_entry(store: Store, key: str) -> dict[str, Any] | None:
    """The backlog row of one pain point (verification parsed), or None."""
    with store.engine.connect() as conn:
        row = conn.execute(
            sa.select(painpoint_backlog).where(painpoint_backlog.c.painpoint_key == key)
        ).first()
    if row is None:
        return None
    entry = dict(row._mapping)
    entry["verification"] = from_json(entry["verification"])
    return entry


def backlog_frame(store: Store, *, status: str | None = None, owner: str | None = None) -> pd.DataFrame:
    """The backlog, most recently changed first, optionally one status or owner."""
    query = sa.select(painpoint_backlog).order_by(
        painpoint_backlog.c.updated_at.desc(), painpoint_backlog.c.painpoint_key
    )
    if status is not None:
        _check_status(status)
        query = query.where(painpoint_backlog.c.status == status)
    if owner is not None:
        query = query.where(painpoint_backlog.c.owner == owner.strip().lower())
    with store.engine.connect() as conn:
        result = conn.execute(query)
        return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def backlog_history(store: Store, key: str) -> pd.DataFrame:
    """Every change of one pain point's backlog entry, oldest first."""
    query = (
        sa.select(painpoint_backlog_events)
        .where(painpoint_backlog_events.c.painpoint_key == key)
        .order_by(painpoint_backlog_events.c.occurred_at, painpoint_backlog_events.c.event_id)
    )
    with store.engine.connect() as conn:
        result = conn.execute(query)
        return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def _check_status(status: str) -> None:
    if status not in STATUSES:
        raise BacklogError(f"unknown status {status!r}; statuses: {', '.join(STATUSES)}")


def _check_account(conn: sa.Connection, username: str, role: str) -> str:
    from insightdesk.store.tables.governance import users

    name = username.strip().lower()
    row = conn.execute(sa.select(users.c.active).where(users.c.username == name)).first()
    if row is None:
        raise BacklogError(f"{role} {username!r} is not an account (see `insightdesk users list`)")
    if not row.active:
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
    actor: str = "cli",
    force: bool = False,
    verify_days: int = VERIFY_DAYS,
    config: PainpointConfig | None = None,
) -> BacklogUpdate:
    """Change a pain point's status, owner, linked problem or note, writing one audit event per field.

    `shipped_at` (default now) goes with status fix_shipped. Status verified measures the pain point
    over `verify_days` before and after shipped_at (see verify_fix) and is refused when it did not
    improve, unless `force` (the measurement is recorded either way).
    """
    if status is not None:
        _check_status(status)
    if all(v is None for v in (status, owner, problem_id, note, shipped_at)):
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
    with store.engine.connect() as conn:
        if actor != "cli":
            actor = _check_account(conn, actor, "actor")
        if owner is not None:
            changes["owner"] = _check_account(conn, owner, "owner") if owner.strip() else None
        if problem_id is not None:
            if problem_id.strip():
                found = conn.execute(
                    sa.text("SELECT count(*) FROM problems WHERE id = :p"), {"p": problem_id}
                )
                if not found.scalar():
                    raise BacklogError(
                        f"problem {problem_id!r} does not exist in problems; ingest the problem records "
                        "(insightdesk ingest FILE --kind problems) or check the id"
                    )
                changes["problem_id"] = problem_id
            else:
                changes["problem_id"] = None
    if note is not None:
        changes["note"] = note
    if status is not None and status != current["status"]:
        changes["status"] = status
        if status == "linked_to_problem" and not changes.get("problem_id", current["problem_id"]):
            raise BacklogError(f"{key}: linked_to_problem needs a problem record: give --problem PROBLEM_ID")
        if status == "fix_shipped":
            shipped = _naive_utc(shipped_at) if shipped_at is not None else now
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
    changes = {k: v for k, v in changes.items() if _stored(v) != _stored(current.get(k))}
    if not changes:
        raise BacklogError(f"{key}: nothing changes (the values given are the current ones)")

    # One id stem per update and a sequence after it: the history reads in this order.
    order = ("status", "owner", "problem_id", "note", "shipped_at", "verification")
    stem = new_id("pbe")
    events = [
        _event(key, name, _shown(current.get(name)), _shown(changes[name]), actor, now, f"{stem}-{i:02d}")
        for i, name in enumerate(n for n in order if n in changes)
    ]
    values = {k: (to_json(v) if k == "verification" else v) for k, v in changes.items()}
    with store.begin() as conn:
        # Optimistic check: the status read above must still hold, or two edits raced.
        updated = conn.execute(
            painpoint_backlog.update()
            .where(painpoint_backlog.c.painpoint_key == key, painpoint_backlog.c.status == current["status"])
            .values(**values, updated_at=now)
            .returning(painpoint_backlog.c.painpoint_key)  # rowcount is not reliable on DuckDB
        ).fetchall()
        if len(updated) != 1:
            raise BacklogError(f"{key} changed while this update ran; read it again and retry")
        conn.execute(painpoint_backlog_events.insert(), events)
    entry = backlog_entry(store, key) or {}
    return BacklogUpdate(entry=entry, events=events, verification=verification)


def _naive_utc(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is None else value.astimezone(dt.UTC).replace(tzinfo=None)


def _stored(value: Any) -> Any:
    return to_json(value) if isinstance(value, dict) else value


def _shown(value: Any) -> Any:
    """An event's text for a value: JSON for the verification, the value otherwise."""
    return to_json(value) if isinstance(value, dict) else value


def verify_fix(
    store: Store,
    key: str,
    shipped_at: dt.datetime,
    *,
    days: int = VERIFY_DAYS,
    config: PainpointConfig | None = None,
) -> dict[str, Any]:
    """The pain point over `days` before vs after `shipped_at`: share of tickets and CSAT, with tests.

    Improved means the pain point's share of the desk's tickets fell, or its CSAT rose, significantly
    (two-proportion z-test at 1 - confidence). The after period ends at the newest data when that is
    sooner; with no tickets after the fix there is nothing to measure yet.
    """
    from insightdesk.insights.painpoints.config import PainpointConfig
    from insightdesk.insights.painpoints.data import Window, aggregate_painpoints, resolve_window
    from insightdesk.insights.painpoints.scoring import newcombe_interval
    from insightdesk.metrics import stats

    cfg = config or PainpointConfig()
    shipped = _naive_utc(shipped_at)
    data_end = resolve_window(store.ibis(), days=1).until
    before = Window(shipped - dt.timedelta(days=days), shipped)
    after_end = min(shipped + dt.timedelta(days=days), data_end)
    if after_end <= shipped:
        raise BacklogError(
            f"{key}: no data after the fix shipped ({shipped:%Y-%m-%d}; newest data before {data_end:%Y-%m-%d}): "
            "ingest newer tickets before verifying"
        )
    after = Window(shipped, after_end)
    kind = "theme_x_category" if "|" in key else key.split(":", 1)[0]
    periods = {}
    for name, window in (("before", before), ("after", after)):
        data = aggregate_painpoints(
            store, window, kinds=(kind,), entities=cfg.theme_entities, config=cfg.metrics, keys=[key]
        )
        row = data.groups[data.groups.painpoint_key == key]
        periods[name] = {
            "since": window.since.isoformat(),
            "until": window.until.isoformat(),
            "tickets": float(row.tickets.sum()),
            "window_tickets": data.desk.get("tickets", 0.0),
            "csat_sat": float(row.csat_sat.sum()),
            "csat_n": float(row.csat_n.sum()),
        }
    b, a = periods["before"], periods["after"]
    if a["window_tickets"] <= 0:
        raise BacklogError(f"{key}: no tickets at all after {shipped:%Y-%m-%d}: nothing to measure yet")

    def compare(k1: float, n1: float, k0: float, n0: float) -> dict[str, Any]:
        lo, hi = newcombe_interval(
            np.array([k1]), np.array([n1]), np.array([k0]), np.array([n0]), cfg.confidence
        )
        p = stats.two_proportion_test(k1, n1, k0, n0)
        value = (k1 / n1 if n1 else np.nan) - (k0 / n0 if n0 else np.nan)
        return {
            "after": k1 / n1 if n1 else None,
            "before": k0 / n0 if n0 else None,
            "difference": None if np.isnan(value) else float(value),
            "ci_low": None if np.isnan(lo[0]) else float(lo[0]),
            "ci_high": None if np.isnan(hi[0]) else float(hi[0]),
            "p_value": None if np.isnan(p) else float(p),
            "n_after": int(n1),
            "n_before": int(n0),
            "low_n": bool(n1 < cfg.min_n or n0 < cfg.min_n),
        }

    alpha = 1 - cfg.confidence
    share = compare(a["tickets"], a["window_tickets"], b["tickets"], b["window_tickets"])
    csat = compare(a["csat_sat"], a["csat_n"], b["csat_sat"], b["csat_n"])

    def significant(c: dict[str, Any], sign: int) -> bool:
        d, p = c["difference"], c["p_value"]
        return d is not None and p is not None and not c["low_n"] and sign * d > 0 and p < alpha

    share_fell, csat_rose = significant(share, -1), significant(csat, +1)
    parts = []
    for title, c, unit in (("share of tickets", share, "pts"), ("CSAT", csat, "pts")):
        if c["difference"] is None:
            parts.append(f"{title}: no data")
            continue
        ci = "-" if c["ci_low"] is None else f"{100 * c['ci_low']:+.1f}..{100 * c['ci_high']:+.1f}"
        p = "-" if c["p_value"] is None else f"{c['p_value']:.3f}"
        parts.append(
            f"{title} {100 * c['before']:.1f}% -> {100 * c['after']:.1f}% ({100 * c['difference']:+.1f} {unit}, "
            f"95% CI {ci}, p={p}, n={c['n_before']:,} -> {c['n_after']:,})"
        )
    improved = share_fell or csat_rose
    verdict = ("improved: " if improved else "no significant improvement: ") + "; ".join(parts)
    return {
        "shipped_at": shipped.isoformat(),
        "days": days,
        "before": b,
        "after": a,
        "volume_share": share,
        "csat": csat,
        "share_fell": share_fell,
        "csat_rose": csat_rose,
        "improved": improved,
        "verdict": verdict,
        "measured_at": utcnow().isoformat(),
    }
