"""Survey versions in the store: save a definition, publish it, read the one in force.

Saving an unchanged definition changes nothing. Saving a changed one rewrites the latest version
while no invitation has gone out with it, and otherwise creates the next version: a version that
has been sent is immutable (the update below is conditional on `first_sent_at is null`, so even a
concurrent sender cannot have a version change under it). Every response records its version.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import sqlalchemy as sa

from insightdesk.governance.clock import utcnow
from insightdesk.store.tables.surveys import survey_versions
from insightdesk.surveys.definition import DefinitionError, SurveyDefinition, load_definition_text
from insightdesk.surveys.logic import validate_for_publishing, validate_structure
from insightdesk.surveys.updates import changed_rows


class SurveyNotFound(LookupError):
    """No such survey or version; the message names it."""


@dataclass(frozen=True)
class SavedVersion:
    survey_id: str
    version: int
    outcome: str  # created, updated or unchanged
    status: str


@dataclass(frozen=True)
class StoredVersion:
    survey_id: str
    version: int
    status: str
    definition: SurveyDefinition
    first_sent_at: object | None

    @property
    def immutable(self) -> bool:
        return self.first_sent_at is not None


def _latest(conn: sa.Connection, survey_id: str) -> sa.Row | None:
    return conn.execute(
        sa.select(survey_versions)
        .where(survey_versions.c.survey_id == survey_id)
        .order_by(survey_versions.c.version.desc())
        .limit(1)
    ).first()


def save_definition(
    engine: sa.Engine, text: str, *, actor: str = "cli", name: str = "definition"
) -> SavedVersion:
    """Validate `text` (YAML) and store it as a draft version; DefinitionError lists the problems."""
    definition = load_definition_text(text, name=name)
    validate_structure(definition)
    checksum = definition.checksum()
    now = utcnow()
    with engine.begin() as conn:
        latest = _latest(conn, definition.survey)
        if latest is not None and latest.checksum == checksum:
            return SavedVersion(definition.survey, int(latest.version), "unchanged", latest.status)
        values = {
            "name": definition.name,
            "definition": definition.canonical_json(),
            "source_text": text,
            "checksum": checksum,
            "status": "draft",
            "created_by": actor,
            "created_at": now,
            "published_at": None,
        }
        if latest is not None and latest.first_sent_at is None:
            updated = changed_rows(
                conn,
                survey_versions.update()
                .where(survey_versions.c.survey_id == definition.survey)
                .where(survey_versions.c.version == latest.version)
                .where(survey_versions.c.first_sent_at.is_(None))
                .values(**values),
                survey_versions.c.version,
            )
            if updated == 1:
                if latest.status == "published":
                    _restore_previous_published(conn, definition.survey, int(latest.version))
                return SavedVersion(definition.survey, int(latest.version), "updated", "draft")
        version = 1 if latest is None else int(latest.version) + 1
        conn.execute(survey_versions.insert().values(survey_id=definition.survey, version=version, **values))
    return SavedVersion(definition.survey, version, "created", "draft")


def _restore_previous_published(conn: sa.Connection, survey_id: str, version: int) -> None:
    # A published, never-sent version went back to draft: the survey keeps its last sent version
    # in force (if any) rather than silently stopping.
    previous = conn.execute(
        sa.select(survey_versions.c.version)
        .where(survey_versions.c.survey_id == survey_id)
        .where(survey_versions.c.version < version)
        .where(survey_versions.c.status == "retired")
        .order_by(survey_versions.c.version.desc())
        .limit(1)
    ).scalar()
    if previous is not None:
        conn.execute(
            survey_versions.update()
            .where(survey_versions.c.survey_id == survey_id)
            .where(survey_versions.c.version == previous)
            .values(status="published")
        )


def get_version(
    engine: sa.Engine | sa.Connection, survey_id: str, version: int | None = None
) -> StoredVersion:
    """A stored version (the latest when `version` is None); SurveyNotFound when there is none."""
    query = sa.select(survey_versions).where(survey_versions.c.survey_id == survey_id)
    query = query.where(survey_versions.c.version == version) if version is not None else query
    query = query.order_by(survey_versions.c.version.desc()).limit(1)
    if isinstance(engine, sa.Connection):
        row = engine.execute(query).first()
    else:
        with engine.connect() as conn:
            row = conn.execute(query).first()
    if row is None:
        which = (
            f"version {version} of survey {survey_id!r}" if version is not None else f"survey {survey_id!r}"
        )
        raise SurveyNotFound(f"no {which}: `insightdesk surveys list` shows the surveys saved")
    return _stored(row)


def _stored(row: sa.Row) -> StoredVersion:
    definition = SurveyDefinition.model_validate(json.loads(row.definition))
    return StoredVersion(row.survey_id, int(row.version), row.status, definition, row.first_sent_at)


def published_versions(conn: sa.Connection) -> list[StoredVersion]:
    """The version in force of every survey (what the triggers use)."""
    rows = conn.execute(
        sa.select(survey_versions)
        .where(survey_versions.c.status == "published")
        .order_by(survey_versions.c.survey_id)
    ).all()
    return [_stored(row) for row in rows]


def publish(
    engine: sa.Engine, survey_id: str, version: int | None = None, *, actor: str = "cli"
) -> StoredVersion:
    """Put a version in force (the latest by default), after the translation check; retires the previous."""
    stored = get_version(engine, survey_id, version)
    try:
        validate_for_publishing(stored.definition)
    except DefinitionError as exc:
        raise DefinitionError(survey_id, [f"version {stored.version}: {p}" for p in exc.problems]) from None
    with engine.begin() as conn:
        conn.execute(
            survey_versions.update()
            .where(survey_versions.c.survey_id == survey_id)
            .where(survey_versions.c.status == "published")
            .where(survey_versions.c.version != stored.version)
            .values(status="retired")
        )
        conn.execute(
            survey_versions.update()
            .where(survey_versions.c.survey_id == survey_id)
            .where(survey_versions.c.version == stored.version)
            .values(status="published", published_at=utcnow())
        )
    return get_version(engine, survey_id, stored.version)


def mark_sent(conn: sa.Connection, survey_id: str, version: int) -> None:
    """The version went out: from now on it is immutable."""
    conn.execute(
        survey_versions.update()
        .where(survey_versions.c.survey_id == survey_id)
        .where(survey_versions.c.version == version)
        .where(survey_versions.c.first_sent_at.is_(None))
        .values(first_sent_at=utcnow())
    )


def list_versions(engine: sa.Engine) -> list[dict[str, object]]:
    """Every version of every survey, newest first within a survey, without the definitions."""
    columns = [c for c in survey_versions.c if c.name not in ("definition", "source_text")]
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(*columns).order_by(survey_versions.c.survey_id, survey_versions.c.version.desc())
        ).all()
    return [dict(row._mapping) for row in rows]


def source_text(engine: sa.Engine, survey_id: str, version: int | None = None) -> str:
    """The YAML a version was saved from (what the web editor opens)."""
    stored = get_version(engine, survey_id, version)
    with engine.connect() as conn:
        text = conn.execute(
            sa.select(survey_versions.c.source_text)
            .where(survey_versions.c.survey_id == survey_id)
            .where(survey_versions.c.version == stored.version)
        ).scalar()
    return str(text or "")
