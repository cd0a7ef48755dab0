"""Tampering with the audit log is caught by a plain `audit verify`, without an anchor, on both engines.

The attacker here can write to the database but not read the audit key kept outside it: they delete
the tail, empty the table, edit an entry, or rewrite the whole chain consistently with plain SHA-256.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from insightdesk.cli import app
from insightdesk.config import reset_settings
from insightdesk.governance import audit
from insightdesk.governance.clock import utcnow
from insightdesk.store import Store, open_store
from insightdesk.store.tables.governance import audit_log

EVERY = 4  # a checkpoint every 4 entries (and at the first keyed entry, and at verify)


@pytest.fixture(autouse=True)
def audit_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """PostgreSQL stores keep their key and checkpoints in this test's folder."""
    folder = tmp_path / "audit-dir"
    monkeypatch.setenv("INSIGHTDESK_AUDIT_DIR", str(folder))
    monkeypatch.setenv("INSIGHTDESK_AUDIT_CHECKPOINT_EVERY", str(EVERY))
    reset_settings()
    return folder


def _append(engine: sa.Engine, n: int) -> None:
    for i in range(n):
        audit.append(
            engine, actor="ana", role="analyst", action="read.raw_text", record_ids=[f"F{i}"], ip="::1"
        )


def _snapshot(engine: sa.Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(sa.select(audit_log).order_by(audit_log.c.seq)).mappings()]


def _restore(engine: sa.Engine, rows: list[dict[str, Any]]) -> None:
    with engine.begin() as conn:
        conn.execute(audit_log.delete())
        conn.execute(audit_log.insert(), rows)


def _plain_hash(prev: str, row: dict[str, Any]) -> str:
    """The first scheme, as written before the key existed (plain SHA-256 over the fields)."""
    fields = [prev, int(row["seq"]), row["occurred_at"].isoformat(timespec="microseconds")]
    fields += [row[k] for k in ("actor", "role", "action", "target", "record_ids", "detail", "ip")]
    return hashlib.sha256(json.dumps(fields, separators=(",", ":"), ensure_ascii=False).encode()).hexdigest()


def _rewrite(engine: sa.Engine, rows: list[dict[str, Any]], mark_plain: bool) -> None:
    """What an attacker without the key can do: change an entry and recompute the whole chain."""
    prev, forged = "0" * 64, []
    for row in rows:
        row = {**row, "actor": "someone-else" if row["seq"] == 2 else row["actor"], "prev_hash": prev}
        if mark_plain:
            row.update(hash_scheme=None, key_id=None)
        row["entry_hash"] = prev = _plain_hash(prev, row)
        forged.append(row)
    _restore(engine, forged)


def _tamperings(store: Store, files: Any) -> dict[str, Callable[[sa.Engine, list[dict[str, Any]]], None]]:
    def delete_tail(e: sa.Engine, rows: list[dict[str, Any]]) -> None:
        with e.begin() as conn:
            conn.execute(audit_log.delete().where(audit_log.c.seq > 6))

    def truncate(e: sa.Engine, rows: list[dict[str, Any]]) -> None:
        with e.begin() as conn:
            conn.execute(audit_log.delete())

    def edit_one(e: sa.Engine, rows: list[dict[str, Any]]) -> None:
        with e.begin() as conn:
            conn.execute(audit_log.update().where(audit_log.c.seq == 5).values(record_ids='["OTHER"]'))

    def replace_key(e: sa.Engine, rows: list[dict[str, Any]]) -> None:
        files.key.write_text(os.urandom(32).hex() + "\n")

    return {
        "tail deleted": delete_tail,
        "table emptied": truncate,
        "one entry edited": edit_one,
        "chain rewritten (scheme kept)": lambda e, rows: _rewrite(e, rows, mark_plain=False),
        "chain rewritten as plain SHA-256": lambda e, rows: _rewrite(e, rows, mark_plain=True),
        "key replaced": replace_key,
    }


EXPECTED = {
    "tail deleted": (7, "deleted from its end"),
    "table emptied": (1, "deleted from its end"),
    "one entry edited": (5, "keyed hash"),
    "chain rewritten (scheme kept)": (1, "keyed hash"),
    "chain rewritten as plain SHA-256": (1, "rewritten"),
    "key replaced": (1, "key was replaced"),
}


def test_tampering_is_detected_without_an_anchor(store: Store) -> None:
    e = store.engine
    _append(e, 10)
    untouched = audit.verify(e)
    assert untouched.ok and untouched.entries == 10, untouched
    from insightdesk.governance.audit_keys import locate

    files = locate(e)
    assert files.key is not None and files.key.stat().st_mode & 0o777 == 0o600
    assert untouched.warnings == [] and not untouched.unprotected
    assert untouched.checkpoint_seq == 8  # written at entries 1, 4 and 8
    assert audit.checkpoint(e, untouched) is not None  # what `audit verify` does: now entry 10 too
    assert audit.verify(e).checkpoint_seq == 10
    rows, key = _snapshot(e), files.key.read_bytes()
    for name, tamper in _tamperings(store, files).items():
        tamper(e, [dict(r) for r in rows])
        result = audit.verify(e)
        seq, words = EXPECTED[name]
        assert not result.ok, name
        assert (result.first_bad_seq, words in (result.reason or "")) == (seq, True), (name, result)
        _restore(e, rows)
        files.key.write_bytes(key)
        assert audit.verify(e).ok, name


