"""What can go wrong with pain points; each message says what happened and what to do next."""

from __future__ import annotations


class PainpointDataError(ValueError):
    """The store cannot give pain points (no tickets, window empty...); the message says what to do."""


class PainpointNotFound(LookupError):
    """No such ranking run or pain point; the message says what exists."""


class BacklogError(ValueError):
    """A backlog change that cannot be made; the message says why and what is allowed."""
