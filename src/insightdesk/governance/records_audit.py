"""Who is reading records, and the audit entry each raw-text read, identity read or export leaves."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from insightdesk.governance import audit
from insightdesk.governance.roles import Principal


@dataclass(frozen=True)
class AuditContext:
    actor: str
    role: str
    ip: str | None


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
    audit.append(
        engine,
        actor=ctx.actor,
        role=ctx.role,
        ip=ctx.ip,
        action=action,
        target=target,
        record_ids=ids,
        detail=detail,
    )
