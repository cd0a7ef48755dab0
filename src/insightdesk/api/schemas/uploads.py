"""Shapes of an upload's rejected rows and of its progress (the upload page reads both)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class RejectionOut(BaseModel):
    """One rejected record of a batch: where it is in the file and why it was refused."""

    line: int | None = Field(
        description="Line in the file (1 = the CSV header; the record number for JSON Lines and Parquet)."
    )
    record_key: str | None = Field(description="The record's own id, when it had one.")
    field: str | None = Field(description="The first field that failed.")
    value: str | None = Field(description="The value as read.")
    reason: str = Field(description="Why it was rejected, in one sentence.")


class UploadProgressOut(BaseModel):
    """What the server is doing with an upload: its phase and the share of its work done."""

    upload_id: str
    phase: str = Field(description="receiving, queued, read + validate, validate, merge, done or failed.")
    fraction: float = Field(ge=0, le=1, description="Share of the server's work done (0 while receiving).")
    message: str = Field(description="The error of a failed upload, or the batch of a finished one.")
    batch_id: str | None
