"""The canonical data model: the entity tables every source is mapped onto, and ingest bookkeeping.

The tables live in people.py, work.py and bookkeeping.py; this module gathers them under one
name with the helpers that describe them. Migrations freeze these tables, ingestion maps onto
them, and `docs/data-model.md` is generated from them (a test fails when the two drift).

Conventions:
- every timestamp is UTC, stored without a zone (ingestion converts);
- an entity's `id` is `<source_system>:<source_id>`, so ids from two helpdesks never collide;
- every entity row carries lineage: source system, id there, and the ingest batch that wrote it.
"""

from __future__ import annotations

from insightdesk.store.tables.base import (
    ColumnDoc,
    business_columns,
    describe,
    documented_column,
    lineage_columns,
    metadata,
)
from insightdesk.store.tables.bookkeeping import ingest_batches, quarantine, record_history
from insightdesk.store.tables.people import agents, customer_contacts, customers, organisations, teams
from insightdesk.store.tables.work import (
    articles,
    changes,
    feedback,
    interactions,
    problems,
    ticket_articles,
    ticket_events,
    tickets,
)

# Every row of these tables came from a source file; the other tables are bookkeeping.
ENTITY_TABLES: tuple[str, ...] = (
    "organisations",
    "customers",
    "customer_contacts",
    "teams",
    "agents",
    "tickets",
    "ticket_events",
    "interactions",
    "feedback",
    "problems",
    "changes",
    "articles",
    "ticket_articles",
)

__all__ = [
    "ENTITY_TABLES",
    "ColumnDoc",
    "agents",
    "articles",
    "business_columns",
    "changes",
    "customer_contacts",
    "customers",
    "describe",
    "documented_column",
    "feedback",
    "ingest_batches",
    "interactions",
    "lineage_columns",
    "metadata",
    "organisations",
    "problems",
    "quarantine",
    "record_history",
    "teams",
    "ticket_articles",
    "ticket_events",
    "tickets",
]
