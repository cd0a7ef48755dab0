"""The surveys programme-health page shows KPI-15 (close-the-loop rate) over HTTP: the session's
PostgreSQL server is given low-score answers and their follow-up tasks, then left as it was."""

from __future__ import annotations

import datetime as dt

import pytest

from insightdesk.store import open_store
from insightdesk.store.tables.actions import action_tasks
from insightdesk.store.tables.canonical import feedback
from tests.actions.desk import lineage

pytestmark = pytest.mark.postgres
IDS = ("loop-f0", "loop-f1", "loop-f2")


def test_surveys_health_page_shows_the_close_the_loop_rate(pg_server):
    created = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(days=3)
    with open_store(pg_server.target) as store:
        try:
            with store.begin() as conn:
                for i, (score, closed_h) in enumerate(
                    ((2, 3.0), (4, 5.0), (1, None))
                ):  # the third: open past due
                    conn.execute(feedback.insert().values(
                        **lineage("loop-f", str(i), created), survey_id="post-resolution", channel="email",
                        scale="nps", score=score, scale_min=0, scale_max=10, answered_at=created))  # fmt: skip
                    closed = None if closed_h is None else created + dt.timedelta(hours=closed_h)
                    conn.execute(action_tasks.insert().values(
                        task_id=f"loop-task-{i}", kind="callback", title="Call back", feedback_id=f"test:loop-f{i}",
                        status="done" if closed else "open", outcome="Called" if closed else None,
                        created_at=created, updated_at=created, closed_at=closed,
                        due_at=created + dt.timedelta(hours=8)))  # fmt: skip
            with pg_server.client("analyst") as analyst:
                page = analyst.get("/surveys")
        finally:
            with store.begin() as conn:
                conn.execute(action_tasks.delete().where(action_tasks.c.task_id.like("loop-task-%")))
                conn.execute(feedback.delete().where(feedback.c.id.in_([f"test:{i}" for i in IDS])))
    assert page.status_code == 200, page.text
    assert "Closing the loop (KPI-15)" in page.text
    row = page.text.split('data-testid="close-the-loop"')[1].split("</tr>")[1]
    # 2 of the 3 decided tasks closed by their target, after 3 and 5 hours: median 4.0, p90 4.8.
    assert "post-resolution" in row and "email" in row and "4.0 / 4.8 (n = 2)" in row
    assert "66.7%" in row
