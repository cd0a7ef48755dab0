"""The QA flow on a real store (both engines): rubric versions, a weighted sample, evaluations, a
calibration round, scorecards, skill gaps and a coaching plan, with scopes and the audit log."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from insightdesk import quality as qa
from insightdesk.cli import app
from insightdesk.explore import qa_stamp
from insightdesk.governance import Principal, Role, audit
from insightdesk.metrics.fixtures import ref
from insightdesk.store import Store, open_store
from tests.support.stores import LoadedStores
from tests.support.wfm_desk import WFM_DESK, load_wfm_desk

RUBRIC = {
    "id": "support",
    "name": "Support",
    "sections": [
        {"name": "Care", "criteria": [{"id": "tone", "label": "Tone", "points": 4, "weight": 2}]},
        {
            "name": "Accuracy",
            "criteria": [{"id": "fix", "label": "Right fix", "points": 2, "weight": 3, "auto_fail": True}],
        },
    ],
}
ADMIN = Principal("admin", Role.ADMIN)
LEAD = Principal("lead", Role.TEAM_LEAD, team_ids=(ref("t2"),))
AGENT = Principal("a3", Role.AGENT, agent_id=ref("a3"))


@pytest.fixture
def desk(engine: str, loaded_stores: LoadedStores, tmp_path: Path) -> Iterator[Store]:
    with loaded_stores.copy(WFM_DESK, engine, load_wfm_desk, tmp_path) as url, open_store(url) as store:
        yield store


def test_qa_flow(desk: Store) -> None:
    rubric, written = qa.save_rubric(desk, RUBRIC, created_by="admin")
    assert written and rubric.version == 1
    assert qa.save_rubric(desk, RUBRIC, created_by="admin") == (rubric, False)  # idempotent
    changed = json.loads(json.dumps(RUBRIC))
    changed["sections"][0]["criteria"][0]["weight"] = 1
    assert qa.save_rubric(desk, changed, created_by="admin")[0].version == 2

    sample_id, drawn = qa.draw_review_sample(desk, ADMIN, size=30, method="stratified", seed=1)
    # A server keeps the skill gaps until this stamp moves: every new evaluation must move it.
    stamp = qa_stamp(desk.engine, lambda table: True)
    assert set(drawn["agent_id"]) == {ref(a) for a in ("a1", "a2", "a3", "a4", "a5")}
    for i, ticket in enumerate(drawn["ticket_id"]):
        fix = 0 if i % 10 == 0 else 2
        row = qa.record_evaluation(
            desk, ADMIN, rubric_id="support", ticket_id=ticket, answers={"tone": 1 + i % 4, "fix": fix}
        )
        assert row["sample_id"] == sample_id and row["weight"] > 1 and row["auto_failed"] == (fix == 0)
        assert qa_stamp(desk.engine, lambda table: True) != stamp
        stamp = qa_stamp(desk.engine, lambda table: True)

    round_ = qa.create_round(
        desk, ADMIN, name="Jan", rubric_id="support", ticket_ids=list(drawn["ticket_id"][:6])
    )
    for reviewer, lift in (("ann", 0), ("bob", 0), ("cy", 1)):
        for i, ticket in enumerate(round_["ticket_ids"]):
            answers = {"tone": min(4, 1 + i % 4 + lift), "fix": 2}
            qa.record_evaluation(
                desk,
                Principal(reviewer, Role.ANALYST),
                rubric_id="support",
                ticket_id=ticket,
                answers=answers,
                calibration_id=round_["calibration_id"],
            )
    results = qa.analyse(desk, round_["calibration_id"], rounds=100)
    assert results["reviewers"] == ["ann", "bob", "cy"] and results["tickets"] == 6
    assert {d["reviewer"]: d["bias"] for d in results["drift"]}["cy"] > 0
    assert qa.get_round(desk, round_["calibration_id"])["results"]["icc"]["tickets"] == 6

    cards = qa.read_scorecards(desk, ADMIN)
    assert {"csat", "fcr", "qa_score"} <= set(cards["metric"])  # no status history here: no handle time
    csat = cards[cards.metric == "csat"].set_index("agent_id")
    assert csat.loc[ref("a1"), "estimate"] > csat.loc[ref("a3"), "estimate"]
    assert (csat["low"] <= csat["estimate"]).all() and (csat["estimate"] <= csat["high"]).all()
    assert set(qa.read_scorecards(desk, AGENT)["agent_id"]) == {ref("a3")}
    assert set(qa.read_scorecards(desk, LEAD)["agent_id"]) <= {ref("a5"), ref("a6")}
    teams = qa.team_scores(desk, ADMIN).set_index("team_id")
    assert teams.loc[ref("t1"), "n"] > 0

    gaps = qa.read_skill_gaps(desk, ADMIN)
    assert {"qa_score", "csat", "escalation_rate"} <= set(gaps["metric"])

    plan = qa.create_plan(
        desk,
        LEAD,
        agent_id=ref("a5"),
        goal="Get the fix right first time",
        metric="criterion:fix",
        target=90,
        evidence=[str(drawn["ticket_id"][0])],
    )
    assert plan["baseline_n"] >= 1
    with pytest.raises(qa.NotInScope):
        qa.create_plan(desk, LEAD, agent_id=ref("a1"), goal="x", target=90)
    qa.add_session(
        desk, LEAD, plan["plan_id"], held_at=dt.datetime(2026, 3, 10), notes="reviewed two tickets"
    )
    progress = qa.read_progress(desk, LEAD, plan["plan_id"])
    assert len(progress["sessions"]) == 1 and progress["follow_up"]["before"]["n"] >= 1
    with pytest.raises(qa.NotInScope):
        qa.read_progress(desk, AGENT, plan["plan_id"])
    assert qa.read_plans(desk, AGENT).empty

    entries, _ = audit.query(desk.engine, action="qa.*", limit=None)
    actions = {(e["actor"], e["action"]) for e in entries}
    assert ("a3", "qa.scorecards.read") in actions and ("lead", "qa.coaching.read") in actions
    assert ("a3", "qa.coaching.read") in actions  # an empty read is audited too


def test_evaluations_are_refused_whole(desk: Store) -> None:
    qa.save_rubric(desk, RUBRIC, created_by="admin")
    with pytest.raises(qa.RubricError, match="'fix' is not answered"):
        qa.record_evaluation(desk, ADMIN, rubric_id="support", ticket_id=ref("w1"), answers={"tone": 2})
    with pytest.raises(qa.NotInScope, match="no ticket"):
        qa.record_evaluation(
            desk, AGENT, rubric_id="support", ticket_id="fx:nope", answers={"tone": 2, "fix": 1}
        )
    with pytest.raises(qa.RubricError, match="no rubric 'other'"):
        qa.record_evaluation(desk, ADMIN, rubric_id="other", ticket_id=ref("w1"), answers={})
    assert desk.count("qa_evaluations") == 0


def test_cli(loaded_stores: LoadedStores, tmp_path: Path) -> None:
    runner = CliRunner()
    rubric = tmp_path / "rubric.yaml"
    rubric.write_text(json.dumps(RUBRIC))  # JSON is YAML
    with loaded_stores.copy(WFM_DESK, "duckdb", load_wfm_desk, tmp_path) as url:
        assert runner.invoke(app, ["qa", "rubric", "save", str(rubric), "--db", url]).exit_code == 0
        sample = runner.invoke(app, ["qa", "sample", "--size", "5", "--db", url, "-f", "json"])
        assert sample.exit_code == 0, sample.output
        ticket = json.loads(sample.stdout)[0]["ticket_id"]
        scored = runner.invoke(
            app,
            [
                "qa",
                "evaluate",
                "--rubric",
                "support",
                "--ticket",
                ticket,
                "-a",
                "tone=3",
                "-a",
                "fix=2",
                "--db",
                url,
            ],
        )
        assert scored.exit_code == 0 and "90.0" in scored.stdout  # (2 x 3/4 + 3 x 2/2) / 5
        listed = runner.invoke(app, ["qa", "rubric", "list", "--db", url, "-f", "csv"])
        assert listed.exit_code == 0 and "support" in listed.stdout
        for bad, message in (
            (
                ["qa", "rubric", "save", str(tmp_path / "none.yaml"), "--db", url],
                "cannot read the rubric file",
            ),
            (
                [
                    "qa",
                    "evaluate",
                    "--rubric",
                    "support",
                    "--ticket",
                    ticket,
                    "-a",
                    "tone=9",
                    "-a",
                    "fix=1",
                    "--db",
                    url,
                ],
                "'tone': '9' must be 0 to 4",
            ),
            (["qa", "sample", "--method", "cluster", "--db", url], "sampling method 'cluster'"),
        ):
            result = runner.invoke(app, bad)
            assert result.exit_code == 2 and message in result.output and "Traceback" not in result.output, (
                result.output
            )
