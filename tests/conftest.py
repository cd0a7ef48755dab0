"""Real stores for tests: a DuckDB file in a temp dir and a fresh PostgreSQL database per test.

One behaviour suite runs on both engines through one parametrised fixture, `engine`, on which
`store_url`, `store` and the loaded stores of the folders' conftest.py files build. Expensive content
is built once per session (`loaded_stores`, `sample_db`, `generated_desk`, the live servers) and
copied for a test that writes. PostgreSQL tests skip (with the reason) when no server answers,
unless INSIGHTDESK_REQUIRE_POSTGRES=1 (CI sets it), where they fail instead.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from insightdesk.cli.process import tune_garbage_collector
from insightdesk.config import reset_settings
from insightdesk.sample.generate import GeneratedDesk, generate_desk
from insightdesk.store import Store, open_store
from tests.support import crash_log
from tests.support.stores import (
    PG_ADMIN_URL,
    LoadedStores,
    pg_admin_engine,
    pg_create,
    pg_db_name,
    pg_db_url,
    pg_drop,
)
from tests.support.web_server import (
    LiveServer,
    compute_insights,
    live_pg_server,
    live_server,
    sample_db_file,
    stop_server,
)

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
# Password hashing at argon2id's cheapest cost: a suite creates and signs in hundreds of accounts (every
# test server seeds one per role); at the production cost (64 MiB, 3 passes) each hash or check costs
# 0.15-0.5 s of CPU on these two cores, at this one about 5 ms.
# Set here, before any fixture, so the servers and commands the tests start inherit it; the hashing
# itself is the same code (tests/governance checks the rules, the lockout and the argon2id format).
os.environ.setdefault("INSIGHTDESK_PASSWORD_HASH_TIME_COST", "1")
os.environ.setdefault("INSIGHTDESK_PASSWORD_HASH_MEMORY_KIB", "1024")
# One DuckDB thread per connection: the suite runs one worker per core, so each worker's DuckDB
# starting a thread per core put twice as many threads as cores on queries over a few hundred rows.
# On the ingest and metrics tests this took 20% of their CPU (user time 169-179 s with DuckDB's
# default, 140-145 s with one thread). tests/ingest/test_ingest_parallel_scan.py runs ingests at
# DuckDB's default, on a file large enough for a parallel scan.
os.environ.setdefault("INSIGHTDESK_DUCKDB_THREADS", "1")
# The suite's PostgreSQL databases are thrown away: their commits need not wait for the disk (libpq
# reads PGOPTIONS for every connection, the servers' and subprocesses' included). What a test checks
# after a kill -9 of the client is unchanged: the server still rolls back an open transaction.
os.environ.setdefault("PGOPTIONS", "-c synchronous_commit=off")
# One migrated empty database per process (pytest-xdist workers are processes).
_TEMPLATE_DB = f"insightdesk_tmpl_{os.getpid()}"

# The one parametrisation of engines: every test that runs on both asks for `engine` (directly or
# through `store_url`, `store` or a loaded store of a folder's conftest.py).
ENGINES = ["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(scope="session", autouse=True)
def audit_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """PostgreSQL stores keep their audit key and checkpoints in INSIGHTDESK_AUDIT_DIR (by default under
    ~/.config): the test databases' go to a session folder, for the servers tests start too."""
    folder = tmp_path_factory.mktemp("audit")
    os.environ["INSIGHTDESK_AUDIT_DIR"] = str(folder)
    return folder


@pytest.fixture(autouse=True)
def fresh_settings() -> Iterator[None]:
    """Each test reads the environment afresh, so `monkeypatch.setenv` of a setting takes effect."""
    reset_settings()
    yield
    reset_settings()


