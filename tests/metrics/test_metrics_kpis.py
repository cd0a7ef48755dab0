"""Every built-in KPI's exact value on a hand-built desk, on DuckDB and on PostgreSQL.

The desk is `insightdesk.metrics.fixtures.small_desk`; each expected number below is worked out
by hand from its rows (comments say how).
"""

from __future__ import annotations

import datetime as dt

import ibis
import pandas as pd
import pytest

from insightdesk.metrics import BusinessCalendar, MetricsConfig, MetricsError, compute, list_kpis

UNTIL = "2026-03-01"

# kpi -> (value, n) over the whole desk, snapshot at UNTIL.
EXPECTED = {
    "csat": (3 / 5, 5),  # 5, 3, 4, 1 on 1-5 and 6 on 1-7: satisfied 5, 4, 6
    "nps": (0.0, 5),  # 10, 9 promoters; 7 passive; 3, 0 detractors
    "ces_mean": (5.25, 4),  # 7, 5, 2 and 5-of-5 rescaled to 7
    "ces_easy": (3 / 4, 4),
    "survey_response_rate": (11 / 12, 12),  # 12 invitations, one unanswered
    "fcr": (2 / 4, 4),  # K1 and K3; K2 reopened, K5 reassigned
    "repeat_contact_rate": (1 / 5, 5),  # K2 repeats K1 (C1, billing, 2 days)
    "fcr_person": (2 / 3, 3),  # K1 called back by K2 (C1, billing); K2, K3 not; K5 within 7 days of K7
    "issue_channel_switch_rate": (1 / 4, 4),  # C1 billing K1 email -> K2 chat; C2 access, C3, C2 billing
    "reopen_rate": (1 / 4, 4),
    "escalation_rate": (1 / 4, 4),  # K2 moved L1 -> L2; K5 moved down/sideways
    "handoffs_per_ticket": (0.75, 4),  # 0, 1, 0 (no counter, no events), 2
    "frt_median": (0.75, 4),  # 1, 0.5, 65.5, 0.25 hours
    "frt_mean": (67.25 / 4, 4),
    "frt_business_median": (0.75, 4),  # 1, 0.5, 1.5 (Fri 16-17 + Mon 9-9:30), 0.25
    "frt_business_mean": (3.25 / 4, 4),
    "ttr_median": (26.0, 4),  # 4, 28, 67, 24 hours
    "ttr_mean": (123 / 4, 4),
    "ttr_business_median": (6.0, 4),  # 4, 12, 3, 8 business hours
    "ttr_business_mean": (27 / 4, 4),
    "sla_response_attainment": (3 / 5, 5),  # K3 met by source flag; K4 unanswered past target; K5 15 > 10 min
    "sla_resolution_attainment": (2 / 3, 3),  # K2 28 h > 8 h
    "sla_breaches": (3, 3),  # K2 (resolution), K4, K5 (response)
    "backlog": (2, 2),  # K4 open, K7 pending
    "backlog_age_median": ((26 + 2 / 3 + 18.625) / 2, 2),
    "backlog_aged_share": (1.0, 2),
    "self_service_deflection": (1 / 2, 2),  # CV3 followed by K5 two days later; CV4 not within 7 days
    "bot_containment": (2 / 3, 3),  # CV5 reached an agent
    "channel_switch_rate": (2 / 5, 5),  # CV2 chat -> phone, CV5 bot -> chat
    "ticket_volume": (6, 6),  # K6 cancelled
    "handled_volume": (4, 4),
    "handle_time": (14.0, 2),  # K1: 0.5 new + 0.5 open + 1 open; K2: 24 new + 2 open
}
SHARES = {
    "tier_distribution": {"L1": (2 / 4, 4), "L2": (2 / 4, 4)},
    "channel_mix": {"email": (2 / 6, 6), "chat": (2 / 6, 6), "phone": (1 / 6, 6), "web": (1 / 6, 6)},
}


def test_every_registered_kpi_has_a_hand_checked_value():
    assert {k.name for k in list_kpis()} == set(EXPECTED) | set(SHARES)


def test_every_kpi_exact_value(desk):
    for name, (value, n) in EXPECTED.items():
        df = compute(name, store=desk, until=UNTIL)
        assert len(df) == 1, name
        row = df.iloc[0]
        assert row["value"] == pytest.approx(value, rel=1e-12, abs=1e-12), name
        assert row["n"] == n, name
        assert row["low_n"], name  # every cell here is far below the default min_n of 30
        if not pd.isna(row["ci_low"]):
            assert row["ci_low"] <= row["value"] + 1e-12 <= row["ci_high"] + 2e-12, name
    for name, shares in SHARES.items():
        df = compute(name, store=desk, until=UNTIL)
        got = {r.category: (r.value, r.n) for r in df.itertuples()}
        assert got.keys() == shares.keys(), name
        for cat, (value, n) in shares.items():
            assert got[cat][0] == pytest.approx(value) and got[cat][1] == n, (name, cat)


def _cells(df, *keys):
    return {tuple(getattr(r, k) for k in keys): (round(r.value, 9), r.n) for r in df.itertuples()}


