"""Naive-UTC time and random identifiers, in one place so every record is stamped alike."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets


def utcnow() -> dt.datetime:
    """Now in UTC without a zone, at microsecond precision (what both engines store)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def new_id(prefix: str = "") -> str:
    return prefix + secrets.token_hex(8)


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
