"""Change stamps that tell a server's caches when what they hold is stale.

A stamp is (row count, latest value) per table, so a new batch, a re-run text analysis, a finished
insight run or a changed backlog entry or alert moves it. Callers say which tables exist, from a
check they keep cached, so a stamp costs one connection and a few aggregate queries.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from insightdesk.store.serving import table_stamps

# The data behind the KPIs and texts: ingested batches, text analyses and the theme registry (a
# rename, merge or split from the CLI moves `updated_at` without a new analysis).
DATA_TABLES = (("ingest_batches", "batch_id"), ("text_analyses", "analysed_at"), ("themes", "updated_at"))
# Stored insight results that change without new data: runs, the backlog and alert status.
INSIGHT_TABLES = (
    ("insight_runs", "finished_at"),
    ("painpoint_backlog", "updated_at"),
    ("alerts", "updated_at"),
)
# QA evaluations are only ever added (a correction is a new evaluation), so count and newest move.
QA_TABLES = (("qa_evaluations", "created_at"),)


def data_stamp(engine: sa.Engine, present: Callable[[str], bool]) -> tuple[Any, ...]:
    """Moves when a batch lands or text analyses change (ingest_batches always exists)."""
    return table_stamps(engine, [(t, c) for t, c in DATA_TABLES if t == "ingest_batches" or present(t)])


def insight_stamp(engine: sa.Engine, present: Callable[[str], bool]) -> tuple[Any, ...]:
    """Moves when an insight run finishes or a backlog entry or an alert changes."""
    return table_stamps(engine, [(t, c) for t, c in INSIGHT_TABLES if present(t)])


def qa_stamp(engine: sa.Engine, present: Callable[[str], bool]) -> tuple[Any, ...]:
    """Moves when a QA evaluation is added (by this server or another process)."""
    return table_stamps(engine, [(t, c) for t, c in QA_TABLES if present(t)])
