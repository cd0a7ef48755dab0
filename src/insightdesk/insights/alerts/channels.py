"""Where alerts go: a small `Channel` protocol, a log channel and a webhook channel.

A channel receives alert payloads (aggregates only: series, segment, period, observed and
expected values, evidence; never a ticket, a customer or a text) and returns one `Delivery` per
alert, which the scan records in `alerts.delivered`. Add a channel (chat, e-mail, pager) by
writing a class with a `name` and a `deliver` method. The module-level `deliver` sends a scan's
open alerts through every channel that has not received them yet.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Protocol, runtime_checkable

import pandas as pd

from insightdesk.insights.alerts.config import AlertError
from insightdesk.insights.common.runs import to_json, utcnow

log = logging.getLogger("insightdesk.alerts")


@dataclass(frozen=True)
class Delivery:
    """The outcome of sending one alert through one channel."""

    channel: str
    ok: bool
    detail: str
    attempts: int
    at: dt.datetime

    def record(self) -> dict[str, Any]:
        """JSON-ready, for `alerts.delivered`."""
        out = asdict(self)
        out["at"] = self.at.isoformat()
        return out


@runtime_checkable
class Channel(Protocol):
    """Anything with a `name` that can deliver a batch of alert payloads."""

    name: str

    def deliver(self, alerts: Sequence[Mapping[str, Any]]) -> list[Delivery]:
        """One Delivery per alert, in order; must not raise for a failed delivery."""
        ...


class LogChannel:
    """Alerts as log records (logger `insightdesk.alerts`), one line each."""

    name = "log"

    def __init__(self, logger: logging.Logger | None = None, level: int = logging.WARNING) -> None:
        self.logger = logger or log
        self.level = level

    def deliver(self, alerts: Sequence[Mapping[str, Any]]) -> list[Delivery]:
        out = []
        for a in alerts:
            self.logger.log(self.level, "%s", describe(a))
            out.append(Delivery(self.name, True, "logged", 1, utcnow()))
        return out


def describe(alert: Mapping[str, Any]) -> str:
    """One readable line: what, where, when, observed against expected."""
    label = alert.get("label") or alert.get("series")
    expected = alert.get("expected")
    lo, hi = alert.get("expected_low"), alert.get("expected_high")
    rng = f" [{_num(lo)}, {_num(hi)}]" if lo is not None and hi is not None else ""
    n = alert.get("n")
    return (
        f"[{alert.get('severity')}] {alert.get('kind')} {alert.get('direction')}: {label} | {alert.get('segment')} | "
        f"{alert.get('grain')} of {str(alert.get('period'))[:10]}: observed {_num(alert.get('observed'))}, "
        f"expected {_num(expected)}{rng}{f', n={int(n)}' if n is not None else ''} (alert {alert.get('alert_id')})"
    )


def _num(x: Any) -> str:
    if x is None:
        return "?"
    x = float(x)
    return f"{x:.3g}" if abs(x) < 1000 else f"{x:,.0f}"


class WebhookChannel:
    """HTTP POST of JSON batches to a URL, with a timeout and retries (stdlib urllib, no extra dependency).

    Body: {"source": "insightdesk", "sent_at": ..., "alerts": [payload, ...]}. A 2xx answer is a
    delivery; 429, 5xx and network errors are retried with exponential backoff; other statuses fail
    at once. The channel's name keeps only the scheme, host and port (paths often hold tokens).
    """

    def __init__(
        self,
        url: str,
        *,
        timeout: float = 5.0,
        retries: int = 2,
        backoff: float = 0.5,
        batch_size: int = 50,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"webhook URL must be http(s)://host[:port]/path, got {url!r}")
        if timeout <= 0 or retries < 0 or batch_size < 1:
            raise ValueError("webhook: timeout must be > 0, retries >= 0 and batch_size >= 1")
        self.url = url
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.batch_size = batch_size
        self.headers = {
            "Content-Type": "application/json",
            "User-Agent": "insightdesk-alerts",
            **(headers or {}),
        }
        port = f":{parts.port}" if parts.port else ""
        self.name = f"webhook:{parts.scheme}://{parts.hostname}{port}"

    def deliver(self, alerts: Sequence[Mapping[str, Any]]) -> list[Delivery]:
        out: list[Delivery] = []
        for start in range(0, len(alerts), self.batch_size):
            batch = list(alerts[start : start + self.batch_size])
            ok, detail, attempts = self._post(batch)
            at = utcnow()
            out.extend(Delivery(self.name, ok, detail, attempts, at) for _ in batch)
        return out

    def _post(self, batch: list[Mapping[str, Any]]) -> tuple[bool, str, int]:
        body = to_json({"source": "insightdesk", "sent_at": utcnow(), "alerts": batch}).encode()
        detail = ""
        for attempt in range(1, self.retries + 2):
            request = urllib.request.Request(self.url, data=body, headers=self.headers, method="POST")
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    return True, f"HTTP {response.status}", attempt
            except urllib.error.HTTPError as exc:
                detail = f"HTTP {exc.code}"
                if exc.code != 429 and exc.code < 500:
                    return False, detail, attempt  # the receiver refused it: retrying will not help
            except (urllib.error.URLError, TimeoutError, OSError) as exc:
                reason = getattr(exc, "reason", exc)
                detail = f"{type(exc).__name__}: {reason}"
            if attempt <= self.retries:
                time.sleep(self.backoff * 2 ** (attempt - 1))
        log.warning("webhook %s: delivery failed after %d attempts (%s)", self.name, self.retries + 1, detail)
        return False, detail, self.retries + 1


def payload(alert: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON-ready alert a channel receives (evidence parsed)."""
    keys = (
        "alert_id",
        "kind",
        "rule",
        "series",
        "label",
        "segment",
        "period",
        "grain",
        "direction",
        "observed",
        "expected",
        "expected_low",
        "expected_high",
        "n",
        "severity",
        "status",
        "evidence",
    )
    out = {k: alert.get(k) for k in keys}
    if isinstance(out["evidence"], str):
        out["evidence"] = json.loads(out["evidence"])
    return json.loads(to_json(out))


def deliver(
    stored: pd.DataFrame, channels: Iterable[Channel]
) -> tuple[dict[str, dict[str, int]], dict[str, dict[str, Any]]]:
    """Send the open alerts of `stored` (as `list_alerts` returns them) not yet delivered to each channel.

    Returns the counts per channel ({"ok": n, "failed": n}) and, per alert that has any, its
    deliveries after this round (channel -> outcome record), for `persistence.record_deliveries`.
    """
    results: dict[str, dict[str, int]] = {}
    if stored.empty:
        return results, {}
    records = {r["alert_id"]: dict(r) for r in stored.to_dict("records")}
    for channel in channels:
        todo = [
            a
            for a in records.values()
            if a["status"] == "open" and not (a["delivered"] or {}).get(channel.name, {}).get("ok")
        ]
        if not todo:
            continue
        outcomes = channel.deliver([payload(a) for a in todo])
        if len(outcomes) != len(todo):
            raise AlertError(
                f"channel {channel.name} returned {len(outcomes)} results for {len(todo)} alerts"
            )
        counts = results.setdefault(channel.name, {"ok": 0, "failed": 0})
        for a, d in zip(todo, outcomes, strict=True):
            a["delivered"] = {**(a["delivered"] or {}), channel.name: d.record()}
            counts["ok" if d.ok else "failed"] += 1
    return results, {k: a["delivered"] for k, a in records.items() if a["delivered"]}
