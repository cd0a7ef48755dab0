"""Definitions: the shape, skip logic and branching checked on save, translations before publishing,
the condition language, and the pages a customer walks through."""

from __future__ import annotations

import pytest

from insightdesk.surveys import DefinitionError, load_definition_text
from insightdesk.surveys.conditions import ConditionError, parse_condition
from insightdesk.surveys.logic import next_cursor, page_at, validate_for_publishing, validate_structure
from tests.surveys.seed import example_text

HEAD = """
survey: s1
name: Test
languages: [en]
fallback_language: en
invitation: {subject: {en: Hi}, intro: {en: Hello}}
questions:
"""


def _problems(text: str) -> list[str]:
    with pytest.raises(DefinitionError) as caught:
        validate_structure(load_definition_text(text))
    return caught.value.problems


def test_the_shipped_example_is_publishable() -> None:
    definition = load_definition_text(example_text())
    validate_for_publishing(definition)
    assert definition.language_for("de") == "de" and definition.language_for("ja") == "en"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("  - {id: a, type: stars, text: {en: A}}", "questions[0] (a).type"),
        ("  - {id: A-1, type: csat, text: {en: A}}", "questions[0] (A-1).id"),
        ("  - {id: a, type: csat, text: {en: A}, colour: red}", "questions[0] (a).colour"),
    ],
)
def test_shape_errors_name_the_place(body: str, expected: str) -> None:
    with pytest.raises(DefinitionError) as caught:
        load_definition_text(HEAD + body)
    assert any(p.startswith(expected) for p in caught.value.problems), caught.value.problems


def test_yaml_that_does_not_parse_names_the_line() -> None:
    with pytest.raises(DefinitionError, match="not valid YAML at line 3"):
        load_definition_text("survey: s\nname: [unclosed\n")


def test_a_jump_backwards_is_a_cycle() -> None:
    problems = _problems(
        HEAD
        + """  - {id: a, type: csat, text: {en: A}}
  - {id: b, type: nps, text: {en: B}, next: [{when: "answers.b < 5", goto: a}]}
"""
    )
    assert any("cycle (a -> b -> a)" in p or "cycle (b -> a -> b)" in p for p in problems), problems


def test_an_unconditional_jump_leaves_the_skipped_question_unreachable() -> None:
    problems = _problems(
        HEAD
        + """  - {id: a, type: csat, text: {en: A}, next: [{goto: c}]}
  - {id: b, type: nps, text: {en: B}}
  - {id: c, type: ces, text: {en: C}}
"""
    )
    assert problems == ["questions (b): unreachable (no path of answers leads to it)"]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ('show_if: "answers.zzz <= 2"', "refers to missing question `zzz`"),
        ('show_if: "answers.b <= 2"', "refers to `b`, which is not asked before it (a cycle)"),
        ('show_if: "ticket.colour == 1"', "`ticket.colour` is not a ticket attribute"),
        ("next: [{goto: nowhere}]", "goes to missing question `nowhere`"),
        ('show_if: "__import__(1)"', "uses Call, which conditions do not allow"),
    ],
)
def test_references_are_checked_when_saved(question: str, expected: str) -> None:
    problems = _problems(
        HEAD
        + f"""  - {{id: a, type: csat, text: {{en: A}}, {question}}}
  - {{id: b, type: nps, text: {{en: B}}}}
"""
    )
    assert any(expected in p for p in problems), problems


def test_choice_questions_need_options_and_ids_are_unique() -> None:
    problems = _problems(
        HEAD
        + """  - {id: a, type: single_choice, text: {en: A}, options: [{id: x, text: {en: X}}]}
  - {id: a, type: csat, text: {en: B}}
"""
    )
    assert "questions: ids used twice: a" in problems
    assert any("needs two options or more" in p for p in problems)


def test_publishing_refuses_an_untranslated_question() -> None:
    text = example_text(**{'      de: "Das tut uns leid. Was ist schiefgelaufen?"\n': ""})
    definition = load_definition_text(text)
    validate_structure(definition)  # a draft may be incomplete
    with pytest.raises(DefinitionError) as caught:
        validate_for_publishing(definition)
    assert caught.value.problems == [
        "untranslated, so it cannot be published: questions (what_went_wrong).text: no de text"
    ]


def test_a_language_without_built_in_words_needs_its_own() -> None:
    text = HEAD.replace("[en]", "[en, fi]") + "  - {id: a, type: csat, text: {en: A, fi: A}}\n"
    text = text.replace("{en: Hi}", "{en: Hi, fi: Hei}").replace("{en: Hello}", "{en: Hello, fi: Moi}")
    with pytest.raises(DefinitionError) as caught:
        validate_for_publishing(load_definition_text(text))
    assert any(
        p.endswith("ui.submit: no fi text (no built-in one for fi either)") for p in caught.value.problems
    )


def test_conditions_evaluate_safely() -> None:
    condition = parse_condition("answers.csat <= 2 and ticket.channel in ['chat', 'web']")
    assert condition.evaluate({"answers": {"csat": 1}, "ticket": {"channel": "chat"}})
    assert not condition.evaluate({"answers": {}, "ticket": {"channel": "chat"}})  # unanswered: False
    for bad in ("open('x')", "answers.__class__.__base__", "[x for x in answers]", "lambda: 1"):
        with pytest.raises(ConditionError):
            parse_condition(bad)


def test_pages_follow_the_answers() -> None:
    definition = load_definition_text(example_text())
    chat = {"ticket": {"channel": "chat"}, "customer": {}}
    email = {"ticket": {"channel": "email"}, "customer": {}}
    assert page_at(definition, 0, {}, chat) == [0]
    unhappy = next_cursor(definition, [0], {"csat": 1}, chat)
    assert [definition.questions[i].id for i in page_at(definition, unhappy, {"csat": 1}, chat)] == [
        "what_went_wrong",
        "bot_helped",
    ]
    happy = next_cursor(definition, [0], {"csat": 5}, email)
    assert [definition.questions[i].id for i in page_at(definition, happy, {"csat": 5}, email)] == [
        "nps",
        "effort",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("a: &x [1]\nb: *x\n", "YAML aliases"), ("[" * 200 + "]" * 200, "nests deeper than 12 levels")],
    ids=["aliases", "nesting"],
)
def test_hostile_yaml_is_refused(text: str, expected: str) -> None:
    with pytest.raises(DefinitionError, match=expected):
        load_definition_text(text)
