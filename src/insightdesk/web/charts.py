"""Vega-Lite specs for the dashboard, built from JSON rows; the browser renders them (vega-embed).

A mark whose datum carries `drill` (a URL) opens it when clicked: the drill-down from any chart.
"""

from __future__ import annotations

from typing import Any

SCHEMA = "https://vega.github.io/schema/vega-lite/v4.json"  # an identifier only: nothing is fetched
_PERCENT = ("share",)


def _fmt(unit: str) -> str:
    return ".0%" if unit in _PERCENT else ".3~g"


def sparkline(rows: list[dict[str, Any]], unit: str, drill: str | None = None) -> dict[str, Any]:
    """A tile's small trend line; clicking it opens `drill` (the KPI's trend page)."""
    return {
        "$schema": SCHEMA,
        "width": "container",
        "height": 36,
        "padding": 2,
        "data": {
            "values": [
                {"period": r["period"], "value": r["value"], "drill": drill}
                for r in rows
                if r.get("value") is not None
            ]
        },
        "mark": {
            "type": "line",
            "interpolate": "monotone",
            "strokeWidth": 1.5,
            "point": {"size": 8, "cursor": "pointer"},
        },
        "encoding": {
            "x": {"field": "period", "type": "temporal", "axis": None},
            "y": {"field": "value", "type": "quantitative", "axis": None, "scale": {"zero": False}},
            "tooltip": [
                {"field": "period", "type": "temporal", "title": "period"},
                {"field": "value", "type": "quantitative", "format": _fmt(unit)},
            ],
        },
        "config": {"view": {"stroke": None}},
    }


def trend(rows: list[dict[str, Any]], title: str, unit: str) -> dict[str, Any]:
    """Value per period with its confidence band; low-n points hollow; points drill down."""
    values = [r for r in rows if r.get("value") is not None]
    fmt = _fmt(unit)
    x = {"field": "period", "type": "temporal", "title": None}
    return {
        "$schema": SCHEMA,
        "width": "container",
        "height": 280,
        "data": {"values": values},
        "layer": [
            {
                "mark": {"type": "area", "opacity": 0.2, "color": "#4c78a8"},
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
                "mark": {"type": "line", "color": "#4c78a8"},
                "encoding": {"x": x, "y": {"field": "value", "type": "quantitative"}},
            },
            {
                "mark": {
                    "type": "point",
                    "size": 70,
                    "filled": True,
                    "cursor": "pointer",
                    "color": "#4c78a8",
                },
                "encoding": {
                    "x": x,
                    "y": {"field": "value", "type": "quantitative"},
                    "opacity": {"condition": {"test": "datum.low_n", "value": 0.35}, "value": 1},
                    "tooltip": [
                        {"field": "period", "type": "temporal"},
                        {"field": "value", "type": "quantitative", "format": fmt},
                        {"field": "ci_low", "type": "quantitative", "format": fmt, "title": "95% CI low"},
                        {"field": "ci_high", "type": "quantitative", "format": fmt, "title": "95% CI high"},
                        {"field": "n", "type": "quantitative"},
                        {"field": "low_n", "type": "nominal", "title": "low n"},
                    ],
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
    values = [
        {**r, "theme": labels.get(r["theme_id"], r["theme_id"])} for r in rows if r["theme_id"] in labels
    ]
    return {
        "$schema": SCHEMA,
        "width": "container",
        "height": 260,
        "data": {"values": values},
        "mark": {"type": "line", "point": True},
        "encoding": {
            "x": {"field": "week", "type": "temporal", "title": None},
            "y": {"field": "n", "type": "quantitative", "title": "texts per week"},
            "color": {"field": "theme", "type": "nominal"},
            "tooltip": [{"field": "theme"}, {"field": "week", "type": "temporal"}, {"field": "n"}],
        },
    }


def weekly_volume(weekly: list[list[Any]], title: str) -> dict[str, Any]:
    """Tickets per week of one pain point (bars)."""
    return {
        "$schema": SCHEMA,
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
