"""The alert scan: anomalies on every KPI and theme series by segment, threshold rules, storage, delivery.

    from insightdesk.insights.alerts import run_alerts, list_alerts, set_alert_status
    report = run_alerts(store, grain="week")              # scan, store, deliver (log channel)
    list_alerts(store, status="open")                     # DataFrame, newest first
    set_alert_status(store, report.alerts.alert_id[0], "acknowledged")

`run_alerts` reads the series (`series`), tests them (`anomalies`), applies the threshold rules,
turns both into alerts (`findings`), stores them (`persistence`: a re-run refreshes an alert and
keeps its status, never duplicates it) and delivers the new ones (`channels`). Each run is
recorded in `insight_runs` (kind `alerts`) with its parameters.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from insightdesk.insights.alerts.anomalies import detect
from insightdesk.insights.alerts.channels import Channel, LogChannel, deliver
from insightdesk.insights.alerts.config import (
    DEFAULT_DIMENSIONS,
    DEFAULT_RULES,
    AlertError,
    DetectionConfig,
    ThresholdRule,
)
from insightdesk.insights.alerts.findings import anomaly_alerts, threshold_alerts
from insightdesk.insights.alerts.periods import FREQ, STEP, truncate
from insightdesk.insights.alerts.persistence import empty_alerts, list_alerts, record_deliveries, store_alerts
from insightdesk.insights.alerts.series import data_end, kpi_cells, theme_cells, theme_labels
from insightdesk.insights.common.runs import recorded_run
from insightdesk.metrics.config import MetricsConfig
from insightdesk.metrics.request import to_timestamp

if TYPE_CHECKING:
    from insightdesk.store import Store


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
    since_ts, until_ts = to_timestamp(since, "since"), to_timestamp(until, "until")
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
    found = anomaly_alerts(scanned, cells, grain, det, labels)
    seconds["detect"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    fired = [f for f in (_rule_alerts(store, rule, since_ts, until_ts, cfg) for rule in rules) if len(f)]
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
        new, known = store_alerts(run.conn, run.run_id, found)
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
    stored = list_alerts(store, ids=list(found["alert_id"])) if len(found) else empty_alerts()
    delivered, deliveries = deliver(stored, channels)
    record_deliveries(store, deliveries)
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


def _rule_alerts(
    store: Store,
    rule: ThresholdRule,
    since: dt.datetime | None,
    until: dt.datetime | None,
    cfg: MetricsConfig,
) -> pd.DataFrame:
    """The alerts of one threshold rule: its KPI over the whole history (one query), then its runs."""
    from insightdesk.metrics import compute

    by = [rule.by] if rule.by else []
    df = compute(rule.kpi, store=store, by=by, grain=rule.grain, until=until, min_n=rule.min_n, config=cfg)
    return threshold_alerts(df, rule, since, cfg)
