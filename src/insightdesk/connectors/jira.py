"""Jira Service Management: issues by JQL on `updated`, into the `jira` profile's shape (the issue
CSV export's column names), and their comments as the profile's REST comment objects.

Documented endpoint (developer.atlassian.com, REST API v2, issue search):
GET /rest/api/2/search?jql=...&startAt=&maxResults=&fields=*all answers `{startAt, maxResults,
total, issues: [{id, key, fields: {...}}]}`; v2 keeps descriptions and comments as plain text
(v3 answers Atlassian Document Format). JQL compares `updated` to the minute, in the API user's
time zone (set it to UTC): the cursor is the newest minute seen, and each page starts from it,
skipping the issues of that minute the run already has, so an issue updated while the run pages
moves behind the cursor instead of shifting an offset.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from insightdesk.connectors.http import VendorClient
from insightdesk.connectors.sources import SourceConfig
from insightdesk.connectors.streams import Cursor, Page, Stream, field_set, listed, newest, parse_time

ISSUE_FIELDS = field_set("id key self expand fields changelog renderedFields names schema transitions")
COMMENT_FIELDS = field_set(
    "id self author updateAuthor body created updated jsdPublic visibility properties renderedBody issueKey"
)


def _minute(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y/%m/%d %H:%M")


def _name(value: Any, key: str = "name") -> Any:
    return value.get(key) if isinstance(value, dict) else None


def _iso(value: Any) -> str | None:
    moment = parse_time(value)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


def as_export_row(issue: dict[str, Any], options: dict[str, Any]) -> dict[str, Any]:
    """One issue as the CSV export's columns (the profile's names)."""
    fields = issue.get("fields") or {}
    components = fields.get("components") or []
    row: dict[str, Any] = {
        "Issue key": issue.get("key"),
        "Summary": fields.get("summary"),
        "Description": fields.get("description"),
        "Issue Type": _name(fields.get("issuetype")),
        "Status": _name(fields.get("status")),
        "Priority": _name(fields.get("priority")),
        "Resolution": _name(fields.get("resolution")),
        "Created": _iso(fields.get("created")),
        "Updated": _iso(fields.get("updated")),
        "Resolved": _iso(fields.get("resolutiondate")),
        "Assignee Id": _name(fields.get("assignee"), "accountId"),
        "Reporter Id": _name(fields.get("reporter"), "accountId"),
        "Component/s": _name(components[0]) if components else None,
    }
    request_type = options.get("request_type_field")
    if request_type:
        row["Custom field (Customer Request Type)"] = _name(
            _name(fields.get(request_type), "requestType") or {}
        ) or _name(fields.get(request_type), "value")
    return row


class JiraIssues(Stream):
    name, kind, profile, known_fields = "issues", "tickets", "jira", ISSUE_FIELDS

    def search(
        self, client: VendorClient, cursor: Cursor | None, source: SourceConfig
    ) -> Iterator[tuple[list[dict[str, Any]], str, datetime | None, bool]]:
        """Pages of raw issues, each with the minute to resume from and the newest update seen."""
        minute = cursor["updated"] if cursor else _minute(source.start)
        scope = source.options.get("jql")
        seen_in_minute: set[str] = set()
        seen = None
        while True:
            jql = f'updated >= "{minute}"' + (f" AND ({scope})" if scope else "") + self.narrow(source)
            start_at = len(seen_in_minute)
            params = {
                "jql": f"{jql} ORDER BY updated ASC, key ASC",
                "startAt": start_at,
                "maxResults": source.page_size,
                "fields": "*all",
            }
            body = client.get("/rest/api/2/search", params=params).data
            issues = listed(body, "issues", "Jira", "/rest/api/2/search")
            fresh = [i for i in issues if i.get("key") not in seen_in_minute]
            seen = newest((parse_time((i.get("fields") or {}).get("updated")) for i in fresh), seen)
            total = body.get("total") if isinstance(body.get("total"), int) else 0
            done = not fresh or len(issues) < source.page_size or start_at + len(issues) >= total
            following = _minute(seen) if seen else minute
            if following != minute:
                minute, seen_in_minute = following, set()
            seen_in_minute |= {
                str(i.get("key")) for i in fresh if _minute_of(i) == minute
            }  # the next page skips these
            yield fresh, minute, seen, done
            if done:
                return

    def narrow(self, source: SourceConfig) -> str:
        """JQL ANDed to the search (a stream that needs only some issues)."""
        return ""

    def pages(self, client: VendorClient, cursor: Cursor | None, source: SourceConfig) -> Iterator[Page]:
        for issues, minute, seen, done in self.search(client, cursor, source):
            rows = [as_export_row(i, source.options) for i in issues]
            yield Page(rows, {"updated": minute}, seen, done)


def _minute_of(issue: dict[str, Any]) -> str | None:
    moment = parse_time((issue.get("fields") or {}).get("updated"))
    return _minute(moment) if moment else None


class JiraComments(JiraIssues):
    """Comments of the issues updated since the cursor (`fields.comment.comments` of the search)."""

    name, kind, known_fields = "comments", "interactions", COMMENT_FIELDS

    def pages(self, client: VendorClient, cursor: Cursor | None, source: SourceConfig) -> Iterator[Page]:
        for issues, minute, seen, done in self.search(client, cursor, source):
            rows = []
            for issue in issues:
                comments = ((issue.get("fields") or {}).get("comment") or {}).get("comments") or []
                rows += [
                    {**c, "issueKey": issue.get("key"), "created": _iso(c.get("created"))} for c in comments
                ]
            yield Page(rows, {"updated": minute}, seen, done)


class JiraSatisfaction(JiraIssues):
    """CSAT of the issues updated since the cursor that have one: the request's satisfaction field
    (type sd-request-feedback; its REST value is `{"rating": 1-5}`) and satisfaction date field
    (sd-request-feedback-date), named by the options `satisfaction_field` and
    `satisfaction_date_field` (their custom field ids differ per site). Rows are the issue CSV
    export's columns, so the profile's `feedback` kind maps them as it maps the file. Without the
    option the stream reads nothing."""

    name, kind = "satisfaction", "feedback"

    def narrow(self, source: SourceConfig) -> str:
        field = str(source.options.get("satisfaction_field", ""))
        return f" AND cf[{field.removeprefix('customfield_')}] is not EMPTY"

    def pages(self, client: VendorClient, cursor: Cursor | None, source: SourceConfig) -> Iterator[Page]:
        field = source.options.get("satisfaction_field")
        if not field:
            return
        answered_field = source.options.get("satisfaction_date_field")
        for issues, minute, seen, done in self.search(client, cursor, source):
            rows = []
            for issue in issues:
                fields = issue.get("fields") or {}
                rating = fields.get(field)
                rows.append(
                    {
                        "Issue key": issue.get("key"),
                        "Custom field (Satisfaction)": _name(rating, "rating")
                        if isinstance(rating, dict)
                        else rating,
                        "Custom field (Satisfaction date)": _iso(fields.get(answered_field or "")),
                        "Reporter Id": _name(fields.get("reporter"), "accountId"),
                        "Assignee Id": _name(fields.get("assignee"), "accountId"),
                    }
                )
            yield Page(rows, {"updated": minute}, seen, done)


AUDIT_PATH = "/rest/api/3/auditing/record"
# Records of the last minute are left to the next run: one written late with an earlier `created`
# would otherwise fall behind the cursor.
AUDIT_SETTLE = timedelta(minutes=1)


class JiraDeletions(Stream):
    """Deleted issues from the audit log (GET /rest/api/3/auditing/record?from=&to=&filter=&offset=
    &limit= answers `{offset, limit, total, records: [{id, summary, created, category, objectItem:
    {id, name, typeName}}]}`, newest first). A record whose object is an ISSUE and whose summary says
    it was deleted names the issue key in `objectItem.name`; it is honoured from the store's copy
    (see tombstones). The window ends a minute before the run's start, so records arriving while
    it pages (or written late) wait for the next run; the cursor is the newest (created, id) read,
    and `from` is inclusive, so the records at that instant already read are skipped."""

    name, kind, profile, records_of, tombstones = "deletions", "tickets", "generic", "jira", True
    known_fields = field_set("source_id deleted_at")

    def pages(self, client: VendorClient, cursor: Cursor | None, source: SourceConfig) -> Iterator[Page]:
        since = parse_time(cursor["created"]) if cursor else source.start
        after = (cursor["created"], int(cursor["id"])) if cursor else ("", -1)
        until = datetime.now(UTC) - AUDIT_SETTLE
        found: list[tuple[datetime, int, str]] = []
        offset = 0
        while True:  # the window's records, all pages: they come newest first, the cursor needs oldest
            params = {
                "from": _audit_time(since or source.start),
                "to": _audit_time(until),
                "filter": "deleted",
                "offset": offset,
                "limit": source.page_size,
            }
            body = client.get(AUDIT_PATH, params=params).data
            records = listed(body, "records", "Jira", AUDIT_PATH)
            found += [hit for hit in map(_deleted_issue, records) if hit]
            offset += len(records)
            total = body.get("total") if isinstance(body.get("total"), int) else 0
            if not records or len(records) < source.page_size or offset >= total:
                break
        fresh = sorted({hit for hit in found if (_audit_time(hit[0]), hit[1]) > after})
        if not fresh:
            yield Page([], dict(cursor or {"created": _audit_time(source.start), "id": -1}), None, True)
            return
        for start in range(0, len(fresh), source.page_size):
            chunk = fresh[start : start + source.page_size]
            rows = [{"source_id": key, "deleted_at": _iso(_audit_time(at))} for at, _, key in chunk]
            last_at, last_id, _ = chunk[-1]
            done = start + source.page_size >= len(fresh)
            yield Page(rows, {"created": _audit_time(last_at), "id": last_id}, last_at, done)


def _audit_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+0000"


def _deleted_issue(record: dict[str, Any]) -> tuple[datetime, int, str] | None:
    item = record.get("objectItem")
    if not isinstance(item, dict) or str(item.get("typeName", "")).upper() != "ISSUE":
        return None
    summary = str(record.get("summary") or "").lower()
    created, key, record_id = parse_time(record.get("created")), item.get("name"), record.get("id")
    if "deleted" not in summary or not created or not key or not isinstance(record_id, int):
        return None
    return created, record_id, str(key)


STREAMS: tuple[Stream, ...] = (JiraIssues(), JiraComments(), JiraSatisfaction(), JiraDeletions())
