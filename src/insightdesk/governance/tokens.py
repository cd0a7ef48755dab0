"""API tokens for scripts: every token expires, can be revoked, and is stored only as a hash."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from typing import Any

import sqlalchemy as sa

from insightdesk.governance import audit
from insightdesk.governance.clock import new_id, sha256, utcnow
from insightdesk.governance.roles import Principal
from insightdesk.governance.users import AccountError, Actor, principal_from_row
from insightdesk.store.tables.governance import api_tokens, users

log = logging.getLogger(__name__)

PREFIX = "idk_"
MAX_DAYS = 365


def create_token(
    engine: sa.Engine, username: str, *, actor: Actor, name: str | None = None, days: int = 30
) -> dict[str, Any]:
    """A new token for `username`; the returned `token` secret is shown once and never stored."""
    if not 1 <= days <= MAX_DAYS:
        raise AccountError(f"a token lives 1 to {MAX_DAYS} days, not {days}")
    with engine.connect() as conn:
        active = conn.execute(
            sa.select(users.c.active).where(users.c.username == username.strip().lower())
        ).scalar()
    if not active:
        raise AccountError(f"no active user {username!r}")
    token_id = new_id("tok_")
    secret = PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    row = {
        "token_id": token_id,
        "token_hash": sha256(secret),
        "username": username.strip().lower(),
        "name": name,
        "created_at": now,
        "expires_at": now + dt.timedelta(days=days),
    }
    with engine.begin() as conn:
        conn.execute(api_tokens.insert().values(**row))
    audit.append_by(
        engine,
        actor,
        "token.create",
        "api_tokens",
        [token_id],
        {"for": row["username"], "days": days, "name": name},
    )
    return {k: v for k, v in row.items() if k != "token_hash"} | {"token": secret}


def load_token(engine: sa.Engine, secret: str) -> Principal | None:
    """The account behind a bearer token, when the token is live and the account active."""
    if not secret.startswith(PREFIX) or len(secret) > 200:
        return None
    now = utcnow()
    stmt = (
        sa.select(api_tokens.c.token_id, api_tokens.c.last_used_at, users)
        .join(users, users.c.username == api_tokens.c.username)
        .where(
            api_tokens.c.token_hash == sha256(secret),
            api_tokens.c.revoked_at.is_(None),
            api_tokens.c.expires_at > now,
            users.c.active.is_(True),
        )
    )
    with engine.connect() as conn:
        row = conn.execute(stmt).mappings().first()
    if row is None:
        return None
    if row["last_used_at"] is None or now - row["last_used_at"] > dt.timedelta(minutes=1):
        try:
            with engine.begin() as conn:
                conn.execute(
                    api_tokens.update()
                    .where(api_tokens.c.token_id == row["token_id"])
                    .values(last_used_at=now)
                )
        except sa.exc.DBAPIError:
            # Advisory timestamp: a concurrent request updating the same token may win the write.
            log.debug("last_used_at of %s not updated (concurrent use)", row["token_id"])
    return principal_from_row(row, "token")


def list_tokens(engine: sa.Engine, username: str | None = None) -> list[dict[str, Any]]:
    cols = [c for c in api_tokens.c if c.name != "token_hash"]
    stmt = sa.select(*cols).order_by(api_tokens.c.created_at.desc())
    if username:
        stmt = stmt.where(api_tokens.c.username == username)
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(stmt).mappings()]


def revoke_token(engine: sa.Engine, token_id: str, *, actor: Actor, owner: str | None = None) -> bool:
    """Revoke a token (only `owner`'s when given); False when there was no such live token."""
    cond = [api_tokens.c.token_id == token_id, api_tokens.c.revoked_at.is_(None)]
    if owner:
        cond.append(api_tokens.c.username == owner)
    with engine.begin() as conn:
        # Looked up first: DuckDB does not report the rows an UPDATE matched.
        done = conn.execute(sa.select(api_tokens.c.token_id).where(*cond)).first() is not None
        if done:
            conn.execute(api_tokens.update().where(*cond).values(revoked_at=utcnow()))
    if done:
        audit.append_by(engine, actor, "token.revoke", "api_tokens", [token_id])
    return bool(done)
