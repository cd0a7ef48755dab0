"""One BLAS / OpenMP thread for the statistics and models of every insight feature.

On a small machine shared with other work, the thread pools of NumPy and scikit-learn spin against
the other processes: boosting was measured 20x slower (22 s vs 1 s) at load 8 on 2 cores, and the
many small least-squares fits of key drivers and impact analyses run several times faster on one
thread. One thread costs at most the core count on an idle machine. (threadpoolctl ships with
scikit-learn.)
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

_F = TypeVar("_F", bound=Callable[..., Any])


@contextmanager
def one_thread() -> Iterator[None]:
    """Limit the BLAS and OpenMP pools to one thread inside the block."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        yield


def single_threaded(fn: _F) -> _F:
    """Run `fn` inside `one_thread()`."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with one_thread():
            return fn(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
