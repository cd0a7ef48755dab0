"""Compile a kind's mapping into DuckDB SQL that types, checks and explains every field.

Pure: builds SQL text, runs nothing. Validation is set-based (one pass over the staged
table) rather than row-by-row Python, which is what keeps millions of rows per minute.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from insightdesk.ingest.fields import feedback_scale, is_number, is_number_word, typed_expr
from insightdesk.ingest.mapping import FieldSpec, KindMapping, Mapping
from insightdesk.ingest.nul_bytes import clean_select
from insightdesk.ingest.readers import ROW
from insightdesk.ingest.sql import Check, lit, one_of, q
from insightdesk.ingest.timestamps import latest_plausible, order_checks, ts_checks, ts_expr
from insightdesk.store.tables.canonical import metadata

# Free text keeps its whitespace; every other value is trimmed before it is judged.
TEXT_FIELDS = {"description", "body", "comment", "root_cause", "subject", "title", "name"}


@dataclass(frozen=True)
class CompiledKind:
    """SQL fragments for one kind: typed columns, checks, hash."""

    kind: str
    columns: list[str]  # canonical columns produced (id first)
    raw_select: str  # SELECT list over the staged table: __row, raw text per field
    typed_select: str  # SELECT list over raw: __row, typed per field (+ fold helpers)
    checks: list[Check]
    missing_optional: list[str]
    extra_typed: list[str]  # helper columns (fold order, event time, actor)
    raw_names: list[str]  # the r_ columns the typed level passes through for the checks
    read_columns: tuple[str, ...] = ()  # the source columns the mapping reads

    @property
    def clean_select(self) -> str:
        """SELECT list over the source: NUL bytes removed from the columns read, __nul where found."""
        return clean_select(list(self.read_columns))

    def ok_sql(self) -> str:
        """True when a typed row passes every check."""
        bad = " OR ".join(f"coalesce({c.condition}, FALSE)" for c in self.checks) or "FALSE"
        return f"NOT ({bad})"

    def errors_sql(self) -> str:
        """A list of {field, value, reason} for every failed check of a typed row."""
        items = ", ".join(
            f"CASE WHEN coalesce({c.condition}, FALSE) THEN {{'field': {lit(c.field)}, "
            f"'value': CAST({c.value} AS VARCHAR), 'reason': CAST({c.reason_expr()} AS VARCHAR)}} END"
            for c in self.checks
        )
        return f"list_filter([{items}], x -> x IS NOT NULL)"

    def typed_relation(self, source: str) -> str:
        """SQL of the typed level over a source relation (a table name or a parenthesised query)."""
        cleaned = f"(SELECT {self.clean_select} FROM {source})"
        return f"(SELECT {self.typed_select} FROM (SELECT {self.raw_select} FROM {cleaned}))"


def compile_kind(
    mapping: Mapping,
    km: KindMapping,
    source_columns: list[str],
    *,
    reader_nulls: bool = False,
    now: datetime | None = None,
) -> CompiledKind:
    """Typed projection and checks for `km` over a source relation with `source_columns`.

    Four levels: clean (the source with NUL bytes removed), raw (`r_<field>` text per field), typed
    (the canonical column next to its raw text), checks (conditions over both, by column name, so no
    expression is evaluated twice). `reader_nulls`: the reader already applied the null markers
    that `reader_null_values` gives it. `now` places the end of the plausible years.
    """
    latest = latest_plausible(now)
    available = set(source_columns)
    missing_required: list[str] = []
    missing_optional: list[str] = []
    table = metadata.tables[km.kind]

    specs: dict[str, FieldSpec] = {"id": km.id, **km.fields}
    raw_exprs: dict[str, str] = {}
    for name, spec in specs.items():
        absent = _absent_columns(spec, available)
        if absent:
            required = name == "id" or (
                name in table.c and not table.c[name].nullable and name not in ("scale_min", "scale_max")
            )
            if spec.default is None and required:
                missing_required.append(f"{', '.join(map(repr, absent))} (for {name})")
            elif not km.auto:
                missing_optional.extend(absent)
            if spec.default is None:
                continue
        numeric = is_number(km.kind, name)
        raw_exprs[name] = _raw_expr(mapping, spec, available, name, reader_nulls, numeric)
    if missing_required:
        raise MissingColumnsError(
            f"the file lacks column(s) {', '.join(missing_required)} that kind {km.kind!r} requires; "
            f"it has: {', '.join(source_columns) or '(none)'}"
        )
    helpers: dict[str, str] = {}
    if km.fold:
        for i, col in enumerate(km.fold.order_by):
            _require(col, available, km.kind, "fold.order_by")
            helpers[f"__order{i}"] = _norm(mapping, q(col), reader_nulls=reader_nulls)
        _require(km.fold.event_time, available, km.kind, "fold.event_time")
        helpers["__event_time"] = _norm(mapping, q(km.fold.event_time), reader_nulls=reader_nulls)
        if km.fold.actor:
            _require(km.fold.actor, available, km.kind, "fold.actor")
            helpers["__actor"] = _norm(mapping, q(km.fold.actor), reader_nulls=reader_nulls)
    for kind_name, col in km.contacts.items():
        if col in available:
            helpers[f"__contact_{kind_name}"] = _norm(mapping, q(col), reader_nulls=reader_nulls)

    raw_names = ["r_" + n for n in raw_exprs] + ["r_" + n for n in helpers]
    raw_select = ", ".join(
        [q(ROW), "__nul"]
        + [f"{expr} AS {q('r_' + name)}" for name, expr in raw_exprs.items()]
        + [f"{expr} AS {q('r_' + name)}" for name, expr in helpers.items()]
    )

    typed: list[str] = [q(ROW), "__nul", *(q(n) for n in raw_names)]
    checks: list[Check] = []
    columns = ["id"]
    typed.append(f"{lit(mapping.source_system + ':')} || {q('r_id')} AS id")
    checks.append(Check("id", f"{q('r_id')} IS NULL", "NULL", "required id is missing"))
    for name in km.fields:
        if name not in raw_exprs:
            continue
        expr, field_checks = typed_expr(mapping, km, name, specs[name], latest)
        typed.append(f"{expr} AS {q(name)}")
        checks.extend(field_checks)
        columns.append(name)
    for name, column in table.c.items():
        if name in columns or name in ("is_stub",) or name in _LINEAGE:
            continue
        if not column.nullable and name not in ("scale_min", "scale_max"):
            checks.append(Check(name, "TRUE", "NULL", f"required field {name} is not mapped"))
    checks.extend(order_checks(km.kind, columns))
    extra_typed: list[str] = []
    if km.fold:
        fmts = mapping.formats
        for i in range(len(km.fold.order_by)):
            raw = q(f"r___order{i}")
            typed.append(
                f"coalesce(lpad(CAST(TRY_CAST({raw} AS BIGINT) AS VARCHAR), 20, '0'), "
                f"strftime({ts_expr(raw, fmts, None)}, '%Y%m%d%H%M%S'), {raw}) AS {q(f'__order{i}')}"
            )
            extra_typed.append(f"__order{i}")
        typed.append(f"{ts_expr(q('r___event_time'), fmts, None)} AS __event_time")
        checks.append(
            Check(
                km.fold.event_time,
                "__event_time IS NULL",
                q("r___event_time"),
                "event time is missing or not a timestamp",
            )
        )
        checks.extend(ts_checks(km.fold.event_time, q("r___event_time"), "__event_time", latest))
        extra_typed.append("__event_time")
        if km.fold.actor:
            typed.append(f"{q('r___actor')} AS __actor")
            extra_typed.append("__actor")
    for name in helpers:
        if name.startswith("__contact_"):
            raw = q("r_" + name)
            typed.append(f"lower({raw}) AS {q(name)}" if name.endswith("email") else f"{raw} AS {q(name)}")
            extra_typed.append(name)
    if km.kind == "feedback":
        typed, checks, columns = feedback_scale(typed, checks, columns, raw_exprs)
    return CompiledKind(
        kind=km.kind,
        columns=columns,
        raw_select=raw_select,
        typed_select=", ".join(typed),
        checks=checks,
        missing_optional=sorted(set(missing_optional)),
        extra_typed=extra_typed,
        raw_names=raw_names,
        read_columns=tuple(_used_columns(specs, km, available)),
    )


_LINEAGE = {"source_system", "source_id", "batch_id", "record_hash", "first_seen_at", "last_changed_at", "id"}


class MissingColumnsError(ValueError):
    """The file lacks a column the mapping needs for a required field."""


def _absent_columns(spec: FieldSpec, available: set[str]) -> list[str]:
    """Source columns a field needs that the file lacks (an `expr` names its columns in double quotes)."""
    if spec.column is not None:
        return [] if spec.column in available else [spec.column]
    if spec.expr is not None:
        named = {m.replace('""', '"') for m in re.findall(r'"((?:[^"]|"")+)"', spec.expr)}
        return sorted(named - available)
    return []


def _require(col: str, available: set[str], kind: str, what: str) -> None:
    if col not in available:
        raise MissingColumnsError(f"the file lacks column {col!r} that {kind} {what} needs")


def reader_null_values(null_values: tuple[str, ...]) -> tuple[str, ...]:
    """The null markers a reader may apply to every column: all but NaN and infinity, which a
    number field refuses rather than reads as null (`_norm` applies them to the other fields)."""
    return tuple(v for v in null_values if not is_number_word(v))


def _norm(
    mapping: Mapping,
    expr: str,
    *,
    keep_space: bool = False,
    reader_nulls: bool = False,
    numeric: bool = False,
) -> str:
    """Surrounding blanks trimmed (free text keeps them), empty and null tokens to NULL.

    trim() allocates a new string for every value, so it runs only on values that start or end
    with a blank; the LIKE tests are plain byte compares. A CSV reader applies the null tokens itself
    (those of `reader_null_values`).
    """
    value = (
        expr
        if keep_space
        else f"(CASE WHEN {expr} LIKE ' %' OR {expr} LIKE '% ' THEN trim({expr}) ELSE {expr} END)"
    )
    value = f"nullif({value}, '')"
    tokens = [v for v in mapping.null_values if v.strip() != ""]
    if numeric:
        tokens = [t for t in tokens if not is_number_word(t)]
    if reader_nulls:
        tokens = [t for t in tokens if is_number_word(t)]
    if not tokens:
        return value
    longest = max(len(t) for t in tokens)
    return f"CASE WHEN length({expr}) <= {longest + 2} AND {one_of(f'trim({expr})', tokens)} THEN NULL ELSE {value} END"


def _raw_expr(
    mapping: Mapping, spec: FieldSpec, available: set[str], name: str, reader_nulls: bool, numeric: bool
) -> str:
    keep = name in TEXT_FIELDS
    if spec.value is not None:
        base = lit(spec.value)
    elif spec.column is not None and spec.column in available:
        base = _norm(mapping, q(spec.column), keep_space=keep, reader_nulls=reader_nulls, numeric=numeric)
    elif spec.expr is not None and not _absent_columns(spec, available):
        base = _norm(mapping, f"CAST(({spec.expr}) AS VARCHAR)", keep_space=keep, numeric=numeric)
    else:
        base = "CAST(NULL AS VARCHAR)"
    if spec.values:
        cases = " ".join(f"WHEN {lit(k)} THEN {lit(v)}" for k, v in spec.values.items())
        base = f"(CASE lower({base}) {cases} ELSE {base} END)"
    if spec.default is not None:
        base = f"coalesce({base}, {lit(spec.default)})"
    return base


def _used_columns(specs: dict[str, FieldSpec], km: KindMapping, available: set[str]) -> list[str]:
    """Source columns the mapping reads, in a stable order."""
    used: set[str] = set()
    for spec in specs.values():
        if spec.column is not None:
            used.add(spec.column)
        elif spec.expr is not None:
            used.update(re.findall(r'"((?:[^"]|"")+)"', spec.expr))
    if km.fold:
        used.update([*km.fold.order_by, km.fold.event_time, *([km.fold.actor] if km.fold.actor else [])])
    used.update(km.contacts.values())
    return sorted(c.replace('""', '"') for c in used if c.replace('""', '"') in available)
