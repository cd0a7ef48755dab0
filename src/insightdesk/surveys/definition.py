"""A survey definition: what a YAML file (or the API, or the web editor) says a survey is.

Pydantic checks the shape (types, ranges, unknown keys) and names the place of each problem;
`insightdesk.surveys.logic` then checks what a schema cannot: skip logic and branching (cycles,
unreachable questions, missing references) and, before publishing, that every text is translated.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

# Fixed scales of the score question types (the same ranges ingest accepts for feedback).
SCALES: dict[str, tuple[int, int]] = {"csat": (1, 5), "nps": (0, 10), "ces": (1, 7)}
CHOICE_TYPES = ("single_choice", "multiple_choice")
QuestionType = Literal["csat", "nps", "ces", "single_choice", "multiple_choice", "free_text"]
TriggerEvent = Literal["resolved", "closed", "reopened", "schedule"]
Channel = Literal["email", "sms", "in_app"]

_ID = r"^[a-z][a-z0-9_]{0,39}$"
_LANG = r"^[a-z]{2}$"
_DURATION = re.compile(r"^\s*(\d+)\s*(m|h|d)\s*$")
_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
MAX_DEFINITION_BYTES = 200_000
MAX_QUESTIONS = 100
MAX_DEPTH = 12

Texts = dict[str, str]


class DefinitionError(ValueError):
    """A definition that cannot be saved or published; each problem names its place in the file."""

    def __init__(self, survey: str, problems: list[str]) -> None:
        self.survey = survey
        self.problems = problems
        super().__init__(f"survey {survey!r}: " + "; ".join(problems))


def parse_duration(value: str | int) -> int:
    """Seconds of `30m`, `2h`, `14d` (or a number of seconds)."""
    if isinstance(value, int) and value >= 0:
        return value
    match = _DURATION.match(str(value))
    if not match:
        raise ValueError(f"{value!r} is not a duration: write it as 30m, 2h or 14d")
    return int(match[1]) * {"m": 60, "h": 3600, "d": 86400}[match[2]]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Option(_Strict):
    id: str = Field(pattern=_ID)
    text: Texts


class Jump(_Strict):
    """Branching: after this question go to `goto` (a later question or `end`) when `when` holds."""

    when: str | None = None
    goto: str


class Question(_Strict):
    id: str = Field(pattern=_ID)
    type: QuestionType
    text: Texts
    required: bool = False
    options: tuple[Option, ...] = ()
    show_if: str | None = None
    next: tuple[Jump, ...] = ()
    page_break: bool = False
    max_length: int = Field(default=2000, ge=1, le=10000)

    @property
    def scale(self) -> tuple[int, int] | None:
        return SCALES.get(self.type)


class Sampling(_Strict):
    """Who of the eligible is asked: a rate, or a target number of answers per segment (SUR-06)."""

    rate: float = Field(default=1.0, gt=0, le=1)
    stratify_by: str | None = None  # e.g. ticket.channel
    target_per_segment: int | None = Field(default=None, ge=1)
    window_days: int = Field(default=30, ge=1, le=366)
    expected_response_rate: float = Field(default=0.25, gt=0, le=1)


class Trigger(_Strict):
    events: tuple[TriggerEvent, ...] = ("resolved",)
    delay: str = "0m"
    conditions: tuple[str, ...] = ()
    sampling: Sampling = Sampling()
    every_days: int | None = Field(default=None, ge=1, le=366)  # relationship surveys (schedule)

    @field_validator("delay")
    @classmethod
    def _delay(cls, value: str) -> str:
        parse_duration(value)
        return value


class Fatigue(_Strict):
    """Per-customer caps across every survey and channel, and quiet hours in the customer's zone."""

    max_invitations: int = Field(default=1, ge=1, le=100)
    per_days: int = Field(default=30, ge=1, le=366)
    quiet_hours: str | None = "21:00-08:00"
    suppress_while_open_ticket: bool = True

    @field_validator("quiet_hours")
    @classmethod
    def _quiet(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = value.split("-")
        if len(parts) != 2 or not all(_CLOCK.match(p.strip()) for p in parts):
            raise ValueError(f"{value!r} is not a period of the day: write it as 21:00-08:00")
        return value

    def quiet_window(self) -> tuple[dt.time, dt.time] | None:
        if not self.quiet_hours:
            return None
        start, end = (dt.time.fromisoformat(p.strip()) for p in self.quiet_hours.split("-"))
        return start, end


class Invitation(_Strict):
    """The invitation's own words per language (the page's buttons come from `ui` or built-ins)."""

    subject: Texts
    intro: Texts
    sms: Texts | None = None


class SurveyDefinition(_Strict):
    survey: str = Field(pattern=r"^[a-z][a-z0-9_-]{0,59}$")
    name: str = Field(min_length=1, max_length=200)
    languages: tuple[str, ...] = Field(min_length=1)
    fallback_language: str = Field(pattern=_LANG)
    channel: Channel = "email"
    trigger: Trigger = Trigger()
    fatigue: Fatigue = Fatigue()
    expires_after: str = "14d"
    invitation: Invitation
    ui: dict[str, Texts] = {}
    questions: tuple[Question, ...] = Field(min_length=1, max_length=MAX_QUESTIONS)

    @field_validator("languages")
    @classmethod
    def _languages(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        bad = [lang for lang in value if not re.match(_LANG, lang)]
        if bad:
            raise ValueError(f"languages must be ISO 639-1 codes such as en or de, not {bad}")
        if len(set(value)) != len(value):
            raise ValueError("a language is listed twice")
        return value

    @field_validator("expires_after")
    @classmethod
    def _expiry(cls, value: str) -> str:
        if not 3600 <= parse_duration(value) <= 90 * 86400:
            raise ValueError("links must expire between 1h and 90d after sending")
        return value

    @property
    def expires_after_s(self) -> int:
        return parse_duration(self.expires_after)

    @property
    def delay_s(self) -> int:
        return parse_duration(self.trigger.delay)

    def question(self, question_id: str) -> Question:
        return next(q for q in self.questions if q.id == question_id)

    def language_for(self, preferred: str | None) -> str:
        """The customer's language when the survey has it, else the fallback language."""
        return preferred if preferred in self.languages else self.fallback_language

    def canonical_json(self) -> str:
        return json.dumps(self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)

    def checksum(self) -> str:
        return hashlib.sha256(self.canonical_json().encode()).hexdigest()


def _place(loc: tuple[Any, ...], data: Any) -> str:
    """`questions[2] (csat).text`: the path of a problem, with the question's id when known."""
    parts: list[str] = []
    node = data
    for key in loc:
        if isinstance(key, int):
            ident = node[key].get("id") if isinstance(node, list) and isinstance(node[key], dict) else None
            parts[-1] += f"[{key}]" + (f" ({ident})" if ident else "")
        else:
            parts.append(str(key))
        try:
            node = node[key]
        except (KeyError, IndexError, TypeError):
            node = None
    return ".".join(parts) or "(file)"


def parse_definition(data: Any, *, name: str = "definition") -> SurveyDefinition:
    """A definition from parsed YAML/JSON; DefinitionError lists every problem with its place."""
    if not isinstance(data, dict):
        raise DefinitionError(name, ["the file must be a mapping with survey:, name:, questions: ..."])
    survey = str(data.get("survey") or name)
    try:
        return SurveyDefinition.model_validate(data)
    except ValidationError as exc:
        problems = [f"{_place(tuple(e['loc']), data)}: {e['msg']}" for e in exc.errors()]
        raise DefinitionError(survey, problems) from None


def _check_events(text: str, name: str) -> None:
    """Refuse aliases (a few lines of them can expand to billions of nodes) and deep nesting (the
    parser recurses), from the event stream, before anything is built."""
    depth = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.AliasEvent):
            raise DefinitionError(
                name, ["YAML aliases (*name) are not allowed in a definition: write it out"]
            )
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise DefinitionError(name, [f"the YAML nests deeper than {MAX_DEPTH} levels"])
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def load_definition_text(text: str, *, name: str = "definition") -> SurveyDefinition:
    """A definition from YAML text (what a file, the API and the web editor hand in)."""
    if len(text.encode()) > MAX_DEFINITION_BYTES:
        raise DefinitionError(name, [f"the definition is over {MAX_DEFINITION_BYTES:,} bytes"])
    try:
        _check_events(text, name)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "somewhere"
        raise DefinitionError(name, [f"not valid YAML at {where} ({getattr(exc, 'problem', exc)})"]) from None
    return parse_definition(data, name=name)
