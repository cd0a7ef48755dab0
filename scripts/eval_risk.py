"""Held-out quality of the dissatisfaction-risk model; prints markdown for docs/quality.md.

    .venv/bin/python scripts/eval_risk.py                          # builds the sample store, reads ../shared/data
    .venv/bin/python scripts/eval_risk.py --sample-db /tmp/qs.duckdb   # reuse a quickstart store (copied first)

Datasets:
- the bundled sample (quickstart store: real ServiceNow timings, CSAT drawn from them by the
  documented model in docs/sample-data.md), target `low_csat`;
- the real ServiceNow incident log (UCI #498, CC BY 4.0) in ../shared/data, target
  `repeat_contact` (the same caller opens another incident of the same category within 7 days):
  real outcome, real features. No dataset in ../shared/data links satisfaction scores to tickets
  (the CFPB sample has 32 labelled `Consumer disputed?` rows), so this is the real-data check.

Each run trains both candidates on the same time split (the latest 20% of labelled tickets held
out, the latest 20% of the rest as validation slice), exactly as `insightdesk risk train` does,
in a scratch copy of the store.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

ITSM_LOG = "itsm_incident_event_log/incident_event_log_opened_2016-02-29_to_2016-04-30.csv.gz"


def sample_store(work: Path, reuse: Path | None) -> Path:
    db = work / "sample.duckdb"
    if reuse is not None:
        shutil.copy(reuse, db)
        return db
    from insightdesk.quickstart import analyse_sample_text, build_sample_store
    from insightdesk.store import open_store

    build_sample_store(db, fresh=True)
    with open_store(db) as store:
        analyse_sample_text(store)
    return db


def itsm_store(work: Path) -> Path:
    from insightdesk.ingest import ingest_file
    from insightdesk.store import open_store

    db = work / "itsm.duckdb"
    with open_store(db) as store:
        ingest_file(store, SHARED / ITSM_LOG, "tickets", profile="servicenow")
    return db


def _ci(lo: float, hi: float, fmt: str = ".3f") -> str:
    return f"[{lo:{fmt}}, {hi:{fmt}}]"


def sample_ceiling(db: Path, split_at: object) -> str:
    """AUC of the sample's own generating formula (docs/sample-data.md) on the same held-out tickets:
    the best any model can do without the per-customer effect and the score draw."""
    import numpy as np
    import pandas as pd

    from insightdesk.insights.common.features import ticket_features
    from insightdesk.insights.risk.evaluation import auc_delong
    from insightdesk.store import open_store

    with open_store(db, read_only=True) as store:
        f = ticket_features(store)
    test = f[f["low_csat"].notna() & (f["created_at"] >= pd.Timestamp(split_at))]
    logit = (
        1.9
        - 0.55 * np.log1p(test["resolution_hours"].fillna(0) / 24)
        - 0.35 * test["reassignment_count"]
        - 1.2 * (test["reopen_count"] > 0)
        - 0.5 * test["sla_resolution_breached"]
    )
    auc, lo, hi = auc_delong(test["low_csat"].to_numpy(dtype=int), -logit.to_numpy())
    return (
        f"Ceiling: the sample's generating formula itself scores these {len(test):,} held-out tickets "
        f"at AUC {auc:.3f} [{lo:.3f}, {hi:.3f}] (the rest is the per-customer effect and the draw of the score)."
    )


def section(name: str, db: Path, target: str) -> str:
    from insightdesk.insights.risk.service import train_risk_model
    from insightdesk.store import open_store

    started = time.perf_counter()
    with open_store(db) as store:
        r = train_risk_model(store, target)
    seconds = time.perf_counter() - started
    lines = [
        f"#### {name}: `{target}`",
        "",
        f"Training {r.n_train:,} tickets created {r.train_from:%Y-%m-%d} to {r.train_until:%Y-%m-%d %H:%M} "
        f"(validation slice from {r.valid_from:%Y-%m-%d}); held out: n = {r.n_test:,} created from "
        f"{r.train_until:%Y-%m-%d %H:%M}, base rate {r.base_rate:.1%}"
        f"{' (small test sample)' if r.small_sample else ''}. Features used: {', '.join(r.features)}. "
        f"Training took {seconds:.0f} s.",
        "",
        "| model | validation AUC | held-out AUC [95% DeLong] | Brier (base rate) | calibration | kept |",
        "|---|---|---|---|---|---|",
    ]
    for c in r.candidates.itertuples(index=False):
        lines.append(
            f"| {c.algorithm} | {c.valid_auc:.3f} | {c.auc:.3f} {_ci(c.auc_ci_low, c.auc_ci_high)} | "
            f"{c.brier:.3f} ({c.brier_base_rate:.3f}) | {c.calibration} | {'yes' if c.chosen else ''} |"
        )
    top = r.importance[r.importance["mean_abs_effect"] > 0].head(6)
    lines += [
        "",
        "What moves the kept model's risk most (mean |effect| over the validation slice, risk points): "
        + ", ".join(f"{i.feature} {100 * i.mean_abs_effect:.1f}" for i in top.itertuples(index=False))
        + ".",
    ]
    if name.startswith("Bundled sample"):
        lines += ["", sample_ceiling(db, r.train_until)]
    lines += ["", "| riskiest | k | precision [95% Wilson] | lift |", "|---|---|---|---|"]
    for p in r.precision_at_k.itertuples(index=False):
        lines.append(
            f"| {p.top_share:.0%} | {p.k:,} | {p.precision:.1%} {_ci(p.ci_low, p.ci_high, '.1%')} | {p.lift:.2f} |"
        )
    lines += [
        "",
        "Reliability of the kept model (equal-count bins of predicted risk):",
        "",
        "| bin | n | mean predicted | observed [95% Wilson] |",
        "|---|---|---|---|",
    ]
    for b in r.reliability.itertuples(index=False):
        lines.append(
            f"| {b.bin + 1} | {b.n:,} | {b.predicted:.1%} | {b.observed:.1%} {_ci(b.ci_low, b.ci_high, '.1%')} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sample-db", type=Path, help="A quickstart store to copy instead of building one.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="eval-risk-") as tmp:
        work = Path(tmp)
        print(section("Bundled sample", sample_store(work, args.sample_db), "low_csat"))
        if (SHARED / ITSM_LOG).exists():
            print(section("ServiceNow incident log (real)", itsm_store(work), "repeat_contact"))
        else:
            print(f"(skipped the real ServiceNow log: {SHARED / ITSM_LOG} is absent)")


if __name__ == "__main__":
    main()
