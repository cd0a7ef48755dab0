"""What the pages and the API show, computed through insightdesk.metrics and cached per data version.

No KPI arithmetic here: values, intervals and tests come from the metrics engine; this module
picks the views, serialises frames to JSON-safe rows and keeps results until the data changes.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from insightdesk.api.state import AppState

log = logging.getLogger(__name__)

TILE_KPIS = ("csat", "nps", "ces_mean", "fcr", "frt_median", "ttr_median", "reopen_rate", "ticket_volume")
GRAINS = ("day", "week", "month", "quarter")
FILTER_DIMENSIONS = {  # filter bar name -> metrics dimension
    "channel": "channel",
    "team": "team",
    "product": "product",
    "tier": "customer_tier",
    "region": "region",
    "language": "language",
}
COMPARE_DIMENSIONS = (
    "channel",
    "team",
    "product",
    "category",
    "priority",
    "region",
    "language",
    "customer_tier",
    "customer_segment",
    "type",
)
FEEDBACK_FAMILIES = ("feedback",)


@dataclass(frozen=True)
class Filters:
    since: dt.date | None = None
    until: dt.date | None = None
    channel: str | None = None
    team: str | None = None
    product: str | None = None
    tier: str | None = None
    region: str | None = None
    language: str | None = None

    def where(self) -> dict[str, Any] | None:
        out = {FILTER_DIMENSIONS[k]: v for k, v in asdict(self).items() if k in FILTER_DIMENSIONS and v}
        return out or None

    def key(self) -> tuple[Any, ...]:
        return tuple(asdict(self).items())

    def query(self) -> dict[str, str]:
        """As URL query parameters (for links that keep the filters)."""
        return {
            k: (v.isoformat() if isinstance(v, dt.date) else str(v)) for k, v in asdict(self).items() if v
        }


def jsonable(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, float | np.floating):
        return None if math.isnan(value) or math.isinf(value) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_ | bool):
        return bool(value)
    if isinstance(value, pd.Timestamp | dt.datetime | dt.date):
        return value.isoformat()
    if value is pd.NaT:
        return None
    return value


def rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{k: jsonable(v) for k, v in rec.items()} for rec in frame.to_dict(orient="records")]


def _cached(state: AppState, key: tuple[Any, ...], fn: Callable[[], Any]) -> Any:
    version = state.data_version()
    return state.cache.get_or_compute((*key, version), fn)


def _metrics(state: AppState, fn: Callable[[], Any]) -> Any:
    with state.metrics_lock:  # the Ibis backend is one connection: one thread at a time
        return fn()


def catalog() -> list[dict[str, Any]]:
    from insightdesk.metrics import list_kpis

    return [
        {
            "name": k.name,
            "title": k.title,
            "unit": k.unit,
            "family": k.family,
            "kind": k.kind,
            "formula": k.formula,
            "higher_is_better": k.higher_is_better,
            "snapshot": k.snapshot,
            "method": k.method,
        }
        for k in list_kpis()
    ]


def kpi_info(name: str) -> dict[str, Any]:
    from insightdesk.metrics import get_kpi

    k = get_kpi(name)
    return {
        "name": k.name,
        "title": k.title,
        "unit": k.unit,
        "family": k.family,
        "kind": k.kind,
        "higher_is_better": k.higher_is_better,
        "snapshot": k.snapshot,
        "formula": k.formula,
    }


def cells(
    state: AppState,
    kpi: str,
    f: Filters,
    *,
    by: tuple[str, ...] = (),
    grain: str | None = None,
    min_n: int | None = None,
) -> pd.DataFrame:
    """compute(kpi, by, grain, since, until, where) as the engine's frame, cached per data version.

    `min_n` defaults to the `dashboard.min_n` setting.
    """
    from insightdesk.metrics import compute, get_kpi

    grain = None if get_kpi(kpi).snapshot else grain
    min_n = state.setting("dashboard.min_n") if min_n is None else min_n

    def run() -> pd.DataFrame:
        return _metrics(
            state,
            lambda: compute(
                kpi,
                store=state.store,
                by=list(by),
                grain=grain,
                since=f.since,
                until=f.until,
                where=f.where(),
                min_n=min_n,
            ),
        )

    return _cached(state, _cells_key(kpi, by, grain, f, min_n), run)


def _cells_key(kpi: str, by: tuple[str, ...], grain: str | None, f: Filters, min_n: int) -> tuple[Any, ...]:
    """The cache key of one KPI's cells (the data version is appended by `_cached`)."""
    return ("cells", kpi, by, grain, f.key(), min_n)


