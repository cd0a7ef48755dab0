"""The limits of an upload, enforced on the bytes as they arrive: body size, inflated size, inflation ratio.

A gzip upload is inflated here, incrementally with zlib, and stored inflated: inflation stops the
moment the inflated size or the ratio passes its limit, so a 2 MB file that inflates to 1 GB costs
about one megabyte of work before its 413. Ingestion then reads a plain file and never inflates
anything itself. The file's first bytes decide (gzip's magic number), not its name, so a bomb named
`.csv` is caught as well.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from insightdesk.api.errors import ApiError
from insightdesk.config import Settings

MB = 1024 * 1024
GZIP_MAGIC = b"\x1f\x8b"
# Inflate in steps of this many output bytes, so a limit is checked at least this often.
_STEP = 256 * 1024
# Below this many inflated bytes the ratio is not judged: a small, repetitive file may inflate
# a hundredfold and still be harmless.
RATIO_FROM_BYTES = 1 * MB


@dataclass(frozen=True)
class UploadLimits:
    """What the server accepts in one upload; `from_settings` reads them from the environment's settings."""

    max_bytes: int = 200 * MB
    max_inflated_bytes: int = 1024 * MB
    max_ratio: int = 100
    max_field_bytes: int = 4096
    """Largest form field other than the file (kind, profile, source system, CSRF token)."""
    max_parts: int = 16

    @classmethod
    def from_settings(cls, settings: Settings) -> UploadLimits:
        return cls(
            max_bytes=settings.upload_max_mb * MB,
            max_inflated_bytes=settings.upload_max_inflated_mb * MB,
            max_ratio=settings.upload_max_ratio,
        )

    def too_large(self, name: str) -> ApiError:
        return ApiError(
            413,
            "too_large",
            f"{name}: the upload is over {self.max_bytes // MB} MB (INSIGHTDESK_UPLOAD_MAX_MB); "
            "ingest larger files with `insightdesk ingest`",
            {"limit_bytes": self.max_bytes, "setting": "INSIGHTDESK_UPLOAD_MAX_MB"},
        )


class BoundedFile:
    """Receives a file part's bytes and writes them to `path`, inflating gzip within the limits.

    `write` and `close` raise ApiError (413 past a limit, 415 for nested compression, 422 for a
    truncated or corrupt gzip stream); the caller then deletes the folder the file is in.
    """

    def __init__(self, path: Path, name: str, limits: UploadLimits) -> None:
        self.path = path
        self.name = name
        self.limits = limits
        self.received = 0  # bytes of the part as sent
        self.inflated = 0  # bytes written (inflated, for gzip)
        self.gzip = False
        self._consumed = 0  # compressed bytes zlib has taken in
        self._head: bytes | None = b""  # the first bytes, until there are enough to tell gzip; then None
        self._zlib: zlib._Decompress | None = None
        self._out: BinaryIO = path.open("wb")

    def write(self, data: bytes) -> None:
        self.received += len(data)
        if self._head is not None:
            data = self._head + data
            if len(data) < len(GZIP_MAGIC):
                self._head = data
                return
            self._head = None
            if data.startswith(GZIP_MAGIC):
                self.gzip = True
                self._zlib = zlib.decompressobj(wbits=31)
        if self._zlib is not None:
            self._inflate(data)
        else:
            self._emit(data)

    def close(self) -> None:
        """Finish the file: the rest of a one-byte file, and a check that a gzip stream ended."""
        try:
            if self._head:
                self._emit(self._head)
            if self._zlib is not None and not self._zlib.eof:
                raise ApiError(
                    422,
                    "truncated_upload",
                    f"{self.name}: the gzip stream ends early, after {self.received} bytes: the file is "
                    "truncated or corrupt; compress it again and re-upload",
                    {"received_bytes": self.received},
                )
        finally:
            self._out.close()

    def abort(self) -> None:
        self._out.close()

    def _inflate(self, data: bytes) -> None:
        pending = True  # zlib may hold output for input it took in when a step filled up
        while data or pending:
            d = self._zlib
            assert d is not None
            if d.eof:
                # Concatenated gzip members are one file (as gzip -d reads them); padding zeros end it.
                if not data.strip(b"\0"):
                    return
                if not data.startswith(GZIP_MAGIC[: len(data)]) and not data.startswith(GZIP_MAGIC):
                    raise ApiError(
                        422,
                        "corrupt_upload",
                        f"{self.name}: bytes that are not gzip follow the gzip stream at byte {self._consumed}",
                    )
                d = self._zlib = zlib.decompressobj(wbits=31)
            try:
                out = d.decompress(data, _STEP)
            except zlib.error as exc:
                raise ApiError(
                    422,
                    "corrupt_upload",
                    f"{self.name}: the gzip stream is corrupt near compressed byte {self._consumed}: {exc}",
                ) from exc
            self._consumed += len(data) - len(d.unconsumed_tail) - len(d.unused_data)
            self._emit(out)
            pending = len(out) == _STEP and not d.eof
            data = d.unused_data if d.eof else d.unconsumed_tail

    def _emit(self, out: bytes) -> None:
        if not out:
            return
        if self.gzip and self.inflated == 0 and out[:2] == GZIP_MAGIC:
            raise ApiError(
                415,
                "nested_compression",
                f"{self.name}: a gzip file inside a gzip file is not accepted; compress the file once",
            )
        self.inflated += len(out)
        limits = self.limits
        if self.gzip and self.inflated > limits.max_inflated_bytes:
            raise ApiError(
                413,
                "inflated_too_large",
                f"{self.name}: inflates past {limits.max_inflated_bytes // MB} MB "
                "(INSIGHTDESK_UPLOAD_MAX_INFLATED_MB); refused, nothing was ingested",
                {"limit_bytes": limits.max_inflated_bytes, "setting": "INSIGHTDESK_UPLOAD_MAX_INFLATED_MB"},
            )
        if (
            self.gzip
            and self.inflated > RATIO_FROM_BYTES
            and self.inflated > limits.max_ratio * max(self._consumed, 1)
        ):
            raise ApiError(
                413,
                "inflation_ratio",
                f"{self.name}: inflates more than {limits.max_ratio} times its compressed size "
                "(INSIGHTDESK_UPLOAD_MAX_RATIO), as a decompression bomb does; refused, nothing was ingested",
                {"limit_ratio": limits.max_ratio, "setting": "INSIGHTDESK_UPLOAD_MAX_RATIO"},
            )
        self._out.write(out)
