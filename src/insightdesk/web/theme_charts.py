"""Vega-Lite specs of a theme's page, each with the sentence that says what it shows (its text
alternative: the page puts it beside the chart and in the chart's aria-label)."""

from __future__ import annotations

from typing import Any

from insightdesk.model import display
from insightdesk.web.charts import SCHEMA


def timeline_summary(rows: list[dict[str, Any]], label: str) -> str:
    """One sentence: weeks covered, texts in all, the busiest week and the negative share overall."""
    if not rows:
        return f"No dated texts in theme “{label}”."
    texts = sum(int(r["texts"]) for r in rows)
    busiest = max(rows, key=lambda r: (r["texts"], r["week"] or ""))
    negative = sum(int(r["negative"]) for r in rows)
    first, last = (rows[0]["week"] or "")[:10], (rows[-1]["week"] or "")[:10]
    return (
        f"Theme “{label}”: {display.count(texts)} texts over {display.count(len(rows))} weeks with texts, "
        f"from the week of {first} to the week of {last}; the busiest week ({(busiest['week'] or '')[:10]}) "
        f"had {display.count(busiest['texts'])}; {display.count(negative)} texts read negative "
        f"({display.percent(negative / texts, 0)})."
    )


def timeline(rows: list[dict[str, Any]], label: str) -> dict[str, Any]:
    """Texts per week (bars, left axis) and the week's negative share (line, right axis)."""
    # One band per week with texts (bars of a readable width; the summary names the weeks covered).
    x = {
        "field": "week",
        "type": "ordinal",
        "timeUnit": "yearmonthdate",
        "title": "week of",
        "axis": {"format": "%d %b %Y", "labelAngle": -45},
    }
    values = [
        {
            "week": r["week"],
            "texts": r["texts"],
            "negative_share": r["negative_share"],
            "negative": r["negative"],
        }
        for r in rows
    ]
    return {
        "$schema": SCHEMA,
        "description": timeline_summary(rows, label),
        "width": "container",
        "height": 220,
        # The right axis counts in the width: nothing drawn outside a phone's screen.
        "autosize": {"type": "fit-x", "contains": "padding"},
        "data": {"values": values},
        "layer": [
            {
                "mark": {"type": "bar", "color": "#4c78a8", "opacity": 0.8},
                "encoding": {
                    "x": x,
                    "y": {"field": "texts", "type": "quantitative", "title": "texts per week"},
                    "tooltip": [
                        {"field": "week", "type": "temporal", "title": "week of"},
                        {"field": "texts", "type": "quantitative"},
                        {"field": "negative", "type": "quantitative", "title": "negative texts"},
                    ],
                },
            },
            {
                "mark": {"type": "line", "color": "#c62828", "point": True},
                "encoding": {
                    "x": x,
                    "y": {
                        "field": "negative_share",
                        "type": "quantitative",
                        "title": "negative share",
                        "axis": {"format": ".0%", "titleColor": "#c62828"},
                        "scale": {"domain": [0, 1]},
                    },
                    "tooltip": [
                        {"field": "week", "type": "temporal", "title": "week of"},
                        {
                            "field": "negative_share",
                            "type": "quantitative",
                            "format": ".0%",
                            "title": "negative",
                        },
                    ],
                },
            },
        ],
        "resolve": {"scale": {"y": "independent"}},
    }
