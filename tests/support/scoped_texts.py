"""Analysed texts on the bundled sample that name the record they come from, to check row scope.

Every ticket description, survey comment and message of the sample gets a redacted text
`scopemark <entity> <record id> scopeend` in `text_analyses`, in one of three themes whose stored
quotes come from three different teams. A test then reads every answer as each role and maps each
marker it finds back to its record: a marker of a record outside the role's scope is a leak.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import sqlalchemy as sa

MARKER = re.compile(r"scopemark (tickets|feedback|interactions) (\S+) scopeend")
T0 = dt.datetime(2026, 1, 5, 9, 0)

# (entity, field, theme, select of record id, its ticket, when written)
_SOURCES = (
    ("tickets", "description", "T0001", "select id, id as ticket_id, created_at as at from tickets"),
    ("feedback", "comment", "T0002", "select id, ticket_id, answered_at as at from feedback"),
    ("interactions", "body", "T0003", "select id, ticket_id, occurred_at as at from interactions"),
)


def marker(entity: str, record_id: str) -> str:
    return f"scopemark {entity} {record_id} scopeend"


def seed_scoped_texts(db: Path) -> None:
    """Write the marked texts and the three themes into the DuckDB file `db` (before a server holds it)."""
    from insightdesk.store import open_store

    with open_store(db) as store, store.begin() as conn:
        for entity, field, theme, source in _SOURCES:
            conn.execute(
                sa.text(
                    "insert into text_analyses (entity, record_id, field, text_sha256, language, redacted_text, "
                    "sentiment_label, theme_id, theme_similarity, ticket_id, occurred_at, model_name, "
                    "model_version, analysed_at) "
                    f"select '{entity}', s.id, '{field}', 'x', 'en', "
                    f"'scopemark {entity} ' || s.id || ' scopeend', 'negative', '{theme}', "
                    f"(hash(s.id) % 1000) / 1000.0, s.ticket_id, s.at, 'test', '1', :t from ({source}) s"
                ),
                {"t": T0},
            )
            # Stored quotes: the first record of three different teams (discovery is desk-wide).
            quoted = conn.execute(
                sa.text(
                    "select id from (select s.id, row_number() over (partition by t.team_id order by s.id) r, "
                    f"t.team_id from ({source}) s join tickets t on t.id = s.ticket_id "
                    "where t.team_id is not null) x where r = 1 order by team_id limit 3"
                )
            ).scalars()
            conn.execute(
                sa.text(
                    "insert into themes (theme_id, label, auto_label, label_source, keywords, quotes, status, "
                    "size, created_at, updated_at) values (:id, :label, :label, 'auto', :kw, :q, 'active', "
                    "100, :t, :t)"
                ),
                {
                    "id": theme,
                    "label": f"{entity} theme",
                    "kw": json.dumps([entity]),
                    "q": json.dumps([marker(entity, rid) for rid in quoted]),
                    "t": T0,
                },
            )
