"""Minimisation per source: keep only the canonical fields a mapping allows, store free text redacted.

A mapping's `minimisation` section (docs/privacy.md, Minimisation) says, per kind, which canonical
fields to keep (`keep`) and whether free text is stored only redacted (`redacted_text`). A field
that is not kept is never read from the file: it reaches no table (not the record, not its history,
not quarantine). Redaction runs inside the staging DuckDB as a function over the source column, so
every level after the read (typed values, checks, quarantine values and raw records) only ever
holds the redacted text; the raw text lives in memory while a record is read, never in the store
or in a file (spilling to disk is switched off for such a batch, and a file that would need a
transcoded copy is refused).

The redactor is the text layer's, which ingest may not import: callers above both pass it in
(`ingest_file(..., redact_text=...)`, see `insightdesk.text.pipeline.ingest_redactor`).
"""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from insightdesk.ingest.sql import q
from insightdesk.store.tables.base import business_columns
from insightdesk.store.tables.canonical import metadata

if TYPE_CHECKING:
    import duckdb

    from insightdesk.ingest.mapping import FieldSpec, KindMapping, Mapping

RedactFn = Callable[[str], str]

# The canonical free-text fields: what a person wrote or what is written about them.
FREE_TEXT_FIELDS: dict[str, tuple[str, ...]] = {
    "tickets": ("subject", "description"),
    "interactions": ("body",),
    "feedback": ("comment",),
    "problems": ("title", "description", "root_cause"),
    "changes": ("title",),
    "articles": ("title", "body"),
}
UDF = "insightdesk_redact"
_QUOTED = re.compile(r'"((?:[^"]|"")+)"')
_REQUIRED_EXEMPT = {"scale_min", "scale_max", "is_stub"}


class MinimisationError(ValueError):
    """The `minimisation` section of a mapping is wrong; the message names the key."""


@dataclass(frozen=True)
class Minimisation:
    """What a source may store: `keep` per kind (kinds not named keep every field), `redacted_text`."""

    keep: dict[str, frozenset[str]] = field(default_factory=dict)
    redacted_text: bool = False

    @property
    def active(self) -> bool:
        return bool(self.keep) or self.redacted_text


def parse_minimisation(data: Any, origin: str, kinds: dict[str, Any]) -> Minimisation:
    """The `minimisation` section of a mapping (None: nothing minimised)."""
    if data is None:
        return Minimisation()
    where = f"{origin}, minimisation"
    if not isinstance(data, dict) or set(data) - {"keep", "redacted_text"}:
        raise MinimisationError(f"{where}: give `keep` (kind: [fields]) and/or `redacted_text: true`")
    redacted = data.get("redacted_text", False)
    if not isinstance(redacted, bool):
        raise MinimisationError(f"{where}.redacted_text: must be true or false, not {redacted!r}")
    keep_data = data.get("keep") or {}
    if not isinstance(keep_data, dict):
        raise MinimisationError(f"{where}.keep: map each kind to the list of fields to keep")
    keep: dict[str, frozenset[str]] = {}
    for kind, names in keep_data.items():
        if kind not in kinds:
            raise MinimisationError(f"{where}.keep: kind {kind!r} is not mapped; mapped: {', '.join(kinds)}")
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise MinimisationError(f"{where}.keep.{kind}: give a list of canonical field names")
        contacts = set(kinds[kind].contacts)
        allowed = set(business_columns(kind)) | contacts
        unknown = sorted(set(names) - allowed - {"id"})
        if unknown:
            raise MinimisationError(
                f"{where}.keep.{kind}: {', '.join(map(repr, unknown))} not canonical fields of {kind}; "
                f"fields: {', '.join(sorted(allowed))}"
            )
        table = metadata.tables[kind]
        required = [
            c for c in business_columns(kind) if not table.c[c].nullable and c not in _REQUIRED_EXEMPT
        ]
        missing = [c for c in required if c not in names]
        if missing:
            raise MinimisationError(
                f"{where}.keep.{kind}: must keep the required field(s) {', '.join(missing)}, without which "
                "no record can be stored"
            )
        keep[kind] = frozenset(names)
    return Minimisation(keep=keep, redacted_text=redacted)


