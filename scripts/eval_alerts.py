"""Measure the anomaly detector: precision and recall on simulated series with injected anomalies,
and the generator's planted effects found on a generated desk. Prints markdown for docs/quality.md.

    .venv/bin/python scripts/eval_alerts.py simulated            # seconds
    .venv/bin/python scripts/eval_alerts.py desk --tickets 20000  # about 2 minutes (ingest + text + scan)

Simulated: daily series with weekly seasonality, a slow trend and holidays (volume x0.3), Poisson
counts (and over-dispersed gamma-Poisson ones) at several volumes, and binomial rates (CSAT-like)
whose n follows the counts. Anomalies are injected at known days (never holidays), several
magnitudes; the same series are also summed to weeks with anomalies injected per week. Every figure
states its n; precision and recall carry 95% Wilson intervals.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from insightdesk.insights.alerts.anomalies import detect  # noqa: E402
from insightdesk.insights.alerts.config import DetectionConfig  # noqa: E402
from insightdesk.metrics.stats import wilson  # noqa: E402

WEEKDAY = np.array([1.25, 1.15, 1.1, 1.05, 0.95, 0.45, 0.35])
COUNT_FACTORS = (0.3, 0.5, 1.5, 2.0, 3.0, 5.0)
RATE_SHIFTS = (-0.2, -0.1, -0.05, 0.1)
LEVELS = (5, 20, 80, 300)  # mean tickets on an average day


def _pr(k: int, n: int) -> str:
    if n == 0:
        return "n/a"
    lo, hi = wilson(k, n)
    return f"{k / n:.3f} [{float(lo):.2f}, {float(hi):.2f}] (n={n})"


def simulate(
    seed: int, days: int = 420, per_level: int = 60
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, list]:
    """Daily cells with anomalies, the same without, the anomalies (series, period, kind, magnitude,
    level) and the holidays."""
    rng = np.random.default_rng(seed)
    periods = pd.date_range("2024-01-01", periods=days, freq="D")
    wd = periods.weekday.to_numpy()
    holidays = sorted(
        set(periods[rng.choice(np.arange(70, days), 12, replace=False)].date)
        | {d.date() for d in periods if (d.month, d.day) in ((12, 25), (1, 1))}
    )
    hol = np.isin(periods.date, holidays)
    cells, clean, truth = [], [], []
    trend = 1 + 0.15 * np.arange(days) / days
    for level in LEVELS:
        for i in range(per_level):
            lam = level * WEEKDAY[wd] * trend * np.where(hol, 0.3, 1.0)
            if i % 2:  # half the series over-dispersed (gamma-Poisson, CV 15% day to day)
                lam = lam * rng.gamma(1 / 0.15**2, 0.15**2, days)
            counts = rng.poisson(lam).astype(float)
            rate = np.clip(0.78 - 0.05 * (wd >= 5) + rng.normal(0, 0.01, days), 0.05, 0.99)
            n = rng.binomial(counts.astype(int), 0.35).astype(float)  # survey answers of the day's tickets
            k = rng.binomial(n.astype(int), rate).astype(float)
            name = f"L{level}-{i}"
            clean.append(_frame(name, periods, counts, k, n, level))
            counts, k = counts.copy(), k.copy()
            # Known positions: 3 per series, after the 8-week warm-up, never a holiday, 9+ weeks apart.
            candidates = np.flatnonzero(~hol[: days - 1] & (np.arange(days - 1) >= 70))
            starts = sorted(rng.choice(candidates, 3, replace=False))
            spots = [s for j, s in enumerate(starts) if j == 0 or s - starts[j - 1] > 63]
            for s in spots:
                f = float(rng.choice(COUNT_FACTORS))
                counts[s] = float(rng.poisson(lam[s] * f))
                truth.append((f"count:{name}", periods[s], "count", f, level))
            for s in spots:
                shift = float(rng.choice(RATE_SHIFTS))
                k[s] = float(rng.binomial(int(n[s]), np.clip(rate[s] + shift, 0.01, 0.99)))
                truth.append((f"rate:{name}", periods[s], "proportion", shift, level))
            cells.append(_frame(name, periods, counts, k, n, level))
    truth_df = pd.DataFrame(truth, columns=["series", "period", "kind", "magnitude", "level"])
    return pd.concat(cells, ignore_index=True), pd.concat(clean, ignore_index=True), truth_df, holidays


def _frame(
    name: str, periods: pd.DatetimeIndex, counts: np.ndarray, k: np.ndarray, n: np.ndarray, level: int
) -> pd.DataFrame:
    count = pd.DataFrame(
        {"series": f"count:{name}", "kind": "count", "value": counts, "k": np.nan, "n": np.nan}
    )
    rate = pd.DataFrame({"series": f"rate:{name}", "kind": "proportion", "value": np.nan, "k": k, "n": n})
    both = pd.concat([count.assign(period=periods), rate.assign(period=periods)], ignore_index=True)
    return both.assign(segment="all", level=level)


def _score(out: pd.DataFrame, truth: pd.DataFrame) -> dict:
    flagged = out[out["anomaly"]]
    t = truth.assign(hit=1)
    m = flagged.merge(t[["series", "period", "hit"]], on=["series", "period"], how="left")
    tp = int(m["hit"].notna().sum())
    injected = truth.merge(
        out[["series", "period", "anomaly", "tested"]], on=["series", "period"], how="left"
    )
    clean_tested = int(out["tested"].sum()) - int(injected["tested"].eq(True).sum())
    return {
        "flagged": len(flagged),
        "tp": tp,
        "fp": len(flagged) - tp,
        "injected": len(truth),
        "clean_tested": clean_tested,
        "per_cell": injected,
    }


def _weekly(clean: pd.DataFrame, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The clean daily cells summed to weeks, with 2 anomalies injected per series at known weeks."""
    rng = np.random.default_rng(seed + 1)
    c = clean.copy()
    c["period"] = c["period"] - pd.to_timedelta(c["period"].dt.weekday, unit="D")
    keys = ["series", "segment", "period", "kind", "level"]
    w = c.groupby(keys, as_index=False)[["value", "k", "n"]].sum(min_count=1)
    w = w[w["period"] < w["period"].max()].reset_index(drop=True)  # the last week is partial
    rows = []
    for series, g in w.groupby("series"):
        for at in sorted(rng.choice(g.index[10:], 2, replace=False)):
            kind = g.loc[at, "kind"]
            if kind == "count":
                f = float(rng.choice(COUNT_FACTORS))
                w.loc[at, "value"] = float(rng.poisson(w.loc[at, "value"] * f))
            else:
                f = float(rng.choice(RATE_SHIFTS))
                p = np.clip(w.loc[at, "k"] / w.loc[at, "n"] + f, 0.01, 0.99)
                w.loc[at, "k"] = float(rng.binomial(int(w.loc[at, "n"]), p))
            rows.append((series, w.loc[at, "period"], kind, f, int(g["level"].iloc[0])))
    return w, pd.DataFrame(rows, columns=["series", "period", "kind", "magnitude", "level"])


