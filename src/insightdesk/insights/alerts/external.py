"""Alerts that another feature measures (a connector's sync lag, say) but this package stores and delivers.

The caller owns the measurement and the episode logic (when to raise, refresh or clear); this module
owns the `alerts` rows, so an outside alert is listed, acknowledged and delivered like a scanned one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from insightdesk.insights.alerts.findings import alert_id
from insightdesk.insights.alerts.persistence import record_deliveries
from insightdesk.insights.common.runs import to_json
from insightdesk.store.tables.insights import alerts as alerts_table

if TYPE_CHECKING:
    from insightdesk.store import Store


def raise_threshold_alert(
    store: Store,
    *,
    rule: str,
    series: str,
    observed: float | None,
    threshold: float,
    evidence: Mapping[str, Any],
    now: datetime,
    channels: Sequence[Any],
    severity: str = "warning",
) -> str:
    """Store one open `threshold` alert (observed above `threshold`), deliver it, return its id.

    The row is committed before delivery, so a failed channel never loses the alert; each channel's
    outcome is then recorded in `alerts.delivered`, as the scan does.
    """
    new_id = alert_id("threshold", rule, series, "all", "", now)
    row = {
        "alert_id": new_id,
        "run_id": None,
        "kind": "threshold",
        "rule": rule,
        "series": series,
        "segment": "all",
        "period": now,
        "grain": None,
        "direction": "above",
        "observed": observed,
        "expected": float(threshold),
        "expected_low": None,
        "expected_high": float(threshold),
        "n": None,
        "severity": severity,
        "evidence": to_json(dict(evidence)),
        "status": "open",
        "delivered": to_json({}),
        "created_at": now,
        "updated_at": now,
    }
    with store.begin() as conn:
        conn.execute(alerts_table.insert().values(**row))
    payload = {**row, "evidence": dict(evidence), "label": evidence.get("label")}
    outcomes = {channel.name: channel.deliver([payload])[0].record() for channel in channels}
    record_deliveries(store, {new_id: outcomes})
    return new_id


def refresh_threshold_alert(
    store: Store, alert: str, *, observed: float | None, evidence: Mapping[str, Any], now: datetime
) -> None:
    """Update a stored alert's observation and evidence, keeping its status and deliveries."""
    with store.begin() as conn:
        conn.execute(
            alerts_table.update()
            .where(alerts_table.c.alert_id == alert)
            .values(observed=observed, evidence=to_json(dict(evidence)), updated_at=now)
        )
