"""Live connectors: incremental pulls from helpdesk APIs with cursors, rate limits and webhooks."""

from insightdesk.connectors.http import (
    Credentials,
    RetryPolicy,
    TerminalVendorError,
    TransientVendorError,
    VendorClient,
    VendorError,
    VendorResponse,
)

__all__ = [
    "Credentials",
    "RetryPolicy",
    "TerminalVendorError",
    "TransientVendorError",
    "VendorClient",
    "VendorError",
    "VendorResponse",
]
