"""What the insight features share: per-ticket features and the bookkeeping of analysis runs."""

from __future__ import annotations

from insightdesk.insights.common.runs import plain, to_json

__all__ = ["plain", "to_json"]
