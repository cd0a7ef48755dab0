"""Who is reading records, and the audit entry each raw-text read, identity read or export leaves."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from insightdesk.governance import audit
from insightdesk.governance.audit import Actor
from insightdesk.governance.roles import Principal

# The reader of records is an audit-log actor like any other (name, role, client address).
AuditContext = Actor


def ctx_of(principal: Principal, ip: str | None) -> AuditContext:
    return AuditContext(principal.username, principal.role.value, ip)


def audit_access(
    engine: sa.Engine,
    ctx: AuditContext | None,
    action: str,
    target: str,
    ids: list[str],
    detail: dict[str, Any],
    *,
    when_empty: bool = False,
) -> None:
    """Append one audit entry for the records shown; none without a context.

    Reads that showed nothing sensitive leave no entry; an export is logged even when empty
    (`when_empty`), since the request itself is the event.
    """
    if ctx is None or not (ids or when_empty):
        return
    audit.append_by(engine, ctx, action, target, ids, detail)
