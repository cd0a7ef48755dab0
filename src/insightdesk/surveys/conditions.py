"""Conditions of skip logic and triggers: a small, safe expression language on Python's own parser.

`answers.csat <= 2`, `ticket.channel == 'chat'`, `customer.tier in ['gold', 'platinum'] and not
answers.bot_helped`. Python's `ast` parses the text; only comparisons, boolean operators, literals
and `answers.X` / `ticket.X` / `customer.X` names are allowed, so evaluating one can neither call
code nor read anything else. A missing value is None, and None compared with a number is False
(an unanswered question never satisfies `<=`).
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

SUBJECTS = ("answers", "ticket", "customer")

_COMPARE: dict[type[ast.cmpop], Callable[[Any, Any], bool]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
}


class ConditionError(ValueError):
    """A condition that does not parse or uses something outside the language; says which part."""


@dataclass(frozen=True)
class Condition:
    """A parsed condition: its text, its tree and the `subject.field` names it reads."""

    text: str
    tree: ast.Expression
    references: frozenset[tuple[str, str]]

    def evaluate(self, facts: Mapping[str, Mapping[str, Any]]) -> bool:
        """True when the condition holds for `facts` ({"answers": {...}, "ticket": {...}, ...})."""
        return bool(_eval(self.tree.body, facts))


@lru_cache(maxsize=1024)
def parse_condition(text: str) -> Condition:
    """Parse and check `text`; ConditionError says what is wrong with it."""
    if not isinstance(text, str) or not text.strip():
        raise ConditionError("a condition must be a non-empty expression such as `answers.csat <= 2`")
    if len(text) > 500:
        raise ConditionError("a condition is limited to 500 characters")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise ConditionError(f"`{text}` does not parse ({exc.msg})") from None
    references: set[tuple[str, str]] = set()
    for node in ast.walk(tree):
        _check_node(node, text, references)
    return Condition(text, tree, frozenset(references))


_ALLOWED = (
    ast.Expression,
    ast.BoolOp,
    ast.And,
    ast.Or,
    ast.UnaryOp,
    ast.Not,
    ast.USub,
    ast.Compare,
    ast.Constant,
    ast.List,
    ast.Tuple,
    ast.Attribute,
    ast.Name,
    ast.Load,
    *_COMPARE,
)


def _check_node(node: ast.AST, text: str, references: set[tuple[str, str]]) -> None:
    if not isinstance(node, _ALLOWED):
        raise ConditionError(
            f"`{text}` uses {type(node).__name__}, which conditions do not allow "
            "(only comparisons, and/or/not, literals and answers.X, ticket.X, customer.X)"
        )
    if (
        isinstance(node, ast.UnaryOp)
        and isinstance(node.op, ast.USub)
        and not isinstance(node.operand, ast.Constant)
    ):
        raise ConditionError(f"`{text}`: a minus sign may only precede a number")
    if isinstance(node, ast.Attribute):
        if not isinstance(node.value, ast.Name) or node.value.id not in SUBJECTS:
            raise ConditionError(f"`{text}`: write a field as answers.X, ticket.X or customer.X")
        references.add((node.value.id, node.attr))
    if isinstance(node, ast.Name) and node.id not in SUBJECTS and node.id not in ("True", "False", "None"):
        raise ConditionError(f"`{text}`: unknown name `{node.id}` (use answers.X, ticket.X or customer.X)")


def _eval(node: ast.AST, facts: Mapping[str, Mapping[str, Any]]) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return (facts.get(node.value.id) or {}).get(node.attr)
    if isinstance(node, ast.List | ast.Tuple):
        return [_eval(item, facts) for item in node.elts]
    if isinstance(node, ast.UnaryOp):
        value = _eval(node.operand, facts)
        return (not value) if isinstance(node.op, ast.Not) else -value
    if isinstance(node, ast.BoolOp):
        values = (_eval(item, facts) for item in node.values)
        return all(values) if isinstance(node.op, ast.And) else any(values)
    if isinstance(node, ast.Compare):
        left = _eval(node.left, facts)
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            right = _eval(right_node, facts)
            if not _compare(op, left, right):
                return False
            left = right
        return True
    raise ConditionError(f"cannot evaluate {type(node).__name__}")  # parse_condition refuses these


def _compare(op: ast.cmpop, left: Any, right: Any) -> bool:
    fn = _COMPARE[type(op)]
    try:
        return bool(fn(left, right))
    except TypeError:
        # None (unanswered, unknown attribute) or mixed types: the condition does not hold.
        return False
