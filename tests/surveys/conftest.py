"""Fixtures of the survey tests: a real SMTP server on loopback and the settings that point at it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from insightdesk.config import reset_settings
from tests.surveys.smtp import SmtpServer

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
