"""One store per module and engine, seeded with generated customer records (identity.fixtures)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from insightdesk.store import Store, open_store
from tests.support.stores import pg_create, pg_db_name, pg_drop

# As tests/conftest.py parametrises `engine`: every store test of this folder runs on both.
ENGINES = ["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(scope="module", params=ENGINES)
def module_store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """A migrated, empty store per module and engine."""
    if request.param == "duckdb":
        path = tmp_path_factory.mktemp("identity") / "store.duckdb"
        shutil.copyfile(request.getfixturevalue("duckdb_template"), path)
        with open_store(path) as opened:
            yield opened
        return
    name = pg_db_name("identity")
    url = pg_create(name, request.getfixturevalue("pg_template"))
    with open_store(url) as opened:
        yield opened
    pg_drop(name)