def _settings_follow_monkeypatched_environment() -> None:
    """`monkeypatch.setenv` and `delenv` of a setting take effect at once: the settings are read once
    per process and kept (insightdesk.config), and a fixture that opened a store before the test
    body changed the environment has already read them."""
    setenv, delenv = pytest.MonkeyPatch.setenv, pytest.MonkeyPatch.delenv

    def setenv_and_reread(
        self: pytest.MonkeyPatch, name: str, value: str, prepend: str | None = None
    ) -> None:
        setenv(self, name, value, prepend)
        reset_settings()

    def delenv_and_reread(self: pytest.MonkeyPatch, name: str, raising: bool = True) -> None:
        delenv(self, name, raising)
        reset_settings()

    pytest.MonkeyPatch.setenv = setenv_and_reread  # type: ignore[method-assign]
    pytest.MonkeyPatch.delenv = delenv_and_reread  # type: ignore[method-assign]


_settings_follow_monkeypatched_environment()


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    """A migrated template database; each test clones it (much faster than migrating)."""
    try:
        engine = pg_admin_engine()
        with engine.connect() as conn:
            conn.execute(sa.text("select 1"))
    except Exception as exc:
        if os.environ.get("INSIGHTDESK_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL required but unreachable at {PG_ADMIN_URL}: {exc}")
        pytest.skip(f"no PostgreSQL server at {PG_ADMIN_URL} ({exc.__class__.__name__})")
    with engine.connect() as conn:
        conn.execute(sa.text(f'drop database if exists "{_TEMPLATE_DB}"'))
        conn.execute(sa.text(f'create database "{_TEMPLATE_DB}"'))
    engine.dispose()
    with open_store(pg_db_url(_TEMPLATE_DB)) as store:
        assert store.count("tickets") == 0
    yield _TEMPLATE_DB
    pg_drop(_TEMPLATE_DB)


@pytest.fixture
def pg_url(pg_template: str) -> Iterator[str]:
    name = pg_db_name("test")
    yield pg_create(name, pg_template)
    pg_drop(name)


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    """`duckdb` or `postgres`: a test asking for it runs once on each engine."""
    return str(request.param)


