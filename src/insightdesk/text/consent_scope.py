"""Whose texts may be analysed and whose records may train a model: the consent ledger, read here.

Text analysis honours the `text_analytics` purpose and training sets the `model_training` purpose of
the consent ledger (`consent_events`, governance.privacy.consent). This module reads the ledger with
the same rule (each person's latest decision in effect now decides; a test checks both agree)
because `text` sits below `governance` and may not import it; `insights` uses it too, so there is
one reading for every feature.

The basis per purpose is the run-time setting `privacy.consent_basis` (docs/privacy.md):
- `consent`: only people whose latest decision is yes are in; unknown means no;
- `objection`: everyone is in except people whose latest decision is no (an explicit "no" is always
  honoured; the desk relies on its legitimate interest for the rest and documents it).
A record linked to no customer (an agent's note, a text of nobody known) belongs to no person whose
decision could apply, and is in.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa

from insightdesk.store.tables.governance import settings as settings_table

if TYPE_CHECKING:
    import pandas as pd

    from insightdesk.store import Store

BASIS_SETTING = "privacy.consent_basis"
BASES = ("consent", "objection")
# Unknown means no (issue 18): text is the person's own words, and a person's records teach the
# desk's own models (risk, intents) only when they said yes. Exports carry `consent_model_training`
# for that; a desk that relies on its legitimate interest sets `objection` and documents it.
DEFAULT_BASIS: dict[str, str] = {"text_analytics": "consent", "model_training": "consent"}


def latest_decisions_sql(purpose: str, at: datetime) -> str:
    """Each person's latest decision about `purpose` in effect at `at` (customer_id, granted)."""
    if purpose not in DEFAULT_BASIS and purpose not in ("survey", "contact"):
        raise ValueError(f"unknown consent purpose {purpose!r}")
    stamp = at.strftime("%Y-%m-%d %H:%M:%S.%f")
    return (
        "SELECT customer_id, granted FROM (SELECT customer_id, granted, row_number() OVER (PARTITION BY "
        "customer_id ORDER BY effective_at DESC, recorded_at DESC, event_id DESC) AS rn FROM consent_events "
        f"WHERE purpose = '{purpose}' AND effective_at <= TIMESTAMP '{stamp}') ranked WHERE rn = 1"
    )


def consent_basis(store: Store, purpose: str) -> str:
    """The basis of `purpose` on this desk: the setting when an admin changed it, else the default
    (surveys and contact always need a yes)."""
    if purpose not in DEFAULT_BASIS:
        return "consent"
    with store.engine.connect() as conn:
        value = conn.execute(
            sa.select(settings_table.c.value).where(settings_table.c.name == BASIS_SETTING)
        ).scalar()
    chosen = {**DEFAULT_BASIS, **(json.loads(value) if value else {})}
    return chosen[purpose]


@dataclass(frozen=True)
class ConsentScope:
    """Who is in for one purpose, as the ledger says now."""

    purpose: str
    basis: str
    granted: frozenset[str] = field(default_factory=frozenset)
    refused: frozenset[str] = field(default_factory=frozenset)

    @property
    def reason(self) -> str:
        """Why a record is left out, as reports say it."""
        if self.basis == "consent":
            return f"no {self.purpose} consent"
        return f"{self.purpose} refused"

    def allows(self, customer_ids: pd.Series) -> pd.Series:
        """True per row whose customer is in (a row of no customer is)."""
        nobody = customer_ids.isna()
        if self.basis == "consent":
            return nobody | customer_ids.isin(self.granted)
        return nobody | ~customer_ids.isin(self.refused)


def consent_scope(store: Store, purpose: str, at: datetime | None = None) -> ConsentScope:
    """Read the ledger once for `purpose` (at `at`, default now)."""
    moment = at or datetime.now(UTC).replace(tzinfo=None)
    rows = store.query_df(latest_decisions_sql(purpose, moment))
    granted = (
        frozenset(rows.loc[rows["granted"].astype(bool), "customer_id"]) if not rows.empty else frozenset()
    )
    refused = (
        frozenset(rows.loc[~rows["granted"].astype(bool), "customer_id"]) if not rows.empty else frozenset()
    )
    return ConsentScope(purpose, consent_basis(store, purpose), granted, refused)


TEXT_CUSTOMERS_SQL = (
    "SELECT 'feedback' AS entity, id AS record_id, customer_id FROM feedback "
    "UNION ALL SELECT 'tickets', id, customer_id FROM tickets "
    "UNION ALL SELECT 'interactions', i.id, coalesce(i.customer_id, t.customer_id) "
    "FROM interactions i LEFT JOIN tickets t ON t.id = i.ticket_id"
)
"""The customer each free text belongs to (an interaction without one: its ticket's)."""


def training_rows(
    store: Store, frame: pd.DataFrame, customer_ids: pd.Series
) -> tuple[pd.DataFrame, int, str]:
    """The rows of a training set whose customers may train a model: (kept rows, left out, reason)."""
    scope = consent_scope(store, "model_training")
    keep = scope.allows(customer_ids).to_numpy()
    return frame[keep].reset_index(drop=True), int((~keep).sum()), scope.reason
