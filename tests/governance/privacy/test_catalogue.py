"""The personal-data catalogue covers every table and column of the store's schema."""

from __future__ import annotations

import sqlalchemy as sa

from insightdesk.governance.privacy.catalogue import ENTRIES, columns, customer_tables, problems
from insightdesk.governance.privacy.catalogue_model import DataClass
from insightdesk.store.tables import load_all_tables


def test_every_table_and_column_is_classified():
    found = problems()
    assert found == [], "personal-data catalogue out of date:\n" + "\n".join(found)


def test_a_new_column_or_table_fails_loudly_until_classified():
    metadata = sa.MetaData()
    for table in load_all_tables().tables.values():
        table.to_metadata(metadata)
    sa.Table("pets", metadata, sa.Column("owner_email", sa.String))
    metadata.tables["customers"].append_column(sa.Column("nickname", sa.String))
    metadata.tables["tickets"].append_column(sa.Column("mood", sa.String, info={"pii": "free_text"}))
    found = problems(metadata)
    assert any("table pets is not in the personal-data catalogue" in p for p in found)
    assert any("column customers.nickname is not classified" in p for p in found)
    assert not any("tickets.mood" in p for p in found)  # classified on the column itself
    assert len(found) == 2


def test_known_personal_columns_have_their_classes():
    classes = {(c.table, c.column): c.data_class for c in columns()}
    assert classes["customers", "name"] is DataClass.IDENTITY
    assert classes["customer_contacts", "value"] is DataClass.CONTACT
    assert classes["tickets", "description"] is DataClass.FREE_TEXT
    assert classes["feedback", "score"] is DataClass.SCORE
    assert classes["quarantine", "raw"] is DataClass.FREE_TEXT
    assert classes["record_history", "record"] is DataClass.FREE_TEXT
    assert classes["text_analyses", "redacted_text"] is DataClass.FREE_TEXT
    assert classes["kpi_rollups", "n"] is DataClass.NONE
    linked = customer_tables()
    assert {"customers", "customer_contacts", "tickets", "feedback", "interactions"} <= set(linked)
    assert set(linked) <= set(ENTRIES)


def test_privacy_doc_shows_the_current_catalogue():
    from pathlib import Path

    from insightdesk.governance.privacy.catalogue_docs import END, START, render_catalogue

    text = (Path(__file__).resolve().parents[3] / "docs" / "privacy.md").read_text(encoding="utf-8")
    block = text.split(START, 1)[1].split(END, 1)[0]
    assert block == "\n" + render_catalogue(), (
        "docs/privacy.md is stale: run python scripts/gen_privacy_doc.py"
    )