@pytest.fixture
def store_url(engine: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where a fresh store lives: a DuckDB file path or a PostgreSQL URL."""
    if engine == "duckdb":
        return str(tmp_path / "store.duckdb")
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture(scope="session")
def duckdb_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated empty DuckDB file: `store` copies it, as PostgreSQL clones `pg_template`."""
    path = tmp_path_factory.mktemp("template") / "empty.duckdb"
    with open_store(path) as created:
        assert created.count("tickets") == 0
    return path


@pytest.fixture
def store(engine: str, store_url: str, request: pytest.FixtureRequest) -> Iterator[Store]:
    """A fresh, migrated, empty store on each engine (`store_url` stays unmigrated until opened)."""
    if engine == "duckdb":
        shutil.copyfile(request.getfixturevalue("duckdb_template"), store_url)
    with open_store(store_url) as opened:
        yield opened
        if engine == "duckdb" and not opened.read_only:
            _skip_checkpoint_at_close(opened)


def _skip_checkpoint_at_close(opened: Store) -> None:
    """The test's file is thrown away: closing it need not first write its log into it (a checkpoint,
    most of what closing costs)."""
    import duckdb

    from insightdesk.store import StoreError

    with contextlib.suppress(StoreError, duckdb.Error):  # the test closed the store itself
        opened.duckdb.execute("PRAGMA disable_checkpoint_on_shutdown")


@pytest.fixture(scope="session")
def loaded_stores(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LoadedStores]:
    """Stores loaded once per session and engine (see tests/support/stores.py)."""
    stores = LoadedStores(
        tmp_path_factory.mktemp("loaded"), lambda: str(request.getfixturevalue("pg_template"))
    )
    yield stores
    stores.close()


@pytest.fixture(scope="session")
def sample_db() -> Path:
    """The bundled sample in a DuckDB file, built once per session: copy it before writing."""
    return sample_db_file()


@pytest.fixture(scope="session")
def generated_desk(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., GeneratedDesk]:
    """`generate_desk(**params)` made once per session and parameters: tests only read the files."""
    made: dict[str, GeneratedDesk] = {}

    def generate(**params: Any) -> GeneratedDesk:
        key = repr(sorted(params.items()))
        if key not in made:
            made[key] = generate_desk(tmp_path_factory.mktemp("generated"), **params)
        return made[key]

    return generate


@pytest.fixture(scope="session")
def server() -> LiveServer:
    """`insightdesk serve` on a copy of the sample, one account and token per role (tests/support/web_server.py)."""
    return live_server()


@pytest.fixture(scope="session")
def insights_server() -> LiveServer:
    """Like `server`, with every insight of the quickstart computed first; no start-up warm-up (its
    background work would take the cores other tests use; the page-timing test uses `server`)."""
    return live_server("insights", prepare=compute_insights, warm_up=False)


@pytest.fixture(scope="session")
def pg_server(pg_template: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """`insightdesk serve` over a fresh, empty PostgreSQL store: admin, analyst and viewer accounts."""
    name = pg_db_name("server")
    server = live_pg_server(pg_create(name, pg_template), tmp_path_factory.mktemp("pg-server") / "server.log")
    yield server
    stop_server(server)
    pg_drop(name)


@pytest.fixture(scope="session")
def spark_session() -> Iterator[Any]:
    """One local Spark session (one JVM) per process for the Spark tests (tests/support/spark.py)."""
    from tests.support.spark import tiny_session

    session = tiny_session()
    yield session
    session.stop()


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"../shared/data is not beside this clone ({SHARED_DATA}); real-data tests need it")
    return SHARED_DATA


# ---- pytest-xdist (`--dist loadgroup`, scripts/test.sh) ------------------------------------------
# Tests that share what is built once per worker run on one worker, so it is built once: the live
# servers and the sample store in one group, a module's module-scoped fixture in its module's group.
# Every other test is scheduled on its own.
SAMPLE_GROUP = "sample-and-servers"
_SAMPLE_FIXTURES = {"server", "insights_server", "sample_db", "fuzz_server", "uploads_server", "pg_server"}


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook, which reads the marks into the node ids
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.get_closest_marker("xdist_group") is not None:
            continue
        names = set(getattr(item, "fixturenames", ()))
        if names & _SAMPLE_FIXTURES:
            item.add_marker(pytest.mark.xdist_group(SAMPLE_GROUP))
            continue
        definitions = getattr(item, "_fixtureinfo", None)
        if definitions is None:
            continue
        scopes = {d.scope for defs in definitions.name2fixturedefs.values() for d in defs}
        if scopes & {"module", "package", "class"}:
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::", 1)[0]))


# ---- worker crashes ----------------------------------------------------------------------------------
def pytest_configure(config: pytest.Config) -> None:
    crash_log.configure(config)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    crash_log.report(terminalreporter)


# ---- the garbage collector ---------------------------------------------------------------------------
def pytest_collection_finish(session: pytest.Session) -> None:
    # As every `insightdesk` process does at start (insightdesk.cli.process): the modules and test
    # items collected so far live as long as the worker, and the KPI compiles of the tests allocate
    # millions of short-lived objects. With CPython's defaults the collector took 10% of the CPU of
    # the metrics and insights tests (18.7 s of 181 s, measured with gc.callbacks); frozen and in
    # larger steps, 4.9 s.
    tune_garbage_collector()


# ---- the CLI under test ------------------------------------------------------------------------------
def _cache_typer_commands() -> None:
    """Typer's test runner builds the click command tree of the app on every `invoke` (it reads
    every command's signature and evaluates its annotations: 90 ms, 35 s of CPU per run of the
    suite). The tree is built once per app here; each invocation still parses its arguments and
    runs the command afresh, as `insightdesk` does once per process."""
    import typer.testing

    built: dict[int, Any] = {}
    build = typer.testing._get_command

    def get_command(app: Any) -> Any:
        key = id(app)
        if key not in built:
            built[key] = (app, build(app))  # the app is kept, so its id is never reused
        return built[key][1]

    typer.testing._get_command = get_command  # type: ignore[attr-defined]


_cache_typer_commands()
