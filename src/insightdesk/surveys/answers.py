"""Answers as a form posts them, checked against the version's questions and scales.

Form fields are `q_<question id>` (several values for a multiple choice). Only the questions of the
page being answered are read, so a crafted post cannot answer a question the flow skipped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from insightdesk.surveys.definition import Question

FIELD_PREFIX = "q_"


def field_name(question: Question) -> str:
    return FIELD_PREFIX + question.id


def parse_answer(question: Question, values: Sequence[str]) -> tuple[Any, str | None]:
    """(value or None when unanswered, problem or None) for one question's posted values."""
    values = [v.replace("\x00", "").strip() for v in values if v is not None]
    values = [v for v in values if v]
    if not values:
        return None, ("required" if question.required else None)
    if question.scale is not None:
        low, high = question.scale
        if len(values) != 1 or not values[0].lstrip("-").isdigit() or not low <= int(values[0]) <= high:
            return None, f"must be a whole number from {low} to {high}"
        return int(values[0]), None
    options = {o.id for o in question.options}
    if question.type == "single_choice":
        if len(values) != 1 or values[0] not in options:
            return None, "must be one of the options shown"
        return values[0], None
    if question.type == "multiple_choice":
        if not set(values) <= options or len(set(values)) != len(values):
            return None, "must be among the options shown, each once"
        return sorted(values), None
    text = "\n".join(values)
    if len(text) > question.max_length:
        return None, f"is {len(text)} characters long; the limit is {question.max_length}"
    return text, None


def parse_page(
    questions: Sequence[Question], form: Mapping[str, Sequence[str]]
) -> tuple[dict[str, Any], dict[str, str]]:
    """Answers and problems (question id -> `required` or a sentence) of one page."""
    answers: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for question in questions:
        value, problem = parse_answer(question, form.get(field_name(question), ()))
        if problem:
            problems[question.id] = problem
        elif value is not None:
            answers[question.id] = value
    return answers, problems
