"""Resolve prepared records into persons: keys, model, threshold, constraints, clusters, review queue.

Pure: frames and constraints in, a `Resolution` out; no store. The service (identity.service) reads
and writes the tables around it, the benchmarks call it on labelled data sets.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from insightdesk.identity.clustering import cluster, link_methods, stable_person_ids
from insightdesk.identity.corroboration import corroborated
from insightdesk.identity.deterministic import deterministic_edges
from insightdesk.identity.evaluation import best_threshold
from insightdesk.identity.prepare import present_fields, records_summary
from insightdesk.identity.spec import MatchSpec
from insightdesk.identity.splink_model import TrainedModel, predict_with_model, train_and_predict

REVIEW_COLUMNS = ["record_id_l", "record_id_r", "match_probability", "match_weight", "reason", "detail"]
EDGE_COLUMNS = ["record_id_l", "record_id_r", "method", "match_probability", "reason"]


@dataclass
class Constraints:
    """What people decided: pairs that must or must not be one person, and the labels they give."""

    must_link: list[tuple[str, str]] = field(default_factory=list)
    cannot_link: list[tuple[str, str]] = field(default_factory=list)

    def labels(self) -> pd.DataFrame:
        rows = [(a, b, 1) for a, b in self.must_link] + [(a, b, 0) for a, b in self.cannot_link]
        frame = pd.DataFrame(rows, columns=["record_id_l", "record_id_r", "label"])
        return _order_pairs(frame)

    def decided(self) -> set[tuple[str, str]]:
        return {tuple(sorted(p)) for p in self.must_link + self.cannot_link}  # type: ignore[misc]


@dataclass
class Resolution:
    links: pd.DataFrame  # record_id, person_id, method, match_probability, reason
    review: pd.DataFrame  # REVIEW_COLUMNS
    model: TrainedModel
    threshold: float
    threshold_source: str
    summary: dict[str, Any]


def _order_pairs(frame: pd.DataFrame) -> pd.DataFrame:
    left, right = frame["record_id_l"].astype(str), frame["record_id_r"].astype(str)
    swap = left > right
    return frame.assign(record_id_l=left.where(~swap, right), record_id_r=right.where(~swap, left))


@contextmanager
def quiet_splink() -> Iterator[None]:
    """Splink logs every training step and warns about untrained levels on stderr: keep that out of
    the CLI's output (the run summary says what matters)."""
    logger = logging.getLogger("splink")
    level, propagate = logger.level, logger.propagate
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)
        logger.propagate = propagate


def _threshold(pairs: pd.DataFrame, constraints: Constraints, spec: MatchSpec) -> tuple[float, str]:
    labels = constraints.labels()
    if labels.empty:
        return spec.threshold, "default"
    scored = labels.merge(pairs, on=["record_id_l", "record_id_r"], how="left")
    chosen = best_threshold(scored["match_probability"].fillna(0.0), scored["label"], spec.min_labels)
    if chosen is None or chosen < spec.review_low:
        return spec.threshold, "default"
    return chosen, "labels"


NAME_ONLY = "only the names agree: no email, phone, date of birth, id or address backs the match"


def _mark_corroboration(pairs: pd.DataFrame, prepared: pd.DataFrame, spec: MatchSpec) -> pd.DataFrame:
    """`pairs` with `corroborated`: evidence beyond the name agrees (or the spec does not ask)."""
    if not spec.require_corroboration or pairs.empty:
        return pairs.assign(corroborated=True)
    ok = np.ones(len(pairs), dtype=bool)
    # Only pairs from the review band up can merge or be reviewed: only they are checked.
    candidates = (pairs["match_probability"].astype(float) >= spec.review_low).to_numpy()
    if candidates.any():
        ok[candidates] = corroborated(pairs.loc[candidates], prepared).to_numpy()
    return pairs.assign(corroborated=ok)


def _edges(
    det: pd.DataFrame, pairs: pd.DataFrame, threshold: float, constraints: Constraints
) -> pd.DataFrame:
    must = pd.DataFrame(constraints.must_link, columns=["record_id_l", "record_id_r"]).assign(
        method="must_link", match_probability=None, reason="accepted as the same person in review"
    )
    keys = det.assign(
        method="deterministic",
        match_probability=None,
        reason=[f"same {k} as {other}" for k, other in zip(det["key"], det["record_id_l"], strict=True)],
    )[EDGE_COLUMNS]
    strong = pairs.loc[(pairs["match_probability"] >= threshold) & pairs["corroborated"]]
    model = strong.assign(
        method="probabilistic",
        reason=[f"match probability {p:.3f}" for p in strong["match_probability"]],
    )[EDGE_COLUMNS]
    parts = [frame.astype(object) for frame in (must[EDGE_COLUMNS], keys, model) if not frame.empty]
    if not parts:
        return pd.DataFrame(columns=EDGE_COLUMNS)
    edges = pd.concat(parts, ignore_index=True)
    return edges.assign(match_probability=pd.to_numeric(edges["match_probability"]))


