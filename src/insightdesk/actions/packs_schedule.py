"""Scheduled review packs: the `packs.schedule` setting says, per audience role, when a pack is due
(weekday or daily, hour UTC), how many days it covers, who gets it and whether it needs sign-off.

    run_due_packs(store, now)   # `insightdesk packs run-due` (cron) and the loop inside `serve`

Each role's latest slot at or before `now` is its period's end; the pack of that period is built once
(its id, ROLE:<period start>, is the once-per-period key: a second call finds it and builds nothing),
mailed when it passes the data-quality gate and needs no sign-off, and otherwise left held or
awaiting sign-off. A pack signed off later is mailed by the next call; a held one stays held until
someone rebuilds it (`insightdesk packs build`) once the data is in.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from insightdesk.actions.errors import ActionsError, BuiltMeanwhile
from insightdesk.actions.packs import build_pack
from insightdesk.actions.packs_mail import send_pack
from insightdesk.governance.settings import WEEKDAYS, get_setting
from insightdesk.insights.common.runs import utcnow
from insightdesk.store.tables.actions import action_review_packs as packs

if TYPE_CHECKING:
    from insightdesk.store import Store

log = logging.getLogger(__name__)
ACTOR = "scheduler"


def last_slot(entry: dict[str, Any], now: dt.datetime) -> dt.datetime:
    """The latest scheduled time at or before `now` (UTC, on the hour)."""
    slot = now.replace(hour=int(entry["hour"]), minute=0, second=0, microsecond=0)
    if slot > now:
        slot -= dt.timedelta(days=1)
    if entry["weekday"] != "daily":
        slot -= dt.timedelta(days=(slot.weekday() - WEEKDAYS.index(entry["weekday"])) % 7)
    return slot


def _status(store: Store, pack_id: str) -> str | None:
    with store.engine.connect() as conn:
        found = conn.execute(sa.select(packs.c.status).where(packs.c.pack_id == pack_id)).scalar()
    return None if found is None else str(found)


def run_due_packs(store: Store, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Build every due pack once per period, mail the ready ones; one outcome per scheduled role.

    Outcomes: `built` (held or awaiting sign-off: not mailed), `sent`, `waiting` (already built, still
    held or awaiting sign-off), `done` (already sent) or `failed` (the error says why)."""
    now = (now or utcnow()).replace(tzinfo=None)
    schedule: dict[str, dict[str, Any]] = get_setting(store.engine, "packs.schedule")
    outcomes = []
    for role, entry in sorted(schedule.items()):
        end = last_slot(entry, now)
        pack_id = f"{role}:{end - dt.timedelta(days=int(entry['days'])):%Y-%m-%d}"
        outcome: dict[str, Any] = {"role": role, "pack_id": pack_id, "period_end": end, "error": None}
        try:
            status = _status(store, pack_id)
            built = status is None
            if built:
                try:
                    status = build_pack(store, role, end, days=int(entry["days"]), actor=ACTOR,
                                        max_staleness_hours=float(entry["max_staleness_hours"]),
                                        require_signoff=bool(entry["require_signoff"]))["status"]  # fmt: skip
                except BuiltMeanwhile:  # a cron run and serve's loop at once: the other one built it
                    status, built = _status(store, pack_id), False
            if status == "ready" and entry["recipients"]:
                result = send_pack(store, pack_id, list(entry["recipients"]), ACTOR)
                failed = [r for r in result["recipients"] if r["status"] in ("failed", "retrying")]
                outcome["result"] = "failed" if failed else "sent"
                outcome["error"] = "; ".join(f"{r['to']}: {r['error']}" for r in failed) or None
            else:
                outcome["result"] = ("built" if built else "waiting") if status != "sent" else "done"
            outcome["status"] = _status(store, pack_id)
        except ActionsError as exc:  # one role's failure must not stop the others
            outcome.update(result="failed", error=str(exc), status=_status(store, pack_id))
        outcomes.append(outcome)
    return outcomes


def pack_loop_tick(store: Store) -> None:
    """One tick of the loop inside `serve`: logs, never raises (the next tick tries again)."""
    try:
        for o in run_due_packs(store):
            if o["result"] in ("built", "sent", "failed"):
                # No error text: it may name recipients (`insightdesk packs run-due` shows it).
                log.info("scheduled pack %s: %s", o["pack_id"], o["result"])
    except Exception:  # the server outlives a failed tick
        log.exception("the scheduled review packs' tick failed")
