"""Reports over the theme registry: themes with volume and sentiment, one theme's history,
trends per period, and how themes spread over ticket categories."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from insightdesk.store.tables import text as T
from insightdesk.text.theme_registry import ThemeError, get_theme

if TYPE_CHECKING:
    import pandas as pd

    from insightdesk.store import Store


def list_themes(store: Store, *, include_inactive: bool = False) -> pd.DataFrame:
    """Themes with their live volume and sentiment."""
    where = "" if include_inactive else "where t.status = 'active'"
    return store.query_df(
        "select t.theme_id, t.label, t.status, t.merged_into, t.parent_id, count(a.theme_id) as texts, "
        "avg(a.sentiment_score) as avg_sentiment, "
        "avg(case when a.sentiment_label = 'negative' then 1.0 when a.sentiment_label is null then null "
        "else 0.0 end) as negative_share "
        "from themes t left join text_analyses a on a.theme_id = t.theme_id "
        f"{where} group by t.theme_id, t.label, t.status, t.merged_into, t.parent_id "
        "order by texts desc, t.theme_id"
    )


def theme_details(store: Store, theme_id: str) -> dict[str, Any]:
    """One theme: registry row, quotes, keywords and its history."""
    with store.engine.connect() as conn:
        row = get_theme(conn, theme_id)
        events = (
            conn.execute(
                sa.select(T.theme_events)
                .where(T.theme_events.c.theme_id == theme_id)
                .order_by(T.theme_events.c.occurred_at)
            )
            .mappings()
            .all()
        )
    details = {k: v for k, v in row._mapping.items() if k != "centroid"}
    details["keywords"] = json.loads(row.keywords or "[]")
    details["quotes"] = json.loads(row.quotes or "[]")
    details["events"] = [dict(e) for e in events]
    return details


def theme_trends(store: Store, *, period: str = "month", theme_id: str | None = None) -> pd.DataFrame:
    """Volume, mean sentiment and negative share per theme and period (day, week, month)."""
    if period not in ("day", "week", "month"):
        raise ThemeError(f"period must be day, week or month, not {period!r}")
    where = "where a.theme_id is not null and a.occurred_at is not null"
    params: dict[str, Any] = {}
    if theme_id:
        where += " and a.theme_id = :t"
        params["t"] = theme_id
    return store.query_df(
        f"select a.theme_id, date_trunc('{period}', a.occurred_at) as period, count(*) as texts, "
        "avg(a.sentiment_score) as avg_sentiment, "
        "avg(case when a.sentiment_label = 'negative' then 1.0 when a.sentiment_label is null then null "
        "else 0.0 end) as negative_share "
        f"from text_analyses a {where} group by a.theme_id, period order by a.theme_id, period",
        params,
    )


def theme_categories(store: Store) -> pd.DataFrame:
    """Texts per theme and ticket category, with how widely each theme spreads over categories.

    A theme whose texts sit in many categories is a pain point the category scheme splits up;
    `category_share` is the share of the theme's ticket-linked texts in that category.
    """
    df = store.query_df(
        "select a.theme_id, coalesce(t.category, '(none)') as category, count(*) as texts "
        "from text_analyses a join tickets t on t.id = a.ticket_id "
        "where a.theme_id is not null group by a.theme_id, coalesce(t.category, '(none)') "
        "order by a.theme_id, texts desc"
    )
    if df.empty:
        df["category_share"] = []
        df["categories_spanned"] = []
        return df
    total = df.groupby("theme_id")["texts"].transform("sum")
    df["category_share"] = df["texts"] / total
    # Categories holding at least a tenth of the theme's texts.
    df["categories_spanned"] = df.groupby("theme_id")["category_share"].transform(
        lambda s: int((s >= 0.1).sum())
    )
    return df
