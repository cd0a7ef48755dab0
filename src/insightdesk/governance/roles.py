"""The role matrix, as data: which role holds which permission, and how far its row scope reaches.

docs/security.md is generated from this module (`render_matrix()`), and the API's one
authorisation dependency reads it; a test walks every route against it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    ANALYST = "analyst"
    TEAM_LEAD = "team_lead"
    AGENT = "agent"
    VIEWER = "viewer"


class Permission(StrEnum):
    """What a route needs. `public` routes (login page, static assets, health) need no account."""

    PUBLIC = "public"
    AUTHENTICATED = "authenticated"
    AGGREGATES = "aggregates.read"
    RECORDS = "records.read"
    TEXT_REDACTED = "text.redacted"
    TEXT_RAW = "text.raw"
    IDENTITY = "identity.read"
    EXPORT = "export"
    INGEST = "ingest.upload"
    USERS = "users.manage"
    AUDIT = "audit.read"
    SETTINGS = "settings.manage"
    INSIGHTS = "insights.manage"
    SURVEYS = "surveys.manage"
    PRIVACY = "privacy.manage"
    IDENTITY_RESOLVE = "identity.resolve"


class Scope(StrEnum):
    """How many records a role reaches where it may read records at all."""

    ALL = "all"
    TEAM = "team"  # tickets of the lead's teams (users.team_ids) and their feedback
    OWN = "own"  # tickets assigned to the agent (users.agent_id) and feedback about them
    NONE = "none"


PERMISSION_DOCS: dict[Permission, str] = {
    Permission.PUBLIC: "No account needed (login page, static assets, health check).",
    Permission.AUTHENTICATED: "Any signed-in account (own profile, own API tokens, logout).",
    Permission.AGGREGATES: "KPIs, trends, segment comparisons, theme and alert summaries: aggregates, no record.",
    Permission.RECORDS: "Ticket and feedback records (ids, dates, category, scores), within the role's scope.",
    Permission.TEXT_REDACTED: "Free text with personal data replaced by placeholders, within the scope.",
    Permission.TEXT_RAW: "Raw verbatims, descriptions and transcripts, within the scope (audited).",
    Permission.IDENTITY: "Customer names, organisations and contacts, within the scope (audited).",
    Permission.EXPORT: "CSV exports of records (audited).",
    Permission.INGEST: "Upload files for ingestion.",
    Permission.USERS: "Create, disable and change the role of accounts.",
    Permission.AUDIT: "Query, verify and export the audit log.",
    Permission.INSIGHTS: "Work the pain-point backlog (status, owner, problem link), acknowledge or close alerts, and curate themes (rename, merge, split; audited).",
    Permission.SURVEYS: "Define, version and publish surveys, feed ticket events to their triggers, send invitations, suppress customers.",
    Permission.PRIVACY: "File, verify, approve (never one's own) and carry out subject access and erasure requests; consent and retention (audited).",
    Permission.IDENTITY_RESOLVE: "Work the identity review queue (customer records side by side), accept or reject matches and unmerge persons (audited).",
    Permission.SETTINGS: "Change run-time settings (low-n threshold, KPI targets, alert webhook): audited.",
}

_ALL = frozenset(Permission)
_BASE = frozenset({Permission.PUBLIC, Permission.AUTHENTICATED, Permission.AGGREGATES})
_RECORDS = frozenset({Permission.RECORDS, Permission.TEXT_REDACTED, Permission.TEXT_RAW})

MATRIX: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: _ALL,
    Role.ANALYST: _BASE
    | _RECORDS
    | {Permission.EXPORT, Permission.INGEST, Permission.INSIGHTS, Permission.SURVEYS},
    Role.TEAM_LEAD: _BASE | _RECORDS | {Permission.IDENTITY, Permission.INSIGHTS},
    Role.AGENT: _BASE | _RECORDS | {Permission.IDENTITY},
    Role.VIEWER: _BASE,
}

SCOPES: dict[Role, Scope] = {
    Role.ADMIN: Scope.ALL,
    Role.ANALYST: Scope.ALL,
    Role.TEAM_LEAD: Scope.TEAM,
    Role.AGENT: Scope.OWN,
    Role.VIEWER: Scope.NONE,
}

ROLE_DOCS: dict[Role, str] = {
    Role.ADMIN: "Runs the installation: everything, including accounts and the audit log.",
    Role.ANALYST: "CX analyst: all records and raw verbatims, exports and uploads; no customer identities.",
    Role.TEAM_LEAD: "Sees the records, verbatims and customers of their own teams.",
    Role.AGENT: "Sees their own tickets and the feedback about them, with those customers.",
    Role.VIEWER: "Reads dashboards: aggregates only, never a record, verbatim or identity.",
}


@dataclass(frozen=True)
class Principal:
    """Who is asking: the account, its role and its row scope."""

    username: str
    role: Role
    team_ids: tuple[str, ...] = ()
    agent_id: str | None = None
    via: str = "session"  # session | token | cli

    @property
    def scope(self) -> Scope:
        return SCOPES[self.role]

    def can(self, permission: Permission | str) -> bool:
        return Permission(permission) in MATRIX[self.role]


def allowed(role: Role | str, permission: Permission | str) -> bool:
    return Permission(permission) in MATRIX[Role(role)]


def parse_role(value: str) -> Role:
    """A role from user input ("team-lead", "Team_Lead"); ValueError names the valid ones."""
    key = value.strip().lower().replace("-", "_").replace(" ", "_")
    try:
        return Role(key)
    except ValueError:
        raise ValueError(f"unknown role {value!r}; use one of {', '.join(r.value for r in Role)}") from None


def render_matrix() -> str:
    """The role matrix as a markdown table (docs/security.md embeds it)."""
    roles = list(Role)
    lines = [
        "| permission | " + " | ".join(r.value for r in roles) + " | meaning |",
        "|---|" + "---|" * len(roles) + "---|",
    ]
    for perm in Permission:
        marks = " | ".join("yes" if perm in MATRIX[r] else "-" for r in roles)
        lines.append(f"| `{perm.value}` | {marks} | {PERMISSION_DOCS[perm]} |")
    lines.append(
        "| row scope | " + " | ".join(SCOPES[r].value for r in roles) + " | Records a role reaches. |"
    )
    return "\n".join(lines) + "\n"
