"""The workforce tables' row helpers: those of store.rows, plus nullable numbers and naive timestamps."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pandas as pd

from insightdesk.store.rows import from_json, new_id, plain, read_frame, to_json, utcnow

__all__ = ["finite", "from_json", "naive", "new_id", "plain", "read_frame", "to_json", "utcnow"]


def finite(value: Any) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def naive(stamp: Any) -> dt.datetime:
    """A timestamp as the store keeps it: a Python datetime in UTC, without a zone."""
    value = pd.Timestamp(stamp)
    if value.tzinfo is not None:
        value = value.tz_convert("UTC").tz_localize(None)
    return value.to_pydatetime()
