"""The filter bar: values offered per filter and the data's date range."""

from __future__ import annotations

from typing import Any

from insightdesk.api.state import AppState
from insightdesk.api.views.access import cached, jsonable
from insightdesk.explore import filter_values, ticket_span


def filter_options(state: AppState) -> dict[str, list[str]]:
    """Values offered by the filter bar (most frequent first)."""
    return cached(state, ("filter_options",), lambda: filter_values(state.engine))


def data_range(state: AppState) -> dict[str, Any]:
    """When the first and the last ticket were created, as ISO text (None on an empty store)."""

    def run() -> dict[str, Any]:
        first, last = ticket_span(state.engine)
        return {"first_ticket": jsonable(first), "last_ticket": jsonable(last)}

    return cached(state, ("data_range",), run)
