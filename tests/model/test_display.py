"""One formatter for every interface: the shape of each kind of value (insightdesk.model.display)."""

from __future__ import annotations

import math
import re

import pandas as pd
import pytest

from insightdesk.metrics import list_kpis
from insightdesk.metrics.grains import partial_periods
from insightdesk.model import display

COUNT = re.compile(r"^-?\d{1,3}(,\d{3})*$")
DURATION = re.compile(r"^[+-]?(\d+ d( \d+ h)?|\d+ h( \d+ min)?|\d+ min|< 1 min)$")
PERCENT = re.compile(r"^-?\d+\.\d%$")
POINTS = re.compile(r"^[+-]\d+\.\d pts$")
DECIMAL = re.compile(r"^[+-]?\d{1,3}(,\d{3})*\.\d{1,2}$")


@pytest.mark.parametrize("kpi", list_kpis(), ids=lambda k: k.name)
def test_every_kpi_reads_in_the_shape_of_its_unit(kpi):
    samples = (0.0, 0.4567, 3.4167, 852.0, 12345.678) if kpi.unit != "share" else (0.0, 0.4567, 1.0)
    for value in samples:
        text, diff = display.kpi_value(value, kpi.unit), display.kpi_difference(value - 0.1, kpi.unit)
        if kpi.unit == "share":
            assert PERCENT.match(text) and POINTS.match(diff), (text, diff)  # % for values, pts for gaps
        elif kpi.unit == "tickets":
            assert COUNT.match(text) and re.match(r"^[+-]\d", diff), text  # no "852.00 tickets"
        elif kpi.unit in ("hours", "business hours", "days"):
            assert DURATION.match(text) and DURATION.match(diff), (text, diff)
        else:
            assert DECIMAL.match(text), text
        assert display.kpi_value(None, kpi.unit) == display.kpi_value(math.nan, kpi.unit) == "–"
    assert display.with_unit(852.0, "tickets") == "852 tickets"


def test_the_shapes_of_durations_money_shares_and_changes():
    assert display.duration(3 + 25 / 60) == "3 h 25 min" and display.duration(0.733) == "44 min"
    assert display.duration(52.5) == "2 d 4 h" and display.duration(-1.5, signed=True) == "-1 h 30 min"
    assert display.kpi_value(2.5, "days") == "2 d 12 h" and display.count(851.6) == "852"
    assert display.money(422046.69, "EUR") == "EUR 422,047" and display.money(12.5) == "USD 12.50"
    assert display.percent(0.636) == "63.6%" and display.share_difference(0.042) == "+4.2 pts"
    assert display.points(27.846) == "+27.8 pts" and display.change(1.1729) == "+117%"
    assert display.elapsed(12.34) == "12.3 s" and display.elapsed(125) == "2 min 5 s"
    assert display.is_missing(pd.NA) and display.is_missing(pd.NaT) and not display.is_missing("x")
    assert (
        display.effect(1.787, "percentage points") == "+1.8 pts"
        and display.effect(-1.5, "hours") == "-1 h 30 min"
    )
    assert display.attribute("resolution_hours", 10.217) == "10 h 13 min"
    assert display.attribute("reopen_count", 2.0) == "2" and display.attribute("channel", "web") == "web"


def test_an_empty_kpi_says_what_it_lacks():
    from insightdesk.metrics import get_kpi

    reason = get_kpi("sla_resolution_attainment").empty_reason
    assert reason == "no tickets with an SLA resolution target and a known outcome in this period"
    assert all(k.empty_reason.startswith("no ") and "none" not in k.empty_reason for k in list_kpis())


def test_a_period_the_data_does_not_cover_is_partial():
    starts = ["2020-04-13", "2020-04-20", "2020-04-27", "2020-06-01"]
    last = pd.Timestamp("2020-05-02 10:45")
    assert partial_periods(starts, "week", pd.Timestamp("2020-03-02 01:16"), last) == [
        False,
        False,
        True,
        True,
    ]
    assert partial_periods(["2020-03-01"], "month", pd.Timestamp("2020-03-02 01:16"), last) == [True]
    assert partial_periods(["2020-04-01"], "month", None, pd.Timestamp("2020-05-01")) == [False]


@pytest.mark.parametrize(
    ("score", "scale_max", "text"),
    [(2.0, 10, "2/10"), (4, 5.0, "4/5"), (3.5, 5, "3.5/5"), (None, 10, "–/10"), (7.0, None, "7")],
)
def test_a_survey_answer_reads_on_its_scale_without_spurious_decimals(score, scale_max, text):
    assert display.answer(score, scale_max) == text