def simulated(seed: int) -> dict:
    cells, clean, truth, holidays = simulate(seed)
    results: dict = {"holidays": len(holidays), "series": int(cells["series"].nunique())}
    for label, cfg in (
        ("day, holidays given", DetectionConfig(holidays=tuple(holidays))),
        ("day, holidays not given", DetectionConfig()),
    ):
        t0 = time.perf_counter()
        out = detect(cells, "day", cfg)
        seconds = time.perf_counter() - t0
        s = _score(out, truth)
        hol = out[out["period"].dt.date.isin(holidays)]
        results[label] = {**{k: v for k, v in s.items() if k != "per_cell"}, "seconds": seconds}
        results[label]["holiday_cells_flagged"] = int(hol["anomaly"].sum())
        results[label]["holiday_cells"] = int(
            hol["tested"].sum() + (hol["reason"] == "holiday: drops not tested").sum()
        )
        results[label]["recall"] = _recall_table(s["per_cell"])
    weekly, wtruth = _weekly(clean, seed)
    out = detect(weekly, "week", DetectionConfig(holidays=tuple(holidays)))
    s = _score(out, wtruth)
    results["week"] = {
        **{k: v for k, v in s.items() if k != "per_cell"},
        "recall": _recall_table(s["per_cell"]),
    }
    return results


def _recall_table(per_cell: pd.DataFrame) -> dict:
    out = {}
    for (kind, mag), g in per_cell.groupby(["kind", "magnitude"]):
        out[f"{kind} {mag:+g}" if kind == "proportion" else f"{kind} x{mag:g}"] = {
            str(level): (int(gg["anomaly"].eq(True).sum()), len(gg)) for level, gg in g.groupby("level")
        }
    return out


