"""The hand-built desk of `insightdesk.metrics.fixtures.small_desk`, loaded once per session and engine.

`desk` is shared by the tests that only read it; `fresh_desk` and `desk_file` are private copies
for a test that writes (roll-ups, extra rows, a CLI run).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from insightdesk.store import Store, open_store
from tests.support.stores import SMALL_DESK, LoadedStores, load_small_desk


@pytest.fixture
def desk(engine: str, loaded_stores: LoadedStores) -> Store:
    """The hand-built desk on each engine, shared: tests only read it."""
    return loaded_stores.shared(SMALL_DESK, engine, load_small_desk)


@pytest.fixture
def duck_desk(loaded_stores: LoadedStores) -> Store:
    """The shared hand-built desk on DuckDB (for a test that compares engines or reads the file)."""
    return loaded_stores.shared(SMALL_DESK, "duckdb", load_small_desk)


@pytest.fixture
def pg_desk(pg_template: str, loaded_stores: LoadedStores) -> Store:
    """The shared hand-built desk on PostgreSQL (for a test that compares engines)."""
    return loaded_stores.shared(SMALL_DESK, "postgres", load_small_desk)


@pytest.fixture
def fresh_desk(engine: str, loaded_stores: LoadedStores, tmp_path: Path) -> Iterator[Store]:
    """A private copy of the hand-built desk on each engine, for a test that writes."""
    with (
        loaded_stores.copy(SMALL_DESK, engine, load_small_desk, tmp_path) as url,
        open_store(url) as store,
    ):
        yield store


@pytest.fixture
def desk_file(loaded_stores: LoadedStores, tmp_path: Path) -> Iterator[Path]:
    """A private DuckDB file holding the hand-built desk (for the CLI and the server)."""
    with loaded_stores.copy(SMALL_DESK, "duckdb", load_small_desk, tmp_path) as url:
        yield Path(url)
