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

from insightdesk.sample import feedback, itsm, sources
from insightdesk.sample.generic import GENERIC_KINDS, to_generic_frame

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

log = logging.getLogger(__name__)

SEED = 20200302
N_CFPB_NARRATIVE = 1200
N_CFPB_LABELS_ONLY = 300
N_BANKING77 = 852
# Twitter conversations whose real first tweet falls in the shifted ServiceNow window.
TWITTER_WINDOW = ("2020-03-02", "2020-05-04")
NPS_SENT_AT = "2020-05-11T09:00:00"

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


def _prov(kind: str, ids: pd.Series, dataset: str, keys: pd.Series) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame(
        {"kind": kind, "id": ids.to_numpy(), "dataset": dataset, "source_key": keys.astype(str).to_numpy()}
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
    labels = (
        complaints["Issue"]
        + ": "
        + complaints["Sub-issue"].fillna("").where(complaints["Sub-issue"].notna(), complaints["Issue"])
    )
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
        _prov("tickets", tickets["id"], "itsm", "number=" + tickets["id"]),
        _prov(
            "tickets",
            tickets["id"].iloc[:n],
            "cfpb",
            "Complaint ID=" + complaints["Complaint ID"].astype(str),
        ),
        _prov("tickets", tickets["id"].iloc[n:], "banking77", "train row=" + queries["row"].astype(str)),
    ]
    return tickets, prov


def _people(rng: np.random.Generator, data: Path, callers: pd.Series) -> tuple[pd.DataFrame, dict, list]:
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


def _twitter(data: Path) -> tuple[pd.DataFrame, pd.DataFrame, list]:
    """Tickets and transcripts from real Twitter care conversations, with their real timestamps."""
    import pandas as pd

    msgs = sources.twitter_messages(data)
    start = msgs.groupby("session_id")["ts"].transform("min")
    msgs = msgs[(start >= TWITTER_WINDOW[0]) & (start < TWITTER_WINDOW[1])]
    msgs = msgs.sort_values(["session_id", "ts", "turn"], kind="stable")
    msgs["is_agent"] = msgs["role"] != "customer"
    g = msgs.groupby("session_id", sort=True)
    first_customer = msgs[~msgs["is_agent"]].groupby("session_id").first()
    resolution = msgs[msgs["role"] == "agent_resolution"].groupby("session_id")["ts"].max()
    tickets = pd.DataFrame({"id": "TW-" + g.size().index.to_series()})
    sid = g.size().index
    company = g["company"].first()
    tickets = pd.DataFrame(
        {
            "id": "TW-" + sid,
            "type": "incident",
            "channel": "social",
            "description": first_customer["text"].reindex(sid).to_numpy(),
            "product": company.to_numpy(),
            "status": "resolved",
            "team_id": "T-" + company.to_numpy(),
            "agent_id": "A-" + company.to_numpy(),
            "customer_id": "TW-" + first_customer["author"].reindex(sid).to_numpy(),
            "language": "en",
            "created_at": g["ts"].min().to_numpy(),
            "first_response_at": msgs[msgs["is_agent"]]
            .groupby("session_id")["ts"]
            .min()
            .reindex(sid)
            .to_numpy(),
            "resolved_at": resolution.reindex(sid).to_numpy(),
            "reopen_count": 0,
            "reassignment_count": 0,
            "knowledge_used": True,
        }
    )
    tickets["source_updated_at"] = g["ts"].max().to_numpy()
    inter = pd.DataFrame(
        {
            "id": msgs["session_id"] + "-" + msgs["turn"].astype(str),
            "conversation_id": msgs["session_id"],
            "ticket_id": "TW-" + msgs["session_id"],
            "customer_id": msgs["session_id"].map(tickets.set_index(sid)["customer_id"]),
            "agent_id": ("A-" + msgs["company"]).where(msgs["is_agent"]),
            "channel": "social",
            "author_role": msgs["is_agent"].map({True: "agent", False: "customer"}),
            "body": msgs["text"],
            "occurred_at": msgs["ts"],
            "seq": msgs.groupby("session_id").cumcount(),
            "language": "en",
        }
    )
    prov = [
        _prov("tickets", tickets["id"], "twitter", "session_id=" + pd.Series(sid)),
        _prov("interactions", inter["id"], "twitter", "tweet_id=" + msgs["tweet_id"].astype(str)),
    ]
    return tickets, inter, prov


