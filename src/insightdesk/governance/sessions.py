"""Server-side login sessions: the cookie holds a random secret, the store only its hash."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

import sqlalchemy as sa

from insightdesk.governance.clock import sha256, utcnow
from insightdesk.governance.roles import Principal
from insightdesk.governance.users import principal_from_row
from insightdesk.store.tables.governance import sessions, users

DEFAULT_TTL = dt.timedelta(hours=12)


@dataclass(frozen=True)
class Session:
    principal: Principal
    csrf_token: str
    expires_at: dt.datetime


def create_session(
    engine: sa.Engine, username: str, *, ip: str | None = None, ttl: dt.timedelta = DEFAULT_TTL
) -> tuple[str, str]:
    """A new session; returns (cookie value, CSRF token)."""
    secret = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    now = utcnow()
    with engine.begin() as conn:
        conn.execute(
            sessions.insert().values(
                session_hash=sha256(secret),
                username=username,
                csrf_token=csrf,
                created_at=now,
                expires_at=now + ttl,
                ip=ip,
            )
        )
    return secret, csrf


def load_session(engine: sa.Engine, secret: str) -> Session | None:
    """The live session behind a cookie value: not expired, not revoked, account active."""
    if not secret or len(secret) > 200:
        return None
    now = utcnow()
    stmt = (
        sa.select(sessions.c.csrf_token, sessions.c.expires_at, users)
        .join(users, users.c.username == sessions.c.username)
        .where(
            sessions.c.session_hash == sha256(secret),
            sessions.c.revoked_at.is_(None),
            sessions.c.expires_at > now,
            users.c.active.is_(True),
        )
    )
    with engine.connect() as conn:
        row = conn.execute(stmt).mappings().first()
    if row is None:
        return None
    return Session(principal_from_row(row, "session"), row["csrf_token"], row["expires_at"])


def revoke_session(engine: sa.Engine, secret: str) -> None:
    with engine.begin() as conn:
        conn.execute(
            sessions.update()
            .where(sessions.c.session_hash == sha256(secret), sessions.c.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )
