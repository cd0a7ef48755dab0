"""Regulatory-complaint cases and held bulk runs through the command line (DuckDB) and over HTTP (both
engines): a case is seen by its regime's roles only (another role gets an empty list and a 404), its
clocks show due time and status, a clock stops once (audited); a held run is refused to whoever put the
rule in force, with the library's message, and released or rejected by a second person; the recurrence
watch's follow-up survey is passed through from `insightdesk rules watch --follow-up-survey`."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

import tests.actions.test_recurrence_followup as followup_tests
from insightdesk.actions import (
    ActionsConfig,
    dry_run,
    list_holds,
    regulatory_cases,
    request_activation,
    run_rules,
    save_rule,
)
from insightdesk.api.app import create_app
from insightdesk.api.state import ServerSettings
from insightdesk.cli import app
from insightdesk.governance import audit
from insightdesk.governance.tokens import create_token
from insightdesk.governance.users import Actor
from insightdesk.store import Store, open_store
from insightdesk.surveys import publish, save_definition
from tests.actions.desk import T0, add_answers, add_desk
from tests.actions.test_bulk_run_approval import CALLBACK
from tests.actions.test_regulatory_cases import FCA_RULE

LIMIT_ONE = ActionsConfig(bulk_run_limit=1)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def open_case(store: Store) -> str:
    """A complaint received Monday T0 (weeks ago): its acknowledgement clock is breached by now."""
    add_desk(store, seen_at=T0)
    save_rule(store, FCA_RULE, "ana")
    dry_run(store, "fca-complaints", actor="ana")
    request_activation(store, "fca-complaints", 1, "ana")
    now = _now()
    add_answers(store, [("1", "1", 2, "1"), ("2", "2", 9, "2")], seen_at=now + dt.timedelta(seconds=1))
    run_rules(store, now=now + dt.timedelta(minutes=1))
    [case] = regulatory_cases(store)
    return str(case["task_id"])


def hold_run(store: Store) -> str:
    """A detractor call-back run over two customers with consent, above a limit of one: held."""
    add_desk(store, seen_at=T0)
    save_rule(store, CALLBACK, "ana")
    dry_run(store, "detractor-callback", actor="ana")
    request_activation(store, "detractor-callback", 1, "ana")
    now = _now() + dt.timedelta(seconds=1)
    add_answers(store, [("1", "1", 3, "1"), ("2", "2", 2, "2"), ("3", "3", 1, "3")], seen_at=now)
    [run] = run_rules(store, now=now + dt.timedelta(minutes=1), config=LIMIT_ONE, actor="ana")
    assert run.held
    return str(run.held)


@pytest.fixture
def cli_db(tmp_path, duckdb_template, monkeypatch: pytest.MonkeyPatch) -> str:
    # A case's clocks on one line, whatever the terminal: the CLI's console read its width when it
    # was created (an 80-column default under pytest-xdist), so set the width it renders at.
    from insightdesk.cli.console import out

    monkeypatch.setattr(out, "_width", 400)
    db = str(tmp_path / "s.duckdb")
    shutil.copyfile(duckdb_template, db)
    return db


def _runner(db: str) -> Callable[..., tuple[int, str]]:
    runner = CliRunner()

    def run(*args: str) -> tuple[int, str]:
        result = runner.invoke(app, [*args, "--db", db])
        assert "Traceback" not in result.output, result.output
        return result.exit_code, re.sub(r"\s+", " ", result.output)

    return run


def test_cases_commands(cli_db):
    db = cli_db
    with open_store(db) as store:
        case = open_case(store)
    run = _runner(db)
    code, out = run("cases", "list", "--breached")
    assert code == 0 and "Regulatory-complaint cases (1)" in out and "acknowledgement" in out
    assert "breached" in out and "uk-fca-disp" in out
    code, out = run("cases", "show", case)
    assert code == 0 and "final_response" in out and "summary_resolution" in out
    code, out = run("cases", "stop-clock", case, "acknowledgement", "--actor", "max")
    assert code == 0 and f"{case}: acknowledgement stopped at" in out and "met_late" in out
    code, out = run("cases", "stop-clock", case, "acknowledgement", "--actor", "max")
    assert code == 2 and "already stopped" in out and "by max" in out
    code, out = run("cases", "stop-clock", case, "reply")
    assert code == 2 and "has no clock 'reply'; its clocks: acknowledgement" in out
    code, out = run("cases", "show", "task-nope")
    assert code == 2 and "no task 'task-nope'" in out
    with open_store(db) as store:
        assert audit.query(store.engine, action="cases.stop_clock")[1] == 1


def test_holds_commands(cli_db):
    db = cli_db
    with open_store(db) as store:
        held = hold_run(store)
    run = _runner(db)
    code, out = run("rules", "holds", "list")
    assert code == 0 and held in out and "detractor-callback v1" in out
    code, out = run("rules", "holds", "approve", held, "--actor", "ana")
    assert code == 2 and "ana put this rule in force; a second person must approve or reject" in out
    code, out = run("rules", "holds", "approve", held, "--actor", "bea")
    assert code == 0 and "released; 3 events evaluated" in out and "no contact consent 1" in out
    code, out = run("rules", "holds", "reject", held, "--reason", "late", "--actor", "max")
    assert code == 2 and "already released by bea" in out
    code, out = run("rules", "holds", "list", "--status", "released")
    assert code == 0 and "bea" in out


def test_watch_passes_its_follow_up_survey(cli_db, monkeypatch: pytest.MonkeyPatch):
    db = cli_db
    run = _runner(db)
    # The watch passes its survey through: a wrong one fails before anything is reopened...
    code, out = run("rules", "watch", "--follow-up-survey", "rebound-followup")
    assert code == 2 and "follow-up survey 'rebound-followup' does not exist" in out
    # ...and a published one invites the customers of a theme that rebounded (two consent, one not).
    monkeypatch.setattr(followup_tests, "NOW", _now() - dt.timedelta(minutes=5))
    with open_store(db) as store:
        followup_tests._rebounding_desk(store)
        saved = save_definition(store.engine, followup_tests.FOLLOW_UP)
        publish(store.engine, saved.survey_id, saved.version)
    code, out = run("rules", "watch", "--follow-up-survey", "rebound-followup", "--actor", "ana")
    assert code == 0 and "theme:T0001" in out and "2 of 3 customers invited" in out, out
    assert "no_consent 1" in out


@pytest.fixture
def http(store: Store) -> Iterator[TestClient]:
    with TestClient(create_app(store, ServerSettings(warm_up=False))) as client:
        yield client


def _as(store: Store, name: str) -> dict[str, str]:
    token = create_token(store.engine, name, actor=Actor("cli:tests", "admin", "cli"), name="t", days=1)
    return {"Authorization": f"Bearer {token['token']}"}


def test_cases_over_the_api_and_page(store, http):
    case = open_case(store)
    admin, analyst = _as(store, "max"), _as(store, "ana")
    [row] = http.get("/api/v1/actions/cases?breached=true", headers=admin).json()["items"]
    assert row["task_id"] == case and row["breached"] and row["regime"] == "uk-fca-disp"
    status = {c["clock"]: c["status"] for c in row["clocks"]}
    assert status["acknowledgement"] == "breached" and status["final_response"] in ("running", "breached")
    # Restricted to the regime's roles: an analyst sees no case, and a 404 by id, on the API and the page.
    assert http.get("/api/v1/actions/cases", headers=analyst).json() == {"items": []}
    assert http.get(f"/api/v1/actions/cases/{case}", headers=analyst).status_code == 404
    assert http.get(f"/cases/{case}", headers=analyst).status_code == 404
    assert (
        http.post(f"/api/v1/actions/cases/{case}/clocks/acknowledgement/stop", headers=analyst).status_code
        == 404
    )
    detail = http.get(f"/api/v1/actions/cases/{case}", headers=admin).json()
    assert detail["clocks"][0]["clock"] == "acknowledgement" and detail["restricted_to"] == ["admin"]
    assert audit.query(store.engine, action="cases.read")[1] == 1

    page = http.get("/cases", headers=admin)
    assert page.status_code == 200 and "acknowledgement" in page.text and "breached" in page.text
    assert "No open case your role may see" in http.get("/cases", headers=analyst).text
    stopped = http.post(f"/cases/{case}/stop-clock", data={"clock": "acknowledgement"}, headers=admin)
    assert stopped.status_code == 200 and "acknowledgement: stopped, met_late." in stopped.text
    again = http.post(f"/api/v1/actions/cases/{case}/clocks/acknowledgement/stop", headers=admin)
    assert again.status_code == 422 and "already stopped" in again.json()["error"]["message"]
    future = http.post(f"/api/v1/actions/cases/{case}/clocks/final_response/stop", json={"at": "2100-01-01"},
                       headers=admin)  # fmt: skip
    assert future.status_code == 422 and "cannot stop in the future" in future.json()["error"]["message"]
    met = http.post(f"/api/v1/actions/cases/{case}/clocks/final_response/stop", headers=admin).json()
    assert met["status"] == "met" and met["stopped_by"] == "max"
    assert audit.query(store.engine, action="cases.stop_clock")[1] == 2


def test_held_runs_over_the_api_and_rules_page(store, http):
    held = hold_run(store)
    ana, maxi = _as(store, "ana"), _as(store, "max")
    [row] = http.get("/api/v1/actions/holds", headers=ana).json()["items"]
    assert (row["hold_id"], row["contacts"], row["activated_by"]) == (held, 2, "ana")
    page = http.get("/rules", headers=ana)
    assert held in page.text and "Approve" in page.text and "Bulk runs held for approval" in page.text
    refused = http.post(f"/api/v1/actions/holds/{held}/approve", headers=ana)
    assert refused.status_code == 422
    assert "ana put this rule in force; a second person must approve" in refused.json()["error"]["message"]
    on_page = http.post("/rules/holds/approve", data={"hold_id": held}, headers=ana)
    assert on_page.status_code == 200 and "ana put this rule in force" in on_page.text
    released = http.post(f"/api/v1/actions/holds/{held}/approve", headers=maxi).json()
    assert released["evaluated"] == 3 and released["skipped"] == {"no contact consent": 1}
    assert (
        list_holds(store) == [] and http.get("/api/v1/actions/holds?status=all", headers=ana).json()["items"]
    )
    late = http.post(f"/api/v1/actions/holds/{held}/reject", json={"reason": "late"}, headers=maxi)
    assert late.status_code == 422 and "already released by max" in late.json()["error"]["message"]
    assert http.post("/api/v1/actions/holds/hold-nope/approve", headers=maxi).status_code == 404
