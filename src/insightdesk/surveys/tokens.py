"""Signed survey and unsubscribe links (itsdangerous): tamper-proof, expiring, one response each.

A link carries only the invitation id, signed with a key kept outside the store. The signature
stops forgery and tampering; the invitation row decides the rest: its `expires_at` (expired), its
response (already answered: one response per invitation, so a reused link cannot answer twice).
Unsubscribe links never expire: leaving must always work.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

import sqlalchemy as sa
from itsdangerous import BadSignature, URLSafeSerializer

from insightdesk.config import get_settings
from insightdesk.governance.audit_keys import signing_key

_SURVEY_SALT = "insightdesk.survey-link.v1"
_UNSUBSCRIBE_SALT = "insightdesk.survey-unsubscribe.v1"
MAX_TOKEN_LENGTH = 400


class LinkKeyError(RuntimeError):
    """No key to sign links with; says what to set."""


@dataclass(frozen=True)
class LinkSigner:
    """Makes and reads the links of one store."""

    key: bytes

    def _serializer(self, salt: str) -> URLSafeSerializer:
        return URLSafeSerializer(self.key, salt=salt)

    def survey_token(self, invitation_id: str) -> str:
        return str(self._serializer(_SURVEY_SALT).dumps({"i": invitation_id}))

    def unsubscribe_token(self, invitation_id: str) -> str:
        return str(self._serializer(_UNSUBSCRIBE_SALT).dumps({"u": invitation_id}))

    def invitation_of(self, token: str) -> str | None:
        """The invitation a survey link stands for; None when it was tampered with or is not one."""
        return self._read(token, _SURVEY_SALT, "i")

    def unsubscribed_invitation(self, token: str) -> str | None:
        return self._read(token, _UNSUBSCRIBE_SALT, "u")

    def _read(self, token: str, salt: str, field: str) -> str | None:
        if not token or len(token) > MAX_TOKEN_LENGTH:
            return None
        try:
            payload = self._serializer(salt).loads(token)
        except BadSignature:
            return None
        value = payload.get(field) if isinstance(payload, dict) else None
        return value if isinstance(value, str) else None


def link_signer(engine: sa.Engine) -> LinkSigner:
    """The signer of this store: INSIGHTDESK_SURVEY_LINK_KEY, else a key derived from the audit key."""
    configured = get_settings().survey_link_key
    if configured:
        return LinkSigner(configured.encode())
    audit_key = signing_key(engine)
    if audit_key is None:
        raise LinkKeyError(
            "no key to sign survey links: this store has no audit key file; set INSIGHTDESK_SURVEY_LINK_KEY "
            "to a secret of 32 characters or more"
        )
    # A key of its own, derived one way: a survey link never reveals or reuses the audit key.
    return LinkSigner(hmac.new(audit_key.secret, b"insightdesk survey links", hashlib.sha256).digest())


def survey_url(signer: LinkSigner, invitation_id: str) -> str:
    return f"{get_settings().public_url.rstrip('/')}/s/{signer.survey_token(invitation_id)}"


def unsubscribe_url(signer: LinkSigner, invitation_id: str) -> str:
    return f"{get_settings().public_url.rstrip('/')}/s/unsubscribe/{signer.unsubscribe_token(invitation_id)}"
