"""An erasure through a running server on DuckDB: the file is rewritten as the server stops.

The app over its own DuckDB file, as `insightdesk serve` runs it, over real HTTP on loopback with
four eyes (two admins); after the stop the raw bytes of every file in the store's folder hold none
of the person's identifiers.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from insightdesk.governance.privacy.compaction import finish_pending_compaction, pending_marker
from insightdesk.governance.tokens import create_token
from insightdesk.governance.users import Actor, create_user
from insightdesk.store import open_store
from tests.governance.privacy import erasure_data as desk
from tests.governance.privacy.test_erasure import _file_hits
from tests.support.http import http_client
from tests.support.thread_server import serving_in_thread
from tests.support.web_server import PASSWORD

pytestmark = pytest.mark.parametrize("engine", ["duckdb"])


def _tokens(db: str) -> list[str]:
    actor = Actor("cli:tests", "admin", "cli")
    tokens = []
    with open_store(db) as store:
        for name in ("dpo1", "dpo2"):
            create_user(store.engine, name, PASSWORD, "admin", actor=actor)
            tokens.append(str(create_token(store.engine, name, actor=actor, name="t", days=1)["token"]))
    return tokens


def test_an_erasure_while_serving_is_compacted_when_the_server_stops(desk_url):
    first, second = _tokens(desk_url)
    with serving_in_thread(desk_url) as base:
        one = http_client(base_url=base, headers={"Authorization": f"Bearer {first}"}, timeout=60)
        two = http_client(base_url=base, headers={"Authorization": f"Bearer {second}"}, timeout=60)
        rid = one.post("/api/v1/privacy/requests", json={"kind": "erasure", "email": desk.EMAIL}).json()[
            "request_id"
        ]
        assert one.post(f"/api/v1/privacy/requests/{rid}/verify").status_code == 200
        assert two.post(f"/api/v1/privacy/requests/{rid}/approve").status_code == 200
        done = one.post(f"/api/v1/privacy/requests/{rid}/run").json()
        assert done["request"]["state"] == "done" and done["compaction_pending"] is True
        assert pending_marker(desk_url).exists()
    assert not pending_marker(desk_url).exists()
    assert _file_hits(Path(desk_url).parent) == {}


def test_a_pending_rewrite_survives_a_kill_and_runs_at_the_next_start(desk_url, desk_store):
    from insightdesk.governance.privacy.compaction import mark_compaction_pending
    from insightdesk.governance.privacy.erasure import erase_subject

    with desk_store.begin() as conn:
        erase_subject(conn, email=desk.EMAIL)
    assert mark_compaction_pending(desk_store.engine) == pending_marker(desk_url)
    desk_store.duckdb.execute("CHECKPOINT")
    desk_store.close()
    assert desk.NAME in _file_hits(Path(desk_url).parent).get(Path(desk_url).name, [])
    # What `create_app` runs before it opens the store.
    assert finish_pending_compaction(desk_url) is True
    assert _file_hits(Path(desk_url).parent) == {} and not pending_marker(desk_url).exists()
    assert finish_pending_compaction(desk_url) is False  # nothing pending: nothing done
