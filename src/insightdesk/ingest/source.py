"""A source file's bytes, checked before anything is staged, and read back for the lines set aside.

`inspect_source` refuses, in one sentence naming the file, what cannot be a batch: a missing path,
a folder, an empty file, a gzip stream that is cut short or fails its checksum, a Parquet file
without its footer. It also reads the byte-order mark, so a UTF-16 or UTF-32 file is decoded as
what it says it is. Nothing here touches DuckDB.
"""

from __future__ import annotations

import codecs
import gzip
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, cast

MAX_LINE_BYTES = 2_000_000
"""The longest CSV or JSON Lines record read (DuckDB's own default, passed explicitly: DuckDB 1.5
drops an over-long line silently unless `max_line_size` is given, and reports it when it is)."""

RAW_CHARS = 10_000
"""At most this much of a line set aside is kept in quarantine (a 50 MB line is not copied)."""

HEAD_BYTES = 1 << 16
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


class SourceFileError(ValueError):
    """The file cannot be read as a whole (missing, wrong encoding, not the stated format)."""


@dataclass(frozen=True)
class SourceInfo:
    """What the first look at a file found."""

    path: Path
    gzip: bool = False
    bom_encoding: str | None = None  # the encoding a byte-order mark names
    ends_with_newline: bool = True
    first_line: bytes | None = None  # the first line (after any BOM) when it is within HEAD_BYTES


def inspect_source(path: Path, fmt: str) -> SourceInfo:
    """Refuse a path that cannot be a batch; describe one that can (see the module docstring)."""
    if path.is_dir():
        raise SourceFileError(
            f"{path}: is a folder, not a file; give the path of one CSV, JSON Lines or Parquet file"
        )
    if not path.exists():
        raise SourceFileError(f"{path}: no such file")
    if not path.is_file():
        raise SourceFileError(f"{path}: is not a regular file (a device, socket or pipe cannot be ingested)")
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            magic = fh.read(4)
    except OSError as exc:
        raise SourceFileError(f"{path}: cannot be opened: {exc.strerror or exc}") from exc
    if size == 0:
        raise SourceFileError(f"{path}: the file is empty (0 bytes); there is nothing to ingest")
    if fmt == "parquet":
        _check_parquet(path, size, magic)
        return SourceInfo(path)
    is_gz = magic[:2] == b"\x1f\x8b"
    if is_gz:
        head, last, content = _check_gzip(path, size)
        if content == 0:
            raise SourceFileError(f"{path}: the file is empty once decompressed; there is nothing to ingest")
    else:
        head, last, content = _plain_head(path, size)
    mark, bom = next(((m, name) for m, name in _BOMS if head.startswith(m)), (b"", None))
    body = head[len(mark) :]
    if content <= len(head) and not body.strip():
        raise SourceFileError(f"{path}: the file holds only blank lines; there is nothing to ingest")
    end = body.find(b"\n")
    first_line = body[:end].rstrip(b"\r") if end >= 0 else (body if content <= len(head) else None)
    return SourceInfo(path, is_gz, bom, last == b"\n", first_line)


def _plain_head(path: Path, size: int) -> tuple[bytes, bytes, int]:
    with path.open("rb") as fh:
        head = fh.read(HEAD_BYTES)
        fh.seek(size - 1)
        return head, fh.read(1), size


def _check_gzip(path: Path, size: int) -> tuple[bytes, bytes, int]:
    """Decompress the whole stream once, keeping nothing, so that a gzip file cut short or
    corrupted is refused before a row is staged (DuckDB reads up to the damage and stops
    silently). Returns the first HEAD_BYTES of the content, its last byte and its length."""
    head = bytearray()
    last, content, lines = b"", 0, 0

    def take(out: bytes) -> None:
        nonlocal last, content, lines
        if out:
            if len(head) < HEAD_BYTES:
                head.extend(out[: HEAD_BYTES - len(head)])
            content += len(out)
            lines += out.count(b"\n")
            last = out[-1:]

    with path.open("rb") as fh:
        decomp = zlib.decompressobj(wbits=31)
        fed = 0  # compressed bytes read from the file so far
        pending = b""
        while True:
            if not pending:
                pending = fh.read(1 << 16)  # small reads: a corrupt spot is located within 64 KB
                fed += len(pending)
            if decomp.eof and pending:  # a member ended: another may follow (gzip allows several)
                if not pending.strip(b"\x00") and not fh.read(1 << 20).strip(b"\x00"):
                    break  # zero padding after the last member, as gzip itself accepts
                decomp = zlib.decompressobj(wbits=31)
            try:
                if not pending:
                    if not decomp.eof:
                        take(decomp.flush())  # what zlib still holds of the input already read
                    break
                take(decomp.decompress(pending, 1 << 20))
            except zlib.error as exc:
                at = fed - len(pending)
                raise SourceFileError(
                    f"{path}: the gzip data is corrupt near byte {at:,} of {size:,} (after line {lines + 1:,} "
                    f"of its content: {exc}); nothing was written"
                ) from exc
            pending = decomp.unconsumed_tail or decomp.unused_data
    if not decomp.eof:
        raise SourceFileError(
            f"{path}: the gzip stream ends early, at byte {size:,} of the file (after {lines:,} whole lines of its "
            "content): the file is truncated, copied or downloaded only in part; nothing was written"
        )
    return bytes(head), last, content


