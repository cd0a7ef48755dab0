"""`insightdesk serve` in its own process, forked from one that has already imported the app.

A fresh Python process spends about 3.3 s of CPU importing the CLI and the app before it serves, and
the suite starts over a dozen servers. Python's fork server (`multiprocessing`'s "forkserver"
context) imports them once per test process, in a process that runs no threads, and forks each
server from it: every server is still a process of its own with its own store, environment, log and
port, started through the same `main()` and stopped with a real SIGTERM or SIGKILL.
"""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
from pathlib import Path

_FORKS = multiprocessing.get_context("forkserver")
# What every server imports before it answers (a failed preload is skipped: the child imports it).
# Beyond the app's own modules, what the app imports lazily on its first store and first request:
# Ibis with its DuckDB backend, the database drivers, migrations, the pack scheduler and uvicorn
# (10-14 s of CPU per run of the suite when each server imported them again).
_FORKS.set_forkserver_preload(
    [
        "insightdesk.cli",
        "insightdesk.api.app",
        "insightdesk.api.server",
        "insightdesk.store.migrate",
        "insightdesk.actions",
        "ibis",
        "ibis.backends.duckdb",
        "duckdb_engine",
        "psycopg",
        "sqlalchemy.dialects.postgresql.psycopg",
        "uvicorn",
    ]
)


def _serve_in_child(argv: list[str], env: dict[str, str], log: str) -> None:
    """The child: the test's environment and arguments, its output to the log, then the CLI."""
    out = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(out, 1)
    os.dup2(out, 2)
    os.close(out)
    # Line-buffered, as PYTHONUNBUFFERED made a launched server: a test reads the log while it runs.
    sys.stdout = open(1, "w", buffering=1, encoding="utf-8", closefd=False)  # noqa: SIM115 (own streams)
    sys.stderr = open(2, "w", buffering=1, encoding="utf-8", closefd=False)  # noqa: SIM115
    os.environ.clear()
    os.environ.update(env)
    from insightdesk.config import reset_settings

    reset_settings()  # settings are read from this environment, not the fork server's
    sys.argv = ["insightdesk", *argv]
    from insightdesk.cli import main

    main()


class ServerProcess:
    """The few `subprocess.Popen` methods the tests use, over a forked server."""

    def __init__(self, argv: list[str], env: dict[str, str], log: Path) -> None:
        self._process = _FORKS.Process(
            target=_serve_in_child, args=(argv, env, str(log)), name="insightdesk serve"
        )
        self._process.start()
        self.pid = self._process.pid

    def poll(self) -> int | None:
        return None if self._process.is_alive() else self._process.exitcode

    def terminate(self) -> None:
        self._process.terminate()

    def kill(self) -> None:
        self._process.kill()

    def wait(self, timeout: float | None = None) -> int | None:
        self._process.join(timeout)
        if self._process.is_alive():
            raise subprocess.TimeoutExpired(["insightdesk", "serve"], timeout or 0)
        return self._process.exitcode
