"""Skip logic and branching: checked when a definition is saved, walked when a customer answers.

The flow is the questions in file order. A question with `show_if` is skipped when its condition
does not hold; after a question its `next` jumps are tried in order and the first that holds goes
to a later question (or `end`). Saving refuses a jump backwards or to itself (a cycle), a question
no path reaches, and any reference to a question or a ticket/customer attribute that does not exist.
Pages need no JavaScript: a page ends where the next question depends on an answer on that page.
"""

from __future__ import annotations

import graphlib
from collections.abc import Mapping
from typing import Any

from insightdesk.store.tables.people import customers
from insightdesk.store.tables.work import tickets
from insightdesk.surveys.conditions import ConditionError, parse_condition
from insightdesk.surveys.definition import CHOICE_TYPES, DefinitionError, SurveyDefinition
from insightdesk.surveys.ui_text import UI_KEYS, ui_text

END = "end"
ATTRIBUTES = {
    "ticket": frozenset(tickets.c.keys()),
    "customer": frozenset(customers.c.keys()),
}


def validate_structure(definition: SurveyDefinition) -> None:
    """Everything a draft must satisfy to be saved; DefinitionError lists every problem."""
    problems: list[str] = []
    ids = [q.id for q in definition.questions]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        problems.append(f"questions: ids used twice: {', '.join(dupes)}")
    if END in ids:
        problems.append(f"questions: `{END}` is reserved for jumps and cannot be a question id")
    if definition.fallback_language not in definition.languages:
        problems.append(f"fallback_language: {definition.fallback_language} is not among languages")
    problems += _option_problems(definition)
    problems += _condition_problems(definition, ids)
    if not problems:
        problems += _flow_problems(definition, ids)
    if problems:
        raise DefinitionError(definition.survey, problems)


def _option_problems(definition: SurveyDefinition) -> list[str]:
    problems = []
    for q in definition.questions:
        option_ids = [o.id for o in q.options]
        if q.type in CHOICE_TYPES and len(option_ids) < 2:
            problems.append(f"questions ({q.id}).options: a {q.type} question needs two options or more")
        if q.type not in CHOICE_TYPES and option_ids:
            problems.append(f"questions ({q.id}).options: a {q.type} question takes no options")
        if len(set(option_ids)) != len(option_ids):
            problems.append(f"questions ({q.id}).options: an option id is used twice")
    return problems


def _reference_problems(
    where: str, text: str, earlier: set[str], ids: list[str], *, answers: bool
) -> list[str]:
    try:
        condition = parse_condition(text)
    except ConditionError as exc:
        return [f"{where}: {exc}"]
    problems = []
    for subject, field in sorted(condition.references):
        if subject == "answers":
            if not answers:
                problems.append(f"{where}: `answers.{field}` cannot be used here (nothing is answered yet)")
            elif field not in ids:
                problems.append(f"{where}: refers to missing question `{field}`")
            elif field not in earlier:
                problems.append(f"{where}: refers to `{field}`, which is not asked before it (a cycle)")
        elif field not in ATTRIBUTES[subject]:
            problems.append(f"{where}: `{subject}.{field}` is not a {subject} attribute")
    return problems


def _condition_problems(definition: SurveyDefinition, ids: list[str]) -> list[str]:
    problems: list[str] = []
    for n, text in enumerate(definition.trigger.conditions):
        problems += _reference_problems(f"trigger.conditions[{n}]", text, set(), ids, answers=False)
    stratum = definition.trigger.sampling.stratify_by
    if stratum is not None:
        subject, _, field = stratum.partition(".")
        if subject not in ATTRIBUTES or field not in ATTRIBUTES[subject]:
            problems.append(f"trigger.sampling.stratify_by: {stratum!r} is not ticket.X or customer.X")
    earlier: set[str] = set()
    for q in definition.questions:
        if q.show_if is not None:
            problems += _reference_problems(
                f"questions ({q.id}).show_if", q.show_if, earlier, ids, answers=True
            )
        earlier.add(q.id)
        for n, jump in enumerate(q.next):
            where = f"questions ({q.id}).next[{n}]"
            if jump.goto != END and jump.goto not in ids:
                problems.append(f"{where}: goes to missing question `{jump.goto}`")
            if jump.when is not None:
                problems += _reference_problems(where, jump.when, earlier, ids, answers=True)
    return problems


