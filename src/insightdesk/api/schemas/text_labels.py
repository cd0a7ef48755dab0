"""People correct the machine: label requests and answers, classifier versions, the review queue."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from insightdesk.api.schemas.base import Number

# No control characters (PostgreSQL refuses NUL in text; none belongs in an id, a label or a note).
PRINTABLE = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"


class TextLabelCreate(BaseModel):
    entity: Literal["feedback", "tickets", "interactions"] = Field(description="Table of the text.")
    record_id: str = Field(min_length=1, max_length=200, pattern=PRINTABLE, description="Record of the text.")
    field: Literal["comment", "subject", "description", "body"] = Field(description="Field of the text.")
    kind: Literal["theme", "sentiment", "intent", "risk"] = Field(description="What is corrected.")
    value: str = Field(
        min_length=1,
        max_length=64,
        pattern=PRINTABLE,
        description="The right label: a theme id, negative|neutral|positive, an intent name, or high|low.",
    )
    note: str | None = Field(
        None, max_length=2000, pattern=PRINTABLE, description="Why (kept with the label)."
    )


class TextLabelPublic(BaseModel):
    label_id: str
    entity: str
    record_id: str
    field: str
    kind: str
    machine_value: str | None = Field(description="What the machine had said (null: nothing).")
    value: str
    note: str | None
    labelled_by: str
    labelled_at: str


class TextLabelList(BaseModel):
    total_shown: int
    labels: list[TextLabelPublic]


class ClassifierVersion(BaseModel):
    classifier_id: str
    taxonomy: str
    status: str = Field(description="active, rejected (lost to the active one) or retired.")
    classes: list[str]
    n_train: int
    n_holdout: int
    holdout_f1: Number | None = Field(description="Macro-F1 on the held-out labels.")
    active_id: str | None = Field(description="The model active when this one was trained.")
    active_f1: Number | None = Field(description="That model's macro-F1 on the same held-out labels.")
    decision: str
    trained_by: str
    trained_at: str
    activated_at: str | None


class ClassifierList(BaseModel):
    models: list[ClassifierVersion]


class TrainResult(BaseModel):
    classifier_id: str
    activated: bool
    decision: str
    n_train: int
    n_holdout: int
    holdout_f1: Number | None
    active_id: str | None
    active_f1: Number | None
    predicted: int = Field(description="Texts classified by the model active now.")


class ReviewItem(BaseModel):
    entity: str
    record_id: str
    field: str
    label: str = Field(description="The predicted intent.")
    confidence: Number
    redacted_text: str | None


class ReviewQueue(BaseModel):
    below: float
    items: list[ReviewItem]
