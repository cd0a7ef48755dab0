"""A rule as data: the event it listens to, conditions on the event's attributes, and its actions.

A rule is written in YAML (or sent as JSON to the API) and checked here into an immutable `RuleSpec`;
nothing in it touches a store. Example:

    rule: detractor-callback
    event: feedback_received
    when:
      all:
        - {field: nps_category, op: eq, value: detractor}
    actions:
      - {type: task, kind: callback, title: "Call back about ticket {ticket_id}", owner: team_lead,
         due_business_hours: 8}

Errors name the field and the problem in one sentence (`RuleSpecError`).
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from insightdesk.actions.config import MessagePolicy
from insightdesk.actions.errors import RuleSpecError
from insightdesk.actions.events import EVENT_FIELDS
from insightdesk.actions.regimes import BUILTIN_REGIMES

MAX_SPEC_BYTES = 64_000
RULE_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{1,62}$")
OPERATORS = ("eq", "ne", "lt", "le", "gt", "ge", "in", "not_in", "contains", "exists", "missing")
TASK_KINDS = (
    "callback",
    "reopen",
    "reassign",
    "knowledge_gap",
    "verbatim_route",
    "restricted_escalation",
    "complaint",
    "regulatory_complaint",
)
COMPLAINT_KINDS = ("complaint", "regulatory_complaint")
CONTACT_KINDS = ("callback",)
"""Task kinds that contact a customer: consent is checked first and bulk use needs approval."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Condition(_Strict):
    field: str
    op: Literal["eq", "ne", "lt", "le", "gt", "ge", "in", "not_in", "contains", "exists", "missing"] = "eq"
    value: Any = None


class Conditions(_Strict):
    all: tuple[Condition, ...] = ()
    any: tuple[Condition, ...] = ()


class TaskAction(_Strict):
    """A follow-up task in someone's inbox."""

    type: Literal["task"]
    kind: Literal[
        "callback",
        "reopen",
        "reassign",
        "knowledge_gap",
        "verbatim_route",
        "restricted_escalation",
        "complaint",
        "regulatory_complaint",
    ]
    title: str = Field(min_length=1, max_length=300)
    owner: str = "team_lead"
    """team_lead (of the ticket's team), agent (of the ticket), or an account name."""
    fallback_owner: str | None = None
    team_id: str | None = None
    """Team inbox to put it in; default the ticket's team."""
    due_business_hours: float = Field(default=8.0, gt=0, le=2000)
    restricted_to: tuple[str, ...] = ()
    """Roles that alone may see it (restricted escalation of legal, safety or regulatory findings)."""
    regime: str | None = None
    """A regulatory_complaint's regime (uk-fca-disp, us-cfpb...): its deadline clocks and default roles."""


class NotifyLevel(_Strict):
    to: str = Field(min_length=1)
    """An e-mail address, or `webhook:<destination>`."""
    after_business_hours: float | None = Field(default=None, gt=0)
    """Escalate to the next level when unacknowledged this long."""


class NotifyAction(_Strict):
    """A message to a person or channel, escalated level by level until acknowledged."""

    type: Literal["notify"]
    message: str = Field(min_length=1, max_length=2000)
    levels: tuple[NotifyLevel, ...] = Field(min_length=1, max_length=5)


class ProblemRecordAction(_Strict):
    """Create (or update) a problem record in a helpdesk, with the evidence."""

    type: Literal["problem_record"]
    destination: str = Field(min_length=1)
    """A named destination of the destinations file (servicenow, jira or zendesk)."""
    short_description: str = Field(default="{label}", min_length=1, max_length=160)


Action = Annotated[TaskAction | NotifyAction | ProblemRecordAction, Field(discriminator="type")]


class RuleSpec(_Strict):
    rule: str
    event: str
    description: str = ""
    when: Conditions = Conditions()
    actions: tuple[Action, ...] = Field(min_length=1, max_length=10)

    @property
    def writes_helpdesk(self) -> bool:
        return any(isinstance(a, ProblemRecordAction) for a in self.actions)

    @property
    def contacts_customers(self) -> bool:
        return any(isinstance(a, TaskAction) and a.kind in CONTACT_KINDS for a in self.actions)


