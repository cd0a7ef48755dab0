"""Live connectors: incremental pulls from helpdesk APIs with cursors, rate limits and webhooks.

Roles: `http` (the vendor HTTP client: auth, retries, rate limits, one-sentence errors), `sources`
(the connectors file and credentials), one module per helpdesk (`zendesk`, `servicenow`,
`freshdesk`, `jira`: streams that page from a cursor into their ingest profile's shape), `sync`
(the service: records through `ingest_file`, cursor in the batch's transaction), `cursors` and
`runs` (bookkeeping), `status` (last success, rows, errors, sync lag), `webhooks` (verification,
replay protection, signals) and `scheduler` (the pull loop inside `insightdesk serve`).
"""

from insightdesk.connectors.http import (
    Credentials,
    RetryPolicy,
    TerminalVendorError,
    TransientVendorError,
    VendorClient,
    VendorError,
    VendorResponse,
)
from insightdesk.connectors.scheduler import SyncScheduler
from insightdesk.connectors.sources import SourceConfig, SourceConfigError, load_sources, webhook_secret
from insightdesk.connectors.status import SourceStatus, sync_status, visible_departments
from insightdesk.connectors.sync import SyncError, SyncReport, sync_source
from insightdesk.connectors.webhooks import WebhookRejected, record_event, verify_servicenow, verify_zendesk

__all__ = [
    "Credentials",
    "RetryPolicy",
    "SourceConfig",
    "SourceConfigError",
    "SourceStatus",
    "SyncError",
    "SyncReport",
    "SyncScheduler",
    "TerminalVendorError",
    "TransientVendorError",
    "VendorClient",
    "VendorError",
    "VendorResponse",
    "WebhookRejected",
    "load_sources",
    "record_event",
    "sync_source",
    "sync_status",
    "verify_servicenow",
    "verify_zendesk",
    "visible_departments",
    "webhook_secret",
]
