"""An upload read as a stream, after the caller is known, within the limits, into a private folder.

FastAPI's `UploadFile`/`Form` parameters make Starlette read the whole multipart body to disk before
any dependency runs, so an anonymous client could have the server store 1.5 GB before its 401. An
upload route here declares no body parameter: its `require` dependency authenticates from headers
and cookies first, then `receive_upload` reads `request.stream()` through python-multipart's
streaming parser:

- a Content-Length over the limit is refused (413) before a byte is read; bytes counted past it
  (chunked bodies, which carry no length) are refused the moment they pass it;
- the file part is written through `BoundedFile` (upload_limits.py), which inflates gzip within the
  inflated-size and ratio limits; its name must have a known suffix before any byte is stored;
- a cookie session without the X-CSRF-Token header must send the `csrf_token` field before the file
  (the upload page does), so a forged form stores nothing;
- parsing and writing run in the thread pool, chunk by chunk, so the event loop keeps answering.

The caller deletes the folder (`ReceivedUpload.folder`) however the request ends.
"""

from __future__ import annotations

import hmac
import unicodedata
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import Request
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from insightdesk.api.errors import ApiError
from insightdesk.api.upload_limits import BoundedFile, UploadLimits

# Hand the parser at least this much at a time: one thread hop per chunk, not per network read.
_FEED_BYTES = 256 * 1024
FILE_FIELD = "file"


@dataclass
class ReceivedUpload:
    """The fields of the form and the stored file (inflated when it came gzip-compressed)."""

    folder: Path
    fields: dict[str, str] = field(default_factory=dict)
    filename: str = ""
    path: Path | None = None
    received_bytes: int = 0
    stored_bytes: int = 0


class _Reader:
    """python-multipart callbacks: fields to `fields`, the one file part through a BoundedFile."""

    def __init__(
        self,
        folder: Path,
        limits: UploadLimits,
        stored_name: Callable[[str], str],
        check_field: Callable[[str, str], None],
        csrf_expected: str | None,
    ) -> None:
        self.upload = ReceivedUpload(folder)
        self.limits = limits
        self.stored_name = stored_name
        self.check_field = check_field
        self.csrf_expected = csrf_expected
        self.parts = 0
        self.ended = False
        self._header_name = b""
        self._header_value = b""
        self._disposition = b""
        self._name = ""
        self._value = bytearray()
        self._file: BoundedFile | None = None

    def callbacks(self) -> dict[str, Callable[..., None]]:
        return {
            "on_part_begin": self._part_begin,
            "on_part_data": self._part_data,
            "on_part_end": self._part_end,
            "on_header_field": lambda d, s, e: self._grow("_header_name", d[s:e]),
            "on_header_value": lambda d, s, e: self._grow("_header_value", d[s:e]),
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
            "on_end": self._end,
        }

    def _grow(self, attr: str, data: bytes) -> None:
        setattr(self, attr, getattr(self, attr) + data)

    def _part_begin(self) -> None:
        self.parts += 1
        if self.parts > self.limits.max_parts:
            raise ApiError(422, "invalid_upload", f"the form has more than {self.limits.max_parts} parts")
        self._disposition, self._name, self._value = b"", "", bytearray()

    def _header_end(self) -> None:
        if self._header_name.lower() == b"content-disposition":
            self._disposition = self._header_value
        self._header_name = self._header_value = b""

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self._disposition)
        self._name = options.get(b"name", b"").decode("utf-8", "replace")
        if b"filename" not in options:
            return
        if self._name != FILE_FIELD or self.upload.path is not None:
            raise ApiError(422, "invalid_upload", "send exactly one file, in the form field `file`")
        self.check_csrf()
        # The client's base name, without control characters: it appears in messages and the audit log.
        filename = options[b"filename"].decode("utf-8", "replace").replace("\\", "/").rsplit("/", 1)[-1]
        filename = "".join("?" if unicodedata.category(c) == "Cc" else c for c in filename)
        self.upload.filename = filename[:200] or "upload"
        path = self.upload.folder / self.stored_name(self.upload.filename)  # 415 for an unknown suffix
        self.upload.path = path
        self._file = BoundedFile(path, self.upload.filename, self.limits)

    def check_csrf(self) -> None:
        """A cookie session's CSRF token, which must come before the file (None: sent as a header)."""
        if self.csrf_expected is None:
            return
        sent = self.upload.fields.get("csrf_token", "")
        if not hmac.compare_digest(sent.encode(), self.csrf_expected.encode()):
            raise ApiError(
                403,
                "csrf_failed",
                "missing or wrong CSRF token (send the csrf_token field before the file): reload the "
                "page and submit again",
            )
        self.csrf_expected = None

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self._file is not None:
            self._file.write(data[start:end])
            return
        self._value += data[start:end]
        if len(self._value) > self.limits.max_field_bytes:
            raise ApiError(
                413,
                "field_too_large",
                f"form field {self._name!r} is over {self.limits.max_field_bytes} bytes",
                {"field": self._name},
            )

    def _part_end(self) -> None:
        if self._file is not None:
            file, self._file = self._file, None
            file.close()
            self.upload.stored_bytes = file.inflated
            return
        value = self._value.decode("utf-8", "replace")
        self.check_field(self._name, value)  # a bad kind or profile is refused before the file arrives
        self.upload.fields[self._name] = value

    def _end(self) -> None:
        self.ended = True

    def abort(self) -> None:
        if self._file is not None:
            self._file.abort()