def parse_rule(
    text: str | dict[str, Any],
    *,
    policy: MessagePolicy | None = None,
    regimes: Iterable[str] | None = None,
    stored: bool = False,
) -> RuleSpec:
    """A checked rule from YAML text (or an already parsed mapping); RuleSpecError says what is wrong.

    `regimes`: the regulatory regimes a regulatory_complaint may name (default the built-in ones);
    `stored`: a version read back from the store, whose regime was checked when it was saved.
    """
    if isinstance(text, str):
        if len(text.encode()) > MAX_SPEC_BYTES:
            raise RuleSpecError(f"rule document is over {MAX_SPEC_BYTES:,} bytes")
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" at line {mark.line + 1}" if mark is not None else ""
            raise RuleSpecError(
                f"rule document is not valid YAML{where}: {getattr(exc, 'problem', exc)}"
            ) from None
    else:
        data = text
    if not isinstance(data, dict):
        raise RuleSpecError("a rule document must be a mapping with rule, event, when and actions")
    try:
        spec = RuleSpec.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "rule"
        name = data.get("rule", "?")
        raise RuleSpecError(f"rule {name!r}: field {where}: {first['msg']}") from None
    _check(spec, policy or MessagePolicy())
    if not stored:
        _check_regimes(spec, set(BUILTIN_REGIMES) if regimes is None else set(regimes))
    return spec


def _check(spec: RuleSpec, policy: MessagePolicy) -> None:
    if not RULE_ID.match(spec.rule):
        raise RuleSpecError(
            f"rule {spec.rule!r}: field rule: use 2-63 lower-case letters, digits, '-' or '_', starting with a "
            "letter or digit"
        )
    fields = EVENT_FIELDS.get(spec.event)
    if fields is None:
        raise RuleSpecError(
            f"rule {spec.rule!r}: field event: unknown event {spec.event!r}; events: {', '.join(EVENT_FIELDS)}"
        )
    for group in ("all", "any"):
        for i, cond in enumerate(getattr(spec.when, group)):
            where = f"when.{group}.{i}"
            if cond.field not in fields:
                raise RuleSpecError(
                    f"rule {spec.rule!r}: field {where}.field: {spec.event} has no attribute {cond.field!r}; "
                    f"it has {', '.join(sorted(fields))}"
                )
            if cond.op in ("in", "not_in") and not isinstance(cond.value, list):
                raise RuleSpecError(f"rule {spec.rule!r}: field {where}.value: {cond.op} needs a list")
            if cond.op not in ("exists", "missing") and cond.value is None:
                raise RuleSpecError(f"rule {spec.rule!r}: field {where}.value: {cond.op} needs a value")
    for i, action in enumerate(spec.actions):
        texts = {"title": action.title} if isinstance(action, TaskAction) else {}
        if isinstance(action, NotifyAction):
            texts = {"message": action.message}
            if action.levels[-1].after_business_hours is not None:
                raise RuleSpecError(
                    f"rule {spec.rule!r}: field actions.{i}.levels: the last level has no one to escalate to; "
                    "drop its after_business_hours"
                )
        if isinstance(action, ProblemRecordAction):
            texts = {"short_description": action.short_description}
        for name, template in texts.items():
            check_template(template, fields, policy, where=f"rule {spec.rule!r}: field actions.{i}.{name}")


def _check_regimes(spec: RuleSpec, known: set[str]) -> None:
    """A regulatory complaint names a known regime (its clocks); no other kind takes one."""
    for i, action in enumerate(spec.actions):
        if not isinstance(action, TaskAction):
            continue
        where = f"rule {spec.rule!r}: field actions.{i}.regime"
        if action.kind == "regulatory_complaint":
            if action.regime is None:
                raise RuleSpecError(
                    f"{where}: a regulatory_complaint names its regime; regimes: {', '.join(sorted(known))}"
                )
            if action.regime not in known:
                raise RuleSpecError(
                    f"{where}: unknown regime {action.regime!r}; regimes: {', '.join(sorted(known))}"
                )
        elif action.regime is not None:
            raise RuleSpecError(f"{where}: only a regulatory_complaint task takes a regime")


def check_template(template: str, fields: dict[str, str], policy: MessagePolicy, *, where: str) -> None:
    """Placeholders must be the event's attributes; required phrases present, forbidden ones absent."""
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise RuleSpecError(f"{where}: template is malformed ({exc})") from None
    names = [name for _, name, _, _ in parts if name is not None]
    if any(spec or conversion for _, name, spec, conversion in parts if name is not None):
        # A format spec such as {score:>999999999} would let a template allocate without bound.
        raise RuleSpecError(f"{where}: placeholders take no format spec or conversion; write {{name}}")
    for name in names:
        if name not in fields:
            raise RuleSpecError(f"{where}: placeholder {{{name}}} is not an attribute of the event")
    lowered = template.lower()
    for phrase in policy.forbidden:
        if phrase.lower() in lowered:
            raise RuleSpecError(f"{where}: contains the forbidden phrase {phrase!r}")
    for phrase in policy.required:
        if phrase.lower() not in lowered:
            raise RuleSpecError(f"{where}: lacks the required phrase {phrase!r}")


def render(template: str, attrs: dict[str, Any]) -> str:
    """A template filled with an event's attributes (a missing value shows as `-`)."""
    values = {k: ("-" if v is None else v) for k, v in attrs.items()}
    return template.format_map(_Blank(values))


class _Blank(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "-"
