"""The one SMTP sender of InsightDesk (survey invitations here, notifications of the actions feature).

Standard library only (`smtplib`, `email.message`), configured by the INSIGHTDESK_SMTP_* settings.
Every failure is sorted into transient (retry later: connection refused or dropped, timeouts, 4xx
replies) or terminal (do not retry: 5xx replies such as an unknown mailbox, a refused sender, bad
credentials), so callers can back off or give up with the server's own words in the error.
"""

from __future__ import annotations

import re
import smtplib
import ssl
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from insightdesk.config import Settings, get_settings

TIMEOUT_S = 30.0
# SMTP line ends, and no folding of headers under RFC 5322's 998: a long List-Unsubscribe URL folded
# by the default 78 would turn into encoded words that mail clients do not read as a link.
MAIL_POLICY = policy.SMTP.clone(max_line_length=998)
_ADDRESS = re.compile(r"[^\s<>@]+@[^\s<>@]+")


def _scrub(text: str) -> str:
    """A server reply without the addresses it may quote: errors are logged and stored."""
    return _ADDRESS.sub("<address>", text)


class DeliveryError(RuntimeError):
    """A message was not delivered. `transient`: try again later; otherwise it never will be."""

    def __init__(
        self, message: str, *, transient: bool, code: int | None = None, recipient_refused: bool = False
    ) -> None:
        super().__init__(message)
        self.transient = transient
        self.code = code
        self.recipient_refused = recipient_refused


class MailNotConfigured(DeliveryError):
    def __init__(self) -> None:
        super().__init__(
            "email is not configured: set INSIGHTDESK_SMTP_HOST (see README, Settings)", transient=True
        )


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    user: str | None
    password: str | None
    sender: str
    starttls: bool
    timeout_s: float = TIMEOUT_S

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> SmtpConfig:
        settings = settings or get_settings()
        if not settings.smtp_host:
            raise MailNotConfigured()
        return cls(
            host=settings.smtp_host,
            port=settings.smtp_port,
            user=settings.smtp_user,
            password=settings.smtp_password,
            sender=settings.smtp_from,
            starttls=settings.smtp_starttls,
        )

    def __repr__(self) -> str:  # never show the password in a log or traceback
        return (
            f"SmtpConfig(host={self.host!r}, port={self.port}, user={self.user!r}, starttls={self.starttls})"
        )


def build_message(
    config: SmtpConfig,
    *,
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    message_id: str | None = None,
    language: str | None = None,
    headers: dict[str, str] | None = None,
) -> EmailMessage:
    """A MIME message: plain text, with an HTML alternative when given."""
    message = EmailMessage(policy=MAIL_POLICY)
    message["From"] = config.sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = message_id or make_msgid(domain="insightdesk.local")
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    if language:
        message["Content-Language"] = language  # after the content: set_content drops Content-* headers
    return message


def _refused(exc: smtplib.SMTPRecipientsRefused) -> DeliveryError:
    code, reply = next(iter(exc.recipients.values()))
    transient = 400 <= code < 500
    return DeliveryError(
        f"recipient refused by the mail server ({code} {_scrub(reply.decode(errors='replace'))})",
        transient=transient,
        code=code,
        recipient_refused=not transient,
    )


def send_message(message: EmailMessage, config: SmtpConfig | None = None) -> str:
    """Send one message; returns its Message-ID. DeliveryError says whether to retry."""
    config = config or SmtpConfig.from_settings()
    try:
        with smtplib.SMTP(config.host, config.port, timeout=config.timeout_s) as smtp:
            smtp.ehlo()
            if config.starttls:
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if config.user:
                smtp.login(config.user, config.password or "")
            smtp.send_message(message)
    except smtplib.SMTPRecipientsRefused as exc:
        raise _refused(exc) from None
    except smtplib.SMTPResponseException as exc:
        transient = 400 <= exc.smtp_code < 500
        reply = (
            exc.smtp_error.decode(errors="replace")
            if isinstance(exc.smtp_error, bytes)
            else str(exc.smtp_error)
        )
        raise DeliveryError(
            f"mail server answered {exc.smtp_code} {_scrub(reply)}", transient=transient, code=exc.smtp_code
        ) from None
    except smtplib.SMTPNotSupportedError as exc:
        raise DeliveryError(
            f"mail server does not support what is configured ({exc})", transient=False
        ) from None
    except (TimeoutError, smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, OSError) as exc:
        raise DeliveryError(
            f"cannot reach the mail server {config.host}:{config.port} ({type(exc).__name__}: {exc})",
            transient=True,
        ) from None
    return str(message["Message-ID"])


def send_email(
    *,
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    config: SmtpConfig | None = None,
    **extra: object,
) -> str:
    """Build and send one message with the configured server (what other features call)."""
    config = config or SmtpConfig.from_settings()
    message = build_message(config, to=to, subject=subject, text=text, html=html, **extra)  # type: ignore[arg-type]
    return send_message(message, config)
