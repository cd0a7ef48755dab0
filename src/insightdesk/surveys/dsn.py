"""Delivery status notifications (RFC 3464) read from an mbox file or a maildir, with Python's `email`.

A bounce that arrives later by mail is a `multipart/report; report-type=delivery-status` message:
a human-readable part, a `message/delivery-status` part (per-message fields, then one block per
recipient with Action, Status and Diagnostic-Code) and the returned message or its headers
(`message/rfc822` or `text/rfc822-headers`), whose Message-ID names the invitation. Pure: messages
in, `Notification`s out; a message that is not a usable DSN raises `NotADsn` with the reason.
"""

from __future__ import annotations

import mailbox
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import Message
from email.parser import HeaderParser
from pathlib import Path

# RFC 3464 §2.3.4: class "." subject "." detail; the class is 2 (success), 4 (transient) or 5 (permanent).
_STATUS = re.compile(r"^\s*([245])\.(\d{1,3})\.(\d{1,3})\b")
_ACTIONS = ("failed", "delayed", "delivered", "relayed", "expanded")
_MESSAGE_ID = re.compile(r"<[^<>\s]+>")


class NotADsn(ValueError):
    """A message that cannot be read as a delivery status notification; the text says why."""


class MailboxError(ValueError):
    """The mbox file or maildir cannot be read."""


@dataclass(frozen=True)
class RecipientStatus:
    address: str | None  # Original-Recipient, else Final-Recipient, without the `rfc822;` type
    action: str  # failed, delayed, delivered, relayed or expanded
    status: str  # e.g. 5.1.1
    diagnostic: str  # Diagnostic-Code, may be empty

    @property
    def permanent(self) -> bool:
        return self.status.startswith("5")

    @property
    def transient(self) -> bool:
        return self.status.startswith("4")


@dataclass
class Notification:
    dsn_id: str | None  # the notification's own Message-ID
    original_message_id: str | None  # Message-ID of the message that bounced
    envelope_id: str | None  # Original-Envelope-Id, when the sender gave one
    recipients: list[RecipientStatus] = field(default_factory=list)


def _address(value: str | None) -> str | None:
    """`rfc822; ann@example.org` -> `ann@example.org` (RFC 3464 §2.3.2: address-type ; address)."""
    if not value:
        return None
    _, _, address = str(value).partition(";")
    address = (address or str(value)).strip().strip("<>").strip()
    return address or None


def _returned_message_id(part: Message) -> str | None:
    content_type = part.get_content_type()
    if content_type == "message/rfc822":
        inner = part.get_payload()
        inner = inner[0] if isinstance(inner, list) and inner else inner
        value = inner.get("Message-ID") if isinstance(inner, Message) else None
    else:  # text/rfc822-headers: the headers as text
        payload = part.get_payload(decode=True)
        text = payload.decode("utf-8", errors="replace") if isinstance(payload, bytes) else str(payload)
        value = HeaderParser().parsestr(text).get("Message-ID")
    found = _MESSAGE_ID.search(str(value or ""))
    return found.group(0) if found else None


def _recipient(block: Message, number: int) -> RecipientStatus:
    action = str(block.get("Action") or "").strip().lower()
    status = str(block.get("Status") or "").strip()
    if action not in _ACTIONS:
        raise NotADsn(
            f"recipient {number}: Action {action or '(missing)'!r} is not one of {', '.join(_ACTIONS)}"
        )
    matched = _STATUS.match(status)
    if not matched:
        raise NotADsn(
            f"recipient {number}: Status {status or '(missing)'!r} is not a status code such as 5.1.1"
        )
    address = _address(block.get("Original-Recipient")) or _address(block.get("Final-Recipient"))
    diagnostic = " ".join(str(block.get("Diagnostic-Code") or "").split())
    return RecipientStatus(address, action, ".".join(matched.groups()), diagnostic)


def parse_dsn(message: Message) -> Notification:
    """The notification a message carries; NotADsn with the reason when it carries none."""
    content_type = message.get_content_type()
    if content_type != "multipart/report":
        raise NotADsn(f"not a delivery status notification (Content-Type {content_type})")
    report_type = str(message.get_param("report-type", "") or "").lower()
    if report_type != "delivery-status":
        raise NotADsn(f"a report of type {report_type or '(none)'!r}, not delivery-status")
    status_part = next((p for p in message.walk() if p.get_content_type() == "message/delivery-status"), None)
    if status_part is None:
        raise NotADsn("multipart/report without a message/delivery-status part")
    payload = status_part.get_payload()
    # Blank lines at the end of the part parse as empty blocks: only blocks with fields count.
    blocks = [b for b in payload if isinstance(b, Message) and b.keys()] if isinstance(payload, list) else []
    if len(blocks) < 2:
        raise NotADsn("the delivery-status part has no per-recipient fields")
    per_message, per_recipient = blocks[0], blocks[1:]
    returned = next(
        (p for p in message.walk() if p.get_content_type() in ("message/rfc822", "text/rfc822-headers")),
        None,
    )
    dsn_id = _MESSAGE_ID.search(str(message.get("Message-ID") or ""))
    envelope = str(per_message.get("Original-Envelope-Id") or "").strip() or None
    return Notification(
        dsn_id=dsn_id.group(0) if dsn_id else None,
        original_message_id=_returned_message_id(returned) if returned is not None else None,
        envelope_id=envelope,
        recipients=[_recipient(block, n) for n, block in enumerate(per_recipient, start=1)],
    )


# A delivery status notification is a few kilobytes (RFC 3464: the report plus, at most, the
# returned message's headers); anything far larger is not one and is never read whole into memory.
MAX_MESSAGE_BYTES = 1_000_000


def read_mailbox(path: Path, kind: str) -> Iterator[tuple[str, bytes]]:
    """(where, raw bytes) of every message of an mbox file (`kind` mbox) or a maildir (`maildir`).

    At most MAX_MESSAGE_BYTES + 1 bytes of a message are read: a longer one comes back that long, and
    the reader reports it as too large instead of parsing it."""
    if kind == "mbox":
        if not path.is_file():
            raise MailboxError(f"{path}: no such mbox file")
        box: mailbox.Mailbox = mailbox.mbox(path, create=False)
    else:
        if not (path / "cur").is_dir() and not (path / "new").is_dir():
            raise MailboxError(f"{path}: not a maildir (it needs the folders cur/ and new/)")
        box = mailbox.Maildir(path, factory=None, create=False)
    try:
        keys = sorted(box.keys(), key=str) if kind == "maildir" else list(box.keys())
        for number, key in enumerate(keys, start=1):
            where = f"message {number}" if kind == "mbox" else f"message {key}"
            with box.get_file(key) as message:
                yield where, message.read(MAX_MESSAGE_BYTES + 1)
    finally:
        box.close()


def parse_bytes(raw: bytes) -> Message:
    return message_from_bytes(raw, policy=policy.compat32)
