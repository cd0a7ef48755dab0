"""Live servers for the API and browser tests: `insightdesk serve` in a process of its own over real HTTP.

The bundled sample is built and seeded with one account and one API token per role once per test
session (argon2 hashes each password: on purpose slow); each server gets its own copy of that DuckDB
file (the server holds its file), so every server shares the same tokens.
"""

from __future__ import annotations

import atexit
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from tests.support.http import http_client, http_get
from tests.support.server_process import ServerProcess

PASSWORD = "correct-horse-battery"
ROLES = ("admin", "analyst", "team_lead", "agent", "viewer")

_BUILD: dict[str, Path] = {}
_SERVERS: dict[str, LiveServer] = {}
_SEEDED: dict[str, Any] = {}  # tokens, scope and other ticket of the seeded copy (`_seeded_db_file`)


@dataclass
class LiveServer:
    base_url: str
    db: Path
    snapshot: Path  # a copy of the store taken before the server started (to compare numbers)
    tokens: dict[str, str]
    scope: dict[
        str, str
    ]  # team_id, team_name, agent_id, ticket_id (in every scoped role's reach), customer_id
    other_ticket: str  # a ticket outside the team lead's and the agent's scope
    proc: ServerProcess = field(repr=False)
    log: Path = field(repr=False)
    target: str = ""  # what the server serves: the DuckDB file, or the PostgreSQL URL of `live_pg_server`

    def client(self, role: str | None = None, **kw: object) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.tokens[role]}"} if role else {}
        return http_client(base_url=self.base_url, headers=headers, timeout=60, **kw)  # type: ignore[arg-type]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def sample_db_file() -> Path:
    if "sample" not in _BUILD:
        from insightdesk.quickstart import build_sample_store

        folder = Path(tempfile.mkdtemp(prefix="insightdesk-web-"))
        atexit.register(shutil.rmtree, folder, True)
        db = folder / "sample.duckdb"
        build_sample_store(db)
        _BUILD["sample"] = db
    return _BUILD["sample"]


def _seeded_db_file() -> tuple[Path, dict[str, str], dict[str, str], str]:
    """The sample with the accounts and tokens of `_seed`, made once: the servers copy it."""
    if "seeded" not in _BUILD:
        db = sample_db_file().with_name("seeded.duckdb")
        copy_store(sample_db_file(), db)
        _SEEDED.update(zip(("tokens", "scope", "other"), _seed(db), strict=True))
        _BUILD["seeded"] = db
    return _BUILD["seeded"], _SEEDED["tokens"], _SEEDED["scope"], _SEEDED["other"]


def copy_store(source: Path, target: Path) -> None:
    """A DuckDB store with its audit key and checkpoints (without them its audit log cannot verify)."""
    from insightdesk.governance.audit_keys import CHECKPOINTS_SUFFIX, KEY_SUFFIX

    shutil.copyfile(source, target)
    for suffix in (KEY_SUFFIX, CHECKPOINTS_SUFFIX):
        sidecar = source.with_name(source.name + suffix)
        if sidecar.exists():
            shutil.copy2(sidecar, target.with_name(target.name + suffix))


def _scope(engine: sa.Engine) -> tuple[dict[str, str], str]:
    """The team, agent, ticket and customer that every scoped role reaches, and a ticket outside."""
    with engine.connect() as conn:
        agent_id, team_id, ticket_id, customer_id = conn.execute(
            sa.text(
                "with a as (select agent_id, count(*) n from tickets where agent_id is not null and team_id is not null "
                "group by 1 order by n desc, agent_id limit 1) "
                "select t.agent_id, t.team_id, t.id, t.customer_id from tickets t join a using (agent_id) "
                "where t.customer_id is not null order by t.created_at, t.id limit 1"
            )
        ).one()
        team_name = conn.execute(sa.text("select name from teams where id = :t"), {"t": team_id}).scalar()
        other = conn.execute(
            sa.text("select id from tickets where team_id <> :t and agent_id <> :a order by id limit 1"),
            {"t": team_id, "a": agent_id},
        ).scalar()
    scope = {
        "team_id": team_id,
        "team_name": team_name,
        "agent_id": agent_id,
        "ticket_id": ticket_id,
        "customer_id": customer_id,
    }
    return scope, other


def _seed(db: Path) -> tuple[dict[str, str], dict[str, str], str]:
    from insightdesk.governance.tokens import create_token
    from insightdesk.governance.users import Actor, create_user
    from insightdesk.store import open_store

    with open_store(db) as store:
        scope, other = _scope(store.engine)
        team_id, agent_id = scope["team_id"], scope["agent_id"]
        actor = Actor("cli:tests", "admin", "cli")
        tokens = {}
        for role in ROLES:
            create_user(
                store.engine,
                role,
                PASSWORD,
                role,
                actor=actor,
                team_ids=[team_id] if role == "team_lead" else None,
                agent_id=agent_id if role == "agent" else None,
            )
            tokens[role] = create_token(store.engine, role, actor=actor, name="tests", days=1)["token"]
    return tokens, scope, other


