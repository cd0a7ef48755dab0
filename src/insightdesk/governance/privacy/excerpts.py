"""Anonymised excerpts for training and workshops: redacted quotes with k-anonymous attributes.

Only redacted text leaves (never the raw text), only of people who consent to the purpose
(model training by default), and the attributes that go with each quote (channel, segment,
region...) are k-anonymous over people: every combination of published values is shared by at
least k distinct customers. Groups below k are generalised by dropping attributes from the last
one named towards the first (local recoding, `*` for a dropped value); what is still below k with
every attribute dropped is refused and counted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd
import sqlalchemy as sa

from insightdesk.governance.privacy.consent import consent_select
from insightdesk.governance.privacy.purposes import ConsentPurpose, parse_purpose
from insightdesk.store.tables.people import customers
from insightdesk.store.tables.text import text_analyses
from insightdesk.store.tables.work import tickets

DEFAULT_K = 5
GENERALISED = "*"
ATTRIBUTES: dict[str, sa.ColumnElement[str]] = {
    "channel": tickets.c.channel,
    "category": tickets.c.category,
    "product": tickets.c.product,
    "priority": tickets.c.priority,
    "language": text_analyses.c.language,
    "sentiment": text_analyses.c.sentiment_label,
    "customer_segment": customers.c.segment,
    "customer_tier": customers.c.tier,
    "customer_region": customers.c.region,
    "customer_country": customers.c.country,
}


class ExcerptError(ValueError):
    """Excerpts that cannot be made as asked; the message names the option."""


@dataclass
class Excerpts:
    rows: pd.DataFrame
    """The released excerpts: the attributes (generalised where needed) and `text`."""
    k: int
    candidates: int
    generalised: int = 0
    refused: int = 0
    levels: dict[int, int] = field(default_factory=dict)
    """Rows released per number of attributes dropped."""


def excerpt_export(
    conn: sa.Connection,
    attributes: Sequence[str] = ("channel", "customer_segment", "customer_region"),
    *,
    k: int = DEFAULT_K,
    purpose: ConsentPurpose | str = ConsentPurpose.MODEL_TRAINING,
) -> Excerpts:
    """Redacted quotes of consenting people with k-anonymous attributes."""
    if not 2 <= k <= 1000:
        raise ExcerptError(f"k = {k} is outside 2 to 1000")
    unknown = [a for a in attributes if a not in ATTRIBUTES]
    if unknown:
        raise ExcerptError(f"unknown attribute(s) {', '.join(unknown)}: use {', '.join(ATTRIBUTES)}")
    if len(set(attributes)) != len(attributes):
        raise ExcerptError("an attribute is named twice")
    try:
        checked = parse_purpose(str(purpose))
    except ValueError as exc:
        raise ExcerptError(str(exc)) from None
    consenting = consent_select(checked).subquery("consenting")
    query = (
        sa.select(
            tickets.c.customer_id.label("person"),
            *[ATTRIBUTES[a].label(a) for a in attributes],
            text_analyses.c.redacted_text.label("text"),
        )
        .select_from(text_analyses)
        .join(tickets, tickets.c.id == text_analyses.c.ticket_id)
        .join(customers, customers.c.id == tickets.c.customer_id)
        .join(consenting, consenting.c.customer_id == tickets.c.customer_id)
        .where(text_analyses.c.redacted_text.is_not(None), text_analyses.c.author_role == "customer")
        .order_by(text_analyses.c.entity, text_analyses.c.record_id, text_analyses.c.field)
    )
    frame = pd.DataFrame(conn.execute(query).all(), columns=["person", *attributes, "text"])
    return anonymise(frame, list(attributes), k)


def anonymise(frame: pd.DataFrame, attributes: list[str], k: int) -> Excerpts:
    """Release rows whose attribute combination covers >= k people, dropping attributes from the end."""
    frame = frame.copy()
    for a in attributes:
        frame[a] = frame[a].fillna("unknown").astype(str)
    result = Excerpts(pd.DataFrame(columns=[*attributes, "text"]), k, len(frame))
    released: list[pd.DataFrame] = []
    remaining = frame
    for dropped in range(len(attributes) + 1):
        kept = attributes[: len(attributes) - dropped]
        if remaining.empty:
            break
        if kept:
            people = remaining.groupby(kept)["person"].transform("nunique")
        else:
            people = pd.Series(remaining["person"].nunique(), index=remaining.index)
        ok = remaining[people >= k].copy()
        for a in attributes[len(kept) :]:
            ok[a] = GENERALISED
        if not ok.empty:
            released.append(ok)
            result.levels[dropped] = len(ok)
            if dropped:
                result.generalised += len(ok)
        remaining = remaining[people < k]
    result.refused = len(remaining)
    if released:
        result.rows = pd.concat(released)[[*attributes, "text"]].reset_index(drop=True)
    return result
