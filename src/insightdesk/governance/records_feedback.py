"""Survey answers as a principal may see them: in scope, comments redacted unless raw is granted."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from insightdesk.governance.records_audit import AuditContext, audit_access
from insightdesk.governance.records_scope import Where, feedback_filters, feedback_scope
from insightdesk.governance.records_text import redacted_texts, text_view
from insightdesk.governance.roles import Principal
from insightdesk.store.tables.canonical import feedback


def list_feedback(
    engine: sa.Engine,
    principal: Principal,
    where: Where,
    *,
    limit: int = 50,
    offset: int = 0,
    raw: bool = False,
    with_comment: bool = False,
    ctx: AuditContext | None = None,
) -> tuple[list[dict[str, Any]], int]:
    """Survey answers in scope, newest first, with comments redacted (or raw, audited)."""
    cond = [feedback_scope(principal), feedback.c.answered_at.is_not(None), *feedback_filters(where)]
    if with_comment:
        cond.append(sa.and_(feedback.c.comment.is_not(None), feedback.c.comment != ""))
    stmt = (
        sa.select(
            feedback.c.id,
            feedback.c.ticket_id,
            feedback.c.scale,
            feedback.c.score,
            feedback.c.scale_max,
            feedback.c.channel,
            feedback.c.language,
            feedback.c.answered_at,
            feedback.c.agent_id,
            feedback.c.comment,
        )
        .where(*cond)
        .order_by(feedback.c.answered_at.desc(), feedback.c.id)
        .limit(limit)
        .offset(offset)
    )
    with engine.connect() as conn:
        items = [dict(r) for r in conn.execute(stmt).mappings()]
        total = int(conn.execute(sa.select(sa.func.count()).select_from(feedback).where(*cond)).scalar() or 0)
        red = redacted_texts(conn, "feedback", "comment", [i["id"] for i in items])
    raw_ids = []
    for item in items:
        item["comment"], item["text_status"] = text_view(principal, raw, item["comment"], red, item["id"])
        if item["text_status"] == "raw":
            raw_ids.append(item["id"])
    audit_access(engine, ctx, "read.raw_text", "feedback", raw_ids, {"filters": where.active()})
    return items, total
