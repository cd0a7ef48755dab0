"""Shapes of the closed loop's routes: rule versions, dry-runs, tasks and the loop KPIs."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from insightdesk.api.schemas.base import Number


class RuleWrite(BaseModel):
    spec: str = Field(..., min_length=1, max_length=64_000, description="The rule as YAML (docs/actions.md).")


class DryRunRequest(BaseModel):
    version: int | None = Field(None, ge=1, le=1_000_000, description="Version (default the newest).")
    days: int = Field(30, ge=1, le=366, description="Days of history to replay, ending at the newest event.")


class RuleVersion(BaseModel):
    rule_id: str
    version: int
    event: str
    spec: str
    status: str = Field(..., description="draft, shadow, awaiting_approval, active or retired.")
    needs_approval: bool
    dry_run: dict[str, Any] | None = None
    created_by: str
    created_at: str
    requested_by: str | None = None
    approved_by: str | None = None
    shadow_since: str | None = None
    activated_at: str | None = None
    retired_at: str | None = None


class RuleSummary(BaseModel):
    rule_id: str
    event: str
    latest_version: int
    latest_status: str
    active_version: int | None = None
    shadow_version: int | None = None


class RuleList(BaseModel):
    items: list[RuleSummary]


class RuleVersions(BaseModel):
    items: list[RuleVersion]


class DryRun(BaseModel):
    version: int
    since: str
    until: str
    days: int
    events: int
    matched: int
    match_rate: Number | None = None
    actions: dict[str, int]
    skipped: dict[str, int]
    customers: int = Field(..., description="Distinct customers its tasks would contact.")
    examples: list[dict[str, Any]]


class Task(BaseModel):
    task_id: str
    kind: str
    title: str
    owner: str | None = None
    team_id: str | None = None
    status: str = Field(..., description="open, in_progress, done or could_not_reach.")
    due_at: str
    customer_id: str | None = None
    ticket_id: str | None = None
    feedback_id: str | None = None
    painpoint_key: str | None = None
    rule_id: str | None = None
    context: dict[str, Any] | None = None
    outcome: str | None = None
    recovered: bool | None = None
    root_cause: str | None = None
    created_at: str
    updated_at: str
    closed_at: str | None = None


class TaskList(BaseModel):
    items: list[Task]


class TaskChange(BaseModel):
    status: str | None = Field(None, max_length=40, description="open, in_progress, done or could_not_reach.")
    owner: str | None = Field(None, max_length=64)
    outcome: str | None = Field(None, max_length=4000)
    recovered: bool | None = None
    root_cause: str | None = Field(None, max_length=4000)


class LoopKpis(BaseModel):
    period: dict[str, Any]
    time_to_close_hours: dict[str, Any]
    recovery_rate: dict[str, Any]
    owner_judged_recovery: dict[str, Any]
    opened: int
    closed: int
