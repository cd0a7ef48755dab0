"""Governance: accounts, sessions, API tokens, login attempts and the hash-chained audit log.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("username", sa.String(), nullable=False, comment="Login name (lower case), unique."),
        sa.Column("display_name", sa.String(), nullable=True, comment="Name shown in the dashboard."),
        sa.Column(
            "role",
            sa.String(),
            nullable=False,
            comment="admin, analyst, team_lead, agent or viewer (see docs/security.md).",
        ),
        sa.Column(
            "team_ids",
            sa.Text(),
            nullable=True,
            comment="Teams a team lead sees, JSON list of teams.id; null for other roles.",
        ),
        sa.Column(
            "agent_id",
            sa.String(),
            nullable=True,
            comment="The agent an `agent` account is (agents.id): their own tickets and feedback.",
        ),
        sa.Column(
            "password_hash",
            sa.String(),
            nullable=False,
            comment="Argon2id hash of the password (never the password).",
        ),
        sa.Column(
            "active",
            sa.Boolean(),
            nullable=False,
            comment="False once disabled: no login, sessions and tokens refused.",
        ),
        sa.Column("created_at", sa.DateTime(), nullable=False, comment="Created (UTC)."),
        sa.Column(
            "updated_at",
            sa.DateTime(),
            nullable=False,
            comment="Last change of role, scope, password or status (UTC).",
        ),
        sa.PrimaryKeyConstraint("username"),
        comment="Dashboard and API accounts with their role and row scope.",
    )
    op.create_table(
        "sessions",
        sa.Column(
            "session_hash",
            sa.String(),
            nullable=False,
            comment="SHA-256 of the session cookie value (the value itself is never stored).",
        ),
        sa.Column("username", sa.String(), nullable=False, comment="Account (users.username)."),
        sa.Column(
            "csrf_token",
            sa.String(),
            nullable=False,
            comment="Token every form and cookie-authenticated write must echo.",
        ),
        sa.Column("created_at", sa.DateTime(), nullable=False, comment="Login time (UTC)."),
        sa.Column(
            "expires_at",
            sa.DateTime(),
            nullable=False,
            comment="When the session stops being accepted (UTC).",
        ),
        sa.Column(
            "revoked_at",
            sa.DateTime(),
            nullable=True,
            comment="Logout or revocation time (UTC); null while valid.",
        ),
        sa.Column("ip", sa.String(), nullable=True, comment="Client address at login."),
        sa.PrimaryKeyConstraint("session_hash"),
        comment="Server-side login sessions behind the HttpOnly session cookie.",
    )
    op.create_table(
        "api_tokens",
        sa.Column(
            "token_id",
            sa.String(),
            nullable=False,
            comment="Public id of the token (shown in lists; the secret is shown once).",
        ),
        sa.Column("token_hash", sa.String(), nullable=False, comment="SHA-256 of the secret token."),
        sa.Column(
            "username", sa.String(), nullable=False, comment="Account the token acts as (users.username)."
        ),
        sa.Column("name", sa.String(), nullable=True, comment="What the token is for, in words."),
        sa.Column("created_at", sa.DateTime(), nullable=False, comment="Created (UTC)."),
        sa.Column("expires_at", sa.DateTime(), nullable=False, comment="Expiry (UTC): every token expires."),
        sa.Column(
            "revoked_at", sa.DateTime(), nullable=True, comment="Revocation time (UTC); null while valid."
        ),
        sa.Column(
            "last_used_at",
            sa.DateTime(),
            nullable=True,
            comment="Last accepted use (UTC), updated at most once a minute.",
        ),
        sa.PrimaryKeyConstraint("token_id"),
        comment="Expiring, revocable API tokens for scripts (Authorization: Bearer).",
    )
    op.create_table(
        "login_attempts",
        sa.Column("attempt_id", sa.String(), nullable=False, comment="Unique id of the attempt."),
        sa.Column("username", sa.String(), nullable=False, comment="Login name tried (lower case)."),
        sa.Column("ip", sa.String(), nullable=True, comment="Client address."),
        sa.Column("succeeded", sa.Boolean(), nullable=False, comment="True for a successful login."),
        sa.Column("attempted_at", sa.DateTime(), nullable=False, comment="When (UTC)."),
        sa.PrimaryKeyConstraint("attempt_id"),
        comment="Password login attempts: drive slowdown and lockout after repeated failures.",
    )
    op.create_table(
        "audit_log",
        sa.Column(
            "seq",
            sa.BigInteger(),
            autoincrement=False,
            nullable=False,
            comment="Position in the chain, from 1, without gaps.",
        ),
        sa.Column("occurred_at", sa.DateTime(), nullable=False, comment="When (UTC)."),
        sa.Column(
            "actor",
            sa.String(),
            nullable=False,
            comment="Who: users.username, `cli:<os user>` or `anonymous`.",
        ),
        sa.Column("role", sa.String(), nullable=True, comment="Role of the actor at the time."),
        sa.Column(
            "action",
            sa.String(),
            nullable=False,
            comment="What: read.raw_text, read.identity, export, login, login.failed, user.*, ...",
        ),
        sa.Column(
            "target",
            sa.String(),
            nullable=True,
            comment="Kind of record acted on (tickets, feedback, customers, users...).",
        ),
        sa.Column(
            "record_ids", sa.Text(), nullable=True, comment="Ids of the records read or changed, JSON list."
        ),
        sa.Column(
            "detail",
            sa.Text(),
            nullable=True,
            comment="Further facts (filters, counts, changed fields), JSON object.",
        ),
        sa.Column(
            "ip",
            sa.String(),
            nullable=True,
            comment="From where: client address, or `cli` for the command line.",
        ),
        sa.Column(
            "prev_hash",
            sa.String(),
            nullable=False,
            comment="Hash of the previous entry (64 zeros for the first).",
        ),
        sa.Column(
            "entry_hash",
            sa.String(),
            nullable=False,
            comment="SHA-256 over prev_hash and this entry's fields: the tamper-evident chain.",
        ),
        sa.PrimaryKeyConstraint("seq"),
        comment="Append-only, hash-chained log of sensitive reads, exports, logins and account changes.",
    )
    op.create_index("ix_login_attempts_username_attempted_at", "login_attempts", ["username", "attempted_at"])
    op.create_index("ix_api_tokens_token_hash", "api_tokens", ["token_hash"])


def downgrade() -> None:
    op.drop_index("ix_api_tokens_token_hash", table_name="api_tokens")
    op.drop_index("ix_login_attempts_username_attempted_at", table_name="login_attempts")
    for table in ("audit_log", "login_attempts", "api_tokens", "sessions", "users"):
        op.drop_table(table)
