"""Response and request shapes of the REST API (separate from the store's tables)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field


class Page(BaseModel):
    """A page of a list: `items`, the `total` that match, and the link to the next page."""

    items: list[dict[str, Any]]
    total: int
    limit: int
    offset: int
    next: str | None = None


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


class UserCreate(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=10, max_length=1024)
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
        None, max_length=1024, description="New password (10+ characters); revokes sessions and tokens."
    )


class SettingUpdate(BaseModel):
    value: Any = Field(..., description="New value: a number, an object or a string, as the setting takes.")


class UserPublic(BaseModel):
    username: str
    display_name: str | None
    role: str
    team_ids: str | None
    agent_id: str | None
    active: bool
    created_at: dt.datetime
    updated_at: dt.datetime


class KpiRows(BaseModel):
    kpi: dict[str, Any]
    filters: dict[str, Any]
    by: list[str]
    grain: str | None
    rows: list[dict[str, Any]]


class IngestResponse(BaseModel):
    """The reconciled counts of one uploaded file: received = accepted + rejected."""

    batch_id: str
    kind: str
    source_file: str
    received: int
    accepted: int
    rejected: int
    inserted: int
    updated: int
    unchanged: int
    reconciles: bool
    stubs: dict[str, int]
    warnings: list[str]
    seconds: float


class AuditVerify(BaseModel):
    ok: bool
    entries: int
    head_seq: int
    head_hash: str
    first_bad_seq: int | None
    reason: str | None
