"""The sync-lag alert: a source whose lag passes its threshold raises one alert, cleared on recovery.

Connectors measure the lag (`sync_status`); insights.alerts stores, lists and delivers alerts. They
are siblings, so this layer above both joins them, called after each pull by the scheduler inside
`insightdesk serve` and by `insightdesk sync`.

One lag episode is one alert (kind `threshold`, rule `sync_lag`, series `source:<name>`, segment
`all`, period = when the episode was first seen): while the source stays over its threshold, each
pull refreshes that alert's observed lag and keeps its status (an acknowledged alert stays
acknowledged, nothing is delivered again); when the lag is back under the threshold the alert is
closed. A later episode raises a new alert. Lag = now - the newest source update the committed
cursors cover (minutes); a source that never synced has no lag and counts as over.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from insightdesk.connectors import SourceStatus, sync_status
from insightdesk.insights.alerts import LogChannel, alert_id, list_alerts, set_alert_status
from insightdesk.store import Store
from insightdesk.store.tables.insights import alerts as alerts_table

RULE = "sync_lag"


@dataclass
class LagAlerts:
    """What one check did, by source name."""

    raised: list[str] = field(default_factory=list)
    refreshed: list[str] = field(default_factory=list)
    cleared: list[str] = field(default_factory=list)


def check_sync_lag(
    store: Store, *, channels: Sequence[Any] | None = None, now: datetime | None = None
) -> LagAlerts:
    """Raise, refresh or clear each registered source's sync-lag alert (see the module doc)."""
    now = (now or datetime.now(UTC)).astimezone(UTC).replace(tzinfo=None, microsecond=0)
    channels = list((LogChannel(),) if channels is None else channels)
    done = LagAlerts()
    for status in sync_status(store.engine, now=now):
        series = f"source:{status.source}"
        stored = list_alerts(store, kind="threshold", series=series)
        current = [r for r in stored.to_dict("records") if r["rule"] == RULE and r["status"] != "closed"]
        if status.lagging and current:
            _refresh(store, str(current[0]["alert_id"]), status, now)
            done.refreshed.append(status.source)
        elif status.lagging:
            _raise(store, series, status, now, channels)
            done.raised.append(status.source)
        else:
            for row in current:
                set_alert_status(store, str(row["alert_id"]), "closed")
            if current:
                done.cleared.append(status.source)
    return done


def _evidence(status: SourceStatus) -> str:
    return json.dumps(
        {
            "label": f"sync lag of {status.source} ({status.vendor})",
            "unit": "minutes",
            "formula": "now - newest source update covered by the committed cursors",
            "newest_source_update": str(status.newest_source_update) if status.newest_source_update else None,
            "last_success_at": str(status.last_success_at) if status.last_success_at else None,
            "last_error": status.last_error,
            "owner": status.owner,
            "department": status.department,
        }
    )


def _raise(store: Store, series: str, status: SourceStatus, now: datetime, channels: Sequence[Any]) -> None:
    row = {
        "alert_id": alert_id("threshold", RULE, series, "all", "", now),
        "run_id": None,
        "kind": "threshold",
        "rule": RULE,
        "series": series,
        "segment": "all",
        "period": now,
        "grain": None,
        "direction": "above",
        "observed": status.lag_minutes,
        "expected": float(status.lag_alert_minutes),
        "expected_low": None,
        "expected_high": float(status.lag_alert_minutes),
        "n": None,
        "severity": "warning",
        "evidence": _evidence(status),
        "status": "open",
        "delivered": "{}",
        "created_at": now,
        "updated_at": now,
    }
    with store.begin() as conn:
        conn.execute(alerts_table.insert().values(**row))
    evidence = json.loads(_evidence(status))
    payload = {**row, "evidence": evidence, "label": evidence["label"]}
    delivered = {}
    for channel in channels:
        outcome = channel.deliver([payload])[0]
        delivered[channel.name] = outcome.record()
    with store.begin() as conn:
        conn.execute(
            alerts_table.update()
            .where(alerts_table.c.alert_id == row["alert_id"])
            .values(delivered=json.dumps(delivered))
        )


def _refresh(store: Store, alert: str, status: SourceStatus, now: datetime) -> None:
    with store.begin() as conn:
        conn.execute(
            alerts_table.update()
            .where(alerts_table.c.alert_id == alert)
            .values(observed=status.lag_minutes, evidence=_evidence(status), updated_at=now)
        )
