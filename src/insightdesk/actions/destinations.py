"""Named places rules deliver to, from a YAML file that points at credential files and never holds a secret.

    servicenow:                       # the name a rule's `destination:` uses
      kind: servicenow                # servicenow, jira, zendesk or webhook
      url: https://acme.service-now.com
      user: insightdesk.bot
      secret_file: /etc/insightdesk/servicenow.secret   # the password or API token, mode 0600
    jira:
      kind: jira
      url: https://acme.atlassian.net
      user: bot@acme.example
      secret_file: /etc/insightdesk/jira.secret
      project: OPS
    ops-channel:
      kind: webhook                   # a Slack-compatible incoming webhook
      url_file: /etc/insightdesk/slack-webhook.url       # webhook URLs are secrets too

The file's place is the INSIGHTDESK_ACTIONS_DESTINATIONS setting.
"""

from __future__ import annotations

import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from insightdesk.actions.errors import ActionsError

KINDS = ("servicenow", "jira", "zendesk", "webhook")
MAX_FILE_BYTES = 256_000


@dataclass(frozen=True)
class Destination:
    name: str
    kind: str
    url: str
    user: str | None = None
    secret_file: str | None = None
    project: str | None = None
    timeout_seconds: float = 10.0

    def secret(self) -> str | None:
        """The secret, read when needed (never kept in the object's repr or in an error)."""
        if self.secret_file is None:
            return None
        return _read_secret(Path(self.secret_file), f"destination {self.name!r} secret_file")


def _read_secret(path: Path, what: str) -> str:
    try:
        mode = path.stat().st_mode
        text = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ActionsError(f"{what} {str(path)!r} cannot be read ({exc.strerror})") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ActionsError(f"{what} {str(path)!r} is readable by others; chmod 600 it")
    if not text:
        raise ActionsError(f"{what} {str(path)!r} is empty")
    return text


def load_destinations(path: str | Path) -> dict[str, Destination]:
    """The destinations of a YAML file; a missing file means none (rules then cannot write back)."""
    file = Path(path)
    if not file.exists():
        return {}
    if file.stat().st_size > MAX_FILE_BYTES:
        raise ActionsError(f"destinations file {str(file)!r} is over {MAX_FILE_BYTES:,} bytes")
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ActionsError(
            f"destinations file {str(file)!r} is not valid YAML ({type(exc).__name__})"
        ) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ActionsError(f"destinations file {str(file)!r} must map names to destinations")
    return {str(name): _destination(str(name), entry, file) for name, entry in data.items()}


def _destination(name: str, entry: Any, file: Path) -> Destination:
    where = f"destinations file {str(file)!r}, destination {name!r}"
    if not isinstance(entry, dict):
        raise ActionsError(f"{where}: must be a mapping with kind and url")
    unknown = set(entry) - {"kind", "url", "url_file", "user", "secret_file", "project", "timeout_seconds"}
    if unknown:
        raise ActionsError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    kind = entry.get("kind")
    if kind not in KINDS:
        raise ActionsError(f"{where}: field kind must be one of {', '.join(KINDS)}, got {kind!r}")
    url = entry.get("url")
    if url is None and entry.get("url_file"):
        url = _read_secret(Path(str(entry["url_file"])), f"{where}: url_file")
    parts = urlsplit(str(url or ""))
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ActionsError(f"{where}: field url must be http(s)://host[:port]")
    if kind == "jira" and not entry.get("project"):
        raise ActionsError(f"{where}: a jira destination needs a project (its key, e.g. OPS)")
    timeout = entry.get("timeout_seconds", 10.0)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not 0 < timeout <= 120:
        raise ActionsError(f"{where}: field timeout_seconds must be a number of seconds in (0, 120]")
    return Destination(
        name=name,
        kind=str(kind),
        url=str(url),
        user=None if entry.get("user") is None else str(entry["user"]),
        secret_file=None if entry.get("secret_file") is None else str(entry["secret_file"]),
        project=None if entry.get("project") is None else str(entry["project"]),
        timeout_seconds=float(timeout),
    )
