"""The dashboard's filter bar as one value: dates and segment filters, shared by pages and API."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

FILTER_DIMENSIONS = {  # filter bar name -> metrics dimension
    "channel": "channel",
    "team": "team",
    "product": "product",
    "tier": "customer_tier",
    "region": "region",
    "language": "language",
}


@dataclass(frozen=True)
class Filters:
    since: dt.date | None = None
    until: dt.date | None = None
    channel: str | None = None
    team: str | None = None
    product: str | None = None
    tier: str | None = None
    region: str | None = None
    language: str | None = None

    def where(self) -> dict[str, Any] | None:
        """The segment filters as the metrics engine's `where` (dimension -> value); None when none."""
        out = {FILTER_DIMENSIONS[k]: v for k, v in asdict(self).items() if k in FILTER_DIMENSIONS and v}
        return out or None

    def key(self) -> tuple[Any, ...]:
        return tuple(asdict(self).items())

    def query(self) -> dict[str, str]:
        """As URL query parameters (for links that keep the filters)."""
        return {
            k: (v.isoformat() if isinstance(v, dt.date) else str(v)) for k, v in asdict(self).items() if v
        }
