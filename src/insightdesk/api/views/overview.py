"""The overview's KPI tiles: value with interval, trend, target and the last change with its test.

A tile without data says why (`no_data`); its trend flags partial and low-n periods, and "latest"
is the latest complete period of the data's window (`latest_period`)."""

from __future__ import annotations

from typing import Any

from insightdesk.api.state import AppState
from insightdesk.api.views.filters import Filters
from insightdesk.api.views.kpis import comparison, kpi_info, prefetch_cells, series
from insightdesk.model import display

TILE_KPIS = ("csat", "nps", "ces_mean", "fcr", "frt_median", "ttr_median", "reopen_rate", "ticket_volume")


def tiles(
    state: AppState, f: Filters, grain: str = "week", kpis: tuple[str, ...] = TILE_KPIS
) -> list[dict[str, Any]]:
    """KPI tiles: value with interval over the window, a trend series and the last change with its test."""
    from insightdesk.metrics import get_kpi

    prefetch_cells(state, kpis, f)
    prefetch_cells(state, tuple(k for k in kpis if not get_kpi(k).snapshot), f, grain)
    return [_tile(state, name, f, grain) for name in kpis]


def _tile(state: AppState, name: str, f: Filters, grain: str) -> dict[str, Any]:
    from insightdesk.metrics import get_kpi

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
        "no_data": None,
        "latest_period": None,
    }
    if total:
        tile.update({k: total[0].get(k) for k in ("value", "ci_low", "ci_high", "n", "low_n")})
    if tile["value"] is None:
        # Nothing qualified: the tile says what is missing instead of showing a number with n = 0.
        tile["no_data"] = get_kpi(name).empty_reason
    # The value as every interface writes it (insightdesk.model.display): "852 tickets", "3 h 25 min".
    tile["value_text"] = tile["no_data"] or display.with_unit(tile["value"], info["unit"])
    target = state.setting("kpi.targets", region=f.region).get(name)  # a region's override applies
    tile["target"] = None
    if target is not None and tile["value"] is not None and info["higher_is_better"] is not None:
        met = tile["value"] >= target if info["higher_is_better"] else tile["value"] <= target
        tile["target"] = {"value": target, "met": bool(met)}
    if not info["snapshot"]:
        tile["series"] = [r for r in series(state, name, f, grain=grain) if r.get("category") is None]
        complete = [r["period"] for r in tile["series"] if r.get("period") and not r.get("partial")]
        tile["latest_period"] = complete[-1] if complete else None
        tile["change"] = _last_change(state, name, info, f, grain)
    return tile


def _last_change(
    state: AppState, name: str, info: dict[str, Any], f: Filters, grain: str
) -> dict[str, Any] | None:
    """The last period against the one before: difference, adjusted p, test, and whether it is better."""
    from insightdesk.metrics import MetricsError

    try:
        cmp = comparison(state, name, f, by=(), against="previous", grain=grain)
    except MetricsError:
        cmp = []
    # "Latest" is the latest complete period: the data's unfinished last period (or one outside its
    # window) would compare a handful of answers with a full period.
    last = [r for r in cmp if r.get("reference") is not None and not r.get("partial")]
    if not last:
        return None
    r = last[-1]
    better = None
    if info["higher_is_better"] is not None and r.get("difference") is not None:
        better = (r["difference"] > 0) == bool(info["higher_is_better"])
    change = {k: r.get(k) for k in ("period", "difference", "p_adjusted", "significant", "test")}
    change["better"] = better
    change["difference_text"] = display.kpi_difference(r.get("difference"), info["unit"])
    return change
