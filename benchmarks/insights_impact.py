"""Coverage of the impact estimators: how often the 95% interval holds an injected effect.

    .venv/bin/python benchmarks/insights_impact.py                  # 1,000 runs per design
    .venv/bin/python benchmarks/insights_impact.py --runs 200 --design did

Each design (insightdesk.insights.impact.simulate) simulates data with a known effect and the nuisances
the estimator must survive (clustered customers, weekly shocks, a trend, skewed times), estimates,
and counts the runs whose interval covers the truth. A calibrated 95% interval covers about 95% of
runs; the Clopper-Pearson interval of the coverage says how precisely the runs measured it.
Prints a Markdown table (for docs/quality.md) and writes it with the raw figures as JSON.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
from dataclasses import asdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def main() -> None:
    from insightdesk.insights.impact.simulate import DESCRIPTIONS, DESIGNS, coverage

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=20260101)
    parser.add_argument("--design", action="append", choices=list(DESIGNS), help="Only these (repeatable).")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out" / "impact_coverage.json")
    args = parser.parse_args()

    results = []
    print("| design | runs | coverage (95% CI) | mean estimate / truth | mean CI width | detected | time |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for design in args.design or list(DESIGNS):
        c = coverage(design, runs=args.runs, seed=args.seed)
        results.append(asdict(c) | {"coverage": c.coverage, "description": DESCRIPTIONS[design]})
        print(
            f"| {design} | {c.runs:,} | {100 * c.coverage:.1f}% ({100 * c.ci_low:.1f}-{100 * c.ci_high:.1f}) "
            f"| {c.mean_estimate:+.2f} / {c.true_effect:+.2f} | {c.mean_width:.2f} | {100 * c.detected:.0f}% "
            f"| {c.seconds:.0f} s |",
            flush=True,
        )
    print()
    for design in args.design or list(DESIGNS):
        print(f"- {design}: {DESCRIPTIONS[design]}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    meta = {"python": platform.python_version(), "machine": platform.machine(), "seed": args.seed}
    args.out.write_text(json.dumps({"meta": meta, "results": results}, indent=2, default=float))
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
