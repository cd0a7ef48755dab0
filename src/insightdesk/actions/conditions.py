"""Conditions of a rule evaluated on an event's attributes (pure).

`all` must all hold and, when `any` is given, at least one of it must hold. A comparison with a
missing attribute is false (never an error): an answer without a comment has no sentiment, and
`sentiment eq negative` simply does not match it.
"""

from __future__ import annotations

from typing import Any

from insightdesk.actions.spec import Condition, Conditions


def holds(condition: Condition, attrs: dict[str, Any]) -> bool:
    value = attrs.get(condition.field)
    op, target = condition.op, condition.value
    if op == "exists":
        return value is not None
    if op == "missing":
        return value is None
    if value is None:
        return False
    if op == "eq":
        return bool(value == target)
    if op == "ne":
        return bool(value != target)
    if op == "in":
        return value in target
    if op == "not_in":
        return value not in target
    if op == "contains":
        return str(target).lower() in str(value).lower()
    try:
        left, right = float(value), float(target)
    except (TypeError, ValueError):
        return False  # an ordering on a non-number is false, as a missing value is
    return {"lt": left < right, "le": left <= right, "gt": left > right, "ge": left >= right}[op]


def matches(conditions: Conditions, attrs: dict[str, Any]) -> bool:
    if not all(holds(c, attrs) for c in conditions.all):
        return False
    return not conditions.any or any(holds(c, attrs) for c in conditions.any)
