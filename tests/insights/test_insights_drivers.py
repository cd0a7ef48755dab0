"""Key drivers: known answers on hand-built frames, reference computations, storage on both engines,
and the planted drivers of a generated desk found with the right sign."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from scipy.stats import chi2_contingency
from sklearn.linear_model import LogisticRegression
from typer.testing import CliRunner

from insightdesk.cli import app
from insightdesk.insights.common.features import MISSING, ticket_features
from insightdesk.insights.drivers import key_drivers, load_drivers
from insightdesk.insights.drivers.config import OTHER
from insightdesk.insights.drivers.design import build_design
from insightdesk.insights.drivers.disparities import segment_disparities
from insightdesk.insights.drivers.effects import fit_drivers, marginal_effects
from insightdesk.insights.drivers.pvalues import adjust_p
from insightdesk.sample.generate import GeneratedDesk
from insightdesk.sample.generic import GENERIC_KINDS
from insightdesk.store import Store, open_store
from insightdesk.store.tables.insights import driver_effects, insight_runs


def _ingest_desk(store: Store, desk: GeneratedDesk) -> None:
    from insightdesk.ingest import ingest_file

    for kind in GENERIC_KINDS:
        ingest_file(store, desk.files[kind], kind, profile="generic")


# ---- design -------------------------------------------------------------------------------------


def test_design_pools_rare_levels_keeps_missing_and_uses_the_most_frequent_reference() -> None:
    frame = pd.DataFrame(
        {
            "team": ["A"] * 50 + ["B"] * 40 + ["C"] * 5 + ["D"] * 3 + [None] * 35,
            "hours": np.r_[np.arange(120, dtype=float), [np.nan] * 13],
            "breached": [0.0, 1.0] * 66 + [0.0],
            "reopen_count": [0.0] * 120 + [1.0] * 10 + [2.0] * 3,
        }
    )
    design = build_design(frame, ["team"], ["hours", "breached", "reopen_count"], min_level_n=30)
    (team,) = design.categorical
    assert team.levels == ["A", "B", MISSING, OTHER]  # C and D pooled; A is the reference
    assert team.counts.tolist() == [50, 40, 35, 8]
    assert design.columns[:3] == ["team=B", f"team={MISSING}", f"team={OTHER}"]
    hours, breached, reopen = design.numeric
    assert (hours.low, hours.high) == (np.percentile(np.arange(120), 25), np.percentile(np.arange(120), 75))
    assert hours.n_known == 120 and f"hours={MISSING}" in design.columns  # missing indicator column
    assert (breached.low, breached.high) == (0.0, 1.0)
    # A count that is mostly 0 has no spread between its quartiles: median vs the next higher quantile.
    assert (reopen.low, reopen.high) == (0.0, 1.0) and reopen.label.startswith("p50 -> p95")
    x = design.x[:, design.columns.index("hours")]
    # "hours" is not a known skewed column: standardised as it is; known values have mean 0 and sd 1.
    assert not hours.log and abs(x[:120].mean()) < 1e-12 and x[:120].std(ddof=1) == pytest.approx(1.0)
    assert np.isclose(x[120:], 0).all()  # missing hours sit at the mean


def test_design_skips_constant_and_absent_attributes() -> None:
    frame = pd.DataFrame({"a": ["x"] * 10, "b": [1.0] * 10, "c": [np.nan] * 10, "d": ["p", "q"] * 5})
    design = build_design(frame, ["a", "d", "zzz"], ["b", "c"], min_level_n=1)
    assert design.skipped == {
        "a": "a single level",
        "zzz": "not in the data",
        "b": "does not vary",
        "c": "always missing",
    }
    assert design.columns == ["d=q"]


def test_marginal_effects_match_a_brute_force_prediction() -> None:
    """The O(n) counterfactual shortcut equals re-predicting with the attribute overwritten."""
    rng = np.random.default_rng(1)
    n = 600
    frame = pd.DataFrame(
        {
            "team": rng.choice(["A", "B", "C"], n, p=[0.5, 0.3, 0.2]),
            "resolution_hours": rng.lognormal(3, 1, n),
        }
    )
    y = (rng.random(n) < 0.3 + 0.2 * (frame["team"] == "C")).astype(float)
    design = build_design(frame, ["team"], ["resolution_hours"])
    model = LogisticRegression(C=10.0, solver="newton-cholesky").fit(design.x, y)
    mine = marginal_effects(design, model.coef_[0], float(model.intercept_[0]), np.arange(n))
    base = model.predict_proba(design.x)[:, 1].mean()
    expected = []
    for level in range(3):
        x = design.x.copy()
        x[:, 0:2] = 0.0
        if level:
            x[:, level - 1] = 1.0
        expected.append(model.predict_proba(x)[:, 1].mean() - base)
    (num,) = design.numeric
    at = {}
    for name, raw in (("low", num.low), ("high", num.high)):
        x = design.x.copy()
        x[:, num.column] = num.z(raw)
        at[name] = model.predict_proba(x)[:, 1].mean()
    expected.append(at["high"] - at["low"])
    assert np.allclose(mine, expected, atol=1e-12)


# ---- fit: known answers ---------------------------------------------------------------------------


def test_unpenalised_effects_reproduce_the_observed_rates() -> None:
    """With one binary attribute and (almost) no penalty, the logistic MLE reproduces the group
    rates, so the 0 -> 1 effect is exactly the raw difference; with one categorical, each level's
    effect is its rate minus the overall rate."""
    rng = np.random.default_rng(2)
    n = 2000
    flag = (rng.random(n) < 0.4).astype(float)
    team = rng.choice(["A", "B", "C"], n, p=[0.5, 0.3, 0.2])
    y = (rng.random(n) < np.where(flag == 1, 0.5, 0.2)).astype(float)
    frame = pd.DataFrame({"flag": flag, "team": team, "y": y})

    fit = fit_drivers(frame, "y", categorical=[], numeric=["flag"], c=1e8, bootstrap=50, seed=0)
    row = fit.effects.iloc[0]
    raw = y[flag == 1].mean() - y[flag == 0].mean()
    assert row["effect"] == pytest.approx(100 * raw, abs=1e-3)
    assert row["ci_low"] < row["effect"] < row["ci_high"] and row["significant"]
    assert fit.n == n and fit.base_rate == pytest.approx(y.mean())

    fit = fit_drivers(frame, "y", categorical=["team"], numeric=[], c=1e8, bootstrap=50, seed=0)
    by_level = fit.effects.set_index("level")["effect"]
    for level in "ABC":
        assert by_level[level] == pytest.approx(100 * (y[team == level].mean() - y.mean()), abs=1e-3)
    assert not fit.effects["significant"].any()  # team has no effect on y here


def test_bootstrap_interval_covers_the_true_effect_and_is_seeded() -> None:
    rng = np.random.default_rng(3)
    n = 3000
    x = rng.normal(size=n)
    frame = pd.DataFrame({"score": x, "noise": rng.normal(size=n)})
    frame["y"] = (rng.random(n) < 1 / (1 + np.exp(-(-0.5 + 0.8 * x)))).astype(float)
    fit = fit_drivers(frame, "y", categorical=[], numeric=["score", "noise"], bootstrap=100, seed=4)
    again = fit_drivers(frame, "y", categorical=[], numeric=["score", "noise"], bootstrap=100, seed=4)
    pd.testing.assert_frame_equal(fit.effects, again.effects)
    score = fit.effects.set_index("feature").loc["score"]
    q25, q75 = np.percentile(x, [25, 75])
    truth = np.mean(1 / (1 + np.exp(-(-0.5 + 0.8 * q75))) - 1 / (1 + np.exp(-(-0.5 + 0.8 * q25))))
    assert score["ci_low"] < 100 * truth < score["ci_high"]
    assert score["significant"]
    assert not fit.effects.set_index("feature").loc["noise", "significant"]


def test_m_out_of_n_bootstrap_gives_the_full_sample_width() -> None:
    """Resampling 2,000 of 8,000 rows and scaling by sqrt(m/n) estimates the full-sample error."""
    rng = np.random.default_rng(5)
    n = 8000
    frame = pd.DataFrame({"flag": (rng.random(n) < 0.5).astype(float)})
    frame["y"] = (rng.random(n) < np.where(frame["flag"] == 1, 0.35, 0.25)).astype(float)
    full = fit_drivers(frame, "y", categorical=[], numeric=["flag"], bootstrap=200, seed=0)
    sub = fit_drivers(
        frame, "y", categorical=[], numeric=["flag"], bootstrap=200, bootstrap_rows=2000, seed=0
    )
    assert sub.bootstrap_rows == 2000 and "m-out-of-n" in sub.method
    p1, p0 = frame.y[frame.flag == 1].mean(), frame.y[frame.flag == 0].mean()
    n1, n0 = (frame.flag == 1).sum(), (frame.flag == 0).sum()
    se = 100 * np.sqrt(p1 * (1 - p1) / n1 + p0 * (1 - p0) / n0)  # Wald standard error of the gap
    for fit in (full, sub):
        width = fit.effects.iloc[0]["ci_high"] - fit.effects.iloc[0]["ci_low"]
        assert width == pytest.approx(2 * 1.96 * se, rel=0.2)


def test_fit_rejects_what_it_cannot_explain() -> None:
    frame = pd.DataFrame({"y": [1.0] * 50, "flag": [0.0, 1.0] * 25})
    with pytest.raises(ValueError, match="both outcomes"):
        fit_drivers(frame, "y", categorical=[], numeric=["flag"])
    with pytest.raises(ValueError, match="not in the frame"):
        fit_drivers(frame, "nope", categorical=[], numeric=["flag"])


# ---- disparities ------------------------------------------------------------------------------------


def test_adjust_p_matches_holm_and_bh_by_hand() -> None:
    p = np.array([0.01, 0.04, 0.03, np.nan])
    assert np.allclose(adjust_p(p, "holm")[:3], [0.03, 0.06, 0.06])
    assert np.allclose(adjust_p(p, "bh")[:3], [0.03, 0.04, 0.04])
    assert np.isnan(adjust_p(p, "holm")[3])
    with pytest.raises(ValueError, match="holm, bh or none"):
        adjust_p(p, "bonferonni")


def _counts_frame(cells: dict[str, tuple[int, int]]) -> pd.DataFrame:
    rows = []
    for level, (k, n) in cells.items():
        rows += [(level, 1.0)] * k + [(level, 0.0)] * (n - k)
    return pd.DataFrame(rows, columns=["channel", "y"])


def test_disparities_match_the_chi_square_test_and_are_flagged_only_after_adjustment() -> None:
    # chat clearly worse; email a little worse (p ~ 0.03 unadjusted, not after Holm over 10 levels).
    cells = {"chat": (90, 300), "email": (70, 300)} | {f"web{i}": (50, 300) for i in range(8)}
    frame = _counts_frame(cells)
    out = segment_disparities(frame, "y", segments=["channel"], adjust="holm").set_index("level")
    total_k = sum(k for k, _ in cells.values())
    total_n = sum(n for _, n in cells.values())
    for level, (k, n) in cells.items():
        table = [[k, n - k], [total_k - k, total_n - n - (total_k - k)]]
        assert out.loc[level, "p_value"] == pytest.approx(chi2_contingency(table, correction=False)[1])
        assert out.loc[level, "effect"] == pytest.approx(100 * (k / n - (total_k - k) / (total_n - n)))
        assert out.loc[level, "ci_low"] < out.loc[level, "effect"] < out.loc[level, "ci_high"]
    assert out.loc["chat", "significant"] and out.loc["chat", "effect"] > 0
    assert out.loc["email", "p_value"] < 0.05 and not out.loc["email", "significant"]
    expected = adjust_p(out["p_value"].to_numpy(), "holm")
    assert np.allclose(out["p_adjusted"].to_numpy(), expected)


def test_small_levels_are_listed_but_not_tested() -> None:
    frame = _counts_frame({"chat": (5, 10), "email": (40, 200), "web": (45, 200)})
    out = segment_disparities(frame, "y", segments=["channel"], min_n=30).set_index("level")
    assert out.loc["chat", "low_n"] and np.isnan(out.loc["chat", "p_value"])
    assert not out.loc["chat", "significant"]
    assert not out.loc["web", "low_n"] and 0 < out.loc["web", "p_value"] <= 1


# ---- the store, both engines ------------------------------------------------------------------------


@pytest.fixture
def small_desk(generated_desk: Callable[..., GeneratedDesk]) -> GeneratedDesk:
    """Generated once a session: both engines' test and the CLI test read the same files."""
    return generated_desk(tickets=500, feedback_per_ticket=1.0, seed=3)


