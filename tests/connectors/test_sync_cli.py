"""`insightdesk sync` / `sync-status`, the connectors file's refusals, and the scheduler's tick."""

from __future__ import annotations

import json
import os
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from typer.testing import CliRunner

from insightdesk.cli import app
from insightdesk.config import reset_settings
from insightdesk.connectors import SourceConfigError, SyncScheduler, load_sources
from insightdesk.connectors.sources import credentials, parse_source
from insightdesk.connectors.webhooks import WebhookEvent, record_event
from insightdesk.store import open_store
from tests.connectors.fakes import FakeZendesk, fast_client, status

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
BASE = {"vendor": "zendesk", "base_url": "https://x.zendesk.example", "owner": "ana"}


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        ({**BASE, "vendor": "kayako"}, "vendor must be one of"),
        ({**BASE, "auth": {"type": "basic", "user": "u", "token": "abc"}}, "must not hold a secret"),
        ({**BASE, "auth": {"type": "basic", "user": "u"}}, "needs `secret_env` or `secret_key`"),
        (
            {**BASE, "base_url": "https://u:p@x.example", "auth": {"type": "bearer", "secret_env": "T"}},
            "without credentials",
        ),
        ({**BASE, "auth": {"type": "bearer", "secret_env": "T"}, "page_size": 0}, "positive whole number"),
        (
            {**BASE, "auth": {"type": "bearer", "secret_env": "T"}, "colour": "red"},
            "unknown setting 'colour'",
        ),
    ],
)
def test_the_connectors_file_is_refused_in_one_sentence(spec: dict[str, object], words: str) -> None:
    with pytest.raises(SourceConfigError, match=words):
        parse_source("zd", spec)


def test_credentials_come_from_the_environment_or_a_private_secrets_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = parse_source("zd", {**BASE, "auth": {"type": "bearer", "secret_key": "zd"}})
    secrets = tmp_path / "secrets.yaml"
    secrets.write_text("zd: s3cret\n")
    monkeypatch.setenv("INSIGHTDESK_SECRETS_FILE", str(secrets))
    reset_settings()
    os.chmod(secrets, 0o644)
    with pytest.raises(SourceConfigError, match="chmod 600"):
        credentials(source)
    os.chmod(secrets, 0o600)
    made = credentials(source)
    assert made.value == "Bearer s3cret" and "s3cret" not in repr(made)
    missing = parse_source("zd", {**BASE, "auth": {"type": "bearer", "secret_env": "NOT_SET_ANYWHERE"}})
    with pytest.raises(SourceConfigError, match="environment variable NOT_SET_ANYWHERE is not set"):
        credentials(missing)


def test_sync_command_pulls_reports_and_fails_without_a_traceback(
    httpserver: HTTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store_url = str(tmp_path / "cli.duckdb")  # the command's logic; the engines are the service tests'
    fake = FakeZendesk(httpserver)
    for n in range(1, 4):
        fake.put_ticket(n, T0 + timedelta(minutes=n))
    config = tmp_path / "connectors.yaml"
    config.write_text(
        "sources:\n  zd:\n    vendor: zendesk\n    owner: ana\n    start: 2026-01-01T00:00:00Z\n"
        f"    base_url: {httpserver.url_for('/').rstrip('/')}\n    streams: [tickets]\n"
        "    auth: {type: basic, user: a@b.c/token, secret_env: ZD_TOKEN}\n"
    )
    monkeypatch.setenv("ZD_TOKEN", "do-not-print-me")
    runner = CliRunner()
    done = runner.invoke(app, ["sync", "zd", "--once", "--sources", str(config), "--db", store_url])
    assert done.exit_code == 0, done.output
    assert "sync zd" in done.output and "3" in done.output
    listed = runner.invoke(app, ["sync-status", "--json", "--db", store_url])
    rows = json.loads(listed.stdout)
    assert rows[0]["source"] == "zd" and rows[0]["last_received"] == 3 and rows[0]["lagging"] is True
    fake.fail("/api/v2/incremental/tickets/cursor.json", status(401))
    refused = runner.invoke(app, ["sync", "zd", "--once", "--sources", str(config), "--db", store_url])
    assert refused.exit_code == 2 and "environment variable ZD_TOKEN" in refused.output
    assert "Traceback" not in refused.output and "do-not-print-me" not in refused.output
    # The March tickets lag by months: the first pull raised the sync-lag alert, the second kept it.
    assert "alert raised" in done.output and "alert raised" not in refused.output
    listing = runner.invoke(app, ["alerts", "list", "--json", "--db", store_url]).stdout
    alerts = [json.loads(line) for line in listing.splitlines() if line.strip()]
    assert [(a["rule"], a["series"], a["status"]) for a in alerts] == [("sync_lag", "source:zd", "open")]
    unknown = runner.invoke(app, ["sync", "nope", "--once", "--sources", str(config), "--db", store_url])
    assert unknown.exit_code == 2 and "no source 'nope'" in unknown.output


def test_scheduler_pulls_due_and_signalled_sources(store_url: str, httpserver: HTTPServer) -> None:
    fake = FakeZendesk(httpserver)
    fake.put_ticket(1, T0)
    source = parse_source(
        "zd",
        {**BASE, "base_url": httpserver.url_for("/").rstrip("/"), "streams": ["tickets"],
         "auth": {"type": "bearer", "secret_env": "T"}, "interval_minutes": 60},
    )  # fmt: skip
    calls: list[str] = []

    def sync(store: object, src: object, trigger: str) -> None:
        from insightdesk.connectors import sync_source

        calls.append(trigger)
        sync_source(store, src, trigger=trigger, client_factory=fast_client())  # type: ignore[arg-type]

    with open_store(store_url) as store:
        scheduler = SyncScheduler(store, load=lambda: {"zd": source}, sync=sync)
        assert scheduler.run_due() == ["zd"]  # never synced: due
        assert scheduler.run_due() == []  # synced a moment ago, interval 60 min
        record_event(store.engine, "zd", WebhookEvent("evt-1", "ticket.updated", None))
        assert scheduler.run_due() == ["zd"] and calls == ["schedule", "webhook"]
        assert store.scalar("select count(*) from connector_webhook_events where consumed_at is null") == 0
        assert store.count("tickets") == 1


def test_load_sources_names_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SourceConfigError, match="no connectors file at"):
        load_sources(tmp_path / "absent.yaml")


def test_scheduler_thread_wakes_on_a_signal_and_stops(tmp_path: Path) -> None:
    ticks: list[int] = []

    class Probe(SyncScheduler):
        def run_due(self, now: datetime | None = None) -> list[str]:
            ticks.append(1)
            return []

    scheduler = Probe(object(), tick=60.0)  # type: ignore[arg-type]  # run_due is the probe's: no store needed
    scheduler.start()
    scheduler.wake()  # a webhook: the tick runs now, not in 60 s
    deadline = datetime.now(UTC) + timedelta(seconds=10)
    while not ticks and datetime.now(UTC) < deadline:
        threading.Event().wait(0.01)
    scheduler.stop(timeout=5)
    assert ticks and scheduler._thread is not None and not scheduler._thread.is_alive()
