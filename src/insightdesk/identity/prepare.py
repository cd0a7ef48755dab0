"""Normalise a frame of person records into what matching compares, and say which cannot be matched.

Input: a pandas frame with `record_id` and any of `spec.RECORD_FIELDS` (or a single `name` column,
split into first name and surname), plus optional `emails` / `phones`: each record's further
addresses and numbers (lists), which count as deterministic keys. Output: the same records with normalised values (lower-case
ASCII names without titles, valid e-mail addresses, E.164 phone numbers, ISO dates), the nickname
forms of the first name, and `unusable_reason` for a record no rule could ever link.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pandas as pd

from insightdesk.identity.nicknames import name_forms
from insightdesk.identity.spec import RECORD_FIELDS

_TITLES = r"\b(?:mr|mrs|ms|miss|mx|dr|prof|sir|dame|rev|jr|sr|ii|iii|phd|md)\b\.?"
_EMAIL = re.compile(r"^[a-z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}$")
# Addresses that many unrelated people "share": never a key, never compared.
_PLACEHOLDER_LOCALS = {"noreply", "no-reply", "donotreply", "unknown", "none", "null", "na", "test", "info"}
_PLACEHOLDER_DOMAINS = {"example.com", "example.org", "example.net", "invalid", "test.com", "localhost"}
_PLACEHOLDER_IDS = {"", "0", "na", "n/a", "none", "null", "unknown", "-", "nan"}


class RecordError(ValueError):
    """A record frame that cannot be matched at all (one sentence, naming the column)."""


def _blank_to_none(series: pd.Series) -> pd.Series:
    text = series.astype("string").str.strip()
    return text.mask(text.isna() | (text == ""), None)


def normalise_name(series: pd.Series) -> pd.Series:
    """Lower-case ASCII letters, hyphens and apostrophes; titles dropped; `@handles` are not names."""
    text = _blank_to_none(series)
    text = text.mask(text.str.startswith("@", na=False), None)
    ascii_text = text.str.normalize("NFKD").str.encode("ascii", "ignore").str.decode("ascii").str.lower()
    cleaned = (
        ascii_text.str.replace(_TITLES, " ", regex=True)
        .str.replace(r"[^a-z' -]", " ", regex=True)
        .str.replace(r"\s+", " ", regex=True)
        .str.strip(" -'")
    )
    return cleaned.mask(cleaned.isna() | (cleaned == ""), None).astype(object)


def normalise_email(series: pd.Series) -> pd.Series:
    """Trimmed lower-case addresses that look like one; placeholders and malformed ones become None."""
    text = _blank_to_none(series).str.lower().str.replace(r"^mailto:", "", regex=True)
    valid = text.str.match(_EMAIL.pattern, na=False)
    parts = text.str.split("@", n=1)
    local, domain = parts.str[0], parts.str[1]
    placeholder = local.isin(_PLACEHOLDER_LOCALS) | domain.isin(_PLACEHOLDER_DOMAINS)
    return text.where(valid & ~placeholder.fillna(False), None).astype(object)


def normalise_phone(series: pd.Series, regions: pd.Series | None = None) -> pd.Series:
    """E.164 numbers (`+447700900123`), read in the record's country when it has no `+`; else None."""
    import phonenumbers

    text = _blank_to_none(series)
    out: list[str | None] = [None] * len(text)
    region_values = list(regions) if regions is not None else [None] * len(text)
    for i, (raw, region) in enumerate(zip(text.tolist(), region_values, strict=True)):
        if raw is None or raw is pd.NA:
            continue
        digits = re.sub(r"\D", "", str(raw))
        if len(digits) < 7 or len(set(digits)) == 1:  # too short to identify, or 0000000 filler
            continue
        guess = str(region).upper() if isinstance(region, str) and len(region) == 2 else None
        try:
            number = phonenumbers.parse(str(raw), guess)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_possible_number(number):
            out[i] = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return pd.Series(out, index=series.index, dtype=object)


def normalise_date(series: pd.Series) -> pd.Series:
    """ISO dates from YYYYMMDD, YYYY-MM-DD or timestamps; impossible or future dates become None."""
    text = _blank_to_none(series).str.replace(r"\.0$", "", regex=True)
    compact = text.str.fullmatch(r"\d{8}", na=False)
    parsed = pd.to_datetime(text.where(~compact), errors="coerce", format="mixed")
    parsed_compact = pd.to_datetime(text.where(compact), errors="coerce", format="%Y%m%d")
    when = parsed.fillna(parsed_compact)
    ok = when.notna() & (when.dt.year >= 1900) & (when <= pd.Timestamp(dt.date.today()))
    return when.dt.strftime("%Y-%m-%d").where(ok, None).astype(object)


def _normalise_id(series: pd.Series) -> pd.Series:
    text = _blank_to_none(series).str.replace(r"\s+", "", regex=True)
    return text.mask(text.str.lower().isin(_PLACEHOLDER_IDS), None).astype(object)


def _split_full_name(names: pd.Series) -> tuple[pd.Series, pd.Series]:
    """First token is the first name, last token the surname; a single token is taken as a surname."""
    tokens = names.str.split(" ")
    count = tokens.str.len()
    first = tokens.str[0].where(count >= 2, None)
    last = tokens.str[-1]
    return first.astype(object), last.astype(object)


