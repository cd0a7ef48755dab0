"""Build the bundled sample desk from permissively licensed public data (docs/sample-data.md).

    python -m insightdesk.sample.build [--data ../shared/data] [--out src/insightdesk/sample/data]

Deterministic: the same sources and SEED give byte-identical files.
"""

from __future__ import annotations

import argparse
import logging
import re
from pathlib import Path
from typing import TYPE_CHECKING

from insightdesk.sample import feedback, itsm, people, social, sources
from insightdesk.sample.generic import GENERIC_KINDS, to_generic_frame

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

log = logging.getLogger(__name__)

SEED = 20200302
N_CFPB_NARRATIVE = 1200
N_CFPB_LABELS_ONLY = 300
N_BANKING77 = 852

_CHANNEL = {
    "Web": "web",
    "Referral": "other",
    "Phone": "phone",
    "Postal mail": "other",
    "Fax": "other",
    "Email": "email",
}
# BANKING77 intents that ask the bank to do something (a request) rather than to explain something.
_REQUEST_INTENT = re.compile(
    r"^(order_|change_|edit_|terminate_|get_|request_|top_up_by|transfer_into|verify_)"
)


def _bank_tickets(rng: np.random.Generator, data: Path, events: pd.DataFrame) -> tuple[pd.DataFrame, list]:
    """CFPB complaints and BANKING77 queries, each living the life of one real ServiceNow incident."""
    import pandas as pd

    cfpb = sources.cfpb_complaints(data)
    has_text = cfpb["Consumer complaint narrative"].notna()
    narrated = cfpb[has_text].sample(N_CFPB_NARRATIVE, random_state=rng.integers(2**31))
    labels_only = cfpb[~has_text].sample(N_CFPB_LABELS_ONLY, random_state=rng.integers(2**31))
    complaints = pd.concat([narrated, labels_only])
    queries = sources.banking77(data).sample(N_BANKING77, random_state=rng.integers(2**31))

    numbers = sorted(events["number"].unique())
    chosen = list(rng.choice(numbers, size=len(complaints) + len(queries), replace=False))
    skel = itsm.skeletons(events, chosen)
    n = len(complaints)
    # Without a narrative the complaint's own labels describe it: "Issue: Sub-issue" (or the Issue alone).
    labels = (complaints["Issue"] + ": " + complaints["Sub-issue"]).fillna(complaints["Issue"])
    content = pd.concat(
        [
            pd.DataFrame(
                {
                    "type": "incident",
                    "channel": complaints["Submitted via"].map(_CHANNEL).to_numpy(),
                    "subject": complaints["Issue"].to_numpy(),
                    "description": complaints["Consumer complaint narrative"].fillna(labels).to_numpy(),
                    "product": complaints["Product"].to_numpy(),
                    "service": complaints["Sub-product"].to_numpy(),
                    "category": complaints["Issue"].to_numpy(),
                    "subcategory": complaints["Sub-issue"].to_numpy(),
                    "has_message": complaints["Consumer complaint narrative"].notna().to_numpy(),
                }
            ),
            pd.DataFrame(
                {
                    "type": queries["category"]
                    .map(lambda c: "service_request" if _REQUEST_INTENT.match(c) else "question")
                    .to_numpy(),
                    "channel": "chat",
                    "description": queries["text"].to_numpy(),
                    "product": "Mobile banking app",
                    "category": queries["category"].to_numpy(),
                    "has_message": True,
                }
            ),
        ],
        ignore_index=True,
    )
    tickets = pd.concat([skel.rename(columns={"number": "id"}), content], axis=1)
    tickets["language"] = "en"
    prov = [
        sources.provenance("tickets", tickets["id"], "itsm", "number=" + tickets["id"]),
        sources.provenance(
            "tickets",
            tickets["id"].iloc[:n],
            "cfpb",
            "Complaint ID=" + complaints["Complaint ID"].astype(str),
        ),
        sources.provenance(
            "tickets", tickets["id"].iloc[n:], "banking77", "train row=" + queries["row"].astype(str)
        ),
    ]
    return tickets, prov


