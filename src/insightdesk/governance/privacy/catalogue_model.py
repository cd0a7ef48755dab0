"""The shapes of the personal-data catalogue: data classes, whose data a table holds, how its rows
reach a person. The entries themselves are in `catalogue_core` and `catalogue_features`."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class DataClass(StrEnum):
    """What kind of personal data a column can hold (docs/privacy.md explains each)."""

    IDENTITY = "identity"
    """Names and identifiers of a person: customer and source ids, user names, agent names."""
    CONTACT = "contact"
    """Email addresses, phone numbers, network addresses."""
    FREE_TEXT = "free_text"
    """Text a person wrote or that is about them: may hold anything, names and addresses included."""
    SCORE = "score"
    """Ratings and scores a person gave, or that were computed about them."""
    BEHAVIOURAL = "behavioural"
    """What a person did and when: contact times, channels, preferences, consent decisions."""
    NONE = "none"
    """No personal data: codes, counts, settings, hashes that cannot be reversed, aggregates."""


class Subject(StrEnum):
    """Whose personal data a table holds."""

    CUSTOMER = "customer"
    """The desk's customers: export and erasure act on these rows."""
    STAFF = "staff"
    """Agents and InsightDesk accounts (employees): handled by the employer's HR process."""
    NOBODY = "nobody"
    """No personal data, or only aggregates over many people."""


@dataclass(frozen=True)
class Link:
    """How a table's rows reach a customer.

    - `column` holds customers.id (`via` empty): the row is that customer's;
    - `via` names a table: `column` holds that table's key (its `id` unless `via_key`), and the row
      belongs to whoever that table's row belongs to;
    - `entity_column` set: the row's `column` is an id in the table named by its `entity_column`
      (record history, text analyses);
    - `embedded`: the person's identifiers may appear inside free text or JSON of the named columns,
      found by searching for them (quarantined raw records, theme quotes, audit details).
    """

    column: str | None = None
    via: str | None = None
    via_key: str = "id"
    entity_column: str | None = None
    embedded: tuple[str, ...] = ()


@dataclass(frozen=True)
class TableEntry:
    """One table in the catalogue: whose data, how rows reach a person, and every column's class."""

    subject: Subject
    personal: dict[str, DataClass] = field(default_factory=dict)
    plain: str = ""
    """Columns without personal data, separated by spaces (a short way to write DataClass.NONE)."""
    link: Link | None = None
    note: str = ""

    def classes(self) -> dict[str, DataClass]:
        """Every column this entry classifies, with its class."""
        named = dict.fromkeys(self.plain.split(), DataClass.NONE)
        return {**named, **self.personal}


@dataclass(frozen=True)
class Artefact:
    """Personal data outside the tables: files, logs, derived artefacts."""

    name: str
    where: str
    data_classes: tuple[DataClass, ...]
    lifecycle: str
