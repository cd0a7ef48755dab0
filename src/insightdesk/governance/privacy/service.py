"""Carry out subject requests end to end: the work and the request's state in one transaction,
then the audit entry (request id and counts, never the person), then compaction of the files.

The CLI and the API both call these; `Actor` is who acts (governance.audit).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from insightdesk.governance import audit
from insightdesk.governance.audit import Actor
from insightdesk.governance.privacy import requests as tracker
from insightdesk.governance.privacy.compaction import mark_compaction_pending, vacuum_postgres
from insightdesk.governance.privacy.erasure import erase_subject
from insightdesk.governance.privacy.export import NoRecords, SubjectExport, build_export, write_zip
from insightdesk.governance.privacy.requests import RequestError, RequestKind, RequestRow


@dataclass
class Outcome:
    request: RequestRow
    counts: dict[str, int] = field(default_factory=dict)
    archive: Path | None = None
    export: SubjectExport | None = None
    """For an export without a folder (the API): its content."""
    compaction_pending: bool = False
    """A DuckDB store must be rewritten once closed: the CLI does it at once, a server as it stops."""


def _audit(engine: sa.Engine, actor: Actor, action: str, request_id: str, detail: dict[str, object]) -> None:
    audit.append_by(engine, actor, action, "privacy_requests", [request_id], detail)


def file(
    engine: sa.Engine, kind: str, actor: Actor, *, customer_id: str | None = None, email: str | None = None
) -> str:
    with engine.begin() as conn:
        request_id = tracker.file_request(conn, kind, actor=actor.name, customer_id=customer_id, email=email)
    _audit(engine, actor, "privacy.request.filed", request_id, {"kind": kind})
    return request_id


def transition(engine: sa.Engine, request_id: str, step: str, actor: Actor, reason: str = "") -> RequestRow:
    """verify, approve or refuse a request (each audited)."""
    with engine.begin() as conn:
        if step == "verify":
            row = tracker.verify_request(conn, request_id, actor=actor.name)
        elif step == "approve":
            row = tracker.approve_request(conn, request_id, actor=actor.name)
        elif step == "refuse":
            row = tracker.refuse_request(conn, request_id, actor=actor.name, reason=reason)
        else:
            raise RequestError(f"unknown step {step!r}: use verify, approve or refuse")
    _audit(
        engine,
        actor,
        f"privacy.request.{step}",
        request_id,
        {"kind": row.kind.value, "state": row.state.value},
    )
    return row


def carry_out(engine: sa.Engine, request_id: str, actor: Actor, out_dir: Path | None = None) -> Outcome:
    """Do what a ready request asks (an export goes to `out_dir` as a ZIP when given).

    An unknown person refuses the request with "no records"."""
    try:
        with engine.begin() as conn:
            request = tracker.get_request(conn, request_id)
            tracker.require_ready(request)
            customer_id = request.subject if request.subject_kind == "customer" else None
            email = request.subject if request.subject_kind == "email" else None
            export: SubjectExport | None = None
            archive: Path | None = None
            if request.kind is RequestKind.EXPORT:
                export = build_export(conn, request_id=request_id, customer_id=customer_id, email=email)
                counts = export.counts
                if out_dir is not None:
                    archive = write_zip(export, out_dir / f"{request_id}.zip")
            else:
                erased = erase_subject(conn, request_id=request_id, customer_id=customer_id, email=email)
                counts = {**erased.counts, "tombstones": erased.tombstones}
            done = tracker.close_request(conn, request_id, json.dumps(counts, sort_keys=True))
    except NoRecords as exc:
        with engine.begin() as conn:
            tracker.refuse_request(
                conn, request_id, actor=actor.name, reason="no records: nobody in the store matches"
            )
        _audit(engine, actor, "privacy.request.refuse", request_id, {"reason": "no records"})
        raise exc
    action = "privacy.export" if done.kind is RequestKind.EXPORT else "privacy.erasure"
    _audit(engine, actor, action, request_id, {"counts": counts})
    outcome = Outcome(done, counts, archive, export=export)
    if done.kind is RequestKind.ERASURE:
        if engine.dialect.name == "postgresql":
            vacuum_postgres(engine, sorted({k.split(".")[0] for k in counts if k != "tombstones"}))
        else:
            # The CLI rewrites the file next; a server does as it stops (compaction.py says why).
            outcome.compaction_pending = True
            mark_compaction_pending(engine)
    return outcome
