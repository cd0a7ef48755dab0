"""Pain points: the scoring model, fed made-up sums and checked against independent statsmodels
and scipy computations (the backend sums, storage, backlog and CLI are in test_insights_painpoints.py).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats as st
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint, proportions_ztest

from insightdesk.insights.painpoints import (
    PainpointConfig,
    load_config,
)
from insightdesk.insights.painpoints.comparisons import clopper_pearson, newcombe_interval
from insightdesk.insights.painpoints.scoring import score_painpoints

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
