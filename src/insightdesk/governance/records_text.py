"""Free text of a record as a principal may see it: raw (audited by the caller), redacted or hidden."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from insightdesk.governance.roles import Permission, Principal

# Text analytics tables (migration 0002) named without importing their module: the pages use
# them when they hold rows and say so plainly when they do not.
text_analyses = sa.table(
    "text_analyses",
    sa.column("entity"),
    sa.column("record_id"),
    sa.column("field"),
    sa.column("redacted_text"),
    sa.column("sentiment_label"),
    sa.column("theme_id"),
)

TEXT_NOT_ANALYSED = "not_analysed"


def _has_rows(conn: sa.Connection, name: str) -> bool:
    if not sa.inspect(conn).has_table(name):
        return False
    return conn.execute(sa.text(f'select 1 from "{name}" limit 1')).first() is not None


def redacted_texts(conn: sa.Connection, entity: str, field: str, ids: Sequence[str]) -> dict[str, str] | None:
    """Redacted text per record id from text analytics; None when nothing has been analysed yet."""
    if not ids or not _has_rows(conn, "text_analyses"):
        return None
    rows = conn.execute(
        sa.select(text_analyses.c.record_id, text_analyses.c.redacted_text).where(
            text_analyses.c.entity == entity,
            text_analyses.c.field == field,
            text_analyses.c.record_id.in_(list(ids)),
        )
    ).all()
    return {r.record_id: r.redacted_text for r in rows}


def text_view(
    principal: Principal, raw_wanted: bool, raw: str | None, redacted: dict[str, str] | None, rid: str
) -> tuple[str | None, str]:
    """(text, status): raw (audited by the caller), redacted, not_analysed, hidden or empty."""
    if raw is None or raw == "":
        return None, "empty"
    if raw_wanted and principal.can(Permission.TEXT_RAW):
        return raw, "raw"
    if not principal.can(Permission.TEXT_REDACTED):
        return None, "hidden"
    if redacted is None:
        return None, TEXT_NOT_ANALYSED
    text = redacted.get(rid)
    return (text, "redacted") if text is not None else (None, TEXT_NOT_ANALYSED)
