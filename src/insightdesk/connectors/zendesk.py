"""Zendesk Support: the cursor-based incremental ticket export, the incremental ticket event
export and satisfaction ratings, into the `zendesk` profile's JSON shape.

Documented endpoints (developer.zendesk.com, Incremental Exports and Satisfaction Ratings):
- GET /api/v2/incremental/tickets/cursor.json?start_time=|cursor=&include=metric_sets: `tickets`,
  sideloaded `metric_sets`, `after_cursor`, `end_of_stream`. Deleted tickets come back with status
  `deleted` (the profile makes them cancelled); a merged ticket comes back closed.
- GET /api/v2/incremental/ticket_events.json?start_time=: `ticket_events` (audits with
  `child_events`), `end_time`, `end_of_stream`.
- GET /api/v2/satisfaction_ratings?start_time=&page[size]=: `satisfaction_ratings`, `meta.has_more`,
  `links.next` (cursor pagination); `start_time` filters on creation. Late answers: see ZendeskRatings.
- GET /api/v2/tickets/show_many.json?ids=: `tickets`, each with `satisfaction_rating` ({id, score...}).
- GET /api/v2/satisfaction_ratings/{id}: `satisfaction_rating`.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from insightdesk.connectors.http import TerminalVendorError, VendorClient
from insightdesk.connectors.sources import SourceConfig
from insightdesk.connectors.streams import Cursor, Page, Stream, epoch, field_set, listed, newest, parse_time

TICKET_FIELDS = field_set(
    "url id external_id via created_at updated_at generated_timestamp type subject raw_subject description "
    "priority status recipient requester_id submitter_id assignee_id organization_id group_id "
    "collaborator_ids follower_ids email_cc_ids forum_topic_id problem_id has_incidents is_public due_at "
    "tags custom_fields satisfaction_rating sharing_agreement_ids custom_status_id fields followup_ids "
    "ticket_form_id brand_id allow_channelback allow_attachments from_messaging_channel encoded_id "
    "metric_set"
)
RATING_FIELDS = field_set(
    "url id assignee_id group_id requester_id ticket_id score created_at updated_at comment reason "
    "reason_id reason_code"
)
EVENT_FIELDS = field_set("id ticket_id created_at updater_id event_type field_name previous_value value")
_TRACKED = ("status", "priority", "group_id", "assignee_id")


class ZendeskTickets(Stream):
    name, kind, profile, known_fields = "tickets", "tickets", "zendesk", TICKET_FIELDS
    path = "/api/v2/incremental/tickets/cursor.json"

    def pages(self, client: VendorClient, cursor: Cursor | None, source: SourceConfig) -> Iterator[Page]:
        params: dict[str, Any] = {"per_page": source.page_size, "include": "metric_sets"}
        if cursor and cursor.get("cursor"):
            params["cursor"] = cursor["cursor"]
        else:
            params["start_time"] = epoch(source.start)
        while True:
            body = client.get(self.path, params=params).data
            tickets = listed(body, "tickets", "Zendesk", self.path)
            metrics = {m.get("ticket_id"): m for m in body.get("metric_sets") or [] if isinstance(m, dict)}
            for ticket in tickets:
                if ticket.get("id") in metrics:
                    ticket["metric_set"] = metrics[ticket["id"]]
            after = body.get("after_cursor")
            # A cursor handed back unchanged would loop forever: stop, and resume from it next time.
            repeated = after is not None and after == params.get("cursor")
            done = bool(body.get("end_of_stream", True)) or not after or repeated
            resume = {"cursor": after} if after else dict(cursor or {"start_time": params.get("start_time")})
            yield Page(tickets, resume, newest(parse_time(t.get("updated_at")) for t in tickets), done)
            if done:
                return
            params = {"per_page": source.page_size, "include": "metric_sets", "cursor": after}


class ZendeskTicketEvents(Stream):
    name, kind, profile, known_fields = "ticket_events", "ticket_events", "zendesk", EVENT_FIELDS
    path = "/api/v2/incremental/ticket_events.json"

    def pages(self, client: VendorClient, cursor: Cursor | None, source: SourceConfig) -> Iterator[Page]:
        start = int(cursor["start_time"]) if cursor else epoch(source.start)
        while True:
            body = client.get(self.path, params={"start_time": start}).data
            audits = listed(body, "ticket_events", "Zendesk", self.path)
            records = [row for audit in audits for row in _event_rows(audit)]
            end_time = body.get("end_time")
            following = int(end_time) if isinstance(end_time, int | float) else start
            done = bool(body.get("end_of_stream", True)) or following <= start
            times = (parse_time(a.get("created_at")) for a in audits)
            yield Page(records, {"start_time": following}, newest(times), done)
            if done:
                return
            start = following


def _event_rows(audit: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for child in audit.get("child_events") or []:
        if not isinstance(child, dict):
            continue
        kind, field = child.get("event_type"), child.get("field_name")
        if kind == "Create" and field not in (None, "status"):
            continue  # a Create carries one child per initial field; the status one stands for it
        if kind not in ("Create", "Change") or (kind == "Change" and field not in _TRACKED):
            continue
        rows.append(
            {
                "id": child.get("id"),
                "ticket_id": audit.get("ticket_id"),
                "created_at": audit.get("created_at"),
                "updater_id": audit.get("updater_id"),
                "event_type": kind,
                "field_name": field,
                "previous_value": child.get("previous_value"),
                "value": child.get("value"),
            }
        )
    return rows


class ZendeskRatings(Stream):
    """Ratings in two passes, each with its own key in the cursor.

    1. `start_time`: the ratings list filtered on creation (the only time filter Zendesk documents
       for it), which gives each rating when it is offered, and the answers given before the pass.
    2. `answers_since`: late answers. A rating is created when offered and updated when answered,
       so an answer given after pass 1 read its rating is missed by a creation filter. The ticket
       event export records each answer (a `SatisfactionRating` child event, or a `Change` of
       `satisfaction_score`/`satisfaction_comment`); the tickets it names are read 100 at a time
       (`show_many`) for their `satisfaction_rating.id`, and each such rating is read by id.
    """

    name, kind, profile, known_fields = "satisfaction_ratings", "feedback", "zendesk", RATING_FIELDS
    path = "/api/v2/satisfaction_ratings"

    def pages(self, client: VendorClient, cursor: Cursor | None, source: SourceConfig) -> Iterator[Page]:
        start = int(cursor["start_time"]) if cursor else epoch(source.start)
        # A first run's pass 1 reads every answer given so far: pass 2 starts at this run. The event
        # export refuses a start_time under a minute old, so that much is read again (unchanged).
        recent = int(time.time()) - 61
        answers = min(int(cursor.get("answers_since", start)) if cursor else recent, recent)
        url: str = self.path
        params: dict[str, Any] | None = {"start_time": start, "page[size]": source.page_size}
        seen_newest = None
        read: set[tuple[Any, Any]] = set()  # (id, updated_at) already in this run's pages
        while True:
            body = client.get(url, params=params).data
            ratings = listed(body, "satisfaction_ratings", "Zendesk", self.path)
            seen_newest = newest((parse_time(r.get("updated_at")) for r in ratings), seen_newest)
            read |= {(r.get("id"), r.get("updated_at")) for r in ratings}
            meta, links = body.get("meta") or {}, body.get("links") or {}
            following = links.get("next") if meta.get("has_more") else None
            done = not following or following == url
            resume = epoch(seen_newest) if seen_newest else start
            yield Page(ratings, {"start_time": resume, "answers_since": answers}, seen_newest, False)
            if done:
                break
            url, params = str(following), None
        for found, following, answered in _late_answers(client, answers):
            # A rating pass 1 read unchanged would be a duplicate id in the batch (ingest keeps
            # the last copy but quarantines the first): only what changed since is sent again.
            ratings = [r for r in found if (r.get("id"), r.get("updated_at")) not in read]
            read |= {(r.get("id"), r.get("updated_at")) for r in ratings}
            cursor_after = {"start_time": resume, "answers_since": following}
            yield Page(ratings, cursor_after, newest([answered], seen_newest), False)


def _late_answers(
    client: VendorClient, start: int
) -> Iterator[tuple[list[dict[str, Any]], int, datetime | None]]:
    """(ratings answered in a page of the event export, the export's end_time, newest answer)."""
    path = ZendeskTicketEvents.path
    while True:
        body = client.get(path, params={"start_time": start}).data
        audits = listed(body, "ticket_events", "Zendesk", path)
        answered = [a for a in audits if any(_is_answer(c) for c in a.get("child_events") or [])]
        ticket_ids = sorted({int(a["ticket_id"]) for a in answered if isinstance(a.get("ticket_id"), int)})
        ratings = [_rating(client, rating_id) for rating_id in _rating_ids(client, ticket_ids)]
        end_time = body.get("end_time")
        following = int(end_time) if isinstance(end_time, int | float) else start
        done = bool(body.get("end_of_stream", True)) or following <= start
        yield ratings, following, newest(parse_time(a.get("created_at")) for a in answered)
        if done:
            return
        start = following


def _is_answer(child: object) -> bool:
    if not isinstance(child, dict):
        return False
    kind, field = child.get("event_type"), child.get("field_name")
    return kind == "SatisfactionRating" or (
        kind == "Change" and field in ("satisfaction_score", "satisfaction_comment")
    )


def _rating_ids(client: VendorClient, ticket_ids: list[int]) -> list[int]:
    """The ids of the current ratings of these tickets (GET /api/v2/tickets/show_many, 100 ids a call)."""
    found: list[int] = []
    for at in range(0, len(ticket_ids), 100):
        ids = ",".join(str(i) for i in ticket_ids[at : at + 100])
        body = client.get("/api/v2/tickets/show_many.json", params={"ids": ids}).data
        for ticket in listed(body, "tickets", "Zendesk", "/api/v2/tickets/show_many.json"):
            rating = ticket.get("satisfaction_rating")
            if isinstance(rating, dict) and isinstance(rating.get("id"), int):
                found.append(rating["id"])
    return found


def _rating(client: VendorClient, rating_id: int) -> dict[str, Any]:
    path = f"/api/v2/satisfaction_ratings/{rating_id}"
    body = client.get(path).data
    rating = body.get("satisfaction_rating") if isinstance(body, dict) else None
    if not isinstance(rating, dict):
        raise TerminalVendorError(
            f"Zendesk GET {path} answered JSON without a `satisfaction_rating` object; the API changed",
            vendor="Zendesk", status=200, path=path,
        )  # fmt: skip
    return rating


STREAMS: tuple[Stream, ...] = (ZendeskTickets(), ZendeskTicketEvents(), ZendeskRatings())
