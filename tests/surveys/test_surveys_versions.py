"""Versions: unchanged saves change nothing, a draft is rewritten until it is sent, a sent version is
immutable (a change makes the next version), publishing retires the previous one."""

from __future__ import annotations

import pytest

from insightdesk.store import Store
from insightdesk.surveys import DefinitionError, SurveyNotFound, get_version, publish, save_definition
from insightdesk.surveys.versions import mark_sent, source_text
from tests.surveys.seed import example_text


def test_versions_are_immutable_once_sent(store: Store) -> None:
    engine = store.engine
    text = example_text()
    first = save_definition(engine, text)
    assert (first.version, first.outcome) == (1, "created")
    assert save_definition(engine, text).outcome == "unchanged"
    edited = text.replace("How did we do with your request?", "How did we do?")
    assert (save_definition(engine, edited).version, save_definition(engine, edited).outcome) == (
        1,
        "unchanged",
    )
    assert "How did we do?" in source_text(engine, "post-resolution")
    assert publish(engine, "post-resolution").status == "published"

    with store.begin() as conn:  # an invitation went out with version 1
        mark_sent(conn, "post-resolution", 1)
    again = text.replace("How did we do with your request?", "Were we helpful?")
    saved = save_definition(engine, again)
    assert (saved.version, saved.outcome, saved.status) == (2, "created", "draft")
    one = get_version(engine, "post-resolution", 1)
    assert one.immutable and one.status == "published"
    assert one.definition.invitation.subject["en"] == "How did we do?"
    assert publish(engine, "post-resolution", 2).version == 2
    statuses = dict(store.query_df("select version, status from survey_versions").itertuples(index=False))
    assert statuses == {1: "retired", 2: "published"}


def test_publishing_and_saving_refuse_with_reasons(store: Store) -> None:
    engine = store.engine
    untranslated = example_text(**{'    de: "Wie zufrieden waren Sie mit unserer Hilfe?"\n': ""})
    save_definition(engine, untranslated)
    with pytest.raises(
        DefinitionError,
        match=r"version 1: untranslated, so it cannot be published: invitation\.subject: no de text",
    ):
        publish(engine, "post-resolution")
    assert get_version(engine, "post-resolution").status == "draft"
    with pytest.raises(DefinitionError, match="refers to missing question `nope`"):
        save_definition(engine, example_text(**{'"answers.csat <= 2"': '"answers.nope <= 2"'}))
    with pytest.raises(SurveyNotFound, match="no survey 'other'"):
        publish(engine, "other")
    assert store.count("survey_versions") == 1
