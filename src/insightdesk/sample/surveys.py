"""Survey invitations and answers of a synthetic desk chunk (CSAT, CES, NPS), driven by experience."""

from __future__ import annotations

from typing import TYPE_CHECKING

from insightdesk.sample import catalog as cat
from insightdesk.sample.entities import pick

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa

    from insightdesk.sample.history import TicketState
    from insightdesk.sample.tickets import Context

# Question j of a ticket's survey (cycling when more rows per ticket are asked for).
_QUESTIONS = (
    ("csat", "csat", 1, 5),
    ("ces", "ces", 1, 7),
    ("nps", "nps", 0, 10),
    ("csat_agent", "csat", 1, 5),
)


def _rows_per_ticket(
    rng: np.random.Generator, eligible: np.ndarray, n_rows: int
) -> tuple[np.ndarray, np.ndarray]:
    """Spread exactly `n_rows` rows over the eligible tickets: (ticket index, question index) per row."""
    import numpy as np

    pool = eligible if len(eligible) else np.arange(1)
    base, extra = divmod(n_rows, len(pool))
    counts = np.full(len(pool), base)
    counts[rng.choice(len(pool), extra, replace=False)] += 1
    rows = np.repeat(pool, counts)
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    return rows, np.arange(len(rows)) - starts


def surveys(
    rng: np.random.Generator,
    ctx: Context,
    s: TicketState,
    z: np.ndarray,
    n_rows: int,
    customers: pa.Array,
    agents: pa.Array,
) -> pa.Table:
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    n = len(s.created)
    eligible = np.flatnonzero(s.resolved & ctx.consent_survey[s.customer])
    if len(eligible) == 0:
        eligible = np.flatnonzero(s.resolved) if s.resolved.any() else np.arange(n)
    t, q = _rows_per_ticket(rng, eligible, n_rows)
    # One answer decision per ticket (a survey is answered as a whole), tier raises the odds.
    rate = np.where(s.channel == cat.CHANNELS.index("social"), 0.2, 0.35) + 0.1 * (
        ctx.dims.customer_tier[s.customer] < 2
    )
    answered_ticket = rng.random(n) < rate
    sent = np.where(s.resolved, s.last_res, s.created) + rng.integers(600, 3 * 3600, n)
    answered_at = sent + rng.lognormal(np.log(6 * 3600), 1.1, n).astype(np.int64)
    answered = answered_ticket[t]
    qi = q % len(_QUESTIONS)
    zt = z[t]
    satisfied = rng.random(len(t)) < 1 / (1 + np.exp(-zt))
    csat = np.where(
        satisfied, 4 + (rng.random(len(t)) < 0.55), rng.choice([1, 2, 3], len(t), p=[0.3, 0.3, 0.4])
    )
    ces = np.clip(np.rint(4.2 + 0.8 * zt + rng.normal(0, 1.0, len(t))), 1, 7)
    nps = np.clip(np.rint(6.2 + 1.3 * zt + rng.normal(0, 1.8, len(t))), 0, 10)
    score = np.select([qi == 1, qi == 2], [ces, nps], csat).astype(float)
    negative = np.where(qi == 2, score <= 6, np.where(qi == 1, score <= 3, score <= 3))
    # Comments on the CSAT and NPS questions only; unhappy customers write more often.
    commented = answered & np.isin(qi, [0, 2]) & (rng.random(len(t)) < np.where(negative, 0.5, 0.2))
    neg, neg_off, neg_n = _bank("negative")
    pos, pos_off, pos_n = _bank("positive")
    theme = s.theme[t]
    u = rng.random(len(t))
    phrase = np.where(
        negative,
        neg_off[theme] + (u * neg_n[theme]).astype(int),
        len(neg) + pos_off[theme] + (u * pos_n[theme]).astype(int),
    )
    generic = np.where(rng.random(len(t)) < 0.5, -1, rng.integers(3, size=len(t)) + np.where(negative, 0, 3))
    comment = pc.binary_join_element_wise(
        pick(neg + pos, phrase),
        pc.fill_null(pick(cat.GENERIC_NEGATIVE + cat.GENERIC_POSITIVE, generic), ""),
        pa.scalar(" "),
    )
    comment = pc.if_else(
        pa.array(commented), pc.utf8_rtrim_whitespace(comment), pa.nulls(len(t), pa.string())
    )
    tids = s.ids.take(pa.array(t))
    ch = np.select(
        [s.channel[t] == cat.CHANNELS.index("social"), s.channel[t] == cat.CHANNELS.index("chat")], [1, 2], 0
    )
    return pa.table(
        {
            "id": pc.binary_join_element_wise(tids, pa.array(q).cast(pa.string()), "-F"),
            "survey_id": pick(("post-resolution",), np.zeros(len(t), dtype=int)),
            "question_id": pick(tuple(x[0] for x in _QUESTIONS), qi),
            "scale": pick(tuple(x[1] for x in _QUESTIONS), qi),
            "score": pa.array(score, mask=~answered),
            "scale_min": np.array([x[2] for x in _QUESTIONS])[qi],
            "scale_max": np.array([x[3] for x in _QUESTIONS])[qi],
            "comment": comment,
            "language": pick(("en",), np.zeros(len(t), dtype=int)),
            "ticket_id": tids,
            "customer_id": customers.take(pa.array(s.customer[t])),
            "agent_id": agents.take(pa.array(s.agent[t])),
            "channel": pick(("email", "social", "chat"), ch),
            "sent_at": pa.array(sent[t]).cast(pa.timestamp("s")),
            "answered_at": pa.array(answered_at[t], mask=~answered).cast(pa.timestamp("s")),
        }
    )


def _bank(kind: str) -> tuple[tuple[str, ...], np.ndarray, np.ndarray]:
    import numpy as np

    phrases = tuple(p for t in cat.THEMES for p in getattr(t, kind))
    sizes = np.array([len(getattr(t, kind)) for t in cat.THEMES])
    return phrases, np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(int), sizes
