"""The filter bar's choices: values of each filter, most frequent first, and the tickets' date span."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

FILTER_VALUE_LIMIT = 60

# filter bar name -> (value, count) per value; tier is the customer's, team the assignment group's name
_VALUE_COUNTS = {
    "channel": "select channel v, count(*) n from tickets where channel is not null group by 1",
    "team": "select m.name v, count(*) n from tickets t join teams m on m.id = t.team_id "
    "where m.name is not null group by 1",
    "product": "select product v, count(*) n from tickets where product is not null group by 1",
    "tier": "select tier v, count(*) n from customers where tier is not null group by 1",
    "region": "select region v, count(*) n from tickets where region is not null group by 1",
    "language": "select language v, count(*) n from tickets where language is not null group by 1",
}


def filter_values(engine: sa.Engine, limit: int = FILTER_VALUE_LIMIT) -> dict[str, list[str]]:
    """Up to `limit` values per filter (channel, team, product, tier, region, language), most frequent first."""
    out = {}
    with engine.connect() as conn:
        for name, counts in _VALUE_COUNTS.items():
            found = conn.execute(
                sa.text(f"select v from ({counts}) x order by n desc, v limit {int(limit)}")
            ).all()
            out[name] = [str(r[0]) for r in found]
    return out


def ticket_span(engine: sa.Engine) -> tuple[dt.datetime | None, dt.datetime | None]:
    """When the first and the last ticket were created (None, None on an empty store)."""
    with engine.connect() as conn:
        row = conn.execute(sa.text("select min(created_at), max(created_at) from tickets")).first()
    return (row[0], row[1]) if row else (None, None)
