"""A critical pain point creates one problem record in a (local, vendor-shaped) ServiceNow whatever the
retries: 429 with Retry-After, a 500, a malformed body, and the worker killed (-9) mid-delivery after
ServiceNow made the record. Its status then flows back. Both engines."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from insightdesk.actions import (
    approve_activation,
    deliver_due,
    dry_run,
    list_messages,
    load_destinations,
    request_activation,
    run_rules,
    save_rule,
    sync_statuses,
)
from insightdesk.actions.config import DeliveryPolicy
from insightdesk.insights.painpoints import backlog_entry
from insightdesk.store import open_store
from insightdesk.store.tables.actions import action_external_records
from tests.actions.desk import add_accounts, add_critical_painpoint, count
from tests.support.http import http_get, http_post

SERVER = Path(__file__).with_name("servicenow_server.py")
RULE = """
rule: critical-to-problem
event: painpoint_critical
actions:
  - {type: problem_record, destination: servicenow, short_description: "Pain point: {label}"}
"""


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def servicenow(tmp_path: Path) -> Iterator[str]:
    port = _port()
    proc = subprocess.Popen(
        [sys.executable, str(SERVER), str(port), "insightdesk.bot", "s3cret"], stdout=subprocess.PIPE
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == b"ready"
    yield f"http://127.0.0.1:{port}"
    proc.kill()
    proc.wait()


def _destinations(tmp_path: Path, url: str) -> Path:
    secret = tmp_path / "sn.secret"
    secret.write_text("s3cret")
    secret.chmod(0o600)
    file = tmp_path / "destinations.yaml"
    file.write_text(f"servicenow:\n  kind: servicenow\n  url: {url}\n  user: insightdesk.bot\n"
                    f"  secret_file: {secret}\n  timeout_seconds: 2\n")  # fmt: skip
    return file


def _records(url: str) -> list[dict[str, str]]:
    return list(http_get(f"{url}/_control/records").json()["records"])


def _queue_problem(store_url: str) -> None:
    with open_store(store_url) as store:
        add_accounts(store, [("ana", "analyst", None), ("max", "admin", None)])
        save_rule(store, RULE, "ana")
        dry = dry_run(store, "critical-to-problem", actor="ana")
        assert dry["matched"] == 0  # the pain point is not critical yet
        # Writing to a helpdesk waits for a second person.
        assert request_activation(store, "critical-to-problem", 1, "ana")["status"] == "awaiting_approval"
        approve_activation(store, "critical-to-problem", 1, "max")
        add_critical_painpoint(store, at=_later())
        run_rules(store, now=_later(seconds=2))
        run_rules(store, now=_later(seconds=3))  # a second run queues nothing more
        assert [m["status"] for m in list_messages(store)] == ["pending"]


def _later(seconds: float = 1) -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(seconds=seconds)


def _worker(store_url: str, destinations: str) -> None:
    """The outbox worker loop, in a process of its own (forked: no second start-up of the package)."""
    policy = DeliveryPolicy(lease_seconds=3, timeout_seconds=1)
    with open_store(store_url) as store:
        while True:
            deliver_due(store, load_destinations(destinations), policy=policy)
            time.sleep(0.1)


def test_worker_killed_mid_delivery_creates_exactly_one_record(store_url, servicenow, tmp_path):
    _queue_problem(store_url)
    destinations = _destinations(tmp_path, servicenow)
    # POSTs: rate limited (Retry-After: 1, the client waits it out), then a 500 (the outbox backs off),
    # then ServiceNow creates the record and never answers: the worker is killed in that window.
    http_post(f"{servicenow}/_control/plan", json=["429", "500", "hang"])
    worker = multiprocessing.get_context("fork").Process(target=_worker, args=(store_url, str(destinations)))
    worker.start()
    deadline = time.monotonic() + 30
    while not _records(servicenow) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(_records(servicenow)) == 1, "ServiceNow never got the record"
    assert worker.pid is not None
    os.kill(worker.pid, signal.SIGKILL)
    worker.join()
    # The next worker, once the dead one's lease lapsed (its clock moved past it rather than waited for),
    # finds the record by correlation_id and adopts it instead of filing a second.
    with open_store(store_url) as store:
        [held] = list_messages(store)
        assert held["status"] == "pending" and held["attempts"] == 2 and held["lease_until"] is not None
        later = held["lease_until"] + dt.timedelta(seconds=1)
        report = deliver_due(store, load_destinations(destinations), policy=DeliveryPolicy(lease_seconds=3, timeout_seconds=1),
                             now=lambda: later)  # fmt: skip
        assert (report.delivered, report.adopted) == (1, 1)
    records = _records(servicenow)
    assert len(records) == 1
    with open_store(store_url) as store:
        [message] = list_messages(store)
        assert message["status"] == "delivered" and message["external_id"] == records[0]["sys_id"]
        assert records[0]["correlation_id"] == message["idempotency_key"]
        assert records[0]["short_description"] == "Pain point: Double charges"
        assert count(store, action_external_records) == 1

        # Status flows back: ServiceNow resolves the problem (state 106).
        auth = ("insightdesk.bot", "s3cret")
        httpx.patch(
            f"{servicenow}/api/now/table/problem/{records[0]['sys_id']}", json={"state": "106"}, auth=auth
        )
        report = sync_statuses(store, load_destinations(destinations))
        assert report.changed == [(records[0]["number"], "new", "resolved")]
        with store.engine.connect() as conn:
            assert conn.execute(sa.select(action_external_records.c.status)).scalar() == "resolved"
        assert "resolved" in (backlog_entry(store, "theme:T0001") or {})["note"]


def test_malformed_answer_and_terminal_errors(store, servicenow, tmp_path):
    """A 201 whose body is not JSON is retried and the record adopted; a 401 dead-letters; replay works."""
    from insightdesk.actions import replay
    from tests.actions.desk import add_critical_painpoint

    add_accounts(store, [("ana", "analyst", None), ("max", "admin", None)])
    save_rule(store, RULE, "ana")
    dry_run(store, "critical-to-problem", actor="ana")
    request_activation(store, "critical-to-problem", 1, "ana")
    approve_activation(store, "critical-to-problem", 1, "max")
    add_critical_painpoint(store, at=_later())
    run_rules(store, now=_later(seconds=2))
    policy = DeliveryPolicy(lease_seconds=4, timeout_seconds=2)
    wrong = tmp_path / "wrong"
    wrong.mkdir()
    bad = load_destinations(_destinations(wrong, servicenow))
    bad_secret = wrong / "sn.secret"
    bad_secret.write_text("wrong-password")
    report = deliver_due(store, bad, policy=policy, now=lambda: _later(5))
    assert report.dead == 1 and "credential" in report.errors[0]  # 401: terminal, at once
    assert replay(store, None, actor="max")
    http_post(f"{servicenow}/_control/plan", json=["malformed"])
    good = load_destinations(_destinations(tmp_path, servicenow))
    first = deliver_due(store, good, policy=policy, now=lambda: _later(6))
    assert first.retrying == 1 and len(_records(servicenow)) == 1
    second = deliver_due(store, good, policy=policy, now=lambda: _later(3600))
    assert second.delivered == 1 and second.adopted == 1 and len(_records(servicenow)) == 1
