"""The sentence each chart carries as its text alternative (the spec's `description`, which the page
makes the chart's aria-label): what it plots, over what span, and the figures a reader looks for.

Numbers are shaped by `model.display`, as everywhere else on the pages.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from insightdesk.model import display


def _day(value: Any) -> str:
    return str(value or "")[:10]


def series(values: Sequence[dict[str, Any]], title: str, unit: str) -> str:
    """A KPI per period: the span, the latest complete period, the extremes, low-n and partial periods."""
    shown = [v for v in values if v.get("value") is not None]
    if not shown:
        return f"{title}: no period with a value."
    complete = [v for v in shown if v.get("status", "complete") == "complete"] or shown
    latest = complete[-1]
    low = min(complete, key=lambda v: v["value"])
    high = max(complete, key=lambda v: v["value"])
    small = sum(1 for v in shown if v.get("status") == "low n")
    partial = sum(1 for v in shown if v.get("status") == "partial")
    notes = (f"; {display.count(small)} periods under the minimum sample" if small else "") + (
        "; the last period is partial" if partial else ""
    )
    return (
        f"{title} over {display.count(len(shown))} periods from {_day(shown[0]['period'])} to "
        f"{_day(shown[-1]['period'])}: latest complete {display.with_unit(latest['value'], unit)} "
        f"({_day(latest['period'])}, n={display.count(latest.get('n'))}); lowest "
        f"{display.with_unit(low['value'], unit)} ({_day(low['period'])}), highest "
        f"{display.with_unit(high['value'], unit)} ({_day(high['period'])}){notes}."
    )


def segments(values: Sequence[dict[str, Any]], dim: str, title: str, unit: str) -> str:
    """Segments against the rest: how many, the extremes, which differ significantly."""
    if not values:
        return f"{title} by {dim}: no segment with a value."
    low = min(values, key=lambda v: v["value"])
    high = max(values, key=lambda v: v["value"])
    flagged = [
        f"{v['segment']} ({v['flag']})" for v in values if v.get("flag", "").startswith("significantly")
    ]
    differ = (
        "; significantly different from the rest: " + ", ".join(flagged)
        if flagged
        else "; none differs significantly from the rest"
    )
    return (
        f"{title} by {dim}, {display.count(len(values))} segments: highest {high['segment']} "
        f"{display.with_unit(high['value'], unit)}, lowest {low['segment']} "
        f"{display.with_unit(low['value'], unit)}{differ}."
    )


def drivers(values: Sequence[dict[str, Any]], outcome: str) -> str:
    """Drivers of an outcome: how many, the largest effects, how many are significant."""
    if not values:
        return f"Drivers of {outcome}: none estimated."
    top = sorted(values, key=lambda v: -abs(v["effect"]))[:3]
    named = ", ".join(f"{v['driver']} {display.points(v['effect'])}" for v in top)
    significant = sum(1 for v in values if v.get("significant"))
    return (
        f"Effects on {outcome} of {display.count(len(values))} drivers, in percentage points "
        f"({display.count(significant)} significant); largest: {named}."
    )


def weekly(weekly: Sequence[Sequence[Any]], title: str) -> str:
    """Counts per week: the span, the total and the busiest week."""
    if not weekly:
        return f"{title}: no week with data."
    total = sum(n for _, n in weekly)
    week, most = max(weekly, key=lambda w: w[1])
    return (
        f"{title}: {display.count(total)} over {display.count(len(weekly))} weeks from the week of "
        f"{_day(weekly[0][0])} to the week of {_day(weekly[-1][0])}; the busiest, {_day(week)}, had "
        f"{display.count(most)}."
    )


def themes(totals: dict[str, int], weeks: Sequence[str]) -> str:
    """Texts per week of several themes: the span and each theme's texts."""
    span = f" from the week of {weeks[0]} to the week of {weeks[-1]}" if weeks else ""
    each = "; ".join(f"{label} {display.count(n)}" for label, n in totals.items())
    return f"Texts per week of {display.count(len(totals))} themes{span}. Texts in all: {each}."


def alert(tail: Sequence[dict[str, Any]], found: dict[str, Any]) -> str:
    """An alert's evidence: the observed value against the expected range of its period."""
    what = " ".join(str(found.get(k)) for k in ("label", "segment") if found.get(k)) or "The series"
    return (
        f"{what} over {display.count(len(tail))} periods; in the period of {_day(found.get('period'))} "
        f"it was {display.decimal(found.get('observed'))}, expected between "
        f"{display.decimal(found.get('expected_low'))} and {display.decimal(found.get('expected_high'))}."
    )
