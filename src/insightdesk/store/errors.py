"""The store's errors, and the one sentence that explains why a store could not be opened.

Drivers explain a failed open in their own words (DuckDB's "IO Error: Could not set lock on file
... (PID 123)", psycopg's two-line "connection failed ... Is the server running"). The functions
here turn those into a `StoreError` of one line that names the store, the problem and what to do,
so every interface (the CLI's `user_errors`, the server's start) can print it as it is.
"""

from __future__ import annotations

import re
from pathlib import Path

# DuckDB (1.1 to 1.5): 'Conflicting lock is held in /usr/bin/python3.11 (PID 12186)'; older
# releases add ' by user NAME'. Only the PID is relied on; the program is a courtesy.
_LOCK_HOLDER = re.compile(r"held in (?P<program>.+?) \(PID (?P<pid>\d+)\)")
_PID = re.compile(r"\bPID\D{0,3}(\d+)", re.IGNORECASE)
_LOCK_WORDS = ("could not set lock", "conflicting lock", "being used by another process")
_DRIVER_PREFIX = re.compile(r"^(IO|IOException|Catalog|Serialization|Internal) Error:\s*", re.IGNORECASE)
_URL_PASSWORD = re.compile(r"(://[^:/@\s]*:)[^@\s]*@")


class StoreError(RuntimeError):
    """A store could not be opened or a statement failed; the message says which and why."""


class StoreLocked(StoreError):
    """Another process holds the DuckDB file; `pid` is that process (None when DuckDB did not say)."""

    def __init__(self, path: str, pid: int | None = None, program: str | None = None) -> None:
        self.path, self.pid, self.program = path, pid, program
        holder = "another process" if pid is None else f"process {pid}"
        if pid is not None and program:
            holder += f" ({Path(program).name})"
        super().__init__(
            f"store {path} is in use by {holder}, and DuckDB lets no other process open the file, not "
            "even to read: stop that process (a running `insightdesk serve`?) and try again, or keep "
            "the store in PostgreSQL (a postgresql:// URL) to use it from several processes at once"
        )


def one_line(text: object) -> str:
    """A driver's message on one line: its lines joined by '; ', runs of spaces folded into one."""
    lines = (" ".join(line.split()) for line in str(text).splitlines())
    return "; ".join(line for line in lines if line)


def hide_password(url: str) -> str:
    """`url` with the password of its user part (if any) replaced by ***, fit for a message."""
    return _URL_PASSWORD.sub(r"\1***@", url)


def is_lock_conflict(message: str) -> bool:
    """Whether a driver's message says that another process holds the file."""
    lowered = message.lower()
    return any(words in lowered for words in _LOCK_WORDS)


def locked(path: str, message: str) -> StoreLocked:
    """The `StoreLocked` for DuckDB's lock message: the holder's PID (and program) when it names them."""
    found = _LOCK_HOLDER.search(message)
    if found:
        return StoreLocked(path, int(found["pid"]), found["program"])
    pid = _PID.search(message)
    return StoreLocked(path, int(pid[1]) if pid else None)


def duckdb_open_error(path: str, message: str, *, read_only: bool) -> StoreError:
    """The `StoreError` for a DuckDB file that would not open, from the driver's message."""
    if is_lock_conflict(message):
        return locked(path, message)
    reason = _DRIVER_PREFIX.sub("", one_line(message))
    lowered = reason.lower()
    if "not a valid duckdb database" in lowered:
        return not_a_database(path)
    if "is a directory" in lowered:
        return is_a_directory(path)
    if read_only and "does not exist" in lowered:
        return StoreError(f"no store at {path}: the file does not exist (check the path)")
    if "permission denied" in lowered or "read-only file system" in lowered:
        return StoreError(
            f"cannot open store {path}: permission denied; choose a path you may write to, or ask for access"
        )
    return StoreError(f"cannot open store {path}: {reason}")


def not_a_database(path: str) -> StoreError:
    return StoreError(
        f"{path} is not a DuckDB database (a data file? give it to `insightdesk ingest`); pass the path "
        "of a store file, or a new path to create one"
    )


def is_a_directory(path: str) -> StoreError:
    return StoreError(
        f"{path} is a folder, not a store file; pass a file path such as {Path(path) / 'insightdesk.duckdb'}"
    )


def postgres_open_error(display: str, reason: object) -> StoreError:
    """The `StoreError` for a PostgreSQL store that could not be reached or logged into."""
    return StoreError(
        f"cannot reach PostgreSQL at {display}: {one_line(reason).rstrip('.?')}. Check the URL (host, "
        "port, user, password, database), that the server runs, and that the database exists"
    )
