"""Source configuration: the connectors file (YAML) and where each source's credentials are.

A source names its credentials' places (`secret_env: ZENDESK_API_TOKEN` or `secret_key:
zendesk_token` in the secrets file), never their values, so the file can be reviewed and versioned,
and the store never holds a secret. Every problem is a `SourceConfigError` of one sentence naming
the source and the key.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from insightdesk.config import environment_secret, get_settings
from insightdesk.connectors.http import Credentials

VENDORS = ("zendesk", "servicenow", "freshdesk", "jira")
AUTH_TYPES = ("basic", "bearer", "api_token")
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
_KEYS = {
    "vendor", "base_url", "owner", "department", "auth", "streams", "page_size", "start",
    "interval_minutes", "lag_alert_minutes", "webhook_secret_env", "webhook_secret_key",
    "source_system", "options", "batch_records",
}  # fmt: skip


class SourceConfigError(ValueError):
    """The connectors file or a source's credentials cannot be used; the message names what and where."""


@dataclass(frozen=True)
class AuthConfig:
    type: str
    user: str | None = None
    header: str | None = None
    secret_as_user: bool = False  # Freshdesk: the API key is the user, and the password is "X"
    secret_env: str | None = None
    secret_key: str | None = None

    @property
    def secret_name(self) -> str:
        """Where the secret lives, as errors name it (never its value)."""
        if self.secret_env:
            return f"environment variable {self.secret_env}"
        return f"secrets-file key {self.secret_key}"


@dataclass(frozen=True)
class SourceConfig:
    """One helpdesk source as the connectors file declares it."""

    name: str
    vendor: str
    base_url: str
    owner: str
    department: str | None
    auth: AuthConfig
    streams: tuple[str, ...] = ()
    page_size: int = 100
    batch_records: int = 5000
    start: datetime = datetime(1970, 1, 1, tzinfo=UTC)
    interval_minutes: int = 15
    lag_alert_minutes: int | None = None
    webhook_secret_env: str | None = None
    webhook_secret_key: str | None = None
    source_system: str | None = None
    options: dict[str, Any] = field(default_factory=dict)

    def lag_threshold_minutes(self) -> int:
        return self.lag_alert_minutes or get_settings().sync_lag_alert_minutes


def load_sources(path: str | Path | None = None) -> dict[str, SourceConfig]:
    """Every source of the connectors file (INSIGHTDESK_CONNECTORS_FILE by default), by name."""
    path = Path(path or get_settings().connectors_file)
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SourceConfigError(
            f"no connectors file at {path}: write one (docs/connectors.md) or set INSIGHTDESK_CONNECTORS_FILE"
        ) from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise SourceConfigError(f"connectors file {path} cannot be read: {type(exc).__name__}") from None
    sources = (document or {}).get("sources") if isinstance(document, dict) else None
    if not isinstance(sources, dict) or not sources:
        raise SourceConfigError(f"connectors file {path} has no `sources:` mapping of source names")
    return {str(name): parse_source(str(name), spec) for name, spec in sources.items()}


def parse_source(name: str, spec: object) -> SourceConfig:
    """One source from its YAML mapping; refuses unknown keys, vendors and auth types by name."""
    if not _NAME.match(name):
        raise SourceConfigError(f"source name {name!r} must be lower-case letters, digits, - or _")
    if not isinstance(spec, dict):
        raise SourceConfigError(f"source {name}: expected a mapping of settings")
    unknown = sorted(set(spec) - _KEYS)
    if unknown:
        raise SourceConfigError(
            f"source {name}: unknown setting {unknown[0]!r} (known: {', '.join(sorted(_KEYS))})"
        )
    vendor = str(spec.get("vendor", "")).lower()
    if vendor not in VENDORS:
        raise SourceConfigError(f"source {name}: vendor must be one of {', '.join(VENDORS)}, not {vendor!r}")
    for required in ("base_url", "owner", "auth"):
        if not spec.get(required):
            raise SourceConfigError(f"source {name}: `{required}` is required")
    base_url = str(spec["base_url"]).rstrip("/")
    if not base_url.startswith(("https://", "http://")) or "@" in base_url.split("/")[2]:
        raise SourceConfigError(f"source {name}: base_url must be an http(s) URL without credentials in it")
    return SourceConfig(
        name=name,
        vendor=vendor,
        base_url=base_url,
        owner=str(spec["owner"]),
        department=str(spec["department"]) if spec.get("department") else None,
        auth=_auth(name, spec["auth"]),
        streams=tuple(str(s) for s in spec.get("streams") or ()),
        page_size=_positive(name, spec, "page_size", 100),
        batch_records=_positive(name, spec, "batch_records", 5000),
        start=_start(name, spec.get("start")),
        interval_minutes=_positive(name, spec, "interval_minutes", 15),
        lag_alert_minutes=_positive(name, spec, "lag_alert_minutes", 0) or None,
        webhook_secret_env=spec.get("webhook_secret_env"),
        webhook_secret_key=spec.get("webhook_secret_key"),
        source_system=spec.get("source_system"),
        options=dict(spec.get("options") or {}),
    )


