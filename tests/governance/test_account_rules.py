"""Account rules in the service, so the CLI, the API and the Users page refuse alike: passwords that
are short, common, guessable or hold the user name, and a team or agent the store does not have."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from insightdesk.cli import app
from insightdesk.governance import audit, users
from insightdesk.governance.passwords import MIN_LENGTH, PasswordError, check_rules, generate_password
from insightdesk.store import Store, open_store
from tests.support.people import add_people
from tests.support.web_server import LiveServer

ACTOR = users.Actor("cli:tests", "admin", "cli")
GOOD = "violet-harbour-tractor-61"


@pytest.mark.parametrize(
    ("password", "username", "rule"),
    [
        ("violet-boat", "x", f"too short: use at least {MIN_LENGTH} characters"),
        ("x" * 1025, "x", "too long"),
        ("qwerty123456", "x", "list of common passwords"),
        ("Qwerty123456", "x", "list of common passwords"),  # case does not help
        ("aaaaaaaaaaaaaaaa", "x", "too easy to guess: strength 0 of 4"),
        ("abcdefgh1234", "x", "too easy to guess"),
        ("lee-violet-harbour", "lee", "contains the user name ('lee')"),
        ("Maria.Sunset-Boat-77", "maria.lopez@example.com", "contains the user name ('maria')"),
    ],
)
def test_password_rules_name_the_rule(password: str, username: str, rule: str) -> None:
    with pytest.raises(PasswordError, match=rule.replace("(", r"\(").replace(")", r"\)")):
        check_rules(password, username)


def test_good_and_generated_passwords_pass() -> None:
    check_rules(GOOD, "lee")
    check_rules("correct-horse-battery", "viewer")  # the test servers' accounts
    generated = generate_password(username="admin")
    assert len(generated) == 20 and check_rules(generated, "admin") is None


def test_team_and_agent_must_exist_in_the_store(store: Store) -> None:
    e = store.engine
    with pytest.raises(
        users.AccountError, match=r"no team 'sample:G10' in this store: the store has no teams yet"
    ):
        users.create_user(e, "lee", GOOD, "team_lead", actor=ACTOR, team_ids=["sample:G10"])
    add_people(e)
    with pytest.raises(
        users.AccountError,
        match=r"no team 'sample:G10' in this store: it has 2 teams, e\.g\. 'test:t1', 'test:t2'; `insightdesk users scopes`",
    ):
        users.create_user(e, "lee", GOOD, "team_lead", actor=ACTOR, team_ids=["test:t1", "sample:G10"])
    with pytest.raises(users.AccountError, match=r"no agent 'sample:R153' in this store: it has 1 agents"):
        users.create_user(e, "sam", GOOD, "agent", actor=ACTOR, agent_id="sample:R153")
    assert users.list_users(e) == [] and audit.query(e, action="user.*")[1] == 0  # nothing written
    users.create_user(e, "lee", GOOD, "team_lead", actor=ACTOR, team_ids=["test:t1", " test:t2 "])
    assert users.get_user(e, "lee")["team_ids"] == '["test:t1", "test:t2"]'
    with pytest.raises(users.AccountError, match="no team 'test:t9'"):
        users.set_role(e, "lee", "team_lead", actor=ACTOR, team_ids=["test:t9"])
    with pytest.raises(users.AccountError, match="no agent 'test:a9'"):
        users.set_role(e, "lee", "agent", actor=ACTOR, agent_id="test:a9")
    users.set_role(e, "lee", "agent", actor=ACTOR, agent_id="test:a1")
    assert users.get_user(e, "lee")["agent_id"] == "test:a1"


def test_cli_refuses_unknown_team_and_weak_password_and_lists_scopes(
    tmp_path: Path, duckdb_template: Path
) -> None:
    """The CLI's part only (one engine): the service refuses alike on both (the test above)."""
    store_url = str(tmp_path / "store.duckdb")
    shutil.copyfile(duckdb_template, store_url)
    with open_store(store_url) as opened:
        add_people(opened.engine)
    runner = CliRunner()
    lead = runner.invoke(
        app,
        [
            "users",
            "add",
            "lee",
            "--role",
            "team_lead",
            "--team",
            "sample:G10",
            "--generate-password",
            "--db",
            store_url,
        ],
    )
    text = " ".join(lead.output.split())
    assert lead.exit_code == 2 and "error: no team 'sample:G10' in this store" in text, lead.output
    assert "`insightdesk users scopes` lists them all" in text and "Traceback" not in text
    weak = runner.invoke(
        app, ["users", "add", "ana", "--role", "analyst", "--db", store_url], input="password1234\n" * 2
    )
    assert weak.exit_code == 2 and "list of common passwords" in " ".join(weak.output.split()), weak.output
    listed = runner.invoke(app, ["users", "scopes", "--db", store_url])
    assert listed.exit_code == 0 and "test:t2" in listed.output and "test:a1" in listed.output
    made = runner.invoke(
        app,
        [
            "users",
            "add",
            "lee",
            "--role",
            "team_lead",
            "--team",
            "test:t1",
            "--generate-password",
            "--db",
            store_url,
        ],
    )
    assert made.exit_code == 0, made.output