def test_key_drivers_are_stored_with_their_run(store: Store, small_desk: GeneratedDesk) -> None:
    _ingest_desk(store, small_desk)
    report = key_drivers(store, "repeat_contact", bootstrap=20, seed=1)
    assert report.run_id is not None and report.n > 400
    with store.engine.connect() as conn:
        run = conn.execute(sa.select(insight_runs).where(insight_runs.c.run_id == report.run_id)).one()
        stored = conn.execute(
            sa.select(sa.func.count()).where(driver_effects.c.run_id == report.run_id)
        ).scalar_one()
    assert run.kind == "drivers"
    assert json.loads(run.params)["outcome"] == "repeat_contact"
    assert json.loads(run.summary)["n"] == report.n
    assert stored == len(report.drivers) + len(report.disparities)
    loaded = load_drivers(store)
    assert set(loaded["kind"]) == {"driver", "disparity"}
    mine = report.frame().set_index(["kind", "feature", "level"])["effect"]
    theirs = loaded.set_index(["kind", "feature", "level"])["effect"]
    assert np.allclose(theirs.sort_index(), mine.sort_index(), equal_nan=True)
    # A window, and clear errors.
    later = key_drivers(store, "repeat_contact", since="2025-07-01", bootstrap=20, record=False, min_rows=50)
    assert later.run_id is None and later.n < report.n
    with pytest.raises(ValueError, match="unknown outcome"):
        key_drivers(store, "angry")
    with pytest.raises(ValueError, match="key drivers need at least"):
        key_drivers(store, "detractor")  # one feedback row per ticket: no NPS answers


