"""How the governance commands (users, settings, audit) act: with admin rights, as the OS user.

The CLI holds the store, so it acts as an admin; the audit log names it `cli:<OS user>`.
"""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from insightdesk.cli.output import user_errors

if TYPE_CHECKING:
    from insightdesk.governance import Actor
    from insightdesk.store import Store


def cli_actor() -> Actor:
    """The CLI acts with admin rights (it holds the store); the audit log names the OS user."""
    from insightdesk.governance import Actor

    return Actor(f"cli:{getpass.getuser()}", "admin", "cli")


@contextmanager
def admin_store(db: str | None) -> Iterator[Store]:
    """The store, with an account, password or setting refused reported as the user's error (exit 2)."""
    from insightdesk.governance.passwords import PasswordError
    from insightdesk.governance.users import AccountError
    from insightdesk.store import open_store

    with user_errors(AccountError, PasswordError, ValueError), open_store(db) as store:
        yield store