def _check_parquet(path: Path, size: int, magic: bytes) -> None:
    # A Parquet file starts and ends with PAR1; the 4 bytes before the last 4 give the footer's length.
    with path.open("rb") as fh:
        fh.seek(max(0, size - 8))
        tail = fh.read(8)
    if magic != b"PAR1":
        raise SourceFileError(f"{path}: is not a Parquet file (it does not start with PAR1)")
    footer = int.from_bytes(tail[:4], "little") if len(tail) == 8 else 0
    if tail[4:] != b"PAR1" or size < 12 or footer > size - 12:
        raise SourceFileError(
            f"{path}: the Parquet file is incomplete: its {size:,} bytes do not end with a whole footer "
            "(truncated, or still being written); nothing was written"
        )


def open_content(path: Path, gz: bool) -> BinaryIO:
    """The file's content as a binary stream, decompressed when it is gzip."""
    return cast(BinaryIO, gzip.open(path, "rb")) if gz else path.open("rb")


def read_lines_at(path: Path, gz: bool, offsets: list[int]) -> dict[int, tuple[bytes, bool]]:
    """The line at each byte offset DuckDB reports for a rejected line: (its first RAW_CHARS bytes,
    whether the content ends before a line break does). DuckDB's offset is the line's start or one
    past it (1.5 varies with the line ends), so the byte before it decides. One forward pass, so
    gzip is decompressed once."""
    found: dict[int, tuple[bytes, bool]] = {}
    with open_content(path, gz) as fh:
        pos, last = 0, b"\n"  # where the stream is, and the byte before it
        for offset in sorted(set(offsets)):
            if offset - 1 >= pos:
                fh.seek(offset - 1)
                last = fh.read(1)
                pos = offset - 1 + len(last)
            elif offset - 1 != pos - 1 and offset != pos:
                continue  # inside the line just read: DuckDB counted it twice
            prefix = b"" if offset == 0 or last == b"\n" else last
            raw = prefix + fh.readline(RAW_CHARS)
            pos += len(raw) - len(prefix)
            more = raw
            while more and not more.endswith(b"\n"):  # a long line: read on to its end
                more = fh.readline(1 << 20)
                pos += len(more)
            last = more[-1:] if more else raw[-1:]
            found[offset] = (raw.rstrip(b"\r\n"), not (more or raw).endswith(b"\n"))
    return found


def escaped(raw: bytes) -> str:
    """A line as text: valid UTF-8 as is, anything else as \\xNN escapes (never lost, never raw)."""
    return raw.decode("utf-8", errors="backslashreplace")


def likely_encoding(samples: list[bytes]) -> str:
    """A guess at the encoding of lines that are not UTF-8, for the message that refuses the file."""
    joined = b"\n".join(samples)
    if b"\x00" in joined:
        return "utf-16"
    try:
        joined.decode("cp1252")
    except UnicodeDecodeError:
        return "latin-1"
    return "cp1252"


def undecodable_allowance(records: int) -> int:
    """How many lines that are not UTF-8 a file may hold and still load (those lines quarantined):
    1% of its records, at least 1 and at most 100. More, or every record, refuses the file."""
    return min(100, max(1, records // 100))


def transcode(path: Path, gz: bool, encoding: str, workdir: Path) -> SourceInfo:
    """Re-encode to UTF-8 in the private staging folder, streaming, naming the first undecodable
    byte; describes the copy (whose line end, unlike a UTF-16 file's last byte, is one byte)."""
    out = workdir / f"transcoded-{path.name}.txt"
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    line, offset = 1, 0
    with open_content(path, gz) as src, out.open("w", encoding="utf-8", newline="") as dst:
        while chunk := src.read(1 << 20):
            try:
                text = decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                bad_line = line + chunk[: exc.start].count(b"\n")
                raise SourceFileError(
                    f"{path}: line {bad_line:,}: byte 0x{chunk[exc.start : exc.start + 1].hex()} at offset "
                    f"{offset + exc.start:,} cannot be decoded as {encoding}; pass the file's real encoding "
                    "with --encoding"
                ) from exc
            line += chunk.count(b"\n")
            offset += len(chunk)
            dst.write(text)
        try:
            dst.write(decoder.decode(b"", final=True))
        except UnicodeDecodeError as exc:
            raise SourceFileError(
                f"{path}: the file ends in the middle of a {encoding} character: it is truncated"
            ) from exc
    size = out.stat().st_size
    return SourceInfo(out, ends_with_newline=size > 0 and _plain_head(out, size)[1] == b"\n")
