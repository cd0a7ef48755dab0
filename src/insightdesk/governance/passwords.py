"""Password hashing (argon2id through argon2-cffi) and password rules."""

from __future__ import annotations

import re
import secrets
import string
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from insightdesk.config import get_settings

MIN_LENGTH = 12
MAX_LENGTH = 1024  # refused before any hashing or scoring work
# zxcvbn's strength score, 0-4; 3 means "safely unguessable" (about 10^10 guesses needed), which
# also rejects every entry of its common-password list and their simple variations.
MIN_SCORE = 3
_SCORED = 72  # zxcvbn scores at most 72 characters; a longer password is scored on its start
_NAME_PART = 4  # name pieces (of an email-like user name) this long or longer may not appear either


@lru_cache(maxsize=4)
def _hasher_for(time_cost: int, memory_kib: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib)


def _hasher() -> PasswordHasher:
    """argon2id with the configured cost (RFC 9106's low-memory choice unless set otherwise)."""
    settings = get_settings()
    return _hasher_for(settings.password_hash_time_cost, settings.password_hash_memory_kib)


@lru_cache(maxsize=4)
def _dummy_hash(hasher: PasswordHasher) -> str:
    # Verified when the user does not exist, so an unknown name costs as much time as a wrong
    # password. Made on first use, not at import: every command would pay for a hash otherwise.
    return hasher.hash("insightdesk-no-such-user")


class PasswordError(ValueError):
    """A password that breaks the rules; the message says which."""


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The 30,000 most frequent passwords of public breach corpora, as zxcvbn ships them (offline)."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def _name_parts(username: str) -> list[str]:
    """The user name, the local part of an email-like name, and its longer pieces."""
    name = username.strip().lower()
    local = name.split("@", 1)[0]
    pieces = [p for p in re.split(r"[._\-+@]", local) if len(p) >= _NAME_PART]
    return [p for p in dict.fromkeys([name, local, *pieces]) if len(p) >= 3]


def check_rules(password: str, username: str = "") -> None:
    """Refuse a password that is too short or long, holds the user name, is common, or is easy to guess."""
    if len(password) < MIN_LENGTH:
        raise PasswordError(
            f"password too short: use at least {MIN_LENGTH} characters (this one has {len(password)})"
        )
    if len(password) > MAX_LENGTH:
        raise PasswordError(f"password too long: at most {MAX_LENGTH} characters")
    lowered = password.lower()
    parts = _name_parts(username)
    for part in parts:
        if part in lowered:
            raise PasswordError(f"password contains the user name ({part!r}): choose one without it")
    if lowered in common_passwords():
        raise PasswordError(
            "password is on the list of common passwords (the 30,000 most frequent in breached password "
            "lists, as shipped with zxcvbn): choose another"
        )
    from zxcvbn import zxcvbn

    result = zxcvbn(password[:_SCORED], user_inputs=parts)
    if result["score"] < MIN_SCORE:
        feedback = result["feedback"]
        hint = feedback.get("warning") or " ".join(feedback.get("suggestions") or [])
        raise PasswordError(
            f"password too easy to guess: strength {result['score']} of 4, at least {MIN_SCORE} needed"
            + (f" ({hint.rstrip('.')})" if hint else "")
            + "; a few uncommon words or a longer random password pass"
        )


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when `password` matches; checks against a dummy hash when there is no account."""
    hasher = _hasher()
    try:
        return hasher.verify(password_hash or _dummy_hash(hasher), password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher().check_needs_rehash(password_hash)


def generate_password(length: int = 20, username: str = "") -> str:
    """A random password from letters and digits that passes the rules (printed once by the quickstart)."""
    alphabet = string.ascii_letters + string.digits
    while True:
        password = "".join(secrets.choice(alphabet) for _ in range(max(length, MIN_LENGTH)))
        try:
            check_rules(password, username)
        except PasswordError:  # vanishingly rare: the name or a dictionary word by chance
            continue
        return password
