"""Shapes of the survey routes: definitions and versions, ticket events, the funnel, in-app answers."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class SurveyDefinitionIn(BaseModel):
    """A definition as YAML text (the same format as the files; `insightdesk surveys example`)."""

    model_config = ConfigDict(extra="forbid")
    definition: str = Field(min_length=1, max_length=200_000)


class SurveySaved(BaseModel):
    survey_id: str
    version: int
    outcome: Literal["created", "updated", "unchanged"]
    status: str


class SurveyVersionRow(BaseModel):
    survey_id: str
    version: int
    name: str
    status: str
    checksum: str
    created_by: str | None
    created_at: dt.datetime
    published_at: dt.datetime | None
    first_sent_at: dt.datetime | None


class SurveyList(BaseModel):
    versions: list[SurveyVersionRow]


class SurveyVersionDetail(BaseModel):
    survey_id: str
    version: int
    status: str
    immutable: bool = Field(description="True once an invitation went out with this version.")
    definition: dict[str, Any]


class TicketEventIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ticket_id: str = Field(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]+$")
    event: Literal["resolved", "closed", "reopened"]
    occurred_at: dt.datetime | None = None


class PlanOutcome(BaseModel):
    planned: dict[str, int]
    suppressed: dict[str, int]


class FunnelRow(BaseModel):
    survey_id: str
    channel: str
    planned: int
    suppressed: int
    suppressed_by_reason: dict[str, int]
    scheduled: int
    sent: int
    failed: int
    failed_by_reason: dict[str, int]
    opened: int
    partial: int
    answered: int
    response_rate: float | None
    ci_low: float | None
    ci_high: float | None
    formula: str


class SurveyHealth(BaseModel):
    funnel: list[FunnelRow]
    nonresponse: dict[str, Any] | None = Field(
        None, description="Responders vs non-responders and post-stratified CSAT, for `survey`."
    )


class InAppQuestion(BaseModel):
    id: str
    type: str
    text: str
    required: bool
    scale: list[int] | None
    options: list[dict[str, str]]


class InAppPage(BaseModel):
    """The page an in-app form shows: post its answers back with `cursor` (the embeddable form)."""

    state: Literal["open", "done", "used", "expired", "invalid"]
    language: str
    cursor: int
    questions: list[InAppQuestion]
    problems: dict[str, str]


class InAppAnswers(BaseModel):
    model_config = ConfigDict(extra="forbid")
    cursor: int = Field(ge=0, le=1000)
    answers: dict[str, str | int | list[str]] = Field(max_length=100)
