"""Every table of the store, one module per area, all on one SQLAlchemy metadata.

This package is the only home of table definitions: features import their tables from here and
never the other way round, so registering tables cannot create import cycles. The import order
below is the registration order, which is the order docs/data-model.md lists the tables in.
"""

from __future__ import annotations

import sqlalchemy as sa

# Registration order is the documented table order, so these imports must not be sorted.
from insightdesk.store.tables import people

from insightdesk.store.tables import work  # isort: skip
from insightdesk.store.tables import bookkeeping  # isort: skip
from insightdesk.store.tables import text  # isort: skip
from insightdesk.store.tables import governance  # isort: skip
from insightdesk.store.tables import insights  # isort: skip
from insightdesk.store.tables import rollups  # isort: skip
from insightdesk.store.tables import privacy  # isort: skip
from insightdesk.store.tables import surveys  # isort: skip
from insightdesk.store.tables import actions  # isort: skip
from insightdesk.store.tables import connectors  # isort: skip
from insightdesk.store.tables import identity  # isort: skip
from insightdesk.store.tables import workforce  # isort: skip
from insightdesk.store.tables import quality  # isort: skip
from insightdesk.store.tables.base import documented_column, metadata  # isort: skip
from insightdesk.store.tables.canonical import ENTITY_TABLES  # isort: skip

# One module per area, in registration order (people, work and bookkeeping are the canonical model).
AREAS = (
    people,
    work,
    bookkeeping,
    text,
    governance,
    insights,
    rollups,
    privacy,
    surveys,
    actions,
    connectors,
    identity,
    workforce,
    quality,
)


def load_all_tables() -> sa.MetaData:
    """The metadata with every area's tables registered (they are, once this package is imported)."""
    return metadata


__all__ = ["AREAS", "ENTITY_TABLES", "documented_column", "load_all_tables", "metadata"]
