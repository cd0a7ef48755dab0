"""Records as a role may see them: ticket and survey-answer lists, one ticket, a customer; uploads."""

from __future__ import annotations

import datetime as dt
from typing import Generic, TypeVar

from pydantic import BaseModel, Field

from insightdesk.api.schemas.base import OpenModel, OrderedModel
from insightdesk.api.schemas.uploads import RejectionOut

RowT = TypeVar("RowT")


class Page(BaseModel, Generic[RowT]):
    """A page of a list: `items`, the `total` that match, and the link to the next page."""

    items: list[RowT]
    total: int
    limit: int
    offset: int
    next: str | None = None


class TicketRow(BaseModel):
    """A ticket in a list: no free text, no customer identity."""

    id: str
    created_at: dt.datetime | None
    status: str | None
    type: str | None
    channel: str | None
    team: str | None = Field(description="Name of the assignment group.")
    product: str | None
    category: str | None
    priority: str | None
    region: str | None
    language: str | None
    agent_id: str | None
    problem_id: str | None
    resolved_at: dt.datetime | None


class TicketPage(Page[TicketRow]):
    """Tickets in the caller's scope, newest first."""


class FeedbackRow(BaseModel):
    """A survey answer; the comment redacted unless raw text was asked for and granted."""

    id: str
    ticket_id: str | None
    scale: str | None
    score: float | None
    scale_max: int | None
    channel: str | None
    language: str | None
    answered_at: dt.datetime | None
    agent_id: str | None
    comment: str | None
    text_status: str = Field(
        description="raw, redacted, or why no text is shown: not_analysed, hidden, empty."
    )


class FeedbackPage(Page[FeedbackRow]):
    """Survey answers in the caller's scope, newest first."""


class Contact(BaseModel):
    kind: str
    value: str


class CustomerBlock(OrderedModel):
    """A customer's attributes; name, organisation, country and contacts only for roles granted identity
    (others see a pseudonymous id and `identity: false`)."""

    tier: str | None
    segment: str | None
    region: str | None
    language: str | None
    id: str | None
    name: str | None = None
    organisation: str | None = None
    country: str | None = None
    contacts: list[Contact] | None = None
    identity: bool


class CustomerRecord(CustomerBlock):
    tickets: int = Field(description="The customer's tickets within the caller's scope.")


class TicketRecord(OpenModel):
    """Every column of the ticket, with the team's name and the text as the role may read it."""

    id: str
    created_at: dt.datetime | None
    status: str | None
    team: str | None
    customer_id: str | None = Field(description="A pseudonym for roles without identity.read.")
    organisation_id: str | None = Field(description="Null for roles without identity.read.")
    subject: str | None
    subject_status: str
    description: str | None
    description_status: str


class TranscriptMessage(BaseModel):
    id: str
    author_role: str | None
    channel: str | None
    body: str | None
    occurred_at: dt.datetime | None
    seq: int | None
    text_status: str


class TicketFeedback(BaseModel):
    id: str
    scale: str | None
    score: float | None
    scale_min: int | None
    scale_max: int | None
    comment: str | None
    answered_at: dt.datetime | None
    channel: str | None
    language: str | None
    text_status: str


class TicketEvent(BaseModel):
    seq: int | None
    event_type: str | None
    from_value: str | None
    to_value: str | None
    occurred_at: dt.datetime | None


class LinkedProblem(BaseModel):
    id: str
    title: str | None
    status: str | None
    category: str | None
    priority: str | None
    root_cause: str | None
    known_error: bool | None
    created_at: dt.datetime | None
    incidents: int = Field(description="Tickets linked to this problem.")


class TicketDetail(BaseModel):
    """One ticket with its customer, transcript, survey answers, linked problem and history."""

    ticket: TicketRecord
    customer: CustomerBlock | None
    transcript: list[TranscriptMessage]
    feedback: list[TicketFeedback]
    problem: LinkedProblem | None
    events: list[TicketEvent]


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
    kind_detected: bool = Field(False, description="True when the kind was detected from the columns.")
    kind_note: str | None = Field(None, description="How the kind was detected, in one sentence.")
    rejections: list[RejectionOut] = Field(
        default_factory=list, description="The first rejected records (all of them: `rejected_csv`)."
    )
    rejected_csv: str | None = Field(None, description="Where to download every rejected row as CSV.")
