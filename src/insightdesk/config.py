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
    text_threads: int | None = Field(
        default=None,
        alias="INSIGHTDESK_TEXT_THREADS",
        description="Threads of the sentiment transformer (ONNX Runtime); default: the cores this "
        "process may run on.",
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
