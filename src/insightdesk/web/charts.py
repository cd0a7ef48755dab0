"""Vega-Lite specs for the dashboard, built from JSON rows; the browser renders them (vega-embed).

A mark whose datum carries `drill` (a URL) opens it when clicked: the drill-down from any chart.
"""

from __future__ import annotations

from typing import Any

from insightdesk.model import display
from insightdesk.web import chart_text

SCHEMA = "https://vega.github.io/schema/vega-lite/v4.json"  # an identifier only: nothing is fetched

# How a period is drawn: a complete period with enough answers in the KPI's colour, one under the
# dashboard's minimum sample greyed with its n, the data's unfinished period hollow and labelled.
STATUS_DOMAIN = ["complete", "low n", "partial"]
STATUS_RANGE = ["#4c78a8", "#bab0ac", "#f58518"]


def _fmt(unit: str) -> str:
    return display.d3_format(unit)


def period_status(row: dict[str, Any]) -> str:
    """`partial` (the data does not cover the whole period), `low n` (fewer answers than the
    dashboard's minimum) or `complete`: a trend's line joins only complete periods."""
    if row.get("partial"):
        return "partial"
    return "low n" if row.get("low_n") else "complete"


def _period_values(rows: list[dict[str, Any]], unit: str, drill: str | None = None) -> list[dict[str, Any]]:
    out = []
    for r in rows:
        if r.get("value") is None:
            continue
        status = period_status(r)
        # A low-n period shows its n, a partial one says so (and its n when that is low too).
        parts = ["partial"] if r.get("partial") else []
        parts += [f"n={display.count(r.get('n'))}"] if r.get("low_n") else []
        out.append(
            {
                **r,
                "status": status,
                "label": ", ".join(parts),
                "value_text": display.kpi_value(r["value"], unit),
                **({"drill": drill} if drill else {}),
            }
        )
    return out


def _status_color() -> dict[str, Any]:
    return {
        "field": "status",
        "type": "nominal",
        "title": "period",
        "scale": {"domain": STATUS_DOMAIN, "range": STATUS_RANGE},
    }


def sparkline(
    rows: list[dict[str, Any]], unit: str, drill: str | None = None, title: str = "Value"
) -> dict[str, Any]:
    """A tile's small trend line over complete periods; low-n and partial periods are separate
    points (grey, orange); clicking opens `drill` (the KPI's trend page)."""
    x = {"field": "period", "type": "temporal", "axis": None}
    y = {"field": "value", "type": "quantitative", "axis": None, "scale": {"zero": False}}
    values = _period_values(rows, unit, drill)
    return {
        "$schema": SCHEMA,
        "description": chart_text.series(values, title, unit),
        "width": "container",
        "height": 36,
        "padding": 2,
        "data": {"values": values},
        "layer": [
            {
                "transform": [{"filter": "datum.status === 'complete'"}],
                "mark": {"type": "line", "interpolate": "monotone", "strokeWidth": 1.5},
                "encoding": {"x": x, "y": y},
            },
            {
                "mark": {"type": "point", "size": 10, "filled": True, "cursor": "pointer"},
                "encoding": {
                    "x": x,
                    "y": y,
                    "color": {**_status_color(), "legend": None},
                    "tooltip": [
                        {"field": "period", "type": "temporal", "title": "period"},
                        {"field": "value_text", "type": "nominal", "title": "value"},
                        {"field": "n", "type": "quantitative", "format": ",.0f"},
                        {"field": "status", "type": "nominal", "title": "period is"},
                    ],
                },
            },
        ],
        "config": {"view": {"stroke": None}},
    }


