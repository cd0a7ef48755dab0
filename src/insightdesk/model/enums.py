"""Closed vocabularies of the canonical model.

Ingestion maps each helpdesk's own words onto these values; anything else is rejected
with the allowed list in the reason, so analytics never meets an unexpected label.
"""

from __future__ import annotations

TICKET_TYPES = ("incident", "service_request", "problem", "change", "question", "other")
CHANNELS = ("email", "phone", "chat", "web", "social", "self_service", "bot", "walk_in", "api", "other")
TICKET_STATUSES = ("new", "open", "pending", "on_hold", "resolved", "closed", "cancelled")
PRIORITIES = ("critical", "high", "medium", "low", "planning")
LEVELS = ("high", "medium", "low")  # impact and urgency (ITIL matrix)
SUPPORT_TIERS = ("L1", "L2", "L3")
AUTHOR_ROLES = ("customer", "agent", "bot", "system")
SCALES = ("csat", "nps", "ces", "other")
TICKET_EVENT_TYPES = (
    "created",
    "status_change",
    "reassignment",
    "first_response",
    "resolved",
    "closed",
    "reopened",
    "priority_change",
)
PROBLEM_STATUSES = ("new", "investigating", "known_error", "resolved", "closed")
CHANGE_STATUSES = ("requested", "approved", "scheduled", "implemented", "failed", "cancelled", "closed")
ARTICLE_LINK_TYPES = ("linked", "resolved_by", "suggested", "created_from")
CONTACT_KINDS = ("email", "phone")

# Inclusive score ranges per survey scale; "other" takes its range from the row.
SCALE_RANGES: dict[str, tuple[int, int]] = {"csat": (1, 5), "nps": (0, 10), "ces": (1, 7)}

# The closed vocabulary of each canonical field, (table, column) -> allowed values: ingestion
# rejects any other value, and the sample checks report it.
VOCABULARIES: dict[tuple[str, str], tuple[str, ...]] = {
    ("tickets", "type"): TICKET_TYPES,
    ("tickets", "channel"): CHANNELS,
    ("tickets", "status"): TICKET_STATUSES,
    ("tickets", "priority"): PRIORITIES,
    ("tickets", "impact"): LEVELS,
    ("tickets", "urgency"): LEVELS,
    ("teams", "support_tier"): SUPPORT_TIERS,
    ("agents", "support_tier"): SUPPORT_TIERS,
    ("interactions", "author_role"): AUTHOR_ROLES,
    ("interactions", "channel"): CHANNELS,
    ("feedback", "scale"): SCALES,
    ("feedback", "channel"): CHANNELS,
    ("ticket_events", "event_type"): TICKET_EVENT_TYPES,
    ("ticket_articles", "link_type"): ARTICLE_LINK_TYPES,
    ("problems", "status"): PROBLEM_STATUSES,
    ("problems", "priority"): PRIORITIES,
    ("changes", "status"): CHANGE_STATUSES,
    ("changes", "risk"): LEVELS,
}
