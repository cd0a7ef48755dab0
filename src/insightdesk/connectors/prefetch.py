"""Fetch the next pages while the current batch is ingested: a worker thread, a small bounded queue.

A sync alternates between waiting on the network (and parsing JSON) and waiting on the store; DuckDB
and the socket release the GIL, so the two overlap. The queue holds at most `depth` pages, so memory
stays bounded; an error in the worker (a terminal vendor error, say) is raised in the caller at the
point the page would have arrived, after the pages before it, so cursors still commit in order.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import TypeVar

T = TypeVar("T")
_STEP = 0.1  # seconds between checks whether the caller stopped listening


def prefetched(items: Iterator[T], depth: int = 2) -> Iterator[T]:
    """`items`, produced by a worker thread up to `depth` ahead of the caller."""
    box: queue.Queue[tuple[str, object]] = queue.Queue(maxsize=depth)
    stopped = threading.Event()

    def put(entry: tuple[str, object]) -> bool:
        while not stopped.is_set():
            try:
                box.put(entry, timeout=_STEP)
                return True
            except queue.Full:
                continue
        return False

    def work() -> None:
        try:
            for item in items:
                if not put(("item", item)):
                    return
            put(("done", None))
        except BaseException as exc:  # handed to the caller, who raises it where the page was due
            put(("error", exc))

    worker = threading.Thread(target=work, name="insightdesk-sync-fetch", daemon=True)
    worker.start()
    try:
        while True:
            kind, value = box.get()
            if kind == "done":
                return
            if kind == "error":
                assert isinstance(value, BaseException)
                raise value
            yield value  # type: ignore[misc]
    finally:
        stopped.set()
        worker.join(timeout=60)
