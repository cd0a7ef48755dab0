"""Accounts: create, list, disable, change role or password, and password login with lockout."""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from insightdesk.governance import audit
from insightdesk.governance.audit import Actor
from insightdesk.governance.clock import new_id, utcnow
from insightdesk.governance.passwords import (
    check_rules,
    generate_password,
    hash_password,
    needs_rehash,
    verify_password,
)
from insightdesk.governance.roles import Principal, Role, parse_role
from insightdesk.governance.scopes import ScopeError, scope_fields
from insightdesk.store.tables.governance import api_tokens, login_attempts, sessions, users

log = logging.getLogger(__name__)

QUICKSTART_ADMIN = "admin"


class AccountError(ValueError):
    """An account operation that cannot be done as asked; the message says why."""


class LoginFailed(Exception):
    """Wrong user name or password (deliberately not saying which)."""


class LoginLocked(Exception):
    """Too many failed logins: the account is locked for `retry_after` seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many failed logins; try again in {retry_after} s")
        self.retry_after = retry_after


@dataclass(frozen=True)
class LoginPolicy:
    """Failed logins within `window` before lockout, and the slowdown before that.

    Counted per user name (a guesser on one account) and per client address (one client
    spraying many names); either limit locks that side out until the window has passed.
    """

    max_failures: int = 5
    max_failures_per_ip: int = 20
    window: dt.timedelta = dt.timedelta(minutes=15)
    slowdown_after: int = 2
    slowdown_step_s: float = 0.5
    slowdown_max_s: float = 4.0


def normalise(username: str) -> str:
    name = username.strip().lower()
    if not name or len(name) > 64 or not all(c.isalnum() or c in "._-@" for c in name):
        raise AccountError(f"invalid user name {username!r}: letters, digits and . _ - @ only, at most 64")
    return name


def _scope_fields(
    engine: sa.Engine, role: Role, team_ids: Sequence[str] | None, agent_id: str | None
) -> dict[str, Any]:
    try:
        return scope_fields(engine, role, team_ids, agent_id)
    except ScopeError as exc:
        raise AccountError(str(exc)) from exc


def principal_from_row(row: Mapping[Any, Any], via: str = "session") -> Principal:
    """The Principal of a users row (a mapping with username, role, team_ids, agent_id)."""
    teams = tuple(json.loads(row["team_ids"])) if row["team_ids"] else ()
    return Principal(
        username=row["username"], role=Role(row["role"]), team_ids=teams, agent_id=row["agent_id"], via=via
    )


def get_user(engine: sa.Engine, username: str) -> dict[str, Any] | None:
    with engine.connect() as conn:
        row = (
            conn.execute(sa.select(users).where(users.c.username == username.strip().lower()))
            .mappings()
            .first()
        )
    return dict(row) if row else None


def list_users(engine: sa.Engine) -> list[dict[str, Any]]:
    """Every account without its password hash."""
    cols = [c for c in users.c if c.name != "password_hash"]
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(sa.select(*cols).order_by(users.c.username)).mappings()]


def count_users(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(users)).scalar() or 0)


def create_user(
    engine: sa.Engine,
    username: str,
    password: str,
    role: Role | str,
    *,
    actor: Actor,
    display_name: str | None = None,
    team_ids: Sequence[str] | None = None,
    agent_id: str | None = None,
) -> dict[str, Any]:
    name = normalise(username)
    role = parse_role(str(role))
    check_rules(password, name)
    if get_user(engine, name) is not None:
        raise AccountError(f"user {name!r} already exists")
    now = utcnow()
    row = {
        "username": name,
        "display_name": display_name or name,
        "role": role.value,
        **_scope_fields(engine, role, team_ids, agent_id),
        "password_hash": hash_password(password),
        "active": True,
        "created_at": now,
        "updated_at": now,
    }
    with engine.begin() as conn:
        conn.execute(users.insert().values(**row))
    audit.append_by(
        engine,
        actor,
        "user.create",
        "users",
        [name],
        {"role": role.value, "team_ids": list(team_ids or []), "agent_id": agent_id},
    )
    return {k: v for k, v in row.items() if k != "password_hash"}


def _require(engine: sa.Engine, username: str) -> dict[str, Any]:
    row = get_user(engine, username)
    if row is None:
        raise AccountError(f"no user {username!r}; `insightdesk users list` shows the accounts")
    return row


def _revoke_all(conn: sa.Connection, username: str, now: dt.datetime) -> None:
    conn.execute(
        sessions.update()
        .where(sessions.c.username == username, sessions.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    conn.execute(
        api_tokens.update()
        .where(api_tokens.c.username == username, api_tokens.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )


def set_active(engine: sa.Engine, username: str, active: bool, *, actor: Actor) -> None:
    """Disable (revoking its sessions and tokens) or re-enable an account."""
    row = _require(engine, username)
    now = utcnow()
    with engine.begin() as conn:
        conn.execute(
            users.update().where(users.c.username == row["username"]).values(active=active, updated_at=now)
        )
        if not active:
            _revoke_all(conn, row["username"], now)
    audit.append_by(engine, actor, "user.enable" if active else "user.disable", "users", [row["username"]])


def set_role(
    engine: sa.Engine,
    username: str,
    role: Role | str,
    *,
    actor: Actor,
    team_ids: Sequence[str] | None = None,
    agent_id: str | None = None,
) -> None:
    """Change role and scope; open sessions end so the new rights apply at the next login."""
    row = _require(engine, username)
    new_role = parse_role(str(role))
    fields = _scope_fields(engine, new_role, team_ids, agent_id)
    now = utcnow()
    with engine.begin() as conn:
        conn.execute(
            users.update()
            .where(users.c.username == row["username"])
            .values(role=new_role.value, updated_at=now, **fields)
        )
        conn.execute(
            sessions.update()
            .where(sessions.c.username == row["username"], sessions.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )
    audit.append_by(
        engine,
        actor,
        "user.set_role",
        "users",
        [row["username"]],
        {
            "from": row["role"],
            "to": new_role.value,
            "team_ids": list(team_ids or []),
            "agent_id": agent_id,
        },
    )


def set_password(engine: sa.Engine, username: str, password: str, *, actor: Actor) -> None:
    row = _require(engine, username)
    check_rules(password, row["username"])
    now = utcnow()
    with engine.begin() as conn:
        conn.execute(
            users.update()
            .where(users.c.username == row["username"])
            .values(password_hash=hash_password(password), updated_at=now)
        )
        _revoke_all(conn, row["username"], now)
    audit.append_by(engine, actor, "user.set_password", "users", [row["username"]])


def recent_failures(engine: sa.Engine, username: str, policy: LoginPolicy) -> tuple[int, dt.datetime | None]:
    """Failed attempts since the last success within the window, and the latest failure time."""
    since = utcnow() - policy.window
    with engine.connect() as conn:
        last_ok = conn.execute(
            sa.select(sa.func.max(login_attempts.c.attempted_at)).where(
                login_attempts.c.username == username, login_attempts.c.succeeded.is_(True)
            )
        ).scalar()
        start = max(since, last_ok) if last_ok else since
        row = conn.execute(
            sa.select(sa.func.count(), sa.func.max(login_attempts.c.attempted_at)).where(
                login_attempts.c.username == username,
                login_attempts.c.succeeded.is_(False),
                login_attempts.c.attempted_at > start,
            )
        ).one()  # an aggregate: always one row
    return int(row[0] or 0), row[1]


def recent_ip_failures(engine: sa.Engine, ip: str, policy: LoginPolicy) -> tuple[int, dt.datetime | None]:
    """Failed attempts from one client address within the window, whatever the user name."""
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(sa.func.count(), sa.func.max(login_attempts.c.attempted_at)).where(
                login_attempts.c.ip == ip,
                login_attempts.c.succeeded.is_(False),
                login_attempts.c.attempted_at > utcnow() - policy.window,
            )
        ).one()  # an aggregate: always one row
    return int(row[0] or 0), row[1]


def _record_attempt(engine: sa.Engine, username: str, ip: str | None, ok: bool) -> None:
    with engine.begin() as conn:
        conn.execute(
            login_attempts.insert().values(
                attempt_id=new_id("la-"), username=username, ip=ip, succeeded=ok, attempted_at=utcnow()
            )
        )


def authenticate(
    engine: sa.Engine,
    username: str,
    password: str,
    *,
    ip: str | None = None,
    policy: LoginPolicy | None = None,
    sleep: Any = time.sleep,
) -> Principal:
    """Check a password login; slows down after repeated failures and locks out after more.

    Every outcome is audited (login, login.failed, login.locked).
    """
    policy = policy or LoginPolicy()
    name = username.strip().lower()[:64]
    failures, last_failure = recent_failures(engine, name, policy)
    ip_failures, last_ip_failure = recent_ip_failures(engine, ip, policy) if ip else (0, None)
    locked = [
        (last, scope)
        for count, limit, last, scope in (
            (failures, policy.max_failures, last_failure, "user"),
            (ip_failures, policy.max_failures_per_ip, last_ip_failure, "address"),
        )
        if count >= limit and last is not None
    ]
    if locked:
        last, scope = max(locked)
        retry = int((last + policy.window - utcnow()).total_seconds()) + 1
        audit.append(
            engine,
            actor=name or "anonymous",
            action="login.locked",
            target="users",
            record_ids=[name],
            ip=ip,
            detail={"locked": scope},
        )
        raise LoginLocked(max(retry, 1))
    if failures >= policy.slowdown_after:
        # Slowdown: each further failure costs the guesser more time before an answer.
        sleep(min(policy.slowdown_step_s * (failures - policy.slowdown_after + 1), policy.slowdown_max_s))
    row = get_user(engine, name) if name else None
    ok = verify_password(row["password_hash"] if row else None, password) and bool(row and row["active"])
    _record_attempt(engine, name, ip, ok)
    if not ok:
        audit.append(
            engine,
            actor=name or "anonymous",
            action="login.failed",
            target="users",
            record_ids=[name],
            ip=ip,
            detail={
                "failures": failures + 1,
                "reason": "disabled" if row and not row["active"] else "bad credentials",
            },
        )
        raise LoginFailed("wrong user name or password")
    assert row is not None
    if needs_rehash(row["password_hash"]):
        with engine.begin() as conn:
            conn.execute(
                users.update().where(users.c.username == name).values(password_hash=hash_password(password))
            )
    audit.append(
        engine, actor=name, role=row["role"], action="login", target="users", record_ids=[name], ip=ip
    )
    return principal_from_row(row)


def ensure_quickstart_admin(store: Any) -> tuple[str, str | None]:
    """The local quickstart's admin: created with a random password when no account exists yet.

    Returns (username, password); password is None when accounts already existed (nothing
    created, nothing to print). Never used outside the local quickstart: there is no default
    password anywhere else. `store` is a Store or a SQLAlchemy engine.
    """
    engine: sa.Engine = getattr(store, "engine", store)
    if count_users(engine) > 0:
        return QUICKSTART_ADMIN, None
    password = generate_password(username=QUICKSTART_ADMIN)
    create_user(
        engine,
        QUICKSTART_ADMIN,
        password,
        Role.ADMIN,
        actor=Actor("cli:quickstart", "admin", "cli"),
        display_name="Quickstart admin",
    )
    return QUICKSTART_ADMIN, password
