"""A small HTTP client for helpdesk APIs: auth, timeouts, retries, rate limits, one-sentence errors.

Interface (everything a connector or a write-back needs, nothing vendor-specific):

    client = VendorClient(
        "https://acme.zendesk.com", vendor="Zendesk",
        auth=Credentials.basic("agent@acme.com/token", token, name="INSIGHTDESK_ZENDESK_TOKEN"),
        timeout=30.0, retry=RetryPolicy(max_attempts=5), sleep=time.sleep,
    )
    with client:
        page = client.get("/api/v2/incremental/tickets/cursor.json", params={"start_time": 0})
        page.data           # the parsed JSON body (None for 204)
        page.next_link      # the URL of rel="next" in a Link header, if any
        created = client.post("/api/now/table/problem", json={...}, idempotent=False)

- `Credentials.basic(user, secret, name=)`, `.bearer(token, name=)`, `.api_token(header, token,
  name=)`: `name` says where the secret came from (an environment variable or a secrets-file key)
  and is the only thing an error ever says about it; `repr()` hides the secret.
- Retries, with full-jitter exponential backoff (`RetryPolicy`), on connection errors, timeouts,
  a body cut short, 408 and 5xx. A 429 (or a 503 with Retry-After) waits as long as the vendor
  says (Retry-After in seconds or as an HTTP date, else the vendors' rate-limit reset headers);
  a wait longer than `RetryPolicy.max_wait` is not slept through but raised as transient. A
  response that says no requests are left in the window (`X-RateLimit-Remaining: 0`, Zendesk's
  `ratelimit-remaining`) makes the next request wait for the reset.
- Requests that are not idempotent (POST, PATCH) are retried only when they certainly did not
  arrive (connection refused, 429) unless the caller passes `idempotent=True` (an idempotency key
  or a natural-key upsert makes a repeat harmless).
- `TransientVendorError`: worth trying again later (retries exhausted, a wait too long).
  `TerminalVendorError`: trying again will not help (401/403 naming the credential, other 4xx,
  a redirect, a body that is not JSON). Both carry `vendor`, `status` (None without a response)
  and `path`; messages are one sentence and never hold a secret, a query string or a body.
- `sleep`, `clock` and `jitter` are injectable so tests run without waiting.
"""

from __future__ import annotations

import base64
import email.utils
import functools
import json
import logging
import random
import ssl
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx

log = logging.getLogger(__name__)

_IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
_RETRYABLE_STATUSES = frozenset({408, 500, 502, 503, 504})
# Reset headers: seconds to wait (Zendesk, Freshdesk-style) or an epoch / ISO time (ServiceNow, Jira).
_REMAINING_HEADERS = ("x-ratelimit-remaining", "ratelimit-remaining", "x-rate-limit-remaining")
_RESET_HEADERS = ("x-ratelimit-reset", "ratelimit-reset", "x-rate-limit-reset")


class VendorError(Exception):
    """A helpdesk API call failed; the message is one sentence without secrets."""

    def __init__(self, message: str, *, vendor: str, status: int | None, path: str) -> None:
        super().__init__(message)
        self.vendor, self.status, self.path = vendor, status, path


class TransientVendorError(VendorError):
    """The call may succeed later (the service was down, slow or rate limited past our patience)."""


class TerminalVendorError(VendorError):
    """The call will not succeed by trying again: fix the credential, the configuration or the vendor."""

    def __init__(
        self, message: str, *, vendor: str, status: int | None, path: str, credential: str | None = None
    ) -> None:
        super().__init__(message, vendor=vendor, status=status, path=path)
        self.credential = credential


