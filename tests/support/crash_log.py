"""When a pytest-xdist worker dies (a segmentation fault, an abort), say where it was.

Each worker writes Python's fault handler dump to its own file in a folder the controller made;
the controller prints every non-empty dump at the end of the run, so a CI log shows the crashing
stack even when the worker's own stderr scrolled away or was cut.
"""

from __future__ import annotations

import faulthandler
import os
import tempfile
from pathlib import Path
from typing import IO

import pytest

_ENV = "INSIGHTDESK_TEST_CRASH_DIR"
_open_files: list[IO[str]] = []


def configure(config: pytest.Config) -> None:
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker is None:  # the controller (or a run without workers): make the folder workers inherit
        os.environ.setdefault(_ENV, tempfile.mkdtemp(prefix="insightdesk-crash-"))
        return
    folder = os.environ.get(_ENV)
    if folder:
        # A run id in the name: a replaced worker gets the same worker id and must not overwrite.
        log = open(Path(folder) / f"{worker}-{os.getpid()}.log", "w")  # noqa: SIM115 (open for the process's life)
        _open_files.append(log)
        faulthandler.enable(file=log, all_threads=True)


def report(terminalreporter: pytest.TerminalReporter) -> None:
    if os.environ.get("PYTEST_XDIST_WORKER") is not None:
        return
    folder = os.environ.get(_ENV)
    if not folder or not Path(folder).is_dir():
        return
    for log in sorted(Path(folder).glob("*.log")):
        text = log.read_text(errors="replace").strip()
        if text:
            terminalreporter.section(f"fault handler dump of worker {log.stem}", sep="!")
            terminalreporter.write_line(text[-6000:])
