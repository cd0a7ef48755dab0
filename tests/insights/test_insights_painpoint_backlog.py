"""The pain-point backlog (status moves, audit, verification by the data) and the painpoints CLI, on
the hand-built desk of painpoint_desk.py."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from statsmodels.stats.proportion import proportions_ztest
from typer.testing import CliRunner

from insightdesk.insights.painpoints import (
    BacklogError,
    PainpointConfig,
    backlog_entry,
    backlog_history,
    rank_painpoints,
    update_painpoint,
)
from insightdesk.insights.painpoints.backlog import TRANSITIONS
from insightdesk.metrics.fixtures import insert, ref
from insightdesk.store import Store
from tests.insights.painpoint_desk import (
    TINY,
    hand_desk,
    ticket_row,
)

# ---- the backlog ----------------------------------------------------------------------------------------


def _account(store: Store, name: str) -> None:
    from insightdesk.governance.users import Actor, create_user

    create_user(store.engine, name, "Painpoint-Owner-Password-2026!", "analyst", actor=Actor("test"))


def test_status_moves_are_validated_and_audited(store: Store) -> None:
    hand_desk(store)
    _account(store, "dana")
    rank_painpoints(store, TINY, since="2026-01-01", until="2026-01-29")
    key = "theme:T1"

    with pytest.raises(
        BacklogError,
        match="cannot go from new to fix_shipped; allowed from new: under_review, linked_to_problem",
    ):
        update_painpoint(store, key, status="fix_shipped")
    with pytest.raises(BacklogError, match="unknown status 'done'"):
        update_painpoint(store, key, status="done")
    with pytest.raises(BacklogError, match="'nobody' is not an account"):
        update_painpoint(store, key, owner="nobody")
    with pytest.raises(BacklogError, match="not in the backlog"):
        update_painpoint(store, "theme:T404", status="under_review")
    with pytest.raises(BacklogError, match="nothing to change"):
        update_painpoint(store, key)

    update_painpoint(store, key, status="under_review", owner="Dana", note="looks like billing", actor="dana")
    with pytest.raises(BacklogError, match="needs a problem record"):
        update_painpoint(store, key, status="linked_to_problem")
    with pytest.raises(BacklogError, match="problem 'PRB-9' does not exist in problems"):
        update_painpoint(store, key, status="linked_to_problem", problem_id="PRB-9")
    result = update_painpoint(store, key, status="linked_to_problem", problem_id=ref("P1"), actor="dana")
    assert result.entry["status"] == "linked_to_problem" and result.entry["problem_id"] == ref("P1")
    with pytest.raises(BacklogError, match="is in the future"):
        update_painpoint(store, key, status="fix_shipped", shipped_at=dt.datetime(2999, 1, 1))
    update_painpoint(store, key, status="fix_shipped", shipped_at=dt.datetime(2026, 1, 15))

    entry = backlog_entry(store, key)
    assert entry["owner"] == "dana" and entry["shipped_at"] == dt.datetime(2026, 1, 15)
    history = backlog_history(store, key)
    assert list(zip(history.field, history.old_value, history.new_value, history.actor, strict=True)) == [
        ("status", None, "new", "cli"),
        ("status", "new", "under_review", "dana"),
        ("owner", None, "dana", "dana"),
        ("note", None, "looks like billing", "dana"),
        ("status", "under_review", "linked_to_problem", "dana"),
        ("problem_id", None, ref("P1"), "dana"),
        ("status", "linked_to_problem", "fix_shipped", "cli"),
        ("shipped_at", None, "2026-01-15T00:00:00", "cli"),
    ]
    assert set(TRANSITIONS) == {
        "new", "under_review", "linked_to_problem", "fix_shipped", "verified", "wont_fix", "deprioritised"
    }  # fmt: skip


def test_verification_without_a_measured_improvement_needs_force(store: Store) -> None:
    hand_desk(store)
    rank_painpoints(store, TINY, since="2026-01-01", until="2026-01-29")
    key = "theme:T1"
    update_painpoint(store, key, status="linked_to_problem", problem_id=ref("P1"))
    update_painpoint(store, key, status="fix_shipped", shipped_at=dt.datetime(2026, 1, 15))
    # T1 had 3 of the 4 tickets before 01-15 and 1 of 4 after: too few to tell.
    with pytest.raises(BacklogError, match=r"no significant improvement: share of tickets 75\.0% -> 25\.0%"):
        update_painpoint(store, key, status="verified", verify_days=14, config=TINY)
    result = update_painpoint(store, key, status="verified", verify_days=14, config=TINY, force=True)
    v = result.verification
    assert v["forced"] and not v["improved"]
    assert (v["before"]["tickets"], v["before"]["window_tickets"], v["after"]["tickets"]) == (3, 4, 1)
    assert v["volume_share"]["p_value"] == pytest.approx(proportions_ztest([1, 3], [4, 4])[1])
    stored = backlog_entry(store, key)
    assert stored["status"] == "verified" and stored["verification"]["forced"] is True
    assert backlog_history(store, key).field.iloc[-1] == "verification"


def test_a_fix_that_worked_is_verified_by_the_data(store: Store) -> None:
    """40 Billing + 40 Login tickets in the two weeks before the fix; 5 Billing + 40 Login after."""
    insert(store, "customers", [{"source_id": f"C{i}", "lifetime_value": 100.0} for i in range(10)])
    insert(store, "problems", [{"source_id": "P1", "title": "Duplicate payments", "status": "resolved"}])
    rows, n = [], 0
    for start, billing in ((dt.datetime(2026, 1, 1), 40), (dt.datetime(2026, 1, 15), 5)):
        for category, count in (("Billing", billing), ("Login", 40)):
            for i in range(count):
                created = start + dt.timedelta(hours=7 * i + 1)
                rows.append(ticket_row(f"K{n}", category, f"C{n % 10}", created.isoformat(" ")))
                n += 1
    insert(store, "tickets", rows)
    cfg = PainpointConfig(min_tickets=1)
    rank_painpoints(store, cfg, since="2026-01-01", until="2026-01-15")
    key = "category:Billing"
    update_painpoint(store, key, status="linked_to_problem", problem_id=ref("P1"))
    update_painpoint(store, key, status="fix_shipped", shipped_at=dt.datetime(2026, 1, 15))
    result = update_painpoint(store, key, status="verified", verify_days=14, config=cfg)
    v = result.verification
    assert v["improved"] and v["share_fell"] and not v["forced"]
    share = v["volume_share"]
    assert (share["before"], share["after"]) == (pytest.approx(0.5), pytest.approx(5 / 45))
    assert share["p_value"] == pytest.approx(proportions_ztest([5, 40], [45, 80])[1])
    assert v["verdict"].startswith("improved: share of tickets 50.0% -> 11.1%")
    assert backlog_entry(store, key)["verification"]["improved"] is True


# ---- the CLI -------------------------------------------------------------------------------------------


def test_cli_rank_list_show_update_history(store_url: str) -> None:
    from insightdesk.cli import app
    from insightdesk.store import open_store

    with open_store(store_url) as s:
        hand_desk(s)
    runner = CliRunner()
    db = ["--db", store_url]

    def run(*args: str) -> Any:
        result = runner.invoke(app, ["painpoints", *args, *db])
        assert result.exit_code == 0, result.output
        return result

    ranked = run("rank", "--since", "2026-01-01", "--until", "2026-01-29", "--min-tickets", "1", "--min-n", "2",
                 "--format", "json")  # fmt: skip
    rows = json.loads(ranked.stdout)
    assert rows[0]["rank"] == 1 and {r["painpoint_key"] for r in rows} >= {"category:Billing", "theme:T1"}
    listed = json.loads(run("list", "--format", "json").stdout)
    assert [r["painpoint_key"] for r in listed] == [r["painpoint_key"] for r in rows]
    assert all(r["status"] == "new" for r in listed)
    assert "Why this rank" in run("show", "category:Billing").stdout
    shown = json.loads(run("show", "category:Billing", "--format", "json").stdout)
    assert shown["metrics"]["kpis"]["csat"]["n"] == 3
    assert "linked_to_problem" in run("update", "category:Billing", "--status", "linked_to_problem",
                                      "--problem", ref("P1"), "--note", "dup payments").stdout  # fmt: skip
    bad = runner.invoke(app, ["painpoints", "update", "category:Billing", "--status", "new", *db])
    assert bad.exit_code == 2 and "cannot go from linked_to_problem to new" in bad.output
    history = json.loads(run("history", "category:Billing", "--format", "json").stdout)
    assert [h["field"] for h in history] == ["status", "status", "problem_id", "note"]
    assert "linked_to_problem" in run("backlog", "--status", "linked_to_problem").stdout
    assert "Pain-point ranking runs" in run("runs").stdout
    config = json.loads(runner.invoke(app, ["painpoints", "config"]).stdout)
    assert config["weights"]["csat"] == 3.0 and config["components"]["csat"]["factor"] == "severity"
