"""Anomalies and alerts: KPI and theme series tested against seasonal baselines, threshold rules.

Roles, as in every insight feature:
- computation (pure, on frames and arrays): `anomalies` (seasonal baselines, FDR control), `tails`
  (the tail model of each kind of series), `findings` (alert rows and their ids), `periods`;
- configuration: `config` (DetectionConfig, threshold rules and their YAML file, scan defaults);
- persistence: `persistence` (`alerts`); `series` and `kpi_sql` read the KPI and theme series from
  the desk's tables; `channels` delivers alerts (log, webhook); `external` stores and delivers
  alerts that another feature measures (a connector's sync lag);
- service: `service.run_alerts` reads the series, tests, stores and delivers, returns a report.
"""

from __future__ import annotations

from insightdesk.insights.alerts.channels import LogChannel, WebhookChannel
from insightdesk.insights.alerts.config import (
    DEFAULT_DIMENSIONS,
    DEFAULT_RULES,
    AlertError,
    DetectionConfig,
    ThresholdRule,
    load_rules,
)
from insightdesk.insights.alerts.external import raise_threshold_alert, refresh_threshold_alert
from insightdesk.insights.alerts.findings import alert_id
from insightdesk.insights.alerts.persistence import list_alerts, resolve_alert_id, set_alert_status
from insightdesk.insights.alerts.service import AlertsReport, run_alerts

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
    "list_alerts",
    "load_rules",
    "raise_threshold_alert",
    "refresh_threshold_alert",
    "resolve_alert_id",
    "run_alerts",
    "set_alert_status",
]
