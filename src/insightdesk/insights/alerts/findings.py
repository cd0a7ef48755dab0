"""What the scan found, as alert rows: anomalous cells and runs of periods beyond a rule's target (no I/O).

An alert's id is a hash of what it is about (detector or rule, series, segment, grain, period),
so a re-run finds the same alert again: it refreshes its evidence and keeps its status, never
duplicates it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

import numpy as np
import pandas as pd

from insightdesk.insights.alerts.config import DETECTOR, TAIL_PERIODS, DetectionConfig, ThresholdRule
from insightdesk.insights.alerts.periods import FREQ, truncate
from insightdesk.insights.common.features import MISSING
from insightdesk.metrics.config import MetricsConfig


def alert_id(kind: str, rule: str, series: str, segment: str, grain: str, period: Any) -> str:
    """Stable id of an alert: the same finding gets the same id in every run."""
    key = "|".join([kind, rule, series, segment, grain, pd.Timestamp(period).isoformat()])
    return hashlib.sha256(key.encode()).hexdigest()[:24]


def anomaly_alerts(
    scanned: pd.DataFrame, cells: pd.DataFrame, grain: str, det: DetectionConfig, labels: Mapping[str, str]
) -> pd.DataFrame:
    """One alert per anomalous cell, with the tail of its series as evidence."""
    hits = scanned[scanned["anomaly"]]
    if hits.empty:
        return pd.DataFrame(columns=["alert_id", "kind", "label", "evidence"])
    # Tails for the evidence: only the series that fired, indexed once.
    wanted = cells.merge(hits[["series", "segment"]].drop_duplicates(), on=["series", "segment"])
    by_series = {key: g.sort_values("period") for key, g in wanted.groupby(["series", "segment"], sort=False)}
    units = cells.drop_duplicates("series").set_index("series")["unit"].to_dict()
    rows = []
    for r in hits.itertuples(index=False):
        g = by_series[(r.series, r.segment)]
        tail = g[g["period"] <= r.period].tail(TAIL_PERIODS)
        evidence = {
            "detector": DETECTOR,
            "method": r.method,
            "kind": r.kind,
            "unit": units.get(r.series),
            "observed": r.observed,
            "expected": r.expected,
            "expected_range": [r.expected_low, r.expected_high],
            "range_confidence": det.range_confidence,
            "n": r.n,
            "p_value": r.p_value,
            "q_value": r.q_value,
            "fdr": det.fdr,
            "baseline_periods": r.baseline_periods,
            "series_tail": [
                {"period": t.period, "value": t.value, "n": t.n}
                for t in tail[["period", "value", "n"]].itertuples(index=False)
            ],
        }
        rows.append(
            {
                "alert_id": alert_id("anomaly", DETECTOR, r.series, r.segment, grain, r.period),
                "kind": "anomaly",
                "rule": DETECTOR,
                "series": r.series,
                "label": labels.get(r.series, r.series),
                "segment": r.segment,
                "period": r.period,
                "grain": grain,
                "direction": r.direction,
                "observed": r.observed,
                "expected": r.expected,
                "expected_low": r.expected_low,
                "expected_high": r.expected_high,
                "n": r.n,
                "severity": "critical" if r.q_value <= 0.001 else "warning",
                "evidence": evidence,
            }
        )
    return pd.DataFrame(rows)


def threshold_alerts(
    df: pd.DataFrame, rule: ThresholdRule, since: dt.datetime | None, cfg: MetricsConfig
) -> pd.DataFrame:
    """One alert per run of at least `rule.periods` consecutive periods beyond the target, per segment.

    `df` is the rule's KPI over its whole history (`metrics.compute` by the rule's dimension and
    grain), so a run that began before `since` keeps its first period, and with it its alert id;
    only runs still going at or after `since` are reported.
    """
    if df.empty:
        return pd.DataFrame()
    df["segment"] = (
        (rule.by + "=" + df[rule.by].astype(object).where(df[rule.by].notna(), MISSING).astype(str))
        if rule.by
        else "all"
    )
    if rule.basis == "interval":
        edge = df["ci_high"] if rule.below is not None else df["ci_low"]
    else:
        edge = df["value"]
    beyond = edge < rule.target if rule.below is not None else edge > rule.target
    df["breach"] = beyond.fillna(False).astype(bool) & (df["n"] >= rule.min_n)
    rows = []
    step = pd.tseries.frequencies.to_offset(FREQ[rule.grain])
    for segment, g in df.groupby("segment", sort=True):
        g = g.set_index("period").sort_index()
        full = pd.date_range(g.index.min(), g.index.max(), freq=step)
        g = g.reindex(full)
        breach = g["breach"].eq(True).to_numpy()  # a missing period breaks a run
        run_no = np.cumsum(~breach)
        for rid in np.unique(run_no[breach]):
            idx = np.nonzero(breach & (run_no == rid))[0]
            if len(idx) < rule.periods:
                continue
            run = g.iloc[idx]
            start, last = run.index[0], run.index[-1]
            if since is not None and last < truncate(pd.Timestamp(since), rule.grain):
                continue
            evidence = {
                "rule": asdict(rule),
                "rule_label": rule.label,
                "target": rule.target,
                "basis": rule.basis,
                "run_length": len(idx),
                "run_end": last,
                "confidence": cfg.confidence,
                "periods": [
                    {"period": p, "value": v, "ci_low": lo, "ci_high": hi, "n": n}
                    for p, v, lo, hi, n in zip(
                        run.index, run["value"], run["ci_low"], run["ci_high"], run["n"], strict=True
                    )
                ],
            }
            rows.append(
                {
                    "alert_id": alert_id(
                        "threshold", rule.label, f"kpi:{rule.kpi}", str(segment), rule.grain, start
                    ),
                    "kind": "threshold",
                    "rule": rule.label,
                    "series": f"kpi:{rule.kpi}",
                    "label": f"kpi:{rule.kpi}",
                    "segment": str(segment),
                    "period": start,
                    "grain": rule.grain,
                    "direction": rule.direction,
                    "observed": float(run["value"].iloc[-1]),
                    "expected": rule.target,
                    "expected_low": rule.target if rule.above is not None else None,
                    "expected_high": rule.target if rule.below is not None else None,
                    "n": int(run["n"].iloc[-1]),  # the latest period of the run, like `observed`
                    "severity": "critical" if len(idx) >= 2 * rule.periods else "warning",
                    "evidence": evidence,
                }
            )
    return pd.DataFrame(rows)
