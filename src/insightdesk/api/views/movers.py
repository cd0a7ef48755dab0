"""The overview's story: which KPIs moved most in the latest complete period, and what is behind each.

A mover is a tile's last change (the metrics engine's period-over-period test, Holm-adjusted over
the periods): significant moves first, strongest evidence (smallest adjusted p) first, then the
largest relative move. Each mover names the categories behind it: the metrics engine compares the
KPI per category against the period before, and a category's share of the move is its change
weighted by its share of the period's sample (for a count KPI, its change itself), so the
categories listed are those that pushed the desk's figure the way it went. A category that is a
ranked pain point links to it.

Every number carries the link to the records behind it: the tickets list, or the survey answers
for a survey KPI, filtered to the same window, period and category (for roles that read records).

Every number also comes as text (`*_text`), shaped by `insightdesk.model.display` as everywhere
else: the overview page prints these texts and `GET /api/v1/overview/movers` returns them, so
the page and the API cannot disagree on a figure.
"""

from __future__ import annotations

import math
from typing import Any

from insightdesk.api.state import AppState
from insightdesk.api.views.filters import Filters
from insightdesk.api.views.kpis import FEEDBACK_FAMILIES, comparison
from insightdesk.model import display

MOVERS_SHOWN = 3
BEHIND_SHOWN = 3
# Survey KPIs of the tiles whose answers the feedback list can filter to their scale.
SCALE_OF = {"csat": "csat", "nps": "nps", "ces_mean": "ces"}


def records_link(
    name: str, family: str, f: Filters, *, since: str | None = None, until: str | None = None, **extra: str
) -> str:
    """The list of records behind a number of KPI `name`: tickets, or survey answers for a survey KPI."""
    from insightdesk.api.pages.context import qs

    params = {**f.query(), **{k: v for k, v in (("since", since), ("until", until)) if v}, **extra}
    if family in FEEDBACK_FAMILIES:
        if name in SCALE_OF:
            params["scale"] = SCALE_OF[name]
        return "/feedback?" + qs(**params)
    return "/tickets?" + qs(**params)


def _period_row(series: list[dict[str, Any]], period: str) -> tuple[dict[str, Any], dict[str, Any] | None]:
    rows = [r for r in series if r.get("period")]
    at = next(i for i, r in enumerate(rows) if r["period"] == period)
    return rows[at], rows[at - 1] if at > 0 else None


def _strength(tile: dict[str, Any]) -> tuple[bool, float, float]:
    change = tile["change"]
    reference = change.get("reference") or 0
    relative = abs(change["difference"]) / abs(reference) if reference else math.inf
    return (not change["significant"], float(change["p_adjusted"]), -relative)


def movers(
    state: AppState, f: Filters, grain: str, tiles: list[dict[str, Any]], *, links: bool
) -> list[dict[str, Any]]:
    """The tiles' KPIs that moved most in their latest complete period, each with what is behind it."""
    from insightdesk.api.pages.context import period_end

    found = []
    for t in tiles:
        change = t.get("change")
        if not change or change.get("difference") is None or change.get("p_adjusted") is None:
            continue
        if not any(r.get("period") == change.get("period") for r in t["series"]):
            continue
        now, before = _period_row(t["series"], change["period"])
        change["reference"] = before.get("value") if before else None
        found.append((t, now, before))
    found.sort(key=lambda item: _strength(item[0]))
    out = []
    for t, now, before in found[:MOVERS_SHOWN]:
        change = t["change"]
        period = change["period"][:10]
        until = period_end(period, grain)
        unit = t["unit"]
        n_reference = before.get("n") if before else None
        mover = {
            "name": t["name"],
            "title": t["title"],
            "unit": unit,
            "period": period,
            "value": now.get("value"),
            "value_text": display.kpi_value(now.get("value"), unit),
            "ci_low": now.get("ci_low"),
            "ci_high": now.get("ci_high"),
            "ci_text": _interval(now, unit),
            "n": now.get("n"),
            "n_text": display.count(now.get("n")),
            "reference": change["reference"],
            "reference_text": display.kpi_value(change["reference"], unit),
            "n_reference": n_reference,
            "n_reference_text": None if n_reference is None else display.count(n_reference),
            "reference_period": (before.get("period") or "")[:10] if before else None,
            "difference": change["difference"],
            "difference_text": display.kpi_difference(change["difference"], unit),
            "p_adjusted": change["p_adjusted"],
            "significant": bool(change["significant"]),
            "better": change["better"],
            "direction": "rose" if change["difference"] > 0 else "fell",
            "link": records_link(t["name"], t["family"], f, since=period, until=until) if links else None,
            "reference_link": (
                records_link(t["name"], t["family"], f, since=mover_start(before), until=period)
                if links and before
                else None
            ),
        }
        mover["behind"] = _behind(state, t, f, grain, period, until, change["difference"], links=links)
        out.append(mover)
    return out


