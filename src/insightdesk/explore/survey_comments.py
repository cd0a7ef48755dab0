"""Whether the store's survey answers carry comments at all, so that pages say "scores only" plainly
instead of showing comment columns and panels that are always empty.

The bundled sample is one such store on purpose: no permissively licensed source holds survey
comments for its banking and social-care tickets (docs/sample-data.md), so its answers carry none.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from insightdesk.store.tables.canonical import feedback

# The source system the quickstart ingests the bundled sample under (quickstart.build_sample_store).
SAMPLE_SOURCE = "sample"


def comment_coverage(engine: sa.Engine) -> dict[str, Any]:
    """Desk-wide: whether any survey answer has a comment, and whether every answer comes from the
    bundled sample (so a page can say why there are none)."""
    has_comment = sa.and_(feedback.c.comment.is_not(None), feedback.c.comment != "")
    with engine.connect() as conn:
        with_comment = conn.execute(sa.select(sa.exists().where(has_comment))).scalar()
        systems = conn.execute(sa.select(feedback.c.source_system).distinct().limit(2)).scalars().all()
    return {"with_comment": bool(with_comment), "sample": list(systems) == [SAMPLE_SOURCE]}