def credentials(source: SourceConfig) -> Credentials:
    """The source's credentials, read now from the environment or the secrets file."""
    auth = source.auth
    secret = _secret(source.name, auth.secret_env, auth.secret_key, "credential")
    if auth.type == "basic" and auth.secret_as_user:
        return Credentials.basic(secret, "X", name=auth.secret_name)
    if auth.type == "basic":
        return Credentials.basic(auth.user or "", secret, name=auth.secret_name)
    if auth.type == "bearer":
        return Credentials.bearer(secret, name=auth.secret_name)
    return Credentials.api_token(auth.header or "Authorization", secret, name=auth.secret_name)


def webhook_secret(source: SourceConfig) -> str:
    """The shared secret that signs (Zendesk) or accompanies (ServiceNow) the source's webhooks."""
    if not (source.webhook_secret_env or source.webhook_secret_key):
        raise SourceConfigError(f"source {source.name}: no webhook_secret_env or webhook_secret_key is set")
    return _secret(source.name, source.webhook_secret_env, source.webhook_secret_key, "webhook secret")


def _auth(name: str, spec: object) -> AuthConfig:
    if not isinstance(spec, dict):
        raise SourceConfigError(f"source {name}: `auth` must be a mapping with a type")
    kind = str(spec.get("type", "")).lower()
    if kind not in AUTH_TYPES:
        raise SourceConfigError(
            f"source {name}: auth type must be one of {', '.join(AUTH_TYPES)}, not {kind!r}"
        )
    if "secret" in spec or "password" in spec or "token" in spec:
        raise SourceConfigError(
            f"source {name}: the connectors file must not hold a secret; name its place with "
            "`secret_env` (an environment variable) or `secret_key` (a key of the secrets file)"
        )
    if not (spec.get("secret_env") or spec.get("secret_key")):
        raise SourceConfigError(f"source {name}: auth needs `secret_env` or `secret_key`")
    if kind == "basic" and not (spec.get("user") or spec.get("secret_as_user")):
        raise SourceConfigError(f"source {name}: basic auth needs `user` (or `secret_as_user: true`)")
    return AuthConfig(
        type=kind,
        user=spec.get("user"),
        header=spec.get("header"),
        secret_as_user=bool(spec.get("secret_as_user")),
        secret_env=spec.get("secret_env"),
        secret_key=spec.get("secret_key"),
    )


def _secret(source: str, env: str | None, key: str | None, what: str) -> str:
    if env:
        value = environment_secret(env)
        if not value:
            raise SourceConfigError(f"source {source}: the {what} environment variable {env} is not set")
        return value
    secrets = _secrets_file()
    value = secrets.get(str(key))
    if not value:
        raise SourceConfigError(f"source {source}: the secrets file has no {what} under key {key!r}")
    return str(value)


def _secrets_file() -> dict[str, Any]:
    configured = get_settings().secrets_file
    if not configured:
        raise SourceConfigError("a source names a secrets-file key but INSIGHTDESK_SECRETS_FILE is not set")
    path = Path(configured).expanduser()
    try:
        mode = path.stat().st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO) or path.stat().st_uid != os.getuid():
            raise SourceConfigError(
                f"secrets file {path} must be yours and readable by you alone (chmod 600 {path})"
            )
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SourceConfigError(f"secrets file {path} does not exist") from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise SourceConfigError(f"secrets file {path} cannot be read: {type(exc).__name__}") from None
    if not isinstance(loaded, dict):
        raise SourceConfigError(f"secrets file {path} must be a mapping of keys to secrets")
    return loaded


def _positive(name: str, spec: dict[str, Any], key: str, default: int) -> int:
    value = spec.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0 or (value == 0 and default):
        raise SourceConfigError(f"source {name}: `{key}` must be a positive whole number, not {value!r}")
    return value


def _start(name: str, value: object) -> datetime:
    if value is None:
        return datetime(1970, 1, 1, tzinfo=UTC)
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise SourceConfigError(f"source {name}: `start` must be an ISO 8601 time, not {value!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
