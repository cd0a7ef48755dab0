"""Shapes of the closed loop's control routes: review packs and their mailing, configuration changes
with their diff, notifications and their acknowledgement."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator

from insightdesk.governance.roles import Role


class PackBuild(BaseModel):
    role: Role = Field(..., description="Audience role.")
    period_end: dt.date | None = Field(
        None,
        ge=dt.date(2000, 1, 1),
        le=dt.date(2100, 1, 1),
        description="Period end, exclusive (UTC midnight; default today).",
    )
    days: int = Field(7, ge=1, le=92, description="Period length in days.")
    max_staleness_hours: float = Field(
        48, ge=1, le=10_000, description="Gate: newest ticket at most this old."
    )
    require_signoff: bool = Field(False, description="The pack waits for a second person's sign-off.")


class PackSummary(BaseModel):
    pack_id: str = Field(..., description="`<role>:<period start>`.")
    role: str
    period_start: str
    period_end: str = Field(..., description="Exclusive.")
    status: str = Field(..., description="held (data-quality gate), awaiting_signoff, ready or sent.")
    held_reason: str | None = Field(None, description="Why the gate holds it: stale or incomplete data.")
    built_by: str | None = None
    signed_off_by: str | None = None
    created_at: str
    sent_at: str | None = None


class PackList(BaseModel):
    items: list[PackSummary]


class Pack(PackSummary):
    quality: dict[str, Any] = Field(..., description="The gate's checks (fresh, complete) and their figures.")
    content: dict[str, Any] | None = Field(
        None, description="KPI movements (n, Wilson interval), pain points with rank changes, open actions."
    )


class PackSend(BaseModel):
    recipients: list[str] = Field(..., min_length=1, max_length=200, description="E-mail addresses.")


class PackRecipient(BaseModel):
    to: str
    status: Literal["delivered", "already_sent", "retrying", "failed"]
    error: str | None = None


class PackDelivery(BaseModel):
    pack_id: str
    status: str
    recipients: list[PackRecipient]


class ChangeProposal(BaseModel):
    setting: str = Field(
        ..., min_length=1, max_length=100, description="Run-time setting (GET /api/v1/settings)."
    )
    value: Any = Field(..., description="The new value, as the setting takes it.")
    region: str | None = Field(
        None, min_length=1, max_length=64, description="Regional override (kpi.targets, dashboard.min_n)."
    )
    effective_at: dt.datetime | None = Field(
        None,
        description="When it takes effect (UTC; a time with an offset is converted; default once staged).",
    )

    @field_validator("effective_at")
    @classmethod
    def _utc(cls, value: dt.datetime | None) -> dt.datetime | None:
        if value is None or value.tzinfo is None:
            return value
        return value.astimezone(dt.UTC).replace(tzinfo=None)


class Change(BaseModel):
    change_id: str
    setting: str
    region: str | None = Field(None, description="Null: the global value.")
    value: Any
    status: str = Field(..., description="draft, staging, active, superseded or withdrawn.")
    effective_at: str
    created_by: str
    approved_by: str | None = Field(None, description="The second person who staged it.")
    created_at: str
    applied_at: str | None = None


class ChangeList(BaseModel):
    items: list[Change]
    regional: list[str] = Field(
        ..., description="Settings a region may override; the rest are locked globally."
    )


class DiffRow(BaseModel):
    key: str | None = Field(None, description="Key of an object value; null for a whole value.")
    in_force: Any = None
    proposed: Any = None


class ChangeDetail(BaseModel):
    change: Change
    in_force: Any = Field(None, description="The value that applies now (the region's, else the global one).")
    diff: list[DiffRow] = Field(..., description="What changes, key by key.")


class AppliedChanges(BaseModel):
    applied: list[str]


class Notification(BaseModel):
    notification_id: str
    subject: str
    rule_id: str | None = None
    level: int = Field(..., description="Escalation level, 0 first.")
    recipient: str
    channel: str
    message_id: str | None = None
    escalate_after_hours: float | None = Field(None, description="Business hours before the next level.")
    sent_at: str
    acknowledged_by: str | None = None
    acknowledged_at: str | None = None
    escalated_at: str | None = None
    state: Literal["waiting", "acknowledged", "escalated"]


class NotificationList(BaseModel):
    items: list[Notification]


class Acknowledgement(BaseModel):
    notification_id: str
    acknowledged_by: str
    acknowledged_at: str
