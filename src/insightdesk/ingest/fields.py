"""Typing one canonical field: the SQL that casts its raw text, and the checks that explain a failure.

Pure: builds SQL text, runs nothing (validate.py assembles these per kind).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from insightdesk.ingest.mapping import REFERENCE_TARGETS, FieldSpec, KindMapping, Mapping
from insightdesk.ingest.sql import Check, lit, one_of, q
from insightdesk.ingest.timestamps import ts_checks, ts_expr
from insightdesk.model import enums
from insightdesk.store.tables.canonical import metadata

TRUE_WORDS = ("true", "t", "yes", "y", "1")
FALSE_WORDS = ("false", "f", "no", "n", "0")

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


# The store's INTEGER columns hold 32 bits on both engines: a larger count is an error, not a crash.
INT_RANGE = (-(2**31), 2**31 - 1)
# Spellings of IEEE NaN and infinity. In a number field they are refused as "not a number", even
# where the mapping lists them among its null markers (pandas writes NaN for a missing value in a
# text column, but a NaN score is a broken score, not an unanswered survey).
NUMBER_WORDS = ("nan", "inf", "infinity")
# Fields filled by the engine from another field: a blank source value takes that default.
DERIVED_DEFAULTS = ("scale_min", "scale_max")


def is_number_word(token: str) -> bool:
    """`NaN`, `-inf`, `Infinity`...: a null marker that a number field must not honour."""
    return token.strip().lower().lstrip("+-") in NUMBER_WORDS


def is_number(kind: str, name: str) -> bool:
    table = metadata.tables[kind]
    return name in table.c and column_type(kind, name) in (sa.Integer, sa.Float)


def int_expr(raw: str) -> str:
    """Text to BIGINT: `3` and `3.0`; NULL for anything else, NaN and infinity included (no cast error)."""
    as_double = f"TRY_CAST({raw} AS DOUBLE)"
    return (
        f"coalesce(TRY_CAST({raw} AS BIGINT), CASE WHEN {as_double} = floor({as_double}) "
        f"THEN TRY_CAST({as_double} AS BIGINT) END)"
    )


def column_type(kind: str, name: str) -> type:
    return type(metadata.tables[kind].c[name].type)


def typed_expr(
    mapping: Mapping, km: KindMapping, name: str, spec: FieldSpec, latest: datetime
) -> tuple[str, list[Check]]:
    """SQL typing field `name` from its raw text, and its checks; `latest` ends the plausible years."""
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
        checks.extend(ts_checks(name, raw, col, latest))
    elif ctype is sa.Integer:
        expr = int_expr(raw)
        low, high = INT_RANGE
        too_large = f"out of range (at most {high:,})"
        as_double = f"TRY_CAST({raw} AS DOUBLE)"
        checks.append(
            Check(
                name,
                missing,
                raw,
                "not a whole number",
                # 1e30 is whole, but past even BIGINT: say so rather than "not a whole number".
                reason_sql=f"CASE WHEN {as_double} = floor({as_double}) AND isfinite({as_double}) "
                f"THEN {lit(too_large)} ELSE 'not a whole number' END",
            )
        )
        checks.append(Check(name, f"{col} NOT BETWEEN {low} AND {high}", raw, too_large))
    elif ctype is sa.Float:
        expr = f"TRY_CAST({raw} AS DOUBLE)"
        checks.append(
            Check(
                name,
                f"{raw} IS NOT NULL AND ({col} IS NULL OR isnan({col}) OR isinf({col}))",
                raw,
                "not a number",
                reason_sql=f"CASE WHEN isnan({col}) OR isinf({col}) THEN 'not a number: NaN and infinity "
                "are refused (leave the field empty when there is no value)' ELSE 'not a number' END",
            )
        )
    elif ctype is sa.Boolean:
        trues, falses = one_of(f"lower({raw})", TRUE_WORDS), one_of(f"lower({raw})", FALSE_WORDS)
        expr = f"(CASE WHEN {trues} THEN TRUE WHEN {falses} THEN FALSE END)"
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
    if not nullable and name not in DERIVED_DEFAULTS:
        checks.append(Check(name, f"{raw} IS NULL", "NULL", f"required field {name} is missing"))
    return expr, checks


def feedback_scale(
    typed: list[str], checks: list[Check], columns: list[str], raw_exprs: dict[str, str]
) -> tuple[list[str], list[Check], list[str]]:
    """Fill scale_min/max from the scale and check the score lies inside it.

    A named scale (csat, nps, ces) has its range in model/enums.py: blank bounds take it, and given
    bounds must agree with it. Scale `other` takes its bounds from the record.
    """
    scale = f"lower({q('r_scale')})"
    known: dict[str, str] = {}
    given: dict[str, str] = {}
    for i, bound in enumerate(DERIVED_DEFAULTS):
        cases = " ".join(f"WHEN {lit(s)} THEN {r[i]}" for s, r in enums.SCALE_RANGES.items())
        known[bound] = f"(CASE {scale} {cases} END)"
        given[bound] = int_expr(q("r_" + bound)) if bound in raw_exprs else "NULL"
        if bound in raw_exprs:
            checks.append(
                Check(
                    bound,
                    f"{q('r_' + bound)} IS NOT NULL AND {known[bound]} IS NOT NULL "
                    f"AND {given[bound]} IS DISTINCT FROM {known[bound]}",
                    q("r_" + bound),
                    f"{bound} does not match the scale",
                    reason_sql=f"{lit(bound + ' ')} || {q('r_' + bound)} || ' does not match the ' || "
                    f"{scale} || ' scale ' || scale_min || '-' || scale_max || ' (leave it empty)'",
                )
            )
    lo = f"coalesce({known['scale_min']}, {given['scale_min']})"
    hi = f"coalesce({known['scale_max']}, {given['scale_max']})"
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
