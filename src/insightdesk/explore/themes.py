"""Theme reads for the dashboard: the active registry, sentiment per theme and weekly volumes, and
the quotes a caller may read.

The themes are discovered and assigned by `insightdesk.text`; these are the aggregates the
theme page shows over its tables (`themes`, `text_analyses`). Sizes and volumes are desk-wide
aggregates for every role; quotes are texts, so they pass the caller's row scope (`theme_quotes`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from insightdesk.governance.records import text_scope
from insightdesk.governance.roles import Permission, Principal, Scope
from insightdesk.store.tables.text import text_analyses

# As many as discovery stores per theme (text.themes, n_quotes).
QUOTES_PER_THEME = 3


def active_themes(engine: sa.Engine, limit: int = 50) -> list[dict[str, Any]]:
    """Active themes, largest first: id, label (the analyst's, else the automatic one), keywords and
    quotes (JSON text), size, status, updated_at."""
    with engine.connect() as conn:
        found = conn.execute(
            sa.text(
                "select theme_id, coalesce(label, auto_label) as label, keywords, quotes, size, status, updated_at "
                "from themes where status = 'active' order by size desc nulls last, theme_id "
                f"limit {int(limit)}"
            )
        )
        return [dict(r) for r in found.mappings()]


def theme_sentiment(engine: sa.Engine) -> dict[str, dict[str, Any]]:
    """Per theme id: the number of analysed texts (`n`) and how many of them read negative."""
    with engine.connect() as conn:
        found = conn.execute(
            sa.text(
                "select theme_id, count(*) n, "
                "sum(case when sentiment_label = 'negative' then 1 else 0 end) negative "
                "from text_analyses where theme_id is not null group by theme_id"
            )
        )
        return {r["theme_id"]: dict(r) for r in found.mappings()}


def theme_weekly_volumes(engine: sa.Engine) -> list[tuple[str, Any, int]]:
    """(theme id, week start, texts) for every theme and week with texts, oldest week first."""
    with engine.connect() as conn:
        found = conn.execute(
            sa.text(
                "select theme_id, date_trunc('week', occurred_at) w, count(*) from text_analyses "
                "where theme_id is not null and occurred_at is not null group by 1, 2 order by 2"
            )
        )
        return [(r[0], r[1], int(r[2])) for r in found]


def theme_quotes(
    engine: sa.Engine, principal: Principal, stored: Mapping[str, Sequence[str]], n: int = QUOTES_PER_THEME
) -> dict[str, list[str]]:
    """The quotes of each theme (`stored`: theme id -> its stored quotes) that `principal` may read.

    None without redacted text; the stored ones for a role that reaches every record. A scoped role
    (team, own) sees only texts within its row scope: the stored quotes that a text in its scope reads
    exactly like (so nothing new is shown), then its in-scope texts nearest the theme's centroid.
    """
    if not principal.can(Permission.TEXT_REDACTED):
        return {theme: [] for theme in stored}
    if principal.scope is Scope.ALL:
        return {theme: list(quotes) for theme, quotes in stored.items()}
    if not stored:
        return {}
    ta = text_analyses
    allowed = text_scope(principal)
    wanted = sorted({q for quotes in stored.values() for q in quotes})
    texts = sa.select(
        ta.c.theme_id, ta.c.redacted_text, sa.func.max(ta.c.theme_similarity).label("sim")
    ).where(
        allowed, ta.c.theme_id.in_(list(stored)), ta.c.redacted_text.is_not(None), ta.c.redacted_text != ""
    )
    distinct = texts.group_by(ta.c.theme_id, ta.c.redacted_text).subquery()
    order = (distinct.c.sim.desc().nulls_last(), distinct.c.redacted_text)
    ranked = sa.select(
        distinct.c.theme_id,
        distinct.c.redacted_text,
        sa.func.row_number().over(partition_by=distinct.c.theme_id, order_by=order).label("r"),
    ).subquery()
    with engine.connect() as conn:
        seen = set()
        if wanted:
            seen = set(
                conn.execute(
                    sa.select(ta.c.redacted_text).where(allowed, ta.c.redacted_text.in_(wanted)).distinct()
                ).scalars()
            )
        nearest = conn.execute(
            sa.select(ranked.c.theme_id, ranked.c.redacted_text)
            .where(ranked.c.r <= n)
            .order_by(ranked.c.theme_id, ranked.c.r)
        ).all()
    out: dict[str, list[str]] = {
        theme: [q for q in quotes if q in seen][:n] for theme, quotes in stored.items()
    }
    for theme, text in nearest:
        if len(out[theme]) < n and text not in out[theme]:
            out[theme].append(text)
    return out
