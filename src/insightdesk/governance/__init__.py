"""Governance: roles as data, accounts with argon2 passwords, sessions, API tokens, the audit log.

Its tables (users, sessions, api_tokens, login_attempts, audit_log, settings) are defined in
store/tables/governance.py; record reads under a principal's scope are in `governance.records`.
"""

from __future__ import annotations

from insightdesk.governance import audit
from insightdesk.governance.roles import (
    MATRIX,
    SCOPES,
    Permission,
    Principal,
    Role,
    Scope,
    allowed,
    parse_role,
)
from insightdesk.governance.users import (
    AccountError,
    Actor,
    LoginFailed,
    LoginLocked,
    LoginPolicy,
    authenticate,
    create_user,
    ensure_quickstart_admin,
    list_users,
    set_active,
    set_role,
)
from insightdesk.store.tables.governance import GOVERNANCE_TABLES

__all__ = [
    "GOVERNANCE_TABLES",
    "MATRIX",
    "SCOPES",
    "AccountError",
    "Actor",
    "LoginFailed",
    "LoginLocked",
    "LoginPolicy",
    "Permission",
    "Principal",
    "Role",
    "Scope",
    "allowed",
    "audit",
    "authenticate",
    "create_user",
    "ensure_quickstart_admin",
    "list_users",
    "parse_role",
    "set_active",
    "set_role",
]