def series(
    state: AppState,
    kpi: str,
    f: Filters,
    *,
    by: tuple[str, ...] = (),
    grain: str | None = None,
    min_n: int | None = None,
) -> list[dict[str, Any]]:
    """The cells as JSON rows (value, ci_low, ci_high, n, low_n...)."""
    min_n = state.setting("dashboard.min_n") if min_n is None else min_n
    return _cached(
        state,
        ("series", kpi, by, grain, f.key(), min_n),
        lambda: rows(cells(state, kpi, f, by=by, grain=grain, min_n=min_n)),
    )


def comparison(
    state: AppState,
    kpi: str,
    f: Filters,
    *,
    by: tuple[str, ...],
    against: str = "rest",
    grain: str | None = None,
) -> list[dict[str, Any]]:
    """compare(...) rows with each cell's own interval joined on (significance flags per cell)."""
    from insightdesk.metrics import compare

    def run() -> list[dict[str, Any]]:
        computed = cells(state, kpi, f, by=by, grain=grain)
        frame = compare(kpi, against=against, by=list(by), grain=grain, cells=computed)
        out = rows(frame)
        keys = [*by, *(["period"] if grain else [])]
        ci = {
            tuple(c.get(k) for k in keys): c
            for c in series(state, kpi, f, by=by, grain=grain)
            if "category" not in c or c.get("category") is None
        }
        for r in out:
            c = ci.get(tuple(r.get(k) for k in keys))
            if c:
                r.update(ci_low=c.get("ci_low"), ci_high=c.get("ci_high"), low_n=c.get("low_n"))
        return out

    return _cached(state, ("compare", kpi, by, against, grain, f.key()), run)


def prefetch_cells(state: AppState, kpis: tuple[str, ...], f: Filters, grain: str | None = None) -> None:
    """Fill the cells cache of several KPIs at once: the roll-ups answer them in one query."""
    from insightdesk.metrics import compute_many, get_kpi

    min_n = state.setting("dashboard.min_n")
    version = state.data_version()

    def key(kpi: str) -> tuple[Any, ...]:
        return (*_cells_key(kpi, (), None if get_kpi(kpi).snapshot else grain, f, min_n), version)

    missing = tuple(k for k in kpis if state.cache.peek(key(k)) is None)
    if not missing:
        return
    found = _metrics(
        state,
        lambda: compute_many(
            missing,
            store=state.store,
            grain=grain,
            since=f.since,
            until=f.until,
            where=f.where(),
            min_n=min_n,
        ),
    )
    for kpi, frame in found.items():
        state.cache.get_or_compute(key(kpi), lambda frame=frame: frame)


def tiles(
    state: AppState, f: Filters, grain: str = "week", kpis: tuple[str, ...] = TILE_KPIS
) -> list[dict[str, Any]]:
    """KPI tiles: value with interval over the window, a trend series and the last change with its test."""
    from insightdesk.metrics import MetricsError, get_kpi

    prefetch_cells(state, kpis, f)
    prefetch_cells(state, tuple(k for k in kpis if not get_kpi(k).snapshot), f, grain)
    out = []
    for name in kpis:
        info = kpi_info(name)
        total = series(state, name, f)
        tile = {
            **info,
            "value": None,
            "ci_low": None,
            "ci_high": None,
            "n": 0,
            "low_n": True,
            "series": [],
            "change": None,
        }
        if total:
            tile.update({k: total[0].get(k) for k in ("value", "ci_low", "ci_high", "n", "low_n")})
        target = state.setting("kpi.targets").get(name)
        tile["target"] = None
        if target is not None and tile["value"] is not None and info["higher_is_better"] is not None:
            met = tile["value"] >= target if info["higher_is_better"] else tile["value"] <= target
            tile["target"] = {"value": target, "met": bool(met)}
        if not info["snapshot"]:
            tile["series"] = [r for r in series(state, name, f, grain=grain) if r.get("category") is None]
            try:
                cmp = comparison(state, name, f, by=(), against="previous", grain=grain)
            except MetricsError:
                cmp = []
            last = [r for r in cmp if r.get("reference") is not None]
            if last:
                r = last[-1]
                better = None
                if info["higher_is_better"] is not None and r.get("difference") is not None:
                    better = (r["difference"] > 0) == bool(info["higher_is_better"])
                tile["change"] = {
                    k: r.get(k) for k in ("period", "difference", "p_adjusted", "significant", "test")
                }
                tile["change"]["better"] = better
        out.append(tile)
    return out