def trend(rows: list[dict[str, Any]], title: str, unit: str) -> dict[str, Any]:
    """Value per period with its confidence band; the line and band join complete periods only, a
    period under the minimum sample is a grey point labelled with its n, the unfinished last period
    an orange hollow point labelled `partial`; points drill down."""
    values = _period_values(rows, unit)
    fmt = _fmt(unit)
    x = {"field": "period", "type": "temporal", "title": None}
    y = {"field": "value", "type": "quantitative"}
    complete = [{"filter": "datum.status === 'complete'"}]
    return {
        "$schema": SCHEMA,
        "description": chart_text.series(values, title, unit),
        "width": "container",
        "height": 280,
        "data": {"values": values},
        "layer": [
            {
                "transform": complete,
                "mark": {"type": "area", "opacity": 0.2, "color": STATUS_RANGE[0]},
                "encoding": {
                    "x": x,
                    "y": {
                        "field": "ci_low",
                        "type": "quantitative",
                        "title": f"{title} ({unit})",
                        "axis": {"format": fmt},
                        "scale": {"zero": False},
                    },
                    "y2": {"field": "ci_high"},
                },
            },
            {
                "transform": complete,
                "mark": {"type": "line", "color": STATUS_RANGE[0]},
                "encoding": {"x": x, "y": y},
            },
            {
                "mark": {"type": "point", "size": 70, "cursor": "pointer"},
                "encoding": {
                    "x": x,
                    "y": y,
                    "color": _status_color(),
                    "fill": {
                        "condition": {"test": "datum.partial", "value": "white"},
                        "field": "status",
                        "type": "nominal",
                        "scale": {"domain": STATUS_DOMAIN, "range": STATUS_RANGE},
                        "legend": None,
                    },
                    "tooltip": [
                        {"field": "period", "type": "temporal"},
                        {"field": "value_text", "type": "nominal", "title": "value"},
                        {"field": "ci_low", "type": "quantitative", "format": fmt, "title": "95% CI low"},
                        {"field": "ci_high", "type": "quantitative", "format": fmt, "title": "95% CI high"},
                        {"field": "n", "type": "quantitative", "format": ",.0f"},
                        {"field": "status", "type": "nominal", "title": "period is"},
                    ],
                },
            },
            {
                "transform": [{"filter": "datum.label !== ''"}],
                "mark": {"type": "text", "dy": -12, "fontSize": 10, "color": "#555"},
                "encoding": {"x": x, "y": y, "text": {"field": "label"}},
            },
        ],
    }


def drivers(rows: list[dict[str, Any]], outcome: str) -> dict[str, Any]:
    """Adjusted effects of one outcome's drivers (percentage points, with their 95% intervals): the
    bars read the same `effect` and `effect_text` as the words next to the chart."""
    values = [
        {**r, "driver": f"{r['feature']}={r['level']}" if r.get("level") else str(r["feature"])}
        for r in rows
        if r.get("effect") is not None
    ]
    y = {"field": "driver", "type": "nominal", "title": None, "sort": None}
    x = {"field": "effect", "type": "quantitative", "title": f"effect on {outcome} (percentage points)"}
    return {
        "$schema": SCHEMA,
        "description": chart_text.drivers(values, outcome),
        "width": "container",
        "height": max(120, 22 * len(values)),
        "data": {"values": values},
        "layer": [
            {
                "mark": {"type": "bar"},
                "encoding": {
                    "y": y,
                    "x": x,
                    "color": {
                        "field": "significant",
                        "type": "nominal",
                        "title": "significant",
                        "scale": {"domain": [True, False], "range": ["#e45756", "#bab0ac"]},
                    },
                    "tooltip": [
                        {"field": "driver", "type": "nominal"},
                        {"field": "effect_text", "type": "nominal", "title": "effect"},
                        {"field": "ci_text", "type": "nominal", "title": "95% CI"},
                        {"field": "n", "type": "quantitative", "format": ",.0f"},
                    ],
                },
            },
            {
                "mark": {"type": "rule", "color": "#333"},
                "encoding": {
                    "y": y,
                    "x": {"field": "ci_low", "type": "quantitative"},
                    "x2": {"field": "ci_high"},
                },
            },
        ],
    }


