"""Freshdesk: tickets (and deleted tickets) updated since the cursor, and their conversations,
into the `freshdesk` profile's shape (API v2 field names, nested objects flattened with a dot).

Documented endpoints (developers.freshdesk.com/api):
- GET /api/v2/tickets?updated_since=ISO&order_by=updated_at&order_type=asc&include=stats&per_page=
  &page=: a JSON array; a `Link: <...>; rel="next"` header while more pages exist. Freshdesk
  serves at most 300 pages of one listing, so the stream starts a new listing from the newest
  `updated_at` it has seen before it gets there. `filter=deleted` lists deleted tickets (`deleted:
  true`): their status becomes `deleted`, which the profile makes cancelled.
- GET /api/v2/tickets/{id}/conversations?page=&per_page=: the replies and notes of one ticket (a
  JSON array per page).
- GET /api/v2/surveys/satisfaction_ratings?created_since=ISO&page=&per_page=: satisfaction ratings.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from insightdesk.connectors.http import TerminalVendorError, VendorClient
from insightdesk.connectors.sources import SourceConfig
from insightdesk.connectors.streams import Cursor, Page, Stream, field_set, newest, parse_time

MAX_PAGES = 300
CONVERSATIONS_PER_PAGE = 100  # the documented maximum of per_page
RATINGS_PATH = "/api/v2/surveys/satisfaction_ratings"
TICKET_FIELDS = field_set(
    "id subject description description_text status priority source type requester_id responder_id "
    "group_id company_id product_id email_config_id created_at updated_at due_by fr_due_by is_escalated "
    "fr_escalated nr_escalated tags cc_emails fwd_emails reply_cc_emails to_emails spam deleted "
    "custom_fields attachments association_type associated_tickets_count ticket_cc_emails "
    "source_additional_info structured_description nr_due_by support_email form_id "
    "stats.first_responded_at stats.resolved_at stats.closed_at stats.agent_responded_at "
    "stats.requester_responded_at stats.status_updated_at stats.pending_since stats.reopened_at"
)
CONVERSATION_FIELDS = field_set(
    "id ticket_id user_id body body_text incoming private source created_at updated_at to_emails "
    "from_email cc_emails bcc_emails support_email attachments category thread_id thread_message_id"
)


def flatten(obj: dict[str, Any]) -> dict[str, Any]:
    """Nested objects one level down as `parent.child` keys, as API-to-CSV exports write them."""
    flat: dict[str, Any] = {}
    for key, value in obj.items():
        if isinstance(value, dict):
            flat.update({f"{key}.{inner}": v for inner, v in value.items()})
        else:
            flat[key] = value
    return flat


def array(body: Any, path: str) -> list[dict[str, Any]]:
    if not isinstance(body, list) or not all(isinstance(i, dict) for i in body):
        raise TerminalVendorError(
            f"Freshdesk GET {path} answered JSON that is not a list of objects; the API changed or the "
            "base URL points elsewhere",
            vendor="Freshdesk", status=200, path=path,
        )  # fmt: skip
    return body


def updated_tickets(
    client: VendorClient, since: str, page_size: int, extra: dict[str, str] | None = None
) -> Iterator[tuple[list[dict[str, Any]], bool]]:
    """Pages of tickets updated at or after `since`, oldest first, restarting before page 300."""
    page, current = 1, since
    while True:
        params = {
            "updated_since": current,
            "order_by": "updated_at",
            "order_type": "asc",
            "per_page": page_size,
        }
        params |= {"page": page, "include": "stats", **(extra or {})}
        answer = client.get("/api/v2/tickets", params=params)
        tickets = array(answer.data, "/api/v2/tickets")
        more = answer.next_link is not None and len(tickets) == page_size
        if more and page + 1 > MAX_PAGES:
            latest = max((str(t.get("updated_at")) for t in tickets), default=current)
            if latest == current:  # 300 full pages within one second: nothing more can be listed
                more = False
            page, current = 0, latest
        yield tickets, not more
        if not more:
            return
        page += 1


def conversations(client: VendorClient, ticket_id: object) -> Iterator[dict[str, Any]]:
    """Every conversation of one ticket: pages of CONVERSATIONS_PER_PAGE until a short page (the
    default page holds 30, so a long thread would otherwise lose its later replies). The client
    waits out 429s and an exhausted X-RateLimit-Remaining between pages."""
    path = f"/api/v2/tickets/{ticket_id}/conversations"
    page = 1
    while True:
        chunk = array(client.get(path, params={"page": page, "per_page": CONVERSATIONS_PER_PAGE}).data, path)
        yield from chunk
        if len(chunk) < CONVERSATIONS_PER_PAGE or page >= MAX_PAGES:
            return
        page += 1


class FreshdeskTickets(Stream):
    name, kind, profile, known_fields = "tickets", "tickets", "freshdesk", TICKET_FIELDS
    extra: ClassVar[dict[str, str] | None] = None

    def pages(self, client: VendorClient, cursor: Cursor | None, source: SourceConfig) -> Iterator[Page]:
        since = cursor["updated_since"] if cursor else source.start.strftime("%Y-%m-%dT%H:%M:%SZ")
        seen = None
        for tickets, last in updated_tickets(client, since, source.page_size, self.extra):
            records = [self.shape(flatten(t)) for t in tickets]
            seen = newest((parse_time(t.get("updated_at")) for t in tickets), seen)
            # Resume at the newest update seen, inclusive: a record at that second comes again, unchanged.
            resume = (
                {"updated_since": seen.strftime("%Y-%m-%dT%H:%M:%SZ")} if seen else {"updated_since": since}
            )
            yield Page(records, resume, seen, last)

    def shape(self, record: dict[str, Any]) -> dict[str, Any]:
        return record


class FreshdeskDeletedTickets(FreshdeskTickets):
    name = "deleted_tickets"
    extra: ClassVar[dict[str, str] | None] = {"filter": "deleted"}

    def shape(self, record: dict[str, Any]) -> dict[str, Any]:
        if record.get("deleted"):
            record["status"] = "deleted"
        return record


class FreshdeskConversations(Stream):
    """Conversations of the tickets updated since the cursor (one call per ticket, as documented)."""

    name, kind, profile, known_fields = "conversations", "interactions", "freshdesk", CONVERSATION_FIELDS

    def pages(self, client: VendorClient, cursor: Cursor | None, source: SourceConfig) -> Iterator[Page]:
        since = cursor["updated_since"] if cursor else source.start.strftime("%Y-%m-%dT%H:%M:%SZ")
        seen = None
        for tickets, last in updated_tickets(client, since, source.page_size):
            records: list[dict[str, Any]] = []
            for ticket in tickets:
                records += [flatten(c) for c in conversations(client, ticket["id"])]
            seen = newest((parse_time(t.get("updated_at")) for t in tickets), seen)
            resume = (
                {"updated_since": seen.strftime("%Y-%m-%dT%H:%M:%SZ")} if seen else {"updated_since": since}
            )
            yield Page(records, resume, seen, last)


RATING_FIELDS = field_set(
    "id survey_id user_id agent_id group_id ticket_id feedback ratings.default_question created_at updated_at"
)


class FreshdeskRatings(Stream):
    """Satisfaction ratings created since the cursor (GET /api/v2/surveys/satisfaction_ratings?
    created_since=ISO&page=&per_page=, a JSON array per page, until a short page). A rating exists
    once the customer answered, so its creation is its answer time. The listing's order is not
    documented: only the last page moves the cursor (to the newest `created_at` seen, inclusive), so
    a crash mid-listing re-reads from the old one and nothing is skipped (re-read ratings merge
    unchanged). Answers to custom questions (`ratings.question_...`) are reported as new fields."""

    name, kind, profile, known_fields = "satisfaction_ratings", "feedback", "freshdesk", RATING_FIELDS

    def pages(self, client: VendorClient, cursor: Cursor | None, source: SourceConfig) -> Iterator[Page]:
        since = cursor["created_since"] if cursor else source.start.strftime("%Y-%m-%dT%H:%M:%SZ")
        seen, page = None, 1
        while True:
            params = {"created_since": since, "page": page, "per_page": source.page_size}
            ratings = array(client.get(RATINGS_PATH, params=params).data, RATINGS_PATH)
            seen = newest((parse_time(r.get("created_at")) for r in ratings), seen)
            last = len(ratings) < source.page_size or page >= MAX_PAGES
            resume = since if not last or seen is None else seen.strftime("%Y-%m-%dT%H:%M:%SZ")
            yield Page([flatten(r) for r in ratings], {"created_since": resume}, seen, last)
            if last:
                return
            page += 1


STREAMS: tuple[Stream, ...] = (
    FreshdeskTickets(),
    FreshdeskDeletedTickets(),
    FreshdeskConversations(),
    FreshdeskRatings(),
)
