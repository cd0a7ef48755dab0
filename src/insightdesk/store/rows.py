"""Helpers for a feature's own rows: time-sortable ids, JSON columns, frames from selects, the clock.

Shared by the feature packages (quality, workforce, ...) that sit side by side and may not import
each other: their common row helpers live here, below them.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import uuid
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    import sqlalchemy as sa

    from insightdesk.store import Store


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def new_id(prefix: str) -> str:
    """A unique id that sorts by creation time."""
    return f"{prefix}-{utcnow():%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:6]}"


def plain(value: Any) -> Any:
    """JSON-ready: numpy scalars to Python, NaN to null, timestamps to ISO strings."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [plain(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is pd.NaT:
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def to_json(value: Any) -> str:
    return json.dumps(plain(value), sort_keys=True, allow_nan=False)


def from_json(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def read_frame(store: Store, query: sa.Executable) -> pd.DataFrame:
    with store.engine.connect() as conn:
        result = conn.execute(query)
        return pd.DataFrame(result.fetchall(), columns=list(result.keys()))
