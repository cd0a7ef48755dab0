"""Typing one canonical field: the SQL that casts its raw text, and the checks that explain a failure.

Pure: builds SQL text, runs nothing (validate.py assembles these per kind).
"""

from __future__ import annotations

import sqlalchemy as sa

from insightdesk.ingest.mapping import REFERENCE_TARGETS, FieldSpec, KindMapping, Mapping
from insightdesk.ingest.sql import Check, lit, q
from insightdesk.model import enums
from insightdesk.store.tables.canonical import metadata

TRUE_WORDS = ("true", "t", "yes", "y", "1")
FALSE_WORDS = ("false", "f", "no", "n", "0")
OFFSET_PATTERN = r"(?i)(z|[+-]\d{2}(:?\d{2})?)$"

# Canonical fields with a closed vocabulary (defined once, in model/enums.py).
ENUMS: dict[tuple[str, str], tuple[str, ...]] = enums.VOCABULARIES
NON_NEGATIVE = {
    "reopen_count",
    "reassignment_count",
    "sla_response_target_minutes",
    "sla_resolution_target_minutes",
    "seq",
    "lifetime_value",
}


def column_type(kind: str, name: str) -> type:
    return type(metadata.tables[kind].c[name].type)


def ts_expr(raw: str, formats: tuple[str, ...], timezone: str | None) -> str:
    """Text to a naive UTC timestamp.

    The ingest session's TimeZone is the mapping's zone, so a cast to TIMESTAMPTZ reads text with an
    offset as that instant and text without one as local time in the mapping's zone: one cast, no
    regular expression. A field with its own zone names it explicitly.
    """
    if timezone:
        iso = (
            f"CASE WHEN regexp_matches({raw}, {lit(OFFSET_PATTERN)}) "
            f"THEN timezone('UTC', TRY_CAST({raw} AS TIMESTAMPTZ)) "
            f"ELSE timezone('UTC', timezone({lit(timezone)}, TRY_CAST({raw} AS TIMESTAMP))) END"
        )
    else:
        iso = f"timezone('UTC', TRY_CAST({raw} AS TIMESTAMPTZ))"
    if not formats:
        return iso
    naive = [f for f in formats if "%z" not in f and "%Z" not in f]
    aware = [f for f in formats if f not in naive]
    parts = []
    if naive:
        fmt_list = "[" + ", ".join(lit(f) for f in naive) + "]"
        local = (
            f"timezone({lit(timezone)}, try_strptime({raw}, {fmt_list}))"
            if timezone
            else f"CAST(try_strptime({raw}, {fmt_list}) AS TIMESTAMPTZ)"
        )
        parts.append(f"timezone('UTC', {local})")
    if aware:
        fmt_list = "[" + ", ".join(lit(f) for f in aware) + "]"
        parts.append(f"timezone('UTC', try_strptime({raw}, {fmt_list}))")
    return "coalesce(" + ", ".join([*parts, iso]) + ")"


