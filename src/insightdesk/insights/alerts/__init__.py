"""Anomalies and alerts: KPI and theme series tested against seasonal baselines, threshold rules.

Roles: `series` builds the series from the store, `anomalies` tests them, `channels` delivers
(webhook), `service` runs a scan and persists and updates alerts.
"""

from __future__ import annotations

from insightdesk.insights.alerts.service import (
    AlertError,
    AlertsReport,
    ThresholdRule,
    alert_id,
    list_alerts,
    load_rules,
    run_alerts,
    set_alert_status,
)

__all__ = [
    "AlertError",
    "AlertsReport",
    "ThresholdRule",
    "alert_id",
    "list_alerts",
    "load_rules",
    "run_alerts",
    "set_alert_status",
]
