"""The detractor outcome reads the store's NPS answers, including relationship surveys (issue 16)."""

from __future__ import annotations

from pathlib import Path

from insightdesk.insights.common.features import ticket_features
from insightdesk.insights.drivers import key_drivers
from insightdesk.store import open_store


def test_relationship_nps_answers_label_the_tickets_before_them(sample_db: Path) -> None:
    """The sample's 634 NPS answers belong to customers, not tickets: each labels its customer's
    tickets created in the 90 days before it, so drivers of detractors run instead of being skipped."""
    with open_store(sample_db, migrate=False) as store:
        frame = ticket_features(store)
        answers = store.ibis().table("feedback").filter(lambda f: (f.scale == "nps") & f.score.notnull())
        n_answers = int(answers.count().execute())
        report = key_drivers(store, "detractor", bootstrap=20, record=False)
    labelled = frame[frame["detractor"].notna()]
    assert n_answers > 0 and len(labelled) >= 100
    assert set(labelled["detractor"].unique()) == {0.0, 1.0}
    assert (labelled["detractor"] == (labelled["nps_score"] <= 6)).all()
    assert report.n == len(labelled) and len(report.drivers)
    assert report.drivers["effect"].abs().max() <= 100