def _articles(inter: pd.DataFrame, tickets: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Help documents the agents linked in their resolution tweets become knowledge articles."""
    import hashlib

    import pandas as pd

    agent = inter[inter["author_role"] == "agent"]
    links = agent.assign(url=agent["body"].str.findall(r"https?://\S+")).explode("url").dropna(subset=["url"])
    links["url"] = links["url"].str.rstrip(".,)!")
    links["article_id"] = links["url"].map(lambda u: "KB-" + hashlib.sha1(u.encode()).hexdigest()[:10])
    product = tickets.set_index("id")["product"]
    first_use = links.groupby("article_id")["occurred_at"].min()
    articles = (
        links.drop_duplicates("article_id")
        .drop(columns="body")
        .assign(
            id=lambda f: f["article_id"],
            title=lambda f: f["url"],
            product=lambda f: f["ticket_id"].map(product),
            visibility="public",
            status="published",
            created_at=lambda f: f["article_id"].map(first_use),
        )
    )
    ticket_articles = links.drop_duplicates(["ticket_id", "article_id"]).assign(
        id=lambda f: f["ticket_id"] + "-" + f["article_id"], link_type="resolved_by"
    )
    return articles, pd.DataFrame(ticket_articles)


def _customer_attributes(rng: np.random.Generator, customers: pd.DataFrame) -> pd.DataFrame:
    """Tier, segment, value and consent are not in any source: drawn with a fixed seed (documented)."""
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
    )


def build(data_dir: Path, out_dir: Path) -> dict[str, int]:
    """Build every kind, write `<kind>.csv.gz` plus `provenance.csv.gz`; returns rows per kind."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(SEED)
    events = sources.itsm_events(data_dir)
    bank, prov = _bank_tickets(rng, data_dir, events)
    people, caller_records, p = _people(rng, data_dir, bank["caller"])
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
    people["organisation_id"] = people["id"].map(loc_of_customer)
    for recs in caller_records.values():  # records of one person share the organisation
        org = next((loc_of_customer.get(r) for r in recs if loc_of_customer.get(r)), None)
        people.loc[people["id"].isin(recs), "organisation_id"] = org
    bank["organisation_id"] = bank["customer_id"].map(people.set_index("id")["organisation_id"])
    bank["region"] = bank["customer_id"].map(people.set_index("id")["region"])
    volume = events.groupby("location")["number"].nunique().rename(index=lambda v: itsm.token_id(v, "L"))
    rank = volume.rank(ascending=False, method="first") / len(volume)
    org_tier = rank.map(lambda r: "enterprise" if r <= 0.1 else ("mid_market" if r <= 0.4 else "smb"))
    used_orgs = sorted(people["organisation_id"].dropna().unique())
    org_country = (
        people.dropna(subset=["organisation_id"])
        .groupby("organisation_id")["country"]
        .agg(lambda s: s.mode().iloc[0])
    )
    organisations = pd.DataFrame({"id": used_orgs})
    organisations["name"] = organisations["id"].str.replace("L", "Location ", n=1)
    organisations["tier"] = organisations["id"].map(org_tier)
    organisations["country"] = organisations["id"].map(org_country)
    organisations["region"] = organisations["country"].map({"GB": "EMEA", "AU": "APAC"})
    people["segment"] = people["organisation_id"].map(org_tier)

    tw_tickets, interactions, p = _twitter(data_dir)
    prov += p
    twitter_people = pd.DataFrame({"id": sorted(tw_tickets["customer_id"].unique())})
    twitter_people["name"] = "@" + twitter_people["id"].str.removeprefix("TW-")
    prov.append(
        _prov("customers", twitter_people["id"], "twitter", "author=" + twitter_people["name"].str[1:])
    )
    customers = _customer_attributes(rng, pd.concat([people, twitter_people], ignore_index=True))
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
    articles, ticket_articles = _articles(interactions, tickets)
    tw_events = _twitter_events(tw_tickets)
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
    group_ids = sorted(g for g in group_ids if g.startswith("G"))
    teams = pd.concat(
        [
            pd.DataFrame(
                {
                    "id": group_ids,
                    "name": [g.replace("G", "Group ", 1) for g in group_ids],
                    "support_tier": [tiers.get(g, "L2") for g in group_ids],
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

    reviews = sources.reviews(data_dir)
    csat, p1 = feedback.ticket_surveys(rng, tickets, customers, reviews)
    nps, p2 = feedback.relationship_nps(rng, tickets, customers, reviews, pd.Timestamp(NPS_SENT_AT))
    prov += [p1, p2]

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


def _twitter_events(tickets: pd.DataFrame) -> pd.DataFrame:
    import pandas as pd

    parts = []
    for seq, (kind, col, old, new) in enumerate(
        [
            ("created", "created_at", None, "new"),
            ("first_response", "first_response_at", None, None),
            ("resolved", "resolved_at", "open", "resolved"),
        ]
    ):
        t = tickets[tickets[col].notna()]
        parts.append(
            pd.DataFrame(
                {
                    "id": t["id"] + f"-{seq}",
                    "ticket_id": t["id"],
                    "seq": seq,
                    "event_type": kind,
                    "from_value": old,
                    "to_value": new,
                    "occurred_at": t[col],
                    "actor": t["agent_id"] if seq else t["customer_id"],
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


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