def _edges(definition: SurveyDefinition, ids: list[str]) -> tuple[dict[str, set[str]], list[str]]:
    """Question -> questions that can follow it; also problems of jumps that can never apply."""
    edges: dict[str, set[str]] = {q: set() for q in ids}
    problems = []
    following = {q: (ids[i + 1] if i + 1 < len(ids) else END) for i, q in enumerate(ids)}
    for q in definition.questions:
        if q.show_if is not None:
            edges[q.id].add(following[q.id])  # skipped: the flow moves on
        falls_through = True
        for n, jump in enumerate(q.next):
            if not falls_through:
                problems.append(f"questions ({q.id}).next[{n}]: never tried (an earlier jump always applies)")
                continue
            edges[q.id].add(jump.goto)
            falls_through = jump.when is not None
        if falls_through:
            edges[q.id].add(following[q.id])
    return edges, problems


def _flow_problems(definition: SurveyDefinition, ids: list[str]) -> list[str]:
    edges, problems = _edges(definition, ids)
    graph = {q: {t for t in targets if t != END} for q, targets in edges.items()}
    sorter = graphlib.TopologicalSorter({node: set() for node in graph})
    for source, targets in graph.items():
        for target in targets:
            sorter.add(target, source)
    try:
        sorter.prepare()
    except graphlib.CycleError as exc:
        cycle = " -> ".join(exc.args[1])
        return [*problems, f"questions: branching makes a cycle ({cycle}); jumps may only go forward"]
    reached, todo = {ids[0]}, [ids[0]]
    while todo:
        for target in graph[todo.pop()]:
            if target not in reached:
                reached.add(target)
                todo.append(target)
    problems += [
        f"questions ({q}): unreachable (no path of answers leads to it)" for q in ids if q not in reached
    ]
    return problems


def missing_translations(definition: SurveyDefinition) -> list[str]:
    """Every text a language of the survey lacks: publishing is refused while any is listed."""
    missing: list[str] = []

    def need(where: str, texts: Mapping[str, str] | None) -> None:
        for lang in definition.languages:
            if not texts or not str(texts.get(lang) or "").strip():
                missing.append(f"{where}: no {lang} text")

    need("invitation.subject", definition.invitation.subject)
    need("invitation.intro", definition.invitation.intro)
    if definition.channel == "sms":
        need("invitation.sms", definition.invitation.sms)
    for q in definition.questions:
        need(f"questions ({q.id}).text", q.text)
        for option in q.options:
            need(f"questions ({q.id}).options ({option.id})", option.text)
    for lang in definition.languages:
        for key in UI_KEYS:
            if ui_text(definition.ui, lang, key) is None:
                missing.append(f"ui.{key}: no {lang} text (no built-in one for {lang} either)")
    return missing


def validate_for_publishing(definition: SurveyDefinition) -> None:
    validate_structure(definition)
    missing = missing_translations(definition)
    if missing:
        raise DefinitionError(
            definition.survey, ["untranslated, so it cannot be published: " + m for m in missing]
        )


# ---- walking the flow while a customer answers ------------------------------------------------------


def _facts(
    answers: Mapping[str, Any], context: Mapping[str, Mapping[str, Any]]
) -> dict[str, Mapping[str, Any]]:
    return {**context, "answers": answers}


def _shown(question: Any, facts: Mapping[str, Mapping[str, Any]]) -> bool:
    return question.show_if is None or parse_condition(question.show_if).evaluate(facts)


def after(definition: SurveyDefinition, index: int, facts: Mapping[str, Mapping[str, Any]]) -> int:
    """Index of the question that follows question `index` once it is answered (len() = the end)."""
    ids = [q.id for q in definition.questions]
    for jump in definition.questions[index].next:
        if jump.when is None or parse_condition(jump.when).evaluate(facts):
            return len(ids) if jump.goto == END else ids.index(jump.goto)
    return index + 1


def page_at(
    definition: SurveyDefinition,
    cursor: int,
    answers: Mapping[str, Any],
    context: Mapping[str, Mapping[str, Any]],
) -> list[int]:
    """The questions of the page starting at `cursor`: shown ones, until one depends on this page."""
    facts = _facts(answers, context)
    questions = definition.questions
    page: list[int] = []
    index = cursor
    while index < len(questions):
        question = questions[index]
        on_page = {questions[i].id for i in page}
        depends = question.show_if is not None and any(
            s == "answers" and f in on_page for s, f in parse_condition(question.show_if).references
        )
        if page and (question.page_break or depends):
            break
        if not _shown(question, facts):
            index += 1
            continue
        page.append(index)
        if question.next:
            break  # where it leads depends on its answer: the page ends here
        index += 1
    return page


def next_cursor(
    definition: SurveyDefinition,
    page: list[int],
    answers: Mapping[str, Any],
    context: Mapping[str, Mapping[str, Any]],
) -> int:
    """Where the flow goes once `page` is answered; skips the hidden questions after it."""
    facts = _facts(answers, context)
    index = after(definition, page[-1], facts)
    while index < len(definition.questions) and not _shown(definition.questions[index], facts):
        index += 1
    return index
