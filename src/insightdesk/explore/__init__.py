"""Exploration reads: what the dashboard's filter bar, theme views and insight pages ask the store.

The KPI numbers come from `insightdesk.metrics` and the insight results from `insightdesk.insights`;
this package answers the remaining direct questions (filter values, the data's date span, theme
volumes, theme quotes and scored tickets in a caller's scope, insight runs, change stamps) so that the interfaces
above it hold no SQL. Every function takes an engine and returns plain Python rows.
"""

from __future__ import annotations

from insightdesk.explore.filters import FILTER_VALUE_LIMIT, filter_values, ticket_span
from insightdesk.explore.insight_reads import run_params, scored_tickets
from insightdesk.explore.themes import active_themes, theme_quotes, theme_sentiment, theme_weekly_volumes
from insightdesk.explore.versions import data_stamp, insight_stamp, qa_stamp

__all__ = [
    "FILTER_VALUE_LIMIT",
    "active_themes",
    "data_stamp",
    "filter_values",
    "insight_stamp",
    "qa_stamp",
    "run_params",
    "scored_tickets",
    "theme_quotes",
    "theme_sentiment",
    "theme_weekly_volumes",
    "ticket_span",
]
