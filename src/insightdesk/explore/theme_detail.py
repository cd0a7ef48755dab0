"""One theme as its page shows it: the registry entry, volume and sentiment per week, its history,
the themes it came from or went to, the tickets behind its texts, and its KPIs against the rest.

The KPI comparison is the metrics engine's (`metrics.compute` per segment, `metrics.compare`
segment against rest, with intervals and the test of each KPI's kind; Holm's adjustment over the
KPIs compared, from `metrics.stats`): no arithmetic here.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from insightdesk.explore.text_languages import language_condition
from insightdesk.explore.theme_catalog import week_of
from insightdesk.store.tables.text import text_analyses, theme_events, themes

if TYPE_CHECKING:
    import pandas as pd

    from insightdesk.store import Store

# The KPIs a theme's tickets are compared on: satisfaction, resolution and time to resolve.
THEME_KPIS = ("csat", "fcr", "repeat_contact_rate", "reopen_rate", "escalation_rate", "ttr_mean")


def theme_record(engine: sa.Engine, theme_id: str) -> dict[str, Any] | None:
    """The registry entry (no centroid), keywords and stored quotes parsed; None when unknown."""
    cols = [c for c in themes.c if c.name not in ("centroid", "radius")]
    with engine.connect() as conn:
        row = conn.execute(sa.select(*cols).where(themes.c.theme_id == theme_id)).mappings().first()
        if row is None:
            return None
        found = dict(row)
        related = conn.execute(
            sa.select(
                themes.c.theme_id, sa.func.coalesce(themes.c.label, themes.c.auto_label), themes.c.status
            )
            .where(sa.or_(themes.c.parent_id == theme_id, themes.c.merged_into == theme_id))
            .order_by(themes.c.theme_id)
        ).all()
    found["keywords"] = json.loads(found["keywords"]) if found.get("keywords") else []
    found["quotes"] = json.loads(found["quotes"]) if found.get("quotes") else []
    found["label"] = found.get("label") or found.get("auto_label")
    found["related_themes"] = [{"theme_id": t, "label": label, "status": s} for t, label, s in related]
    return found


def theme_timeline(engine: sa.Engine, theme_id: str, language: str | None = None) -> list[dict[str, Any]]:
    """Per week with texts: texts, negative texts, texts with a sentiment score and their mean (of
    one detected language's texts, or of all)."""
    ta = text_analyses
    week = week_of(ta.c.occurred_at)
    negative = sa.func.sum(sa.case((ta.c.sentiment_label == "negative", 1), else_=0))
    stmt = (
        sa.select(
            week.label("week"),
            sa.func.count().label("texts"),
            negative.label("negative"),
            sa.func.count(ta.c.sentiment_score).label("scored"),
            sa.func.avg(ta.c.sentiment_score).label("sentiment"),
        )
        .where(ta.c.theme_id == theme_id, ta.c.occurred_at.is_not(None), *language_condition(language))
        .group_by(week)
        .order_by(week)
    )
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(stmt).mappings()]


def theme_history(engine: sa.Engine, theme_id: str, limit: int = 50) -> list[dict[str, Any]]:
    """The theme's registry events (discovered, renamed, merged, split...), newest first."""
    ev = theme_events
    stmt = (
        sa.select(ev.c.event, ev.c.related_theme_id, ev.c.fit_id, ev.c.detail, ev.c.occurred_at)
        .where(ev.c.theme_id == theme_id)
        .order_by(ev.c.occurred_at.desc(), ev.c.event_id.desc())
        .limit(int(limit))
    )
    with engine.connect() as conn:
        found = [dict(r) for r in conn.execute(stmt).mappings()]
    for r in found:
        r["detail"] = json.loads(r["detail"]) if r.get("detail") else None
    return found


def theme_ticket_ids(engine: sa.Engine, theme_id: str) -> list[str]:
    """Distinct tickets whose texts (subject, description, messages, survey comments) are in the theme."""
    ta = text_analyses
    stmt = (
        sa.select(ta.c.ticket_id)
        .where(ta.c.theme_id == theme_id, ta.c.ticket_id.is_not(None))
        .distinct()
        .order_by(ta.c.ticket_id)
    )
    with engine.connect() as conn:
        return [str(t) for t in conn.execute(stmt).scalars()]


def theme_kpis(
    store: Store, ticket_ids: Sequence[str], kpis: Sequence[str] = THEME_KPIS, *, min_n: int = 30
) -> list[dict[str, Any]]:
    """Each KPI over the theme's tickets against all other tickets, as the metrics engine compares
    segments: value with its interval, the rest's value with its interval, the difference, n on each
    side, the test and its p-value. A KPI the data cannot give (no answers) is left out."""
    import pandas as pd

    from insightdesk.metrics import MetricsConfig, MetricsError, compare, compute, get_kpi, stats

    ids = sorted(set(ticket_ids))
    if not ids:
        return []

    # Filters on the fact's ticket id (a column of every fact, not a dimension to cut by).
    def inside_theme(t: Any) -> Any:
        return t.ticket_id.isin(ids)

    def outside(t: Any) -> Any:
        return t.ticket_id.isnull() | ~t.ticket_id.isin(ids)

    found = []
    for name in kpis:
        spec = get_kpi(name)
        try:
            inside = compute(spec, store=store, where=inside_theme, min_n=min_n)
            rest = compute(spec, store=store, where=outside, min_n=min_n)
        except MetricsError:
            continue
        if inside.empty or rest.empty or inside["value"].isna().all():
            continue
        cells = pd.concat([inside.assign(segment="theme"), rest.assign(segment="rest")], ignore_index=True)
        # One test per KPI here; the family of KPIs is adjusted together below.
        tested = compare(spec, against="rest", by=["segment"], cells=cells, adjust=None)
        found.append(_row(spec, tested, inside, rest))
    adjusted: list[float] = (
        [float(p) for p in stats.adjust_pvalues([r["p_value"] for r in found], "holm")] if found else []
    )
    alpha = 1 - MetricsConfig().confidence
    for r, p in zip(found, adjusted, strict=True):
        r["p_adjusted"] = None if p != p else float(p)  # NaN: no test for the KPI's kind
        r["significant"] = r["p_adjusted"] is not None and r["p_adjusted"] < alpha
    return found


def _row(spec: Any, tested: pd.DataFrame, inside: pd.DataFrame, rest: pd.DataFrame) -> dict[str, Any]:
    mine = tested[tested["segment"] == "theme"].iloc[0]
    a, b = inside.iloc[0], rest.iloc[0]
    return {
        "kpi": spec.name,
        "title": spec.title,
        "unit": spec.unit,
        "kind": spec.kind,
        "higher_is_better": spec.higher_is_better,
        "value": a["value"],
        "ci_low": a.get("ci_low"),
        "ci_high": a.get("ci_high"),
        "n": a["n"],
        "low_n": bool(a.get("low_n")),
        "reference": b["value"],
        "reference_ci_low": b.get("ci_low"),
        "reference_ci_high": b.get("ci_high"),
        "n_reference": b["n"],
        "difference": mine["difference"],
        "p_value": mine["p_value"],
        "test": mine["test"],
    }
