"""Upload ingestion: the same validation, quarantine and reconciled counts as `insightdesk ingest`.

The body is read only after the caller is authenticated and authorised, as a stream within the
upload limits (api/upload_stream.py); the ingest itself runs in the thread pool, one upload at a time,
on a store connection of its own (store.serving.writer_store), so other users are answered meanwhile.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool

from insightdesk.api.deps import app_state, client_ip, require
from insightdesk.api.errors import ApiError, ErrorResponse
from insightdesk.api.schemas import IngestResponse
from insightdesk.api.state import AppState
from insightdesk.api.upload_stream import ReceivedUpload, receive_upload
from insightdesk.governance import audit
from insightdesk.governance.roles import Permission, Principal
from insightdesk.ingest.mapping import KINDS
from insightdesk.store.serving import writer_store

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
FIELD_LIMITS = {"kind": 50, "profile": 200, "source_system": 100, "csrf_token": 200}

# The form, described for the OpenAPI document (the route reads the body itself, as a stream).
UPLOAD_FORM: dict[str, Any] = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file", "kind"],
                "properties": {
                    "file": {
                        "type": "string",
                        "format": "binary",
                        "description": "CSV, JSON Lines or Parquet export (CSV and JSON Lines may be .gz).",
                    },
                    "kind": {"type": "string", "enum": list(KINDS), "description": "What the file holds."},
                    "profile": {
                        "type": "string",
                        "default": "generic",
                        "maxLength": FIELD_LIMITS["profile"],
                        "description": "Mapping profile (generic, zendesk, servicenow...).",
                    },
                    "source_system": {"type": "string", "maxLength": FIELD_LIMITS["source_system"]},
                },
            },
            "encoding": {"file": {"contentType": "application/octet-stream"}},
        }
    },
}


def stored_name(name: str) -> str:
    """The name the upload is stored under: its format's suffix, without .gz (stored inflated)."""
    lower = name.lower()
    for s in sorted(SUFFIXES, key=len, reverse=True):
        if lower.endswith(s):
            return "upload" + s.removesuffix(".gz")
    raise ApiError(415, "unsupported_format", f"{name!r}: upload CSV, JSON Lines or Parquet (optionally .gz)")


def check_field(name: str, value: str) -> None:
    """Refuse a bad form field as it arrives (before the file, when the client sends it first)."""
    limit = FIELD_LIMITS.get(name)
    if limit is None:
        return  # fields the route does not read are ignored, as FastAPI's forms ignore them
    if len(value) > limit:
        raise _invalid(name, f"at most {limit} characters")
    if any(unicodedata.category(c) == "Cc" for c in value):
        raise _invalid(name, "contains a control character")
    if name == "kind" and value not in KINDS:
        raise _invalid(name, f"unknown kind {value!r}; one of {', '.join(KINDS)}")
    if name == "profile":
        from insightdesk.ingest import available_profiles

        if value not in available_profiles():
            raise ApiError(
                422, "unknown_profile", f"no profile {value!r}", {"available": available_profiles()}
            )


def _invalid(name: str, message: str) -> ApiError:
    return ApiError(
        422,
        "invalid_request",
        f"form field {name!r}: {message}",
        [{"field": f"body.{name}", "message": message, "type": "value_error"}],
    )


async def receive_and_ingest(request: Request, principal: Principal) -> IngestResponse:
    """Read the upload (the caller is already authorised) and ingest it; ApiError says what went wrong."""
    from insightdesk.ingest.workdir import private_workdir

    state = app_state(request)
    # The upload holds personal data: a private folder (0700) beside the store, removed however this ends.
    with private_workdir(state.store) as folder:
        upload = await receive_upload(
            request, folder, state.settings.upload, stored_name=stored_name, check_field=check_field
        )
        if "kind" not in upload.fields:
            raise ApiError(
                422,
                "invalid_request",
                "the form has no `kind`: say what the file holds",
                [{"field": "body.kind", "message": "Field required", "type": "missing"}],
            )
        # Uploads wait their turn here, in the event loop: a queue of them holds no thread.
        async with state.upload_gate:
            return await run_in_threadpool(_ingest, state, upload, principal, client_ip(request))


def _ingest(state: AppState, upload: ReceivedUpload, principal: Principal, ip: str | None) -> IngestResponse:
    from insightdesk.ingest import IngestError, ingest_file

    assert upload.path is not None
    fields = upload.fields
    kind = fields["kind"]
    with state.write_lock, writer_store(state.store) as store:
        try:
            result = ingest_file(
                store,
                upload.path,
                kind,
                profile=fields.get("profile") or "generic",
                source_system=fields.get("source_system") or None,
            )
        except IngestError as exc:
            raise ApiError(422, "ingest_failed", str(exc).replace(str(upload.path), upload.filename)) from exc
    state.bump()
    audit.append(
        state.engine,
        actor=principal.username,
        role=principal.role.value,
        ip=ip,
        action="ingest.upload",
        target=kind,
        record_ids=[result.batch_id],
        detail={"file": upload.filename, "received": result.received, "rejected": result.rejected},
    )
    return IngestResponse(
        batch_id=result.batch_id,
        kind=result.kind,
        source_file=upload.filename,
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


@router.post(
    "/ingest",
    response_model=IngestResponse,
    status_code=201,
    responses={
        400: {"model": ErrorResponse},
        413: {"model": ErrorResponse},
        415: {"model": ErrorResponse},
        422: {"model": ErrorResponse},
    },
    openapi_extra={"requestBody": UPLOAD_FORM},
)
async def ingest(
    request: Request, principal: Principal = Depends(require(Permission.INGEST, streamed=True))
) -> IngestResponse:
    """Validate and load one file; bad rows go to quarantine; the counts reconcile (received = accepted + rejected).

    Limits: INSIGHTDESK_UPLOAD_MAX_MB as sent, and for gzip INSIGHTDESK_UPLOAD_MAX_INFLATED_MB
    inflated and INSIGHTDESK_UPLOAD_MAX_RATIO; past any of them the answer is 413, nothing stored.
    """
    return await receive_and_ingest(request, principal)
