"""Run the app under uvicorn: one process (DuckDB allows one writer per file), many threads."""

from __future__ import annotations

import logging

from insightdesk.api.state import ServerSettings

log = logging.getLogger(__name__)

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def serve(
    target: str | None,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    settings: ServerSettings | None = None,
    log_level: str = "warning",
) -> None:
    """Open the store once and serve the dashboard and API until interrupted."""
    import uvicorn

    from insightdesk.api.app import create_app

    app = create_app(target, settings)
    # One worker: the store is opened once per process; request handlers share it through threads.
    uvicorn.run(app, host=host, port=port, workers=1, log_level=log_level, proxy_headers=False)
