"""Timestamps: the SQL that reads them, and the checks that refuse the implausible ones.

Pure: builds SQL text, runs nothing. Three kinds of check, each naming its field:

- a zone written as an abbreviation (`PST`, `IST`, `CST`, `BST`...) is refused: DuckDB's ICU reads
  each as one fixed zone (`BST` as Bangladesh, `IST` as India), often not the one the writer meant;
- a year outside the plausible window (1970-01-01 up to a year after today): placeholders such as
  `1899-12-30` (a spreadsheet's day zero) or `2099-12-31` are refused, not stored;
- a record's lifecycle in an impossible order (resolved before it was created) is refused.
"""

from __future__ import annotations

from datetime import UTC, datetime

from insightdesk.ingest.sql import Check, lit, one_of, q

OFFSET_PATTERN = r"(?i)(z|[+-]\d{2}(:?\d{2})?)$"
EARLIEST = datetime(1970, 1, 1)

# An abbreviation after the time (and after AM/PM): `09:00 PST`, `9:15 AM IST`. Only upper case:
# DuckDB reads no lower-case abbreviation, so those already fail as "not a valid timestamp".
ABBREVIATION_PATTERN = r"\d\s*(?:[AaPp][Mm]\s*)?([A-Z]{2,5})$"
# Abbreviations that name one offset everywhere (AM/PM are the 12-hour clock's, not zones).
UNAMBIGUOUS = ("UTC", "GMT", "AM", "PM")
# What the common ones are read as by different writers: the reason quotes it.
AMBIGUOUS_READINGS = {
    "PST": "Pacific or Philippine Standard Time",
    "IST": "India, Irish or Israel Standard Time",
    "CST": "US Central, China or Cuba Standard Time",
    "BST": "British Summer Time or Bangladesh Standard Time",
    "EST": "US or Australian Eastern Standard Time",
    "AST": "Atlantic or Arabia Standard Time",
    "CDT": "US Central or Cuba Daylight Time",
    "MST": "US Mountain or Malaysia Standard Time",
    "SST": "Samoa or Singapore Standard Time",
}

# (later, earlier): a record's own lifecycle; the later one may equal, never precede, the earlier.
# Source-update stamps are left out: they come from another clock (the real ServiceNow log has a
# few updates stamped minutes before the incident was opened).
ORDER_RULES: dict[str, tuple[tuple[str, str], ...]] = {
    "tickets": (
        ("first_response_at", "created_at"),
        ("resolved_at", "created_at"),
        ("closed_at", "created_at"),
    ),
    "problems": (("resolved_at", "created_at"), ("closed_at", "created_at")),
    "feedback": (("answered_at", "sent_at"),),
    "changes": (("closed_at", "implemented_at"),),
}


def latest_plausible(now: datetime | None = None) -> datetime:
    """A year after `now` (UTC): planned changes and survey invitations may lie a little ahead."""
    now = now or datetime.now(UTC).replace(tzinfo=None)
    try:
        return now.replace(year=now.year + 1, hour=0, minute=0, second=0, microsecond=0)
    except ValueError:  # 29 February
        return now.replace(year=now.year + 1, day=28, hour=0, minute=0, second=0, microsecond=0)


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


def ts_checks(name: str, raw: str, col: str, latest: datetime) -> list[Check]:
    """Checks of one parsed timestamp: its zone was not an abbreviation, its year is plausible."""
    zone = f"regexp_extract({raw}, {lit(ABBREVIATION_PATTERN)}, 1)"
    known = " ".join(f"WHEN {lit(k)} THEN {lit(' (' + v + ')')}" for k, v in AMBIGUOUS_READINGS.items())
    # Refused even where DuckDB's reading happens to be right: which reading the writer meant is unknowable.
    # The last character decides cheaply whether the regular expression needs to run at all.
    abbreviated = (
        f"{col} IS NOT NULL AND right({raw}, 1) BETWEEN 'A' AND 'Y' "
        f"AND NOT {one_of(zone, ('', *UNAMBIGUOUS))}"
    )
    zone_reason = (
        f"'time zone abbreviation ' || {zone} || ' is refused as ambiguous' || coalesce(CASE {zone} {known} END, '') "
        "|| '; write an offset such as -08:00, or an IANA zone such as America/Los_Angeles'"
    )
    low, high = lit(f"{EARLIEST:%Y-%m-%d}"), lit(f"{latest:%Y-%m-%d}")
    window_reason = (
        f"'year ' || CAST(year({col}) AS VARCHAR) || ' is outside the plausible range "
        f"{EARLIEST:%Y-%m-%d} to {latest:%Y-%m-%d} (a placeholder date?)'"
    )
    return [
        Check(name, abbreviated, raw, "ambiguous time zone abbreviation", reason_sql=zone_reason),
        Check(
            name,
            f"{col} < CAST({low} AS TIMESTAMP) OR {col} >= CAST({high} AS TIMESTAMP)",
            raw,
            "outside the plausible years",
            reason_sql=window_reason,
        ),
    ]


def order_checks(kind: str, columns: list[str]) -> list[Check]:
    """A lifecycle timestamp before the one it must follow (resolved before created) is refused."""
    checks = []
    for later, earlier in ORDER_RULES.get(kind, ()):
        if later not in columns or earlier not in columns:
            continue
        shown = [f"strftime({q(c)}, '%Y-%m-%d %H:%M:%S')" for c in (later, earlier)]
        checks.append(
            Check(
                later,
                f"{q(later)} < {q(earlier)}",
                q("r_" + later),
                f"{later} is before {earlier}",
                reason_sql=f"{lit(later + ' ')} || {shown[0]} || {lit(f' (UTC) is before {earlier} ')} || "
                f"{shown[1]} || ' (UTC)'",
            )
        )
    return checks
