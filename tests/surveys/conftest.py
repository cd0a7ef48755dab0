"""Fixtures of the survey tests: a real SMTP server on loopback and the settings that point at it."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from insightdesk.config import reset_settings
from insightdesk.store import Store, open_store
from tests.support.stores import pg_create, pg_db_name, pg_drop
from tests.surveys.smtp import SmtpServer

# As tests/conftest.py parametrises `engine`: every store test of this folder runs on both.
ENGINES = ["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)]
LINK_KEY = "survey-link-key-for-tests-0123456789abcdef"


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


@pytest.fixture
def mail_settings(smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch) -> SmtpServer:
    """INSIGHTDESK_SMTP_* and the link key set for this test; an empty mailbox."""
    monkeypatch.setenv("INSIGHTDESK_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("INSIGHTDESK_SMTP_PORT", str(smtp_server.port))
    monkeypatch.setenv("INSIGHTDESK_SMTP_STARTTLS", "false")
    monkeypatch.setenv("INSIGHTDESK_SMTP_FROM", "Support Surveys <surveys@desk.example>")
    monkeypatch.setenv("INSIGHTDESK_SURVEY_LINK_KEY", LINK_KEY)
    monkeypatch.setenv("INSIGHTDESK_PUBLIC_URL", "http://127.0.0.1:8000")
    reset_settings()
    smtp_server.mailbox.clear()
    return smtp_server


@pytest.fixture(scope="module", params=ENGINES)
def module_store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """One migrated store per module and engine: the tests of a module use ids of their own."""
    if request.param == "duckdb":
        path = tmp_path_factory.mktemp("surveys") / "store.duckdb"
        shutil.copyfile(request.getfixturevalue("duckdb_template"), path)
        with open_store(path) as opened:
            yield opened
        return
    name = pg_db_name("surveys")
    url = pg_create(name, request.getfixturevalue("pg_template"))
    with open_store(url) as opened:
        yield opened
    pg_drop(name)
