"""The filter bar's choices: every value of each filter, most frequent first, and the tickets' date span."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

FILTER_VALUE_LIMIT: int | None = None
"""No limit by default: a filter lists every value present in the data."""

# filter bar name -> (value, count) per value, over every table whose KPIs that filter cuts: the
# survey KPIs use an answer's own channel and language, the conversation KPIs a conversation's
# channel, so their values are offered too (a ticket-only list lacked "email", the surveys' channel).
# Tier is the customer's; team is the assignment group's name, else its id, as the metrics name it.
_VALUE_COUNTS = {
    "channel": "select v, sum(n) n from ("
    "select channel v, count(*) n from tickets where channel is not null group by 1 union all "
    "select channel v, count(*) n from feedback where channel is not null group by 1 union all "
    "select channel v, count(*) n from interactions where channel is not null group by 1) u group by 1",
    "team": "select coalesce(m.name, t.team_id) v, count(*) n from tickets t left join teams m "
    "on m.id = t.team_id where t.team_id is not null group by 1",
    "product": "select product v, count(*) n from tickets where product is not null group by 1",
    "tier": "select tier v, count(*) n from customers where tier is not null group by 1",
    "region": "select region v, count(*) n from tickets where region is not null group by 1",
    "language": "select v, sum(n) n from ("
    "select language v, count(*) n from tickets where language is not null group by 1 union all "
    "select language v, count(*) n from feedback where language is not null group by 1) u group by 1",
}


def filter_values(engine: sa.Engine, limit: int | None = FILTER_VALUE_LIMIT) -> dict[str, list[str]]:
    """Every value (or the `limit` most frequent) of each filter (channel, team, product, tier,
    region, language) present in the tables its KPIs read, most frequent first."""
    out = {}
    tail = "" if limit is None else f" limit {int(limit)}"
    with engine.connect() as conn:
        for name, counts in _VALUE_COUNTS.items():
            found = conn.execute(sa.text(f"select v from ({counts}) x order by n desc, v{tail}")).all()
            out[name] = [str(r[0]) for r in found]
    return out


def ticket_span(engine: sa.Engine) -> tuple[dt.datetime | None, dt.datetime | None]:
    """When the first and the last ticket were created (None, None on an empty store)."""
    with engine.connect() as conn:
        row = conn.execute(sa.text("select min(created_at), max(created_at) from tickets")).first()
    return (row[0], row[1]) if row else (None, None)
