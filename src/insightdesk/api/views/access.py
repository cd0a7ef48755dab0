"""How views reach the features: results cached per data version, the metrics engine one thread at a
time, and frames turned into JSON-safe rows."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from insightdesk.api.state import AppState

T = TypeVar("T")


def cached(state: AppState, key: tuple[Any, ...], fn: Callable[[], T]) -> T:
    """`fn()`'s result, kept until the data changes (the data version is part of the key)."""
    version = state.data_version()
    result: T = state.cache.get_or_compute((*key, version), fn)
    return result


def with_metrics(state: AppState, fn: Callable[[], T]) -> T:
    """Run `fn` holding the metrics lock: the Ibis backend is one connection, one thread at a time."""
    with state.metrics_lock:
        return fn()


def jsonable(value: Any) -> Any:
    """A frame's cell as JSON: numpy to Python, NaN and infinities to None, timestamps to ISO text."""
    if value is None:
        return None
    if isinstance(value, float | np.floating):
        return None if math.isnan(value) or math.isinf(value) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_ | bool):
        return bool(value)
    if isinstance(value, pd.Timestamp | dt.datetime | dt.date):
        return value.isoformat()
    if value is pd.NaT:
        return None
    return value


def rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """A frame as a list of JSON-safe records."""
    return [{k: jsonable(v) for k, v in rec.items()} for rec in frame.to_dict(orient="records")]
