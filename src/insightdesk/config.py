"""Every setting InsightDesk reads from the environment, declared once: name, default, help.

The environment is read once per process, on the first `get_settings()`; code calls it where a
setting is used (not at import), so a test that changes the environment calls `reset_settings()`
and the next use sees the change. Nothing else in the package reads `os.environ`.

This module imports nothing of ours: every layer may use it (see the import contract).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict


class SettingsError(ValueError):
    """An environment variable holds a value InsightDesk cannot use; the message names it."""


class Settings(BaseSettings):
    """The environment, typed. Field aliases are the variable names (documented; keep them)."""

    # An empty variable counts as unset: `INSIGHTDESK_DB= insightdesk ...` means the default.
    model_config = SettingsConfigDict(frozen=True, env_ignore_empty=True, case_sensitive=True)

    db: str = Field(
        default="insightdesk.duckdb",
        alias="INSIGHTDESK_DB",
        description="The store when no --db is given: a DuckDB file path or a postgresql:// URL.",
    )
    ingest_memory: str = Field(
        default="1GB",
        alias="INSIGHTDESK_INGEST_MEMORY",
        description="DuckDB's memory limit during an ingest (e.g. 2GB); past it DuckDB spills to disk.",
    )
    staging_dir: str | None = Field(
        default=None,
        alias="INSIGHTDESK_STAGING_DIR",
        description="Folder under which an ingest stages its files, in a private `.insightdesk-staging` "
        "(mode 0700, emptied after each batch). Default: beside a DuckDB store; ~/.cache/insightdesk for "
        "PostgreSQL.",
    )
    text_threads: int | None = Field(
        default=None,
        alias="INSIGHTDESK_TEXT_THREADS",
        description="Threads of the sentiment transformer (ONNX Runtime); default: the cores this "
        "process may run on.",
    )
    audit_key_file: str | None = Field(
        default=None,
        alias="INSIGHTDESK_AUDIT_KEY_FILE",
        description="The audit log's HMAC key file (mode 0600). Default: `<store file>.audit-key` next to "
        "a DuckDB store, made on first use; for PostgreSQL, one made under INSIGHTDESK_AUDIT_DIR with a "
        "warning (set this instead).",
    )
    audit_dir: str = Field(
        default="~/.config/insightdesk/audit",
        alias="INSIGHTDESK_AUDIT_DIR",
        description="Folder of a PostgreSQL store's audit key (when INSIGHTDESK_AUDIT_KEY_FILE is unset) and "
        "signed checkpoints; a DuckDB store keeps its checkpoints next to its file.",
    )
    audit_checkpoint_every: int = Field(
        default=100,
        ge=1,
        alias="INSIGHTDESK_AUDIT_CHECKPOINT_EVERY",
        description="Write a signed audit checkpoint every N entries (also at `audit verify` and server "
        "shutdown); entries after the newest checkpoint can be cut undetected.",
    )
    upload_max_mb: int = Field(
        default=200,
        ge=1,
        alias="INSIGHTDESK_UPLOAD_MAX_MB",
        description="Largest upload body the server accepts, in MB as sent (compressed or not); a larger "
        "one is refused with 413 before it is stored (ingest bigger files with the CLI).",
    )
    upload_max_inflated_mb: int = Field(
        default=1024,
        ge=1,
        alias="INSIGHTDESK_UPLOAD_MAX_INFLATED_MB",
        description="Largest size, in MB, a gzip upload may inflate to; the server stops inflating and "
        "answers 413 at this size.",
    )
    upload_max_ratio: int = Field(
        default=100,
        ge=1,
        alias="INSIGHTDESK_UPLOAD_MAX_RATIO",
        description="Largest inflation ratio (inflated / compressed bytes) of a gzip upload, checked once "
        "1 MB is inflated; past it the upload is refused with 413 as a decompression bomb.",
    )
    spark_local_ip: str = Field(
        default="127.0.0.1",
        alias="SPARK_LOCAL_IP",
        description="Address a local Spark session binds to (Spark's own variable; set for it when unset).",
    )


@dataclass(frozen=True)
class SettingDoc:
    """One setting as documentation shows it."""

    env: str
    default: str
    help: str


def documented_settings() -> list[SettingDoc]:
    """Every setting: environment variable, default, help (README lists them; a test compares)."""
    return [
        SettingDoc(
            env=str(field.alias),
            default="" if field.default is None else str(field.default),
            help=field.description or "",
        )
        for field in Settings.model_fields.values()
    ]


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings, read from the environment on the first call of the process."""
    try:
        return Settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, err['loc']))}={err.get('input')!r}: {err['msg']}" for err in exc.errors()
        )
        raise SettingsError(f"invalid environment setting: {problems}") from exc


def reset_settings() -> None:
    """Forget the settings read so far; the next `get_settings()` reads the environment again."""
    get_settings.cache_clear()


__all__ = ["SettingDoc", "Settings", "SettingsError", "documented_settings", "get_settings", "reset_settings"]
