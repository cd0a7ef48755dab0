"""Rule versions and their lifecycle: draft -> shadow -> (awaiting_approval ->) active -> retired.

    save_rule(store, yaml_text, actor)            # a new draft version (v1, v2...)
    shadow_rule(store, "detractor-callback", 2, actor)   # evaluated live, acts on nothing
    request_activation(store, rule, 2, actor)     # needs a dry-run first; helpdesk writes and bulk
    approve_activation(store, rule, 2, other)     #   contact wait for a second person's approval
    rollback_rule(store, rule, actor)             # the active version retires, the previous returns

One version per rule is active at a time; activating one retires the one before. Every change is
written to the audit log (`rules.*`) with the actor.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from insightdesk.actions.config import ActionsConfig
from insightdesk.actions.errors import ActionsError, NotFound
from insightdesk.actions.spec import RuleSpec, parse_rule
from insightdesk.actions.sql import changed_rows
from insightdesk.governance import audit
from insightdesk.insights.common.runs import from_json, to_json, utcnow
from insightdesk.store.tables.actions import action_rule_versions as versions

if TYPE_CHECKING:
    from insightdesk.store import Store

STATUSES = ("draft", "shadow", "awaiting_approval", "active", "retired")


def _audit(store: Store, actor: str, action: str, rule_id: str, version: int, **detail: Any) -> None:
    audit.append(
        store.engine,
        actor=actor,
        action=f"rules.{action}",
        target="action_rule_versions",
        record_ids=[f"{rule_id}@v{version}"],
        detail=detail or None,
    )


def save_rule(store: Store, text: str, actor: str, config: ActionsConfig | None = None) -> dict[str, Any]:
    """Store a rule document as the rule's next version, a draft; refused when it changes nothing."""
    cfg = config or ActionsConfig()
    spec = parse_rule(text, policy=cfg.messages, regimes=cfg.regimes)
    latest = _latest(store, spec.rule)
    if latest is not None and parse_rule(latest["spec"], policy=cfg.messages, stored=True) == spec:
        raise ActionsError(
            f"rule {spec.rule!r}: version {latest['version']} already says this; nothing saved"
        )
    version = 1 if latest is None else int(latest["version"]) + 1
    row = {
        "rule_id": spec.rule,
        "version": version,
        "event": spec.event,
        "spec": text,
        "status": "draft",
        "needs_approval": spec.writes_helpdesk,
        "created_by": actor,
        "created_at": utcnow(),
    }
    with store.begin() as conn:
        conn.execute(versions.insert().values(**row))
    _audit(store, actor, "save", spec.rule, version, event=spec.event)
    return get_version(store, spec.rule, version)


def _latest(store: Store, rule_id: str) -> dict[str, Any] | None:
    rows = _select(store, versions.c.rule_id == rule_id)
    return rows[-1] if rows else None


def _select(store: Store, *where: Any) -> list[dict[str, Any]]:
    query = sa.select(versions).where(*where).order_by(versions.c.rule_id, versions.c.version)
    with store.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]


def get_version(store: Store, rule_id: str, version: int | None = None) -> dict[str, Any]:
    """One version (default the newest); NotFound names the rule and version."""
    rows = _select(store, versions.c.rule_id == rule_id)
    if not rows:
        raise NotFound(f"no rule {rule_id!r} (see `insightdesk rules list`)")
    if version is None:
        return _public(rows[-1])
    for row in rows:
        if row["version"] == version:
            return _public(row)
    raise NotFound(
        f"rule {rule_id!r} has no version {version}; versions: {', '.join(str(r['version']) for r in rows)}"
    )


def _public(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "dry_run": from_json(row["dry_run"])}


def rule_versions(store: Store, rule_id: str) -> list[dict[str, Any]]:
    get_version(store, rule_id)  # NotFound for an unknown rule
    return [_public(r) for r in _select(store, versions.c.rule_id == rule_id)]


