"""QA by segment, skill gaps by text theme and coaching statuses on a real store (both engines), and the
commands that show them."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from insightdesk import quality as qa
from insightdesk.cli import app
from insightdesk.governance import Principal, Role, audit
from insightdesk.metrics.fixtures import insert, ref
from insightdesk.store import Store, open_store
from insightdesk.store.tables.text import text_analyses, themes
from insightdesk.store.tables.work import feedback, tickets
from tests.support.stores import LoadedStores
from tests.support.wfm_desk import WFM_DESK, load_wfm_desk

RUBRIC = {
    "id": "support",
    "name": "Support",
    "sections": [{"name": "Care", "criteria": [{"id": "tone", "label": "Tone", "points": 4}]}],
}
ADMIN = Principal("admin", Role.ADMIN)
LEAD = Principal("lead", Role.TEAM_LEAD, team_ids=(ref("t2"),))
NOW = dt.datetime(2026, 3, 20)


@pytest.fixture
def desk(engine: str, loaded_stores: LoadedStores, tmp_path: Path) -> Iterator[Store]:
    with loaded_stores.copy(WFM_DESK, engine, load_wfm_desk, tmp_path) as url, open_store(url) as store:
        qa.save_rubric(store, RUBRIC, created_by="admin")
        yield store


def _low_csat(store: Store) -> set[str]:
    with store.engine.connect() as conn:
        return set(conn.execute(sa.select(feedback.c.ticket_id).where(feedback.c.score <= 2)).scalars())


def test_segment_scores_are_weighted_by_the_design(desk: Store) -> None:
    # Risky tickets (low CSAT) are drawn 5x likelier and score worse: the plain mean of the reviews is
    # pulled down, the weighted one estimates the score over every ticket of the segment.
    # Chat tickets come from gold customers: the customer-tier segment `gold` is the chat segment.
    insert(desk, "customers", [{"source_id": "c-gold", "tier": "gold", "segment": "enterprise"}])
    with desk.begin() as conn:
        conn.execute(tickets.update().where(tickets.c.channel == "chat").values(customer_id=ref("c-gold")))
    sample_id, drawn = qa.draw_review_sample(desk, ADMIN, size=80, method="risk", oversample=5, seed=4)
    risky = _low_csat(desk)
    with desk.engine.connect() as conn:
        channels = dict(conn.execute(sa.select(tickets.c.id, tickets.c.channel)).all())
    for ticket in drawn["ticket_id"]:
        qa.record_evaluation(
            desk, ADMIN, rubric_id="support", ticket_id=ticket, answers={"tone": 1 if ticket in risky else 4}
        )
    by_channel = qa.segment_scores(desk, ADMIN, by="channel").set_index("segment")
    assert set(by_channel.index) == {"phone", "chat"}
    population = pd.DataFrame({"channel": pd.Series(channels)})
    population = population[population.index.isin(set(_agents_tickets(desk)))]
    population["score"] = [25.0 if t in risky else 100.0 for t in population.index]
    # The score is a function of the design's stratum, so the segments pooled by their estimated
    # sizes give the population's mean exactly; the plain mean of the reviews is far below it.
    sizes = by_channel["tickets_estimated"]
    assert sizes.sum() == pytest.approx(len(population), rel=1e-6)
    pooled = (by_channel["weighted"] * sizes).sum() / sizes.sum()
    assert pooled == pytest.approx(population["score"].mean(), rel=1e-6)
    plain = (by_channel["plain"] * by_channel["n"]).sum() / by_channel["n"].sum()
    assert plain < population["score"].mean() - 5
    assert (by_channel["low"] <= by_channel["weighted"]).all() and (by_channel["hand_picked"] == 0).all()
    assert by_channel["n"].sum() == len(drawn)
    by_tier = qa.segment_scores(desk, ADMIN, by="customer_tier").set_index("segment")
    assert set(by_tier.index) == {"gold", "unknown"}
    for column in ("weighted", "low", "high", "n", "tickets_estimated"):
        assert by_tier.loc["gold", column] == pytest.approx(by_channel.loc["chat", column])

    by_team = qa.segment_scores(desk, LEAD, by="team")  # the lead sees their team only
    assert set(by_team["segment"]) <= {ref("t2")}
    assert set(qa.segment_scores(desk, ADMIN, by="category")["segment"]) == {"password", "billing", "network"}
    with pytest.raises(
        ValueError, match="segment 'agent' must be one of team, channel, category, customer_segment"
    ):
        qa.segment_scores(desk, ADMIN, by="agent")
    entries, _ = audit.query(desk.engine, action="qa.team_scores.read", limit=None)
    assert {e["target"] for e in entries} >= {"segment_scores:channel", "segment_scores:team"}
    assert sample_id


def _agents_tickets(store: Store) -> list[str]:
    with store.engine.connect() as conn:
        return list(conn.execute(sa.select(tickets.c.id).where(tickets.c.agent_id.is_not(None))).scalars())


def _theme_tickets(store: Store) -> dict[str, list[str]]:
    """Twelve password tickets per first-line agent, alternately given the themes T0001 and T0002."""
    with store.engine.connect() as conn:
        rows = conn.execute(
            sa.select(tickets.c.id, tickets.c.agent_id)
            .where(tickets.c.category == "password", tickets.c.team_id == ref("t1"))
            .order_by(tickets.c.id)
        ).all()
    per_agent: dict[str, list[str]] = {}
    for ticket, agent in rows:
        if len(per_agent.setdefault(agent, [])) < 12:
            per_agent[agent].append(ticket)
    now = dt.datetime(2026, 3, 1)
    analysed, theme_rows = [], []
    for i, (theme, label) in enumerate((("T0001", "vpn token expired"), ("T0002", "locked out after reset"))):
        theme_rows.append(
            {"theme_id": theme, "label": label, "label_source": "auto", "status": "active",
             "created_at": now, "updated_at": now}
        )  # fmt: skip
        for ticket_ids in per_agent.values():
            for ticket in ticket_ids[i::2]:
                for field, role, theme_id in (("description", "customer", theme), ("body", "agent", "T0002")):
                    # The agent's reply is about another theme: only the customer's texts count.
                    analysed.append(
                        {"entity": "tickets", "record_id": ticket, "field": field, "text_sha256": "x",
                         "theme_id": theme_id, "author_role": role, "ticket_id": ticket,
                         "model_name": "test", "model_version": "1", "analysed_at": now}
                    )  # fmt: skip
    with store.begin() as conn:
        conn.execute(themes.insert(), theme_rows)
        conn.execute(text_analyses.insert(), analysed)
    return per_agent


def test_skill_gaps_by_text_theme(desk: Store) -> None:
    per_agent = _theme_tickets(desk)
    weak = ref("a3")
    for agent, ticket_ids in per_agent.items():
        for j, ticket in enumerate(ticket_ids):
            in_first_theme = j % 2 == 0
            tone = (j // 2) % 2 + (0 if agent == weak and in_first_theme else 3)
            qa.record_evaluation(desk, ADMIN, rubric_id="support", ticket_id=ticket, answers={"tone": tone})
    gaps = qa.read_skill_gaps(desk, ADMIN, topic="theme")
    assert set(gaps["topic_kind"]) == {"theme"}
    assert {"T0001", "T0002"} <= set(gaps["topic"])
    qa_gaps = gaps[gaps["metric"] == "qa_score"].set_index(["unit", "topic"])
    assert qa_gaps.loc[(weak, "T0001"), "flagged"]
    assert qa_gaps.loc[(weak, "T0001"), "topic_label"] == "vpn token expired"
    assert not qa_gaps.loc[(weak, "T0002"), "flagged"]
    assert qa_gaps["n"].groupby(level="topic").sum().to_dict() == pytest.approx(
        {"T0001": 24.0, "T0002": 24.0}
    )
    assert {"csat", "escalation_rate"} <= set(gaps["metric"])
    # Category view: the same evaluations are all `password`, where a3's weak theme is diluted.
    by_category = qa.read_skill_gaps(desk, ADMIN, topic="category")
    assert set(by_category["topic_kind"]) == {"category"}
    teams = qa.read_skill_gaps(desk, LEAD, unit="team", topic="theme")
    assert set(teams["unit"]) <= {ref("t2")}  # team names from the KPI engine map back to team ids
    with pytest.raises(ValueError, match="topic 'queue' must be one of category, theme"):
        qa.read_skill_gaps(desk, ADMIN, topic="queue")


def test_coaching_plan_moves_through_statuses(desk: Store) -> None:
    agent = ref("a5")
    with desk.engine.connect() as conn:
        ticket_ids = list(
            conn.execute(sa.select(tickets.c.id).where(tickets.c.agent_id == agent).limit(6)).scalars()
        )
    for ticket in ticket_ids[:3]:
        qa.record_evaluation(desk, ADMIN, rubric_id="support", ticket_id=ticket, answers={"tone": 2})
    plan = qa.create_plan(desk, LEAD, agent_id=agent, goal="Warmer tone", target=80)
    plan_id = plan["plan_id"]
    with pytest.raises(ValueError, match=r"below the target 80; it cannot be marked achieved"):
        qa.set_status(desk, LEAD, plan_id, "achieved")
    with pytest.raises(ValueError, match="status 'done' must be one of"):
        qa.set_status(desk, LEAD, plan_id, "done")
    closed = qa.set_status(desk, LEAD, plan_id, "not_achieved", note="no follow-up reviews yet")
    assert closed["plan"]["status"] == "not_achieved"
    with pytest.raises(ValueError, match="cannot go from not_achieved to cancelled"):
        qa.set_status(desk, LEAD, plan_id, "cancelled")
    qa.set_status(desk, LEAD, plan_id, "open", note="reviews came in")
    for ticket in ticket_ids[3:]:
        qa.record_evaluation(desk, ADMIN, rubric_id="support", ticket_id=ticket, answers={"tone": 4})
    done = qa.set_status(desk, LEAD, plan_id, "achieved")
    assert done["follow_up"]["met"] and done["follow_up"]["after"]["n"] == 3
    history = qa.read_progress(desk, LEAD, plan_id)["status_history"]
    assert [(h["from"], h["to"]) for h in history] == [
        ("open", "not_achieved"),
        ("not_achieved", "open"),
        ("open", "achieved"),
    ]
    assert history[0]["note"] == "no follow-up reviews yet" and history[0]["follow_up_n"] == 0
    assert history[2]["follow_up_mean"] == pytest.approx(100.0) and history[2]["by"] == "lead"
    with pytest.raises(qa.NotInScope):
        qa.set_status(desk, Principal("a1", Role.AGENT, agent_id=ref("a1")), plan_id, "open")


def test_cli_segments_gaps_and_status(loaded_stores: LoadedStores, tmp_path: Path) -> None:
    runner = CliRunner()
    with loaded_stores.copy(WFM_DESK, "duckdb", load_wfm_desk, tmp_path) as url:
        with open_store(url) as store:
            qa.save_rubric(store, RUBRIC, created_by="admin")
            per_agent = _theme_tickets(store)
            ticket = per_agent[ref("a1")][0]
            qa.record_evaluation(store, ADMIN, rubric_id="support", ticket_id=ticket, answers={"tone": 3})
            plan_id = qa.create_plan(store, ADMIN, agent_id=ref("a1"), goal="Keep it up", target=10)[
                "plan_id"
            ]
        seg = runner.invoke(app, ["qa", "segments", "--by", "channel", "--db", url, "-f", "json"])
        assert seg.exit_code == 0, seg.output
        assert [r["hand_picked"] for r in json.loads(seg.stdout)] == [1]
        gaps = runner.invoke(app, ["qa", "skill-gaps", "--topic", "theme", "--all", "--db", url, "-f", "csv"])
        assert gaps.exit_code == 0 and "vpn token expired" in gaps.stdout, gaps.output
        status = runner.invoke(
            app, ["qa", "coaching", "status", plan_id, "--set", "cancelled", "--note", "left", "--db", url]
        )
        assert status.exit_code == 0 and "open -> cancelled" in status.stdout, status.output
        for bad, message in (
            (["qa", "coaching", "status", plan_id, "--set", "achieved", "--db", url], "cannot go from"),
            (["qa", "segments", "--by", "agent", "--db", url], "segment 'agent'"),
            (["qa", "skill-gaps", "--topic", "queue", "--db", url], "topic 'queue'"),
        ):
            result = runner.invoke(app, bad)
            assert result.exit_code == 2 and message in result.output, result.output
            assert "Traceback" not in result.output
