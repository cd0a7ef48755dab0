"""Real stores for tests: a DuckDB file in a temp dir and a fresh PostgreSQL database per test.

One behaviour suite runs on both engines through the `store` fixture's parameters.
PostgreSQL tests skip (with the reason) when no server answers, unless
INSIGHTDESK_REQUIRE_POSTGRES=1 (CI sets it), where they fail instead.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from insightdesk.config import reset_settings
from insightdesk.store import Store, open_store

PG_ADMIN_URL = os.environ.get("INSIGHTDESK_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
_TEMPLATE_DB = f"insightdesk_tmpl_{os.getpid()}"


@pytest.fixture(autouse=True)
def fresh_settings() -> Iterator[None]:
    """Each test reads the environment afresh, so `monkeypatch.setenv` of a setting takes effect."""
    reset_settings()
    yield
    reset_settings()


def _pg_admin_engine() -> sa.Engine:
    url = PG_ADMIN_URL.replace("postgresql://", "postgresql+psycopg://", 1)
    return sa.create_engine(url, isolation_level="AUTOCOMMIT")


def _pg_db_url(name: str) -> str:
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    """A migrated template database; each test clones it (much faster than migrating)."""
    try:
        engine = _pg_admin_engine()
        with engine.connect() as conn:
            conn.execute(sa.text("select 1"))
    except Exception as exc:
        if os.environ.get("INSIGHTDESK_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL required but unreachable at {PG_ADMIN_URL}: {exc}")
        pytest.skip(f"no PostgreSQL server at {PG_ADMIN_URL} ({exc.__class__.__name__})")
    with engine.connect() as conn:
        conn.execute(sa.text(f'drop database if exists "{_TEMPLATE_DB}"'))
        conn.execute(sa.text(f'create database "{_TEMPLATE_DB}"'))
    with open_store(_pg_db_url(_TEMPLATE_DB)) as store:
        assert store.count("tickets") == 0
    yield _TEMPLATE_DB
    with engine.connect() as conn:
        conn.execute(sa.text(f'drop database if exists "{_TEMPLATE_DB}" with (force)'))
    engine.dispose()


@pytest.fixture
def pg_url(pg_template: str) -> Iterator[str]:
    name = f"insightdesk_test_{uuid.uuid4().hex[:12]}"
    engine = _pg_admin_engine()
    with engine.connect() as conn:
        conn.execute(sa.text(f'create database "{name}" template "{pg_template}"'))
    yield _pg_db_url(name)
    with engine.connect() as conn:
        conn.execute(sa.text(f'drop database if exists "{name}" with (force)'))
    engine.dispose()


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where a fresh store lives: a DuckDB file path or a PostgreSQL URL."""
    if request.param == "duckdb":
        return str(tmp_path / "store.duckdb")
    return request.getfixturevalue("pg_url")


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    with open_store(store_url) as opened:
        yield opened


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"../shared/data is not beside this clone ({SHARED_DATA}); real-data tests need it")
    return SHARED_DATA