def test_old_unkeyed_log_verifies_with_a_warning_and_gets_a_key(store: Store) -> None:
    e = store.engine
    prev, rows = "0" * 64, []
    for seq in (1, 2, 3):  # entries as written before migration 0007: plain SHA-256, no scheme
        row: dict[str, Any] = {"seq": seq, "occurred_at": utcnow(), "actor": "cli:old", "role": "admin"}
        row.update(action="user.create", target="users", record_ids=f'["u{seq}"]', detail=None, ip="cli")
        row.update(prev_hash=prev, hash_scheme=None, key_id=None)
        row["entry_hash"] = prev = _plain_hash(prev, row)
        rows.append(row)
    _restore(e, rows)
    old = audit.verify(e)
    assert old.ok and old.unprotected
    assert any("no audit key" in w for w in old.warnings) and any(
        "no signed checkpoint" in w for w in old.warnings
    )
    assert any("entries 1-3 were written before the audit key" in w for w in old.warnings)
    _append(e, 1)  # the first keyed entry: makes the key and the first checkpoint
    mixed = audit.verify(e)
    assert mixed.ok and not mixed.unprotected and mixed.checkpoint_seq == 4, mixed
    assert mixed.warnings == [
        "entries 1-3 were written before the audit key (plain SHA-256): the signed checkpoints protect them"
    ]
    with e.begin() as conn:  # an old entry edited and re-hashed: the keyed entry after it breaks
        conn.execute(audit_log.update().where(audit_log.c.seq == 3).values(actor="cli:other"))
        changed = {**rows[2], "actor": "cli:other"}
        conn.execute(
            audit_log.update()
            .where(audit_log.c.seq == 3)
            .values(entry_hash=_plain_hash(rows[1]["entry_hash"], changed))
        )
    broken = audit.verify(e)
    assert not broken.ok and broken.first_bad_seq == 4 and "prev_hash" in (broken.reason or "")


@pytest.fixture
def empty_store(engine: str, store_url: str, request: pytest.FixtureRequest) -> str:
    """A migrated store nobody holds open (the CLI opens it), copied from the template like `store`."""
    if engine == "duckdb":
        shutil.copyfile(request.getfixturevalue("duckdb_template"), store_url)
    return store_url


@pytest.fixture
def cli_store(empty_store: str) -> str:
    with open_store(empty_store) as opened:
        _append(opened.engine, 3)
    return empty_store


def _text(result: Any) -> str:
    """The command's output on one line (Rich wraps long lines at the terminal width)."""
    return " ".join(result.output.split())


def test_cli_verify_reports_checkpoints_warns_and_fails_on_tampering(cli_store: str) -> None:
    runner = CliRunner()
    good = runner.invoke(app, ["audit", "verify", "--strict", "--db", cli_store])
    assert good.exit_code == 0, good.output
    assert "audit log verified: 3 entries" in _text(good) and "checkpoint confirmed: entry 1" in _text(good)
    assert "signed checkpoint of entry 3 written" in _text(good)
    with open_store(cli_store) as opened, opened.engine.begin() as conn:
        conn.execute(audit_log.delete().where(audit_log.c.seq == 3))
    cut = runner.invoke(app, ["audit", "verify", "--db", cli_store])
    assert cut.exit_code == 1 and "BROKEN" in _text(cut) and "deleted from its end" in _text(cut), cut.output
    assert "checkpoint confirmed: entry 1" in _text(cut)


def test_cli_verify_warns_without_key_or_checkpoint_and_strict_fails(empty_store: str) -> None:
    store_url = empty_store
    with open_store(store_url) as opened:
        from insightdesk.governance.audit_keys import locate

        files = locate(opened.engine)
        assert files.key is not None and not files.key.exists()  # nothing written yet: no key
    runner = CliRunner()
    strict = runner.invoke(app, ["audit", "verify", "--strict", "--db", store_url])
    assert strict.exit_code == 1 and "warning: no audit key" in _text(strict), strict.output
    assert "--strict" in _text(strict) and files.key.exists()  # the verify made the key...
    again = runner.invoke(app, ["audit", "verify", "--strict", "--db", store_url])
    assert again.exit_code == 0 and "warning" not in _text(again), again.output  # ...and a checkpoint


def test_server_shutdown_signs_the_head(tmp_path: Path, duckdb_template: Path) -> None:
    from fastapi.testclient import TestClient

    from insightdesk.api.app import create_app
    from insightdesk.api.state import ServerSettings

    db = str(tmp_path / "served.duckdb")
    shutil.copyfile(duckdb_template, db)
    with open_store(db) as opened:
        _append(opened.engine, 2)  # checkpointed at entry 1 only
        assert audit.verify(opened.engine).checkpoint_seq == 1
    with TestClient(create_app(db, ServerSettings(warm_up=False))) as client:
        assert client.get("/api/v1/health").status_code == 200
    with open_store(db) as opened:
        assert audit.verify(opened.engine).checkpoint_seq == 2
