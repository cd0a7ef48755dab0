"""Themes of a slice: "themes of negative comments last quarter", by sentiment, dates, channel, segment.

A fresh discovery on the analysed customer texts that match the filters, returned to the caller
and never written to the registry: a slice's themes are a question asked once, while the registry
keeps stable identities for trends. The slice reads the canonical tables (tickets for channel,
customers for segment) through their store definitions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from insightdesk.store.tables import text as T
from insightdesk.store.tables.people import customers
from insightdesk.store.tables.work import tickets
from insightdesk.text import themes as th
from insightdesk.text.labels import frame
from insightdesk.text.pipeline import MIN_THEME_WORDS, THEME_LANGUAGES
from insightdesk.text.sentiment import LABELS

if TYPE_CHECKING:
    from insightdesk.store import Store
    from insightdesk.text.embed import Embedder

MAX_SLICE = 200_000  # texts one exploration may cluster (the limit is checked before any work)


class SliceError(ValueError):
    """A filter that cannot be used, or an empty slice; the message says which."""


@dataclass(frozen=True)
class Slice:
    sentiment: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    channel: str | None = None
    segment: str | None = None

    def describe(self) -> str:
        parts = [
            f"sentiment {self.sentiment}" if self.sentiment else "",
            f"from {self.since:%Y-%m-%d}" if self.since else "",
            f"before {self.until:%Y-%m-%d}" if self.until else "",
            f"channel {self.channel}" if self.channel else "",
            f"segment {self.segment}" if self.segment else "",
        ]
        return ", ".join(p for p in parts if p) or "all customer texts"


@dataclass
class SliceThemes:
    slice: Slice
    n_texts: int
    themes: list[dict[str, Any]] = field(default_factory=list)  # label, size, share, keywords, quotes


def _query(slice_: Slice) -> Any:
    ta = T.text_analyses
    query = (
        sa.select(ta.c.redacted_text)
        .select_from(ta.outerjoin(tickets, tickets.c.id == ta.c.ticket_id))
        .where(
            ta.c.author_role == "customer",
            ta.c.language.in_(sorted(THEME_LANGUAGES)),
            ta.c.redacted_text.is_not(None),
        )
    )
    if slice_.sentiment is not None:
        if slice_.sentiment not in LABELS:
            raise SliceError(f"sentiment must be one of {', '.join(LABELS)}, not {slice_.sentiment!r}")
        query = query.where(ta.c.sentiment_label == slice_.sentiment)
    if slice_.since and slice_.until and slice_.since >= slice_.until:
        raise SliceError(f"--since {slice_.since:%Y-%m-%d} is not before --until {slice_.until:%Y-%m-%d}")
    if slice_.since is not None:
        query = query.where(ta.c.occurred_at >= slice_.since)
    if slice_.until is not None:
        query = query.where(ta.c.occurred_at < slice_.until)
    if slice_.channel is not None:
        query = query.where(tickets.c.channel == slice_.channel)
    if slice_.segment is not None:
        query = query.where(
            tickets.c.customer_id.in_(sa.select(customers.c.id).where(customers.c.segment == slice_.segment))
        )
    return query


def explore_themes(
    store: Store, slice_: Slice, *, embedder: Embedder | None = None, n_quotes: int = 2
) -> SliceThemes:
    """Discover themes in the slice (at most th.MAX_THEMES, labels unique); nothing is stored."""
    from insightdesk.text.embed import load_embedder

    query = _query(slice_)
    with store.engine.connect() as conn:
        n = int(conn.execute(sa.select(sa.func.count()).select_from(query.subquery())).scalar() or 0)
    if n > MAX_SLICE:
        raise SliceError(f"the slice holds {n:,} texts, more than {MAX_SLICE:,}: narrow it (dates, channel)")
    texts = frame(store, query)["redacted_text"].tolist() if n else []
    texts = [t for t in texts if len(t.split()) >= MIN_THEME_WORDS]
    if len(texts) < 2 * th.MIN_SIZE:
        raise SliceError(f"{slice_.describe()}: {len(texts)} analysed customer texts, too few for themes")
    embedder = embedder or load_embedder()
    fit = th.discover(texts, embedder.encode(texts), n_quotes=n_quotes)
    found = [
        {
            "label": t.label,
            "size": t.size,
            "share": round(t.size / len(texts), 4),
            "keywords": t.keywords,
            "quotes": t.quotes,
        }
        for t in sorted(fit.themes, key=lambda t: -t.size)
    ]
    return SliceThemes(slice_, len(texts), found)
