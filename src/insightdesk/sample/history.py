"""What happens to a synthetic ticket after it is opened: its event history and its transcript.

Both are built from the ticket chunk's arrays (`TicketState`) without Python loops over rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from insightdesk.sample import catalog as cat
from insightdesk.sample.entities import pick

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa

DAY = 86400


@dataclass
class TicketState:
    ids: pa.Array
    created: np.ndarray
    frt: np.ndarray
    responded: np.ndarray
    resolved1: np.ndarray
    reopen1: np.ndarray
    resolved2: np.ndarray
    reopen2: np.ndarray
    resolved3: np.ndarray
    reopens: np.ndarray
    last_res: np.ndarray
    resolved: np.ndarray
    closed_at: np.ndarray
    closed: np.ndarray
    intake: np.ndarray
    team: np.ndarray
    reassign: np.ndarray
    agent: np.ndarray
    customer: np.ndarray
    channel: np.ndarray
    theme: np.ndarray
    reply: np.ndarray


def ts_array(seconds: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    import pyarrow as pa

    return pa.array(seconds.astype("int64"), mask=None if valid is None else ~valid).cast(pa.timestamp("s"))


def events(s: TicketState, teams: pa.Array, agents: pa.Array) -> pa.Table:
    """Event history, built as blocks (one per event kind) then ordered per ticket. Each block's
    `order` is its place in the ticket's life, which the construction makes the time order too."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    statuses = ("new", "open", "resolved", "closed")
    blocks: list[tuple[np.ndarray, np.ndarray, int, str, np.ndarray, np.ndarray, np.ndarray]] = []
    none = np.full(len(s.created), -1)

    def block(
        rows: np.ndarray,
        at: np.ndarray,
        order: int,
        kind: str,
        old: np.ndarray,
        new: np.ndarray,
        actor: np.ndarray,
    ) -> None:
        blocks.append((rows, at[rows], order, kind, old[rows], new[rows], actor[rows]))

    every = np.arange(len(s.created))
    block(every, s.created, 0, "created", none, np.full(len(every), 0), none)
    r = np.flatnonzero(s.responded)
    block(r, s.created + s.frt, 1, "first_response", none, none, s.agent)
    block(
        r, s.created + s.frt, 2, "status_change", np.zeros(len(every), int), np.ones(len(every), int), s.agent
    )
    # Reassignments sit between first response and (first) resolution, evenly spaced.
    k_max = min(int(s.reassign.max(initial=0)), 90)
    for k in range(k_max):
        rows = np.flatnonzero(s.responded & (s.reassign > k))
        at = s.created + s.frt + (s.resolved1 - s.created - s.frt) * (k + 1) // (s.reassign + 1)
        old = np.where(k == 0, s.intake, s.team)
        block(rows, at, 3 + k, "reassignment", old + 100, s.team + 100, s.agent)
    for res_at, reo_at, level in ((s.resolved1, s.reopen1, 1), (s.resolved2, s.reopen2, 2)):
        rows = np.flatnonzero(s.reopens >= level)
        block(
            rows,
            res_at,
            98 + 2 * level,
            "resolved",
            np.ones(len(every), int),
            np.full(len(every), 2),
            s.agent,
        )
        block(
            rows, reo_at, 99 + 2 * level, "reopened", np.full(len(every), 2), np.ones(len(every), int), none
        )
    rows = np.flatnonzero(s.resolved)
    block(rows, s.last_res, 110, "resolved", np.ones(len(every), int), np.full(len(every), 2), s.agent)
    rows = np.flatnonzero(s.closed)
    block(rows, s.closed_at, 111, "closed", np.full(len(every), 2), np.full(len(every), 3), none)

    ticket = np.concatenate([b[0] for b in blocks])
    at = np.concatenate([b[1] for b in blocks])
    order = np.concatenate([np.full(len(b[0]), b[2]) for b in blocks])
    kind = np.concatenate([np.full(len(b[0]), i) for i, b in enumerate(blocks)])
    old = np.concatenate([b[4] for b in blocks])
    new = np.concatenate([b[5] for b in blocks])
    actor = np.concatenate([b[6] for b in blocks])
    idx = np.argsort(ticket.astype(np.int64) * 128 + order)  # keys are unique: no tie to break
    ticket, at, kind, old, new, actor = ticket[idx], at[idx], kind[idx], old[idx], new[idx], actor[idx]
    starts = np.flatnonzero(np.r_[True, ticket[1:] != ticket[:-1]])
    seq = np.arange(len(ticket)) - np.repeat(starts, np.diff(np.r_[starts, len(ticket)]))
    # Values below 100 are statuses, 100+ are team indices (reassignments name groups).
    labels = (*statuses, *[""] * 96, *(t.as_py() for t in teams))
    tids = s.ids.take(pa.array(ticket))
    return pa.table(
        {
            "id": pc.binary_join_element_wise(tids, pa.array(seq).cast(pa.string()), "-E"),
            "ticket_id": tids,
            "seq": seq,
            "event_type": pick(tuple(b[3] for b in blocks), kind),
            "from_value": pick(labels, old),
            "to_value": pick(labels, new),
            "occurred_at": ts_array(at),
            "actor": agents.take(pa.array(actor, mask=actor < 0)),
        }
    )


def transcripts(
    rng: np.random.Generator, s: TicketState, description: pa.Array, customers: pa.Array, agents: pa.Array
) -> pa.Table:
    """The customer's first message, the agent's first reply, and sometimes a customer follow-up."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    n = len(s.created)
    replied = np.flatnonzero(s.responded)
    follow = replied[rng.random(len(replied)) < 0.3]
    rows = np.concatenate([np.arange(n), replied, follow])
    seq = np.concatenate([np.zeros(n, int), np.ones(len(replied), int), np.full(len(follow), 2)])
    at = np.concatenate(
        [
            s.created,
            (s.created + s.frt)[replied],
            (s.created + s.frt)[follow] + rng.integers(300, DAY, len(follow)),
        ]
    )
    is_agent = seq == 1
    follow_texts = pick(cat.CUSTOMER_FOLLOW_UPS, rng.integers(len(cat.CUSTOMER_FOLLOW_UPS), size=len(follow)))
    body = pa.chunked_array(
        [description, pick(cat.AGENT_REPLIES, s.reply[replied]), follow_texts]
    ).combine_chunks()
    tids = s.ids.take(pa.array(rows))
    agent = np.where(is_agent, s.agent[rows], -1)
    return pa.table(
        {
            "id": pc.binary_join_element_wise(tids, pa.array(seq).cast(pa.string()), "-M"),
            "conversation_id": tids,
            "ticket_id": tids,
            "customer_id": customers.take(pa.array(s.customer[rows])),
            "agent_id": agents.take(pa.array(agent, mask=agent < 0)),
            "channel": pick(cat.CHANNELS, s.channel[rows]),
            "author_role": pick(("customer", "agent"), is_agent.astype(int)),
            "body": body,
            "occurred_at": ts_array(at),
            "seq": seq,
            "language": pick(("en",), np.zeros(len(rows), dtype=int)),
        }
    )
