"""Source-to-canonical mappings: bundled helpdesk profiles and user-written YAML.

A mapping is data. It names, per entity kind, which source column (or constant, or SQL
expression over source columns) fills each canonical field, how source words map onto the
canonical vocabulary, and how references to other entities are checked. The format is
documented in docs/mappings.md.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from insightdesk.ingest.minimise import Minimisation, MinimisationError, parse_minimisation
from insightdesk.store.tables.canonical import ENTITY_TABLES, business_columns

KINDS: tuple[str, ...] = tuple(k for k in ENTITY_TABLES if k != "customer_contacts")
REFERENCE_POLICIES = ("reject", "stub", "ignore")

# Which table a reference column points at.
REFERENCE_TARGETS: dict[str, str] = {
    "customer_id": "customers",
    "agent_id": "agents",
    "team_id": "teams",
    "parent_team_id": "teams",
    "organisation_id": "organisations",
    "problem_id": "problems",
    "change_id": "changes",
    "ticket_id": "tickets",
    "article_id": "articles",
}
STUBBABLE = frozenset({"customers", "agents", "teams", "organisations", "problems", "changes"})

# What happens when a referenced record is not in the store: a ticket may name a requester
# that no customer export has brought yet (create a stub), but a survey answer about a
# ticket nobody knows is an error.
DEFAULT_REFERENCE_POLICY: dict[str, dict[str, str]] = {
    "customers": {"organisation_id": "stub"},
    "teams": {"parent_team_id": "stub"},
    "agents": {"team_id": "stub"},
    "tickets": {
        "customer_id": "stub",
        "agent_id": "stub",
        "team_id": "stub",
        "organisation_id": "stub",
        "problem_id": "stub",
        "change_id": "stub",
    },
    "ticket_events": {"ticket_id": "reject"},
    "interactions": {"ticket_id": "reject", "customer_id": "stub", "agent_id": "stub"},
    "feedback": {"ticket_id": "reject", "customer_id": "stub", "agent_id": "stub"},
    "changes": {"problem_id": "stub"},
    "ticket_articles": {"ticket_id": "reject", "article_id": "reject"},
}

PROFILES_PACKAGE = "insightdesk.ingest.profiles"


class MappingError(ValueError):
    """The mapping itself is wrong (unknown field, bad time zone...): fix the YAML, not the data."""


@dataclass(frozen=True)
class FieldSpec:
    """How one canonical field is filled from a source record."""

    name: str
    column: str | None = None
    value: str | None = None
    expr: str | None = None
    values: dict[str, str] = field(default_factory=dict)
    default: str | None = None
    formats: tuple[str, ...] = ()
    timezone: str | None = None

    @property
    def source_label(self) -> str:
        """How the field is named in messages: its source column, or what fills it."""
        if self.column:
            return self.column
        if self.expr:
            return f"expr({self.expr})"
        return f"constant {self.value!r}"


@dataclass(frozen=True)
class FoldSpec:
    """Fold an event log (many rows per record) into one record plus its status history."""

    order_by: tuple[str, ...]
    event_time: str
    actor: str | None = None
    track: tuple[str, ...] = ()


@dataclass(frozen=True)
class KindMapping:
    kind: str
    id: FieldSpec
    fields: dict[str, FieldSpec]
    references: dict[str, str]
    fold: FoldSpec | None = None
    contacts: dict[str, str] = field(default_factory=dict)
    auto: bool = False


@dataclass(frozen=True)
class Mapping:
    name: str
    source_system: str
    timezone: str
    formats: tuple[str, ...]
    null_values: tuple[str, ...]
    csv: dict[str, Any]
    kinds: dict[str, KindMapping]
    digest: str
    minimisation: Minimisation = field(default_factory=Minimisation)  # what this source may store

    def for_kind(self, kind: str) -> KindMapping:
        if kind not in self.kinds:
            raise MappingError(
                f"mapping {self.name!r} has no section for kind {kind!r}; it maps: {', '.join(self.kinds)}"
            )
        return self.kinds[kind]


def available_profiles() -> list[str]:
    """Names of the bundled profiles."""
    root = resources.files(PROFILES_PACKAGE)
    return sorted(p.name[:-5] for p in root.iterdir() if p.name.endswith(".yaml"))


@functools.cache
def load_profile(name: str) -> Mapping:
    """A bundled profile by name (generic, zendesk, servicenow, freshdesk, jira).

    Cached: bundled profiles are package data that cannot change under a running process, the
    mapping is frozen, and parsing one took up to 16 ms of every ingest (a refused name is not cached).
    """
    # Only a bundled name is looked up: a name is not a path ("../../x" would read any YAML file, and
    # the cache would keep it), and a name too long for the file system is a refusal, not an OSError.
    available = available_profiles()
    if name not in available:
        shown = name if len(name) <= 60 else name[:60] + "..."
        raise MappingError(f"no profile named {shown!r}; available: {', '.join(available)}")
    path = resources.files(PROFILES_PACKAGE) / f"{name}.yaml"
    return parse_mapping(yaml.safe_load(path.read_text(encoding="utf-8")), origin=f"profile {name}")


def load_mapping_file(path: str | Path) -> Mapping:
    """A user-written YAML mapping."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise MappingError(f"cannot read mapping {path}: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise MappingError(f"mapping {path} is not valid YAML: {exc}") from exc
    return parse_mapping(data, origin=str(path))