async def receive_upload(
    request: Request,
    folder: Path,
    limits: UploadLimits,
    *,
    stored_name: Callable[[str], str],
    check_field: Callable[[str, str], None],
) -> ReceivedUpload:
    """Read the multipart body of `request` into `folder` within `limits` (see the module docstring).

    `stored_name` maps the client's file name to the stored one (raising 415 for a format the
    server does not read); `check_field(name, value)` raises for a field it refuses.
    """
    content_type, options = parse_options_header(request.headers.get("content-type", ""))
    boundary = options.get(b"boundary")
    if content_type != b"multipart/form-data" or not boundary:
        raise ApiError(
            415, "unsupported_media_type", "send the file as multipart/form-data with a `file` part"
        )
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > limits.max_bytes:
        raise limits.too_large("the request")
    reader = _Reader(folder, limits, stored_name, check_field, getattr(request.state, "csrf_expected", None))
    try:
        parser = MultipartParser(boundary, reader.callbacks())  # type: ignore[arg-type]
    except FormParserError as exc:
        raise ApiError(422, "invalid_upload", f"the multipart body cannot be read: {exc}") from exc
    received = 0
    buffered: list[bytes] = []
    size = 0
    stream = request.stream()
    try:
        async for chunk in stream:
            received += len(chunk)
            if received > limits.max_bytes:
                raise limits.too_large(reader.upload.filename or "the request")
            buffered.append(chunk)
            size += len(chunk)
            if size >= _FEED_BYTES:
                await run_in_threadpool(_feed, parser, b"".join(buffered))
                buffered, size = [], 0
        await run_in_threadpool(_feed, parser, b"".join(buffered))
    except ClientDisconnect as exc:
        raise ApiError(
            400, "upload_interrupted", "the client stopped sending before the upload ended"
        ) from exc
    except ApiError as exc:
        if exc.code != "too_large":
            await _discard_rest(stream, limits.max_bytes - received)
        raise
    finally:
        reader.abort()
    reader.check_csrf()  # a form without a file is refused below, but a forged one says so first
    if not reader.ended:
        raise ApiError(422, "invalid_upload", "the multipart body ends before its closing boundary")
    if reader.upload.path is None:
        raise ApiError(
            422,
            "invalid_request",
            "the form has no file: send it in the field `file`",
            [{"field": "body.file", "message": "Field required", "type": "missing"}],
        )
    reader.upload.received_bytes = received
    return reader.upload


async def _discard_rest(stream: AsyncIterator[bytes], allowed: int) -> None:
    """Read and drop the rest of a refused body (within the size limit, nothing stored or parsed),
    so that the client, still sending, gets the answer rather than a reset connection."""
    try:
        async for chunk in stream:
            allowed -= len(chunk)
            if allowed < 0:
                return
    except ClientDisconnect:
        return


def _feed(parser: MultipartParser, data: bytes) -> None:
    try:
        parser.write(data)
    except FormParserError as exc:
        raise ApiError(422, "invalid_upload", f"the multipart body cannot be read: {exc}") from exc
