"""A purge killed (SIGKILL) in the middle of one person leaves that person as they were and every
person before them anonymised: each person is one transaction, on both engines."""

from __future__ import annotations

import subprocess
import sys

import sqlalchemy as sa

from insightdesk.governance.privacy.traces import find_traces
from insightdesk.store import open_store
from tests.governance.privacy import erasure_data as desk

# Kills itself while anonymising the second expired person (after their records changed, before
# the transaction could commit).
KILLER = """
import os, signal, sys
from insightdesk.governance.clock import utcnow
from insightdesk.governance.privacy import erasure, retention
from insightdesk.store import open_store

real = erasure.drop_quotes
calls = []

def drop_quotes_then_die(conn, needles):
    calls.append(1)
    if len(calls) == 2:
        os.kill(os.getpid(), signal.SIGKILL)
    return real(conn, needles)

erasure.drop_quotes = drop_quotes_then_die
store = open_store(sys.argv[1])
with store.begin() as conn:
    retention.set_policy(conn, "identity", "*", 1, "test")
retention.purge(store.engine, "test")
"""


def test_a_killed_purge_leaves_each_person_old_or_new(desk_url):
    with open_store(desk_url) as store, store.begin() as conn:
        kim_before = find_traces(conn, ["kim@example.org", "Kim Keeper"])
    done = subprocess.run([sys.executable, "-c", KILLER, desk_url], capture_output=True, timeout=120)
    assert done.returncode == -9, done.stderr.decode()[-2000:]
    with open_store(desk_url) as store, store.begin() as conn:
        # The first person (CUSTZQ77 sorts first) was committed: anonymised.
        assert find_traces(conn, [desk.EMAIL, desk.NAME]) == {}
        # The second was killed midway: exactly as before.
        assert find_traces(conn, ["kim@example.org", "Kim Keeper"]) == kim_before
        anonymous = conn.execute(sa.text("select count(*) from customers where id like 'erased:%'")).scalar()
        runs = conn.execute(sa.text("select count(*) from retention_runs")).scalar()
    assert (anonymous, runs) == (1, 0)
