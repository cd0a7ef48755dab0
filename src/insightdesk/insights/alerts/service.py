"""The alert scan: anomalies on every KPI and theme series by segment, threshold rules, storage, delivery.

    from insightdesk.insights.alerts.service import run_alerts, list_alerts, set_alert_status
    report = run_alerts(store, grain="week")              # scan, store, deliver (log channel)
    list_alerts(store, status="open")                     # DataFrame, newest first
    set_alert_status(store, report.alerts.alert_id[0], "acknowledged")

An alert's id is a hash of what it is about (detector or rule, series, segment, grain, period),
so a re-run finds the same alert again: it refreshes its evidence and keeps its status, never
duplicates it. Each run is recorded in `insight_runs` (kind `alerts`) with its parameters.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from insightdesk.insights.alerts.anomalies import FREQ, STEP, DetectionConfig, detect
from insightdesk.insights.alerts.channels import Channel, LogChannel, payload
from insightdesk.insights.alerts.series import (
    DEFAULT_DIMENSIONS,
    data_end,
    kpi_cells,
    theme_cells,
    theme_labels,
    truncate,
)
from insightdesk.insights.common.runs import from_json, recorded_run, to_json, utcnow
from insightdesk.metrics.compute import GRAINS, _timestamp
from insightdesk.metrics.config import MetricsConfig
from insightdesk.metrics.dimensions import check_dimensions
from insightdesk.metrics.registry import get_kpi
from insightdesk.store.tables.insights import alerts as alerts_table

if TYPE_CHECKING:
    from insightdesk.store import Store

STATUSES = ("open", "acknowledged", "closed")
DETECTOR = "seasonal-baseline"
TAIL_PERIODS = 12
"""Periods of the series kept in an anomaly's evidence (the alert's period and those before it)."""


class AlertError(ValueError):
    """An alert request that cannot be done as asked; the message says what to change."""


@dataclass(frozen=True)
class ThresholdRule:
    """Fire when a KPI stays beyond a target for `periods` consecutive periods, per segment of `by`.

    `basis="interval"` (default) counts a period only when its whole confidence interval is beyond
    the target (below it beyond sampling noise); `basis="point"` uses the estimate alone. Periods
    with fewer than `min_n` observations do not count and break a run.
    """

    kpi: str
    below: float | None = None
    above: float | None = None
    by: str | None = None
    periods: int = 2
    grain: str = "week"
    min_n: int = 30
    basis: str = "interval"
    name: str | None = None

    def __post_init__(self) -> None:
        try:
            get_kpi(self.kpi)
        except KeyError as exc:  # fail early, naming the known KPIs
            raise AlertError(str(exc)) from None
        if (self.below is None) == (self.above is None):
            raise AlertError(f"threshold rule on {self.kpi}: give exactly one of `below` or `above`")
        if self.by is not None:
            check_dimensions([self.by])
        if self.periods < 1:
            raise AlertError(f"threshold rule on {self.kpi}: periods must be at least 1, got {self.periods}")
        if self.grain not in GRAINS:
            raise AlertError(
                f"threshold rule on {self.kpi}: grain {self.grain!r} is not one of {', '.join(GRAINS)}"
            )
        if self.basis not in ("interval", "point"):
            raise AlertError(
                f"threshold rule on {self.kpi}: basis must be interval or point, got {self.basis!r}"
            )

    @property
    def target(self) -> float:
        return float(self.below if self.below is not None else self.above)  # type: ignore[arg-type]

    @property
    def direction(self) -> str:
        return "below" if self.below is not None else "above"

    @property
    def label(self) -> str:
        if self.name:
            return self.name
        by = f" by {self.by}" if self.by else ""
        return (
            f"{self.kpi} {self.direction} {self.target:g}{by} for {self.periods} {self.grain}s ({self.basis})"
        )


DEFAULT_RULES: tuple[ThresholdRule, ...] = (
    # An example target; set the desk's own targets in a rules file (`insightdesk alerts run --rules`).
    ThresholdRule("csat", below=0.70, by="team", periods=2, grain="week", min_n=20),
)

_RULE_KEYS = {f for f in ThresholdRule.__dataclass_fields__}


def load_rules(path: str | Path) -> tuple[list[ThresholdRule], tuple[dt.date, ...]]:
    """Threshold rules and holidays from a YAML file:

    holidays: [2025-12-25, 2026-01-01]
    rules:
      - {kpi: csat, by: team, below: 0.7, periods: 2, grain: week}
    """
    import yaml

    file = Path(path)
    try:
        doc = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise AlertError(f"cannot read rules file {file}: {exc}") from exc
    if not isinstance(doc, dict) or set(doc) - {"rules", "holidays"}:
        raise AlertError(f"rules file {file}: expected the keys `rules` and/or `holidays` at the top level")
    rules = []
    for i, item in enumerate(doc.get("rules") or [], start=1):
        if not isinstance(item, dict):
            raise AlertError(f"rules file {file}: rule {i} is not a mapping")
        unknown = set(item) - _RULE_KEYS
        if unknown:
            raise AlertError(
                f"rules file {file}: rule {i} has unknown key(s) {', '.join(sorted(unknown))}; "
                f"allowed: {', '.join(sorted(_RULE_KEYS))}"
            )
        try:
            rules.append(ThresholdRule(**item))
        except (TypeError, ValueError) as exc:
            raise AlertError(f"rules file {file}: rule {i}: {exc}") from exc
    holidays = []
    for h in doc.get("holidays") or []:
        try:
            holidays.append(h if isinstance(h, dt.date) else dt.date.fromisoformat(str(h)))
        except ValueError as exc:
            raise AlertError(f"rules file {file}: holiday {h!r} is not a YYYY-MM-DD date") from exc
    return rules, tuple(holidays)


@dataclass
class AlertsReport:
    """What one scan did: how much it tested, what it found, where it delivered, how long it took."""

    run_id: str
    grain: str
    fdr: float
    series: int
    """Series x segment combinations scanned."""
    cells_tested: int
    cells_not_tested: dict[str, int]
    """Cells left out, by reason (low volume, short history, holiday...)."""
    anomalies: int
    threshold_alerts: int
    new: int
    already_known: int
    delivered: dict[str, dict[str, int]]
    """Channel -> {"ok": n, "failed": n}."""
    seconds: dict[str, float]
    alerts: pd.DataFrame = field(repr=False)
    """The alerts this run found (new and known), as `list_alerts` returns them."""

    def summary(self) -> dict[str, Any]:
        out = asdict(self)
        out.pop("alerts")
        return out


def alert_id(kind: str, rule: str, series: str, segment: str, grain: str, period: Any) -> str:
    """Stable id of an alert: the same finding gets the same id in every run."""
    key = "|".join([kind, rule, series, segment, grain, pd.Timestamp(period).isoformat()])
    return hashlib.sha256(key.encode()).hexdigest()[:24]


def run_alerts(
    store: Store,
    grain: str = "week",
    *,
    kpis: Sequence[str] | None = None,
    by: Sequence[str] = DEFAULT_DIMENSIONS,
    since: Any = None,
    until: Any = None,
    recent: int | None = 4,
    themes: bool = True,
    rules: Sequence[ThresholdRule] | None = None,
    detection: DetectionConfig | None = None,
    channels: Sequence[Channel] | None = None,
    config: MetricsConfig | None = None,
    started_by: str = "cli",
) -> AlertsReport:
    """Scan every KPI (and theme) series by segment for anomalies, apply threshold rules, store and deliver.

    Periods tested: from `since` when given, else the last `recent` complete periods (a scheduled
    scan alerts on what is new, and reads only their baseline's data); `recent=None` tests the whole
    history. `until` is exclusive; by default the data ends the day after the latest ticket.
    `rules` default to DEFAULT_RULES (pass [] for none); `detection` defaults to DetectionConfig
    with the holidays of `config.calendar`; `channels` default to the log channel alone.
    Alerts already stored keep their status; only alerts not yet delivered to a channel are sent.
    """
    if grain not in FREQ:
        raise AlertError(f"grain {grain!r} is not one of {', '.join(FREQ)}")
    if recent is not None and recent < 1:
        raise AlertError(f"recent must be at least 1 period (or None for the whole history), got {recent}")
    cfg = config or MetricsConfig()
    det = detection or DetectionConfig(holidays=tuple(cfg.calendar.holidays))
    rules = list(DEFAULT_RULES if rules is None else rules)
    channels = list((LogChannel(),) if channels is None else channels)
    since_ts, until_ts = _timestamp(since, "since"), _timestamp(until, "until")
    end = data_end(store)
    if end is not None:
        until_ts = min(until_ts, end) if until_ts is not None else end
    if since_ts is None and recent is not None and until_ts is not None:
        # The last complete period starts one step before the period holding `until`.
        last = truncate(pd.Timestamp(until_ts), grain) - STEP[grain]
        since_ts = (last - STEP[grain] * (recent - 1)).to_pydatetime()
    seconds: dict[str, float] = {}

    t0 = time.perf_counter()
    cells = kpi_cells(
        store, kpis, by=by, grain=grain, since=since_ts, until=until_ts, window=det.window, config=cfg
    )
    labels: dict[str, str] = {}
    if themes:
        theme = theme_cells(store, grain=grain, since=since_ts, until=until_ts, window=det.window)
        if len(theme):
            cells = pd.concat([c for c in (cells, theme) if len(c)], ignore_index=True)
        labels = {f"theme:{k}": v for k, v in theme_labels(store).items()}
    seconds["series"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    scanned = detect(cells, grain, det, test_from=since_ts)
    found = _anomaly_alerts(scanned, cells, grain, det, labels)
    seconds["detect"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    fired = [f for f in (_threshold_alerts(store, rule, since_ts, until_ts, cfg) for rule in rules) if len(f)]
    if fired:
        found = pd.concat([f.astype(object) for f in (found, *fired) if len(f)], ignore_index=True)
    seconds["rules"] = time.perf_counter() - t0

    params = {
        "grain": grain,
        "kpis": list(kpis) if kpis is not None else "all scannable",
        "by": list(by),
        "since": since_ts,
        "until": until_ts,
        "recent": recent,
        "themes": themes,
        "detection": asdict(det),
        "rules": [asdict(r) for r in rules],
        "channels": [c.name for c in channels],
    }
    t0 = time.perf_counter()
    with recorded_run(store, "alerts", params, started_by=started_by) as run:
        new, known = _store(run.conn, run.run_id, found)
        reasons = scanned.loc[~scanned["tested"].astype(bool), "reason"]
        skipped = reasons[~reasons.isin(["", "before the tested window"])].value_counts()
        run.summary.update(
            series=int(cells.groupby(["series", "segment"]).ngroups) if len(cells) else 0,
            cells_tested=int(scanned["tested"].sum()),
            anomalies=int((found["kind"] == "anomaly").sum()),
            threshold_alerts=int((found["kind"] == "threshold").sum()),
            new=new,
            already_known=known,
            fdr=det.fdr,
        )
        summary = dict(run.summary)
        run_id = run.run_id
    seconds["store"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    stored = list_alerts(store, ids=list(found["alert_id"])) if len(found) else _empty_alerts()
    delivered = _deliver(store, stored, channels)
    seconds["deliver"] = time.perf_counter() - t0
    if delivered:
        stored = list_alerts(store, ids=list(found["alert_id"]))
    return AlertsReport(
        run_id=run_id,
        grain=grain,
        fdr=det.fdr,
        series=summary["series"],
        cells_tested=summary["cells_tested"],
        cells_not_tested={str(k): int(v) for k, v in skipped.items()},
        anomalies=summary["anomalies"],
        threshold_alerts=summary["threshold_alerts"],
        new=new,
        already_known=known,
        delivered=delivered,
        seconds={k: round(v, 3) for k, v in seconds.items()},
        alerts=stored,
    )


_ALERT_COLUMNS = [c.name for c in alerts_table.columns]


def _empty_alerts() -> pd.DataFrame:
    return pd.DataFrame(columns=[*_ALERT_COLUMNS, "label"])


def _anomaly_alerts(
    scanned: pd.DataFrame, cells: pd.DataFrame, grain: str, det: DetectionConfig, labels: Mapping[str, str]
) -> pd.DataFrame:
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


def _threshold_alerts(
    store: Store,
    rule: ThresholdRule,
    since: dt.datetime | None,
    until: dt.datetime | None,
    cfg: MetricsConfig,
) -> pd.DataFrame:
    """One alert per run of at least `rule.periods` consecutive periods beyond the target, per segment.

    The whole history is read (one query), so a run that began before `since` keeps its first
    period, and with it its alert id; only runs still going at or after `since` are reported.
    """
    from insightdesk.metrics import compute

    by = [rule.by] if rule.by else []
    df = compute(rule.kpi, store=store, by=by, grain=rule.grain, until=until, min_n=rule.min_n, config=cfg)
    if df.empty:
        return pd.DataFrame()
    df["segment"] = (
        (rule.by + "=" + df[rule.by].astype(object).where(df[rule.by].notna(), "(missing)").astype(str))
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


def _finite(x: Any) -> Any:
    if x is None:
        return None
    if isinstance(x, float | np.floating) and not np.isfinite(x):
        return None
    return x.item() if isinstance(x, np.generic) else x


def _store(conn: sa.Connection, run_id: str, found: pd.DataFrame) -> tuple[int, int]:
    """Insert new alerts; refresh the evidence of known ones, keeping status, creation time and deliveries."""
    if found.empty:
        return 0, 0
    found = found.drop_duplicates("alert_id")
    ids = list(found["alert_id"])
    known: set[str] = set()
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        known |= {
            r[0]
            for r in conn.execute(
                sa.select(alerts_table.c.alert_id).where(alerts_table.c.alert_id.in_(chunk))
            )
        }
    now = utcnow()
    inserts, updates = [], []
    for r in found.to_dict("records"):
        row = {
            "alert_id": r["alert_id"],
            "run_id": run_id,
            "kind": r["kind"],
            "rule": r["rule"],
            "series": r["series"],
            "segment": r["segment"],
            "period": pd.Timestamp(r["period"]).to_pydatetime(),
            "grain": r["grain"],
            "direction": r["direction"],
            "observed": _finite(r["observed"]),
            "expected": _finite(r["expected"]),
            "expected_low": _finite(r["expected_low"]),
            "expected_high": _finite(r["expected_high"]),
            "n": None if _finite(r["n"]) is None else int(r["n"]),
            "severity": r["severity"],
            "evidence": to_json({**r["evidence"], "label": r.get("label")}),
            "updated_at": now,
        }
        if r["alert_id"] in known:
            updates.append({**row, "_id": row.pop("alert_id")})
        else:
            inserts.append({**row, "status": "open", "delivered": to_json({}), "created_at": now})
    if inserts:
        conn.execute(alerts_table.insert(), inserts)
    if updates:
        fields = [k for k in updates[0] if k != "_id"]
        stmt = (
            alerts_table.update()
            .where(alerts_table.c.alert_id == sa.bindparam("_id"))
            .values({k: sa.bindparam(k) for k in fields})
        )
        conn.execute(stmt, updates)
    return len(inserts), len(updates)


def _deliver(store: Store, stored: pd.DataFrame, channels: Iterable[Channel]) -> dict[str, dict[str, int]]:
    """Send open alerts not yet delivered to each channel; record every outcome in `alerts.delivered`."""
    results: dict[str, dict[str, int]] = {}
    if stored.empty:
        return results
    records = {r["alert_id"]: dict(r) for r in stored.to_dict("records")}
    for channel in channels:
        todo = [
            a
            for a in records.values()
            if a["status"] == "open" and not (a["delivered"] or {}).get(channel.name, {}).get("ok")
        ]
        if not todo:
            continue
        outcomes = channel.deliver([payload(a) for a in todo])
        if len(outcomes) != len(todo):
            raise AlertError(
                f"channel {channel.name} returned {len(outcomes)} results for {len(todo)} alerts"
            )
        counts = results.setdefault(channel.name, {"ok": 0, "failed": 0})
        for a, d in zip(todo, outcomes, strict=True):
            a["delivered"] = {**(a["delivered"] or {}), channel.name: d.record()}
            counts["ok" if d.ok else "failed"] += 1
    changed = [{"_id": k, "delivered": to_json(a["delivered"])} for k, a in records.items() if a["delivered"]]
    if changed:
        stmt = (
            alerts_table.update()
            .where(alerts_table.c.alert_id == sa.bindparam("_id"))
            .values(delivered=sa.bindparam("delivered"))
        )
        with store.begin() as conn:
            conn.execute(stmt, changed)
    return results


def list_alerts(
    store: Store,
    status: str | None = None,
    *,
    kind: str | None = None,
    series: str | None = None,
    since: Any = None,
    ids: Sequence[str] | None = None,
    limit: int | None = None,
) -> pd.DataFrame:
    """Stored alerts, newest period first, evidence and deliveries parsed, plus a readable `label`."""
    if status is not None and status not in STATUSES:
        raise AlertError(f"status {status!r} is not one of {', '.join(STATUSES)}")
    if kind is not None and kind not in ("anomaly", "threshold"):
        raise AlertError(f"kind {kind!r} is not anomaly or threshold")
    t = alerts_table
    q = sa.select(t)
    if status is not None:
        q = q.where(t.c.status == status)
    if kind is not None:
        q = q.where(t.c.kind == kind)
    if series is not None:
        q = q.where(t.c.series == series)
    since_ts = _timestamp(since, "since")
    if since_ts is not None:
        q = q.where(t.c.period >= since_ts)
    q = q.order_by(t.c.period.desc(), t.c.severity, t.c.series, t.c.segment, t.c.alert_id)
    frames = []
    with store.engine.connect() as conn:
        if ids is None:
            if limit is not None:
                q = q.limit(limit)
            result = conn.execute(q)
            frames.append(pd.DataFrame(result.fetchall(), columns=list(result.keys())))
        else:
            ids = list(ids)
            for start in range(0, len(ids), 500):
                result = conn.execute(q.where(t.c.alert_id.in_(ids[start : start + 500])))
                frames.append(pd.DataFrame(result.fetchall(), columns=list(result.keys())))
    df = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=_ALERT_COLUMNS)
    if ids is not None and len(df):
        df = df.sort_values(["period", "series", "segment"], ascending=[False, True, True]).reset_index(
            drop=True
        )
    df["evidence"] = [from_json(e) for e in df["evidence"]]
    df["delivered"] = [from_json(d) or {} for d in df["delivered"]]
    df["label"] = [(e or {}).get("label") or s for e, s in zip(df["evidence"], df["series"], strict=True)]
    if len(df):
        df["period"] = pd.to_datetime(df["period"])
    return df


def set_alert_status(store: Store, alert_id: str, status: str) -> dict[str, Any]:
    """Acknowledge, close or reopen an alert; returns the alert as stored. A later scan keeps the status."""
    if status not in STATUSES:
        raise AlertError(f"status {status!r} is not one of {', '.join(STATUSES)}")
    t = alerts_table
    with store.begin() as conn:
        # Checked by a select: DuckDB's driver does not report an UPDATE's row count.
        if conn.execute(sa.select(t.c.alert_id).where(t.c.alert_id == alert_id)).first() is None:
            raise AlertError(f"no alert with id {alert_id!r} (see `insightdesk alerts list`)")
        conn.execute(t.update().where(t.c.alert_id == alert_id).values(status=status, updated_at=utcnow()))
    return list_alerts(store, ids=[alert_id]).iloc[0].to_dict()


def resolve_alert_id(store: Store, id_or_prefix: str) -> str:
    """The full id of the one alert whose id starts with `id_or_prefix` (as `alerts list` shows it).

    Several matches raise AlertError; none gives `id_or_prefix` back, so the caller's lookup names it.
    """
    if not id_or_prefix:
        return id_or_prefix
    t = alerts_table
    with store.engine.connect() as conn:
        matches = list(
            conn.execute(sa.select(t.c.alert_id).where(t.c.alert_id.startswith(id_or_prefix, autoescape=True)))
            .scalars()
            .all()
        )
    if len(matches) > 1:
        raise AlertError(f"{id_or_prefix!r} matches {len(matches)} alerts; give more of the id")
    return matches[0] if matches else id_or_prefix