def filter_options(state: AppState) -> dict[str, list[str]]:
    """Values offered by the filter bar (most frequent first)."""

    def run() -> dict[str, list[str]]:
        sql = {
            "channel": "select channel v, count(*) n from tickets where channel is not null group by 1",
            "team": "select m.name v, count(*) n from tickets t join teams m on m.id = t.team_id "
            "where m.name is not null group by 1",
            "product": "select product v, count(*) n from tickets where product is not null group by 1",
            "tier": "select tier v, count(*) n from customers where tier is not null group by 1",
            "region": "select region v, count(*) n from tickets where region is not null group by 1",
            "language": "select language v, count(*) n from tickets where language is not null group by 1",
        }
        out = {}
        with state.engine.connect() as conn:
            for name, q in sql.items():
                found = conn.execute(sa.text(f"select v from ({q}) x order by n desc, v limit 60")).all()
                out[name] = [str(r[0]) for r in found]
        return out

    return _cached(state, ("filter_options",), run)


def data_range(state: AppState) -> dict[str, Any]:
    def run() -> dict[str, Any]:
        with state.engine.connect() as conn:
            lo, hi = conn.execute(
                sa.text("select min(created_at), max(created_at) from tickets")
            ).first() or (None, None)
        return {"first_ticket": jsonable(lo), "last_ticket": jsonable(hi)}

    return _cached(state, ("data_range",), run)


def _has_rows(state: AppState, table: str) -> bool:
    def run() -> bool:
        if not state.has_table(table):
            return False
        with state.engine.connect() as conn:
            return conn.execute(sa.text(f'select 1 from "{table}" limit 1')).first() is not None

    return bool(_cached(state, ("has_rows", table), run))


THEMES_HINT = "run `insightdesk text analyze` and then `insightdesk themes discover`"


def themes(state: AppState, *, with_quotes: bool) -> dict[str, Any]:
    """The theme registry with weekly volumes, or a plain 'not computed yet' with the command to run."""
    if not _has_rows(state, "themes"):
        return {
            "computed": False,
            "message": f"Themes not computed yet: {THEMES_HINT}.",
            "themes": [],
            "trend": [],
        }

    def run() -> dict[str, Any]:
        with state.engine.connect() as conn:
            found = (
                conn.execute(
                    sa.text(
                        "select theme_id, coalesce(label, auto_label) as label, keywords, quotes, size, status, updated_at "
                        "from themes where status = 'active' order by size desc nulls last, theme_id limit 50"
                    )
                )
                .mappings()
                .all()
            )
            sentiment = {}
            trend: list[dict[str, Any]] = []
            if _has_rows(state, "text_analyses"):
                sentiment = {
                    r["theme_id"]: dict(r)
                    for r in conn.execute(
                        sa.text(
                            "select theme_id, count(*) n, "
                            "sum(case when sentiment_label = 'negative' then 1 else 0 end) negative "
                            "from text_analyses where theme_id is not null group by theme_id"
                        )
                    ).mappings()
                }
                trend = [
                    {"theme_id": r[0], "week": jsonable(r[1]), "n": int(r[2])}
                    for r in conn.execute(
                        sa.text(
                            "select theme_id, date_trunc('week', occurred_at) w, count(*) from text_analyses "
                            "where theme_id is not null and occurred_at is not null group by 1, 2 order by 2"
                        )
                    )
                ]
        items = []
        for r in found:
            s = sentiment.get(r["theme_id"], {})
            n = int(s.get("n") or 0)
            items.append(
                {
                    "theme_id": r["theme_id"],
                    "label": r["label"],
                    "keywords": json.loads(r["keywords"]) if r["keywords"] else [],
                    "quotes": json.loads(r["quotes"]) if r["quotes"] else [],
                    "size": r["size"],
                    "texts": n,
                    "negative_share": (int(s.get("negative") or 0) / n) if n else None,
                }
            )
        return {"computed": True, "message": None, "themes": items, "trend": trend}

    result = _cached(state, ("themes",), run)
    if not with_quotes:
        result = {**result, "themes": [{**t, "quotes": []} for t in result["themes"]]}
    return result


def pain_points(state: AppState, f: Filters) -> dict[str, Any]:
    """Where customers hurt most: negative themes when text analytics ran, else categories whose CSAT
    is significantly below the rest (segment-vs-rest test, Holm-adjusted)."""
    t = themes(state, with_quotes=False)
    if t["computed"] and any(x["negative_share"] is not None for x in t["themes"]):
        ranked = sorted(
            (x for x in t["themes"] if x["negative_share"] is not None),
            key=lambda x: -(x["negative_share"] * x["texts"]),
        )
        return {
            "source": "themes",
            "message": None,
            "items": [
                {
                    "label": x["label"],
                    "theme_id": x["theme_id"],
                    "n": x["texts"],
                    "negative_share": x["negative_share"],
                }
                for x in ranked[:15]
            ],
        }
    cmp = comparison(state, "csat", f, by=("category",), against="rest")
    items = [
        {
            "label": r["category"],
            "category": r["category"],
            "n": r["n"],
            "value": r["value"],
            "reference": r["reference"],
            "difference": r["difference"],
            "p_adjusted": r["p_adjusted"],
        }
        for r in cmp
        if r.get("significant") and (r.get("difference") or 0) < 0 and r.get("category") is not None
    ]
    items.sort(key=lambda r: r["difference"] * r["n"])
    return {
        "source": "csat_by_category",
        "message": f"Ranked from CSAT by ticket category: themes not computed yet ({THEMES_HINT}).",
        "items": items[:15],
    }


