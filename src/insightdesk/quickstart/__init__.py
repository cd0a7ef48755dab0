"""Build a fresh embedded store from the bundled sample: the first thing a new user runs."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from insightdesk.ingest import IngestResult, ingest_file
from insightdesk.sample import SAMPLE_KINDS, sample_file
from insightdesk.store import Store, open_store

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
        for suffix in ("", ".wal"):
            Path(target + suffix).unlink(missing_ok=True)
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


def analyse_sample_text(store: Store) -> TextSummary:
    """Language, redaction, sentiment and themes for every free text of the store (offline models)."""
    import time

    from insightdesk.text.pipeline_store import analyze_store
    from insightdesk.text.theme_store import discover_store_themes

    started = time.perf_counter()
    analysed = analyze_store(store)
    themes = discover_store_themes(store)  # also assigns the analysed texts to the themes it finds
    return TextSummary(analysed=analysed.analysed, themes=themes.n_themes, seconds=time.perf_counter() - started)
