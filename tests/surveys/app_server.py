"""The FastAPI app served by uvicorn in a thread, on a loopback port: real HTTP for the survey pages."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from insightdesk.api.app import create_app
from insightdesk.api.state import ServerSettings
from insightdesk.store import Store
from tests.support.http import http_get
from tests.surveys.smtp import free_port


@contextmanager
def serving(store: Store) -> Iterator[str]:
    """Serve the app over `store` (kept open by the caller); yields the base URL."""
    port = free_port()
    app = create_app(store, ServerSettings(warm_up=False))
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the app did not start")
        time.sleep(0.05)
    assert http_get(base + "/api/v1/health", timeout=5).status_code == 200
    try:
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=10)