def list_rules(store: Store) -> list[dict[str, Any]]:
    """Per rule: its newest version, and its active and shadow versions (if any)."""
    out: dict[str, dict[str, Any]] = {}
    for row in _select(store):
        entry = out.setdefault(
            row["rule_id"], {"rule_id": row["rule_id"], "active_version": None, "shadow_version": None}
        )
        entry.update(latest_version=row["version"], event=row["event"], latest_status=row["status"])
        if row["status"] == "active":
            entry["active_version"] = row["version"]
        if row["status"] == "shadow":
            entry["shadow_version"] = row["version"]
    return list(out.values())


def live_versions(store: Store) -> list[tuple[RuleSpec, dict[str, Any]]]:
    """Active and shadow versions with their parsed specs, for evaluation."""
    rows = _select(store, versions.c.status.in_(("active", "shadow")))
    return [(parse_rule(r["spec"], stored=True), r) for r in rows]


def _move(store: Store, rule_id: str, version: int, values: dict[str, Any], expect: tuple[str, ...]) -> None:
    with store.begin() as conn:
        done = changed_rows(
            conn,
            versions.update()
            .where(
                versions.c.rule_id == rule_id, versions.c.version == version, versions.c.status.in_(expect)
            )
            .values(**values),
            versions.c.version,
        )
    if done != 1:
        # Another process moved it between our read and this write.
        raise ActionsError(f"rule {rule_id!r} v{version} changed meanwhile; look again and retry")


def shadow_rule(store: Store, rule_id: str, version: int, actor: str) -> dict[str, Any]:
    """Evaluate this version on live events, recording what it would do and doing nothing."""
    row = get_version(store, rule_id, version)
    if row["status"] not in ("draft", "retired"):
        raise ActionsError(
            f"rule {rule_id!r} v{version} is {row['status']}; only a draft or retired version can shadow"
        )
    with store.begin() as conn:  # one shadow per rule: a new one replaces the old
        conn.execute(
            versions.update()
            .where(versions.c.rule_id == rule_id, versions.c.status == "shadow")
            .values(status="draft")
        )
    _move(store, rule_id, version, {"status": "shadow", "shadow_since": utcnow()}, ("draft", "retired"))
    _audit(store, actor, "shadow", rule_id, version)
    return get_version(store, rule_id, version)


def record_dry_run(store: Store, rule_id: str, version: int, summary: dict[str, Any]) -> None:
    with store.begin() as conn:
        conn.execute(
            versions.update()
            .where(versions.c.rule_id == rule_id, versions.c.version == version)
            .values(dry_run=to_json(summary))
        )


def request_activation(
    store: Store, rule_id: str, version: int, actor: str, config: ActionsConfig | None = None
) -> dict[str, Any]:
    """Activate now, or (helpdesk writes, bulk contact) wait for a second person's approval.

    A version is dry-run before it may be activated: the dry-run is what the approver reads.
    """
    cfg = config or ActionsConfig()
    row = get_version(store, rule_id, version)
    if row["status"] not in ("draft", "shadow", "retired"):
        raise ActionsError(
            f"rule {rule_id!r} v{version} is {row['status']}; it cannot be activated from there"
        )
    if row["dry_run"] is None:
        raise ActionsError(
            f"rule {rule_id!r} v{version} has not been dry-run; run `insightdesk rules dry-run {rule_id} "
            f"--version {version}` and read what it would have done before activating it"
        )
    spec = parse_rule(row["spec"], policy=cfg.messages, stored=True)
    bulk = spec.contacts_customers and int(row["dry_run"].get("customers", 0)) > cfg.bulk_contact_limit
    if spec.writes_helpdesk or bulk:
        reason = (
            "writes to a helpdesk"
            if spec.writes_helpdesk
            else (
                f"contacts {row['dry_run']['customers']} customers in its dry-run (over {cfg.bulk_contact_limit})"
            )
        )
        values = {
            "status": "awaiting_approval",
            "requested_by": actor,
            "needs_approval": True,
            "approved_by": None,
        }
        _move(store, rule_id, version, values, ("draft", "shadow", "retired"))
        _audit(store, actor, "request_activation", rule_id, version, reason=reason)
        return get_version(store, rule_id, version)
    return _activate(store, rule_id, version, actor, approved_by=None, expect=("draft", "shadow", "retired"))


