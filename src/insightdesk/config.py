"""Every setting InsightDesk reads from the environment, declared once: name, default, help.

The environment is read once per process, on the first `get_settings()`; code calls it where a
setting is used (not at import), so a test that changes the environment calls `reset_settings()`
and the next use sees the change. Nothing else in the package reads `os.environ`.

This module imports nothing of ours: every layer may use it (see the import contract).
"""

from __future__ import annotations

import os
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
    duckdb_threads: int | None = Field(
        default=None,
        ge=1,
        le=1024,
        alias="INSIGHTDESK_DUCKDB_THREADS",
        description="Threads of each DuckDB connection (the store's, and the private ones of ingest "
        "staging, identity matching and privacy compaction); default: DuckDB's own, one per core. Set it "
        "lower where several InsightDesk processes share the cores.",
    )
    text_threads: int | None = Field(
        default=None,
        alias="INSIGHTDESK_TEXT_THREADS",
        description="Threads of the sentiment transformer (ONNX Runtime); default: the cores this "
        "process may run on.",
    )
    text_organisation_file: str | None = Field(
        default=None,
        alias="INSIGHTDESK_TEXT_ORGANISATION_FILE",
        description="File of the desk's own company names and @handles (one a line, # comments): never "
        "redacted as personal data. Accounts that answer as agents in the data are added to it.",
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
    password_hash_time_cost: int = Field(
        default=3,
        ge=1,
        le=100,
        alias="INSIGHTDESK_PASSWORD_HASH_TIME_COST",
        description="argon2id passes over memory per password hash (RFC 9106's low-memory choice: 3). "
        "Raise it on fast hardware; existing hashes are upgraded at the next sign-in.",
    )
    password_hash_memory_kib: int = Field(
        default=65536,
        ge=64,
        le=4_194_304,
        alias="INSIGHTDESK_PASSWORD_HASH_MEMORY_KIB",
        description="argon2id memory per password hash, in KiB (RFC 9106's low-memory choice: 65536, "
        "64 MiB).",
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
    java_home: str | None = Field(
        default=None,
        alias="JAVA_HOME",
        description="Java runtime Spark starts (Spark's own variable); without it, `java` on PATH.",
    )
    spark_local_ip: str = Field(
        default="127.0.0.1",
        alias="SPARK_LOCAL_IP",
        description="Address a local Spark session binds to (Spark's own variable; set for it when unset).",
    )
    # ---- surveys: links, email (also the actions' notifications) and SMS ----
    public_url: str = Field(
        default="http://127.0.0.1:8000",
        alias="INSIGHTDESK_PUBLIC_URL",
        description="Address customers reach the server at; survey and unsubscribe links start with it.",
    )
    survey_link_key: str | None = Field(
        default=None,
        alias="INSIGHTDESK_SURVEY_LINK_KEY",
        min_length=32,
        description="Secret (32+ characters) that signs survey links. Default: derived from the store's "
        "audit key (kept outside the store), so every process with that key signs alike.",
    )
    smtp_host: str | None = Field(
        default=None,
        alias="INSIGHTDESK_SMTP_HOST",
        description="SMTP server for survey invitations and notifications; unset, email is not sent "
        "(invitations wait in the outbox).",
    )
    smtp_port: int = Field(
        default=587, ge=1, le=65535, alias="INSIGHTDESK_SMTP_PORT", description="SMTP port."
    )
    smtp_user: str | None = Field(
        default=None, alias="INSIGHTDESK_SMTP_USER", description="SMTP login; unset, no AUTH is sent."
    )
    smtp_password: str | None = Field(
        default=None, alias="INSIGHTDESK_SMTP_PASSWORD", description="SMTP password (never logged)."
    )
    smtp_from: str = Field(
        default="InsightDesk <surveys@localhost>",
        alias="INSIGHTDESK_SMTP_FROM",
        description="From address of survey invitations and notifications.",
    )
    smtp_starttls: bool = Field(
        default=True,
        alias="INSIGHTDESK_SMTP_STARTTLS",
        description="Upgrade the SMTP connection with STARTTLS before AUTH and sending (false only for a "
        "server on loopback).",
    )
    twilio_account_sid: str | None = Field(
        default=None,
        alias="INSIGHTDESK_TWILIO_ACCOUNT_SID",
        description="Twilio account SID for SMS survey invitations; unset, SMS is not sent.",
    )
    twilio_auth_token: str | None = Field(
        default=None, alias="INSIGHTDESK_TWILIO_AUTH_TOKEN", description="Twilio auth token (never logged)."
    )
    twilio_from: str | None = Field(
        default=None, alias="INSIGHTDESK_TWILIO_FROM", description="Sender number of SMS invitations (E.164)."
    )
    twilio_api_url: str = Field(
        default="https://api.twilio.com",
        alias="INSIGHTDESK_TWILIO_API_URL",
        description="Base URL of Twilio's REST API (a test points it at a local server).",
    )
    # ---- connectors: helpdesk sources, their secrets, the sync scheduler ----
    connectors_file: str = Field(
        default="connectors.yaml",
        alias="INSIGHTDESK_CONNECTORS_FILE",
        description="YAML file of the helpdesk sources `insightdesk sync` and the scheduler pull from "
        "(docs/connectors.md); it names where credentials are, never holds them.",
    )
    secrets_file: str | None = Field(
        default=None,
        alias="INSIGHTDESK_SECRETS_FILE",
        description="YAML file (mode 0600) of connector credentials by key, for sources whose credentials "
        "are not in environment variables.",
    )
    sync_scheduler: bool = Field(
        default=False,
        alias="INSIGHTDESK_SYNC_SCHEDULER",
        description="Run each source's pull on its interval inside `insightdesk serve` (off: use "
        "`insightdesk sync` from cron).",
    )
    sync_lag_alert_minutes: int = Field(
        default=60,
        ge=1,
        alias="INSIGHTDESK_SYNC_LAG_ALERT_MINUTES",
        description="Sync lag (now minus the newest source update seen) above which a source is flagged, "
        "unless its own `lag_alert_minutes` says otherwise.",
    )
    # ---- actions: where rules deliver (helpdesk write-back, webhooks) ----
    actions_destinations: str = Field(
        default="destinations.yaml",
        alias="INSIGHTDESK_ACTIONS_DESTINATIONS",
        description="YAML file of the places rules deliver to (ServiceNow, Jira Service Management, "
        "Zendesk, webhooks; docs/actions.md); it names files holding credentials, never holds them.",
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


def environment_secret(name: str) -> str | None:
    """The value of environment variable `name`, a credential a connector source names; None when unset."""
    return os.environ.get(name) or None


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


__all__ = [
    "SettingDoc",
    "Settings",
    "SettingsError",
    "documented_settings",
    "environment_secret",
    "get_settings",
    "reset_settings",
]
