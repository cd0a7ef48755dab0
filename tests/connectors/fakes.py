"""Vendor-shaped fake APIs on a real loopback server (pytest-httpserver), replaying the documented
payloads, paging and headers, with faults queued per path (429 bursts, 500s, truncated bodies, 401).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from insightdesk.connectors import RetryPolicy, VendorClient
from insightdesk.connectors.sources import SourceConfig, parse_source


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def epoch_of(text: str) -> int:
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())


@dataclass
class FakeVendor:
    """Faults first (each served once, in order, per path), then the vendor's real answer."""

    server: HTTPServer
    faults: dict[str, list[Response]] = field(default_factory=dict)
    calls: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    def route(self, path: str, answer: Callable[[Request], Any]) -> None:
        def handler(request: Request) -> Response:
            self.calls.append((request.path, dict(request.args)))
            queued = self.faults.get(request.path)
            if queued:
                return queued.pop(0)
            body = answer(request)
            return (
                body
                if isinstance(body, Response)
                else Response(json.dumps(body), content_type="application/json")
            )

        self.server.expect_request(path).respond_with_handler(handler)

    def fail(self, path: str, *responses: Response) -> None:
        self.faults.setdefault(path, []).extend(responses)


def truncated(body: dict[str, Any]) -> Response:
    """A body cut short mid-object, whole as far as HTTP goes (Content-Length matches)."""
    text = json.dumps(body)
    return Response(text[: len(text) // 2], content_type="application/json")


def status(code: int, headers: dict[str, str] | None = None) -> Response:
    return Response(
        json.dumps({"error": "fault"}), status=code, headers=headers, content_type="application/json"
    )


class FakeZendesk(FakeVendor):
    """Incremental exports (cursor and time based) and satisfaction ratings, as documented."""

    def __init__(self, server: HTTPServer) -> None:
        super().__init__(server)
        self.tickets: dict[int, dict[str, Any]] = {}
        self.audits: list[dict[str, Any]] = []
        self.ratings: dict[int, dict[str, Any]] = {}
        self.route("/api/v2/incremental/tickets/cursor.json", self._tickets)
        self.route("/api/v2/incremental/ticket_events.json", self._events)
        self.route("/api/v2/satisfaction_ratings", self._ratings)
        self.route("/api/v2/tickets/show_many.json", self._show_many)
        self.route(re.compile(r"^/api/v2/satisfaction_ratings/\d+$"), self._rating)

    def put_ticket(self, ticket_id: int, updated: datetime, **extra: Any) -> dict[str, Any]:
        ticket = {
            "id": ticket_id,
            "subject": f"Ticket {ticket_id}",
            "description": "printer on fire",
            "status": "open",
            "priority": "normal",
            "type": "incident",
            "via": {"channel": "email"},
            "requester_id": 9000 + ticket_id % 7,
            "assignee_id": 500 + ticket_id % 3,
            "group_id": 40,
            "created_at": iso(updated.replace(hour=0)),
            "updated_at": iso(updated),
            "tags": [],
        }
        ticket.update(extra)
        self.tickets[ticket_id] = {k: v for k, v in ticket.items() if v is not None}
        return ticket

    def _tickets(self, request: Request) -> Any:
        per_page = int(request.args.get("per_page", 1000))
        ordered = sorted(self.tickets.values(), key=lambda t: (epoch_of(t["updated_at"]), t["id"]))
        if "cursor" in request.args:
            at, last_id = (int(x) for x in request.args["cursor"].split(":"))
            rows = [t for t in ordered if (epoch_of(t["updated_at"]), t["id"]) > (at, last_id)]
        else:
            rows = [t for t in ordered if epoch_of(t["updated_at"]) >= int(request.args["start_time"])]
        page = rows[:per_page]
        last = page[-1] if page else None
        after = f"{epoch_of(last['updated_at'])}:{last['id']}" if last else request.args.get("cursor")
        metric_sets = [
            {
                "ticket_id": t["id"],
                "solved_at": None,
                "reopens": 0,
                "assignee_stations": 1,
                "reply_time_in_minutes": {"calendar": 30},
            }
            for t in page
        ]
        return {
            "tickets": page,
            "metric_sets": metric_sets,
            "after_cursor": after,
            "after_url": None,
            "before_cursor": None,
            "end_of_stream": len(rows) <= per_page,
        }

    def _events(self, request: Request) -> Any:
        start = int(request.args["start_time"])
        rows = [a for a in self.audits if epoch_of(a["created_at"]) >= start][:1000]
        end_time = epoch_of(rows[-1]["created_at"]) if rows else start
        return {
            "ticket_events": rows,
            "count": len(rows),
            "end_time": end_time,
            "end_of_stream": len(rows) < 1000,
        }

    def answer(self, rating_id: int, score: str, at: datetime, comment: str = "") -> None:
        """The customer answers an offered rating: the rating is updated (not created) and the
        ticket's audit records it, as Zendesk does."""
        rating = self.ratings[rating_id]
        rating.update(score=score, comment=comment, updated_at=iso(at))
        ticket = self.tickets[rating["ticket_id"]]
        ticket.update(
            satisfaction_rating={"id": rating_id, "score": score, "comment": comment}, updated_at=iso(at)
        )
        self.audits.append({
            "id": 70000 + rating_id, "ticket_id": rating["ticket_id"], "timestamp": epoch_of(iso(at)),
            "created_at": iso(at), "updater_id": rating["requester_id"], "via": {"channel": "web"},
            "child_events": [
                {"id": 80000 + rating_id, "event_type": "Change", "field_name": "satisfaction_score",
                 "previous_value": "offered", "value": score},
                {"id": 90000 + rating_id, "event_type": "SatisfactionRating", "score": score,
                 "assignee_id": rating["assignee_id"], "body": comment},
            ],
        })  # fmt: skip

    def _show_many(self, request: Request) -> Any:
        ids = [int(i) for i in request.args["ids"].split(",")]
        return {"tickets": [self.tickets[i] for i in ids if i in self.tickets]}

    def _rating(self, request: Request) -> Any:
        return {"satisfaction_rating": self.ratings[int(request.path.rsplit("/", 1)[1])]}

    def _ratings(self, request: Request) -> Any:
        size = int(request.args.get("page[size]", 100))
        after = int(request.args.get("page[after]", 0))
        start = int(request.args.get("start_time", 0))
        rows = sorted(
            (r for r in self.ratings.values() if epoch_of(r["created_at"]) >= start and r["id"] > after),
            key=lambda r: r["id"],
        )
        page, more = rows[:size], len(rows) > size
        link = None
        if more:
            link = (
                self.server.url_for("/api/v2/satisfaction_ratings")
                + "?"
                + urlencode({"start_time": start, "page[size]": size, "page[after]": page[-1]["id"]})
            )
        return {"satisfaction_ratings": page, "meta": {"has_more": more}, "links": {"next": link}}


def source_for(vendor: str, server: HTTPServer, **extra: Any) -> SourceConfig:
    spec: dict[str, Any] = {
        "vendor": vendor,
        "base_url": server.url_for("/").rstrip("/"),
        "owner": "admin",
        "department": "support",
        "auth": {"type": "basic", "user": "agent@example.com/token", "secret_env": "TEST_CONNECTOR_TOKEN"},
        "start": "2026-01-01T00:00:00Z",
        "page_size": 3,
        "batch_records": 100,
    }
    spec.update(extra)
    return parse_source(f"{vendor}-test", spec)


def fast_client(slept: list[float] | None = None) -> Callable[[SourceConfig], VendorClient]:
    """A client factory that never waits (sleeps are recorded) and sends a test credential."""
    from insightdesk.connectors import Credentials

    def make(source: SourceConfig) -> VendorClient:
        return VendorClient(
            source.base_url,
            vendor=source.vendor.title(),
            auth=Credentials.basic(source.auth.user or "", "test-secret", name=source.auth.secret_name),
            retry=RetryPolicy(max_attempts=3, base_delay=0.01),
            sleep=(slept.append if slept is not None else lambda s: None),
        )

    return make