def _as_list(value: Any) -> list[Any]:
    """A record's other contacts of one kind: a list (or tuple, array), one value, or nothing."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple | set) or hasattr(value, "tolist"):
        return list(value.tolist() if hasattr(value, "tolist") else value)
    return []


def contact_keys(
    primary: pd.Series, others: pd.Series | None, normalise: Any, regions: pd.Series | None = None
) -> pd.Series:
    """Per record, every distinct normalised value of one kind of contact, its primary first.

    `others` holds each record's further addresses or numbers (`customer_contacts` keeps them all):
    any of them is a deterministic key. Only the primary enters the probabilistic model, so a
    record with ten addresses costs the model nothing more.
    """
    keys: list[list[str]] = [[v] if isinstance(v, str) else [] for v in primary.tolist()]
    if others is not None:
        flat = others.reset_index(drop=True).map(_as_list).explode().dropna()
        if not flat.empty:
            text = flat.astype(str)
            if regions is None:
                values = normalise(text)
            else:  # a phone without `+` is read in its record's country
                values = normalise(text, regions.reset_index(drop=True).loc[flat.index])
            for position, value in zip(values.index, values.tolist(), strict=True):
                if isinstance(value, str) and value not in keys[position]:
                    keys[position].append(value)
    return pd.Series([tuple(k) for k in keys], index=primary.index, dtype=object)


def _unusable_reason(frame: pd.DataFrame) -> pd.Series:
    has_key = frame[["email", "phone", "external_id"]].notna().any(axis=1)
    has_key |= (frame["email_keys"].str.len() > 0) | (frame["phone_keys"].str.len() > 0)
    has_other = frame[["dob", "street", "postcode"]].notna().any(axis=1)
    full_name = frame["first_name"].notna() & frame["surname"].notna()
    no_name = frame["first_name"].isna() & frame["surname"].isna()
    reason = pd.Series(None, index=frame.index, dtype=object)
    partial = "no email, phone or external id, and only part of a name"
    reason = reason.mask(~has_key & ~has_other & ~full_name, partial)
    return reason.mask(~has_key & ~has_other & no_name, "no name and no email, phone, external id or address")


def prepare_records(records: pd.DataFrame) -> pd.DataFrame:
    """The normalised frame matching runs on (see the module docstring); the input is not changed."""
    if "record_id" not in records.columns:
        raise RecordError("the records have no record_id column: every record needs its own id")
    ids = records["record_id"].astype("string")
    if ids.isna().any():
        raise RecordError(f"record {int(ids.isna().values.argmax()) + 1} has an empty record_id")
    duplicated = ids[ids.duplicated()]
    if len(duplicated):
        raise RecordError(f"record_id {duplicated.iloc[0]!r} appears more than once: ids must be unique")
    frame = pd.DataFrame({"record_id": ids.astype(str).values}, index=records.index)
    for column in RECORD_FIELDS[1:]:
        frame[column] = records[column] if column in records.columns else None
    if "name" in records.columns and records.get("first_name") is None and records.get("surname") is None:
        frame["first_name"], frame["surname"] = _split_full_name(normalise_name(records["name"]))
    else:
        frame["first_name"] = normalise_name(frame["first_name"])
        frame["surname"] = normalise_name(frame["surname"])
    frame["full_name"] = (frame["first_name"].fillna("") + " " + frame["surname"].fillna("")).str.strip()
    frame["full_name"] = frame["full_name"].mask(frame["full_name"] == "", None)
    frame["first_name_forms"] = [name_forms(n) for n in frame["first_name"]]
    frame["source_system"] = _blank_to_none(frame["source_system"]).fillna("unknown").astype(object)
    frame["email"] = normalise_email(frame["email"])
    frame["email_user"] = frame["email"].str.split("@").str[0]
    country = _blank_to_none(frame["country"]).str.upper()
    frame["country"] = country.astype(object)
    frame["phone"] = normalise_phone(frame["phone"], country)
    frame["email_keys"] = contact_keys(frame["email"], records.get("emails"), normalise_email)
    frame["phone_keys"] = contact_keys(frame["phone"], records.get("phones"), normalise_phone, country)
    frame["dob"] = normalise_date(frame["dob"])
    frame["street"] = normalise_name(frame["street"].astype("string").str.replace(r"\d", " ", regex=True))
    frame["postcode"] = _normalise_id(frame["postcode"]).str.upper()
    frame["city"] = normalise_name(frame["city"])
    frame["external_id"] = _normalise_id(frame["external_id"])
    frame["organisation_id"] = _blank_to_none(frame["organisation_id"]).astype(object)
    frame["updated_at"] = pd.to_datetime(frame["updated_at"], errors="coerce", utc=True).dt.tz_localize(None)
    frame["unusable_reason"] = _unusable_reason(frame)
    return frame.reset_index(drop=True)


def present_fields(prepared: pd.DataFrame) -> set[str]:
    """Fields at least 1% of the records fill: the ones worth comparing in this data set."""
    minimum = max(1, int(0.01 * len(prepared)))
    candidates = (
        "first_name",
        "surname",
        "email",
        "phone",
        "dob",
        "street",
        "postcode",
        "city",
        "external_id",
        "organisation_id",
    )
    return {c for c in candidates if int(prepared[c].notna().sum()) >= minimum}


def records_summary(prepared: pd.DataFrame) -> dict[str, Any]:
    """How many records carry each identifier, for the run summary."""
    return {
        "records": len(prepared),
        "unusable": int(prepared["unusable_reason"].notna().sum()),
        **{f"with_{c}": int(prepared[c].notna().sum()) for c in ("email", "phone", "external_id", "dob")},
    }
