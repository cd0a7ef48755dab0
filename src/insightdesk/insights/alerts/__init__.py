"""Anomalies and alerts: KPI and theme series tested against seasonal baselines, threshold rules.

Roles: `series` builds the series from the store, `anomalies` tests them, `channels` delivers
(webhook), `service` runs a scan and persists and updates alerts.
"""

from __future__ import annotations

from insightdesk.insights.alerts.anomalies import DetectionConfig
from insightdesk.insights.alerts.channels import LogChannel, WebhookChannel
from insightdesk.insights.alerts.series import DEFAULT_DIMENSIONS
from insightdesk.insights.alerts.service import (
    DEFAULT_RULES,
    AlertError,
    AlertsReport,
    ThresholdRule,
    alert_id,
    list_alerts,
    load_rules,
    resolve_alert_id,
    run_alerts,
    set_alert_status,
)

__all__ = [
    "DEFAULT_DIMENSIONS",
    "DEFAULT_RULES",
    "AlertError",
    "AlertsReport",
    "DetectionConfig",
    "LogChannel",
    "ThresholdRule",
    "WebhookChannel",
    "alert_id",
    "annotations",
    "list_alerts",
    "load_rules",
    "resolve_alert_id",
    "run_alerts",
    "set_alert_status",
]
