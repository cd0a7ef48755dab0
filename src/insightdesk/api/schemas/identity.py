"""Identity resolution: status, the review queue with records side by side, decisions, unmerge."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field


class IdentityRecord(BaseModel):
    """One customer record as a reviewer compares it (personal data: the read is audited)."""

    record_id: str
    source_system: str | None
    name: str | None
    email: str | None
    phone: str | None
    country: str | None
    organisation_id: str | None
    person_id: str | None = Field(description="The person the record belongs to now.")


class ReviewItem(BaseModel):
    pair_id: str
    reason: str = Field(description="`uncertain` (in the review band) or `key_conflict`.")
    detail: str | None
    status: str = Field(description="pending, accepted or rejected.")
    match_probability: float | None = Field(description="Model's match probability (null: not scored).")
    decided_by: str | None
    left: IdentityRecord
    right: IdentityRecord


class ReviewQueue(BaseModel):
    total: int = Field(description="Pairs with this status.")
    limit: int
    offset: int
    items: list[ReviewItem]


class ReviewDecision(BaseModel):
    decision: Literal["accept", "reject"] = Field(description="accept: one person; reject: different people.")


class DecisionResult(BaseModel):
    pair_id: str
    decision: str
    records: list[str]
    merged_into: str | None = None
    merged_from: str | None = None
    split_out: str | None = None


class UnmergeRequest(BaseModel):
    record_ids: list[str] | None = Field(
        None, max_length=1000, description="Records to split off together; omitted: every record apart."
    )


class UnmergeResult(BaseModel):
    person_id: str
    new_persons: list[str]
    parts: int


class IdentityStatus(BaseModel):
    records: int
    persons: int
    multi_record_persons: int
    methods: dict[str, int] = Field(description="Records per link method.")
    review: dict[str, int] = Field(description="Review pairs per status.")
    constraints: int
    threads: int
    threaded_tickets: int
    last_run: dict[str, Any] | None
