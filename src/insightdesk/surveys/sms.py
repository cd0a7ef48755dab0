"""SMS delivery: the provider interface and its Twilio adapter (Programmable Messaging, Messages API).

Twilio's documented call: `POST /2010-04-01/Accounts/{AccountSid}/Messages.json`, HTTP Basic auth
(account SID and auth token), form fields `To`, `From`, `Body`; `201 Created` returns the message
resource (`sid`, `status`: queued). Errors return `{"code", "message", "more_info", "status"}`:
429 (code 20429) and 5xx are transient; other 4xx (21211 invalid `To`, 21610 unsubscribed
recipient, 20003 bad credentials) are terminal. Standard library HTTP: nothing extra to install.
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Protocol

from insightdesk.config import Settings, get_settings
from insightdesk.surveys.mail import DeliveryError

TIMEOUT_S = 20.0
MAX_BODY = 1600  # Twilio's limit for one message body
# Twilio error codes meaning the recipient can never be reached (the invitation is suppressed after).
UNREACHABLE_CODES = frozenset({21211, 21214, 21408, 21610, 21614})


class SmsProvider(Protocol):
    @property
    def name(self) -> str: ...

    def send(self, to: str, body: str) -> str:
        """Send `body` to `to`; the provider's message id. DeliveryError says whether to retry."""
        ...


@dataclass(frozen=True)
class TwilioSms:
    account_sid: str
    auth_token: str
    sender: str
    api_url: str = "https://api.twilio.com"
    name: str = "twilio"

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> TwilioSms:
        settings = settings or get_settings()
        if not (settings.twilio_account_sid and settings.twilio_auth_token and settings.twilio_from):
            raise DeliveryError(
                "SMS is not configured: set INSIGHTDESK_TWILIO_ACCOUNT_SID, _AUTH_TOKEN and _FROM",
                transient=True,
            )
        return cls(
            settings.twilio_account_sid,
            settings.twilio_auth_token,
            settings.twilio_from,
            settings.twilio_api_url,
        )

    def __repr__(self) -> str:  # the token never appears in a log or traceback
        return (
            f"TwilioSms(account_sid={self.account_sid!r}, sender={self.sender!r}, api_url={self.api_url!r})"
        )

    def send(self, to: str, body: str) -> str:
        if len(body) > MAX_BODY:
            raise DeliveryError(
                f"SMS body is {len(body)} characters, over Twilio's {MAX_BODY}", transient=False
            )
        url = f"{self.api_url.rstrip('/')}/2010-04-01/Accounts/{urllib.parse.quote(self.account_sid)}/Messages.json"
        data = urllib.parse.urlencode({"To": to, "From": self.sender, "Body": body}).encode()
        credentials = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        request = urllib.request.Request(
            url,
            data=data,
            method="POST",
            headers={
                "Authorization": f"Basic {credentials}",
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
                payload = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            raise _http_error(exc) from None
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise DeliveryError(f"cannot reach Twilio at {self.api_url} ({exc})", transient=True) from None
        sid = payload.get("sid") if isinstance(payload, dict) else None
        if not sid:
            raise DeliveryError("Twilio accepted the request but returned no message sid", transient=True)
        if payload.get("status") == "failed":
            raise DeliveryError(
                f"Twilio reports message {sid} failed ({payload.get('error_code')})", transient=False
            )
        return str(sid)


def _http_error(exc: urllib.error.HTTPError) -> DeliveryError:
    try:
        payload = json.loads(exc.read() or b"{}")
    except ValueError:
        payload = {}
    code = payload.get("code") if isinstance(payload, dict) else None
    transient = exc.code == 429 or exc.code >= 500
    # Twilio's own message quotes the phone number: only the code is kept (errors are logged and stored).
    return DeliveryError(
        f"Twilio answered {exc.code}"
        + (f" (error {code}: https://www.twilio.com/docs/errors/{code})" if code else ""),
        transient=transient,
        code=int(code) if isinstance(code, int) else exc.code,
        recipient_refused=code in UNREACHABLE_CODES,
    )
