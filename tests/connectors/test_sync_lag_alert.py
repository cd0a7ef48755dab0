"""The sync-lag alert through insights.alerts: raised once per episode (not once per pull), its lag
refreshed while it lasts, closed when the lag recovers; by the serve scheduler and by the CLI path."""

from __future__ import annotations

import functools
import logging
from datetime import UTC, datetime, timedelta

import pytest
from pytest_httpserver import HTTPServer

from insightdesk.actions.sync_lag import check_sync_lag
from insightdesk.connectors import SyncScheduler
from insightdesk.connectors.runs import utcnow
from insightdesk.connectors.sync import sync_source
from insightdesk.insights.alerts import list_alerts, set_alert_status
from insightdesk.store import Store
from tests.connectors.fakes import FakeZendesk, fast_client, source_for


def lag_alerts(store: Store) -> list[dict[str, object]]:
    frame = list_alerts(store, kind="threshold", series="source:zendesk-test")
    return sorted(frame.to_dict("records"), key=lambda r: str(r["created_at"]))


def test_lag_alert_is_raised_once_refreshed_and_cleared(
    store: Store, httpserver: HTTPServer, caplog: pytest.LogCaptureFixture
) -> None:
    fake = FakeZendesk(httpserver)
    newest = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    fake.put_ticket(1, newest)
    source = source_for("zendesk", httpserver, streams=["tickets"], lag_alert_minutes=60)
    scheduler = SyncScheduler(
        store,
        load=lambda: {source.name: source},
        sync=functools.partial(sync_source, client_factory=fast_client()),
        after_pulls=functools.partial(check_sync_lag, now=newest + timedelta(minutes=90)),
    )
    caplog.set_level(logging.WARNING, logger="insightdesk.alerts")
    assert scheduler.run_due() == [source.name]
    (alert,) = lag_alerts(store)
    assert (alert["rule"], alert["status"], alert["observed"], alert["expected"]) == (
        "sync_lag",
        "open",
        90.0,
        60.0,
    )
    assert (
        alert["delivered"]["log"]["ok"]
        and len([r for r in caplog.records if r.name == "insightdesk.alerts"]) == 1
    )
    set_alert_status(store, str(alert["alert_id"]), "acknowledged")
    # Two more pulls while it lags: the same alert, its lag refreshed, its status kept, nothing delivered again.
    assert scheduler.run_due(now=utcnow() + timedelta(hours=1)) == [source.name]
    later = check_sync_lag(store, now=newest + timedelta(minutes=200))
    assert later.refreshed == [source.name] and not later.raised
    (alert,) = lag_alerts(store)
    assert (alert["status"], alert["observed"]) == ("acknowledged", 200.0)
    assert len([r for r in caplog.records if r.name == "insightdesk.alerts"]) == 1
    # The helpdesk moves on and the pull catches up: the lag is under the threshold, the alert closes.
    fake.put_ticket(2, newest + timedelta(minutes=190))
    sync_source(store, source, client_factory=fast_client())
    recovered = check_sync_lag(store, now=newest + timedelta(minutes=200))
    assert recovered.cleared == [source.name]
    assert [a["status"] for a in lag_alerts(store)] == ["closed"]
    # A new episode is a new alert.
    again = check_sync_lag(store, now=newest + timedelta(days=1))
    assert again.raised == [source.name]
    assert [a["status"] for a in lag_alerts(store)] == ["closed", "open"]
