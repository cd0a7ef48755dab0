"""The audit log's key (HMAC-SHA256) and where it and the signed checkpoints live: outside the store.

A DuckDB store keeps both next to its file (`<file>.audit-key`, `<file>.audit-checkpoints.jsonl`);
a PostgreSQL store keeps them in INSIGHTDESK_AUDIT_DIR, named after host, port and database, unless
INSIGHTDESK_AUDIT_KEY_FILE names the key. Whoever can rewrite the database but not read the key
cannot forge entries or checkpoints; docs/security.md says what a key holder could still do.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import logging
import os
import re
import secrets
import stat
import weakref
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from insightdesk.config import get_settings
from insightdesk.store import StoreError

log = logging.getLogger(__name__)

KEY_SUFFIX = ".audit-key"
CHECKPOINTS_SUFFIX = ".audit-checkpoints.jsonl"
_KEY_TEXT = re.compile(r"[0-9a-f]{64,}")
_LOCATED: weakref.WeakKeyDictionary[sa.Engine, AuditFiles] = weakref.WeakKeyDictionary()
_SIGNING: weakref.WeakKeyDictionary[sa.Engine, AuditKey] = weakref.WeakKeyDictionary()


class AuditKeyError(StoreError):
    """The audit key cannot be read or made; the message names the file and what to do."""


@dataclass(frozen=True)
class AuditFiles:
    """Where one store's audit key and checkpoints are (None: an in-memory store has no place)."""

    store: str
    dialect: str
    key: Path | None
    checkpoints: Path | None
    key_configured: bool


@dataclass(frozen=True)
class AuditKey:
    secret: bytes
    key_id: str
    path: Path


def mac(secret: bytes, text: str) -> str:
    return hmac.new(secret, text.encode("utf-8"), hashlib.sha256).hexdigest()


def key_id_of(secret: bytes) -> str:
    """A public name of the key (entries and checkpoints record it): says which key, reveals nothing."""
    return mac(secret, "insightdesk audit key id")[:16]


def _duckdb_file(engine: sa.Engine) -> Path | None:
    with engine.connect() as conn:
        path = conn.execute(
            sa.text("select path from duckdb_databases() where database_name = current_database()")
        ).scalar()
    return Path(path).resolve() if path and path != ":memory:" else None


def locate(engine: sa.Engine) -> AuditFiles:
    """The audit files of the store behind `engine` (worked out once per engine)."""
    if engine in _LOCATED:
        return _LOCATED[engine]
    settings = get_settings()
    configured = Path(settings.audit_key_file).expanduser() if settings.audit_key_file else None
    if engine.dialect.name == "postgresql":
        url = engine.url
        label = re.sub(r"[^A-Za-z0-9._-]", "_", f"{url.host or 'local'}_{url.port or 5432}_{url.database}")
        folder = Path(settings.audit_dir).expanduser()
        store = f"{url.host or 'local'}:{url.port or 5432}/{url.database}"
        key: Path | None = folder / (label + KEY_SUFFIX)
        checkpoints: Path | None = folder / (label + CHECKPOINTS_SUFFIX)
    else:
        path = _duckdb_file(engine)
        store = str(path) if path else ":memory:"
        key = path.with_name(path.name + KEY_SUFFIX) if path else None
        checkpoints = path.with_name(path.name + CHECKPOINTS_SUFFIX) if path else None
    files = AuditFiles(store, engine.dialect.name, configured or key, checkpoints, configured is not None)
    _LOCATED[engine] = files
    return files


def _read(path: Path) -> AuditKey:
    try:
        text = path.read_text(encoding="ascii").strip().lower()
    except (OSError, UnicodeDecodeError) as exc:
        raise AuditKeyError(f"cannot read the audit key {path}: {exc}") from exc
    if not _KEY_TEXT.fullmatch(text) or len(text) % 2:
        raise AuditKeyError(
            f"audit key {path} is not a key: it must hold at least 64 hex digits (32 random bytes)"
        )
    secret = bytes.fromhex(text)
    return AuditKey(secret, key_id_of(secret), path)


def read_key(files: AuditFiles) -> AuditKey | None:
    """The key as the file holds it now (None when there is none); never makes one."""
    if files.key is None or not files.key.exists():
        return None
    return _read(files.key)


def loose_permissions(path: Path) -> str | None:
    """A warning when others than the owner may read the key file."""
    mode = stat.S_IMODE(path.stat().st_mode)
    if os.name == "posix" and mode & 0o077:
        return f"audit key {path} is readable by others (mode {mode:o}): chmod 600 {path}"
    return None


def _generate(files: AuditFiles) -> AuditKey:
    path = files.key
    assert path is not None
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as out:
            out.write(secrets.token_hex(32) + "\n")
        # Atomic: when two processes make a key at once, both keep the first one linked.
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)
    except OSError as exc:
        raise AuditKeyError(
            f"cannot create the audit key {path}: {exc.strerror or exc}; set INSIGHTDESK_AUDIT_KEY_FILE "
            "to a key file (see docs/security.md, The audit log)"
        ) from exc
    finally:
        tmp.unlink(missing_ok=True)
    key = _read(path)
    if files.dialect == "postgresql":
        log.warning(
            "generated the audit key of PostgreSQL store %s at %s: every process writing to this store "
            "needs the same key, so set INSIGHTDESK_AUDIT_KEY_FILE to it (and keep a copy elsewhere)",
            files.store,
            path,
        )
    else:
        log.info("generated the audit key of %s at %s (keep a copy elsewhere)", files.store, path)
    return key


def ensure_key(files: AuditFiles) -> AuditKey | None:
    """The key, made on first use where the store has a place for it (None for an in-memory store)."""
    if files.key is None:
        return None
    if files.key.exists():
        return _read(files.key)
    if files.key_configured:
        raise AuditKeyError(
            f"INSIGHTDESK_AUDIT_KEY_FILE names {files.key}, which does not exist: restore the key, or make "
            "one of 64 hex digits with `openssl rand -hex 32 > FILE; chmod 600 FILE`"
        )
    return _generate(files)


def signing_key(engine: sa.Engine) -> AuditKey | None:
    """The key appends sign with, read (or made) once per engine."""
    if engine not in _SIGNING:
        key = ensure_key(locate(engine))
        if key is None:
            return None
        _SIGNING[engine] = key
    return _SIGNING[engine]
