"""Customers of the bundled sample: ServiceNow callers given Splink and FEBRL people, plus attributes
no source has (tier, value, consent), drawn with the build's seed."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from insightdesk.sample import sources

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

_TIMEZONE = {
    "nsw": "Australia/Sydney",
    "act": "Australia/Sydney",
    "vic": "Australia/Melbourne",
    "qld": "Australia/Brisbane",
    "wa": "Australia/Perth",
    "sa": "Australia/Adelaide",
    "tas": "Australia/Hobart",
    "nt": "Australia/Darwin",
}


def callers_as_people(
    rng: np.random.Generator, data: Path, callers: pd.Series
) -> tuple[pd.DataFrame, dict, list]:
    """Customer records for ServiceNow callers: the most active callers become Splink people
    (all records of one Splink cluster = one person, typos and all), the rest FEBRL people."""
    import pandas as pd

    counts = callers.value_counts()
    order = counts.index.to_list()  # most active first; ties broken by the stable count order
    splink = sources.splink_people(data)
    febrl = sources.febrl_people(data)
    clusters = sorted(splink["cluster"].unique())
    rng.shuffle(clusters)
    febrl = febrl.sample(frac=1.0, random_state=rng.integers(2**31)).reset_index(drop=True)
    caller_records: dict[str, list[str]] = {}
    rows = []
    for i, caller in enumerate(order):
        if i < len(clusters):
            people = splink[splink["cluster"] == clusters[i]]
            for p in people.itertuples(index=False):
                cid = f"S{p.unique_id}"
                rows.append(
                    {
                        "id": cid,
                        "name": " ".join(
                            str(x).strip()
                            for x in (p.first_name, p.surname)
                            if isinstance(x, str) and x.strip()
                        )
                        or None,
                        "email": p.email if isinstance(p.email, str) else None,
                        "country": "GB",
                        "region": "EMEA",
                        "timezone": "Europe/London",
                        "_source": ("splink", f"unique_id={p.unique_id} cluster={p.cluster}"),
                    }
                )
            caller_records[caller] = [f"S{u}" for u in people["unique_id"]]
        else:
            p = febrl.iloc[i - len(clusters)]
            cid = f"F{p.rec_id}"
            name = " ".join(str(x) for x in (p.given_name, p.surname) if isinstance(x, str)) or None
            rows.append(
                {
                    "id": cid,
                    "name": name,
                    "country": "AU",
                    "region": "APAC",
                    "timezone": _TIMEZONE.get(str(p.state), "Australia/Sydney"),
                    "_source": ("febrl", f"febrl4a rec_id={p.rec_id}"),
                }
            )
            caller_records[caller] = [cid]
    people = pd.DataFrame(rows)
    prov = [
        pd.DataFrame(
            {
                "kind": "customers",
                "id": people["id"],
                "dataset": people["_source"].str[0],
                "source_key": people["_source"].str[1],
            }
        )
    ]
    return people.drop(columns="_source"), caller_records, prov


def customer_attributes(
    rng: np.random.Generator, customers: pd.DataFrame, training_rng: np.random.Generator
) -> pd.DataFrame:
    """Tier, segment, value and consent are not in any source: drawn with a fixed seed (documented).

    Model-training consent comes from `training_rng`, a generator of its own, so that adding it left
    every other draw of the build (and the effects planted with them) as it was."""
    import numpy as np
    import pandas as pd

    n = len(customers)
    tier = rng.choice(["gold", "silver", "bronze", "free"], n, p=[0.1, 0.25, 0.45, 0.2])
    ltv_median = pd.Series(tier).map({"gold": 9000, "silver": 3000, "bronze": 900, "free": 60}).to_numpy()
    currency = customers["country"].map({"GB": "GBP", "AU": "AUD"}).fillna("USD")
    return customers.assign(
        tier=tier,
        segment=np.where(customers["organisation_id"].notna(), customers["segment"], "consumer"),
        language="en",
        lifetime_value=np.round(ltv_median * rng.lognormal(0, 0.6, n), 2),
        currency=currency,
        consent_survey=rng.random(n) < 0.9,
        consent_analytics=rng.random(n) < 0.95,
        consent_contact=rng.random(n) < 0.7,
        consent_model_training=training_rng.random(n) < 0.85,
    )