@dataclass(frozen=True)
class Credentials:
    """How to authenticate; `name` is where the secret came from, the only part errors mention."""

    name: str
    header: str
    value: str = field(repr=False)

    @classmethod
    def basic(cls, user: str, secret: str, *, name: str) -> Credentials:
        pair = base64.b64encode(f"{user}:{secret}".encode()).decode("ascii")
        return cls(name, "Authorization", f"Basic {pair}")

    @classmethod
    def bearer(cls, token: str, *, name: str) -> Credentials:
        return cls(name, "Authorization", f"Bearer {token}")

    @classmethod
    def api_token(cls, header: str, token: str, *, name: str) -> Credentials:
        return cls(name, header, token)


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry: attempts per request, backoff base and cap, longest wait."""

    max_attempts: int = 5
    base_delay: float = 1.0
    max_delay: float = 60.0
    max_wait: float = 300.0
    max_rate_limited: int = 10

    def backoff(self, attempt: int, jitter: Callable[[], float]) -> float:
        """Full jitter (AWS architecture blog): uniform in [0, min(cap, base * 2**attempt))."""
        return jitter() * min(self.max_delay, self.base_delay * 2**attempt)


@dataclass(frozen=True)
class VendorResponse:
    """A successful answer: status, headers, the parsed JSON body and the Link header's next URL."""

    status: int
    headers: httpx.Headers
    data: Any
    next_link: str | None


@functools.cache
def _tls() -> ssl.SSLContext:
    """httpx's default TLS context (its CA bundle, SSL_CERT_FILE honoured), made once per process:
    httpx otherwise builds one per client, loading the bundle each time (about 25 ms of CPU)."""
    return httpx.create_ssl_context()


