"""Upload ingestion: the same validation, quarantine and reconciled counts as `insightdesk ingest`.

The body is read only after the caller is authenticated and authorised, as a stream within the
upload limits (api/upload_stream.py); the ingest itself runs in the thread pool, one upload at a time,
on a store connection of its own (store.serving.writer_store), so other users are answered meanwhile.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from insightdesk.api.deps import app_state, client_ip, require
from insightdesk.api.errors import ApiError, ErrorResponse
from insightdesk.api.schemas import IngestResponse
from insightdesk.api.schemas.uploads import RejectionOut, UploadProgressOut
from insightdesk.api.state import AppState
from insightdesk.api.upload_progress import PROGRESS, UPLOAD_ID
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
FIELD_LIMITS = {"kind": 50, "profile": 200, "source_system": 100, "csrf_token": 200, "upload_id": 64}
# `kind=auto`: tell the kind from the file's columns (ingest/detect.py), or ask the user to choose.
AUTO_KIND = "auto"
# Rejected records listed in the answer; every one of them is in the `rejected_csv` download.
REJECTIONS_SHOWN = 100

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
                    "kind": {
                        "type": "string",
                        "enum": [AUTO_KIND, *KINDS],
                        "description": "What the file holds; `auto` detects it from the columns "
                        "(canonical column names, generic profile).",
                    },
                    "profile": {
                        "type": "string",
                        "default": "generic",
                        "maxLength": FIELD_LIMITS["profile"],
                        "description": "Mapping profile (generic, zendesk, servicenow...).",
                    },
                    "source_system": {"type": "string", "maxLength": FIELD_LIMITS["source_system"]},
                    "upload_id": {
                        "type": "string",
                        "pattern": UPLOAD_ID.pattern,
                        "description": "A random name for this upload, to follow it at "
                        "/api/v1/ingest/progress/{upload_id} (send it before the file).",
                    },
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
    if name == "kind" and value not in KINDS and value != AUTO_KIND:
        raise _invalid(name, f"unknown kind {value!r}; one of {AUTO_KIND}, {', '.join(KINDS)}")
    if name == "upload_id" and not UPLOAD_ID.fullmatch(value):
        raise _invalid(name, "8 to 64 letters, digits, '-' or '_'")
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
    """Read the upload (the caller is already authorised) and ingest it; ApiError says what went wrong.

    With an `upload_id` field its phases are published for the page's progress bar (upload_progress.py).
    """
    from insightdesk.ingest.workdir import private_workdir

    state = app_state(request)
    named: list[str] = []

    def check(name: str, value: str) -> None:
        check_field(name, value)
        if name == "upload_id":
            named.append(value)
            PROGRESS.update(principal.username, value, "receiving", 0.0)

    try:
        # The upload holds personal data: a private folder (0700) beside the store, removed however this ends.
        with private_workdir(state.store) as folder:
            upload = await receive_upload(
                request, folder, state.settings.upload, stored_name=stored_name, check_field=check
            )
            if "kind" not in upload.fields:
                raise ApiError(
                    422,
                    "invalid_request",
                    "the form has no `kind`: say what the file holds (or `auto` to detect it)",
                    [{"field": "body.kind", "message": "Field required", "type": "missing"}],
                )
            upload_id = upload.fields.get("upload_id")
            PROGRESS.update(principal.username, upload_id, "queued", 0.0)
            # Uploads wait their turn here, in the event loop: a queue of them holds no thread.
            async with state.upload_gate:
                result = await run_in_threadpool(_ingest, state, upload, principal, client_ip(request))
    except ApiError as exc:
        PROGRESS.update(principal.username, named[0] if named else None, "failed", 1.0, exc.message)
        raise
    PROGRESS.update(principal.username, upload_id, "done", 1.0, f"batch {result.batch_id}", result.batch_id)
    return result


def _kind_of(upload: ReceivedUpload, profile: str) -> tuple[str, str | None]:
    """The kind the form named, or (with `auto`) the one its columns clearly show, and how it was told."""
    from insightdesk.ingest import load_profile
    from insightdesk.ingest.detect import KindNotDetected, detect_kind, file_columns
    from insightdesk.ingest.source import SourceFileError

    kind = upload.fields["kind"]
    if kind != AUTO_KIND:
        return kind, None
    assert upload.path is not None
    try:
        guess = detect_kind(file_columns(upload.path), load_profile(profile))
    except (KindNotDetected, SourceFileError, OSError, ValueError) as exc:
        raise ApiError(422, "kind_not_detected", f"{upload.filename}: {exc}") from exc
    return guess.kind, guess.explain()


def _ingest(state: AppState, upload: ReceivedUpload, principal: Principal, ip: str | None) -> IngestResponse:
    from insightdesk.ingest import IngestError, ingest_file
    from insightdesk.ingest.rejected_rows import first_rejections
    from insightdesk.text.pipeline import ingest_redactor

    assert upload.path is not None
    fields = upload.fields
    profile = fields.get("profile") or "generic"
    kind, note = _kind_of(upload, profile)
    upload_id = fields.get("upload_id")

    def progress(stage: str, fraction: float) -> None:
        PROGRESS.update(principal.username, upload_id, stage, fraction)

    with state.write_lock, writer_store(state.store) as store:
        try:
            result = ingest_file(
                store,
                upload.path,
                kind,
                profile=profile,
                source_system=fields.get("source_system") or None,
                progress=progress,
                redact_text=ingest_redactor(),  # used when the mapping stores text redacted only
            )
        except IngestError as exc:
            raise ApiError(422, "ingest_failed", str(exc).replace(str(upload.path), upload.filename)) from exc
        shown = first_rejections(store, result.batch_id, REJECTIONS_SHOWN) if result.rejected else []
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
        kind_detected=note is not None,
        kind_note=note,
        rejections=[RejectionOut(**r) for r in shown],
        rejected_csv=f"/api/v1/ingest/{result.batch_id}/rejected.csv" if result.rejected else None,
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


@router.get(
    "/ingest/progress/{upload_id}",
    response_model=UploadProgressOut,
    responses={404: {"model": ErrorResponse}},
)
def upload_progress(
    upload_id: str = Path(..., pattern=UPLOAD_ID.pattern, description="The upload's `upload_id` field."),
    principal: Principal = Depends(require(Permission.INGEST)),
) -> UploadProgressOut:
    """What the server is doing with your upload: receiving, queued, validating, merging, done or failed."""
    found = PROGRESS.get(principal.username, upload_id)
    if found is None:
        raise ApiError(404, "not_found", f"no upload {upload_id!r} of yours in the last 10 minutes")
    return UploadProgressOut(
        upload_id=upload_id,
        phase=found.phase,
        fraction=found.fraction,
        message=found.message,
        batch_id=found.batch_id,
    )


@router.get(
    "/ingest/{batch_id}/rejected.csv",
    response_class=Response,
    responses={
        200: {"content": {"text/csv": {}}, "description": "The batch's rejected rows"},
        404: {"model": ErrorResponse},
    },
)
def rejected_rows(
    request: Request,
    batch_id: str = Path(..., max_length=100, description="The batch an upload answered with."),
    principal: Principal = Depends(require(Permission.INGEST)),
) -> Response:
    """Every rejected row of a batch as it was read, then its line, field, value and reason (CSV,
    formula-safe cells); the download is audited, since the rows may hold personal data."""
    from insightdesk.ingest.rejected_rows import batch_exists, rejected_rows_csv

    state = app_state(request)
    if not batch_exists(state.store, batch_id):
        raise ApiError(404, "not_found", f"no batch {batch_id!r}")
    body, rows = rejected_rows_csv(state.store, batch_id)
    audit.append(
        state.engine,
        actor=principal.username,
        role=principal.role.value,
        ip=client_ip(request),
        action="export",
        target="quarantine",
        record_ids=[batch_id],
        detail={"rows": rows},
    )
    return Response(
        body,
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="rejected-{_safe(batch_id)}.csv"'},
    )


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in name)[:80]
