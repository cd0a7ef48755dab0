"""Theme reads for the dashboard: the active registry, sentiment per theme and weekly volumes.

The themes are discovered and assigned by `insightdesk.text`; these are the aggregates the
theme page shows over its tables (`themes`, `text_analyses`).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa


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
