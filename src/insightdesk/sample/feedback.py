"""Survey answers for the bundled sample: scores that depend on the ticket's real experience.

The sources never link a survey to a ticket, so the link is made here, by a documented and seeded
model (docs/sample-data.md): the chance that a customer is satisfied falls with resolution time,
reassignments, reopenings and a missed SLA. Analytics that look for those drivers find them.
Comments are real review texts whose own star rating equals the score they are attached to.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

# Coefficients of the satisfaction model (logit scale); documented in docs/sample-data.md.
SATISFACTION_MODEL = {
    "intercept": 1.9,
    "log1p_resolution_days": -0.55,
    "reassignment": -0.35,
    "reopened": -1.2,
    "sla_resolution_breached": -0.5,
    "customer_sd": 0.5,
}
RESPONSE_RATE = {"social": 0.25, "default": 0.40}
COMMENT_RATE = 0.45
SERVICE_WORDS = r"customer service|return|exchange|shipping|package|refund|delivery|arrived|ordered|order"


def experience_logit(tickets: pd.DataFrame, customer_effect: pd.Series) -> pd.Series:
    import numpy as np

    m = SATISFACTION_MODEL
    days = (tickets["resolved_at"] - tickets["created_at"]).dt.total_seconds().clip(lower=0) / 86400
    return (
        m["intercept"]
        + m["log1p_resolution_days"] * np.log1p(days)
        + m["reassignment"] * tickets["reassignment_count"].fillna(0)
        + m["reopened"] * (tickets["reopen_count"].fillna(0) > 0)
        + m["sla_resolution_breached"]
        * tickets["sla_resolution_breached"].astype("boolean").fillna(False).astype(float)
        + tickets["customer_id"].map(customer_effect).fillna(0.0)
    )


def _pick_comments(rng: np.random.Generator, pool: pd.DataFrame, scores: pd.Series, key: str) -> pd.DataFrame:
    """One real review per score, drawn without replacement among reviews with that rating."""
    import pandas as pd

    picked = pd.DataFrame(index=scores.index, columns=["comment", "row_id"], dtype=object)
    for value, idx in scores.groupby(scores).groups.items():
        candidates = pool[pool[key] == value]
        take = rng.choice(len(candidates), size=len(idx), replace=len(idx) > len(candidates))
        chosen = candidates.iloc[take]
        picked.loc[idx, "comment"] = chosen["Review Text"].to_numpy()
        picked.loc[idx, "row_id"] = chosen["row_id"].to_numpy()
    return picked


def ticket_surveys(
    rng: np.random.Generator, tickets: pd.DataFrame, customers: pd.DataFrame, reviews: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Post-resolution CSAT (+ CES when answered) per resolved ticket; returns (feedback, provenance)."""
    import numpy as np
    import pandas as pd

    effect = pd.Series(
        rng.normal(0, SATISFACTION_MODEL["customer_sd"], len(customers)), index=customers["id"]
    )
    consent = customers.set_index("id")["consent_survey"]
    t = tickets[
        tickets["resolved_at"].notna()
        & tickets["customer_id"].map(consent).astype("boolean").fillna(False).astype(bool)
    ]
    t = t.reset_index(drop=True)
    z = experience_logit(t, effect)
    satisfied = rng.random(len(t)) < 1 / (1 + np.exp(-z))
    csat = np.where(satisfied, rng.choice([4, 5], len(t), p=[0.4, 0.6]), rng.choice([1, 2, 3], len(t)))
    rate = np.where(t["channel"] == "social", RESPONSE_RATE["social"], RESPONSE_RATE["default"])
    answered = rng.random(len(t)) < rate
    sent = t["resolved_at"] + pd.to_timedelta(rng.integers(30, 180, len(t)), unit="min")
    answered_at = sent + pd.to_timedelta(rng.lognormal(np.log(5 * 60), 1.0, len(t)).astype(int), unit="min")
    # CES 2.0 agreement scale, 7 = "the company made it easy": same experience, its own noise.
    ces = np.clip(np.rint(4.6 + 0.9 * z + rng.normal(0, 0.9, len(t))), 1, 7)
    base = pd.DataFrame(
        {
            "survey_id": "post-resolution",
            "ticket_id": t["id"],
            "customer_id": t["customer_id"],
            "agent_id": t["agent_id"],
            "channel": np.where(t["channel"] == "social", "social", "email"),
            "language": "en",
            "sent_at": sent,
        }
    )
    csat_rows = base.assign(
        id=t["id"] + "-csat",
        question_id="csat",
        scale="csat",
        score=np.where(answered, csat, np.nan),
        scale_min=1,
        scale_max=5,
        answered_at=answered_at.where(answered),
    )
    pool = reviews[reviews["Review Text"].fillna("").str.contains(SERVICE_WORDS, case=False)]
    with_comment = answered & (rng.random(len(t)) < COMMENT_RATE)
    picked = _pick_comments(rng, pool, csat_rows.loc[with_comment, "score"].astype(int), "Rating")
    csat_rows.loc[with_comment, "comment"] = picked["comment"]
    ces_rows = base[answered].assign(
        id=t.loc[answered, "id"] + "-ces",
        question_id="ces",
        scale="ces",
        score=ces[answered],
        scale_min=1,
        scale_max=7,
        answered_at=answered_at[answered],
    )
    provenance = pd.DataFrame(
        {
            "kind": "feedback",
            "id": csat_rows.loc[with_comment, "id"],
            "dataset": "reviews",
            "source_key": "row_id=" + picked["row_id"].astype(str),
        }
    )
    return pd.concat([csat_rows, ces_rows], ignore_index=True), provenance


