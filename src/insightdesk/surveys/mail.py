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


def scrub_addresses(text: str) -> str:
    """A server reply without the addresses it may quote: errors are logged and stored."""
    return _ADDRESS.sub("<address>", text)


_scrub = scrub_addresses


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


class MailSession:
    """One SMTP connection for a batch of messages; dropped after any error, reopened on the next send.

    `with MailSession(config) as mail: mail.send(message)`; `send_message` is a session of one.
    """

    def __init__(self, config: SmtpConfig | None = None) -> None:
        self.config = config or SmtpConfig.from_settings()
        self._smtp: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        config = self.config
        smtp = smtplib.SMTP(config.host, config.port, timeout=config.timeout_s)
        try:
            smtp.ehlo()
            if config.starttls:
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if config.user:
                smtp.login(config.user, config.password or "")
        except BaseException:
            smtp.close()
            raise
        return smtp

    def send(self, message: EmailMessage) -> str:
        """Send one message; returns its Message-ID. DeliveryError says whether to retry."""
        try:
            if self._smtp is None:
                self._smtp = self._connect()
            self._smtp.send_message(message)
        except Exception as exc:
            self.close()
            raise _delivery_error(exc, self.config) from None
        return str(message["Message-ID"])

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()

    def __enter__(self) -> MailSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _delivery_error(exc: Exception, config: SmtpConfig) -> Exception:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return _refused(exc)
    if isinstance(exc, smtplib.SMTPResponseException):
        transient = 400 <= exc.smtp_code < 500
        error = exc.smtp_error
        reply = error.decode(errors="replace") if isinstance(error, bytes) else str(error)
        return DeliveryError(
            f"mail server answered {exc.smtp_code} {_scrub(reply)}", transient=transient, code=exc.smtp_code
        )
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return DeliveryError(f"mail server does not support what is configured ({exc})", transient=False)
    if isinstance(exc, TimeoutError | smtplib.SMTPServerDisconnected | smtplib.SMTPConnectError | OSError):
        return DeliveryError(
            f"cannot reach the mail server {config.host}:{config.port} ({type(exc).__name__}: {exc})",
            transient=True,
        )
    return exc  # a programming error: not a delivery outcome


def send_message(message: EmailMessage, config: SmtpConfig | None = None) -> str:
    """Send one message on a connection of its own; returns its Message-ID."""
    with MailSession(config) as session:
        return session.send(message)


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
