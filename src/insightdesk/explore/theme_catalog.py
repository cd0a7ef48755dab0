"""The theme list as the dashboard pages it: search, sort and a page of active themes, with the
weekly volumes of the themes on that page.

Search and sort run in the store (a desk can hold hundreds of themes), so a page costs one query
for its rows and one for the total, whatever the registry's size.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from insightdesk.explore.text_languages import language_condition
from insightdesk.store.tables.text import text_analyses, themes

# sort key -> what it orders by; "-key" sorts descending (missing values last either way).
SORT_KEYS = ("texts", "negative_share", "sentiment", "label", "theme_id", "updated_at")
DEFAULT_SORT = "-texts"


def _stats(language: str | None = None) -> Any:
    """Per theme: analysed texts, negative ones and the mean sentiment score (of one detected
    language, or of all)."""
    ta = text_analyses
    negative = sa.func.sum(sa.case((ta.c.sentiment_label == "negative", 1), else_=0))
    return (
        sa.select(
            ta.c.theme_id,
            sa.func.count().label("texts"),
            negative.label("negative"),
            sa.func.avg(ta.c.sentiment_score).label("sentiment"),
        )
        .where(ta.c.theme_id.is_not(None), *language_condition(language))
        .group_by(ta.c.theme_id)
        .subquery("stats")
    )


def week_of(column: Any) -> Any:
    """The Monday 00:00 of a timestamp's week, as one SQL expression on DuckDB and PostgreSQL."""
    # A literal, not a bound parameter: PostgreSQL matches GROUP BY expressions by their text.
    return sa.func.date_trunc(sa.literal_column("'week'"), column)


def _search(q: str | None) -> list[Any]:
    if not q or not q.strip():
        return []
    # LIKE wildcards in the query are literal characters, not patterns. The escape is `!`: a
    # backslash is quoted differently by the PostgreSQL and DuckDB dialects.
    escaped = q.strip().lower().replace("!", "!!").replace("%", "!%").replace("_", "!_")
    pattern = f"%{escaped}%"
    columns = (themes.c.theme_id, themes.c.label, themes.c.auto_label, themes.c.keywords)
    return [sa.or_(*(sa.func.lower(c).like(pattern, escape="!") for c in columns))]


def parse_sort(sort: str | None) -> tuple[str, bool]:
    """(key, descending) of a sort parameter such as `-texts` or `label`; ValueError names the keys."""
    value = (sort or DEFAULT_SORT).strip()
    descending = value.startswith("-")
    key = value.lstrip("-")
    if key not in SORT_KEYS:
        raise ValueError(f"sort={sort!r}: use one of {', '.join(SORT_KEYS)}, with '-' for descending")
    return key, descending


def search_themes(
    engine: sa.Engine,
    *,
    q: str | None = None,
    sort: str | None = None,
    limit: int = 25,
    offset: int = 0,
    language: str | None = None,
) -> tuple[list[dict[str, Any]], int]:
    """A page of active themes matching `q` (id, label or keyword, any case) and how many match.

    Rows: theme_id, label (the analyst's, else the automatic one), keywords (JSON text), quotes
    (JSON text: the stored ones, not yet scoped to a caller), size, texts, negative_share (0-1,
    None without scored texts), sentiment (mean score, -1..1), updated_at. With `language`, the
    figures count that detected language's texts only (every active theme is still listed).
    """
    key, descending = parse_sort(sort)
    stats = _stats(language)
    texts = sa.func.coalesce(stats.c.texts, 0)
    scored = sa.case((stats.c.texts > 0, stats.c.texts), else_=None)
    negative_share = sa.cast(stats.c.negative, sa.Float) / scored
    label = sa.func.coalesce(themes.c.label, themes.c.auto_label)
    order_of = {
        "texts": texts,
        "negative_share": negative_share,
        "sentiment": stats.c.sentiment,
        "label": sa.func.lower(label),
        "theme_id": themes.c.theme_id,
        "updated_at": themes.c.updated_at,
    }
    order = order_of[key].desc() if descending else order_of[key].asc()
    where = [themes.c.status == "active", *_search(q)]
    joined = themes.outerjoin(stats, stats.c.theme_id == themes.c.theme_id)
    stmt = (
        sa.select(
            themes.c.theme_id,
            label.label("label"),
            themes.c.keywords,
            themes.c.quotes,
            themes.c.size,
            texts.label("texts"),
            negative_share.label("negative_share"),
            stats.c.sentiment,
            themes.c.updated_at,
        )
        .select_from(joined)
        .where(*where)
        .order_by(order.nulls_last(), themes.c.theme_id)
        .limit(int(limit))
        .offset(int(offset))
    )
    with engine.connect() as conn:
        found = [dict(r) for r in conn.execute(stmt).mappings()]
        total = conn.execute(sa.select(sa.func.count()).select_from(themes).where(*where)).scalar()
    return found, int(total or 0)


def weekly_volumes(
    engine: sa.Engine, theme_ids: Sequence[str], language: str | None = None
) -> list[tuple[str, Any, int]]:
    """(theme id, week start, texts) of the given themes (texts of one detected language, or all),
    oldest week first."""
    if not theme_ids:
        return []
    ta = text_analyses
    week = week_of(ta.c.occurred_at)
    stmt = (
        sa.select(ta.c.theme_id, week.label("week"), sa.func.count())
        .where(
            ta.c.theme_id.in_(list(theme_ids)), ta.c.occurred_at.is_not(None), *language_condition(language)
        )
        .group_by(ta.c.theme_id, week)
        .order_by(week, ta.c.theme_id)
    )
    with engine.connect() as conn:
        return [(r[0], r[1], int(r[2])) for r in conn.execute(stmt)]