def _interval(row: dict[str, Any], unit: str) -> str | None:
    """The 95% interval as the pages write it, or None without one."""
    if row.get("ci_low") is None or row.get("ci_high") is None:
        return None
    return f"{display.kpi_value(row['ci_low'], unit)} – {display.kpi_value(row['ci_high'], unit)}"


def mover_start(row: dict[str, Any] | None) -> str | None:
    return (row.get("period") or "")[:10] if row else None


def _behind(
    state: AppState,
    tile: dict[str, Any],
    f: Filters,
    grain: str,
    period: str,
    until: str,
    overall: float,
    *,
    links: bool,
) -> list[dict[str, Any]]:
    """The categories whose change pushed the KPI the way it went, largest share of the move first."""
    from insightdesk.metrics import MetricsError

    try:
        rows = comparison(state, tile["name"], f, by=("category",), against="previous", grain=grain)
    except MetricsError:
        return []
    cells = [
        r
        for r in rows
        if (r.get("period") or "")[:10] == period and r.get("difference") is not None and r.get("category")
    ]
    total_n = sum(r.get("n") or 0 for r in cells)
    if not cells or not total_n:
        return []
    count_kpi = tile.get("kind") == "count" or tile["unit"] == "tickets"
    for r in cells:
        weight = 1.0 if count_kpi else (r.get("n") or 0) / total_n
        r["share_of_move"] = r["difference"] * weight
    pushing = [r for r in cells if r["share_of_move"] * overall > 0]
    pushing.sort(key=lambda r: -abs(r["share_of_move"]))
    ranked = _ranked_categories(state)
    out = []
    for r in pushing[:BEHIND_SHOWN]:
        category = str(r["category"])
        pain = ranked.get(category)
        out.append(
            {
                "category": category,
                "value": r.get("value"),
                "value_text": display.kpi_value(r.get("value"), tile["unit"]),
                "reference": r.get("reference"),
                "reference_text": display.kpi_value(r.get("reference"), tile["unit"]),
                "n": r.get("n"),
                "n_text": display.count(r.get("n")),
                "difference_text": display.kpi_difference(r["difference"], tile["unit"]),
                "share_text": display.kpi_difference(r["share_of_move"], tile["unit"]),
                "significant": bool(r.get("significant")),
                "link": (
                    records_link(
                        tile["name"], tile["family"], f, since=period, until=until, category=category
                    )
                    if links
                    else None
                ),
                "painpoint": pain,
            }
        )
    return out


def _ranked_categories(state: AppState) -> dict[str, dict[str, Any]]:
    """Category -> its pain point of the latest ranking (rank and link), when there is one."""
    from insightdesk.api.pages.context import qs
    from insightdesk.api.views.insights import painpoints

    found = painpoints(state, kind="category", limit=500)
    out = {}
    for item in found.get("items", []):
        key = str(item.get("painpoint_key") or "")
        if key.startswith("category:"):
            out[key.removeprefix("category:")] = {
                "rank": item.get("rank"),
                "label": item.get("label"),
                "link": "/painpoints/detail?" + qs(key=key),
            }
    return out
