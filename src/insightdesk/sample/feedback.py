"""Survey answers for the bundled sample: scores that depend on the ticket's real experience.

The sources never link a survey to a ticket, so the link is made here, by a documented and seeded
model (docs/sample-data.md): the chance that a customer is satisfied falls with resolution time,
reassignments, reopenings and a missed SLA. Analytics that look for those drivers find them.

No permissively licensed source holds survey verbatims about these banking and social-care
tickets, so the answers carry no comment: a text from another domain would put its topics (and
themes) on tickets it does not belong to. The customers' own words are the tickets' descriptions
and transcripts. Every date lies before the desk's extract time: a survey answered later is not in
the extract, as in a real export.
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
NPS_RESPONSE_RATE = 0.35
NPS_SURVEY_ID = "relationship-nps-2020q2"


def extract_time(tickets: pd.DataFrame) -> pd.Timestamp:
    """The desk's extract time: midnight of the Monday after the last ticket was created, so the
    data's last ISO week is complete and nothing is dated after it."""
    import pandas as pd

    last = tickets["created_at"].max().normalize()
    return last + pd.Timedelta(days=7 - last.weekday())


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


def ticket_surveys(
    rng: np.random.Generator, tickets: pd.DataFrame, customers: pd.DataFrame, extract_at: pd.Timestamp
) -> pd.DataFrame:
    """Post-resolution CSAT (+ CES when answered) per ticket resolved before the extract."""
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
    sent = t["resolved_at"] + pd.to_timedelta(rng.integers(30, 180, len(t)), unit="min")
    answered_at = sent + pd.to_timedelta(rng.lognormal(np.log(5 * 60), 1.0, len(t)).astype(int), unit="min")
    # An answer that would arrive after the extract is not in it (the invitation still is).
    answered = (rng.random(len(t)) < rate) & (answered_at < extract_at).to_numpy()
    # CES 2.0 agreement scale, 7 = "the company made it easy": same experience, its own noise.
    ces = np.clip(np.rint(4.6 + 0.9 * z + rng.normal(0, 0.9, len(t))), 1, 7)
    invited = (sent < extract_at).to_numpy()
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
    )[invited]
    ces_rows = base[answered].assign(
        id=t.loc[answered, "id"] + "-ces",
        question_id="ces",
        scale="ces",
        score=ces[answered],
        scale_min=1,
        scale_max=7,
        answered_at=answered_at[answered],
    )
    return pd.concat([csat_rows, ces_rows], ignore_index=True)


def relationship_nps(
    rng: np.random.Generator, tickets: pd.DataFrame, customers: pd.DataFrame, extract_at: pd.Timestamp
) -> pd.DataFrame:
    """A rolling relationship NPS: each consenting customer with a resolved ticket is asked once,
    1 to 14 days after their first resolution (those whose invitation would fall after the extract
    are not asked yet); the score follows the mean experience of their tickets resolved by then."""
    import numpy as np
    import pandas as pd

    resolved = tickets[tickets["resolved_at"].notna() & (tickets["resolved_at"] < extract_at)]
    first = resolved.groupby("customer_id")["resolved_at"].min().sort_index()
    consenting = customers.loc[customers["consent_survey"].fillna(False).astype(bool), "id"]
    first = first[first.index.isin(consenting)]
    delay = pd.to_timedelta((rng.uniform(1, 14, len(first)) * 86400).astype(int), unit="s")
    sent = (first + delay).dt.floor("min")
    sent = sent[sent < extract_at]
    z = experience_logit(resolved, pd.Series(0.0, index=customers["id"]))
    seen = resolved.assign(z=z, sent=resolved["customer_id"].map(sent))
    mean_z = seen[seen["resolved_at"] < seen["sent"]].groupby("customer_id")["z"].mean()
    latent = 6.4 + 1.3 * sent.index.map(mean_z).to_numpy() + rng.normal(0, 1.8, len(sent))
    score = np.clip(np.rint(latent), 0, 10)
    answered_at = sent + pd.to_timedelta(
        rng.lognormal(np.log(20 * 60), 1.2, len(sent)).astype(int), unit="min"
    )
    answered = (rng.random(len(sent)) < NPS_RESPONSE_RATE) & (answered_at < extract_at).to_numpy()
    return pd.DataFrame(
        {
            "id": "nps-" + sent.index.to_series(),
            "survey_id": NPS_SURVEY_ID,
            "question_id": "nps",
            "scale": "nps",
            "score": np.where(answered, score, np.nan),
            "scale_min": 0,
            "scale_max": 10,
            "language": "en",
            "customer_id": sent.index,
            "channel": "email",
            "sent_at": sent.to_numpy(),
            "answered_at": answered_at.where(answered).to_numpy(),
        }
    ).reset_index(drop=True)
