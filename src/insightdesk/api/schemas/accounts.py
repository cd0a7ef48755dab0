"""Accounts: sign-in, the caller's profile, API tokens and user administration."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from insightdesk.governance.passwords import MAX_LENGTH, MIN_LENGTH


class Me(BaseModel):
    username: str
    role: str
    scope: str
    team_ids: list[str]
    agent_id: str | None
    permissions: list[str]
    via: str
    csrf_token: str | None = None


class LoginRequest(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


class TokenRequest(BaseModel):
    name: str | None = Field(default=None, max_length=200)
    days: int = Field(default=30, ge=1, le=365)


class TokenCreated(BaseModel):
    token_id: str
    token: str = Field(description="The secret: shown once, never stored.")
    username: str
    name: str | None
    created_at: dt.datetime
    expires_at: dt.datetime


class TokenPublic(BaseModel):
    """An API token without its secret (only its hash is stored)."""

    token_id: str
    username: str
    name: str | None
    created_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None
    last_used_at: dt.datetime | None


class TokenList(BaseModel):
    items: list[TokenPublic]


class UserCreate(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=MIN_LENGTH, max_length=MAX_LENGTH)
    role: str
    display_name: str | None = Field(default=None, max_length=200)
    team_ids: list[str] | None = None
    agent_id: str | None = None


class UserUpdate(BaseModel):
    role: str | None = None
    team_ids: list[str] | None = None
    agent_id: str | None = None
    active: bool | None = None
    password: str | None = Field(
        None,
        max_length=MAX_LENGTH,
        description=f"New password ({MIN_LENGTH}+ characters, not common, not guessable, without the "
        "user name); revokes sessions and tokens.",
    )


class UserPublic(BaseModel):
    username: str
    display_name: str | None
    role: str
    team_ids: str | None = Field(description="Teams a team lead sees, JSON list; null for other roles.")
    agent_id: str | None
    active: bool
    created_at: dt.datetime
    updated_at: dt.datetime


class UserList(BaseModel):
    items: list[UserPublic]
