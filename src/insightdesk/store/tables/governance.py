"""Store tables of accounts, sessions, API tokens, login attempts and the audit log (migrations 0003, 0007).

Defined on the canonical metadata so docs/data-model.md documents them.
"""

from __future__ import annotations

import sqlalchemy as sa

from insightdesk.store.tables.base import documented_column as _col
from insightdesk.store.tables.base import metadata

users = sa.Table(
    "users",
    metadata,
    _col("username", sa.String, "Login name (lower case), unique.", primary_key=True),
    _col("display_name", sa.String, "Name shown in the dashboard."),
    _col(
        "role",
        sa.String,
        "admin, analyst, team_lead, agent or viewer (see docs/security.md).",
        nullable=False,
    ),
    _col("team_ids", sa.Text, "Teams a team lead sees, JSON list of teams.id; null for other roles."),
    _col(
        "agent_id", sa.String, "The agent an `agent` account is (agents.id): their own tickets and feedback."
    ),
    _col("password_hash", sa.String, "Argon2id hash of the password (never the password).", nullable=False),
    _col("active", sa.Boolean, "False once disabled: no login, sessions and tokens refused.", nullable=False),
    _col("created_at", sa.DateTime, "Created (UTC).", nullable=False),
    _col("updated_at", sa.DateTime, "Last change of role, scope, password or status (UTC).", nullable=False),
    comment="Dashboard and API accounts with their role and row scope.",
)

sessions = sa.Table(
    "sessions",
    metadata,
    _col(
        "session_hash",
        sa.String,
        "SHA-256 of the session cookie value (the value itself is never stored).",
        primary_key=True,
    ),
    _col("username", sa.String, "Account (users.username).", nullable=False),
    _col(
        "csrf_token", sa.String, "Token every form and cookie-authenticated write must echo.", nullable=False
    ),
    _col("created_at", sa.DateTime, "Login time (UTC).", nullable=False),
    _col("expires_at", sa.DateTime, "When the session stops being accepted (UTC).", nullable=False),
    _col("revoked_at", sa.DateTime, "Logout or revocation time (UTC); null while valid."),
    _col("ip", sa.String, "Client address at login."),
    comment="Server-side login sessions behind the HttpOnly session cookie.",
)

api_tokens = sa.Table(
    "api_tokens",
    metadata,
    _col(
        "token_id",
        sa.String,
        "Public id of the token (shown in lists; the secret is shown once).",
        primary_key=True,
    ),
    _col("token_hash", sa.String, "SHA-256 of the secret token.", nullable=False),
    _col("username", sa.String, "Account the token acts as (users.username).", nullable=False),
    _col("name", sa.String, "What the token is for, in words."),
    _col("created_at", sa.DateTime, "Created (UTC).", nullable=False),
    _col("expires_at", sa.DateTime, "Expiry (UTC): every token expires.", nullable=False),
    _col("revoked_at", sa.DateTime, "Revocation time (UTC); null while valid."),
    _col("last_used_at", sa.DateTime, "Last accepted use (UTC), updated at most once a minute."),
    comment="Expiring, revocable API tokens for scripts (Authorization: Bearer).",
)

login_attempts = sa.Table(
    "login_attempts",
    metadata,
    _col("attempt_id", sa.String, "Unique id of the attempt.", primary_key=True),
    _col("username", sa.String, "Login name tried (lower case).", nullable=False),
    _col("ip", sa.String, "Client address."),
    _col("succeeded", sa.Boolean, "True for a successful login.", nullable=False),
    _col("attempted_at", sa.DateTime, "When (UTC).", nullable=False),
    comment="Password login attempts: drive slowdown and lockout after repeated failures.",
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    _col(
        "seq",
        sa.BigInteger,
        "Position in the chain, from 1, without gaps.",
        primary_key=True,
        autoincrement=False,
    ),
    _col("occurred_at", sa.DateTime, "When (UTC).", nullable=False),
    _col("actor", sa.String, "Who: users.username, `cli:<os user>` or `anonymous`.", nullable=False),
    _col("role", sa.String, "Role of the actor at the time."),
    _col(
        "action",
        sa.String,
        "What: read.raw_text, read.identity, export, login, login.failed, user.*, ...",
        nullable=False,
    ),
    _col("target", sa.String, "Kind of record acted on (tickets, feedback, customers, users...)."),
    _col("record_ids", sa.Text, "Ids of the records read or changed, JSON list."),
    _col("detail", sa.Text, "Further facts (filters, counts, changed fields), JSON object."),
    _col("ip", sa.String, "From where: client address, or `cli` for the command line."),
    _col("prev_hash", sa.String, "Hash of the previous entry (64 zeros for the first).", nullable=False),
    _col(
        "entry_hash",
        sa.String,
        "Hash over prev_hash and this entry's fields under `hash_scheme`: the tamper-evident chain.",
        nullable=False,
    ),
    _col(
        "hash_scheme",
        sa.String,
        "`hmac-sha256` (keyed with the audit key kept outside the store) or `sha256`; "
        "null for entries written before migration 0007 (sha256).",
    ),
    _col("key_id", sa.String, "Id of the audit key a keyed entry was hashed with (not the key itself)."),
    comment="Append-only, hash-chained log of sensitive reads, exports, logins and account changes.",
)

settings = sa.Table(
    "settings",
    metadata,
    _col("name", sa.String, "Setting name (see docs/security.md, Settings).", primary_key=True),
    _col("value", sa.Text, "Value, JSON.", nullable=False),
    _col("updated_by", sa.String, "Who set it (users.username or `cli:<os user>`).", nullable=False),
    _col("updated_at", sa.DateTime, "When (UTC).", nullable=False),
    comment="Settings changed from their defaults; every change is in the audit log.",
)

GOVERNANCE_TABLES = ("users", "sessions", "api_tokens", "login_attempts", "audit_log", "settings")