def _markdown_simulated(r: dict) -> str:
    lines = []
    day = r["day, holidays given"]
    nohol = r["day, holidays not given"]
    lines.append(
        f"{r['series']} simulated daily series (420 days: half counts, half CSAT-like rates; volumes "
        f"{', '.join(map(str, LEVELS))} tickets a day; {r['holidays']} holidays at 30% volume), "
        "FDR 0.05, defaults otherwise."
    )
    lines.append("")
    lines.append(
        "| scan | injected | flagged | precision | recall | false alarms per 1,000 clean cells tested | holiday cells flagged |"
    )
    lines.append("|---|---|---|---|---|---|---|")
    for name, s in (
        ("daily, holidays given", day),
        ("daily, holidays not given", nohol),
        ("weekly", r["week"]),
    ):
        fa = 1000 * s["fp"] / max(s["clean_tested"], 1)
        hol = f"{s['holiday_cells_flagged']} of {s['holiday_cells']}" if "holiday_cells" in s else "-"
        lines.append(
            f"| {name} | {s['injected']} | {s['flagged']} | {_pr(s['tp'], s['flagged'])} | "
            f"{_pr(s['tp'], s['injected'])} | {fa:.2f} ({s['fp']} of {s['clean_tested']:,}) | {hol} |"
        )
    for name, s in (("daily", day), ("weekly", r["week"])):
        lines.append("")
        lines.append(f"Recall by magnitude and volume ({name}; found / injected):")
        lines.append("")
        levels = [str(x) for x in LEVELS]
        lines.append("| anomaly | " + " | ".join(f"{lv}/day" for lv in levels) + " |")
        lines.append("|---|" + "---|" * len(levels))
        for key, by_level in s["recall"].items():
            cells = [f"{by_level[lv][0]}/{by_level[lv][1]}" if lv in by_level else "-" for lv in levels]
            lines.append(f"| {key} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def desk(tickets: int, seed: int, text: bool) -> dict:
    from insightdesk.ingest import ingest_file
    from insightdesk.insights.alerts import ThresholdRule, run_alerts
    from insightdesk.sample.generate import generate_desk
    from insightdesk.sample.generic import GENERIC_KINDS
    from insightdesk.store import open_store

    logging.getLogger("insightdesk.alerts").setLevel(logging.ERROR)
    out: dict = {"tickets": tickets}
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        d = generate_desk(Path(tmp) / "desk", tickets=tickets, seed=seed)
        effects = {e["name"]: e for e in d.planted_effects["effects"]}
        with open_store(Path(tmp) / "desk.duckdb") as store:
            for kind in GENERIC_KINDS:
                ingest_file(store, d.files[kind], kind, profile="generic")
            out["ingest_s"] = time.perf_counter() - t0
            if text:
                from insightdesk.quickstart import analyse_sample_text

                t0 = time.perf_counter()
                summary = analyse_sample_text(store)
                out["text_s"] = time.perf_counter() - t0
                out["themes"] = summary.themes
            spike = effects["theme_spike"]
            y, w = spike["iso_week"].split("-W")
            monday = pd.Timestamp.fromisocalendar(int(y), int(w), 1)
            rules = [
                ThresholdRule("csat", below=0.70, by="team", periods=2, grain="week", min_n=20),
                ThresholdRule(
                    "csat", below=0.70, by="team", periods=2, grain="week", min_n=20, basis="point"
                ),
            ]
            t0 = time.perf_counter()
            report = run_alerts(store, "week", recent=None, rules=rules, channels=[], themes=text)
            out["scan_s"] = time.perf_counter() - t0
            out["scan"] = {k: v for k, v in report.summary().items() if k not in ("delivered",)}
            a = report.alerts
            anomalies = a[a["kind"] == "anomaly"]
            seg = f"subcategory={spike['subcategory']}"
            hit = anomalies[(anomalies["segment"] == seg) & (anomalies["series"] == "kpi:ticket_volume")]
            out["spike"] = {
                "iso_week": spike["iso_week"],
                "found_weeks": [str(p)[:10] for p in hit["period"]],
                "found": bool((hit["period"] == monday).any()),
                "observed": float(hit.loc[hit["period"] == monday, "observed"].iloc[0]) if len(hit) else None,
                "expected": float(hit.loc[hit["period"] == monday, "expected"].iloc[0]) if len(hit) else None,
                "q_value": hit.loc[hit["period"] == monday, "evidence"].iloc[0]["q_value"]
                if len(hit)
                else None,
                "expected_range": hit.loc[hit["period"] == monday, ["expected_low", "expected_high"]]
                .iloc[0]
                .tolist()
                if len(hit)
                else None,
            }
            same_week = anomalies[anomalies["period"] == monday]
            out["anomalies_total"] = len(anomalies)
            out["anomalies_in_spike_week"] = len(same_week)
            out["spike_week_alerts"] = [f"{r.label} | {r.segment}" for r in same_week.itertuples()]
            out["anomalies_elsewhere"] = (
                anomalies[anomalies["period"] != monday][["series", "segment", "period", "direction"]]
                .assign(period=lambda x: x["period"].astype(str).str[:10])
                .to_dict("records")
            )
            if text:
                themes = anomalies[anomalies["series"].str.startswith("theme:")]
                out["theme_alerts"] = (
                    themes[["series", "label", "period", "observed", "expected"]]
                    .assign(period=lambda x: x["period"].astype(str).str[:10])
                    .to_dict("records")
                )
            team = f"team={effects['low_csat_team']['team_name']}"
            thr = a[a["kind"] == "threshold"]
            out["threshold"] = {}
            for rule in rules:
                fired = thr[thr["rule"] == rule.label]
                weeks = fired.groupby("segment")["evidence"].agg(lambda e: sum(x["run_length"] for x in e))
                out["threshold"][rule.label] = {
                    "planted_team": team,
                    "weeks_in_breach_by_team": {
                        k: int(v) for k, v in weeks.sort_values(ascending=False).items()
                    },
                    "alerts_by_team": {k: int(v) for k, v in fired["segment"].value_counts().items()},
                }
    return out


def _markdown_desk(r: dict) -> str:
    s = r["spike"]
    lines = [
        f"Generated desk: {r['tickets']:,} tickets over 12 months (`generate_desk`, seed 1), ingested, "
        f"{'texts analysed and themes discovered, ' if 'text_s' in r else ''}whole history scanned "
        f"({r['scan']['series']:,} KPI x segment series, {r['scan']['cells_tested']:,} cells tested, "
        f"FDR {r['scan']['fdr']}; {r['scan_s']:.0f} s).",
        "",
        f'- Planted theme spike (subcategory "Double charge", {s["iso_week"]}): '
        f"**{'found' if s['found'] else 'missed'}**"
        + (
            f" (observed {s['observed']:.0f} tickets, expected {s['expected']:.1f}, q = {s['q_value']:.1e})"
            if s["found"]
            else ""
        )
        + f"; weeks flagged for this segment: {', '.join(s['found_weeks']) or 'none'}.",
        f"- Anomalies in all: {r['anomalies_total']}, of which {r['anomalies_in_spike_week']} in the spike week "
        "(its consequences: the subcategory's category, product, SLA breaches, handled volume...); "
        f"{len(r['anomalies_elsewhere'])} elsewhere.",
        f"- Alerts of the spike week: {'; '.join(r['spike_week_alerts'])}.",
    ]
    if "theme_alerts" in r:
        found = [f"{t['label']} ({t['period']})" for t in r["theme_alerts"]]
        lines.append(f"- Theme series alerts: {', '.join(found) or 'none'}.")
    for label, t in r["threshold"].items():
        weeks = (
            ", ".join(f"{k.split('=', 1)[1]} {v}" for k, v in t["weeks_in_breach_by_team"].items()) or "none"
        )
        lines.append(f"- Threshold rule `{label}`: weeks in breach by team: {weeks}.")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("parts", nargs="*", default=["simulated", "desk"], choices=["simulated", "desk"])
    parser.add_argument("--tickets", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-text", action="store_true", help="Skip text analysis (no theme series).")
    parser.add_argument("--json", default=None, help="Also write the raw results here.")
    args = parser.parse_args(argv)
    results: dict = {}
    if "simulated" in args.parts:
        results["simulated"] = simulated(args.seed)
        print(_markdown_simulated(results["simulated"]))
        print()
    if "desk" in args.parts:
        results["desk"] = desk(args.tickets, args.seed, text=not args.no_text)
        print(_markdown_desk(results["desk"]))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
