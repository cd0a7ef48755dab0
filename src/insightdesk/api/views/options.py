"""The filter bar: values offered per filter and the data's date range."""

from __future__ import annotations

from typing import Any

import pandas as pd

from insightdesk.api.state import AppState
from insightdesk.api.views.access import cached, jsonable
from insightdesk.api.views.filters import Filters
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


def data_window(state: AppState, f: Filters) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    """What the data covers under the filters: from the first ticket (or `since`) to the newest
    ticket (or `until`, exclusive). A period reaching past either end is partial."""
    span = data_range(state)
    first = pd.Timestamp(span["first_ticket"]) if span["first_ticket"] else None
    last = pd.Timestamp(span["last_ticket"]) if span["last_ticket"] else None
    if f.since is not None:
        since = pd.Timestamp(f.since)
        first = since if first is None else max(first, since)
    if f.until is not None:
        until = pd.Timestamp(f.until)
        last = until if last is None else min(last, until)
    return first, last
