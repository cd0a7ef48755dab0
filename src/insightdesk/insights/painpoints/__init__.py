"""Pain points: themes and categories ranked by severity x frequency x business impact, and their backlog.

Roles, as in every insight feature:
- computation (pure, on sums and frames): `scoring` (the model), `comparisons` (each KPI against
  the rest), `explanation` (the figures and sentences behind a score), `codes` (pain-point codes);
- configuration: `config` (window, kinds, weights, thresholds; TOML), `window` (the ranking window);
- persistence: `persistence` (`painpoints`, `painpoint_backlog`, `painpoint_backlog_events`);
  `facts` and `data` read the desk's tables, summing per pain point in the backend;
- services: `ranking` ranks and stores a run; `backlog` moves a pain point through its statuses,
  `verification` measures a fix before it is verified.
"""

from __future__ import annotations

from insightdesk.insights.painpoints.backlog import (
    STATUSES,
    BacklogUpdate,
    backlog_frame,
    update_painpoint,
)
from insightdesk.insights.painpoints.config import COMPONENTS, PainpointConfig, load_config
from insightdesk.insights.painpoints.errors import BacklogError, PainpointDataError, PainpointNotFound
from insightdesk.insights.painpoints.explanation import trend_text
from insightdesk.insights.painpoints.persistence import (
    backlog_entry,
    backlog_history,
    list_painpoints,
    list_runs,
)
from insightdesk.insights.painpoints.ranking import (
    PainpointRanking,
    get_painpoint,
    rank_painpoints,
    window_for,
)
from insightdesk.insights.painpoints.verification import verify_fix

__all__ = [
    "COMPONENTS",
    "STATUSES",
    "BacklogError",
    "BacklogUpdate",
    "PainpointConfig",
    "PainpointDataError",
    "PainpointNotFound",
    "PainpointRanking",
    "backlog_entry",
    "backlog_frame",
    "backlog_history",
    "get_painpoint",
    "list_painpoints",
    "list_runs",
    "load_config",
    "rank_painpoints",
    "trend_text",
    "update_painpoint",
    "verify_fix",
    "window_for",
]
