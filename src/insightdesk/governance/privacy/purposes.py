"""The purposes a person can consent to, and the data classes of the personal-data catalogue."""

from __future__ import annotations

from enum import StrEnum


class ConsentPurpose(StrEnum):
    """What a person's data may be used for beyond delivering the service they asked for.

    Service itself needs no consent: opting out of surveys never changes how a ticket is handled.
    """

    SURVEY = "survey"
    """Send them satisfaction surveys (the surveys feature asks before every invitation)."""
    CONTACT = "contact"
    """Contact them proactively: detractor call-backs, follow-up tasks of the actions feature."""
    TEXT_ANALYTICS = "text_analytics"
    """Analyse their free text beyond the service (sentiment, themes, quotes)."""
    MODEL_TRAINING = "model_training"
    """Use their data and words in training sets and model evaluations."""


class ConsentSource(StrEnum):
    """How a consent decision reached the ledger."""

    IMPORT = "import"
    API = "api"
    CLI = "cli"
    UNSUBSCRIBE = "unsubscribe"
    SURVEY = "survey"


def parse_purpose(value: str) -> ConsentPurpose:
    """The purpose named `value`, or ValueError naming the allowed ones."""
    try:
        return ConsentPurpose(value.strip().lower())
    except ValueError:
        allowed = ", ".join(p.value for p in ConsentPurpose)
        raise ValueError(f"unknown consent purpose {value!r}: use one of {allowed}") from None
