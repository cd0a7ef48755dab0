"""QA scores by segment (team, channel, category, the customer's segment or tier) that stay unbiased however the review sample was
drawn, with intervals that respect the sampling design.

Each evaluation carries its ticket's sampling weight w = 1 / P(drawn) (`sampling`). A segment d is a
domain of the sample, and its score is the Hajek ratio R_d = sum w y 1[d] / sum w 1[d]. Its variance
is the Taylor linearisation for stratified sampling: z_i = w_i 1[d](i) (y_i - R_d) / sum w 1[d], and
V = sum_h n_h / (n_h - 1) sum_{i in h} (z_i - mean_h z)^2 over the strata h of the design (a sample's
stratum: the agent, or the risk level), every reviewed ticket counting, those outside d with z = 0.
That is what makes it a domain estimate: the segment's size is itself estimated. Strata with a single
review are pooled (one review cannot give a variance). The finite-population correction is left out,
so the interval errs wide. Evaluations of tickets picked by hand weigh 1 and form their own stratum;
`hand_picked` counts them, since they are not a probability sample.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import sqlalchemy as sa

from insightdesk.governance import Principal
from insightdesk.quality.access import agent_condition
from insightdesk.quality.records import read_frame
from insightdesk.store.tables.people import customers
from insightdesk.store.tables.quality import qa_evaluations, qa_samples
from insightdesk.store.tables.work import tickets

if TYPE_CHECKING:
    from insightdesk.store import Store

SEGMENTS = {
    "team": "team_id",
    "channel": "channel",
    "category": "category",
    "customer_segment": "customer_segment",
    "customer_tier": "customer_tier",
}
COLUMNS = [
    "segment",
    "weighted",
    "low",
    "high",
    "plain",
    "n",
    "effective_n",
    "hand_picked",
    "tickets_estimated",
]


def _design_se(z: np.ndarray, strata: np.ndarray) -> float:
    """Standard error of a linearised total under stratified sampling (with-replacement approximation)."""
    codes, _ = pd.factorize(strata)
    sizes = np.bincount(codes)
    single = sizes[codes] == 1
    codes = np.where(single, len(sizes), codes)  # strata of one review are pooled into one more
    sizes = np.bincount(codes)
    means = np.bincount(codes, weights=z) / np.maximum(sizes, 1)
    squares = np.bincount(codes, weights=(z - means[codes]) ** 2)
    usable = sizes > 1
    return math.sqrt(float((sizes[usable] / (sizes[usable] - 1) * squares[usable]).sum()))


def domain_scores(frame: pd.DataFrame, segment: str) -> pd.DataFrame:
    """`frame`: score, weight, stratum, `segment`, in_scope (bool) per evaluation, the whole sample ->
    one row per segment value among the in-scope rows (COLUMNS)."""
    frame = frame[frame["score"].notna()].reset_index(drop=True)
    y, w = frame["score"].to_numpy(float), frame["weight"].to_numpy(float)
    strata = frame["stratum"].to_numpy()
    rows = []
    visible = frame[frame["in_scope"]]
    for value in sorted(visible[segment].dropna().unique(), key=str):
        in_d = (frame[segment] == value).to_numpy() & frame["in_scope"].to_numpy()
        wd = w[in_d]
        total_w = float(wd.sum())
        ratio = float((wd * y[in_d]).sum() / total_w)
        z = np.where(in_d, w * (y - ratio), 0.0) / total_w
        se = _design_se(z, strata) if in_d.sum() > 1 else math.nan
        rows.append(
            {
                "segment": value,
                "weighted": ratio,
                "low": ratio - 1.96 * se,
                "high": ratio + 1.96 * se,
                "plain": float(y[in_d].mean()),
                "n": int(in_d.sum()),
                "effective_n": total_w**2 / float((wd**2).sum()),
                "hand_picked": int((frame["stratum"][in_d] == "hand-picked").sum()),
                "tickets_estimated": total_w,
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS)


def evaluation_design(store: Store, principal: Principal) -> pd.DataFrame:
    """Every scored evaluation outside calibration rounds with its ticket's segments, its design stratum
    and whether the principal may see it (all of the sample shapes the variance; only the visible
    ones are reported)."""
    e, t, s, c = qa_evaluations, tickets, qa_samples, customers
    query = (
        sa.select(
            e.c.evaluation_id,
            e.c.score,
            e.c.weight,
            e.c.team_id,
            sa.func.coalesce(t.c.channel, "unknown").label("channel"),
            sa.func.coalesce(t.c.category, "unknown").label("category"),
            sa.func.coalesce(c.c.segment, "unknown").label("customer_segment"),
            sa.func.coalesce(c.c.tier, "unknown").label("customer_tier"),
            e.c.sample_id,
            s.c.stratum,
            agent_condition(principal, e.c.agent_id).label("in_scope"),
        )
        .join(t, t.c.id == e.c.ticket_id)
        .outerjoin(c, c.c.id == t.c.customer_id)
        .outerjoin(s, sa.and_(s.c.sample_id == e.c.sample_id, s.c.ticket_id == e.c.ticket_id))
        .where(e.c.calibration_id.is_(None))
    )
    frame = read_frame(store, query)
    frame["team_id"] = frame["team_id"].fillna("unknown")
    frame["in_scope"] = frame["in_scope"].fillna(False).astype(bool)
    frame["stratum"] = np.where(
        frame["sample_id"].isna(),
        "hand-picked",
        frame["sample_id"].astype(str) + "/" + frame["stratum"].fillna("all").astype(str),
    )
    return frame
