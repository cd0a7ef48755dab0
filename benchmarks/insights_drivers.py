"""Key drivers on a large generated desk: speed, and whether the planted drivers come out.

    .venv/bin/python benchmarks/insights_drivers.py                        # 100,000 tickets
    .venv/bin/python benchmarks/insights_drivers.py --tickets 20000 --out benchmarks/out/drivers20k

The store (a generated desk with three survey questions per ticket, so CSAT and NPS are both
answered) is built once and reused. Then, for each outcome, `key_drivers` runs end to end (feature
frame, model, 200 bootstrap resamples, disparities, storage), timed, and the planted effects of
`insightdesk.sample.planted` are looked up: each must be significant with the right sign.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

# (outcome, kind, feature, level, sign): what the generator plants, in the outcome's direction.
PLANTED = [
    ("low_csat", "driver", "team", "Service Desk South", +1),
    ("low_csat", "driver", "reopen_count", "", +1),
    ("low_csat", "driver", "reassignment_count", "", +1),
    ("low_csat", "driver", "resolution_hours", "", +1),
    ("low_csat", "driver", "sla_resolution_breached", "", +1),
    ("low_csat", "driver", "sla_response_breached", "", +1),
    ("detractor", "driver", "team", "Service Desk South", +1),
    ("detractor", "driver", "reopen_count", "", +1),
    ("detractor", "driver", "reassignment_count", "", +1),
    ("detractor", "driver", "resolution_hours", "", +1),
    ("repeat_contact", "driver", "channel", "chat", +1),
    ("repeat_contact", "disparity", "channel", "chat", +1),
]


def build_store(out: Path, tickets: int) -> Path:
    from insightdesk.ingest import ingest_file
    from insightdesk.sample.generate import generate_desk
    from insightdesk.sample.generic import GENERIC_KINDS
    from insightdesk.store import open_store

    path = out / "desk.duckdb"
    if path.exists():
        return path
    out.mkdir(parents=True, exist_ok=True)
    began = time.perf_counter()
    desk = generate_desk(out / "files", tickets=tickets, feedback_per_ticket=3.0, seed=1)
    with open_store(path) as store:
        for kind in GENERIC_KINDS:
            ingest_file(store, desk.files[kind], kind, profile="generic")
    print(f"built {path} ({tickets:,} tickets) in {time.perf_counter() - began:.0f} s", flush=True)
    return path


def main() -> None:
    from insightdesk.insights.common.features import ticket_features
    from insightdesk.insights.drivers.service import key_drivers
    from insightdesk.store import open_store

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out" / "drivers")
    parser.add_argument("--bootstrap", type=int, default=200)
    args = parser.parse_args()

    path = build_store(args.out, args.tickets)
    print(f"python {platform.python_version()}, {platform.machine()}")
    with open_store(path) as store:
        began = time.perf_counter()
        features = ticket_features(store)
        print(f"feature frame: {len(features):,} tickets in {time.perf_counter() - began:.1f} s\n")
        print(
            "| outcome | tickets with outcome | rows per resample | significant drivers | time (end to end) |"
        )
        print("|---|---:|---:|---:|---:|")
        reports = {}
        for outcome in ("low_csat", "detractor", "repeat_contact"):
            report = key_drivers(store, outcome, bootstrap=args.bootstrap)
            reports[outcome] = report
            print(
                f"| {outcome} | {report.n:,} | {report.bootstrap_rows:,} | "
                f"{int(report.drivers['significant'].sum())} of {len(report.drivers)} | {report.seconds:.1f} s |",
                flush=True,
            )
    print("\n| planted | effect (pp) | 95% CI | p (adj.) | found |")
    print("|---|---:|---:|---:|---|")
    found = 0
    for outcome, kind, feature, level, sign in PLANTED:
        report = reports[outcome]
        frame = report.drivers if kind == "driver" else report.disparities
        row = frame[(frame["feature"] == feature) & (frame["level"] == level)].iloc[0]
        ok = bool(row["significant"]) and sign * row["effect"] > 0
        found += ok
        name = f"{outcome}: {feature}{'=' + level if level else ''} ({kind})"
        print(
            f"| {name} | {row['effect']:+.1f} | {row['ci_low']:+.1f} .. {row['ci_high']:+.1f} "
            f"| {row['p_adjusted']:.2g} | {'yes' if ok else 'NO'} |"
        )
    print(f"\nplanted drivers found significant with the right sign: {found} of {len(PLANTED)}")


if __name__ == "__main__":
    main()