def relationship_nps(
    rng: np.random.Generator,
    tickets: pd.DataFrame,
    customers: pd.DataFrame,
    reviews: pd.DataFrame,
    sent_at: pd.Timestamp,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One NPS invitation per consenting customer with tickets; the score follows their mean experience."""
    import numpy as np
    import pandas as pd

    effect = pd.Series(0.0, index=customers["id"])
    z = experience_logit(tickets[tickets["resolved_at"].notna()], effect)
    mean_z = z.groupby(tickets.loc[z.index, "customer_id"]).mean()
    c = customers[customers["consent_survey"].fillna(False).astype(bool) & customers["id"].isin(mean_z.index)]
    c = c.reset_index(drop=True)
    latent = 6.4 + 1.3 * c["id"].map(mean_z).to_numpy() + rng.normal(0, 1.8, len(c))
    score = np.clip(np.rint(latent), 0, 10)
    answered = rng.random(len(c)) < 0.30
    answered_at = sent_at + pd.to_timedelta(
        rng.lognormal(np.log(20 * 60), 1.2, len(c)).astype(int), unit="min"
    )
    rows = pd.DataFrame(
        {
            "id": "nps-" + c["id"],
            "survey_id": "relationship-nps-2020q2",
            "question_id": "nps",
            "scale": "nps",
            "score": np.where(answered, score, np.nan),
            "scale_min": 0,
            "scale_max": 10,
            "language": "en",
            "customer_id": c["id"],
            "channel": "email",
            "sent_at": sent_at,
            "answered_at": answered_at.where(answered),
        }
    )
    # Promoters get a five-star review, passives a four, detractors a one-to-three star one.
    with_comment = answered & (rng.random(len(c)) < 0.5)
    band = pd.cut(rows.loc[with_comment, "score"], [-1, 6, 8, 10], labels=[2, 4, 5]).astype(int)
    pool = reviews.dropna(subset=["Review Text"]).assign(
        band=lambda r: r["Rating"].clip(lower=2).where(r["Rating"] != 3, 2)
    )
    picked = _pick_comments(rng, pool, band, "band")
    rows.loc[with_comment, "comment"] = picked["comment"]
    provenance = pd.DataFrame(
        {
            "kind": "feedback",
            "id": rows.loc[with_comment, "id"],
            "dataset": "reviews",
            "source_key": "row_id=" + picked["row_id"].astype(str),
        }
    )
    return rows, provenance
