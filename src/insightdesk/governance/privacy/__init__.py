"""Privacy lifecycle: consent ledger, personal-data catalogue, subject export and erasure, retention.

Next to the audit log it writes to. It reads every feature's tables through `store.tables` metadata,
never their code. Roles: `purposes` (vocabularies), `consent` (the ledger).
"""

from __future__ import annotations

from insightdesk.governance.privacy.consent import (
    ConsentError,
    consent_history,
    consent_select,
    consented_customers,
    has_consent,
    record_consent,
)
from insightdesk.governance.privacy.purposes import ConsentPurpose, ConsentSource, parse_purpose

__all__ = [
    "ConsentError",
    "ConsentPurpose",
    "ConsentSource",
    "consent_history",
    "consent_select",
    "consented_customers",
    "has_consent",
    "parse_purpose",
    "record_consent",
]
