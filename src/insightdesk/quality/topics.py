"""What a ticket is about, for skill gaps by topic: its category, or its text theme.

A ticket's theme is read from the table the text feature writes (`text_analyses`, `themes`): the most
frequent theme among the customer's texts on the ticket (survey answers left out, since they speak of
the service, not the problem), ties broken by theme id. This is the rule the insight features use
(`insights.common.features`), so a theme means the same on every page. Tickets without an analysed,
themed text have no theme and are left out of the theme view (they remain in the category view).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
import sqlalchemy as sa

from insightdesk.quality.records import read_frame
from insightdesk.store.tables.text import text_analyses, themes

if TYPE_CHECKING:
    from insightdesk.store import Store

TOPICS = ("category", "theme")


def check_topic(topic: str) -> str:
    if topic not in TOPICS:
        raise ValueError(f"topic {topic!r} must be one of {', '.join(TOPICS)}")
    return topic


def ticket_themes(store: Store) -> pd.DataFrame:
    """ticket_id, topic (theme id), topic_label (the theme's label): one row per themed ticket."""
    a = text_analyses
    counts = read_frame(
        store,
        sa.select(a.c.ticket_id, a.c.theme_id, sa.func.count().label("texts"))
        .where(
            a.c.ticket_id.is_not(None),
            a.c.theme_id.is_not(None),
            a.c.entity != "feedback",
            a.c.author_role == "customer",
        )
        .group_by(a.c.ticket_id, a.c.theme_id),
    )
    if counts.empty:
        return pd.DataFrame(columns=["ticket_id", "topic", "topic_label"])
    top = (
        counts.sort_values(["ticket_id", "texts", "theme_id"], ascending=[True, False, True])
        .drop_duplicates("ticket_id")
        .rename(columns={"theme_id": "topic"})
    )
    labels = read_frame(store, sa.select(themes.c.theme_id, themes.c.label))
    names = dict(zip(labels["theme_id"], labels["label"], strict=True))
    top["topic_label"] = [names.get(t) or t for t in top["topic"]]
    return top[["ticket_id", "topic", "topic_label"]].reset_index(drop=True)
