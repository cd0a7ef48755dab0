"""Pure theme and metric functions: reconciliation of refits with the registry, macro-F1, spans."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import f1_score

from insightdesk.text.evaluation import macro_f1, span_scores, split_of
from insightdesk.text.themes import assign, reconcile


def _unit(*rows):
    m = np.asarray(rows, dtype=np.float32)
    return m / np.linalg.norm(m, axis=1, keepdims=True)


def test_reconcile_continues_splits_merges_and_retires():
    old = _unit([1, 0, 0, 0], [0, 1, 0, 0], [0, 0.96, 0.28, 0], [0, 0, 0, 1])
    new = _unit(
        [1, 0, 0, 0],  # continues A
        [0.9, 0.44, 0, 0],  # also closest to A, but A prefers the first: split off A
        [0, 0.98, 0.2, 0],  # B and C both prefer this one: continues C (closest), B merged into it
        [0, 0, 1, 0],  # nothing close: new
    )
    rec = reconcile(["A", "B", "C", "D"], old, new)
    assert rec.inherits == ["A", None, "C", None]
    assert rec.split_from == [None, "A", None, None]
    assert rec.merged == {"B": 2}
    assert rec.retired == ["D"]


def test_assign_respects_each_theme_radius():
    centroids = _unit([1, 0], [0, 1])
    vectors = _unit([1, 0.1], [0.1, 1], [1, 1])
    idx, sims = assign(vectors, centroids, np.asarray([0.9, 0.99]))
    assert idx.tolist() == [0, 1, -1] or idx.tolist() == [0, -1, -1]
    assert idx[0] == 0 and idx[2] == -1 and sims[2] < 0.9


def test_macro_f1_matches_scikit_learn_and_brackets_it():
    rng = np.random.default_rng(3)
    labels = ["negative", "neutral", "positive"]
    truth = rng.choice(labels, 400)
    pred = np.where(rng.random(400) < 0.6, truth, rng.choice(labels, 400))
    est = macro_f1(truth, pred, labels, n_boot=200)
    assert abs(est.value - f1_score(truth, pred, labels=labels, average="macro")) < 1e-12
    assert est.low < est.value < est.high and est.n == 400


def test_span_scores_count_overlaps_once():
    gold = [[(0, 5, "EMAIL"), (10, 15, "PHONE")]]
    pred = [[(1, 4, "EMAIL"), (2, 5, "EMAIL"), (20, 25, "PHONE")]]
    scores = span_scores(gold, pred)
    assert (scores["EMAIL"].tp, scores["EMAIL"].fp, scores["EMAIL"].fn) == (1, 1, 0)
    assert (scores["PHONE"].tp, scores["PHONE"].fp, scores["PHONE"].fn) == (0, 1, 1)


def test_held_out_split_is_stable_and_ignores_case_and_spacing():
    assert split_of("My card  was charged twice") == split_of("my card was charged twice")
    shares = np.mean([split_of(f"text number {i}") == "test" for i in range(5000)])
    assert 0.17 < shares < 0.23
