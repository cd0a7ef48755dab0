"""Shapes of the regulatory-complaint case routes (cases and their deadline clocks) and of the bulk-contact
runs held for a second person's approval."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field


class CaseClock(BaseModel):
    clock: str = Field(..., description="Clock of the regime: acknowledgement, final_response...")
    regime: str
    started_at: str = Field(..., description="Receipt of the complaint (UTC).")
    due_at: str = Field(..., description="Deadline (UTC).")
    binding: bool = Field(..., description="Missing it is a breach (false: a window that lapses).")
    stops_on: Literal["close", "manual"]
    stopped_at: str | None = Field(None, description="When it was met (UTC); null while running.")
    stopped_by: str | None = None
    status: Literal["running", "breached", "met", "met_late", "lapsed"]
    hours_left: float | None = Field(
        None, description="Hours to the deadline (negative: overdue); null once stopped."
    )


class Case(BaseModel):
    task_id: str = Field(..., description="The case is a follow-up task of kind regulatory_complaint.")
    title: str
    owner: str | None = None
    team_id: str | None = None
    status: str = Field(..., description="open, in_progress, done or could_not_reach.")
    due_at: str = Field(..., description="The first deadline (UTC).")
    customer_id: str | None = None
    ticket_id: str | None = None
    restricted_to: list[str] | None = Field(None, description="Roles that alone may see the case.")
    context: dict[str, Any] | None = None
    created_at: str
    regime: str | None = None
    breached: bool = Field(..., description="A binding clock past due or met late.")
    clocks: list[CaseClock]


class CaseList(BaseModel):
    items: list[Case]


class ClockStop(BaseModel):
    at: str | None = Field(None, description="When the deadline was met (ISO, UTC; default now).")


class RunHold(BaseModel):
    hold_id: str
    rule_id: str
    version: int
    contacts: int = Field(..., description="Customers the run would contact (over the bulk-run limit).")
    status: Literal["held", "released", "rejected"]
    activated_by: str | None = Field(None, description="Who put the version in force (may not approve).")
    created_at: str
    decided_by: str | None = None
    decided_at: str | None = None
    reason: str | None = Field(None, description="Why it was rejected.")


class RunHoldList(BaseModel):
    items: list[RunHold]


class HoldRejection(BaseModel):
    reason: str = Field(..., min_length=1, max_length=2000, description="Why the run is refused (recorded).")


class ReleasedRun(BaseModel):
    hold_id: str
    rule_id: str
    version: int
    events: int
    evaluated: int
    matched: int
    actions: dict[str, int] = Field(..., description="Actions taken, by kind.")
    skipped: dict[str, int] = Field(..., description="Actions not taken, by reason.")


class RejectedRun(RunHold):
    events: int = Field(..., description="Held events recorded as evaluated and not acted on.")
