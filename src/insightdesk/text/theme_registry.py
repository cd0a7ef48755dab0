"""The theme registry's shared steps: ids, lookups, the event history and centroid storage.

Discovery (theme_store), manual edits (theme_edits) and reports (theme_reports) all read and
write the `themes` and `theme_events` tables through these.
"""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from insightdesk.store.tables import text as T
from insightdesk.text.pipeline_store import now_utc as _now

if TYPE_CHECKING:
    import numpy as np


class ThemeError(ValueError):
    """A theme operation was refused; the message says which theme and why."""


def record_event(
    conn: sa.Connection,
    theme_id: str,
    event: str,
    *,
    related: str | None = None,
    fit_id: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Append one entry to a theme's history (created, continued, merged, split, renamed...)."""
    conn.execute(
        T.theme_events.insert().values(
            event_id=uuid.uuid4().hex,
            theme_id=theme_id,
            event=event,
            related_theme_id=related,
            fit_id=fit_id,
            detail=json.dumps(detail or {}, sort_keys=True),
            occurred_at=_now(),
        )
    )


def next_ids(conn: sa.Connection, n: int) -> list[str]:
    """`n` new theme ids after the highest registered one (T0001, T0002...)."""
    existing = [r[0] for r in conn.execute(sa.select(T.themes.c.theme_id))]
    top = max((int(i[1:]) for i in existing if i[1:].isdigit()), default=0)
    return [f"T{top + k + 1:04d}" for k in range(n)]


def vec_json(v: np.ndarray) -> str:
    """A centroid as stored: a JSON list rounded to 5 decimals."""
    return json.dumps([round(float(x), 5) for x in v])


def get_theme(conn: sa.Connection, theme_id: str) -> sa.Row:
    """The registry row of a theme, or ThemeError naming the id."""
    row = conn.execute(sa.select(T.themes).where(T.themes.c.theme_id == theme_id)).first()
    if row is None:
        raise ThemeError(f"no theme {theme_id!r}: see `insightdesk themes list`")
    return row
