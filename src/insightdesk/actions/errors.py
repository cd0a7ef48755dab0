"""Errors of the closed loop: each message names the rule, task or message and what to do next."""

from __future__ import annotations


class ActionsError(ValueError):
    """A request the closed loop refuses (bad rule, wrong state, missing approval...)."""


class RuleSpecError(ActionsError):
    """A rule document that cannot be used; the message names the field and the problem."""


class NotFound(ActionsError):
    """No such rule, version, task or message."""


class BuiltMeanwhile(ActionsError):
    """Another process (a cron run beside `serve` on PostgreSQL) built or sent the same review pack
    while this one was building it: nothing is written twice."""
