from __future__ import annotations

import sqlalchemy as sa

from insightdesk.store import open_store
from insightdesk.store.migrate import current_revision, downgrade, head_revision
from insightdesk.store.tables import ENTITY_TABLES, load_all_tables


def test_new_store_has_every_canonical_table(store):
    names = set(sa.inspect(store.engine).get_table_names())
    assert set(load_all_tables().tables) <= names
    for table in ENTITY_TABLES:
        assert store.count(table) == 0


def test_schema_matches_model_columns(store):
    inspector = sa.inspect(store.engine)
    for name, table in load_all_tables().tables.items():
        stored = {c["name"] for c in inspector.get_columns(name)}
        assert stored == {c.name for c in table.columns}, name


def test_migrations_go_down_and_up_again(store):
    assert current_revision(store) == head_revision()
    downgrade(store, "base")
    assert "tickets" not in sa.inspect(store.engine).get_table_names()
    store.migrate()
    assert current_revision(store) == head_revision()


def test_reopening_is_idempotent(store_url):
    with open_store(store_url) as first:
        first_rev = current_revision(first)
    with open_store(store_url) as second:
        assert current_revision(second) == first_rev


def test_duckdb_store_is_created_from_env(tmp_path, monkeypatch):
    target = tmp_path / "env.duckdb"  # in an existing folder: a missing one is refused, not created
    monkeypatch.setenv("INSIGHTDESK_DB", str(target))
    with open_store() as store:
        assert store.dialect == "duckdb"
    assert target.exists()
