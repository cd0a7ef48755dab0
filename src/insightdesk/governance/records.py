"""Record reads under a principal's scope: tickets, feedback, transcripts, customers.

The route has already checked the role's permission; these reads apply the row scope (all,
team, own), choose redacted or raw text, hide customer identities from roles without them, and
append every raw-text read, identity read and export to the audit log before returning.

This module is the public face; the work lives in one module per job:
records_scope (row scope, filters), records_text (raw or redacted text), records_audit (who
reads, what is logged), records_tickets, records_feedback and records_customers (the reads).
"""

from __future__ import annotations

from insightdesk.governance.records_audit import AuditContext, audit_access, ctx_of
from insightdesk.governance.records_customers import customer_block, get_customer
from insightdesk.governance.records_feedback import list_feedback
from insightdesk.governance.records_scope import (
    RecordNotFound,
    Where,
    feedback_filters,
    feedback_scope,
    pseudonym,
    scope_condition,
    scope_key,
    text_scope,
    ticket_filters,
)
from insightdesk.governance.records_text import TEXT_NOT_ANALYSED, redacted_texts, text_analyses, text_view
from insightdesk.governance.records_tickets import (
    EXPORT_COLUMNS,
    export_tickets_csv,
    get_ticket,
    list_tickets,
)

__all__ = [
    "EXPORT_COLUMNS",
    "TEXT_NOT_ANALYSED",
    "AuditContext",
    "RecordNotFound",
    "Where",
    "audit_access",
    "ctx_of",
    "customer_block",
    "export_tickets_csv",
    "feedback_filters",
    "feedback_scope",
    "get_customer",
    "get_ticket",
    "list_feedback",
    "list_tickets",
    "pseudonym",
    "redacted_texts",
    "scope_condition",
    "scope_key",
    "text_analyses",
    "text_scope",
    "text_view",
    "ticket_filters",
]