def _review(
    pairs: pd.DataFrame,
    conflicts: pd.DataFrame,
    roots: dict[str, str],
    threshold: float,
    spec: MatchSpec,
    constraints: Constraints,
) -> pd.DataFrame:
    decided = constraints.decided()
    in_band = (pairs["match_probability"] >= spec.review_low) & (pairs["match_probability"] < threshold)
    name_only = (pairs["match_probability"] >= threshold) & ~pairs["corroborated"]
    band = pairs.loc[in_band | name_only]
    apart = [
        roots.get(a) != roots.get(b) for a, b in zip(band["record_id_l"], band["record_id_r"], strict=True)
    ]
    strong = band.loc[apart, "match_probability"] >= threshold
    uncertain = band.loc[apart].assign(
        reason=strong.map({True: "name_only", False: "uncertain"}),
        detail=strong.map({True: NAME_ONLY, False: "match probability in the review band"}),
    )
    ordered = (
        _order_pairs(conflicts[["record_id_l", "record_id_r", "key", "value"]])
        if len(conflicts)
        else conflicts
    )
    keyed = pd.DataFrame(
        {
            "record_id_l": ordered.get("record_id_l", pd.Series(dtype=str)),
            "record_id_r": ordered.get("record_id_r", pd.Series(dtype=str)),
            "reason": "key_conflict",
            "detail": [f"same {k} but the names disagree" for k in ordered.get("key", [])],
        }
    )
    if not keyed.empty:
        keyed = keyed.merge(pairs, on=["record_id_l", "record_id_r"], how="left")
    out = pd.concat(
        [frame for frame in (keyed, uncertain) if not frame.empty] or [pd.DataFrame(columns=REVIEW_COLUMNS)]
    )
    out = out.drop_duplicates(["record_id_l", "record_id_r"])
    mask = [(a, b) not in decided for a, b in zip(out["record_id_l"], out["record_id_r"], strict=True)]
    return out.loc[mask, REVIEW_COLUMNS].reset_index(drop=True)


def resolve(
    prepared: pd.DataFrame,
    spec: MatchSpec,
    constraints: Constraints | None = None,
    previous: dict[str, str] | None = None,
    spark: Any = None,
) -> Resolution:
    """Resolve every record from scratch (a full run), keeping person ids where `previous` had them.
    With a Spark session Splink trains and scores there; everything else runs here."""
    constraints = constraints or Constraints()
    fields = present_fields(prepared)
    det, conflicts, notes = deterministic_edges(prepared, spec)
    usable = prepared.loc[prepared["unusable_reason"].isna()].reset_index(drop=True)
    floor = min(spec.review_low, 0.2)
    with quiet_splink():
        pairs, model = train_and_predict(usable, fields, spec, floor=floor, spark=spark)
    threshold, source = _threshold(pairs, constraints, spec)
    pairs = _mark_corroboration(pairs, prepared, spec)
    edges = _edges(det, pairs, threshold, constraints)
    pending_conflicts = list(zip(conflicts["record_id_l"], conflicts["record_id_r"], strict=True))
    cannot = [
        *constraints.cannot_link,
        *[p for p in pending_conflicts if tuple(sorted(p)) not in constraints.decided()],
    ]
    records = prepared["record_id"].tolist()
    roots, applied = cluster(records, edges, cannot)
    return _finish(
        prepared,
        roots,
        applied,
        pairs,
        conflicts,
        model,
        threshold,
        source,
        spec,
        constraints,
        previous or {},
        notes,
        "full",
    )


def resolve_incremental(
    prepared: pd.DataFrame,
    new_ids: set[str],
    existing: dict[str, str],
    model: TrainedModel,
    threshold: float,
    spec: MatchSpec,
    constraints: Constraints | None = None,
    spark: Any = None,
) -> Resolution:
    """Link only the records in `new_ids` against the existing persons with the stored model."""
    constraints = constraints or Constraints()
    det, conflicts, notes = deterministic_edges(prepared, spec)
    touches_new = det["record_id_l"].isin(new_ids) | det["record_id_r"].isin(new_ids)
    det = det.loc[touches_new]
    conflicts = conflicts.loc[conflicts["record_id_l"].isin(new_ids) | conflicts["record_id_r"].isin(new_ids)]
    usable = prepared.loc[prepared["unusable_reason"].isna()]
    is_new = usable["record_id"].isin(new_ids)
    with quiet_splink():
        pairs = predict_with_model(
            model, usable.loc[~is_new], usable.loc[is_new], floor=min(spec.review_low, 0.2), spark=spark
        )
    pairs = _mark_corroboration(pairs, prepared, spec)
    edges = _edges(det, pairs, threshold, constraints)
    cannot = [*constraints.cannot_link, *zip(conflicts["record_id_l"], conflicts["record_id_r"], strict=True)]
    roots, applied = cluster(prepared["record_id"].tolist(), edges, cannot, existing=existing)
    return _finish(
        prepared,
        roots,
        applied,
        pairs,
        conflicts,
        model,
        threshold,
        "stored model",
        spec,
        constraints,
        existing,
        notes,
        "incremental",
    )


def _finish(
    prepared: pd.DataFrame,
    roots: dict[str, str],
    applied: pd.DataFrame,
    pairs: pd.DataFrame,
    conflicts: pd.DataFrame,
    model: TrainedModel,
    threshold: float,
    source: str,
    spec: MatchSpec,
    constraints: Constraints,
    previous: dict[str, str],
    notes: list[str],
    mode: str,
) -> Resolution:
    persons = stable_person_ids(roots, previous)
    unusable = prepared.set_index("record_id")["unusable_reason"].dropna().to_dict()
    links = link_methods(roots, applied, unusable)
    links["person_id"] = links["record_id"].map(persons)
    review = _review(pairs, conflicts, roots, threshold, spec, constraints)
    counts = applied["method"].value_counts().to_dict() if not applied.empty else {}
    summary = {
        **records_summary(prepared),
        "mode": mode,
        "persons": int(links["person_id"].nunique()),
        "scored_pairs": len(pairs),
        "edges_applied": {k: int(v) for k, v in counts.items()},
        "review_pairs": len(review),
        "key_conflicts": int((review["reason"] == "key_conflict").sum()),
        "fields": model.fields,
        "blocking_rules": model.blocking_rules,
        "notes": notes,
    }
    return Resolution(links, review, model, threshold, source, summary)
