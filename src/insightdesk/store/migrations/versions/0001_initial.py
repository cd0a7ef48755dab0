"""Initial canonical model: entities, ingest batches, quarantine, record history.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

from alembic import op

from insightdesk.store.migrations.frozen import r0001_bookkeeping as bookkeeping
from insightdesk.store.migrations.frozen import r0001_knowledge as knowledge
from insightdesk.store.migrations.frozen import r0001_people as people
from insightdesk.store.migrations.frozen import r0001_tickets as tickets

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _row_store() -> bool:
    # Secondary B-tree/ART indexes help PostgreSQL's lookups; on DuckDB they only slow bulk loads
    # (its zone maps already prune scans), so DuckDB gets none.
    return op.get_bind().dialect.name != "duckdb"


def _index(name: str, table: str, columns: list[str], unique: bool = False) -> None:
    if _row_store():
        op.create_index(name, table, columns, unique=unique)


def _drop_index(name: str, table_name: str) -> None:
    if _row_store():
        op.drop_index(name, table_name=table_name)


def upgrade() -> None:
    people.create_agents()
    knowledge.create_articles()
    knowledge.create_changes()
    people.create_customer_contacts()
    people.create_customers()
    tickets.create_feedback()
    _index("ix_feedback_ticket_id", "feedback", ["ticket_id"], unique=False)
    bookkeeping.create_ingest_batches()
    tickets.create_interactions()
    _index("ix_interactions_conversation_id", "interactions", ["conversation_id"], unique=False)
    people.create_organisations()
    knowledge.create_problems()
    bookkeeping.create_quarantine()
    _index("ix_quarantine_batch_id", "quarantine", ["batch_id"], unique=False)
    bookkeeping.create_record_history()
    people.create_teams()
    knowledge.create_ticket_articles()
    tickets.create_ticket_events()
    _index("ix_ticket_events_ticket_id", "ticket_events", ["ticket_id"], unique=False)
    tickets.create_tickets()
    _index("ix_tickets_created_at", "tickets", ["created_at"], unique=False)


def downgrade() -> None:

    _drop_index("ix_tickets_created_at", table_name="tickets")
    op.drop_table("tickets")
    _drop_index("ix_ticket_events_ticket_id", table_name="ticket_events")
    op.drop_table("ticket_events")
    op.drop_table("ticket_articles")
    op.drop_table("teams")
    op.drop_table("record_history")
    _drop_index("ix_quarantine_batch_id", table_name="quarantine")
    op.drop_table("quarantine")
    op.drop_table("problems")
    op.drop_table("organisations")
    _drop_index("ix_interactions_conversation_id", table_name="interactions")
    op.drop_table("interactions")
    op.drop_table("ingest_batches")
    _drop_index("ix_feedback_ticket_id", table_name="feedback")
    op.drop_table("feedback")
    op.drop_table("customers")
    op.drop_table("customer_contacts")
    op.drop_table("changes")
    op.drop_table("articles")
    op.drop_table("agents")
