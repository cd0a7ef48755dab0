"""Build a fresh embedded store from the bundled sample: the first thing a new user runs."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from insightdesk.ingest import IngestResult, ingest_file
from insightdesk.sample import SAMPLE_KINDS, sample_file
from insightdesk.store import Store, open_store
from insightdesk.store.duckdb_files import remove_duckdb_store

log = logging.getLogger(__name__)


@dataclass
class QuickstartReport:
    db: str
    results: list[IngestResult] = field(default_factory=list)

    @property
    def reconciled(self) -> bool:
        return all(r.reconciles for r in self.results)


def build_sample_store(
    db: str | Path = "insightdesk.duckdb",
    *,
    fresh: bool = True,
    on_result: Callable[[IngestResult], None] | None = None,
) -> QuickstartReport:
    """Ingest every bundled sample file, referenced kinds first, into `db` (replaced when fresh)."""
    target = str(db)
    if fresh and not target.startswith("postgres"):
        # Refuses a data file given by mistake and a store another process (a server) holds.
        remove_duckdb_store(Path(target))
    report = QuickstartReport(db=target)
    with open_store(target) as store:
        for kind in SAMPLE_KINDS:
            result = ingest_file(store, sample_file(kind), kind, profile="generic", source_system="sample")
            report.results.append(result)
            if on_result:
                on_result(result)
    return report


def store_summary(store: Store) -> dict[str, int]:
    """Row counts of the main tables, for the summary a new user sees."""
    return {
        t: store.count(t)
        for t in (
            "customers",
            "agents",
            "teams",
            "tickets",
            "ticket_events",
            "interactions",
            "feedback",
            "problems",
            "articles",
            "quarantine",
        )
    }


@dataclass
class TextSummary:
    analysed: int
    themes: int
    seconds: float


def count_texts(store: Store) -> int:
    """How many free texts the text step will read (the total of its progress bar)."""
    from insightdesk.text.pipeline_store import collect_texts

    return len(collect_texts(store))


def analyse_sample_text(
    store: Store,
    *,
    on_texts: Callable[[int], None] | None = None,
    on_phase: Callable[[str], None] | None = None,
) -> TextSummary:
    """Language, redaction, sentiment and themes for every free text of the store (offline models).

    `on_texts(n)` is called after each batch of n analysed texts, `on_phase(name)` when theme
    discovery starts (it has no batches to count).
    """
    import time

    from insightdesk.quickstart.progress import PROGRESS_BATCH, ReportingPipeline
    from insightdesk.text.pipeline import TextPipeline
    from insightdesk.text.pipeline_store import analyze_store
    from insightdesk.text.theme_store import discover_store_themes

    started = time.perf_counter()
    if on_texts is None:
        analysed = analyze_store(store)
    else:
        pipeline = ReportingPipeline.wrapping(TextPipeline.default(), on_texts)
        analysed = analyze_store(store, pipeline=pipeline, batch_size=PROGRESS_BATCH)
    if on_phase is not None:
        on_phase("themes")
    themes = discover_store_themes(store)  # also assigns the analysed texts to the themes it finds
    return TextSummary(
        analysed=analysed.analysed, themes=themes.n_themes, seconds=time.perf_counter() - started
    )


@dataclass
class InsightSummary:
    painpoints: int
    top_painpoint: str | None
    drivers: dict[str, int]  # outcome -> significant drivers
    risk_auc: float | None
    risk_scored: int
    alerts: int
    skipped: list[str]
    seconds: float


INSIGHT_STEPS = (
    "identity resolution",
    "pain points",
    "drivers of low_csat",
    "drivers of repeat_contact",
    "drivers of detractor",
    "risk model",
    "alerts",
)


def analyse_sample_insights(store: Store, *, on_step: Callable[[str], None] | None = None) -> InsightSummary:
    """Pain points, key drivers, a risk model with scores, and an alert scan over the sample.

    An outcome without enough labelled tickets is skipped and named in `skipped`, not guessed (the
    sample's NPS answers are per customer: they label the tickets created in the
    `nps_attribution_days` before each answer).
    """
    import time

    from insightdesk.governance import Actor
    from insightdesk.identity import run_identity
    from insightdesk.insights.alerts import run_alerts
    from insightdesk.insights.drivers import key_drivers
    from insightdesk.insights.painpoints import rank_painpoints
    from insightdesk.insights.risk import score_tickets, train_risk_model

    def done(step: str) -> None:
        if on_step is not None:
            on_step(step)

    started = time.perf_counter()
    skipped: list[str] = []
    # The sample's customers come from several systems with realistic duplicates: one person each.
    run_identity(store, actor=Actor("quickstart", "admin", "cli"))
    done(INSIGHT_STEPS[0])
    ranking = rank_painpoints(store, started_by="quickstart")
    done(INSIGHT_STEPS[1])
    drivers: dict[str, int] = {}
    for outcome in ("low_csat", "repeat_contact", "detractor"):
        try:
            report = key_drivers(store, outcome, started_by="quickstart")
        except ValueError as exc:
            skipped.append(f"drivers of {outcome}: {exc}")
            done(f"drivers of {outcome}")
            continue
        drivers[outcome] = int(report.drivers["significant"].sum()) if len(report.drivers) else 0
        done(f"drivers of {outcome}")
    auc, scored = None, 0
    try:
        model = train_risk_model(store, "low_csat", started_by="quickstart")
        auc = model.auc
        scored = len(score_tickets(store, "low_csat", scope="all", started_by="quickstart"))
    except ValueError as exc:
        skipped.append(f"risk of low_csat: {exc}")
    done(INSIGHT_STEPS[5])
    # Stored for the dashboard and the API; a desk wires delivery (log, webhook) to its own scans.
    alerts = run_alerts(store, "week", channels=[], started_by="quickstart")
    done(INSIGHT_STEPS[6])
    return InsightSummary(
        painpoints=len(ranking.frame),
        top_painpoint=str(ranking.frame["label"].iloc[0]) if len(ranking.frame) else None,
        drivers=drivers,
        risk_auc=auc,
        risk_scored=scored,
        alerts=alerts.anomalies + alerts.threshold_alerts,
        skipped=skipped,
        seconds=time.perf_counter() - started,
    )


def build_sample_rollups(store: Store, *, on_kpi: Callable[[str], None] | None = None) -> int:
    """The daily KPI roll-ups the dashboard reads (the server would otherwise build them at start,
    competing with the first page views); returns how many KPIs were rolled up."""
    from insightdesk.metrics.rollup import RollupResult, build_rollups

    def done(result: RollupResult) -> None:
        if on_kpi is not None:
            on_kpi(result.kpi)

    return sum(r.skipped is None for r in build_rollups(store, on_kpi=done))


def rollup_kpis() -> int:
    """How many KPIs the roll-up step goes through (the total of its progress bar)."""
    from insightdesk.metrics import list_kpis

    return len(list(list_kpis()))