def resolve_mapping(profile: str | None, mapping_file: str | Path | None) -> Mapping:
    if profile and mapping_file:
        raise MappingError("give either --profile or --mapping, not both")
    if mapping_file:
        return load_mapping_file(mapping_file)
    return load_profile(profile or "generic")


def parse_mapping(data: Any, *, origin: str) -> Mapping:
    if not isinstance(data, dict):
        raise MappingError(f"{origin}: a mapping is a YAML mapping with `name` and `kinds`")
    unknown = set(data) - {
        "name",
        "source_system",
        "description",
        "timezone",
        "timestamp_formats",
        "null_values",
        "csv",
        "kinds",
        "documentation",
        "minimisation",
    }
    if unknown:
        raise MappingError(f"{origin}: unknown top-level keys {sorted(unknown)}")
    timezone = str(data.get("timezone", "UTC"))
    _check_timezone(timezone, origin)
    kinds_data = data.get("kinds")
    if not isinstance(kinds_data, dict) or not kinds_data:
        raise MappingError(f"{origin}: `kinds` must map entity kinds ({', '.join(KINDS)}) to their fields")
    kinds = {kind: _parse_kind(kind, spec, origin) for kind, spec in kinds_data.items()}
    digest = hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()
    try:
        minimisation = parse_minimisation(data.get("minimisation"), origin, kinds)
    except MinimisationError as exc:
        raise MappingError(str(exc)) from None
    return Mapping(
        name=str(data.get("name", origin)),
        source_system=str(data.get("source_system", data.get("name", "generic"))),
        timezone=timezone,
        formats=tuple(data.get("timestamp_formats", ())),
        null_values=tuple(str(v) for v in data.get("null_values", ("",))),
        csv=dict(data.get("csv", {})),
        kinds=kinds,
        digest=digest,
        minimisation=minimisation,
    )


def _check_timezone(name: str, origin: str) -> None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise MappingError(
            f"{origin}: unknown time zone {name!r} (use an IANA name like Europe/Berlin)"
        ) from exc