class VendorClient:
    """One vendor's API at one base URL; see the module docstring for the whole interface."""

    def __init__(
        self,
        base_url: str,
        *,
        vendor: str,
        auth: Credentials | None = None,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        headers: Mapping[str, str] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        jitter: Callable[[], float] = random.random,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.vendor, self.auth = vendor, auth
        self.retry = retry or RetryPolicy()
        self._sleep, self._clock, self._jitter = sleep, clock, jitter
        base_headers = {"Accept": "application/json", **(headers or {})}
        if auth is not None:
            base_headers[auth.header] = auth.value
        self._http = httpx.Client(
            base_url=base_url, headers=base_headers, timeout=timeout, transport=transport, verify=_tls()
        )
        self._not_before = 0.0  # the clock time before which the rate-limit window is empty
        self.requests_made = 0
        self.waited_seconds = 0.0

    def __enter__(self) -> VendorClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def get(self, path: str, *, params: Mapping[str, Any] | None = None) -> VendorResponse:
        return self.request("GET", path, params=params)

    def post(self, path: str, *, json: Any = None, idempotent: bool = False) -> VendorResponse:
        return self.request("POST", path, json=json, idempotent=idempotent)

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
    ) -> VendorResponse:
        """Send one request with retries; `path` is relative to the base URL or a full next-page URL."""
        method = method.upper()
        repeatable = method in _IDEMPOTENT_METHODS if idempotent is None else idempotent
        where = httpx.URL(path).path or path
        failures = rate_limited = 0
        while True:
            self._wait_for_window()
            try:
                self.requests_made += 1
                response = self._http.request(method, path, params=params, json=json, headers=headers)
                response.read()
            except httpx.ConnectError as error:
                problem, sent, status = f"could not connect ({type(error).__name__})", False, None
            except (httpx.TimeoutException, httpx.RemoteProtocolError, httpx.ReadError) as error:
                problem, sent, status = _network_problem(error), True, None
            except httpx.HTTPError as error:
                raise self._terminal(method, where, None, f"failed ({type(error).__name__})") from error
            else:
                self._note_window(response)
                status = response.status_code
                if status == 429 or (status == 503 and "retry-after" in response.headers):
                    rate_limited += 1
                    wait = self._rate_limit_wait(response)
                    if rate_limited > self.retry.max_rate_limited or wait > self.retry.max_wait:
                        raise TransientVendorError(
                            f"{self.vendor} kept answering {method} {where} with {status} (rate "
                            f"limited {rate_limited} times, asked to wait {wait:.0f} s): try again later",
                            vendor=self.vendor,
                            status=status,
                            path=where,
                        )
                    self._pause(wait)
                    continue
                if status in _RETRYABLE_STATUSES:
                    problem, sent = f"answered {status}", True
                else:
                    return self._accept(method, where, response)
            failures += 1
            if failures >= self.retry.max_attempts or (sent and not repeatable):
                tries = (
                    "once, and it is not safe to repeat" if sent and not repeatable else f"{failures} times"
                )
                raise TransientVendorError(
                    f"{self.vendor} {method} {where} {problem} (tried {tries}): try again later",
                    vendor=self.vendor,
                    status=status,
                    path=where,
                )
            delay = self.retry.backoff(failures - 1, self._jitter)
            log.info("%s %s %s %s; retrying in %.1f s", self.vendor, method, where, problem, delay)
            self._pause(delay)

    def _accept(self, method: str, where: str, response: httpx.Response) -> VendorResponse:
        status = response.status_code
        if status in (401, 403):  # say which credential, never its value
            credential = self.auth.name if self.auth else None
            which = f"the credential {credential}" if credential else "no credential (none is configured)"
            verb = "refused" if status == 401 else "lacks the permission for"
            raise TerminalVendorError(
                f"{self.vendor} answered {status} to {method} {where}: {which} is {verb} "
                f"{'' if status == 401 else 'this '}call; check it and its scopes, then sync again",
                vendor=self.vendor,
                status=status,
                path=where,
                credential=credential,
            )
        if 300 <= status < 400:
            raise self._terminal(method, where, status, f"answered a redirect ({status}); check the base URL")
        if status >= 400:
            raise self._terminal(method, where, status, f"answered {status} {response.reason_phrase}")
        if status == 204 or not response.content:
            return VendorResponse(status, response.headers, None, None)
        try:
            data = json.loads(response.content)
        except (ValueError, UnicodeDecodeError) as error:
            size = len(response.content)
            raise self._terminal(
                method,
                where,
                status,
                f"answered a body of {size} bytes that is not valid JSON ({error.__class__.__name__})",
            ) from None
        next_link = response.links.get("next", {}).get("url")
        return VendorResponse(status, response.headers, data, next_link)

    def _terminal(self, method: str, where: str, status: int | None, problem: str) -> TerminalVendorError:
        return TerminalVendorError(
            f"{self.vendor} {method} {where} {problem}", vendor=self.vendor, status=status, path=where
        )

    def _rate_limit_wait(self, response: httpx.Response) -> float:
        """Seconds to wait from Retry-After, else the reset headers, else a backoff step."""
        after = _retry_after(response.headers.get("retry-after"), self._clock())
        if after is None:
            after = _reset_wait(response.headers, self._clock())
        return max(0.0, after if after is not None else self.retry.backoff(1, self._jitter))

    def _note_window(self, response: httpx.Response) -> None:
        remaining = _first_header(response.headers, _REMAINING_HEADERS)
        if remaining is None or not remaining.strip().isdigit() or int(remaining) > 0:
            return
        wait = _reset_wait(response.headers, self._clock())
        if wait:
            self._not_before = self._clock() + min(wait, self.retry.max_wait)

    def _wait_for_window(self) -> None:
        ahead = self._not_before - self._clock()
        if ahead > 0:
            self._pause(ahead)

    def _pause(self, seconds: float) -> None:
        self.waited_seconds += seconds
        self._sleep(seconds)


def _network_problem(error: httpx.HTTPError) -> str:
    if isinstance(error, httpx.TimeoutException):
        return f"timed out ({type(error).__name__})"
    return f"broke off the answer ({type(error).__name__})"


def _first_header(headers: httpx.Headers, names: tuple[str, ...]) -> str | None:
    return next((headers[name] for name in names if name in headers), None)


def _retry_after(value: str | None, now: float) -> float | None:
    """Retry-After as seconds (RFC 9110: delta-seconds or an HTTP date)."""
    if value is None:
        return None
    value = value.strip()
    try:
        return float(value)
    except ValueError:
        pass
    try:
        return email.utils.parsedate_to_datetime(value).timestamp() - now
    except (TypeError, ValueError):
        return None


def _reset_wait(headers: httpx.Headers, now: float) -> float | None:
    """Seconds until the window resets: a small number is a delta, a large one an epoch time."""
    value = _first_header(headers, _RESET_HEADERS)
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        try:  # Jira: an ISO 8601 instant
            return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp() - now
        except ValueError:
            return None
    return number - now if number > 1_000_000_000 else number
