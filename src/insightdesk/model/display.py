"""How a number reads, for every interface: one function per kind of value.

The CLI (`cli/output.py`), the API's display strings and the dashboard's pages and charts all format
through here, so a KPI, a trend or an effect reads the same wherever it is shown:

- counts are whole numbers with separators: `852`, `12,345`;
- durations are hours and minutes (`3 h 25 min`; days and hours from 48 h on: `3 d 5 h`);
- shares are percentages (`63.6%`), differences of shares percentage points (`+4.2 pts`), and a
  relative change (a ratio less one) a signed percentage (`+117%`);
- money carries its currency (`USD 12,345`; the `display.currency` setting names it);
- other means and scores keep two decimals (`5.24`), the NPS one (`4.2`); a survey answer reads on
  its scale (`2/10`).

A missing value (None, NaN, pandas' NA or NaT) reads as `missing` (an en dash unless asked otherwise).
"""

from __future__ import annotations

import math

DASH = "–"
SHARE_UNITS = frozenset({"share"})
COUNT_UNITS = frozenset({"tickets"})
HOUR_UNITS = frozenset({"hours", "business hours"})
DAY_UNITS = frozenset({"days"})
NPS_UNIT = "points (-100..100)"
DEFAULT_CURRENCY = "USD"


def is_missing(value: object) -> bool:
    """None, NaN, pandas' NA or NaT: shown as a dash, never as 'nan'."""
    if value is None:
        return True
    try:
        return bool(value != value)  # only NaN-like values differ from themselves
    except TypeError:  # pandas' NA has no truth value
        return True


def _number(value: object) -> float | None:
    if is_missing(value):
        return None
    number = float(value)  # type: ignore[arg-type]
    return number if math.isfinite(number) else None


def count(value: object, *, signed: bool = False, missing: str = DASH) -> str:
    """A count: `12,345` (rounded to a whole number; `+12` with `signed`)."""
    number = _number(value)
    if number is None:
        return missing
    return f"{round(number):+,}" if signed else f"{round(number):,}"


def decimal(value: object, digits: int = 2, *, signed: bool = False, missing: str = DASH) -> str:
    """A mean or a score: `5.24` (`+0.31` with `signed`)."""
    number = _number(value)
    if number is None:
        return missing
    return f"{number:{'+' if signed else ''},.{digits}f}"


def answer(score: object, scale_max: object = None, *, missing: str = DASH) -> str:
    """A survey answer on its scale: `2/10`, `4/5` (a half point keeps its decimal: `3.5/5`)."""
    number = _number(score)
    shown = missing if number is None else (f"{number:.0f}" if number.is_integer() else f"{number:.1f}")
    top = _number(scale_max)
    if top is None:
        return shown
    return f"{shown}/{top:.0f}" if top.is_integer() else f"{shown}/{top:.1f}"


def percent(fraction: object, digits: int = 1, *, missing: str = DASH) -> str:
    """A share given as a fraction: 0.636 -> `63.6%`."""
    number = _number(fraction)
    return missing if number is None else f"{100 * number:.{digits}f}%"


def points(pp: object, digits: int = 1, *, missing: str = DASH) -> str:
    """A difference of two shares given in percentage points: 4.2 -> `+4.2 pts`."""
    number = _number(pp)
    return missing if number is None else f"{number:+.{digits}f} pts"


def share_difference(fraction: object, digits: int = 1, *, missing: str = DASH) -> str:
    """A difference of two shares given as a fraction: 0.042 -> `+4.2 pts`."""
    number = _number(fraction)
    return missing if number is None else points(100 * number, digits)


def change(relative: object, digits: int = 0, *, missing: str = DASH) -> str:
    """A relative change (new / old - 1): 1.17 -> `+117%`, -0.25 -> `-25%`."""
    number = _number(relative)
    return missing if number is None else f"{100 * number:+.{digits}f}%"


def duration(hours: object, *, signed: bool = False, missing: str = DASH) -> str:
    """A duration given in hours: `45 min`, `3 h 25 min`, from 48 h on `3 d 5 h` (`+` with `signed`)."""
    number = _number(hours)
    if number is None:
        return missing
    sign = ("+" if number >= 0 else "-") if signed else ("-" if number < 0 else "")
    minutes = round(abs(number) * 60)
    if minutes == 0:
        return f"{sign}< 1 min" if number else f"{sign}0 min"
    if minutes < 60:
        return f"{sign}{minutes} min"
    if minutes < 48 * 60:
        h, m = divmod(minutes, 60)
        return f"{sign}{h} h {m} min" if m else f"{sign}{h} h"
    d, h = divmod(round(abs(number)), 24)
    return f"{sign}{d} d {h} h" if h else f"{sign}{d} d"