def approve_activation(store: Store, rule_id: str, version: int, actor: str) -> dict[str, Any]:
    """The second person's approval: activates the version. The requester cannot approve it."""
    row = get_version(store, rule_id, version)
    if row["status"] != "awaiting_approval":
        raise ActionsError(f"rule {rule_id!r} v{version} is {row['status']}, not awaiting approval")
    if actor == row["requested_by"]:
        raise ActionsError(
            f"rule {rule_id!r} v{version}: {actor} asked for this activation; a second person must approve it"
        )
    return _activate(store, rule_id, version, actor, approved_by=actor, expect=("awaiting_approval",))


def reject_activation(store: Store, rule_id: str, version: int, actor: str) -> dict[str, Any]:
    row = get_version(store, rule_id, version)
    if row["status"] != "awaiting_approval":
        raise ActionsError(f"rule {rule_id!r} v{version} is {row['status']}, not awaiting approval")
    _move(store, rule_id, version, {"status": "draft", "requested_by": None}, ("awaiting_approval",))
    _audit(store, actor, "reject_activation", rule_id, version)
    return get_version(store, rule_id, version)


def _activate(
    store: Store, rule_id: str, version: int, actor: str, *, approved_by: str | None, expect: tuple[str, ...]
) -> dict[str, Any]:
    now = utcnow()
    # Who put it in force: the requester when a second person approved, else the actor.
    activated_by = (get_version(store, rule_id, version)["requested_by"] or actor) if approved_by else actor
    with store.begin() as conn:
        conn.execute(
            versions.update()
            .where(versions.c.rule_id == rule_id, versions.c.status == "active")
            .values(status="retired", retired_at=now)
        )
        done = changed_rows(
            conn,
            versions.update()
            .where(
                versions.c.rule_id == rule_id, versions.c.version == version, versions.c.status.in_(expect)
            )
            .values(
                status="active",
                activated_at=now,
                retired_at=None,
                approved_by=approved_by,
                activated_by=activated_by,
            ),
            versions.c.version,
        )
        if done != 1:
            raise ActionsError(f"rule {rule_id!r} v{version} changed meanwhile; look again and retry")
    _audit(store, actor, "activate", rule_id, version, approved_by=approved_by)
    return get_version(store, rule_id, version)


def rollback_rule(store: Store, rule_id: str, actor: str) -> dict[str, Any]:
    """Retire the active version and bring back the one active before it (approved then, so at once)."""
    rows = rule_versions(store, rule_id)
    active = [r for r in rows if r["status"] == "active"]
    if not active:
        raise ActionsError(f"rule {rule_id!r} has no active version to roll back")
    current = active[0]["version"]
    earlier = [
        r
        for r in rows
        if r["version"] < current and r["status"] == "retired" and r["activated_at"] is not None
    ]
    if not earlier:
        raise ActionsError(f"rule {rule_id!r}: no version was active before v{current}; retire it instead")
    previous = max(earlier, key=lambda r: r["activated_at"])["version"]
    now = utcnow()
    with store.begin() as conn:
        conn.execute(
            versions.update()
            .where(versions.c.rule_id == rule_id, versions.c.version == current)
            .values(status="retired", retired_at=now)
        )
        conn.execute(
            versions.update()
            .where(versions.c.rule_id == rule_id, versions.c.version == previous)
            .values(status="active", activated_at=now, retired_at=None, activated_by=actor)
        )
    _audit(store, actor, "rollback", rule_id, previous, retired_version=current)
    return get_version(store, rule_id, previous)


def retire_rule(store: Store, rule_id: str, actor: str) -> dict[str, Any]:
    """Stop the active (or shadow) version."""
    live = [
        r for r in rule_versions(store, rule_id) if r["status"] in ("active", "shadow", "awaiting_approval")
    ]
    if not live:
        raise ActionsError(f"rule {rule_id!r} has no active, shadow or pending version to retire")
    for row in live:
        _move(store, rule_id, row["version"], {"status": "retired", "retired_at": utcnow()}, (row["status"],))
        _audit(store, actor, "retire", rule_id, row["version"])
    return get_version(store, rule_id, live[-1]["version"])