def test_by_month_and_dimensions(desk):
    nps = compute("nps", store=desk, grain="month", until=UNTIL)
    assert _cells(nps, "period") == {
        (pd.Timestamp("2026-01-01"),): (round(100 * 2 / 3, 9), 3),
        (pd.Timestamp("2026-02-01"),): (-100.0, 2),
    }
    # Feedback's own channel first (F10 has no ticket: email), the ticket's otherwise.
    by_channel = compute("nps", store=desk, by=["channel"])
    assert _cells(by_channel, "channel") == {
        ("chat",): (100.0, 1),
        ("email",): (0.0, 3),
        ("web",): (-100.0, 1),
    }
    by_team = compute("nps", store=desk, by=["team"])
    assert _cells(by_team, "team") == {
        ("Frontline",): (0.0, 3),
        ("Specialists",): (100.0, 1),
        (None,): (-100.0, 1),
    }
    by_tier = compute("nps", store=desk, by=["customer_tier"])
    assert _cells(by_tier, "customer_tier") == {("gold",): (round(100 / 3, 9), 3), ("silver",): (-50.0, 2)}
    csat_agent = compute("csat", store=desk, by=["agent"])
    assert _cells(csat_agent, "agent") == {("fx:A1",): (0.75, 4), ("fx:A2",): (0.0, 1)}
    fcr = compute("fcr", store=desk, grain="month")
    assert [(round(v, 9), n) for v, n in zip(fcr.value, fcr.n, strict=True)] == [
        (round(2 / 3, 9), 3),
        (0.0, 1),
    ]
    handled = compute("handled_volume", store=desk, by=["agent"])
    assert _cells(handled, "agent") == {("fx:A1",): (3.0, 3), ("fx:A2",): (1.0, 1)}
    breaches = compute("sla_breaches", store=desk, by=["priority"])
    assert _cells(breaches, "priority") == {
        ("high",): (1.0, 1),
        ("critical",): (1.0, 1),
        ("medium",): (1.0, 1),
    }


def test_cohorts(desk):
    vol = compute("ticket_volume", store=desk, by=["cohort_month"])
    assert _cells(vol, "cohort_month") == {
        (pd.Timestamp("2026-01-01"),): (4.0, 4),
        (pd.Timestamp("2026-02-01"),): (1.0, 1),
        (None,): (1.0, 1),
    }
    cfg = MetricsConfig(cohort_date=dt.date(2026, 2, 1))
    split = compute("ticket_volume", store=desk, by=["cohort_split"], config=cfg)
    assert _cells(split, "cohort_split") == {("before",): (4.0, 4), ("after",): (1.0, 1), (None,): (1.0, 1)}
    with pytest.raises(ValueError, match="cohort_date"):
        compute("ticket_volume", store=desk, by=["cohort_split"])


def test_backlog_by_month(desk):
    df = compute("backlog", store=desk, grain="month", until=UNTIL)
    assert list(df.period) == [pd.Timestamp("2026-01-01"), pd.Timestamp("2026-02-01")]
    assert list(df.value) == [0, 2]  # January's three tickets were all resolved within January


def test_filters_since_until_and_where(desk):
    jan = compute("csat", store=desk, since="2026-01-01", until="2026-02-01")
    assert (jan.value[0], jan.n[0]) == (pytest.approx(2 / 3), 3)
    chat = compute("csat", store=desk, where={"channel": ["chat", "web"]})
    assert (chat.value[0], chat.n[0]) == (pytest.approx(1 / 3), 3)
    deferred = compute("csat", store=desk, where=ibis._.channel == "email")
    assert (deferred.value[0], deferred.n[0]) == (1.0, 2)


def test_min_n_flags(desk):
    df = compute("csat", store=desk, by=["agent"], min_n=2)
    assert dict(zip(df.agent, df.low_n, strict=True)) == {"fx:A1": False, "fx:A2": True}


def test_configurable_conventions(desk):
    # Strict CSAT: only 5 of 5 (and 7 of 7) satisfied.
    strict = MetricsConfig(csat_satisfied={5: (5.0,), 7: (7.0,)})
    assert compute("csat", store=desk, config=strict).value[0] == pytest.approx(1 / 5)
    # A 1-day repeat window drops K2 (two days after K1).
    assert compute("repeat_contact_rate", store=desk, config=MetricsConfig(repeat_days=1)).value[0] == 0
    # Berlin opening hours (08:00-16:00 UTC in winter): K3 from Fri 17:00 local to Mon 10:30 local = 1.5 h.
    berlin = MetricsConfig(calendar=BusinessCalendar(timezone="Europe/Berlin"))
    frt = compute("frt_business_mean", store=desk, config=berlin, where={"priority": "low"})
    assert frt.value[0] == pytest.approx(1.5)
    # SLA on the business clock: K5's 15 calendar minutes are 15 business minutes too (Tue midday).
    business = MetricsConfig(sla_clock="business")
    assert compute("sla_response_attainment", store=desk, config=business, until=UNTIL).value[
        0
    ] == pytest.approx(0.6)


def test_snapshot_kpis_refuse_a_grain(desk):
    with pytest.raises(MetricsError, match="snapshot"):
        compute("backlog_age_median", store=desk, grain="month")


def test_unknown_names_are_explained(desk):
    with pytest.raises(KeyError, match="unknown KPI 'npz'"):
        compute("npz", store=desk)
    with pytest.raises(ValueError, match="unknown dimension"):
        compute("nps", store=desk, by=["colour"])


@pytest.mark.postgres
def test_identical_on_duckdb_and_postgresql(duck_desk, pg_desk):
    """Every KPI cut by joined dimensions and a grain: the same frame from both engines."""
    for kpi in list_kpis():
        cut = dict(by=["channel", "customer_segment"]) | ({} if kpi.snapshot else dict(grain="month"))
        a = compute(kpi.name, store=duck_desk, until=UNTIL, **cut)
        b = compute(kpi.name, store=pg_desk, until=UNTIL, **cut)
        assert len(a) > 0, kpi.name
        pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-9, obj=f"{kpi.name} {cut}")
