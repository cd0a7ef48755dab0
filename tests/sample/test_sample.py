"""The bundled sample: parses, canonical vocabularies, unique ids, references that resolve."""

from __future__ import annotations

import pandas as pd
import pytest

from insightdesk.model import enums
from insightdesk.sample import SAMPLE_KINDS, sample_dir, sample_file
from insightdesk.sample.checks import REFERENCES, VOCABULARIES
from insightdesk.sample.generic import column_types, generic_columns

# The same reference and vocabulary tables the generator's own checks use.
ENUMS = VOCABULARIES


@pytest.fixture(scope="module")
def sample() -> dict[str, pd.DataFrame]:
    return {kind: pd.read_csv(sample_file(kind), dtype=str, keep_default_na=False) for kind in SAMPLE_KINDS}


def test_sample_kinds_are_in_reference_order() -> None:
    position = {kind: i for i, kind in enumerate(SAMPLE_KINDS)}
    for (kind, _), target in REFERENCES.items():
        assert position[target] <= position[kind], f"{kind} is ingested before {target}"


def test_every_kind_has_exactly_the_generic_columns(sample: dict[str, pd.DataFrame]) -> None:
    for kind, frame in sample.items():
        assert list(frame.columns) == generic_columns(kind), kind
        assert len(frame) > 0, kind
    assert 2500 <= len(sample["tickets"]) <= 4000
    assert sum(f.stat().st_size for f in sample_dir().iterdir()) < 5 * 1024 * 1024


def test_ids_are_unique(sample: dict[str, pd.DataFrame]) -> None:
    for kind, frame in sample.items():
        dupes = frame["id"][frame["id"].duplicated()]
        assert dupes.empty, f"{kind}: duplicate ids {dupes.head().tolist()}"
        assert (frame["id"] != "").all(), kind


def test_references_resolve(sample: dict[str, pd.DataFrame]) -> None:
    for (kind, column), target in REFERENCES.items():
        values = set(sample[kind][column]) - {""}
        missing = values - set(sample[target]["id"])
        assert not missing, f"{kind}.{column} -> {target}: {sorted(missing)[:5]}"


def test_values_are_canonical_and_typed(sample: dict[str, pd.DataFrame]) -> None:
    for (kind, column), allowed in ENUMS.items():
        values = set(sample[kind][column]) - {""}
        assert values <= set(allowed), f"{kind}.{column}: {sorted(values - set(allowed))}"
    for kind, frame in sample.items():
        for column, type_ in column_types(kind).items():
            values = frame[column][frame[column] != ""]
            if type_ == "timestamp":
                assert values.str.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ").all(), f"{kind}.{column}"
            elif type_ == "boolean":
                assert set(values) <= {"true", "false"}, f"{kind}.{column}"
            elif type_ in ("integer", "double"):
                pd.to_numeric(values)  # raises on anything that is not a number


def test_feedback_scores_lie_on_their_scales(sample: dict[str, pd.DataFrame]) -> None:
    fb = sample["feedback"]
    for scale, (low, high) in enums.SCALE_RANGES.items():
        rows = fb[fb["scale"] == scale]
        assert len(rows) > 100, scale
        assert (rows["scale_min"].astype(int) == low).all() and (rows["scale_max"].astype(int) == high).all()
        scores = pd.to_numeric(rows["score"].replace("", None)).dropna()
        assert scores.between(low, high).all(), scale
    csat = fb[fb["scale"] == "csat"]
    answered = csat["answered_at"] != ""
    # Unanswered invitations are kept (null score, null answered_at) so response rate is measurable.
    assert 0.2 < answered.mean() < 0.6
    assert (csat.loc[~answered, "score"] == "").all()


def test_surveys_end_where_the_tickets_do(sample: dict[str, pd.DataFrame]) -> None:
    """Nothing is sent or answered after the extract (the Monday after the last ticket), and the
    relationship NPS answers fall in the tickets' weeks, most of them with a usable sample."""
    created = pd.to_datetime(sample["tickets"]["created_at"])
    extract = (created.max().normalize() + pd.Timedelta(days=7 - created.max().weekday())).tz_convert(None)
    fb = sample["feedback"]
    for column in ("sent_at", "answered_at"):
        at = pd.to_datetime(fb[column].replace("", None)).dropna().dt.tz_convert(None)
        assert at.max() < extract, column
    nps = fb[(fb["scale"] == "nps") & (fb["answered_at"] != "")]
    week = pd.to_datetime(nps["answered_at"]).dt.tz_convert(None).dt.to_period("W")
    ticket_weeks = created.dt.tz_convert(None).dt.to_period("W").unique()
    assert set(week) <= set(ticket_weeks)
    per_week = week.value_counts()
    assert (per_week >= 30).sum() >= len(ticket_weeks) - 2, per_week.sort_index().to_dict()


def test_no_text_from_another_domain(sample: dict[str, pd.DataFrame]) -> None:
    """No permissive source has survey verbatims about these tickets, so answers carry no comment;
    every text is a ticket's own description, subject or message, traced to its source row."""
    assert (sample["feedback"]["comment"] == "").all()
    prov = pd.read_csv(sample_dir() / "provenance.csv.gz", dtype=str)
    assert "reviews" not in set(prov["dataset"])


def test_ticket_timings_are_ordered(sample: dict[str, pd.DataFrame]) -> None:
    t = sample["tickets"]
    created = pd.to_datetime(t["created_at"])
    for column in ("first_response_at", "resolved_at", "closed_at"):
        later = pd.to_datetime(t[column].replace("", None))
        assert (later.dropna() >= created[later.notna()]).all(), column
    events = sample["ticket_events"]
    first = events[events["seq"] == "0"]
    assert (first["event_type"] == "created").all()
    assert set(first["ticket_id"]) == set(t["id"])


def test_planted_experience_effect_is_visible(sample: dict[str, pd.DataFrame]) -> None:
    """Satisfaction falls with reassignments: the documented model shows through in the data."""
    t = sample["tickets"].set_index("id")
    csat = sample["feedback"].query("scale == 'csat' and score != ''")
    score = pd.to_numeric(csat["score"])
    reassigned = csat["ticket_id"].map(t["reassignment_count"].astype(int)) > 0
    satisfied = score >= 4
    assert satisfied[~reassigned].mean() - satisfied[reassigned].mean() > 0.08


def test_texts_are_real_and_traceable(sample: dict[str, pd.DataFrame]) -> None:
    prov = pd.read_csv(sample_dir() / "provenance.csv.gz", dtype=str)
    assert set(prov["dataset"]) <= {"itsm", "cfpb", "twitter", "banking77", "splink", "febrl"}
    tickets = sample["tickets"]
    traced = set(prov.loc[prov["kind"] == "tickets", "id"])
    assert set(tickets["id"]) <= traced
    messages = sample["interactions"]
    tweets = messages[messages["ticket_id"].str.startswith("TW-")]
    assert set(tweets["id"]) <= set(prov.loc[prov["kind"] == "interactions", "id"])
    # A bank ticket's one message is its own customer's text: the ticket's description, verbatim.
    bank = messages[~messages["ticket_id"].str.startswith("TW-")]
    description = tickets.set_index("id")["description"]
    assert (bank["body"] == bank["ticket_id"].map(description)).all()


def test_sample_passes_the_generic_folder_checks() -> None:
    from insightdesk.sample.checks import problems

    assert problems(sample_dir()) == []
