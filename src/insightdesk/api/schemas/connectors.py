"""Shapes of the connectors' routes: webhook receipts and per-source sync status."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class WebhookReceipt(BaseModel):
    """A webhook accepted as a signal: the next pull fetches what changed."""

    source: str
    event_id: str
    duplicate: bool = Field(description="The event id was already received: acknowledged, nothing recorded.")


class SourceSyncStatus(BaseModel):
    """One source: its latest run, last success, rows and errors, and sync lag."""

    source: str
    vendor: str
    owner: str
    department: str | None
    last_run_at: datetime | None
    last_status: str | None = Field(description="running, succeeded or failed.")
    last_success_at: datetime | None
    last_error: str | None
    last_received: int
    last_accepted: int
    last_rejected: int
    failed_runs_24h: int
    newest_source_update: datetime | None
    lag_minutes: float | None = Field(
        description="Now minus the newest source update the store holds, in minutes (null: never synced)."
    )
    lag_alert_minutes: int
    lagging: bool = Field(description="Lag above the threshold, or never synced: an alert.")


class SourceSyncStatusList(BaseModel):
    sources: list[SourceSyncStatus]
    lagging: list[str] = Field(description="Sources whose lag is over their threshold.")
