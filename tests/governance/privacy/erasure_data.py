"""A small desk with one person to erase (Zelda) and one to keep (Kim), written through ingest."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from insightdesk.governance.clock import utcnow
from insightdesk.ingest import ingest_file
from insightdesk.store import Store
from insightdesk.store.tables.text import text_analyses, themes

NAME = "Zelda Quixotewright"
EMAIL = "zelda.quixotewright@example.org"
PHONE = "+15550001234"
SOURCE_ID = "CUSTZQ77"
NEEDLES = (NAME, EMAIL, PHONE, SOURCE_ID)
QUOTE = "my parcel from <PERSON_1> never came to the farmhouse"

CUSTOMERS = (
    "id,name,tier,region,email,phone,consent_survey\n"
    f"{SOURCE_ID},{NAME},gold,EMEA,{EMAIL},{PHONE},true\n"
    "KIM1,Kim Keeper,silver,EMEA,kim@example.org,,true\n"
)
TICKETS = (
    "id,type,channel,subject,description,customer_id,created_at,status,priority\n"
    f"T1,incident,email,Parcel lost,{NAME} says the parcel never came; call {PHONE},{SOURCE_ID},2024-01-02T10:00:00Z,closed,high\n"
    "T2,incident,chat,Login,Kim cannot log in,KIM1,2024-01-03T10:00:00Z,closed,low\n"
)
FEEDBACK = (
    "id,scale,score,comment,ticket_id,customer_id,answered_at\n"
    f"F1,csat,2,awful service for {NAME},T1,{SOURCE_ID},2024-01-05T10:00:00Z\n"
    "F2,csat,5,great,T2,KIM1,2024-01-05T10:00:00Z\n"
)


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text)
    return path


def load_desk(store: Store, folder: Path) -> None:
    ingest_file(store, write(folder, "customers.csv", CUSTOMERS), "customers")
    ingest_file(store, write(folder, "tickets.csv", TICKETS), "tickets")
    # A changed ticket: its old version (with the name) goes to record_history.
    ingest_file(
        store, write(folder, "tickets2.csv", TICKETS.replace("never came;", "never arrived;")), "tickets"
    )
    ingest_file(store, write(folder, "feedback.csv", FEEDBACK), "feedback")
    # A rejected customers row keeps its raw values in quarantine.
    bad = f"id,name,email,created_at\n{SOURCE_ID},{NAME},{EMAIL},not-a-date\n"
    ingest_file(store, write(folder, "customers-bad.csv", bad), "customers")
    now = utcnow()
    with store.begin() as conn:
        conn.execute(
            text_analyses.insert(),
            [
                {
                    "entity": "feedback",
                    "record_id": f"generic:{fid}",
                    "field": "comment",
                    "text_sha256": fid,
                    "redacted_text": text,
                    "theme_id": "th1",
                    "author_role": "customer",
                    "ticket_id": f"generic:{tid}",
                    "model_name": "test",
                    "model_version": "1",
                    "analysed_at": now,
                }
                for fid, tid, text in (("F1", "T1", QUOTE), ("F2", "T2", "great"))
            ],
        )
        conn.execute(
            themes.insert().values(
                theme_id="th1",
                label="parcels",
                label_source="auto",
                quotes=f'["{QUOTE}", "great"]',
                status="active",
                created_at=now,
                updated_at=now,
            )
        )


def table_counts(store: Store) -> dict[str, int]:
    with store.begin() as conn:
        return {
            t: conn.execute(sa.text(f'select count(*) from "{t}"')).scalar_one()
            for t in ("tickets", "feedback", "customers")
        }
