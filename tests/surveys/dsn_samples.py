"""Delivery status notifications written as RFC 3464 lays them out (its appendix examples, with
Postfix's and Exim's habits), and messages that only look like one. Bytes, as a mailbox holds them."""

from __future__ import annotations

import mailbox
from pathlib import Path

REPORTING = "Reporting-MTA: dns; mx.desk.example\nArrival-Date: Fri, 4 Dec 2026 10:00:00 +0000\n"


def _report(
    dsn_id: str,
    per_recipient: str,
    returned: str = "",
    *,
    human: str = "Your message could not be delivered.",
    per_message: str = REPORTING,
) -> bytes:
    parts = [
        "--BOUNDARY\nContent-Type: text/plain; charset=us-ascii\n\n" + human + "\n",
        "--BOUNDARY\nContent-Type: message/delivery-status\n\n" + per_message + "\n" + per_recipient + "\n",
    ]
    if returned:
        parts.append(returned)
    text = (
        "From: Mail Delivery System <MAILER-DAEMON@mx.desk.example>\n"
        "To: surveys@desk.example\n"
        "Subject: Undelivered Mail Returned to Sender\n"
        "Date: Fri, 4 Dec 2026 10:05:00 +0000\n"
        f"Message-ID: <{dsn_id}@mx.desk.example>\n"
        "MIME-Version: 1.0\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="BOUNDARY"\n'
        "\n"
        "This is a MIME-encapsulated message.\n\n" + "".join(parts) + "--BOUNDARY--\n"
    )
    return text.encode("ascii")


def _recipient(address: str, action: str, status: str, diagnostic: str) -> str:
    return (
        f"Final-Recipient: rfc822; {address}\n"
        f"Original-Recipient: rfc822;{address}\n"
        f"Action: {action}\n"
        f"Status: {status}\n"
        "Remote-MTA: dns; mx.example.org\n"
        f"Diagnostic-Code: smtp; {diagnostic}\n"
    )


def headers_part(message_id: str, to: str) -> str:
    """The returned message's headers only (text/rfc822-headers, RFC 6522), as Postfix sends them."""
    return (
        "--BOUNDARY\nContent-Type: text/rfc822-headers\n\n"
        "From: Support Surveys <surveys@desk.example>\n"
        f"To: {to}\n"
        "Subject: How did we do with your request?\n"
        f"Message-ID: {message_id}\n"
    )


def message_part(message_id: str, to: str) -> str:
    """The whole returned message (message/rfc822), as Exim sends it."""
    return (
        "--BOUNDARY\nContent-Type: message/rfc822\n\n"
        "From: Support Surveys <surveys@desk.example>\n"
        f"To: {to}\n"
        "Subject: How did we do with your request?\n"
        f"Message-ID: {message_id}\n"
        "Content-Type: text/plain; charset=utf-8\n\n"
        "Your request has been resolved.\n"
    )


def hard_bounce(message_id: str, to: str, dsn_id: str = "dsn-hard") -> bytes:
    return _report(
        dsn_id,
        _recipient(to, "failed", "5.1.1", f"550 5.1.1 <{to}>: Recipient address rejected: User unknown"),
        headers_part(message_id, to),
    )


def soft_bounce(message_id: str, to: str, dsn_id: str = "dsn-soft") -> bytes:
    return _report(
        dsn_id,
        _recipient(to, "failed", "4.2.2", "452 4.2.2 Mailbox full; gave up after 5 days"),
        message_part(message_id, to),
    )


def delayed(message_id: str, to: str, dsn_id: str = "dsn-delay") -> bytes:
    return _report(
        dsn_id,
        _recipient(to, "delayed", "4.4.7", "421 4.4.7 Connection timed out; still trying")
        + "Will-Retry-Until: Sat, 5 Dec 2026 10:00:00 +0000\n",
        headers_part(message_id, to),
        human="Delivery to the following recipient has been delayed.",
    )


def hard_bounce_without_headers(to: str, dsn_id: str = "dsn-noheaders") -> bytes:
    """Some servers return no part of the message: only the recipient names the invitation."""
    return _report(dsn_id, _recipient(to, "failed", "5.1.10", "550 5.1.10 RESOLVER.ADR.RecipientNotFound"))


def garbled_status(message_id: str, to: str) -> bytes:
    return _report(
        "dsn-garbled",
        f"Final-Recipient: rfc822; {to}\nAction: failed\nStatus: five-one-one\n",
        headers_part(message_id, to),
    )


def without_recipients(message_id: str, to: str) -> bytes:
    return _report("dsn-empty", "", headers_part(message_id, to))


def auto_reply() -> bytes:
    return (
        b"From: Ann Example <someone@example.org>\nTo: surveys@desk.example\n"
        b"Subject: Out of office\nMessage-ID: <ooo-1@example.org>\nAuto-Submitted: auto-replied\n"
        b"Content-Type: text/plain\n\nI am away until Monday.\n"
    )


def truncated() -> bytes:
    """A notification cut off in its headers: the Content-Type has no closing quote or parts."""
    return b'Content-Type: multipart/report; report-type="delivery-status; boundary="\n\n--'


def write_mbox(path: Path, messages: list[bytes]) -> Path:
    box = mailbox.mbox(path, create=True)
    try:
        for raw in messages:
            box.add(raw)
        box.flush()
    finally:
        box.close()
    return path


def write_maildir(path: Path, messages: list[bytes]) -> Path:
    box = mailbox.Maildir(path, create=True)
    for raw in messages:
        box.add(raw)
    return path