def _parse_kind(kind: str, spec: Any, origin: str) -> KindMapping:
    where = f"{origin}, kind {kind}"
    if kind not in KINDS:
        raise MappingError(f"{origin}: unknown kind {kind!r}; kinds are {', '.join(KINDS)}")
    if spec is None:
        spec = {}
    if not isinstance(spec, dict):
        raise MappingError(f"{where}: expected a mapping with `id` and `fields`")
    canonical = business_columns(kind)  # in the table's order: a set's order changes per process
    allowed = set(canonical)
    auto = bool(spec.get("auto", False))
    fields: dict[str, FieldSpec] = {}
    if auto:
        fields = {name: FieldSpec(name=name, column=name) for name in canonical if name != "is_stub"}
    for name, raw in (spec.get("fields") or {}).items():
        if name not in allowed:
            raise MappingError(
                f"{where}: {name!r} is not a canonical field of {kind}; fields: {sorted(allowed)}"
            )
        fields[name] = _parse_field(name, raw, where)
    id_spec = _parse_field("id", spec.get("id", "id"), where)
    references = {name: policy for name, policy in DEFAULT_REFERENCE_POLICY.get(kind, {}).items()}
    for name, policy in (spec.get("references") or {}).items():
        if policy not in REFERENCE_POLICIES:
            raise MappingError(f"{where}: reference policy for {name} must be one of {REFERENCE_POLICIES}")
        if name not in REFERENCE_TARGETS or name not in allowed:
            raise MappingError(f"{where}: {name!r} is not a reference field of {kind}")
        if policy == "stub" and REFERENCE_TARGETS[name] not in STUBBABLE:
            raise MappingError(f"{where}: {REFERENCE_TARGETS[name]} cannot be created as stubs; use reject")
        references[name] = policy
    fold = None
    if spec.get("fold"):
        f = spec["fold"]
        raw_track = f.get("track", ())
        # A list of canonical fields; a mapping's keys are accepted too (its values are not needed:
        # the events carry the fields' mapped values).
        track = tuple(raw_track.keys() if isinstance(raw_track, dict) else raw_track)
        for name in track:
            if name not in ("status", "team_id", "agent_id", "priority"):
                raise MappingError(
                    f"{where}: fold can track status, team_id, agent_id, priority; not {name!r}"
                )
            if name not in fields:
                raise MappingError(f"{where}: fold tracks {name!r}, so map it under `fields` too")
        if "event_time" not in f:
            raise MappingError(f"{where}: fold needs `event_time`, the column with each row's change time")
        fold = FoldSpec(
            order_by=tuple(f.get("order_by", ())),
            event_time=str(f["event_time"]),
            actor=f.get("actor"),
            track=track,
        )
    contacts = dict(spec.get("contacts", {}))
    if auto and kind == "customers" and not contacts:
        contacts = {"email": "email", "phone": "phone"}
    return KindMapping(
        kind=kind, id=id_spec, fields=fields, references=references, fold=fold, contacts=contacts, auto=auto
    )


def _parse_field(name: str, raw: Any, where: str) -> FieldSpec:
    if isinstance(raw, str):
        return FieldSpec(name=name, column=raw)
    if not isinstance(raw, dict):
        raise MappingError(f"{where}: field {name}: give a source column name or a mapping")
    unknown = set(raw) - {"column", "value", "expr", "values", "default", "format", "formats", "timezone"}
    if unknown:
        raise MappingError(f"{where}: field {name}: unknown keys {sorted(unknown)}")
    sources = [k for k in ("column", "value", "expr") if raw.get(k) is not None]
    if len(sources) != 1:
        raise MappingError(f"{where}: field {name}: give exactly one of column, value or expr")
    formats = raw.get("formats") or ([raw["format"]] if raw.get("format") else [])
    timezone = raw.get("timezone")
    if timezone:
        _check_timezone(str(timezone), where)
    return FieldSpec(
        name=name,
        column=raw.get("column"),
        value=None if raw.get("value") is None else str(raw["value"]),
        expr=raw.get("expr"),
        values={str(k).strip().lower(): str(v) for k, v in (raw.get("values") or {}).items()},
        default=None if raw.get("default") is None else str(raw["default"]),
        formats=tuple(formats),
        timezone=timezone,
    )
