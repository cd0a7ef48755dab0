"""Vega-Lite specs of the workforce page: forecast bands over actuals, and the staffing curve of each
scenario. Built from the rows the workforce service stores; the browser renders them (vega-embed)."""

from __future__ import annotations

from typing import Any

from insightdesk.web.charts import SCHEMA


def forecast_bands(points: list[dict[str, Any]], series: str) -> dict[str, Any]:
    """Actuals as a line, the backtest forecasts (out of sample) dashed, the forecast with its 80% and
    95% prediction intervals as bands."""
    rows = [p for p in points if p["series"] == series]
    actual = [{"ds": p["ds"], "value": p["actual"], "what": "actual"} for p in rows if p["kind"] == "history"]
    backtest = [
        {"ds": p["ds"], "value": p["forecast"], "what": "backtest forecast"}
        for p in rows
        if p["kind"] == "backtest"
    ]
    future = [p for p in rows if p["kind"] == "forecast"]
    x = {"field": "ds", "type": "temporal", "title": None}
    band: dict[str, Any] = {
        "mark": {"type": "area", "opacity": 0.18, "color": "#4c78a8"},
        "encoding": {"x": x},
    }
    return {
        "$schema": SCHEMA,
        "title": f"Arrivals: {series}",
        "width": "container",
        "height": 260,
        "layer": [
            {
                **band,
                "data": {"values": future},
                "encoding": {
                    "x": x,
                    "y": {"field": "lo95", "type": "quantitative", "title": "tickets"},
                    "y2": {"field": "hi95"},
                },
            },
            {
                **band,
                "mark": {**band["mark"], "opacity": 0.3},
                "data": {"values": future},
                "encoding": {"x": x, "y": {"field": "lo80", "type": "quantitative"}, "y2": {"field": "hi80"}},
            },
            {
                "data": {"values": actual + backtest},
                "mark": {"type": "line", "point": False},
                "encoding": {
                    "x": x,
                    "y": {"field": "value", "type": "quantitative"},
                    "color": {
                        "field": "what",
                        "type": "nominal",
                        "title": None,
                        "scale": {"range": ["#222222", "#f58518"]},
                    },
                    "strokeDash": {"field": "what", "type": "nominal", "legend": None},
                    "tooltip": [
                        {"field": "ds", "type": "temporal"},
                        {"field": "what"},
                        {"field": "value", "format": ",.1f"},
                    ],
                },
            },
            {
                "data": {"values": future},
                "mark": {"type": "line", "color": "#4c78a8"},
                "encoding": {
                    "x": x,
                    "y": {"field": "forecast", "type": "quantitative"},
                    "tooltip": [
                        {"field": "ds", "type": "temporal"},
                        {"field": "forecast", "format": ",.1f"},
                        {"field": "lo80", "format": ",.1f", "title": "80% low"},
                        {"field": "hi80", "format": ",.1f", "title": "80% high"},
                    ],
                },
            },
        ],
    }


def staffing_curve(intervals: list[dict[str, Any]], series: str) -> dict[str, Any]:
    """Agents needed per interval, one line per scenario (the base first)."""
    rows = [i for i in intervals if i["series"] == series]
    return {
        "$schema": SCHEMA,
        "title": f"Agents needed: {series}",
        "width": "container",
        "height": 220,
        "data": {"values": rows},
        "mark": {"type": "line", "interpolate": "step-after"},
        "encoding": {
            "x": {"field": "ds", "type": "temporal", "title": None},
            "y": {"field": "agents", "type": "quantitative", "title": "agents"},
            "color": {"field": "scenario", "type": "nominal"},
            "tooltip": [
                {"field": "scenario"},
                {"field": "ds", "type": "temporal"},
                {"field": "volume", "format": ",.1f"},
                {"field": "agents"},
                {"field": "service_level", "format": ".1%"},
                {"field": "fte", "format": ",.2f"},
            ],
        },
    }