def typed_expr(mapping: Mapping, km: KindMapping, name: str, spec: FieldSpec) -> tuple[str, list[Check]]:
    raw = q("r_" + name)
    col = q(name)
    kind = km.kind
    ctype = column_type(kind, name)
    checks: list[Check] = []
    nullable = metadata.tables[kind].c[name].nullable
    missing = f"{raw} IS NOT NULL AND {col} IS NULL"
    if ctype is sa.DateTime:
        formats = spec.formats or mapping.formats
        expr = ts_expr(raw, formats, spec.timezone)
        shown = " or ".join(formats) if formats else "ISO 8601"
        checks.append(Check(name, missing, raw, f"not a valid timestamp (expected {shown})"))
    elif ctype is sa.Integer:
        expr = (
            f"coalesce(TRY_CAST({raw} AS BIGINT), CASE WHEN TRY_CAST({raw} AS DOUBLE) = "
            f"floor(TRY_CAST({raw} AS DOUBLE)) THEN CAST(TRY_CAST({raw} AS DOUBLE) AS BIGINT) END)"
        )
        checks.append(Check(name, missing, raw, "not a whole number"))
    elif ctype is sa.Float:
        expr = f"TRY_CAST({raw} AS DOUBLE)"
        checks.append(
            Check(
                name,
                f"{raw} IS NOT NULL AND ({col} IS NULL OR isnan({col}) OR isinf({col}))",
                raw,
                "not a number",
            )
        )
    elif ctype is sa.Boolean:
        trues = ", ".join(lit(w) for w in TRUE_WORDS)
        falses = ", ".join(lit(w) for w in FALSE_WORDS)
        expr = (
            f"(CASE WHEN lower({raw}) IN ({trues}) THEN TRUE WHEN lower({raw}) IN ({falses}) THEN FALSE END)"
        )
        checks.append(Check(name, missing, raw, "not a boolean (true/false, yes/no, 1/0)"))
    else:
        allowed = ENUMS.get((kind, name))
        if allowed:
            # Case-insensitive match, stored in the vocabulary's own spelling (l1 -> L1).
            # Exact spelling first: lower() allocates, and most files already use the vocabulary.
            exact = " ".join(f"WHEN {lit(v)} THEN {lit(v)}" for v in allowed)
            folded = " ".join(f"WHEN {lit(v.lower())} THEN {lit(v)}" for v in allowed)
            expr = f"(CASE {raw} {exact} ELSE (CASE lower({raw}) {folded} END) END)"
            hint = " (map source values with `values:` in the mapping)" if spec.column else ""
            checks.append(
                Check(name, missing, raw, f"not a valid {name}; expected one of {', '.join(allowed)}{hint}")
            )
        elif name in REFERENCE_TARGETS or name == "conversation_id":
            expr = f"CASE WHEN {raw} IS NOT NULL THEN {lit(mapping.source_system + ':')} || {raw} END"
        elif name == "language":
            expr = f"lower({raw})"
        else:
            expr = raw
    if name in NON_NEGATIVE and ctype in (sa.Integer, sa.Float):
        checks.append(Check(name, f"{col} < 0", raw, "must not be negative"))
    if not nullable:
        checks.append(Check(name, f"{raw} IS NULL", "NULL", f"required field {name} is missing"))
    return expr, checks


def feedback_scale(
    typed: list[str], checks: list[Check], columns: list[str], raw_exprs: dict[str, str]
) -> tuple[list[str], list[Check], list[str]]:
    """Fill scale_min/max from the scale and check the score lies inside it."""
    scale = f"lower({q('r_scale')})"
    mins = " ".join(f"WHEN {lit(s)} THEN {lo}" for s, (lo, _) in enums.SCALE_RANGES.items())
    maxs = " ".join(f"WHEN {lit(s)} THEN {hi}" for s, (_, hi) in enums.SCALE_RANGES.items())
    given_min = f"TRY_CAST({q('r_scale_min')} AS INTEGER)" if "scale_min" in raw_exprs else "NULL"
    given_max = f"TRY_CAST({q('r_scale_max')} AS INTEGER)" if "scale_max" in raw_exprs else "NULL"
    lo = f"coalesce(CASE {scale} {mins} END, {given_min})"
    hi = f"coalesce(CASE {scale} {maxs} END, {given_max})"
    typed = [t for t in typed if not t.endswith((' AS "scale_min"', ' AS "scale_max"'))]
    typed += [f"{lo} AS scale_min", f"{hi} AS scale_max"]
    columns = [c for c in columns if c not in ("scale_min", "scale_max")] + ["scale_min", "scale_max"]
    checks.append(
        Check(
            "scale_min",
            f"{q('r_scale')} IS NOT NULL AND (scale_min IS NULL OR scale_max IS NULL)",
            "NULL",
            "scale 'other' needs scale_min and scale_max",
        )
    )
    if "score" in raw_exprs:
        reason = "'score is outside the ' || scale || ' scale ' || scale_min || '-' || scale_max"
        checks.append(
            Check(
                "score",
                "score < scale_min OR score > scale_max",
                q("r_score"),
                "score is outside its scale",
                reason_sql=reason,
            )
        )
    return typed, checks, columns
