"""One compiled query serves every filter value and date range: results equal a fresh compile."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from insightdesk.metrics import MetricsConfig, compute, get_kpi, templates
from insightdesk.metrics.dimensions import DimensionError
from insightdesk.metrics.execute import cached, clear_cache
from insightdesk.metrics.fixtures import insert

# Snapshot KPIs (backlog age) read the clock: both runs look from the same instant.
CONFIG = MetricsConfig(as_of=dt.datetime(2026, 7, 1))

# One KPI of every kind (share, NPS, mean, median, count, snapshot, backlog, windowed).
KPIS = (
    "csat",
    "nps",
    "ces_mean",
    "frt_median",
    "ticket_volume",
    "channel_mix",
    "repeat_contact_rate",
    "backlog",
    "backlog_age_median",
    "sla_resolution_attainment",
)

CASES = [
    ({"channel": "email"}, "2026-01-01", None, None),
    ({"channel": "chat"}, None, "2026-03-01", "month"),
    ({"customer_tier": "gold", "channel": "email"}, "2025-12-01", "2026-06-01", "week"),
    ({"channel": "it's"}, None, None, None),  # a quote in the value must stay a literal
]


def _results(store) -> list[object]:
    backend = store.ibis()
    out: list[object] = []
    for kpi in map(get_kpi, KPIS):
        for where, since, until, grain in CASES:
            try:
                frame = compute(
                    kpi.name, store=backend, where=where, since=since, until=until, grain=grain, config=CONFIG
                )
            except ValueError as exc:  # e.g. a grain on a snapshot KPI: must fail the same way
                out.append(type(exc).__name__)
                continue
            out.append(frame.drop(columns=["method"], errors="ignore").round(9).astype(str))
    return out


def test_templated_queries_equal_fresh_compiles(fresh_desk, monkeypatch):
    insert(
        fresh_desk,
        "tickets",
        [
            {
                "source_id": "Q1",
                "type": "incident",
                "status": "open",
                "channel": "it's",
                "created_at": pd.Timestamp("2026-02-02 10:00").to_pydatetime(),
            }
        ],
    )
    templated = _results(fresh_desk)
    backend = fresh_desk.ibis()
    assert cached(backend, "literal", ("timestamp_literal", templates.SINCE_PLACEHOLDER))
    monkeypatch.setattr(templates, "TEMPLATE_DIALECTS", frozenset())
    clear_cache(backend)
    plain = _results(fresh_desk)
    assert len(templated) == len(plain)
    for a, b in zip(templated, plain, strict=True):
        if isinstance(a, pd.DataFrame):
            pd.testing.assert_frame_equal(a, b)
        else:
            assert a == b


def test_a_filter_value_reuses_the_compiled_query(fresh_desk):
    backend = fresh_desk.ibis()
    compute("csat", store=backend, where={"channel": "email"})
    before = dict(backend.__dict__["_insightdesk_query_cache"])
    chat = compute("csat", store=backend, where={"channel": "chat"})
    assert dict(backend.__dict__["_insightdesk_query_cache"]) == before  # nothing compiled
    email = compute("csat", store=backend, where={"channel": "email"})
    assert not chat.equals(email) or chat["n"].sum() == email["n"].sum() == 0
    with pytest.raises(DimensionError):
        compute("csat", store=backend, where={"no_such_dimension": "x"})
