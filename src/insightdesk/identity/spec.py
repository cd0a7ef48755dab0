"""The match specification: what identifies a person, how sure a merge must be, which value survives.

A spec is data with no connection (house habit 1): the pipeline compiles it to Splink settings and
DuckDB SQL. Every field of a record frame is optional except `record_id`; comparisons and blocking
rules are built only for the fields a data set actually fills, so one spec serves a CRM export with
dates of birth and a chat log with an email and nothing else.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

# The columns a record frame may carry (identity.prepare normalises them). `external_id` is an id the
# record shares with other systems (a CRM number, a national id): equal ids are a deterministic key.
RECORD_FIELDS = (
    "record_id",
    "source_system",
    "first_name",
    "surname",
    "email",
    "phone",
    "dob",
    "street",
    "postcode",
    "city",
    "external_id",
    "country",
    "organisation_id",
    "updated_at",
)

DeterministicKey = Literal["email", "phone", "external_id"]
SurvivorshipRule = Literal["most_trusted_source", "most_recent", "most_complete"]

GOLDEN_FIELDS = ("name", "email", "phone", "country", "organisation_id")


@dataclass(frozen=True)
class Survivorship:
    """Which value of a person's records becomes the golden record's, per field.

    `most_trusted_source` takes the value from the first source of `source_priority` that has one
    (ties broken by recency); `most_recent` the value of the most recently updated record;
    `most_complete` the longest value, then the most frequent.
    """

    rules: dict[str, SurvivorshipRule] = field(
        default_factory=lambda: {
            "name": "most_complete",
            "email": "most_recent",
            "phone": "most_recent",
            "country": "most_trusted_source",
            "organisation_id": "most_trusted_source",
        }
    )
    source_priority: tuple[str, ...] = ()


@dataclass(frozen=True)
class MatchSpec:
    """Everything one identity run needs to know; stored as JSON with the run."""

    deterministic_keys: tuple[DeterministicKey, ...] = ("email", "phone", "external_id")
    # Match probability at and above which two records are merged without a person looking. Replaced
    # by the F1-best threshold on reviewed pairs once at least `min_labels` of both kinds exist.
    threshold: float = 0.95
    # Pairs from here up to the threshold are queued for review; below it they are left apart.
    review_low: float = 0.5
    min_labels: int = 20
    # Two records sharing a deterministic key but whose names are less similar than this
    # (Jaro-Winkler on the full name, no nickname or swap relation) go to review, not merged.
    conflict_name_similarity: float = 0.75
    # A model pair above the threshold merges only when something beyond the name agrees (email,
    # phone, date of birth, id, address, organisation); name-only pairs go to review.
    require_corroboration: bool = True
    # Random pairs sampled to estimate u probabilities; the seed makes a run reproducible.
    u_sample_pairs: float = 1e6
    seed: int = 42
    # Conversation stitching: contacts of one person within this many hours join a thread; with
    # `same_issue`, only when their category agrees (or one of them has none).
    thread_window_hours: float = 72.0
    thread_same_issue: bool = True
    survivorship: Survivorship = field(default_factory=Survivorship)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    def validated(self) -> MatchSpec:
        """This spec, or a ValueError of one sentence naming the setting that cannot work."""
        if not 0.0 < self.threshold <= 1.0:
            raise ValueError(f"threshold {self.threshold} must be in (0, 1]")
        if not 0.0 <= self.review_low <= self.threshold:
            raise ValueError(
                f"review_low {self.review_low} must be between 0 and the threshold {self.threshold}"
            )
        if self.thread_window_hours <= 0:
            raise ValueError(f"thread_window_hours {self.thread_window_hours} must be positive")
        unknown = set(self.deterministic_keys) - {"email", "phone", "external_id"}
        if unknown:
            raise ValueError(f"unknown deterministic keys {sorted(unknown)}: use email, phone or external_id")
        for name, rule in self.survivorship.rules.items():
            if name not in GOLDEN_FIELDS:
                raise ValueError(
                    f"survivorship names field {name!r}; golden fields are {', '.join(GOLDEN_FIELDS)}"
                )
            if rule not in ("most_trusted_source", "most_recent", "most_complete"):
                raise ValueError(f"survivorship rule {rule!r} of {name} is not one of the three rules")
        return self
