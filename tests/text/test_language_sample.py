"""English texts of the bundled sample are read as English (issue 17, goal 4).

The sample rebuild found 448 English texts read as French. The cause was the detector's setting, not
the texts: lingua's low-accuracy (trigram) mode, which the pipeline used for every text over ten
words, reads CFPB's "Incorrect information on your report" as French and BANKING77 queries as
German or French. These tests replay that on the sample's own records.
"""

from __future__ import annotations

import pandas as pd
import pytest

from insightdesk.sample import sample_dir
from insightdesk.text.language import SETTINGS, UNKNOWN, detect_languages
from insightdesk.text.redact import Redactor

# (ticket id, field) of sample texts the fast mode misread.
MISREAD = (
    ("INC0010145", "subject"),  # "Incorrect information on your report" (CFPB Issue)
    ("INC0018721", "description"),  # "Incorrect information on your report: Public record ..."
    ("INC0001533", "description"),  # "Where do I find my code to verify my top-up card?" (11 words)
    ("INC0013492", "description"),  # "What is the maximum transactions for one disposable card?"
)


@pytest.fixture(scope="module")
def tickets() -> pd.DataFrame:
    return pd.read_csv(sample_dir() / "tickets.csv.gz").set_index("id")


def test_sample_texts_the_fast_mode_misread_are_english(tickets):
    texts = [str(tickets.at[ticket, field]) for ticket, field in MISREAD]
    fast = detect_languages(texts, low_accuracy=True)
    # the misdetection, reproduced: the trigram mode calls each of them another language
    assert all(g.language not in ("en", UNKNOWN) for g in fast), list(zip(texts, fast, strict=True))
    guesses = detect_languages(texts)
    assert [g.language for g in guesses] == ["en"] * len(texts), list(zip(texts, guesses, strict=True))


def test_the_whole_sample_is_read_as_english(tickets):
    """Every ticket subject and description of the sample (the bank tickets' first messages repeat
    their description; the tweets are left out to keep the test short), redacted as stored: at most 0.5% (issue 17's goal) may come out as another language, and none of the CFPB
    issues. One German tweet opens a social ticket; the fast mode had 6.5% of all stored texts (521 of
    8,035, 461 of them French) as another language."""
    raw = pd.concat([tickets["subject"], tickets["description"]]).dropna()
    texts = [r.text for r in Redactor().redact_many(raw.unique().tolist())]
    guesses = detect_languages(texts)
    other = [
        (t, g.language) for t, g in zip(texts, guesses, strict=True) if g.language not in ("en", UNKNOWN)
    ]
    assert len(texts) > 2000  # distinct texts
    assert len(other) <= 0.005 * len(texts), other
    assert not [t for t, lang in other if lang == "fr" and "report" in t], other


@pytest.mark.parametrize("engine", ["duckdb"])
def test_labels_stored_under_other_detector_settings_are_redone(store, monkeypatch):
    """The store kept the old French labels after the detector changed, because its settings were
    not part of the model version: now they are, so `text analyze` redoes such labels."""
    from insightdesk.text import language
    from insightdesk.text.pipeline_store import analyze_store
    from tests.support.text_seed import seed_texts

    seed_texts(store)
    monkeypatch.setattr(language, "SETTINGS", "low-accuracy above ten words")
    first = analyze_store(store)
    monkeypatch.setattr(language, "SETTINGS", SETTINGS)
    again = analyze_store(store)
    assert again.analysed == first.analysed > 0 and again.skipped == 0
    versions = store.query_df("select distinct model_version from text_analyses")["model_version"]
    assert versions.str.contains(SETTINGS, regex=False).all()
