"""What an ingest gives back: counts that reconcile, or an error saying that nothing was written."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime


class IngestError(RuntimeError):
    """The batch could not be ingested; nothing was written. The message says why and what to do."""


@dataclass
class EntityCounts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    stubs: int = 0

    @property
    def total(self) -> int:
        return self.inserted + self.updated + self.unchanged


@dataclass
class IngestResult:
    batch_id: str
    kind: str
    source_file: str
    received: int
    accepted: int
    rejected: int
    counts: EntityCounts
    derived: dict[str, EntityCounts] = field(default_factory=dict)
    stubs: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def inserted(self) -> int:
        return self.counts.inserted

    @property
    def updated(self) -> int:
        return self.counts.updated

    @property
    def unchanged(self) -> int:
        return self.counts.unchanged

    folded: bool = False  # an event log: many accepted records fold into one entity

    @property
    def reconciles(self) -> bool:
        """received = accepted + rejected, and (unless folded) accepted = inserted + updated + unchanged."""
        balanced = self.received == self.accepted + self.rejected
        return balanced and (self.folded or self.accepted == self.counts.total)


def new_batch_id(now: datetime) -> str:
    return f"b{now:%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:6]}"
