"""Knowledge-gap flags: a draft article outline from a theme's questions and the tickets that needed an agent.

The outline is a starting point for the knowledge team, never published by itself: the theme's
distinctive terms and representative (redacted) quotes say what customers ask; the tickets of the
theme resolved without a knowledge article say how often an agent had to answer it by hand.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from insightdesk.insights.common.runs import from_json
from insightdesk.store.tables.canonical import tickets
from insightdesk.store.tables.text import text_analyses, themes

EXAMPLES = 10


def knowledge_outline(conn: sa.Connection, theme_id: str | None) -> dict[str, Any] | None:
    """A draft outline for the theme's article, with the evidence behind it; None without a theme."""
    if not theme_id:
        return None
    theme = conn.execute(
        sa.select(themes.c.label, themes.c.keywords, themes.c.quotes).where(themes.c.theme_id == theme_id)
    ).first()
    themed = (
        sa.select(text_analyses.c.ticket_id)
        .where(text_analyses.c.theme_id == theme_id, text_analyses.c.ticket_id.is_not(None))
        .distinct()
        .subquery()
    )
    rows = conn.execute(
        sa.select(tickets.c.id, tickets.c.knowledge_used)
        .join(themed, themed.c.ticket_id == tickets.c.id)
        .order_by(tickets.c.created_at.desc(), tickets.c.id)
    ).all()
    by_hand = [r.id for r in rows if not r.knowledge_used]
    label = (theme.label if theme is not None else None) or theme_id
    keywords = (from_json(theme.keywords) if theme is not None else None) or []
    quotes = (from_json(theme.quotes) if theme is not None else None) or []
    return {
        "title": f"How to: {label}",
        "sections": [
            {"heading": "What customers ask", "points": [f'"{q}"' for q in quotes[:5]]},
            {"heading": "Terms they use", "points": [str(k) for k in keywords[:10]]},
            {
                "heading": "Steps that resolved it",
                "points": ["(from the agents' resolutions of the tickets below)"],
            },
            {"heading": "When to contact support", "points": []},
        ],
        "evidence": {
            "tickets": len(rows),
            "answered_without_an_article": len(by_hand),
            "share_without_an_article": len(by_hand) / len(rows) if rows else None,
            "example_tickets": by_hand[:EXAMPLES],
        },
    }
