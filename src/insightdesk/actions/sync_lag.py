"""The sync-lag alert: a source whose lag passes its threshold raises one alert, cleared on recovery.

Connectors measure the lag (`sync_status`); insights.alerts stores, lists and delivers alerts. They
are siblings, so the actions layer, which sits above both and turns findings into work, joins them; called after each pull by the scheduler inside
`insightdesk serve` and by `insightdesk sync`.

One lag episode is one alert (kind `threshold`, rule `sync_lag`, series `source:<name>`, segment
`all`, period = when the episode was first seen): while the source stays over its threshold, each
pull refreshes that alert's observed lag and keeps its status (an acknowledged alert stays
acknowledged, nothing is delivered again); when the lag is back under the threshold the alert is
closed. A later episode raises a new alert. Lag = now - the newest source update the committed
cursors cover (minutes); a source that never synced has no lag and counts as over.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from insightdesk.connectors import SourceStatus, sync_status
from insightdesk.insights.alerts import (
    LogChannel,
    list_alerts,
    raise_threshold_alert,
    refresh_threshold_alert,
    set_alert_status,
)
from insightdesk.store import Store

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
            refresh_threshold_alert(
                store,
                str(current[0]["alert_id"]),
                observed=status.lag_minutes,
                evidence=_evidence(status),
                now=now,
            )
            done.refreshed.append(status.source)
        elif status.lagging:
            raise_threshold_alert(
                store,
                rule=RULE,
                series=series,
                observed=status.lag_minutes,
                threshold=float(status.lag_alert_minutes),
                evidence=_evidence(status),
                now=now,
                channels=channels,
            )
            done.raised.append(status.source)
        else:
            for row in current:
                set_alert_status(store, str(row["alert_id"]), "closed")
            if current:
                done.cleared.append(status.source)
    return done


def _evidence(status: SourceStatus) -> dict[str, Any]:
    return {
        "label": f"sync lag of {status.source} ({status.vendor})",
        "unit": "minutes",
        "formula": "now - newest source update covered by the committed cursors",
        "newest_source_update": str(status.newest_source_update) if status.newest_source_update else None,
        "last_success_at": str(status.last_success_at) if status.last_success_at else None,
        "last_error": status.last_error,
        "owner": status.owner,
        "department": status.department,
    }
