"""InsightDesk: service-desk tickets, surveys and conversations turned into customer insight."""

from __future__ import annotations

__version__ = "0.1.0"

from insightdesk.store import Store, open_store

__all__ = ["Store", "__version__", "open_store"]
