"""Dissatisfaction risk: training on a generated desk, versions, artefact checks, scores, drift, CLI.

The generator's experience model (sample/planted.py) makes resolution time, reassignments,
reopenings and missed SLAs drive CSAT, so a model trained on its history must rank held-out
tickets clearly better than chance.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from sklearn.metrics import roc_auc_score
from typer.testing import CliRunner

from insightdesk.cli import app
from insightdesk.ingest import ingest_file
from insightdesk.insights.common.features import ticket_features, ticket_features_expr
from insightdesk.insights.risk import (
    RiskDataError,
    RiskModelError,
    check_drift,
    factors_json,
    list_models,
    load_model,
    retrain_risk_model,
    risk_report,
    score_tickets,
    train_risk_model,
)
from insightdesk.insights.risk.drift import drift_table, feature_profile
from insightdesk.insights.risk.evaluation import auc_delong, precision_at_k
from insightdesk.insights.risk.model import prepare
from insightdesk.insights.risk.split import time_split
from insightdesk.insights.risk.training import fit_candidate
from insightdesk.sample.generate import GeneratedDesk
from insightdesk.sample.generic import GENERIC_KINDS
from insightdesk.store import Store

N_TICKETS = 4000


@pytest.fixture
def risk_desk(generated_desk: Callable[..., GeneratedDesk]) -> GeneratedDesk:
    return generated_desk(tickets=N_TICKETS, seed=5)


@pytest.fixture
def small_risk_desk(generated_desk: Callable[..., GeneratedDesk]) -> GeneratedDesk:
    return generated_desk(tickets=1500, seed=5)


def _ingest(store: Store, desk: GeneratedDesk) -> None:
    for kind in GENERIC_KINDS:
        ingest_file(store, desk.files[kind], kind, profile="generic")


def _execute(store: Store, sql: str, **params: object) -> None:
    with store.begin() as conn:
        conn.execute(sa.text(sql), params)


@pytest.mark.slow
def test_train_version_score_explain_and_drift(store: Store, risk_desk: GeneratedDesk) -> None:
    _ingest(store, risk_desk)
    first = train_risk_model(store, "low_csat")
    assert (first.model_id, first.version, first.status) == ("low_csat-v1", 1, "active")
    # Held-out tickets come strictly after the split, training ones strictly before.
    assert first.train_from < first.valid_from < first.train_until
    assert first.n_test >= 200 and first.n_train > first.n_test
    assert first.auc > 0.65 and first.auc_ci_low > 0.55, first.summary()
    assert first.auc_ci_low < first.auc < first.auc_ci_high
    assert first.brier < first.brier_base_rate  # better than always predicting the base rate
    assert set(first.candidates["algorithm"]) == {"logistic", "boosting"}
    assert first.candidates["chosen"].sum() == 1
    assert first.candidates["auc"].between(0.5, 1).all()
    top10 = first.precision_at_k.set_index("top_share").loc[0.1]
    assert top10["precision"] > first.base_rate
    assert first.reliability["n"].sum() == first.n_test
    assert {"resolution_hours", "reopen_count", "reassignment_count", "team"} <= set(first.features)
    # The planted experience drivers are among what moves the risk most.
    assert {"resolution_hours", "sla_resolution_breached"} & set(first.importance["feature"][:5])

    # The artefact is stored with its checksum and loads back into the same predictions.
    row, model = load_model(store, "low_csat")
    assert row["model_id"] == "low_csat-v1" and len(row["artefact_sha256"]) == 64
    profile = json.loads(row["reference_profile"])
    assert set(profile) == set(first.features)

    scores = score_tickets(store, "low_csat")
    assert len(scores) > 0 and scores["score"].between(0, 1).all()
    assert scores["score"].is_monotonic_decreasing
    assert set(scores["band"]) <= {"high", "medium", "low"}
    stored = store.query_df("SELECT * FROM risk_scores WHERE model_id = 'low_csat-v1'")
    assert len(stored) == len(scores)
    merged = stored.merge(scores, on="ticket_id", suffixes=("_db", ""))
    assert np.allclose(merged["score_db"], merged["score"])
    factors = [json.loads(t) for t in stored["top_factors"]]
    assert all(1 <= len(f) <= 3 for f in factors)
    assert {f["feature"] for fs in factors for f in fs} <= set(first.features)
    assert all(abs(f["effect"]) > 0 for fs in factors for f in fs)
    features = ticket_features(store).set_index("ticket_id").loc[scores["ticket_id"]].reset_index()
    assert np.allclose(model.predict(features), scores["score"])
    # The feature query, compiled once per process and reused, reads as the expression it came from.
    for since, until in ((None, None), (first.valid_from, first.train_until)):
        direct = ticket_features_expr(store.ibis(), since=since, until=until).execute()
        direct = direct.sort_values("ticket_id", kind="stable", ignore_index=True)
        direct[["created_at", "resolved_at"]] = direct[["created_at", "resolved_at"]].apply(pd.to_datetime)
        pd.testing.assert_frame_equal(ticket_features(store, since=since, until=until), direct)
    # Scoring the same tickets again replaces their rows instead of adding to them.
    again = score_tickets(store, "low_csat", ticket_ids=list(scores["ticket_id"][:5]))
    assert len(again) == 5
    assert store.scalar("SELECT count(*) FROM risk_scores WHERE model_id = 'low_csat-v1'") == len(scores)

    # Drift: nothing moved yet for a planted-stable feature; then reassignments of recent tickets jump.
    before = check_drift(store, "low_csat").set_index("feature")
    assert before.loc["reopen_count", "status"] == "stable"
    _execute(
        store,
        "UPDATE tickets SET reassignment_count = reassignment_count + 4 WHERE created_at >= :t",
        t=first.train_until,
    )
    after = check_drift(store, "low_csat").set_index("feature")
    assert after.loc["reassignment_count", "status"] == "major", after
    assert after.loc["reassignment_count", "psi"] >= 0.25
    assert after.loc["reopen_count", "status"] == "stable"
    assert not after["low_n"].any()

    # Retraining is version 2, compared with version 1 on tickets neither was trained on;
    # version 1 is retired, not deleted.
    retrained = retrain_risk_model(store, "low_csat")
    assert retrained.previous_model_id == "low_csat-v1" and retrained.promoted
    assert retrained.new.model_id == "low_csat-v2" and retrained.new.retired == ["low_csat-v1"]
    assert retrained.compared_on == retrained.new.n_test  # same split: every held-out ticket is unseen
    assert retrained.new_auc is not None and retrained.previous_auc is not None
    assert "reassignment_count" in set(retrained.drift.query("status == 'major'")["feature"])
    versions = list_models(store, "low_csat").set_index("model_id")["status"].to_dict()
    assert versions == {"low_csat-v2": "active", "low_csat-v1": "retired"}
    report = risk_report(store, "low_csat")
    assert report.model["model_id"] == "low_csat-v2" and len(report.candidates) == 2
    assert report.band_counts == {}  # v2 has not scored anything yet

    # An artefact whose checksum does not match is refused.
    _execute(store, "UPDATE risk_models SET artefact_sha256 = :s WHERE model_id = 'low_csat-v2'", s="0" * 64)
    with pytest.raises(RiskModelError, match="SHA-256"):
        score_tickets(store, "low_csat")


def test_too_few_labels_names_the_target_and_counts(store: Store) -> None:
    with pytest.raises(RiskModelError, match="no active low_csat risk model"):
        score_tickets(store, "low_csat")
    with pytest.raises(RiskDataError, match=r"low_csat model: 0 labelled \(0 positive, 0 negative\)"):
        train_risk_model(store, "low_csat")
    with pytest.raises(ValueError, match="unknown risk target 'nps'"):
        train_risk_model(store, "nps")


def _synthetic(n: int = 3000, seed: int = 0) -> pd.DataFrame:
    """Tickets whose risk rises with reopenings and one team, plus a pure-noise feature."""
    rng = np.random.default_rng(seed)
    reopen = rng.poisson(0.3, n).astype(float)
    team = rng.choice(["a", "b", "c"], n, p=[0.5, 0.3, 0.2])
    noise = rng.normal(0, 1, n)
    logit = -1.2 + 1.1 * reopen + 1.0 * (team == "c")
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(float)
    return pd.DataFrame(
        {
            "ticket_id": [f"t{i:05d}" for i in range(n)],
            "created_at": pd.Timestamp("2025-01-01") + pd.to_timedelta(np.arange(n) * 60, unit="min"),
            "team": team,
            "reopen_count": reopen,
            "noise": noise,
            "low_csat": y,
        }
    )


@pytest.mark.parametrize("algorithm", ["logistic", "boosting"])
def test_explanations_are_the_change_in_risk_when_a_feature_is_typical(algorithm: str) -> None:
    frame = _synthetic()
    split = time_split(frame, "low_csat")
    model = fit_candidate(algorithm, split, "low_csat", ["team"], ["reopen_count", "noise"]).model
    rows = split.test.head(200)
    p, factors = model.predict_explained(rows, top=3)
    assert np.allclose(p, model.predict(rows))
    for i in (0, 7, 42):
        for f in factors[i]:
            typical = rows.iloc[[i]].copy()
            typical[f["feature"]] = model.reference[f["feature"]]
            assert f["effect"] == pytest.approx(p[i] - model.predict(typical)[0], abs=1e-4)
    # A reopened ticket of the risky team is explained by exactly those two features first.
    risky = rows[(rows["reopen_count"] >= 2) & (rows["team"] == "c")].head(1)
    _, (top,) = model.predict_explained(risky, top=2)
    assert {f["feature"] for f in top} == {"reopen_count", "team"}
    assert all(f["effect"] > 0 for f in top)


def test_time_split_is_strict_and_says_what_is_missing() -> None:
    frame = _synthetic()
    split = time_split(frame, "low_csat", split_at=pd.Timestamp("2025-04-01"))
    assert split.fit["created_at"].max() < split.valid_from <= split.valid["created_at"].min()
    assert split.valid["created_at"].max() < split.split_at <= split.test["created_at"].min()
    few = frame.assign(low_csat=np.where(np.arange(len(frame)) < 12, 1.0, 0.0))
    with pytest.raises(RiskDataError, match=r"3,000 labelled \(12 positive, 2,988 negative\).*at least 30"):
        time_split(few, "low_csat")
    with pytest.raises(RiskDataError, match="held-out period"):
        time_split(frame, "low_csat", split_at=frame["created_at"].max())


def test_delong_auc_matches_sklearn_and_its_interval_narrows_with_n() -> None:
    rng = np.random.default_rng(1)
    widths = []
    for n in (200, 5000):
        y = rng.random(n) < 0.3
        p = rng.normal(0, 1, n) + 0.8 * y
        auc, lo, hi = auc_delong(y, p)
        assert auc == pytest.approx(roc_auc_score(y, p))
        assert lo < auc < hi
        widths.append(hi - lo)
    assert widths[1] < widths[0] / 3
    at_k = precision_at_k(np.r_[np.ones(10), np.zeros(90)], np.linspace(1, 0, 100), shares=(0.1,))
    assert at_k.loc[0, "precision"] == 1.0 and at_k.loc[0, "lift"] == pytest.approx(10.0)


def test_psi_thresholds() -> None:
    rng = np.random.default_rng(2)
    ref = pd.DataFrame({"x": rng.normal(0, 1, 5000), "c": rng.choice(["a", "b"], 5000)})
    profile = feature_profile(ref, ["c"], ["x"])
    same = pd.DataFrame({"x": rng.normal(0, 1, 2000), "c": rng.choice(["a", "b"], 2000)})
    moved = pd.DataFrame({"x": rng.normal(1.0, 1, 2000), "c": rng.choice(["a", "b"], 2000, p=[0.9, 0.1])})
    stable = drift_table(profile, same).set_index("feature")
    shifted = drift_table(profile, moved).set_index("feature")
    assert (stable["status"] == "stable").all() and (stable["psi"] < 0.05).all()
    assert (shifted["status"] == "major").all()
    assert shifted.loc["c", "largest_change"] == "a"
    assert drift_table(profile, same.head(50))["low_n"].all()


def test_factor_json_is_what_the_json_module_writes() -> None:
    rows = [
        [{"feature": "team", "value": 'a "quoted" \\ ünï', "effect": -0.1234}],
        [
            {"feature": "reopen_count", "value": 2.0, "effect": 1e-05},
            {"feature": "x", "value": None, "effect": 0.5},
        ],
        [],
    ]
    assert factors_json(rows) == [json.dumps(r, sort_keys=True) for r in rows]
    assert [json.loads(t) for t in factors_json(rows)] == rows


def test_prepare_keeps_missing_values_explicit() -> None:
    x = prepare(pd.DataFrame({"team": ["a", None], "n": [1, None]}), ["team", "absent"], ["n"])
    assert list(x["team"]) == ["a", "(missing)"] and list(x["absent"]) == ["(missing)"] * 2
    assert np.isnan(x["n"].iloc[1])


@pytest.mark.slow
def test_cli_train_score_report_drift_retrain(tmp_path: Path, small_risk_desk: GeneratedDesk) -> None:
    from insightdesk.store import open_store

    db = str(tmp_path / "cli.duckdb")
    with open_store(db) as store:
        _ingest(store, small_risk_desk)
    runner = CliRunner()
    trained = runner.invoke(app, ["risk", "train", "--db", db, "--target", "low_csat"])
    assert trained.exit_code == 0, trained.output
    assert "low_csat-v1" in trained.output and "AUC" in trained.output
    scored = runner.invoke(app, ["risk", "score", "--db", db, "--top", "5"])
    assert scored.exit_code == 0, scored.output
    assert "tickets scored with low_csat-v1" in scored.output and "pts" in scored.output
    reported = runner.invoke(app, ["risk", "report", "--db", db])
    assert reported.exit_code == 0 and "versions" in reported.output
    drifted = runner.invoke(app, ["risk", "drift", "--db", db])
    assert drifted.exit_code == 0 and "population stability" in drifted.output
    retrained = runner.invoke(app, ["risk", "retrain", "--db", db])
    assert retrained.exit_code == 0 and "low_csat-v2 activated" in retrained.output
    few = runner.invoke(app, ["risk", "train", "--db", db, "--target", "detractor"])
    assert few.exit_code == 2 and "detractor model" in few.output


@pytest.mark.shared_data
@pytest.mark.slow
def test_repeat_contact_risk_on_the_real_servicenow_log(tmp_path: Path, shared_data: Path) -> None:
    """Real outcome, real features: a caller's repeat incident of the same category within 7 days."""
    from insightdesk.store import open_store

    log = (
        shared_data / "itsm_incident_event_log" / "incident_event_log_opened_2016-02-29_to_2016-04-30.csv.gz"
    )
    from insightdesk.governance.settings import set_setting
    from insightdesk.governance.users import Actor

    with open_store(tmp_path / "itsm.duckdb") as store:
        ingest_file(store, log, "tickets", profile="servicenow")
        # The log carries no consent: under the default (unknown means no) no caller's ticket could
        # train, so this desk relies on its legitimate interest, as docs/privacy.md describes.
        basis = {"model_training": "objection"}
        set_setting(store.engine, "privacy.consent_basis", basis, actor=Actor("admin", "admin"))
        report = train_risk_model(store, "repeat_contact")
    assert report.n_test > 2000
    assert report.auc_ci_low > 0.58, report.summary()
    assert report.precision_at_k.set_index("top_share").loc[0.1, "lift"] > 1.5
