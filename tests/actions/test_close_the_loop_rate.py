"""KPI-15: of low-score answers that created a follow-up task, the share closed with an outcome by the
target, per survey and channel, with n, Wilson interval and time to close (both engines)."""

from __future__ import annotations

import datetime as dt

import pytest

from insightdesk.actions import close_the_loop_rate
from insightdesk.store.tables.actions import action_tasks
from insightdesk.store.tables.canonical import feedback
from tests.actions.desk import lineage

NOW = dt.datetime(2026, 11, 30, 12, 0)
DAY = dt.timedelta(days=1)


def _answer_and_task(conn, i: int, *, survey: str, channel: str, score: float, created: dt.datetime,
                     closed_after_h: float | None, due_after_h: float = 8, status: str = "done") -> None:  # fmt: skip
    conn.execute(feedback.insert().values(
        **lineage("f", str(i), created), survey_id=survey, channel=channel, scale="nps", score=score,
        scale_min=0, scale_max=10, answered_at=created))  # fmt: skip
    closed = None if closed_after_h is None else created + dt.timedelta(hours=closed_after_h)
    conn.execute(action_tasks.insert().values(
        task_id=f"task-{i}", kind="callback", title="Call back", feedback_id=f"test:f{i}",
        status=status if closed else "open", outcome="Called" if closed else None, created_at=created,
        updated_at=closed or created, closed_at=closed, due_at=created + dt.timedelta(hours=due_after_h)))  # fmt: skip


def test_close_the_loop_rate_per_survey_and_channel(store):
    start = NOW - 10 * DAY
    with store.begin() as conn:
        for i, hours in enumerate((2, 4, 6)):  # closed by their due time (8 h)
            _answer_and_task(
                conn,
                i,
                survey="post-resolution",
                channel="email",
                score=3,
                created=start,
                closed_after_h=hours,
            )
        _answer_and_task(conn, 3, survey="post-resolution", channel="email", score=5, created=start, closed_after_h=30,
                         status="could_not_reach")  # closed, late  # fmt: skip
        _answer_and_task(
            conn, 4, survey="post-resolution", channel="email", score=0, created=start, closed_after_h=None
        )
        _answer_and_task(conn, 5, survey="post-resolution", channel="email", score=2, created=NOW - dt.timedelta(hours=1),
                         closed_after_h=None)  # still within its target: pending  # fmt: skip
        _answer_and_task(
            conn, 6, survey="post-resolution", channel="sms", score=6, created=start, closed_after_h=1
        )
        _answer_and_task(
            conn, 7, survey="post-resolution", channel="email", score=10, created=start, closed_after_h=99
        )
        _answer_and_task(conn, 8, survey="post-resolution", channel="email", score=1, created=NOW - 200 * DAY,
                         closed_after_h=1)  # before the period  # fmt: skip
    kpi = close_the_loop_rate(store, days=90, now=NOW)
    email, sms = kpi["surveys"]
    assert (email["survey_id"], email["channel"], sms["channel"]) == ("post-resolution", "email", "sms")
    # 3 of the 5 decided email tasks closed in target: one late, one open past due; one pending; the
    # promoter's task (score 10) and the task before the period are not counted.
    assert (email["n"], email["closed_in_target"], email["pending"], email["late_or_open"]) == (5, 3, 1, 2)
    assert email["rate"] == 0.6
    assert email["ci_low"] == pytest.approx(0.2307, abs=1e-4) and email["ci_high"] == pytest.approx(
        0.8824, abs=1e-4
    )
    ttc = email["time_to_close_hours"]
    assert ttc["n"] == 4 and ttc["median"] == 5.0 and ttc["p90"] == pytest.approx(22.8)
    assert (sms["n"], sms["rate"]) == (1, 1.0)
    assert kpi["overall"]["n"] == 6 and kpi["overall"]["closed_in_target"] == 4
    assert "Wilson" in kpi["formula"]
    # A uniform target of 2 business hours: only the 2 h and 1 h closings make it (start is a Friday 12:00).
    strict = close_the_loop_rate(store, days=90, now=NOW, target_business_hours=2)
    assert strict["overall"]["closed_in_target"] == 2 and strict["target"] == "2 business hours"
    with pytest.raises(ValueError, match="days must be 1 to 3660"):
        close_the_loop_rate(store, days=0)
