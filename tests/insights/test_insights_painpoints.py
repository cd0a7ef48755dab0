"""Pain points: backend sums, the scoring model, storage, the backlog and the CLI.

The hand-built desk (`_desk`) is small enough that every sum below is worked out by hand in the
comments; the scoring tests feed made-up sums to the pure function and check it against
independent statsmodels / scipy computations; one test ranks a generated desk with planted effects.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from scipy import stats as st
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint, proportions_ztest
from typer.testing import CliRunner

from insightdesk.insights.painpoints import (
    BacklogError,
    PainpointConfig,
    PainpointDataError,
    PainpointNotFound,
    backlog_entry,
    backlog_frame,
    backlog_history,
    get_painpoint,
    list_painpoints,
    list_runs,
    load_config,
    rank_painpoints,
    update_painpoint,
)
from insightdesk.insights.painpoints.backlog import TRANSITIONS
from insightdesk.insights.painpoints.codes import Codes
from insightdesk.insights.painpoints.comparisons import clopper_pearson, newcombe_interval
from insightdesk.insights.painpoints.data import aggregate_painpoints
from insightdesk.insights.painpoints.scoring import score_painpoints
from insightdesk.insights.painpoints.window import Window, resolve_window
from insightdesk.metrics.fixtures import insert, ref
from insightdesk.store import Store
from insightdesk.store.tables.text import text_analyses, themes

WINDOW = Window(dt.datetime(2026, 1, 1), dt.datetime(2026, 1, 29))  # mid = 2026-01-15
TINY = PainpointConfig(min_tickets=1, min_n=2)


def _t(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def _ticket(sid: str, category: str | None, customer: str | None, created: str, **kw: Any) -> dict[str, Any]:
    resolved = kw.pop("resolved", None)
    return {
        "source_id": sid,
        "type": "incident",
        "status": kw.pop("status", "resolved" if resolved else "open"),
        "category": category,
        "customer_id": ref(customer),
        "team_id": ref("TM1"),
        "created_at": _t(created),
        "resolved_at": _t(resolved) if resolved else None,
        "reopen_count": kw.pop("reopen_count", 0),
        "reassignment_count": kw.pop("reassignment_count", 0),
        **kw,
    }


def _themes(store: Store) -> None:
    now = dt.datetime(2026, 1, 1)
    base = {"label_source": "auto", "merged_into": None, "created_at": now, "updated_at": now}
    rows = [
        {"theme_id": "T1", "label": "double charge", "status": "active", **base},
        {"theme_id": "T2", "label": "charged twice", "status": "merged", **base, "merged_into": "T1"},
        {"theme_id": "T3", "label": "old theme", "status": "retired", **base},
        {"theme_id": "T4", "label": "login loop", "status": "active", **base},
    ]
    with store.begin() as conn:
        conn.execute(themes.insert(), rows)


def _texts(store: Store, rows: list[tuple[str, str, str, str, str | None, float | None, str]]) -> None:
    """(entity, record_id, field, author_role, theme_id, sentiment, ticket source id)."""
    now = dt.datetime(2026, 2, 1)
    data = [
        {
            "entity": entity,
            "record_id": record,
            "field": field,
            "text_sha256": f"{entity}{record}{field}",
            "author_role": role,
            "theme_id": theme,
            "sentiment_score": sentiment,
            "ticket_id": ref(ticket),
            "model_name": "test",
            "model_version": "1",
            "analysed_at": now,
        }
        for entity, record, field, role, theme, sentiment, ticket in rows
    ]
    with store.begin() as conn:
        conn.execute(text_analyses.insert(), data)


def _desk(store: Store) -> None:
    """Eight live tickets in the window (two categories, one without), worked out by hand below.

    Billing: K1 (C1, 01-05, 10 h), K2 (C1, 01-08, 24 h, reassigned), K3 (C2, 01-16, 4 h, two agent
    replies), K4 (C3, 01-20, open). Login: K5 (C4, 01-03, 2 h), K6 (C4, 01-18, 1 h, reopened),
    K7 (C5, 01-22, 6 h). No category: K8 (C2, 01-10, 2 h). Outside: K9 (C1, Billing, 2025-12-30:
    makes K1 a repeat contact), K10 cancelled.
    """
    insert(store, "teams", [{"source_id": "TM1", "name": "Frontline", "support_tier": "L1"}])
    insert(store, "agents", [{"source_id": "A1", "name": "Ann", "team_id": ref("TM1"), "support_tier": "L1"}])
    insert(
        store,
        "customers",
        [
            {"source_id": "C1", "tier": "gold", "lifetime_value": 1000.0},
            {"source_id": "C2", "tier": "silver", "lifetime_value": 400.0},
            {"source_id": "C3", "tier": "bronze", "lifetime_value": 100.0},
            {"source_id": "C4", "tier": "gold", "lifetime_value": 2000.0},
            {"source_id": "C5", "tier": "bronze", "lifetime_value": None},
        ],
    )
    insert(store, "problems", [{"source_id": "P1", "title": "Duplicate payments", "status": "open"}])
    insert(
        store,
        "tickets",
        [
            _ticket("K1", "Billing", "C1", "2026-01-05 09:00", resolved="2026-01-05 19:00"),
            _ticket(
                "K2", "Billing", "C1", "2026-01-08 09:00", resolved="2026-01-09 09:00", reassignment_count=1
            ),
            _ticket("K3", "Billing", "C2", "2026-01-16 10:00", resolved="2026-01-16 14:00"),
            _ticket("K4", "Billing", "C3", "2026-01-20 10:00", reopen_count=None, reassignment_count=None),
            _ticket("K5", "Login", "C4", "2026-01-03 10:00", resolved="2026-01-03 12:00"),
            _ticket("K6", "Login", "C4", "2026-01-18 10:00", resolved="2026-01-18 11:00", reopen_count=1),
            _ticket("K7", "Login", "C5", "2026-01-22 10:00", resolved="2026-01-22 16:00"),
            _ticket("K8", None, "C2", "2026-01-10 10:00", resolved="2026-01-10 12:00"),
            _ticket("K9", "Billing", "C1", "2025-12-30 10:00", resolved="2025-12-30 11:00"),
            _ticket("K10", "Billing", "C2", "2026-01-12 10:00", status="cancelled"),
        ],
    )
    insert(
        store,
        "interactions",
        [
            {
                "source_id": f"I{i}",
                "conversation_id": "V3",
                "ticket_id": ref("K3"),
                "author_role": "agent",
                "occurred_at": _t("2026-01-16 11:00"),
            }
            for i in (1, 2)
        ],
    )

    def answer(
        sid: str, ticket: str | None, customer: str, scale: str, score: float | None, day: str
    ) -> dict:
        lo, hi = {"csat": (1, 5), "nps": (0, 10), "ces": (1, 7)}[scale]
        return {
            "source_id": sid,
            "ticket_id": ref(ticket),
            "customer_id": ref(customer),
            "scale": scale,
            "scale_min": lo,
            "scale_max": hi,
            "score": score,
            "answered_at": _t(day) if score is not None else None,
            "sent_at": _t(day),
        }

    insert(
        store,
        "feedback",
        [
            answer("F1", "K1", "C1", "csat", 2, "2026-01-06"),
            answer("F2", "K2", "C1", "csat", 1, "2026-01-10"),
            answer("F3", "K3", "C2", "csat", 5, "2026-01-17"),
            answer("F4", "K5", "C4", "csat", 5, "2026-01-04"),
            answer("F5", "K6", "C4", "csat", 4, "2026-01-19"),
            answer("F6", "K7", "C5", "csat", 3, "2026-01-23"),
            answer("F7", "K8", "C2", "csat", 5, "2026-01-11"),
            answer("F8", "K1", "C1", "csat", None, "2026-01-06"),  # sent, never answered
            answer("F9", "K3", "C2", "nps", 10, "2026-01-17"),
            answer("F10", "K1", "C1", "ces", 2, "2026-01-06"),
            answer("R1", None, "C1", "nps", 3, "2026-01-10"),  # relationship surveys
            answer("R2", None, "C4", "nps", 10, "2026-01-11"),
            answer("R3", None, "C2", "nps", 9, "2025-12-01"),  # before the window
        ],
    )
    _themes(store)
    _texts(
        store,
        [
            ("tickets", ref("K1"), "description", "customer", "T1", -0.8, "K1"),
            ("tickets", ref("K2"), "subject", "customer", "T2", -0.6, "K2"),  # merged into T1
            ("tickets", ref("K3"), "description", "customer", "T3", 0.2, "K3"),  # retired theme
            ("interactions", "I9", "body", "customer", "T1", -0.4, "K3"),
            ("feedback", "F99", "comment", "customer", "T1", -1.0, "K4"),  # survey comment: left out
            ("tickets", ref("K5"), "description", "customer", "T4", 0.5, "K5"),
            ("tickets", ref("K6"), "description", "customer", "T4", 0.3, "K6"),
            ("interactions", "I8", "body", "agent", "T4", -0.9, "K7"),  # agent text: left out
            ("tickets", ref("K8"), "description", "customer", "T1", 0.0, "K8"),
        ],
    )


def _group(data: Any, key: str) -> dict[str, Any]:
    rows = data.groups[data.groups.painpoint_key == key]
    assert len(rows) == 1, key
    return rows.iloc[0].to_dict()


# ---- backend sums ------------------------------------------------------------------------------------


def test_sums_per_painpoint_match_the_hand_count(store: Store) -> None:
    _desk(store)
    data = aggregate_painpoints(store, WINDOW)
    d = data.desk
    # Window: K1-K8 (K9 before it, K10 cancelled); K3, K4, K6, K7 from 01-15 on.
    assert (d["tickets"], d["tickets_recent"]) == (8, 4)
    assert (d["csat_n"], d["csat_sat"]) == (7, 4)
    assert (d["nps_n"], d["nps_prom"], d["cnps_n"], d["cnps_prom"], d["cnps_det"]) == (1, 1, 2, 1, 1)
    # Resolved: all but K4. FCR: K1, K5, K7, K8 (K2 reassigned, K3 two agent replies, K6 reopened).
    assert (d["resolved"], d["fcr_hit"], d["esc_hit"]) == (7, 4, 0)
    # Repeats need a customer and a category: K1 (K9 six days before) and K2 (K1 three days before).
    assert (d["repeat_n"], d["repeat_hit"]) == (7, 2)
    assert (d["res_n"], d["res_sum"], d["res_sq"]) == (7, pytest.approx(49), pytest.approx(737))
    # C1-C5; lifetime value of C5 unknown.
    assert (d["customers"], d["ltv_known"], d["ltv_sum"]) == (5, 4, pytest.approx(3500))

    billing = _group(data, "category:Billing")
    assert billing["kind"] == "category" and billing["label"] == "Billing"
    assert (billing["tickets"], billing["tickets_recent"]) == (4, 2)
    assert (billing["csat_n"], billing["csat_sat"], billing["ces_n"], billing["ces_sum"]) == (3, 1, 1, 2)
    assert (billing["resolved"], billing["fcr_hit"], billing["repeat_n"], billing["repeat_hit"]) == (
        3,
        1,
        4,
        2,
    )
    assert (billing["res_n"], billing["res_sum"], billing["res_sq"]) == (3, 38, 692)
    # Sentiment of customer texts that are not survey comments: K1 -0.8, K2 -0.6, K3 mean(0.2, -0.4).
    assert (billing["sent_n"], billing["sent_sum"]) == (3, pytest.approx(-1.5))
    # Value at risk: C1 answered 3 (two low CSAT, one NPS detractor): share 1 -> 1000; C2 answered
    # 2, none unhappy -> 0; C3 answered nothing -> 100 of unanswered value.
    assert (billing["customers"], billing["ltv_sum"]) == (3, pytest.approx(1500))
    assert (billing["var_answered"], billing["ltv_unanswered"]) == (pytest.approx(1000), pytest.approx(100))
    assert (billing["dis_n"], billing["ans_n"]) == (3, 5)
    assert (billing["nps_n"], billing["nps_prom"], billing["cnps_n"], billing["cnps_det"]) == (1, 1, 1, 1)

    login = _group(data, "category:Login")
    assert (login["tickets"], login["customers"], login["ltv_known"]) == (3, 2, 1)
    assert (login["var_answered"], login["ltv_unanswered"], login["dis_n"], login["ans_n"]) == (0, 0, 1, 4)

    # Theme T1: K1, K2 (merged T2), K3 (a customer message), K8; not K4 (survey comment only).
    t1 = _group(data, "theme:T1")
    assert (t1["tickets"], t1["label"], t1["sent_n"], t1["sent_sum"]) == (
        4,
        "double charge",
        4,
        pytest.approx(-1.5),
    )
    # T4: K5 and K6; the agent's message does not put K7 in it. T2 and T3 are no pain points.
    assert _group(data, "theme:T4")["tickets"] == 2
    assert not data.groups.painpoint_key.isin(["theme:T2", "theme:T3"]).any()
    cross = _group(data, "theme:T1|category:Billing")
    assert (cross["kind"], cross["tickets"], cross["label"]) == (
        "theme_x_category",
        3,
        "double charge / Billing",
    )
    assert len(data.groups) == 6  # 2 categories, 2 themes, 2 crosses

    weekly = data.weekly[data.weekly.painpoint_key == "category:Billing"].sort_values("week")
    # Every ISO week the window touches, empty ones included (2025-12-29 .. 2026-01-26).
    assert list(zip(weekly.week.dt.strftime("%Y-%m-%d"), weekly.tickets, strict=True)) == [
        ("2025-12-29", 0),
        ("2026-01-05", 2),
        ("2026-01-12", 1),
        ("2026-01-19", 1),
        ("2026-01-26", 0),
    ]
    tiers = data.tiers[data.tiers.painpoint_key == "category:Billing"]
    assert dict(zip(tiers.tier, tiers.n, strict=True)) == {"gold": 1, "silver": 1, "bronze": 1}


def test_survey_comments_count_when_configured(store: Store) -> None:
    _desk(store)
    data = aggregate_painpoints(
        store, WINDOW, entities=("tickets", "interactions", "feedback"), kinds=("theme",)
    )
    assert _group(data, "theme:T1")["tickets"] == 5  # K4 joins through its survey comment
    assert set(data.groups.kind) == {"theme"}


def test_window_defaults_to_the_last_days_of_data(store: Store) -> None:
    _desk(store)
    w = resolve_window(store.ibis(), days=28)
    # Newest ticket 2026-01-22 10:00: the window ends at the next midnight.
    assert (w.since, w.until) == (dt.datetime(2025, 12, 26), dt.datetime(2026, 1, 23))
    assert resolve_window(store.ibis(), since="2026-01-01", until="2026-01-29") == WINDOW
    with pytest.raises(PainpointDataError, match="must be before"):
        resolve_window(store.ibis(), since="2026-02-01", until="2026-01-01")
    with pytest.raises(PainpointDataError, match=r"no tickets created in 2027-01-01 \.\. 2027-02-01"):
        rank_painpoints(store, since="2027-01-01", until="2027-02-01")


def test_painpoint_codes_round_trip() -> None:
    codes = Codes(["A", "B"], ["T1", "T2", "T3"])
    keys = ["category:A", "category:B", "theme:T1", "theme:T3"]
    keys += [f"theme:{t}|category:{c}" for t in ("T1", "T2", "T3") for c in ("A", "B")]
    found = codes.codes_of(keys)
    # 1-2 categories, 3-5 themes (T2 = 4 was not asked), 6-11 the crosses.
    assert sorted(found) == [1, 2, 3, 5, 6, 7, 8, 9, 10, 11]
    assert [codes.key(c)[0] for c in found] == keys
    assert codes.key(0)[0] == "__window__"
    assert codes.key(codes.codes_of(["theme:T2|category:B"])[0])[1:] == ("theme_x_category", "T2", "B")
    assert codes.codes_of(["theme:T9", "category:Z", "nonsense"]) == []
    odd = Codes(["Billing | refunds: EU"], ["T1"])
    for key in ("category:Billing | refunds: EU", "theme:T1|category:Billing | refunds: EU"):
        assert odd.key(odd.codes_of([key])[0])[0] == key


def test_an_empty_store_says_what_to_do(store: Store) -> None:
    with pytest.raises(PainpointDataError, match="no tickets"):
        rank_painpoints(store)


# ---- the scoring model (pure) -----------------------------------------------------------------------------


def _sums(**values: float) -> dict[str, float]:
    from insightdesk.insights.painpoints.facts import CUSTOMER_SUMS, SUMS

    row = dict.fromkeys((*SUMS, *CUSTOMER_SUMS), 0.0)
    row.update(values)
    return row


def _groups(rows: dict[str, dict[str, float]]) -> pd.DataFrame:
    out = []
    for key, values in rows.items():
        kind, _, name = key.partition(":")
        out.append(
            {
                "painpoint_key": key,
                "kind": kind,
                "theme_id": name if kind == "theme" else None,
                "category": name if kind == "category" else None,
                "label": name,
                **_sums(**values),
            }
        )
    return pd.DataFrame(out)


DESK = _sums(
    tickets=10_000, tickets_recent=5_000, csat_n=2_000, csat_sat=1_500, customers=5_000, ltv_sum=5e6,
    dis_n=500, ans_n=2_000,
)  # fmt: skip


def test_csat_gap_uses_newcombe_and_its_conservative_end() -> None:
    groups = _groups(
        {"category:A": {"tickets": 1_000, "tickets_recent": 500, "csat_n": 200, "csat_sat": 100}}
    )
    cfg = PainpointConfig()
    frame = score_painpoints(groups, DESK, cfg)
    csat = frame.metrics[0]["kpis"]["csat"]
    # Pain point 100/200 against the rest 1400/1800; gap = rest - pain point.
    low, high = confint_proportions_2indep(1400, 1800, 100, 200, method="newcomb", compare="diff")
    assert csat["value"] == pytest.approx(0.5) and csat["rest"]["value"] == pytest.approx(1400 / 1800)
    assert csat["gap"] == pytest.approx(1400 / 1800 - 0.5)
    assert (csat["gap_ci_low"], csat["gap_ci_high"]) == (pytest.approx(low), pytest.approx(high))
    assert csat["p_value"] == pytest.approx(proportions_ztest([100, 1400], [200, 1800])[1])
    assert (csat["n"], csat["rest"]["n"], csat["low_n"]) == (200, 1800, False)
    comp = frame.metrics[0]["components"]["csat"]
    assert comp["magnitude"] == pytest.approx(low)
    assert comp["score"] == pytest.approx(min(1.0, low / cfg.full_at["csat"]))
    # Only CSAT is measured on this desk, so severity is the CSAT score itself.
    assert frame.severity[0] == pytest.approx(comp["score"])


def test_newcombe_interval_matches_statsmodels() -> None:
    k1, n1, k2, n2 = (
        np.array([3, 40, 0]),
        np.array([10, 200, 25]),
        np.array([50, 90, 7]),
        np.array([70, 300, 40]),
    )
    low, high = newcombe_interval(k1, n1, k2, n2)
    for i in range(3):
        ref_low, ref_high = confint_proportions_2indep(
            k1[i], n1[i], k2[i], n2[i], method="newcomb", compare="diff"
        )
        assert (low[i], high[i]) == (pytest.approx(ref_low), pytest.approx(ref_high))


def test_clopper_pearson_matches_statsmodels() -> None:
    k, n = np.array([0, 3, 45, 60]), np.array([10, 10, 60, 60])
    low, high = clopper_pearson(k, n, 0.9)
    ref_low, ref_high = proportion_confint(k, n, alpha=0.1, method="beta")
    assert np.allclose(low, ref_low) and np.allclose(high, ref_high)


def test_score_is_the_product_of_lifted_factors() -> None:
    groups = _groups(
        {
            "category:A": {
                "tickets": 1_000,
                "tickets_recent": 500,
                "csat_n": 200,
                "csat_sat": 100,
                "customers": 800,
            },
            "category:B": {
                "tickets": 1_000,
                "tickets_recent": 500,
                "csat_n": 200,
                "csat_sat": 150,
                "customers": 800,
            },
        }
    )
    cfg = PainpointConfig()
    frame = score_painpoints(groups, DESK, cfg).set_index("painpoint_key")
    for key in ("category:A", "category:B"):
        r = frame.loc[key]
        comps = r.metrics["components"]
        # Frequency: volume 10% of tickets (full at 5%: score 1) and a flat trend (score 0), weights 2:1.
        assert comps["volume"]["score"] == 1.0 and comps["trend"]["score"] == 0.0
        assert r.frequency == pytest.approx(2 / 3)
        # Impact: 16% of customers (full at 10%); no value at risk without lifetime value answers here.
        assert r.business_impact == pytest.approx((1.0 * 1.0 + 2.0 * comps["value_at_risk"]["score"]) / 3.0)
        lifted = [0.05 + 0.95 * f for f in (r.severity, r.frequency, r.business_impact)]
        assert r.score == pytest.approx(np.prod(lifted))
    # B's CSAT (75%) is the rest's: no severity, ranked below A.
    assert frame.loc["category:B", "severity"] == 0.0
    assert list(frame.sort_values("rank").index) == ["category:A", "category:B"]


def test_explanation_names_the_factors_largest_first() -> None:
    groups = _groups({"category:A": {"tickets": 1_000, "tickets_recent": 500, "csat_n": 200, "csat_sat": 100,
                                      "customers": 800}})  # fmt: skip
    frame = score_painpoints(groups, DESK)
    explanation = frame.explanation[0]
    shares = [e["contribution"] for e in explanation]
    assert shares == sorted(shares, reverse=True)
    assert sum(shares) == pytest.approx(1.0)
    assert {e["component"] for e in explanation} == {"csat", "volume", "customers"}
    csat = next(e for e in explanation if e["component"] == "csat")
    assert csat["factor"] == "severity"
    assert csat["text"].startswith("CSAT 28 pts below the rest (95% CI ")
    assert "50% vs 78%, n=200 vs 1,800" in csat["text"]


def test_small_samples_are_flagged_and_do_not_count() -> None:
    groups = _groups({"category:A": {"tickets": 500, "tickets_recent": 250, "csat_n": 10, "csat_sat": 0}})
    frame = score_painpoints(groups, DESK, PainpointConfig(min_n=30))
    csat = frame.metrics[0]["kpis"]["csat"]
    assert csat["low_n"] and csat["gap"] == pytest.approx(1500 / 1990)
    assert frame.metrics[0]["components"]["csat"]["score"] == 0.0
    assert frame.severity[0] == 0.0
    note = [e for e in frame.explanation[0] if e.get("low_n")]
    assert note and note[0]["component"] == "csat" and "n=10 vs 1,990" in note[0]["text"]
    # The same answers count once the floor is below them.
    assert score_painpoints(groups, DESK, PainpointConfig(min_n=5)).severity[0] > 0


def test_trend_is_the_share_ratio_with_an_exact_interval() -> None:
    groups = _groups({"theme:T9": {"tickets": 60, "tickets_recent": 45}})
    desk = _sums(tickets=10_000, tickets_recent=6_000, customers=1)
    frame = score_painpoints(groups, desk, PainpointConfig(min_tickets=1))
    t = frame.metrics[0]["trend"]
    ci = st.binomtest(45, 60, 0.6).proportion_ci(method="exact")
    odds0 = 0.6 / 0.4
    assert t["share_ratio"] == pytest.approx((45 / 15) / odds0)  # = (45/6000) / (15/4000)
    assert t["ci_low"] == pytest.approx(ci.low / (1 - ci.low) / odds0)
    assert t["ci_high"] == pytest.approx(ci.high / (1 - ci.high) / odds0)
    # Exact two-sided test, twice the smaller tail.
    assert t["p_value"] == pytest.approx(2 * min(st.binom.cdf(45, 60, 0.6), st.binom.sf(44, 60, 0.6)))
    assert frame.trend[0] == pytest.approx(45 / 15 - 1)  # raw change of volume
    assert frame.metrics[0]["components"]["trend"]["magnitude"] == pytest.approx(t["ci_low"] - 1)


def test_value_at_risk_formula() -> None:
    # 100 customers answered (share-weighted value 30k); 20k of value did not answer: they get the
    # pain point's pooled unhappy share, 40 / 100.
    groups = _groups({"category:A": {"tickets": 100, "customers": 120, "ltv_sum": 80_000, "ltv_known": 120,
                                      "var_answered": 30_000, "ltv_unanswered": 20_000, "dis_n": 40,
                                      "ans_n": 100}})  # fmt: skip
    frame = score_painpoints(groups, DESK)
    v = frame.metrics[0]["value"]
    low, high = st.binomtest(40, 100).proportion_ci(method="wilson")
    assert v["value_at_risk"] == pytest.approx(30_000 + 0.4 * 20_000)
    assert (v["ci_low"], v["ci_high"]) == (
        pytest.approx(30_000 + low * 20_000),
        pytest.approx(30_000 + high * 20_000),
    )
    assert frame.value_at_risk[0] == pytest.approx(38_000)
    assert frame.metrics[0]["components"]["value_at_risk"]["magnitude"] == pytest.approx(v["ci_low"] / 5e6)


def test_weights_and_critical_thresholds_come_from_config() -> None:
    groups = _groups(
        {
            "category:Big": {"tickets": 3_000, "tickets_recent": 1_500, "csat_n": 600, "csat_sat": 450},
            "category:Bad": {"tickets": 300, "tickets_recent": 150, "csat_n": 300, "csat_sat": 90},
        }
    )
    desk = _sums(tickets=10_000, tickets_recent=5_000, csat_n=3_000, csat_sat=2_200, customers=1)
    default = score_painpoints(groups, desk).set_index("painpoint_key")
    assert default.loc["category:Bad", "rank"] == 1
    assert default.loc["category:Bad", "critical"] and not default.loc["category:Big", "critical"]
    reasons = default.loc["category:Bad", "metrics"]["critical_reasons"]
    assert any(r.startswith("csat: conservative magnitude") for r in reasons)
    # A desk that only cares about volume ranks the big category first and flags nothing.
    volume_only = PainpointConfig(
        factor_weights={"severity": 0.0, "frequency": 1.0, "business_impact": 0.0}, critical={"score": 0.99}
    )
    by_volume = score_painpoints(groups, desk, volume_only).set_index("painpoint_key")
    assert by_volume.loc["category:Big", "rank"] == 1
    assert not by_volume.critical.any()


def test_redundant_crosses_and_small_painpoints_are_left_out() -> None:
    groups = _groups({"category:A": {"tickets": 50}, "theme:T1": {"tickets": 30}, "theme:T2": {"tickets": 5}})
    cross = groups.iloc[[1]].assign(
        painpoint_key="theme:T1|category:A", kind="theme_x_category", category="A"
    )
    partial = cross.assign(painpoint_key="theme:T2|category:A", theme_id="T2", tickets=4.0)
    frame = score_painpoints(
        pd.concat([groups, cross, partial], ignore_index=True), DESK, PainpointConfig(min_tickets=5)
    )
    # The T1 cross holds exactly T1's tickets; T2's cross has 4 < 5 tickets.
    assert set(frame.painpoint_key) == {"category:A", "theme:T1", "theme:T2"}
    assert frame.attrs["redundant_crosses"] == 1


def test_config_file_merges_onto_the_defaults(tmp_path: Path) -> None:
    path = tmp_path / "painpoints.toml"
    path.write_text(
        "[painpoints]\nmin_n = 50\nkinds = ['category']\n[painpoints.weights]\ncsat = 5\n"
        "[painpoints.critical]\nscore = 0.5\n",
        encoding="utf-8",
    )
    cfg = load_config(path)
    assert cfg.min_n == 50 and cfg.kinds == ("category",)
    assert cfg.weights["csat"] == 5 and cfg.weights["nps"] == PainpointConfig().weights["nps"]
    assert cfg.critical == {"score": 0.5}
    path.write_text("[painpoints.weights]\ncsatt = 1\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"unknown \['csatt'\]"):
        load_config(path)
    with pytest.raises(ValueError, match="unknown setting"):
        PainpointConfig.from_mapping({"window": 30})
    with pytest.raises(ValueError, match="must be numbers >= 0"):
        PainpointConfig(weights={**PainpointConfig().weights, "csat": -1.0})


# ---- a stored ranking ---------------------------------------------------------------------------------


def test_ranking_is_stored_with_its_run_and_explanations(store: Store) -> None:
    _desk(store)
    ranking = rank_painpoints(store, TINY, since="2026-01-01", until="2026-01-29", started_by="cli")
    frame = ranking.frame
    # The T4 cross is exactly theme T4: left out; five remain.
    assert set(frame.painpoint_key) == {
        "category:Billing",
        "category:Login",
        "theme:T1",
        "theme:T4",
        "theme:T1|category:Billing",
    }
    assert list(frame["rank"]) == [1, 2, 3, 4, 5]
    assert frame.score.is_monotonic_decreasing
    stored = list_painpoints(store)
    assert list(stored.painpoint_key) == list(frame.painpoint_key)
    assert stored.run_id.unique().tolist() == [ranking.run_id]
    billing = stored.set_index("painpoint_key").loc["category:Billing"]
    assert billing.tickets == 4 and billing.customers == 3 and billing.status == "new"
    assert billing.metrics["value"]["value_at_risk"] == pytest.approx(1000 + 0.6 * 100)
    assert billing.metrics["weekly"] == [
        ["2025-12-29", 0],
        ["2026-01-05", 2],
        ["2026-01-12", 1],
        ["2026-01-19", 1],
        ["2026-01-26", 0],
    ]
    assert billing.metrics["customers"]["tiers"] == {"bronze": 1, "gold": 1, "silver": 1}
    assert billing.explanation and all("text" in e for e in billing.explanation)
    runs = list_runs(store)
    assert runs.run_id[0] == ranking.run_id
    assert runs.params[0]["window"]["since"] == "2026-01-01T00:00:00"
    assert runs.params[0]["config"]["min_n"] == 2
    assert runs.summary[0]["painpoints"] == 5 and runs.summary[0]["redundant_crosses_left_out"] == 1

    shown = get_painpoint(store, "theme:T1")
    assert shown["label"] == "double charge" and shown["backlog"]["status"] == "new"
    assert [h["new_value"] for h in shown["history"]] == ["new"]
    with pytest.raises(PainpointNotFound, match="did you mean theme:T1"):
        get_painpoint(store, "T1")


def test_backlog_entries_are_created_once(store: Store) -> None:
    _desk(store)
    top2 = rank_painpoints(store, TINY.with_(backlog_top=2), since="2026-01-01", until="2026-01-29").frame
    first = backlog_frame(store)
    expected = set(top2.painpoint_key[top2["rank"] <= 2]) | set(top2.painpoint_key[top2.critical])
    assert set(first.painpoint_key) == expected and set(first.status) == {"new"}
    ranking = rank_painpoints(store, TINY, since="2026-01-01", until="2026-01-29")
    assert sorted(ranking.added_to_backlog) == sorted(set(ranking.frame.painpoint_key) - expected)
    assert len(backlog_frame(store)) == 5
    for key in first.painpoint_key:
        history = backlog_history(store, key)
        assert list(history.field) == ["status"] and list(history.actor) == ["cli"]


# ---- the backlog ----------------------------------------------------------------------------------------


def _account(store: Store, name: str) -> None:
    from insightdesk.governance.users import Actor, create_user

    create_user(store.engine, name, "Painpoint-Owner-Password-2026!", "analyst", actor=Actor("test"))


def test_status_moves_are_validated_and_audited(store: Store) -> None:
    _desk(store)
    _account(store, "dana")
    rank_painpoints(store, TINY, since="2026-01-01", until="2026-01-29")
    key = "theme:T1"

    with pytest.raises(
        BacklogError,
        match="cannot go from new to fix_shipped; allowed from new: under_review, linked_to_problem",
    ):
        update_painpoint(store, key, status="fix_shipped")
    with pytest.raises(BacklogError, match="unknown status 'done'"):
        update_painpoint(store, key, status="done")
    with pytest.raises(BacklogError, match="'nobody' is not an account"):
        update_painpoint(store, key, owner="nobody")
    with pytest.raises(BacklogError, match="not in the backlog"):
        update_painpoint(store, "theme:T404", status="under_review")
    with pytest.raises(BacklogError, match="nothing to change"):
        update_painpoint(store, key)

    update_painpoint(store, key, status="under_review", owner="Dana", note="looks like billing", actor="dana")
    with pytest.raises(BacklogError, match="needs a problem record"):
        update_painpoint(store, key, status="linked_to_problem")
    with pytest.raises(BacklogError, match="problem 'PRB-9' does not exist in problems"):
        update_painpoint(store, key, status="linked_to_problem", problem_id="PRB-9")
    result = update_painpoint(store, key, status="linked_to_problem", problem_id=ref("P1"), actor="dana")
    assert result.entry["status"] == "linked_to_problem" and result.entry["problem_id"] == ref("P1")
    with pytest.raises(BacklogError, match="is in the future"):
        update_painpoint(store, key, status="fix_shipped", shipped_at=dt.datetime(2999, 1, 1))
    update_painpoint(store, key, status="fix_shipped", shipped_at=dt.datetime(2026, 1, 15))

    entry = backlog_entry(store, key)
    assert entry["owner"] == "dana" and entry["shipped_at"] == dt.datetime(2026, 1, 15)
    history = backlog_history(store, key)
    assert list(zip(history.field, history.old_value, history.new_value, history.actor, strict=True)) == [
        ("status", None, "new", "cli"),
        ("status", "new", "under_review", "dana"),
        ("owner", None, "dana", "dana"),
        ("note", None, "looks like billing", "dana"),
        ("status", "under_review", "linked_to_problem", "dana"),
        ("problem_id", None, ref("P1"), "dana"),
        ("status", "linked_to_problem", "fix_shipped", "cli"),
        ("shipped_at", None, "2026-01-15T00:00:00", "cli"),
    ]
    assert set(TRANSITIONS) == {
        "new", "under_review", "linked_to_problem", "fix_shipped", "verified", "wont_fix", "deprioritised"
    }  # fmt: skip


def test_verification_without_a_measured_improvement_needs_force(store: Store) -> None:
    _desk(store)
    rank_painpoints(store, TINY, since="2026-01-01", until="2026-01-29")
    key = "theme:T1"
    update_painpoint(store, key, status="linked_to_problem", problem_id=ref("P1"))
    update_painpoint(store, key, status="fix_shipped", shipped_at=dt.datetime(2026, 1, 15))
    # T1 had 3 of the 4 tickets before 01-15 and 1 of 4 after: too few to tell.
    with pytest.raises(BacklogError, match=r"no significant improvement: share of tickets 75\.0% -> 25\.0%"):
        update_painpoint(store, key, status="verified", verify_days=14, config=TINY)
    result = update_painpoint(store, key, status="verified", verify_days=14, config=TINY, force=True)
    v = result.verification
    assert v["forced"] and not v["improved"]
    assert (v["before"]["tickets"], v["before"]["window_tickets"], v["after"]["tickets"]) == (3, 4, 1)
    assert v["volume_share"]["p_value"] == pytest.approx(proportions_ztest([1, 3], [4, 4])[1])
    stored = backlog_entry(store, key)
    assert stored["status"] == "verified" and stored["verification"]["forced"] is True
    assert backlog_history(store, key).field.iloc[-1] == "verification"


def test_a_fix_that_worked_is_verified_by_the_data(store: Store) -> None:
    """40 Billing + 40 Login tickets in the two weeks before the fix; 5 Billing + 40 Login after."""
    insert(store, "customers", [{"source_id": f"C{i}", "lifetime_value": 100.0} for i in range(10)])
    insert(store, "problems", [{"source_id": "P1", "title": "Duplicate payments", "status": "resolved"}])
    rows, n = [], 0
    for start, billing in ((dt.datetime(2026, 1, 1), 40), (dt.datetime(2026, 1, 15), 5)):
        for category, count in (("Billing", billing), ("Login", 40)):
            for i in range(count):
                created = start + dt.timedelta(hours=7 * i + 1)
                rows.append(_ticket(f"K{n}", category, f"C{n % 10}", created.isoformat(" ")))
                n += 1
    insert(store, "tickets", rows)
    cfg = PainpointConfig(min_tickets=1)
    rank_painpoints(store, cfg, since="2026-01-01", until="2026-01-15")
    key = "category:Billing"
    update_painpoint(store, key, status="linked_to_problem", problem_id=ref("P1"))
    update_painpoint(store, key, status="fix_shipped", shipped_at=dt.datetime(2026, 1, 15))
    result = update_painpoint(store, key, status="verified", verify_days=14, config=cfg)
    v = result.verification
    assert v["improved"] and v["share_fell"] and not v["forced"]
    share = v["volume_share"]
    assert (share["before"], share["after"]) == (pytest.approx(0.5), pytest.approx(5 / 45))
    assert share["p_value"] == pytest.approx(proportions_ztest([5, 40], [45, 80])[1])
    assert v["verdict"].startswith("improved: share of tickets 50.0% -> 11.1%")
    assert backlog_entry(store, key)["verification"]["improved"] is True


# ---- the CLI -------------------------------------------------------------------------------------------


def test_cli_rank_list_show_update_history(store_url: str) -> None:
    from insightdesk.cli import app
    from insightdesk.store import open_store

    with open_store(store_url) as s:
        _desk(s)
    runner = CliRunner()
    db = ["--db", store_url]

    def run(*args: str) -> Any:
        result = runner.invoke(app, ["painpoints", *args, *db])
        assert result.exit_code == 0, result.output
        return result

    ranked = run("rank", "--since", "2026-01-01", "--until", "2026-01-29", "--min-tickets", "1", "--min-n", "2",
                 "--format", "json")  # fmt: skip
    rows = json.loads(ranked.stdout)
    assert rows[0]["rank"] == 1 and {r["painpoint_key"] for r in rows} >= {"category:Billing", "theme:T1"}
    listed = json.loads(run("list", "--format", "json").stdout)
    assert [r["painpoint_key"] for r in listed] == [r["painpoint_key"] for r in rows]
    assert all(r["status"] == "new" for r in listed)
    assert "Why this rank" in run("show", "category:Billing").stdout
    shown = json.loads(run("show", "category:Billing", "--format", "json").stdout)
    assert shown["metrics"]["kpis"]["csat"]["n"] == 3
    assert "linked_to_problem" in run("update", "category:Billing", "--status", "linked_to_problem",
                                      "--problem", ref("P1"), "--note", "dup payments").stdout  # fmt: skip
    bad = runner.invoke(app, ["painpoints", "update", "category:Billing", "--status", "new", *db])
    assert bad.exit_code == 2 and "cannot go from linked_to_problem to new" in bad.output
    history = json.loads(run("history", "category:Billing", "--format", "json").stdout)
    assert [h["field"] for h in history] == ["status", "status", "problem_id", "note"]
    assert "linked_to_problem" in run("backlog", "--status", "linked_to_problem").stdout
    assert "Pain-point ranking runs" in run("runs").stdout
    config = json.loads(runner.invoke(app, ["painpoints", "config"]).stdout)
    assert config["weights"]["csat"] == 3.0 and config["components"]["csat"]["factor"] == "severity"


# ---- a generated desk with planted effects -------------------------------------------------------------


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory, generated_desk: Any) -> Any:
    """3,000 tickets over 3 months (the planted spike week falls in the window's recent half), texts analysed."""
    from insightdesk.ingest import ingest_file
    from insightdesk.sample.generic import GENERIC_KINDS
    from insightdesk.store import open_store
    from insightdesk.text.pipeline_store import analyze_store
    from insightdesk.text.theme_store import discover_store_themes

    root = tmp_path_factory.mktemp("painpoints")
    desk = generated_desk(tickets=3000, seed=7, start="2025-01-01", months=3, interactions=False)
    store = open_store(root / "store.duckdb")
    for kind in GENERIC_KINDS:
        if kind in desk.files:
            ingest_file(store, desk.files[kind], kind, profile="generic")
    analyze_store(store, entities=["tickets"])
    discover_store_themes(store)
    yield store, desk
    store.close()


def test_planted_double_charge_spike_comes_out(generated: Any) -> None:
    store, desk = generated
    spike = next(e for e in desk.planted_effects["effects"] if e["name"] == "theme_spike")
    ranking = rank_painpoints(store)
    frame = ranking.frame
    assert (
        ranking.window.since
        <= dt.datetime.strptime(spike["iso_week"] + "-1", "%G-W%V-%u")
        < ranking.window.until
    )
    # Billing holds the Double charge tickets: among the top 3 of the whole ranking.
    billing = frame.set_index("painpoint_key").loc["category:Billing"]
    assert billing["rank"] <= 3, frame[["rank", "painpoint_key", "score"]].head(5)
    # The themes whose tickets are mostly Double charge are the fastest-growing pain points.
    share = store.query_df(
        "SELECT a.theme_id, avg(CASE WHEN t.subcategory = :sub THEN 1.0 ELSE 0.0 END) AS share "
        "FROM (SELECT DISTINCT ticket_id, theme_id FROM text_analyses WHERE theme_id IS NOT NULL "
        "AND entity = 'tickets') a JOIN tickets t ON t.id = a.ticket_id GROUP BY a.theme_id",
        {"sub": spike["subcategory"]},
    ).set_index("theme_id")["share"]
    frame["trend_magnitude"] = [m["components"]["trend"]["magnitude"] or 0.0 for m in frame.metrics]
    # Near-duplicate themes are merged (text.themes), so the spike may sit in one theme or several:
    # the fastest-growing theme is the Double charge one.
    themes = frame[frame.theme_id.notna()]
    fastest = themes.sort_values("trend_magnitude", ascending=False).head(3)
    double = [k for k in fastest.theme_id if isinstance(k, str) and share.get(k, 0) > 0.5]
    assert double and double[0] == fastest.theme_id.iloc[0], fastest[
        ["painpoint_key", "label", "trend_magnitude"]
    ]
    assert fastest.trend_magnitude.iloc[0] > 0
    top = fastest.iloc[0]
    assert any(e["component"] == "trend" for e in top["explanation"])


def test_ranking_fetches_only_aggregates(generated: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """No ticket- or customer-level rows reach pandas: every fetched result is keyed by pain point."""
    import ibis.expr.types as ir

    store, _ = generated
    fetched: list[pd.DataFrame] = []
    original = ir.Table.execute

    def spy(self: Any, *args: Any, **kwargs: Any) -> Any:
        result = original(self, *args, **kwargs)
        fetched.append(result)
        return result

    monkeypatch.setattr(ir.Table, "execute", spy)
    rank_painpoints(store)
    assert len(fetched) >= 4
    for frame in fetched:
        assert not {"ticket_id", "customer_id", "id"} & set(frame.columns), list(frame.columns)
    # Keyed by pain-point code (0 = the whole window): sums with weekly counts, customer sums, tiers.
    aggregates = [f for f in fetched if "pp" in f.columns]
    assert len(aggregates) == 3
    codes = aggregates[0].pp
    assert codes.is_unique and 0 in set(codes)
    with store.engine.connect() as conn:
        temp = conn.execute(
            sa.text("SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE '_pp_%'")
        ).scalar()
    assert temp == 0  # temporary tables are dropped