def test_drivers_cli(tmp_path: Path, small_desk: GeneratedDesk) -> None:
    db = tmp_path / "cli.duckdb"
    with open_store(db) as store:
        _ingest_desk(store, small_desk)
    runner = CliRunner()
    result = runner.invoke(
        app,
        ["drivers", "--db", str(db), "--outcome", "repeat_contact", "--bootstrap", "20", "--format", "json"],
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert rows and {"feature", "level", "effect", "ci_low", "ci_high", "p_adjusted"} <= set(rows[0])
    result = runner.invoke(app, ["drivers", "--db", str(db), "--bootstrap", "20", "--top", "5"])
    assert result.exit_code == 0, result.output
    assert "Drivers of low_csat" in result.stdout
    result = runner.invoke(app, ["drivers", "--db", str(db), "--outcome", "detractor"])
    assert result.exit_code == 2 and "need at least" in result.output


# ---- the planted drivers of a generated desk ---------------------------------------------------------


@pytest.fixture(scope="module")
def planted(
    tmp_path_factory: pytest.TempPathFactory, generated_desk: Callable[..., GeneratedDesk]
) -> Iterator[tuple[Store, pd.DataFrame]]:
    folder = tmp_path_factory.mktemp("planted")
    with open_store(folder / "desk.duckdb") as store:
        # 12,000 tickets give about 3,900 answered surveys: enough for the rarer planted driver (reopened).
        _ingest_desk(store, generated_desk(tickets=12_000, feedback_per_ticket=3.0, seed=7))
        yield store, ticket_features(store)


def _effect(report, feature: str, level: str = "") -> pd.Series:  # type: ignore[no-untyped-def]
    drivers = report.drivers.set_index(["feature", "level"])
    return drivers.loc[(feature, level)]


@pytest.mark.parametrize("outcome", ["low_csat", "detractor"])
def test_planted_experience_drivers_are_found(planted: tuple[Store, pd.DataFrame], outcome: str) -> None:
    store, features = planted
    report = key_drivers(store, outcome, features=features, bootstrap=100)
    # Planted (sample/planted.py): Service Desk South's customers are less satisfied; reopening,
    # reassignment and long resolution lower satisfaction. All raise the outcome's risk.
    for feature, level in [
        ("team", "Service Desk South"),
        ("reopen_count", ""),
        ("reassignment_count", ""),
        ("resolution_hours", ""),
    ]:
        row = _effect(report, feature, level)
        assert row["significant"] and row["effect"] > 0 and row["ci_low"] > 0, (feature, row.to_dict())
    assert _effect(report, "team", "Service Desk South")["effect"] > 8  # about +15 points planted
    assert report.top(1).iloc[0]["significant"]


def test_planted_repeat_contact_channel_is_found(planted: tuple[Store, pd.DataFrame]) -> None:
    store, features = planted
    report = key_drivers(store, "repeat_contact", features=features, bootstrap=100)
    chat = _effect(report, "channel", "chat")
    assert chat["significant"] and chat["ci_low"] > 5  # 25% vs 5% follow-ups planted
    others = report.drivers[(report.drivers["feature"] == "channel") & (report.drivers["level"] != "chat")]
    assert (others["effect"] < 0).all()
    gap = report.disparities.set_index(["feature", "level"]).loc[("channel", "chat")]
    assert gap["significant"] and gap["effect"] > 10 and gap["p_adjusted"] < 0.05
