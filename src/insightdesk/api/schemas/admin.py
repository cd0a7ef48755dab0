"""Service health, run-time settings and the audit log."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field

from insightdesk.api.schemas.records import Page


class Health(BaseModel):
    status: Literal["ok"]
    version: str
    store: str = Field(description="The store's engine: duckdb or postgresql.")
    warm_up: str = Field(description="The start-up warm-up: off, pending, running, done or failed.")


class SettingUpdate(BaseModel):
    value: Any = Field(..., description="New value: a number, an object or a string, as the setting takes.")


class SettingState(BaseModel):
    """A run-time setting: its value, its default, and who changed it last and when."""

    name: str
    value: Any
    default: Any
    changed: bool
    updated_by: str | None
    updated_at: dt.datetime | None
    doc: str


class SettingList(BaseModel):
    items: list[SettingState]


class SettingValue(BaseModel):
    """A setting's value after a change or a reset."""

    name: str
    value: Any


class AuditEntry(BaseModel):
    """One link of the hash chain: who did what to which records, when and from where."""

    seq: int
    occurred_at: dt.datetime
    actor: str
    role: str | None
    action: str
    target: str | None
    record_ids: str | None = Field(description="Ids of the records read or changed, JSON list.")
    detail: str | None = Field(description="Further facts (filters, counts, changed fields), JSON object.")
    ip: str | None
    prev_hash: str
    entry_hash: str


class AuditPage(Page[AuditEntry]):
    """Audit entries, newest first."""


class AuditVerify(BaseModel):
    ok: bool
    entries: int
    head_seq: int
    head_hash: str
    first_bad_seq: int | None
    reason: str | None
    checkpoint_seq: int | None = None
    checkpoint_at: str | None = None
    checkpoints: int = 0
    key_id: str | None = None
    unprotected: bool = False
    warnings: list[str] = []