ALERT_KPIS = ("csat", "nps", "ces_mean", "fcr", "frt_median", "ttr_median", "reopen_rate", "escalation_rate")


def alerts(state: AppState, f: Filters, grain: str = "week") -> dict[str, Any]:
    """Significant period-over-period moves of the main KPIs (Holm-adjusted), worst first."""
    from insightdesk.metrics import MetricsError, get_kpi

    # One roll-up query for every KPI's periods instead of one per KPI (a new filter's first visit).
    prefetch_cells(state, tuple(k for k in ALERT_KPIS if not get_kpi(k).snapshot), f, grain)
    found = []
    for name in ALERT_KPIS:
        info = kpi_info(name)
        try:
            cmp = comparison(state, name, f, by=(), against="previous", grain=grain)
        except MetricsError:
            continue
        except Exception:  # one broken KPI definition must not take the alerts page down
            log.warning("alerts: %s could not be computed", name, exc_info=True)
            continue
        for r in cmp:
            if not r.get("significant") or r.get("difference") is None:
                continue
            worse = info["higher_is_better"] is not None and (r["difference"] > 0) != bool(
                info["higher_is_better"]
            )
            found.append(
                {
                    "kpi": name,
                    "title": info["title"],
                    "unit": info["unit"],
                    "period": r.get("period"),
                    "value": r["value"],
                    "reference": r["reference"],
                    "difference": r["difference"],
                    "p_adjusted": r["p_adjusted"],
                    "test": r.get("test"),
                    "severity": "worse" if worse else "better",
                }
            )
    found.sort(key=lambda a: (a["severity"] != "worse", str(a["period"] or "")), reverse=False)
    found.sort(key=lambda a: str(a["period"] or ""), reverse=True)
    found.sort(key=lambda a: a["severity"] != "worse")
    return {
        "grain": grain,
        "rule": f"{grain}-over-{grain} change with Holm-adjusted p < 0.05",
        "alerts": found,
    }


def warm_up_rollups(state: AppState) -> None:
    """Compile the roll-up queries of the tiles once per kind of date range (none, from, to, both).

    Results are not kept (the cache already holds these views): only the compiled SQL, which any
    filter combination, KPI list and dates then reuse (metrics/rollup_read.py splices them in).
    """
    from insightdesk.metrics import compute_many, get_kpi

    span = data_range(state)
    requests: list[dict[str, Any]] = [{}]
    if span["first_ticket"] and span["last_ticket"]:
        first = dt.date.fromisoformat(span["first_ticket"][:10])
        requests += [{"since": first}, {"until": first}, {"since": first, "until": first}]
    trend = tuple(k for k in TILE_KPIS if not get_kpi(k).snapshot)
    for request in requests:
        for kpis, grain in ((TILE_KPIS, None), (trend, "week")):
            _metrics(
                state,
                lambda kpis=kpis, grain=grain, request=request: compute_many(
                    kpis, store=state.store, grain=grain, **request
                ),
            )


def warm_up(state: AppState) -> None:
    """The default views, computed once at start so the first visitor does not wait."""
    f = Filters()
    tiles(state, f)
    filter_options(state)
    series(state, "csat", f, grain="week")
    comparison(state, "csat", f, by=("channel",))
    alerts(state, f)
    pain_points(state, f)
    # One filtered overview per filter: compiles the queries every value of that filter reuses.
    options = filter_options(state)
    for name in FILTER_DIMENSIONS:
        values = options.get(name) or []
        if values:
            tiles(state, Filters(**{name: values[0]}))
    # And per kind of date range (from, to, both): any dates reuse these queries.
    span = data_range(state)
    if span["first_ticket"] and span["last_ticket"]:
        first = dt.date.fromisoformat(span["first_ticket"][:10])
        last = dt.date.fromisoformat(span["last_ticket"][:10])
        middle = first + (last - first) / 2
        for since, until in ((middle, None), (None, middle), (first, last)):
            tiles(state, Filters(since=since, until=until))