def build(data_dir: Path, out_dir: Path) -> dict[str, int]:
    """Build every kind, write `<kind>.csv.gz` plus `provenance.csv.gz`; returns rows per kind."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(SEED)
    events = sources.itsm_events(data_dir)
    bank, prov = _bank_tickets(rng, data_dir, events)
    persons, caller_records, p = people.callers_as_people(rng, data_dir, bank["caller"])
    prov += p
    # A caller with several Splink records shows up under any of them, as duplicates do in real desks.
    bank["customer_id"] = [
        caller_records[c][rng.integers(len(caller_records[c]))] if isinstance(c, str) else None
        for c in bank["caller"]
    ]

    # Organisations are the ServiceNow locations; a customer belongs to its caller's usual location.
    loc_of_customer = bank.groupby("customer_id")["location"].agg(
        lambda s: s.mode().iloc[0] if s.notna().any() else None
    )
    persons["organisation_id"] = persons["id"].map(loc_of_customer)
    for recs in caller_records.values():  # records of one person share the organisation
        org = next((loc_of_customer.get(r) for r in recs if loc_of_customer.get(r)), None)
        persons.loc[persons["id"].isin(recs), "organisation_id"] = org
    bank["organisation_id"] = bank["customer_id"].map(persons.set_index("id")["organisation_id"])
    bank["region"] = bank["customer_id"].map(persons.set_index("id")["region"])
    volume = events.groupby("location")["number"].nunique().rename(index=lambda v: itsm.token_id(v, "L"))
    rank = volume.rank(ascending=False, method="first") / len(volume)
    org_tier = rank.map(lambda r: "enterprise" if r <= 0.1 else ("mid_market" if r <= 0.4 else "smb"))
    used_orgs = sorted(persons["organisation_id"].dropna().unique())
    org_country = (
        persons.dropna(subset=["organisation_id"])
        .groupby("organisation_id")["country"]
        .agg(lambda s: s.mode().iloc[0])
    )
    organisations = pd.DataFrame({"id": used_orgs})
    organisations["name"] = organisations["id"].str.replace("L", "Location ", n=1)
    organisations["tier"] = organisations["id"].map(org_tier)
    organisations["country"] = organisations["id"].map(org_country)
    organisations["region"] = organisations["country"].map({"GB": "EMEA", "AU": "APAC"})
    persons["segment"] = persons["organisation_id"].map(org_tier)

    tw_tickets, interactions, p = social.twitter_desk(data_dir)
    prov += p
    twitter_people = pd.DataFrame({"id": sorted(tw_tickets["customer_id"].unique())})
    twitter_people["name"] = "@" + twitter_people["id"].str.removeprefix("TW-")
    prov.append(
        sources.provenance(
            "customers", twitter_people["id"], "twitter", "author=" + twitter_people["name"].str[1:]
        )
    )
    customers = people.customer_attributes(
        rng,
        pd.concat([persons, twitter_people], ignore_index=True),
        np.random.default_rng([SEED, 7]),  # its own stream: the main one stays as it was
    )
    first_ticket = pd.concat([bank, tw_tickets]).groupby("customer_id")["created_at"].min()
    customers["created_at"] = customers["id"].map(first_ticket) - pd.to_timedelta(
        rng.integers(1, 5 * 365, len(customers)), unit="D"
    )

    # Transcripts of bank tickets: the customer's own first message (CFPB narrative, BANKING77 query).
    first_msgs = bank[bank["has_message"]]
    interactions = pd.concat(
        [
            interactions,
            pd.DataFrame(
                {
                    "id": first_msgs["id"] + "-m0",
                    "conversation_id": first_msgs["id"],
                    "ticket_id": first_msgs["id"],
                    "customer_id": first_msgs["customer_id"],
                    "channel": first_msgs["channel"],
                    "author_role": "customer",
                    "body": first_msgs["description"],
                    "occurred_at": first_msgs["created_at"],
                    "seq": 0,
                    "language": "en",
                }
            ),
        ],
        ignore_index=True,
    )

    tickets = pd.concat([bank, tw_tickets], ignore_index=True)
    articles, ticket_articles = social.articles(interactions, tickets)
    tw_events = social.twitter_events(tw_tickets)
    ticket_events = pd.concat([itsm.ticket_events(events, bank["id"].tolist()), tw_events], ignore_index=True)

    homes = itsm.resolver_homes(events)
    tiers = itsm.team_tiers(events)
    bank_agents = sorted(bank["agent_id"].dropna().unique(), key=lambda a: int(a[1:]))
    brands = sorted(tw_tickets["product"].unique())
    agents = pd.concat(
        [
            pd.DataFrame(
                {
                    "id": bank_agents,
                    "name": [a.replace("R", "Resolver ", 1) for a in bank_agents],
                    "team_id": [homes.get(a) for a in bank_agents],
                    "is_bot": False,
                    "active": True,
                }
            ),
            pd.DataFrame(
                {
                    "id": ["A-" + b for b in brands],
                    "name": ["@" + b for b in brands],
                    "team_id": ["T-" + b for b in brands],
                    "support_tier": "L1",
                    "is_bot": False,
                    "active": True,
                }
            ),
        ],
        ignore_index=True,
    )
    group_ids = set(bank["team_id"].dropna()) | set(agents["team_id"].dropna())
    group_ids |= set(
        ticket_events.loc[ticket_events["event_type"] == "reassignment", ["from_value", "to_value"]]
        .stack()
        .dropna()
    )
    groups = sorted(g for g in group_ids if g.startswith("G"))
    teams = pd.concat(
        [
            pd.DataFrame(
                {
                    "id": groups,
                    "name": [g.replace("G", "Group ", 1) for g in groups],
                    "support_tier": [tiers.get(g, "L2") for g in groups],
                }
            ),
            pd.DataFrame(
                {
                    "id": ["T-" + b for b in brands],
                    "name": [b + " social care" for b in brands],
                    "support_tier": "L1",
                }
            ),
        ],
        ignore_index=True,
    )
    agents["support_tier"] = agents["team_id"].map(teams.set_index("id")["support_tier"])
    problems = _first_seen(events, bank, "problem_id", "Problem ID ")
    changes = _first_seen(events, bank, "change_id", "")
    changes = changes.rename(columns={"created_at": "planned_start"})

    # Surveys end where the tickets do: nothing is dated after the desk's extract time.
    extract_at = feedback.extract_time(tickets)
    csat = feedback.ticket_surveys(rng, tickets, customers, extract_at)
    nps = feedback.relationship_nps(rng, tickets, customers, extract_at)

    frames = {
        "organisations": organisations,
        "customers": customers,
        "teams": teams,
        "agents": agents,
        "problems": problems,
        "changes": changes,
        "articles": articles,
        "tickets": tickets,
        "ticket_events": ticket_events,
        "ticket_articles": ticket_articles,
        "interactions": interactions,
        "feedback": pd.concat([csat, nps], ignore_index=True),
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    counts = {}
    for kind in GENERIC_KINDS:
        frame = to_generic_frame(kind, frames[kind].reset_index(drop=True))
        _write(frame, out_dir / f"{kind}.csv.gz")
        counts[kind] = len(frame)
        log.info("wrote %s rows of %s", len(frame), kind)
    _write(pd.concat(prov, ignore_index=True), out_dir / "provenance.csv.gz")
    return counts


def _first_seen(events: pd.DataFrame, bank: pd.DataFrame, column: str, title_prefix: str) -> pd.DataFrame:
    """Problems / changes only exist as references in the log: the record has its id, a title made
    from the token, and the first time the log mentions it."""
    import pandas as pd

    ids = sorted(bank[column].dropna().unique())
    raw = "problem_id" if column == "problem_id" else "rfc"
    seen = events.dropna(subset=[raw]).groupby(raw)["opened_at"].min()
    key = {itsm.token_id(k, "PRB") if column == "problem_id" else k: v for k, v in seen.items()}
    return pd.DataFrame(
        {
            "id": ids,
            "title": [title_prefix + (i[3:] if column == "problem_id" else i) for i in ids],
            "created_at": [key.get(i) + pd.Timedelta(weeks=itsm.SHIFT_WEEKS) for i in ids],
        }
    )


def _write(frame: pd.DataFrame, path: Path) -> None:
    import gzip

    # mtime=0 keeps the gzip bytes identical between builds (reproducible package data).
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as gz:
        gz.write(frame.to_csv(index=False, lineterminator="\n").encode("utf-8"))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    root = Path(__file__).resolve().parents[3]
    parser.add_argument("--data", type=Path, default=root.parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "data")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    counts = build(args.data, args.out)
    log.info("sample written to %s: %s", args.out, counts)


if __name__ == "__main__":
    main()
