"""Options of the closed loop: calendar, approval and bulk limits, regulatory regimes, message policy,
delivery backoff."""

from __future__ import annotations

from dataclasses import dataclass, field

from insightdesk.actions.business_hours import BusinessCalendar
from insightdesk.actions.regimes import BUILTIN_REGIMES, RegulatoryRegime

DRY_RUN_DAYS = 30
"""Days of history a dry-run replays by default."""


@dataclass(frozen=True)
class MessagePolicy:
    """Phrases every message template must contain, and phrases none may contain (case-insensitive)."""

    required: tuple[str, ...] = ()
    forbidden: tuple[str, ...] = ("guarantee", "compensation", "legal action", "we admit")


@dataclass(frozen=True)
class DeliveryPolicy:
    """How the outbox retries: exponential backoff with full jitter, capped; a lease per attempt."""

    max_attempts: int = 8
    base_seconds: float = 2.0
    cap_seconds: float = 900.0
    lease_seconds: float = 60.0
    timeout_seconds: float = 10.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1 or self.base_seconds <= 0 or self.cap_seconds < self.base_seconds:
            raise ValueError("delivery policy: max_attempts >= 1 and 0 < base_seconds <= cap_seconds")
        if self.lease_seconds <= self.timeout_seconds:
            raise ValueError("delivery policy: the lease must outlast one attempt's timeout")


@dataclass(frozen=True)
class ActionsConfig:
    """Everything the rules engine needs besides the rules themselves."""

    calendar: BusinessCalendar = field(default_factory=BusinessCalendar)
    bulk_contact_limit: int = 50
    """A rule whose dry-run contacts more customers than this over its window needs approval."""
    bulk_run_limit: int = 50
    """A live run of one rule that would contact more customers than this is held for a second person."""
    regimes: dict[str, RegulatoryRegime] = field(default_factory=lambda: dict(BUILTIN_REGIMES))
    """Regulatory regimes by name: the clocks of regulatory-complaint cases."""
    messages: MessagePolicy = field(default_factory=MessagePolicy)
    delivery: DeliveryPolicy = field(default_factory=DeliveryPolicy)
    examples: int = 5
    """Examples a dry-run shows."""
