"""Upload ingestion: the same validation, quarantine and reconciled counts as `insightdesk ingest`."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Literal

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile

from insightdesk.api.deps import app_state, client_ip, require
from insightdesk.api.errors import ApiError, ErrorResponse
from insightdesk.api.schemas import IngestResponse
from insightdesk.governance import audit
from insightdesk.governance.roles import Permission, Principal

router = APIRouter(
    prefix="/api/v1",
    tags=["ingestion"],
    responses={401: {"model": ErrorResponse}, 403: {"model": ErrorResponse}},
)

SUFFIXES = (
    ".csv",
    ".jsonl",
    ".ndjson",
    ".json",
    ".parquet",
    ".csv.gz",
    ".jsonl.gz",
    ".ndjson.gz",
    ".tsv",
    ".txt",
)
Kind = Literal[
    "organisations",
    "customers",
    "teams",
    "agents",
    "tickets",
    "ticket_events",
    "interactions",
    "feedback",
    "problems",
    "changes",
    "articles",
    "ticket_articles",
]


def _suffix(name: str) -> str:
    lower = name.lower()
    for s in sorted(SUFFIXES, key=len, reverse=True):
        if lower.endswith(s):
            return s
    raise ApiError(415, "unsupported_format", f"{name!r}: upload CSV, JSON Lines or Parquet (optionally .gz)")


@router.post(
    "/ingest",
    response_model=IngestResponse,
    status_code=201,
    responses={413: {"model": ErrorResponse}, 415: {"model": ErrorResponse}, 422: {"model": ErrorResponse}},
)
def ingest(
    request: Request,
    file: UploadFile = File(..., description="CSV, JSON Lines or Parquet export."),
    kind: Kind = Form(..., description="What the file holds."),
    profile: str = Form(
        "generic", max_length=200, description="Mapping profile (generic, zendesk, servicenow...)."
    ),
    source_system: str | None = Form(None, max_length=100),
    principal: Principal = Depends(require(Permission.INGEST)),
) -> IngestResponse:
    """Validate and load one file; bad rows go to quarantine; the counts reconcile (received = accepted + rejected)."""
    from insightdesk.ingest import IngestError, available_profiles, ingest_file

    state = app_state(request)
    if profile not in available_profiles():
        raise ApiError(422, "unknown_profile", f"no profile {profile!r}", {"available": available_profiles()})
    suffix = _suffix(file.filename or "upload")
    limit = state.settings.max_upload_mb * 1024 * 1024
    with tempfile.TemporaryDirectory(prefix="insightdesk-upload-") as tmp:
        path = Path(tmp) / ("upload" + suffix)
        with path.open("wb") as out:
            shutil.copyfileobj(file.file, out, 1024 * 1024)
        if path.stat().st_size > limit:
            raise ApiError(413, "too_large", f"upload over {state.settings.max_upload_mb} MB: use the CLI")
        # Ingestion writes through the store's own connection: no KPI query may run beside it.
        with state.write_lock, state.metrics_lock:
            try:
                result = ingest_file(state.store, path, kind, profile=profile, source_system=source_system)
            except IngestError as exc:
                raise ApiError(
                    422, "ingest_failed", str(exc).replace(str(path), file.filename or "upload")
                ) from exc
    state.bump()
    audit.append(
        state.engine,
        actor=principal.username,
        role=principal.role.value,
        ip=client_ip(request),
        action="ingest.upload",
        target=kind,
        record_ids=[result.batch_id],
        detail={"file": file.filename, "received": result.received, "rejected": result.rejected},
    )
    return IngestResponse(
        batch_id=result.batch_id,
        kind=result.kind,
        source_file=file.filename or "upload",
        received=result.received,
        accepted=result.accepted,
        rejected=result.rejected,
        inserted=result.inserted,
        updated=result.updated,
        unchanged=result.unchanged,
        reconciles=result.reconciles,
        stubs=dict(result.stubs),
        warnings=list(result.warnings),
        seconds=round(result.seconds, 3),
    )
