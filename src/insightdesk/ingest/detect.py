"""Tell which kind a file holds from its columns, for an upload whose sender did not say.

Each kind of a mapping expects certain source columns (its id column and those its fields read).
The kind that reads the largest share of the file's columns wins, ties broken by the Jaccard index
of the two sets (so a file of a few ticket columns is tickets, and a ticket_events file, which
shares `ticket_id` with many kinds, is told from a tickets file by everything else it holds). A
guess is made only when it is clear: its id column is present, at least half of the file's
columns belong to it, and no other kind comes close on both measures; otherwise the caller asks
the user to choose.

Only canonical column names (the generic profile, `auto` kinds) are told apart: a vendor's exports
share one shape between kinds (a Jira user file holds customers or agents alike, told apart only by
which endpoint it came from), so a guess there would be a coin toss that loads people as the wrong
kind.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path

from insightdesk.ingest.mapping import Mapping
from insightdesk.ingest.readers import detect_format

# Bytes read for the header: enough for a header of hundreds of columns, never the whole file.
HEAD_BYTES = 1 << 20
# The winner must beat the runner-up by this much Jaccard index to count as clear.
MARGIN = 0.15
MIN_SHARE = 0.5
# Two columns (`id,name`) fit organisations, teams, agents and customers alike: too few to tell.
MIN_COLUMNS = 3


class KindNotDetected(ValueError):
    """The columns do not say clearly which kind the file holds: the user must choose."""


@dataclass(frozen=True)
class KindGuess:
    kind: str
    matched: tuple[str, ...]  # the file's columns the kind reads
    columns: int  # columns in the file
    runner_up: str | None

    def explain(self) -> str:
        """One sentence for the page and the API: what was detected and from what."""
        shown = ", ".join(self.matched[:6]) + (", ..." if len(self.matched) > 6 else "")
        return (
            f"detected from the columns: {len(self.matched)} of the file's {self.columns} columns "
            f"are {self.kind} fields ({shown})"
        )


def file_columns(path: Path) -> list[str]:
    """The header of a CSV, the keys of the first JSON Lines record, or a Parquet file's schema."""
    fmt = detect_format(path)
    if fmt == "parquet":
        import pyarrow.parquet as pq

        return list(pq.read_schema(path).names)
    with open(path, "rb") as raw:
        head = raw.read(HEAD_BYTES)
    text = head.decode("utf-8-sig", errors="replace")
    if fmt == "jsonl":
        for line in text.splitlines():
            if line.strip():
                try:
                    record = json.loads(line)
                except ValueError:
                    return []
                return [str(k) for k in record] if isinstance(record, dict) else []
        return []
    lines = text.splitlines()[:20]
    if not lines:
        return []
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff("\n".join(lines), delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    return [c.strip() for c in next(csv.reader(io.StringIO(lines[0]), dialect), [])]


def expected_columns(mapping: Mapping, kind: str) -> tuple[str, set[str]]:
    """(id column, every source column the kind reads) under `mapping`."""
    km = mapping.for_kind(kind)
    columns = {spec.column for spec in km.fields.values() if spec.column}
    id_column = km.id.column or "id"
    return id_column, columns | {id_column}


def detect_kind(columns: list[str], mapping: Mapping) -> KindGuess:
    """The kind the columns clearly belong to; KindNotDetected says why none does."""
    have = {c for c in columns if c}
    if not all(km.auto for km in mapping.kinds.values()):
        raise KindNotDetected(
            f"the kind is detected from canonical column names (generic profile); the {mapping.name} "
            "profile's exports share one shape between kinds, so choose the kind"
        )
    if not have:
        raise KindNotDetected("the file has no header to tell its kind from; choose the kind")
    scored = []
    for kind in mapping.kinds:
        id_column, want = expected_columns(mapping, kind)
        common = have & want
        # Coverage first (an export of a few columns is still clearly tickets), then Jaccard.
        scored.append((len(common) / len(have), len(common) / len(have | want), kind, id_column, common))
    scored.sort(key=lambda s: (-s[0], -s[1], s[2]))
    coverage, jaccard, kind, id_column, common = scored[0]
    if len(common) < MIN_COLUMNS:
        raise KindNotDetected(
            f"{len(have)} column{'s' if len(have) != 1 else ''} ({', '.join(sorted(have)[:8])}) are too few "
            "to tell the kind; choose the kind"
        )
    if id_column not in have or coverage < MIN_SHARE:
        raise KindNotDetected(
            f"the columns ({', '.join(sorted(have)[:8])}) do not match any kind of the "
            f"{mapping.name} profile well enough; choose the kind"
        )
    runner = scored[1] if len(scored) > 1 else None
    if runner is not None and runner[0] > coverage - MARGIN and runner[1] > jaccard - MARGIN:
        raise KindNotDetected(
            f"the columns fit both {kind} and {runner[2]} ({mapping.name} profile); choose the kind"
        )
    ordered = tuple(c for c in columns if c in common)
    return KindGuess(kind, ordered, len(have), runner[2] if runner else None)
