"""Aggregate answers kept as ready JSON bytes until the data changes.

A dashboard asks the same few questions again and again; serving the encoded bytes from memory,
in the event loop, keeps the KPI endpoints fast under many concurrent clients. A miss (or a stale
data version) computes in the thread pool.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from fastapi import Request, Response
from starlette.concurrency import run_in_threadpool

from insightdesk.api.deps import app_state


def _key(request: Request, extra: tuple[Any, ...]) -> tuple[Any, ...]:
    return ("json", request.url.path, tuple(sorted(request.query_params.multi_items())), *extra)


async def json_response(request: Request, build: Callable[[], Any], *extra: Any) -> Response:
    """`build()`'s answer as JSON, cached per path, query and data version (`extra`: e.g. role flags)."""
    state = app_state(request)
    key = _key(request, extra)
    version = state.fresh_version()
    if version is not None:
        body = state.cache.peek((*key, version))
        if body is not None:
            return Response(body, media_type="application/json")

    def work() -> bytes:
        current = state.data_version()
        return state.cache.get_or_compute(
            (*key, current), lambda: json.dumps(build(), default=str, allow_nan=False).encode()
        )

    return Response(await run_in_threadpool(work), media_type="application/json")
