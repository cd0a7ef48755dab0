"""DuckDB store files: what a path must be before DuckDB opens it, removing a store safely, and the
settings every DuckDB connection of this package opens with.

DuckDB itself would create the missing folders of a path (the CLI made `/nonexistent/...` when run
as root), open a CSV file as an in-memory database with a view on it (writes then vanish when the
process ends), and let `quickstart` delete a file another process still writes to. The checks here
refuse each case with one sentence before anything is created or deleted.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from insightdesk.config import get_settings
from insightdesk.store.errors import StoreError, duckdb_open_error, is_a_directory, not_a_database

# Every DuckDB database file has "DUCK" at bytes 8-11, after the header's checksum.
_MAGIC, _MAGIC_AT = b"DUCK", 8
IN_MEMORY = ":memory:"


def duckdb_config() -> dict[str, str | bool | int | float | list[str]]:
    """`duckdb.connect`'s config: the thread limit of INSIGHTDESK_DUCKDB_THREADS when it is set."""
    threads = get_settings().duckdb_threads
    return {} if threads is None else {"threads": threads}


def is_duckdb_file(path: Path) -> bool:
    """Whether `path` is a regular file that starts like a DuckDB database."""
    try:
        with path.open("rb") as handle:
            head = handle.read(_MAGIC_AT + len(_MAGIC))
    except OSError:
        return False
    return head[_MAGIC_AT:] == _MAGIC


def check_duckdb_path(path: Path, *, read_only: bool = False) -> None:
    """Refuse a path that cannot hold a store, before DuckDB opens (or creates) anything there.

    An existing path must be a DuckDB database file; a new one needs an existing folder (and is
    refused outright when only reading). Raises `StoreError` naming the path and the problem.
    """
    text = str(path)
    if text == IN_MEMORY:
        return
    try:
        if path.is_dir():
            raise is_a_directory(text)
        if path.exists():
            if not is_duckdb_file(path):
                raise not_a_database(text)
            return
        if read_only:
            raise StoreError(f"no store at {text}: the file does not exist (check the path)")
        folder = path.absolute().parent
        if not folder.exists():
            raise StoreError(
                f"cannot create store {text}: the folder {folder} does not exist; create it first or "
                "choose another path"
            )
        if not folder.is_dir():
            raise StoreError(f"cannot create store {text}: {folder} is not a folder")
    except PermissionError as exc:
        raise StoreError(f"cannot open store {text}: permission denied ({exc.strerror})") from None


def remove_duckdb_store(path: Path) -> None:
    """Delete the store at `path` and its write-ahead log, to start afresh.

    Refuses (with `StoreError`, deleting nothing) a path that is not a DuckDB database, such as a data
    file given by mistake, and a store another process holds (`StoreLocked`): on Linux the file would
    vanish under that process, which would go on writing to a file nobody can open again.
    """
    import duckdb

    wal = Path(f"{path}.wal")
    if not path.exists() and not wal.exists():
        return
    check_duckdb_path(path)
    if path.exists():
        try:
            # Takes the file's lock: fails while another process holds it.
            duckdb.connect(str(path), config=duckdb_config()).close()
        except duckdb.Error as exc:
            raise duckdb_open_error(str(path), str(exc), read_only=False) from None
    for leftover in (path, wal):
        with contextlib.suppress(FileNotFoundError):
            leftover.unlink()
