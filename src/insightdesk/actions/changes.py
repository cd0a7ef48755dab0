"""Change control of run-time configuration (KPI targets, alert webhook, low-n threshold, currency):
draft -> staging (a second person) -> active on its effective date, with a diff against what is in force.

Global values live in governance's settings (applied through `set_setting`, so its audit entry and
checks apply); regional overrides live here and apply only to the settings that allow them; the rest
are locked globally. Rules have their own versions (`rules`), survey definitions theirs (surveys).

    change = propose_change(store, "kpi.targets", {"csat": 0.85}, "ana", region="emea",
                            effective_at=dt.datetime(2027, 1, 1))
    diff_change(store, change["change_id"])     # what changes, key by key
    stage_change(store, change["change_id"], "max")
    apply_due(store)                            # on or after 1 January: in force
"""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from insightdesk.actions.errors import ActionsError, NotFound
from insightdesk.governance import audit
from insightdesk.governance.audit import Actor
from insightdesk.governance.settings import SETTINGS, SettingError, get_setting, set_setting
from insightdesk.insights.common.runs import new_id, utcnow
from insightdesk.store.tables.actions import action_config_changes as changes

if TYPE_CHECKING:
    from insightdesk.store import Store

REGIONAL = frozenset({"kpi.targets", "dashboard.min_n"})
"""Settings a region may override; every other setting is locked to its global value."""


def _check(setting: str, value: Any, region: str | None) -> Any:
    known = SETTINGS.get(setting)
    if known is None:
        raise ActionsError(f"unknown setting {setting!r}; settings: {', '.join(sorted(SETTINGS))}")
    if region is not None and setting not in REGIONAL:
        raise ActionsError(
            f"setting {setting} is locked globally; regions may override only {', '.join(sorted(REGIONAL))}"
        )
    try:
        return known.check(value)
    except SettingError as exc:
        raise ActionsError(str(exc)) from None


def propose_change(
    store: Store,
    setting: str,
    value: Any,
    actor: str,
    *,
    region: str | None = None,
    effective_at: dt.datetime | None = None,
) -> dict[str, Any]:
    """A draft change (checked as the setting checks its values); nothing is in force yet."""
    region = region.strip().lower() if region else None
    checked = _check(setting, value, region)
    change_id = new_id("cfg")
    now = utcnow()
    with store.begin() as conn:
        conn.execute(
            changes.insert().values(change_id=change_id, setting=setting, region=region, value=json.dumps(checked),
                                    status="draft", effective_at=effective_at or now, created_by=actor, created_at=now)
        )  # fmt: skip
    audit.append(store.engine, actor=actor, action="config.propose", target="action_config_changes",
                 record_ids=[change_id], detail={"setting": setting, "region": region})  # fmt: skip
    return get_change(store, change_id)


def get_change(store: Store, change_id: str) -> dict[str, Any]:
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(changes).where(changes.c.change_id == change_id)).first()
    if row is None:
        raise NotFound(f"no configuration change {change_id!r}")
    out = dict(row._mapping)
    return {**out, "value": json.loads(out["value"])}


def in_force(store: Store, setting: str, region: str | None = None) -> Any:
    """The value that applies: the region's active override when it has one, else the global value."""
    if region is not None and setting in REGIONAL:
        with store.engine.connect() as conn:
            value = conn.execute(
                sa.select(changes.c.value)
                .where(
                    changes.c.setting == setting,
                    changes.c.region == region.strip().lower(),
                    changes.c.status == "active",
                )
                .order_by(changes.c.effective_at.desc())
                .limit(1)
            ).scalar()
        if value is not None:
            return json.loads(value)
    return get_setting(store.engine, setting)


def diff_change(store: Store, change_id: str) -> dict[str, Any]:
    """What a change would change: the value in force and the proposed one, key by key for objects."""
    change = get_change(store, change_id)
    current = in_force(store, change["setting"], change["region"])
    proposed = change["value"]
    keys: list[dict[str, Any]] = []
    if isinstance(current, dict) and isinstance(proposed, dict):
        for key in sorted(set(current) | set(proposed)):
            if current.get(key) != proposed.get(key):
                keys.append({"key": key, "from": current.get(key), "to": proposed.get(key)})
    elif current != proposed:
        keys.append({"key": None, "from": current, "to": proposed})
    return {"change_id": change_id, "setting": change["setting"], "region": change["region"],
            "current": current, "proposed": proposed, "changes": keys}  # fmt: skip


def stage_change(store: Store, change_id: str, actor: str) -> dict[str, Any]:
    """A second person approves the draft; it takes effect on its effective date."""
    change = get_change(store, change_id)
    if change["status"] != "draft":
        raise ActionsError(f"configuration change {change_id} is {change['status']}; only a draft is staged")
    if actor == change["created_by"]:
        raise ActionsError(
            f"configuration change {change_id}: {actor} proposed it; a second person must stage it"
        )
    with store.begin() as conn:
        conn.execute(
            changes.update()
            .where(changes.c.change_id == change_id)
            .values(status="staging", approved_by=actor)
        )
    audit.append(
        store.engine,
        actor=actor,
        action="config.stage",
        target="action_config_changes",
        record_ids=[change_id],
    )
    return get_change(store, change_id)


def withdraw_change(store: Store, change_id: str, actor: str) -> dict[str, Any]:
    change = get_change(store, change_id)
    if change["status"] not in ("draft", "staging"):
        raise ActionsError(
            f"configuration change {change_id} is {change['status']}; it can no longer be withdrawn"
        )
    with store.begin() as conn:
        conn.execute(changes.update().where(changes.c.change_id == change_id).values(status="withdrawn"))
    audit.append(
        store.engine,
        actor=actor,
        action="config.withdraw",
        target="action_config_changes",
        record_ids=[change_id],
    )
    return get_change(store, change_id)


def apply_due(store: Store, *, now: dt.datetime | None = None) -> list[str]:
    """Put in force every staged change whose effective date has come, oldest first."""
    now = now or utcnow()
    with store.engine.connect() as conn:
        due = conn.execute(
            sa.select(changes)
            .where(changes.c.status == "staging", changes.c.effective_at <= now)
            .order_by(changes.c.effective_at)
        ).all()
    applied = []
    for row in due:
        value = json.loads(row.value)
        if row.region is None:
            # Global values go through governance's settings: its own check and audit entry apply.
            set_setting(
                store.engine, row.setting, value, actor=Actor(row.approved_by or row.created_by, None, None)
            )
        with store.begin() as conn:
            same = sa.and_(changes.c.setting == row.setting, changes.c.status == "active",
                           changes.c.region.is_(None) if row.region is None else changes.c.region == row.region)  # fmt: skip
            conn.execute(changes.update().where(same).values(status="superseded"))
            conn.execute(
                changes.update()
                .where(changes.c.change_id == row.change_id)
                .values(status="active", applied_at=now)
            )
        applied.append(row.change_id)
    return applied


CHANGE_STATUSES = ("draft", "staging", "active", "superseded", "withdrawn")


def list_changes(store: Store, *, status: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
    """Configuration changes, newest first (optionally of one status)."""
    if status is not None and status not in CHANGE_STATUSES:
        raise ActionsError(f"unknown change status {status!r}; statuses: {', '.join(CHANGE_STATUSES)}")
    query = sa.select(changes).order_by(changes.c.created_at.desc(), changes.c.change_id.desc()).limit(limit)
    if status is not None:
        query = query.where(changes.c.status == status)
    with store.engine.connect() as conn:
        return [{**dict(r._mapping), "value": json.loads(r.value)} for r in conn.execute(query)]
