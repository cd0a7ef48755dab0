"""Password hashing (argon2id through argon2-cffi) and password rules."""

from __future__ import annotations

import secrets
import string

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 10
_HASHER = PasswordHasher()  # argon2id with the library's RFC 9106 low-memory defaults
# Verified when the user does not exist, so an unknown name costs as much time as a wrong password.
_DUMMY_HASH = _HASHER.hash("insightdesk-no-such-user")


class PasswordError(ValueError):
    """A password that breaks the rules; the message says which."""


def check_rules(password: str, username: str = "") -> None:
    if len(password) < MIN_LENGTH:
        raise PasswordError(f"password too short: use at least {MIN_LENGTH} characters")
    if username and password.lower() == username.lower():
        raise PasswordError("password must differ from the user name")


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when `password` matches; checks against a dummy hash when there is no account."""
    try:
        return _HASHER.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _HASHER.check_needs_rehash(password_hash)


def generate_password(length: int = 20) -> str:
    """A random password from letters and digits (printed once by the quickstart)."""
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(length))
