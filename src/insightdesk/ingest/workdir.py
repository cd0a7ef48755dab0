"""The private folder a batch stages in, so that staged plaintext never lands in the system temp folder.

A batch's spill files, transcoded copies and COPY files hold personal data. They go to a folder of
mode 0700 inside a `.insightdesk-staging/` folder (also 0700) beside a DuckDB store, in
~/.cache/insightdesk for PostgreSQL, or in $INSIGHTDESK_STAGING_DIR when that is set. The folder is deleted on
every exit path Python sees; what a `kill -9` leaves is swept by the next batch: each folder is
named by its process (PID and start time) and deleted only once that process is gone.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from insightdesk.config import get_settings
from insightdesk.ingest.results import IngestError

if TYPE_CHECKING:
    from insightdesk.store import Store

log = logging.getLogger(__name__)

STAGING_DIR = ".insightdesk-staging"
_NAME = re.compile(r"^batch-(\d+)-(\d+)-[0-9a-f]+$")


def staging_root(store: Store) -> Path:
    """Where the private batch folders of `store` live (see the module docstring)."""
    configured = get_settings().staging_dir
    if configured:
        parent = Path(configured).expanduser()
    elif store.dialect == "duckdb" and store.target != ":memory:":
        parent = Path(store.target).resolve().parent
    else:
        parent = Path.home() / ".cache" / "insightdesk"
    return parent / STAGING_DIR


def _process_start(pid: int) -> int:
    """The process's start time in clock ticks since boot (0 where /proc does not say): with the
    PID it tells a live process from a later one that reuses its PID."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0
    return int(stat.rsplit(")", 1)[1].split()[19])


def _alive(pid: int, started: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive, and not ours to judge
    return started == 0 or _process_start(pid) in (0, started)


def sweep(root: Path) -> list[Path]:
    """Delete the batch folders under `root` whose process is gone; returns them."""
    swept = []
    with contextlib.suppress(FileNotFoundError):
        for entry in root.iterdir():
            found = _NAME.match(entry.name)
            if not found or not entry.is_dir():
                continue
            pid, started = int(found.group(1)), int(found.group(2))
            if pid == os.getpid() or _alive(pid, started):
                continue
            shutil.rmtree(entry, ignore_errors=True)
            log.info("removed the staging folder %s of ended process %d", entry, pid)
            swept.append(entry)
    return swept


def make_workdir(store: Store) -> Path:
    """A new private folder for one batch, after sweeping what ended processes left; the caller
    removes it with `remove_workdir` (or uses `private_workdir`)."""
    root = staging_root(store)
    try:
        root.mkdir(mode=0o700, parents=True, exist_ok=True)
        if root.is_symlink() or root.stat().st_uid != os.getuid():
            raise IngestError(
                f"the staging folder {root} is a link or belongs to another user, so it is not private; "
                "remove it, or set INSIGHTDESK_STAGING_DIR to a folder of your own. Nothing was written."
            )
        os.chmod(root, 0o700)  # mkdir's mode is masked by the umask, and the folder may predate us
        sweep(root)
        pid = os.getpid()
        workdir = root / f"batch-{pid}-{_process_start(pid)}-{secrets.token_hex(4)}"
        workdir.mkdir(mode=0o700)
        os.chmod(workdir, 0o700)
    except OSError as exc:
        raise IngestError(
            f"cannot make a private staging folder in {root}: {exc.strerror or exc}; set "
            "INSIGHTDESK_STAGING_DIR to a folder you may write to. Nothing was written."
        ) from exc
    return workdir


def remove_workdir(workdir: Path) -> None:
    shutil.rmtree(workdir, ignore_errors=True)


@contextlib.contextmanager
def private_workdir(store: Store) -> Iterator[Path]:
    """`make_workdir`, removed when the block ends however it ends."""
    workdir = make_workdir(store)
    try:
        yield workdir
    finally:
        remove_workdir(workdir)
