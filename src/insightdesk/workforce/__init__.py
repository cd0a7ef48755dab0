"""Workforce planning: demand forecasts and Erlang C/A staffing with scenarios.

Roles, as in the insight features: computation (`erlang`, `staffing`, `scenarios`, `calendar`,
`models`, `backtest`, `calibration`, `forecast`, `tiers`, `pools`: pure functions on numbers and
frames), reads of the store (`demand`), persistence (`persistence`: the workforce tables) and the
service (`service`) that the CLI and the API call.
"""

from insightdesk.workforce.calendar import EventFileError, KnownEvent, read_events
from insightdesk.workforce.erlang import QueueMetrics, erlang_a_metrics, erlang_b, erlang_c, erlang_c_metrics
from insightdesk.workforce.forecast import GRANULARITIES, ForecastResult, forecast_demand
from insightdesk.workforce.models import MODEL_NAMES
from insightdesk.workforce.scenarios import Scenario
from insightdesk.workforce.service import (
    StaffingResult,
    forecast_detail,
    list_forecasts,
    run_forecast,
    run_staffing,
    staffing_detail,
)
from insightdesk.workforce.staffing import StaffingParams, agents_for_interval
from insightdesk.workforce.tiers import TOPIC_COLUMNS, escalation_summary, tier_paths

__all__ = [
    "GRANULARITIES",
    "MODEL_NAMES",
    "TOPIC_COLUMNS",
    "EventFileError",
    "ForecastResult",
    "KnownEvent",
    "QueueMetrics",
    "Scenario",
    "StaffingParams",
    "StaffingResult",
    "agents_for_interval",
    "erlang_a_metrics",
    "erlang_b",
    "erlang_c",
    "erlang_c_metrics",
    "escalation_summary",
    "forecast_demand",
    "forecast_detail",
    "list_forecasts",
    "read_events",
    "run_forecast",
    "run_staffing",
    "staffing_detail",
    "tier_paths",
]