def live_server(
    name: str = "main",
    *,
    warm_up: bool = True,
    rollups: bool = False,
    prepare: Callable[[Path], None] | None = None,
    env: dict[str, str] | None = None,
) -> LiveServer:
    """A running server (started on first use, stopped at exit); `prepare` may add to its store first,
    `env` adds to its environment (settings such as the upload limits).

    Roll-ups are off unless asked for: their background build after every upload would take the
    cores that the timing checks measure (tests/metrics/test_metrics_rollups.py serves with them).
    """
    if name in _SERVERS and _SERVERS[name].proc.poll() is None:
        return _SERVERS[name]
    seeded, tokens, scope, other = _seeded_db_file()
    db = seeded.with_name(f"{name}.duckdb")
    copy_store(seeded, db)
    if prepare is not None:
        prepare(db)
        # `prepare` may change the records (identity resolution merges customers): the scope is
        # read again; the accounts' team and agent are those of the seeded copy.
        from insightdesk.store import open_store

        with open_store(db) as store:
            scope, other = _scope(store.engine)
        if (scope["team_id"], scope["agent_id"]) != (
            _SEEDED["scope"]["team_id"],
            _SEEDED["scope"]["agent_id"],
        ):
            raise RuntimeError(f"prepare for {name!r} moved the scoped team or agent: {scope}")
    snapshot = db.with_name(f"{name}-snapshot.duckdb")
    shutil.copyfile(db, snapshot)
    log = db.with_name(f"{name}-server.log")
    proc, base = _serve(str(db), log, warm_up=warm_up, rollups=rollups, env=env)
    server = LiveServer(base, db, snapshot, dict(tokens), dict(scope), other, proc, log, str(db))
    _SERVERS[name] = server
    return server


def _serve(
    target: str, log: Path, *, warm_up: bool, rollups: bool, env: dict[str, str] | None
) -> tuple[ServerProcess, str]:
    """`insightdesk serve` over `target` on a free port, once it answers: the process and its URL."""
    port = _free_port()
    argv = [
        "serve",
        "--db",
        target,
        "--port",
        str(port),
        "--warm-up" if warm_up else "--no-warm-up",
        "--rollups" if rollups else "--no-rollups",
    ]
    proc = ServerProcess(argv, {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}, log)
    atexit.register(_stop, proc)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            if http_get(base + "/api/v1/health", timeout=2).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"server did not start: {log.read_text(errors='replace')[-3000:]}")
        time.sleep(0.2)


PG_ROLES = ("admin", "analyst", "viewer")


def live_pg_server(url: str, log: Path, *, env: dict[str, str] | None = None) -> LiveServer:
    """A server over the PostgreSQL store at `url` (migrated; may be empty), with an account and a
    token for each of PG_ROLES (no row-scoped role: an empty store has no team or agent to scope to).
    Stop it with `stop_server` before dropping the database."""
    from insightdesk.governance.tokens import create_token
    from insightdesk.governance.users import Actor, create_user
    from insightdesk.store import open_store

    tokens = {}
    with open_store(url) as store:
        actor = Actor("cli:tests", "admin", "cli")
        for role in PG_ROLES:
            create_user(store.engine, role, PASSWORD, role, actor=actor)
            tokens[role] = create_token(store.engine, role, actor=actor, name="tests", days=1)["token"]
    proc, base = _serve(url, log, warm_up=False, rollups=False, env=env)
    return LiveServer(base, log, log, tokens, {}, "", proc, log, url)


def stop_server(server: LiveServer) -> None:
    _stop(server.proc)


def compute_insights(db: Path) -> None:
    """What the quickstart computes, on the sample store: themes first (as the quickstart does), so
    pain points come per theme as well as per category and the theme pages have themes to show.

    Only the tickets' subjects and descriptions are analysed (the sample's surveys carry no
    comments: docs/sample-data.md), with the linear sentiment model: about 15 s instead of the
    minutes every text takes with the transformer, and enough texts for dozens of themes.
    """
    from insightdesk.insights.alerts.service import run_alerts
    from insightdesk.insights.drivers.service import key_drivers
    from insightdesk.insights.impact.service import estimate_impact
    from insightdesk.insights.painpoints.ranking import rank_painpoints
    from insightdesk.insights.risk.service import score_tickets, train_risk_model
    from insightdesk.store import open_store
    from insightdesk.text.pipeline import TextPipeline
    from insightdesk.text.pipeline_store import analyze_store
    from insightdesk.text.theme_store import discover_store_themes
    from tests.actions.case_seed import add_case

    with open_store(db) as store:
        analyze_store(store, entities=["tickets"], pipeline=TextPipeline.default("linear"))
        discover_store_themes(store)
        rank_painpoints(store)
        key_drivers(store, "low_csat", bootstrap=40)
        train_risk_model(store, "low_csat")
        score_tickets(store, "low_csat", scope="all")
        run_alerts(store, "week", channels=[])
        estimate_impact(
            store, "csat", "2020-04-06", {"channel": "chat"}, {"channel": "web"}, name="chat macro"
        )
        add_case(store, "task-openapi-case")  # a regulatory case, for GET /api/v1/actions/cases/{task_id}


def _stop(proc: ServerProcess) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