def elapsed(seconds: object, digits: int = 1, *, unit: str = " s", missing: str = DASH) -> str:
    """A run time given in seconds: `12.3 s` (`unit` after it), from a minute on `2 min 5 s`, from an
    hour on `1 h 3 min`."""
    number = _number(seconds)
    if number is None:
        return missing
    if number < 60:
        return f"{number:.{digits}f}{unit}"
    if number < 3600:
        m, s = divmod(round(number), 60)
        return f"{m} min {s} s"
    return duration(number / 3600)


def money(value: object, currency: str = DEFAULT_CURRENCY, *, missing: str = DASH) -> str:
    """An amount with its currency: `USD 12,345` (cents below 100: `USD 12.50`)."""
    number = _number(value)
    if number is None:
        return missing
    digits = 2 if abs(number) < 100 else 0
    return f"{currency} {number:,.{digits}f}"


def kpi_value(value: object, unit: str | None, *, missing: str = DASH) -> str:
    """A KPI's value in the shape of its unit (see the module docstring); `unit_suffix` names the rest."""
    if unit in SHARE_UNITS:
        return percent(value, missing=missing)
    if unit in COUNT_UNITS:
        return count(value, missing=missing)
    if unit in HOUR_UNITS:
        return duration(value, missing=missing)
    if unit in DAY_UNITS:
        number = _number(value)
        return missing if number is None else duration(24 * number)
    if unit == NPS_UNIT:
        return decimal(value, 1, missing=missing)
    return decimal(value, missing=missing)


def kpi_difference(value: object, unit: str | None, *, missing: str = DASH) -> str:
    """A difference of two values of a KPI: percentage points for shares, else signed in the unit."""
    if unit in SHARE_UNITS:
        return share_difference(value, missing=missing)
    if unit in COUNT_UNITS:
        return count(value, signed=True, missing=missing)
    if unit in HOUR_UNITS:
        return duration(value, signed=True, missing=missing)
    if unit in DAY_UNITS:
        number = _number(value)
        return missing if number is None else duration(24 * number, signed=True)
    if unit == NPS_UNIT:
        return decimal(value, 1, signed=True, missing=missing)
    return decimal(value, signed=True, missing=missing)


def effect(value: object, unit: str | None, *, missing: str = DASH) -> str:
    """An estimated effect in its reporting unit: `+4.2 pts` (percentage points), `-1 h 30 min`
    (hours), else signed with the unit named (`+3.1 NPS points`)."""
    if unit in ("percentage points", "pp", "pts"):
        return points(value, missing=missing)
    if unit in HOUR_UNITS:
        return duration(value, signed=True, missing=missing)
    text = decimal(value, signed=True, missing=missing)
    return f"{text} {unit}" if unit and text != missing else text


def attribute(name: str, value: object, *, missing: str = DASH) -> str:
    """A ticket attribute's value by its name: `*_hours` as a duration, `*_count` and other whole
    numbers as counts, flags (`*_breached`) as yes/no, text as it is."""
    if is_missing(value):
        return missing
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if name.endswith("_hours"):
        return duration(value)
    if name.endswith("_breached"):
        return "yes" if value else "no"
    return count(value) if float(value).is_integer() else decimal(value)


def unit_suffix(unit: str | None) -> str:
    """What to write after `kpi_value` so the unit is named once: empty where the value shows it
    (`63.6%`, `3 h 25 min`), `business hours` where the clock matters, else the unit itself."""
    if unit is None or unit in SHARE_UNITS or unit in DAY_UNITS or unit == "hours":
        return ""
    return unit


def with_unit(value: object, unit: str | None, *, missing: str = DASH) -> str:
    """`kpi_value` followed by its `unit_suffix`: `852 tickets`, `63.6%`, `3 h 25 min business hours`."""
    text = kpi_value(value, unit, missing=missing)
    suffix = unit_suffix(unit)
    return f"{text} {suffix}" if suffix and text != missing else text


def d3_format(unit: str | None) -> str:
    """The chart axes' number format (d3-format) matching `kpi_value` as far as d3 can."""
    if unit in SHARE_UNITS:
        return ".0%"
    if unit in COUNT_UNITS:
        return ",.0f"
    return ",.3~g"


def pvalue(value: object, *, missing: str = DASH) -> str:
    """A p-value to three decimals, `<0.001` below that."""
    number = _number(value)
    if number is None:
        return missing
    return "<0.001" if number < 0.001 else f"{number:.3f}"
