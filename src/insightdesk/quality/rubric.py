"""QA rubrics as data: sections of weighted criteria, each scored 0..`points`, some auto-fail, some
allowed to be not applicable; and the one scoring rule every evaluation uses.

Total (0-100) = 100 x sum(weight x score / points) / sum(weight) over the applicable criteria. A
missed auto-fail criterion (scored 0) makes the total 0 whatever else was scored, and is flagged. When
no criterion applies the total is missing, not 100.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml

_KEY = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
MAX_CRITERIA = 200


class RubricError(ValueError):
    """A rubric or a set of answers that cannot be used; the message names the field."""


@dataclass(frozen=True)
class Criterion:
    id: str
    label: str
    section: str
    weight: float = 1.0
    points: int = 1
    auto_fail: bool = False
    allow_na: bool = False


@dataclass(frozen=True)
class Rubric:
    id: str
    name: str
    criteria: tuple[Criterion, ...]
    version: int | None = None

    @property
    def sections(self) -> list[str]:
        return list(dict.fromkeys(c.section for c in self.criteria))

    def criterion(self, criterion_id: str) -> Criterion:
        for c in self.criteria:
            if c.id == criterion_id:
                return c
        raise RubricError(f"rubric {self.id!r} has no criterion {criterion_id!r}")

    def as_definition(self) -> dict[str, Any]:
        sections = []
        for name in self.sections:
            items = [
                {
                    "id": c.id,
                    "label": c.label,
                    "weight": c.weight,
                    "points": c.points,
                    "auto_fail": c.auto_fail,
                    "allow_na": c.allow_na,
                }
                for c in self.criteria
                if c.section == name
            ]
            sections.append({"name": name, "criteria": items})
        return {"id": self.id, "name": self.name, "sections": sections}


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise RubricError(message)


def _criterion(raw: Any, where: str, section: str) -> Criterion:
    _require(isinstance(raw, dict), f"{where}: a criterion must be a mapping with id and label")
    cid = str(raw.get("id", "")).strip()
    _require(bool(_KEY.match(cid)), f"{where}: id {cid!r} must be lower-case letters, digits, _ . - (max 64)")
    label = str(raw.get("label") or "").strip()
    _require(bool(label), f"{where} ({cid}): label is empty")
    weight, points = raw.get("weight", 1), raw.get("points", 1)
    _require(
        isinstance(weight, int | float) and not isinstance(weight, bool) and 0 < weight <= 100,
        f"{where} ({cid}): weight {weight!r} must be a number above 0 and at most 100",
    )
    _require(
        isinstance(points, int) and not isinstance(points, bool) and 1 <= points <= 10,
        f"{where} ({cid}): points {points!r} must be a whole number 1 to 10",
    )
    flags = {k: raw.get(k, False) for k in ("auto_fail", "allow_na")}
    for key, value in flags.items():
        _require(isinstance(value, bool), f"{where} ({cid}): {key} {value!r} must be true or false")
    return Criterion(cid, label, section, float(weight), points, flags["auto_fail"], flags["allow_na"])


def parse_rubric(raw: Any) -> Rubric:
    """A rubric from its definition (a mapping, as YAML or the API gives it); RubricError names the field."""
    _require(isinstance(raw, dict), "a rubric must be a mapping with id, name and sections")
    rid = str(raw.get("id", "")).strip()
    _require(bool(_KEY.match(rid)), f"rubric id {rid!r} must be lower-case letters, digits, _ . - (max 64)")
    name = str(raw.get("name") or "").strip()
    _require(bool(name), f"rubric {rid!r}: name is empty")
    sections = raw.get("sections")
    _require(
        isinstance(sections, list) and len(sections) > 0, f"rubric {rid!r}: sections must be a non-empty list"
    )
    criteria: list[Criterion] = []
    for i, section in enumerate(sections, start=1):
        _require(
            isinstance(section, dict), f"rubric {rid!r} section {i}: must be a mapping with name and criteria"
        )
        title = str(section.get("name") or "").strip()
        _require(bool(title), f"rubric {rid!r} section {i}: name is empty")
        items = section.get("criteria")
        _require(isinstance(items, list) and len(items) > 0, f"rubric {rid!r} section {title!r}: no criteria")
        for j, item in enumerate(items, start=1):
            criteria.append(_criterion(item, f"rubric {rid!r} section {title!r} criterion {j}", title))
    _require(len(criteria) <= MAX_CRITERIA, f"rubric {rid!r}: more than {MAX_CRITERIA} criteria")
    ids = [c.id for c in criteria]
    duplicates = sorted({c for c in ids if ids.count(c) > 1})
    _require(not duplicates, f"rubric {rid!r}: criterion ids repeated: {', '.join(duplicates)}")
    return Rubric(rid, name, tuple(criteria))


def parse_rubric_yaml(text: str) -> Rubric:
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise RubricError(f"the rubric is not valid YAML: {str(exc).splitlines()[0]}") from None
    return parse_rubric(raw)


@dataclass(frozen=True)
class Scored:
    score: float | None
    auto_failed: bool
    answers: dict[str, float | None]


def score_answers(rubric: Rubric, answers: dict[str, Any]) -> Scored:
    """Check the answers (every criterion answered; `null`/"na" only where allowed) and total them."""
    unknown = sorted(set(answers) - {c.id for c in rubric.criteria})
    _require(not unknown, f"rubric {rubric.id!r} has no criterion {', '.join(unknown)}")
    clean: dict[str, float | None] = {}
    total = weights = 0.0
    failed = False
    for c in rubric.criteria:
        _require(c.id in answers, f"criterion {c.id!r} is not answered (use null for not applicable)")
        value = answers[c.id]
        if value is None or (isinstance(value, str) and value.strip().lower() in {"na", "n/a"}):
            _require(c.allow_na, f"criterion {c.id!r} may not be marked not applicable")
            clean[c.id] = None
            continue
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise RubricError(f"criterion {c.id!r}: {value!r} is not a number") from None
        _require(0 <= number <= c.points, f"criterion {c.id!r}: {value!r} must be 0 to {c.points}")
        clean[c.id] = number
        failed = failed or (c.auto_fail and number == 0)
        total += c.weight * number / c.points
        weights += c.weight
    if failed:
        return Scored(0.0, True, clean)
    return Scored(100.0 * total / weights if weights else None, False, clean)
