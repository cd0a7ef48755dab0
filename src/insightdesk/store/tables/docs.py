"""Render docs/data-model.md from the schema, so the documentation cannot drift from the tables."""

from __future__ import annotations

from insightdesk.model import enums
from insightdesk.store.tables import load_all_tables
from insightdesk.store.tables.canonical import ENTITY_TABLES, describe

INTRO = """# Data model

The canonical model every source is mapped onto. Generated from `src/insightdesk/store/tables/`
by `python scripts/gen_data_model_doc.py`; a test fails when this file and the tables differ.

Conventions:
- Every timestamp is **UTC**, stored without a zone; ingestion converts from the source's zone.
- An entity's `id` is `<source_system>:<source_id>`, so ids from two helpdesks never collide, and every
  reference column (`customer_id`, `ticket_id`, ...) holds such a canonical id.
- Every entity row carries its **lineage**: `source_system`, `source_id`, the `batch_id` of the ingest
  batch that last wrote it, a `record_hash` of its values, and when it was first seen and last changed.
- Records that are referenced before their own export arrives are created as **stubs** (`is_stub = true`)
  and filled in when the real record is ingested.
- Problems and their incidents: `tickets.problem_id`. Changes: `tickets.change_id`, `changes.problem_id`.
  Knowledge articles: `ticket_articles`. Status history: `ticket_events`.

## Vocabularies

| field | values |
|---|---|
"""

VOCABULARIES = {
    "tickets.type": enums.TICKET_TYPES,
    "channel (tickets, interactions, feedback)": enums.CHANNELS,
    "tickets.status": enums.TICKET_STATUSES,
    "priority (tickets, problems)": enums.PRIORITIES,
    "impact, urgency, changes.risk": enums.LEVELS,
    "support_tier (teams, agents)": enums.SUPPORT_TIERS,
    "interactions.author_role": enums.AUTHOR_ROLES,
    "feedback.scale": (
        *tuple(f"{s} ({lo}-{hi})" for s, (lo, hi) in enums.SCALE_RANGES.items()),
        "other (scale_min-scale_max given)",
    ),
    "ticket_events.event_type": enums.TICKET_EVENT_TYPES,
    "problems.status": enums.PROBLEM_STATUSES,
    "changes.status": enums.CHANGE_STATUSES,
    "ticket_articles.link_type": enums.ARTICLE_LINK_TYPES,
    "customer_contacts.kind": enums.CONTACT_KINDS,
}


def render() -> str:
    """The full markdown text of docs/data-model.md."""
    metadata = load_all_tables()
    parts = [INTRO]
    parts += [f"| {name} | {', '.join(values)} |\n" for name, values in VOCABULARIES.items()]
    ordered = [*ENTITY_TABLES, *(t for t in metadata.tables if t not in ENTITY_TABLES)]
    for name in ordered:
        table = metadata.tables[name]
        kind = "entity" if name in ENTITY_TABLES else "bookkeeping"
        parts.append(f"\n## {name}\n\n{table.comment or ''} ({kind})\n\n")
        parts.append("| column | type | null | meaning |\n|---|---|---|---|\n")
        for col in describe(name):
            meaning = col.doc.replace("|", "\\|")
            parts.append(f"| `{col.name}` | {col.type} | {'yes' if col.nullable else 'no'} | {meaning} |\n")
    return "".join(parts)
