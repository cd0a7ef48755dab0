"""Skill gaps of the whole desk, kept until the data or the QA evaluations change.

Computing them asks the KPI engine per topic (a second or more on a small desk), and the QA page and
`GET /api/v1/qa/skill-gaps` ask for the same desk-wide table for every reader; each reader's row scope
and the audit entry are applied afterwards, per request, by `quality.read_skill_gaps`. Callers hold the
metrics lock (the KPI engine runs on the store's shared connection).
"""

from __future__ import annotations

import pandas as pd

from insightdesk.api.state import AppState
from insightdesk.explore import qa_stamp
from insightdesk.quality import skill_gaps


def desk_skill_gaps(state: AppState, unit: str, topic: str) -> pd.DataFrame:
    """A copy of the cached desk-wide gaps: the caller scopes it to the reader."""
    key = ("qa.skill_gaps", unit, topic, state.data_version(), qa_stamp(state.engine, state.has_table))
    frame: pd.DataFrame = state.cache.get_or_compute(
        key, lambda: skill_gaps(state.store, unit=unit, topic=topic)
    )
    return frame.copy()
