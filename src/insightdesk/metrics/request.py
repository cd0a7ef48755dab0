"""A KPI request as the caller gives it: the store to read, its dates, its filters, and the checks
that refuse a cut or grain a KPI cannot take."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, cast

import pandas as pd

from insightdesk.metrics.dimensions import check_dimensions
from insightdesk.metrics.grains import GRAINS
from insightdesk.metrics.spec import KPI

if TYPE_CHECKING:
    from insightdesk.store import Store

Where = Mapping[str, Any] | Callable[[Any], Any] | Any | None


class MetricsError(ValueError):
    """A KPI request that cannot be answered as asked; the message says what to change."""


@contextmanager
def backend_for(store: Store | str | Any | None) -> Iterator[Any]:
    """An Ibis backend for a Store, a store target (path or URL), an Ibis backend, or the default store."""
    from insightdesk.store import Store, open_store

    if store is None or isinstance(store, str | bytes) or hasattr(store, "__fspath__"):
        opened = open_store(cast("str | os.PathLike[str] | None", store), migrate=False, read_only=False)
        try:
            yield opened.ibis()
        finally:
            opened.close()
    elif isinstance(store, Store):
        yield store.ibis()
    else:
        yield store  # already an Ibis backend (Spark, a custom DuckDB connection...)


def to_timestamp(value: Any, name: str) -> dt.datetime | None:
    """`since` / `until` as a naive-UTC datetime (dates are midnight); MetricsError when unreadable."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return (
            value.replace(tzinfo=None)
            if value.tzinfo is None
            else value.astimezone(dt.UTC).replace(tzinfo=None)
        )
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time())
    try:
        return pd.Timestamp(value).to_pydatetime().replace(tzinfo=None)
    except (ValueError, TypeError) as exc:
        raise MetricsError(f"{name}={value!r} is not a date or timestamp (use YYYY-MM-DD)") from exc


def check_request(spec: KPI, by: list[str], grain: str | None) -> None:
    """Refuse a cut or grain the KPI cannot take, with what to change."""
    check_dimensions(by)
    if grain is not None and grain not in GRAINS:
        raise MetricsError(f"grain {grain!r} is not one of {', '.join(GRAINS)}")
    if grain is not None and spec.snapshot:
        raise MetricsError(
            f"{spec.name} is a snapshot at one instant; drop the grain and set `until` instead"
        )
    if spec.kind == "share" and "category" in by:
        raise MetricsError(
            f"{spec.name} is a share whose rows are its categories; it cannot be cut by category"
        )
