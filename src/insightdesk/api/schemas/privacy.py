"""Shapes of the privacy routes: requests, their outcome, consent."""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, Field, model_validator


def _printable(value: str) -> str:
    # PostgreSQL text refuses NUL, and no id, address or reason needs a control character.
    if any(unicodedata.category(c) == "Cc" for c in value):
        raise ValueError("must not contain control characters")
    return value


Text = Annotated[str, AfterValidator(_printable)]


class PrivacyRequestIn(BaseModel):
    """A subject access (export) or erasure request naming the person by customer id or email."""

    kind: Literal["export", "erasure"]
    customer_id: Text | None = Field(None, min_length=1, max_length=500)
    email: Text | None = Field(None, min_length=3, max_length=320)

    @model_validator(mode="after")
    def _one_subject(self) -> PrivacyRequestIn:
        if (self.customer_id is None) == (self.email is None):
            raise ValueError("name the person by exactly one of customer_id or email")
        return self


class RefusalIn(BaseModel):
    reason: Text = Field(..., min_length=1, max_length=2000, description="Why, in words (no personal data).")


class PrivacyRequestOut(BaseModel):
    request_id: str
    kind: str
    state: str
    subject: str | None = Field(description="Customer id or email; empty once an erasure is done.")
    subject_kind: str
    requested_by: str
    received_at: dt.datetime
    due_at: dt.datetime
    verified_by: str | None
    approved_by: str | None
    closed_at: dt.datetime | None
    reason: str | None
    overdue: bool


class PrivacyRequestList(BaseModel):
    items: list[PrivacyRequestOut]


class PrivacyOutcome(BaseModel):
    request: PrivacyRequestOut
    counts: dict[str, int] = Field(description="Rows exported or changed per table.")
    compaction_pending: bool = Field(
        description="A DuckDB store keeps erased rows in its file's free blocks until the file is "
        "rewritten: the server does it as it stops (or at its next start after a kill)."
    )
    export: dict[str, Any] | None = Field(
        None, description="For an export: the manifest and every table's rows (the ZIP's content)."
    )


class ConsentIn(BaseModel):
    customer_id: Text = Field(..., min_length=1, max_length=500)
    purpose: Literal["survey", "contact", "text_analytics", "model_training"]
    granted: bool
    provenance: Text | None = Field(None, max_length=500, description="Evidence without personal data.")


class ConsentState(BaseModel):
    customer_id: str
    purposes: dict[str, bool]
    events: int
