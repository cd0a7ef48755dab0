"""The app over its own DuckDB file, as `insightdesk serve` runs it, served by uvicorn in a thread.

For tests that must see what the server does to its file when it starts and stops (compaction,
the byte-level search after an erasure): the app opens and closes the store itself, lifespan and all.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn

from insightdesk.api.app import create_app
from insightdesk.api.state import ServerSettings


@contextmanager
def serving_in_thread(db: str | Path) -> Iterator[str]:
    """The app's base URL on a loopback port while the block runs; stopped (and checked stopped) after."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    app = create_app(str(db), ServerSettings(warm_up=False, rollups_max_tickets=0))
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the app did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        assert not thread.is_alive(), "the app did not stop"