def segments(rows: list[dict[str, Any]], dim: str, title: str, unit: str) -> dict[str, Any]:
    """One bar per segment with its interval; significant differences from the rest coloured."""
    fmt = _fmt(unit)
    values = [
        {
            **r,
            "segment": str(r.get(dim)),
            "flag": ("significantly " + ("higher" if (r.get("difference") or 0) > 0 else "lower"))
            if r.get("significant")
            else "not significant",
        }
        for r in rows
        if r.get("value") is not None
    ]
    y = {"field": "segment", "type": "nominal", "title": dim, "sort": "-x"}
    return {
        "$schema": SCHEMA,
        "description": chart_text.segments(values, dim, title, unit),
        "width": "container",
        "height": max(120, 24 * len(values)),
        "data": {"values": values},
        "layer": [
            {
                "mark": {"type": "bar", "cursor": "pointer"},
                "encoding": {
                    "y": y,
                    "x": {
                        "field": "value",
                        "type": "quantitative",
                        "title": f"{title} ({unit})",
                        "axis": {"format": fmt},
                    },
                    "color": {
                        "field": "flag",
                        "type": "nominal",
                        "title": "vs rest",
                        "scale": {
                            "domain": ["significantly higher", "significantly lower", "not significant"],
                            "range": ["#54a24b", "#e45756", "#bab0ac"],
                        },
                    },
                    "tooltip": [
                        {"field": "segment", "type": "nominal"},
                        {"field": "value", "type": "quantitative", "format": fmt},
                        {"field": "reference", "type": "quantitative", "format": fmt, "title": "rest"},
                        {"field": "n", "type": "quantitative"},
                        {"field": "p_adjusted", "type": "quantitative", "format": ".3g", "title": "p (Holm)"},
                    ],
                },
            },
            {
                "mark": {"type": "rule", "color": "#333"},
                "encoding": {
                    "y": y,
                    "x": {"field": "ci_low", "type": "quantitative"},
                    "x2": {"field": "ci_high"},
                },
            },
        ],
    }


def theme_trend(rows: list[dict[str, Any]], labels: dict[str, str]) -> dict[str, Any]:
    """Texts per week of the themes in `labels` (id -> label), one line each."""
    values = [
        {**r, "theme": labels.get(r["theme_id"], r["theme_id"])} for r in rows if r["theme_id"] in labels
    ]
    totals = {label: 0 for label in labels.values()}
    for v in values:
        totals[v["theme"]] += v["n"]
    return {
        "$schema": SCHEMA,
        "description": chart_text.themes(totals, sorted({str(v["week"])[:10] for v in values})),
        "width": "container",
        "height": 260,
        "data": {"values": values},
        "mark": {"type": "line", "point": True},
        "encoding": {
            "x": {"field": "week", "type": "temporal", "title": None},
            "y": {"field": "n", "type": "quantitative", "title": "texts per week"},
            # Legend below the plot: beside it, it would take half a phone's width.
            "color": {"field": "theme", "type": "nominal", "legend": {"orient": "bottom", "columns": 2}},
            "tooltip": [{"field": "theme"}, {"field": "week", "type": "temporal"}, {"field": "n"}],
        },
    }


def weekly_volume(weekly: list[list[Any]], title: str) -> dict[str, Any]:
    """Tickets per week of one pain point (bars)."""
    return {
        "$schema": SCHEMA,
        "description": chart_text.weekly(weekly, title),
        "width": "container",
        "height": 160,
        "data": {"values": [{"week": w, "tickets": n} for w, n in weekly]},
        "mark": {"type": "bar", "color": "#4c78a8"},
        "encoding": {
            "x": {
                "field": "week",
                "type": "ordinal",
                "timeUnit": "yearmonthdate",
                "title": "week of",
                "axis": {"format": "%d %b", "labelAngle": -45},
            },
            "y": {"field": "tickets", "type": "quantitative", "title": title},
            "tooltip": [{"field": "week", "type": "temporal"}, {"field": "tickets", "type": "quantitative"}],
        },
    }


def alert_evidence(tail: list[dict[str, Any]], alert: dict[str, Any]) -> dict[str, Any]:
    """An alert's series with the expected range of the flagged period and the observed value."""
    band = [{"period": alert["period"], "low": alert.get("expected_low"), "high": alert.get("expected_high")}]
    x = {"field": "period", "type": "temporal", "title": None}
    return {
        "$schema": SCHEMA,
        "description": chart_text.alert(tail, alert),
        "width": "container",
        "height": 140,
        "layer": [
            {
                "data": {"values": [r for r in tail if r.get("value") is not None]},
                "mark": {"type": "line", "point": True, "color": "#4c78a8"},
                "encoding": {"x": x, "y": {"field": "value", "type": "quantitative", "title": None}},
            },
            {
                "data": {"values": band},
                "mark": {"type": "rule", "strokeWidth": 8, "opacity": 0.3, "color": "#54a24b"},
                "encoding": {"x": x, "y": {"field": "low", "type": "quantitative"}, "y2": {"field": "high"}},
            },
            {
                "data": {"values": [{"period": alert["period"], "value": alert.get("observed")}]},
                "mark": {"type": "point", "filled": True, "size": 90, "color": "#e45756"},
                "encoding": {"x": x, "y": {"field": "value", "type": "quantitative"}},
            },
        ],
    }
