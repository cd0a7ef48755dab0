"""What a vendor module provides: streams that page through an API from a cursor.

A stream turns API objects into records of the shape its ingest profile reads (the same shape a
file export of that vendor has), so a connector and a file give the same store. Each page carries
the cursor to resume from once its records are committed: a vendor cursor, or the newest update
time and id seen (the tie-breaker), never a page number that shifts as the source changes.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from insightdesk.connectors.http import TerminalVendorError, VendorClient
from insightdesk.connectors.sources import SourceConfig

Cursor = dict[str, Any]


@dataclass
class Page:
    """One API page: its records, where to resume after them, the newest update among them."""

    records: list[dict[str, Any]]
    cursor: Cursor
    newest: datetime | None = None
    last: bool = False


class Stream(ABC):
    """One incremental feed of a vendor (tickets, ratings, events...) into one ingest kind."""

    name: str
    kind: str
    profile: str
    # The vendor's documented properties: any other key is reported as schema drift.
    known_fields: frozenset[str] = frozenset()
    # Records that only name deleted records ({"source_id", "deleted_at"}): the sync turns them into
    # the stored records marked cancelled (`tombstones`) and ingests those with the generic profile.
    tombstones: bool = False
    # The vendor profile whose source system a tombstone stream's records belong to.
    records_of: str = ""

    @abstractmethod
    def pages(self, client: VendorClient, cursor: Cursor | None, source: SourceConfig) -> Iterator[Page]:
        """Pages from `cursor` (None: from the source's `start`) to the end of what exists now."""


def new_fields(objects: Iterable[dict[str, Any]], known: frozenset[str]) -> set[str]:
    """Top-level keys of the API objects that the stream does not know (ignored, and reported)."""
    if not known:
        return set()
    seen: set[str] = set()
    for obj in objects:
        seen.update(obj)
    return seen - known


def parse_time(value: object) -> datetime | None:
    """A vendor timestamp (ISO 8601 with Z or an offset, or ServiceNow's 'YYYY-MM-DD HH:MM:SS' in UTC)."""
    if not isinstance(value, str) or not value:
        return None
    text = value.strip().replace("Z", "+00:00")
    if len(text) > 5 and text[-5] in "+-" and text[-3] != ":":  # Jira: +0000
        text = f"{text[:-2]}:{text[-2:]}"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)


def newest(times: Iterable[datetime | None], current: datetime | None = None) -> datetime | None:
    """The latest of the times given (naive ones are UTC, as the store keeps them)."""
    values = [t if t.tzinfo else t.replace(tzinfo=UTC) for t in (*times, current) if t is not None]
    return max(values) if values else None


def check_repeat(previous: object, following: object, stream: str) -> bool:
    """Whether a vendor handed back the cursor it was given: the stream stops instead of looping."""
    return previous is not None and previous == following


def epoch(moment: datetime) -> int:
    return int(moment.astimezone(UTC).timestamp())


def field_set(names: str) -> frozenset[str]:
    """A documented field list written as one space-separated string (easier to diff than a list)."""
    return frozenset(names.split())


def listed(body: Any, key: str, vendor: str, path: str) -> list[dict[str, Any]]:
    """`body[key]` when it is a list of objects; anything else is a terminal error naming the key."""
    items = body.get(key) if isinstance(body, dict) else None
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise TerminalVendorError(
            f"{vendor} GET {path} answered JSON without a `{key}` list of objects; the API changed or "
            "the base URL points elsewhere",
            vendor=vendor, status=200, path=path,
        )  # fmt: skip
    return items
