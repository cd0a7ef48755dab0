"""One way for a route to run a feature service on the server's store, with one set of lock rules.

The server shares one store connection among its request threads, and a DuckDB connection serves one
thread at a time; the KPI engine, which many services call, runs on it too. So:
- a read holds the metrics lock;
- a write holds the write lock as well (one writer at a time) and clears the cached dashboard reads
  afterwards, whether it succeeded or not, since it may have changed what they show.

A service's own errors become answers that name the problem: its not-found errors a 404, its
refusals a 422 (with the feature's error code).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from insightdesk.api.errors import ApiError
from insightdesk.api.state import AppState
from insightdesk.store.rows import plain

T = TypeVar("T")
ErrorTypes = type[BaseException] | tuple[type[BaseException], ...]


@dataclass(frozen=True)
class ServiceErrors:
    """Which of a feature's exceptions mean "no such thing" (404) and which "refused" (422)."""

    not_found: ErrorTypes = ()
    invalid: ErrorTypes = ()
    invalid_code: str = "invalid_request"


def run_service(state: AppState, fn: Callable[[], T], errors: ServiceErrors, *, write: bool = False) -> T:
    """`fn()` under the server's lock rules, its errors mapped as `errors` says."""
    try:
        if write:
            with state.write_lock, state.metrics_lock:
                try:
                    return fn()
                finally:
                    state.cache.clear()
        with state.metrics_lock:
            return fn()
    except errors.not_found as exc:
        raise ApiError(404, "not_found", _message(exc)) from exc
    except errors.invalid as exc:
        raise ApiError(422, errors.invalid_code, str(exc)) from exc


def json_ready(value: Any) -> Any:
    """A service's answer as JSON-ready values: a data frame becomes its records."""
    if hasattr(value, "to_dict") and hasattr(value, "columns"):
        return plain(value.to_dict("records"))
    return plain(value)


def _message(exc: BaseException) -> str:
    # str(KeyError("x")) is "'x'": the message is its first argument.
    if isinstance(exc, KeyError) and exc.args:
        return str(exc.args[0])
    return str(exc)
