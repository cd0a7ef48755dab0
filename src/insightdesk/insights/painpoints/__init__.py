"""Pain points: themes and categories ranked by severity x frequency x business impact, and their backlog.

Roles: `facts`/`data` read the store, `scoring` computes, `config` holds the weights and thresholds,
`ranking` runs and persists a ranking, `backlog` moves a pain point through its statuses.
"""

from __future__ import annotations

from insightdesk.insights.painpoints.backlog import (
    STATUSES,
    BacklogError,
    BacklogUpdate,
    backlog_entry,
    backlog_frame,
    backlog_history,
    update_painpoint,
    verify_fix,
)
from insightdesk.insights.painpoints.config import COMPONENTS, PainpointConfig, load_config
from insightdesk.insights.painpoints.data import PainpointDataError
from insightdesk.insights.painpoints.ranking import (
    PainpointNotFound,
    PainpointRanking,
    get_painpoint,
    list_painpoints,
    list_runs,
    rank_painpoints,
    window_for,
)

__all__ = [
    "COMPONENTS",
    "STATUSES",
    "BacklogError",
    "BacklogUpdate",
    "PainpointConfig",
    "PainpointDataError",
    "PainpointNotFound",
    "PainpointRanking",
    "annotations",
    "backlog_entry",
    "backlog_frame",
    "backlog_history",
    "get_painpoint",
    "list_painpoints",
    "list_runs",
    "load_config",
    "rank_painpoints",
    "update_painpoint",
    "verify_fix",
    "window_for",
]
