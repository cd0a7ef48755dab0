"""Social-care tickets of the bundled sample: real Twitter conversations with their real timestamps.

One ticket per conversation (first tweet = created, first brand tweet = first response, the brand's
resolution tweet = resolved), the tweets as its transcript, and the help documents the agents linked
as knowledge articles.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from insightdesk.sample import sources

if TYPE_CHECKING:
    import pandas as pd

# Conversations whose real first tweet falls in the (shifted) ServiceNow window.
TWITTER_WINDOW = ("2020-03-02", "2020-05-04")


def twitter_desk(data: Path) -> tuple[pd.DataFrame, pd.DataFrame, list]:
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
        sources.provenance("tickets", tickets["id"], "twitter", "session_id=" + pd.Series(sid)),
        sources.provenance(
            "interactions", inter["id"], "twitter", "tweet_id=" + msgs["tweet_id"].astype(str)
        ),
    ]
    return tickets, inter, prov


def articles(inter: pd.DataFrame, tickets: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
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


def twitter_events(tickets: pd.DataFrame) -> pd.DataFrame:
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