@dataclass(frozen=True)
class MinimisePlan:
    """How one batch is minimised: the restricted kind mapping, and the redactor to install."""

    kind: KindMapping
    redact: RedactFn | None = None
    # Source columns that feed a free-text field: redacted in quarantine's raw records too.
    redact_columns: frozenset[str] = frozenset()
    active: bool = False

    def attach(self, con: duckdb.DuckDBPyConnection) -> None:
        """Install the redactor as a SQL function and keep the batch off the disk (no spilling)."""
        if self.redact is None:
            return
        # DuckDB may evaluate the function once per reference to a field (its value, its checks, the
        # record hash): a small cache of the latest texts, in memory only, redacts each once.
        redact = functools.lru_cache(maxsize=8192)(self.redact)
        con.create_function(UDF, lambda text: redact(text), ["VARCHAR"], "VARCHAR", side_effects=False)
        con.execute("SET temp_directory = ''")

    def detach(self, con: duckdb.DuckDBPyConnection) -> None:
        if self.redact is not None:
            # Never installed (the batch failed before attach): nothing to remove.
            with contextlib.suppress(Exception):
                con.remove_function(UDF)

    def quarantine_raw(self, read_columns: tuple[str, ...]) -> list[str] | None:
        """The struct_pack items of a rejected record's raw copy: None keeps every source column as read;
        minimised, only the columns the kept fields read, free text redacted."""
        if not self.active:
            return None
        items = []
        for column in read_columns:
            value = f"{UDF}({q(column)})" if column in self.redact_columns else q(column)
            items.append(f"{q(column)} := {value}")  # struct_pack's syntax
        return items or ["minimised := NULL"]


def plan_minimisation(
    mapping: Mapping,
    kind: str,
    redact: RedactFn | None,
    path: Path,
    fmt: str | None,
    encoding: str | None,
) -> MinimisePlan:
    """The plan for `kind` under the mapping's minimisation; MinimisationError when it cannot be
    honoured (MappingError when the mapping has no such kind)."""
    km = mapping.for_kind(kind)
    minimisation = mapping.minimisation
    encoding = encoding or mapping.csv.get("encoding")
    if not minimisation.active:
        return MinimisePlan(kind=km)
    keep = minimisation.keep.get(km.kind)
    fields = dict(km.fields)
    contacts = dict(km.contacts)
    if keep is not None:
        fields = {name: spec for name, spec in fields.items() if name in keep}
        contacts = {name: column for name, column in contacts.items() if name in keep}
    fold = km.fold
    if fold is not None:
        fold = replace(fold, track=tuple(t for t in fold.track if t in fields))
    texts = [n for n in FREE_TEXT_FIELDS.get(km.kind, ()) if n in fields]
    if not (minimisation.redacted_text and texts):
        kept = replace(km, fields=fields, contacts=contacts, fold=fold)
        return MinimisePlan(kind=kept, active=True)
    if redact is None:
        raise MinimisationError(
            "the mapping stores free text redacted only (minimisation.redacted_text), but this caller gave "
            "no redactor; nothing was written"
        )
    if needs_staged_copy(path, fmt, encoding):
        raise MinimisationError(
            f"{path}: the mapping stores free text redacted only, and this file would first be copied "
            "in full to a staging file (gzip with a non-native encoding, or not UTF-8); convert it to "
            "UTF-8 first. Nothing was written"
        )
    redact_columns: set[str] = set()
    for name in texts:
        fields[name], used = _redacted(fields[name])
        redact_columns |= used
    kept = replace(km, fields=fields, contacts=contacts, fold=fold)
    return MinimisePlan(kept, redact, frozenset(redact_columns), active=True)


def _redacted(spec: FieldSpec) -> tuple[FieldSpec, set[str]]:
    """`spec` read through the redactor, with the source columns it reads."""
    if spec.column is not None:
        expr = f"{UDF}(CAST({q(spec.column)} AS VARCHAR))"
        return replace(spec, column=None, expr=expr), {spec.column}
    if spec.expr is not None:
        used = {m.replace('""', '"') for m in _QUOTED.findall(spec.expr)}
        return replace(spec, expr=f"{UDF}(CAST(({spec.expr}) AS VARCHAR))"), used
    return spec, set()  # a constant is the mapping's text, not a person's


def needs_staged_copy(path: Path, fmt: str | None, encoding: str | None) -> bool:
    """Whether reading `path` first writes a transcoded copy to the staging folder."""
    from insightdesk.ingest.csv_reader import NATIVE_ENCODINGS, resolve_encoding
    from insightdesk.ingest.readers import detect_format
    from insightdesk.ingest.source import inspect_source

    fmt = detect_format(path, fmt)
    if fmt == "parquet":
        return False
    enc = resolve_encoding(path, inspect_source(path, fmt), encoding)
    return enc not in NATIVE_ENCODINGS if fmt == "csv" else enc != "utf-8"