def test_api_refuses_unknown_team_agent_and_weak_password(server: LiveServer) -> None:
    body = {"username": "new-lead", "password": GOOD, "role": "team_lead", "team_ids": ["sample:NOPE"]}
    with server.client("admin") as c:
        team = c.post("/api/v1/users", json=body)
        agent = c.post(
            "/api/v1/users", json={**body, "role": "agent", "team_ids": None, "agent_id": "sample:NOPE"}
        )
        weak = c.post("/api/v1/users", json={**body, "role": "viewer", "password": "qwerty123456"})
        named = c.post("/api/v1/users", json={**body, "role": "viewer", "password": "new-lead-violet-77"})
    assert (
        team.status_code == 422 and "no team 'sample:NOPE' in this store" in team.json()["error"]["message"]
    )
    assert "users scopes" in team.json()["error"]["message"]
    assert agent.status_code == 422 and "no agent 'sample:NOPE'" in agent.json()["error"]["message"]
    assert weak.status_code == 422 and "common passwords" in weak.json()["error"]["message"]
    assert named.status_code == 422 and "contains the user name" in named.json()["error"]["message"]


def test_the_hash_cost_is_configured_and_an_older_cost_is_upgraded_at_sign_in(store, monkeypatch):
    from insightdesk.config import Settings, reset_settings

    fields = Settings.model_fields  # production's cost unless set: RFC 9106's low-memory choice
    assert (fields["password_hash_memory_kib"].default, fields["password_hash_time_cost"].default) == (
        65536,
        3,
    )
    users.create_user(store.engine, "mina", GOOD, "analyst", actor=ACTOR)
    made = users.get_user(store.engine, "mina")["password_hash"]
    assert made.startswith("$argon2id$v=19$m=1024,t=1,")  # the suite's cost (tests/conftest.py)

    monkeypatch.setenv("INSIGHTDESK_PASSWORD_HASH_TIME_COST", "2")
    monkeypatch.setenv("INSIGHTDESK_PASSWORD_HASH_MEMORY_KIB", "2048")
    reset_settings()
    assert users.authenticate(store.engine, "mina", GOOD).username == "mina"  # the old hash still signs in
    upgraded = users.get_user(store.engine, "mina")["password_hash"]
    assert upgraded.startswith("$argon2id$v=19$m=2048,t=2,") and upgraded != made
    assert users.authenticate(store.engine, "mina", GOOD).username == "mina"
    with pytest.raises(users.LoginFailed):
        users.authenticate(store.engine, "nobody-here", GOOD)  # checked against a dummy hash of the new cost
