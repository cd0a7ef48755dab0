"""Language, redaction and sentiment on hand-written texts (no store)."""

from __future__ import annotations

import pytest

from insightdesk.text.language import UNKNOWN, detect_languages
from insightdesk.text.redact import Redactor, redact


def test_language_per_text_and_unknown_when_too_short():
    guesses = detect_languages(
        [
            "My parcel has not arrived and nobody answers my emails.",
            "Der Zug hatte wieder eine Stunde Verspätung und niemand hat uns informiert.",
            "Merci beaucoup pour votre aide rapide et efficace.",
            "ok",
            "thanks!!",
            "",
        ]
    )
    assert [g.language for g in guesses] == ["en", "de", "fr", UNKNOWN, UNKNOWN, UNKNOWN]


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("write to anna.lee+desk@example.co.uk please", "EMAIL", "anna.lee+desk@example.co.uk"),
        ("call me on +44 20 7946 0958 today", "PHONE", "+44 20 7946 0958"),
        ("call 1-800-848-9136 any time", "PHONE", "1-800-848-9136"),
        ("card 4111 1111 1111 1111 was charged", "CARD", "4111 1111 1111 1111"),
        ("my IBAN is DE89 3704 0044 0532 0130 00 thanks", "IBAN", "DE89 3704 0044 0532 0130 00"),
        ("logins from 203.0.113.7 look odd", "IP", "203.0.113.7"),
        ("the router is at 2001:db8::8a2e:370:7334", "IP", "2001:db8::8a2e:370:7334"),
        ("I live at 742 Evergreen Terrace, Springfield", "ADDRESS", "742 Evergreen Terrace, Springfield"),
        ("Ich wohne in der Hauptstraße 12, 10115 Berlin.", "ADDRESS", "Hauptstraße 12, 10115 Berlin"),
        ("Hi, my name is Priya Sharma and I need help", "PERSON", "Priya"),
        ("I spoke to Jennifer yesterday about it", "PERSON", "Jennifer"),
        ("@AcmeSupport still waiting", "USER", "@AcmeSupport"),
    ],
)
def test_each_pii_type_is_found_and_replaced(text, kind, value):
    result = redact(text)
    spans = [s for s in result.spans if s.type == kind]
    assert spans, f"no {kind} found in {text!r}: {result.spans}"
    assert value.startswith(spans[0].value) or spans[0].value.startswith(value)
    assert value not in result.text
    assert f"<{kind}_1>" in result.text


@pytest.mark.parametrize(
    "text",
    [
        "card 4111 1111 1111 1112 is not a valid number",  # fails Luhn
        "IBAN DE89 3704 0044 0532 0130 01 is mistyped",  # fails the IBAN checksum
        "I updated to version 1.16.0.53 yesterday",  # a version, not an address
        "error WS-37368-7 again",  # an error code, not a phone
        "Will you help me? May I ask why?",  # names that are ordinary words
        "Order 113542617735902 has not shipped",
    ],
)
def test_lookalikes_are_left_alone(text):
    assert redact(text).text == text


def test_placeholders_are_stable_within_a_text():
    text = "Ann Lee wrote to ann@example.com. Later Bob Stone replied to ann@example.com and Ann Lee."
    result = redact(text)
    assert result.text.count("<EMAIL_1>") == 2
    assert result.text.count("<PERSON_1>") == 2
    assert "<PERSON_2>" in result.text
    assert "Ann" not in result.text and "Bob" not in result.text


def test_redactor_types_can_be_limited():
    only_email = Redactor(entity_types=["EMAIL"])
    out = only_email.redact("Jennifer at jen@example.com or 020 7946 0958").text
    assert out == "Jennifer at <EMAIL_1> or 020 7946 0958"


def test_sentiment_labels_scores_and_unsupported_languages():
    from insightdesk.text.sentiment import VaderSentiment, score_texts
    from insightdesk.text.sentiment_cascade import load_sentiment

    model = load_sentiment()
    texts = [
        "Fantastic service, the agent solved everything in minutes. Thank you!",
        "Terrible experience, I was charged twice and nobody answers my emails.",
        "Der Service war eine Katastrophe.",
        "",
    ]
    results = score_texts(model, texts, ["en", "en", "de", UNKNOWN])
    assert results[0].label == "positive" and results[0].score > 0.3
    assert results[1].label == "negative" and results[1].score < -0.3
    assert (results[2].label, results[2].status) == (None, "unsupported_language")
    assert results[3].status == "empty"
    labels, _scores = VaderSentiment().predict(texts[:2])
    assert labels == ["positive", "negative"]
    assert model.version and model.fast.embedder.version and model.slow.version


def test_cascade_routes_only_the_texts_the_linear_model_is_unsure_of():
    import numpy as np

    from insightdesk.text.sentiment_cascade import CascadeSentiment, load_sentiment

    shipped = load_sentiment()
    texts = [
        "Absolutely wonderful, thank you so much for the quick help!",
        "The worst support I have ever had, I want a refund now.",
        "I got the replacement but it's not like the first one, not sure how I feel.",
        "Not bad at all, actually.",
        "The agent was polite but the issue is still not solved.",
        "Hmm, not sure yet.",
        "ok",
    ]
    p_linear = shipped.fast.probabilities(texts)
    p_slow = shipped.slow.probabilities(texts)
    assert not shipped.routed(p_linear)[:2].any(), "clear texts stay with the fast model"
    # A gate between the clear texts' confidence and the hedged ones' routes exactly the hedged ones.
    confidence = p_linear.max(axis=1)
    cascade = CascadeSentiment(shipped.fast, shipped.slow, threshold=float(confidence[:2].min()) - 1e-3)
    routed = cascade.routed(p_linear)
    assert routed.any() and not routed[:2].any()
    np.testing.assert_array_equal(routed, confidence < cascade.threshold)
    p = cascade.probabilities(texts)
    np.testing.assert_allclose(p[routed], p_slow[routed], rtol=1e-6)
    np.testing.assert_allclose(p[~routed], p_linear[~routed], rtol=1e-6)
    assert np.allclose(p.sum(axis=1), 1, atol=1e-5)
    # The gate's two ends are the two models alone; a label depends only on its own text.
    nothing = CascadeSentiment(cascade.fast, cascade.slow, threshold=0.0)
    everything = CascadeSentiment(cascade.fast, cascade.slow, threshold=1.01)
    assert nothing.predict(texts)[0] == cascade.fast.predict(texts)[0]
    assert everything.predict(texts)[0] == cascade.slow.predict(texts)[0]
    assert cascade.predict(texts[2:3])[0] == cascade.predict(texts)[0][2:3]
    assert "<" in shipped.name and shipped.threshold == shipped.slow.info["gate"]["threshold"]


def test_transformer_reads_negation_and_long_texts():
    from insightdesk.text.sentiment_cascade import load_sentiment

    model = load_sentiment("transformer")
    labels, scores = model.predict(
        [
            "The agent was not helpful at all.",
            "I can't complain, the fix worked first time.",
            "great " * 400,  # longer than the model's 128 tokens: truncated, not an error
            "",
        ]
    )
    assert labels[:3] == ["negative", "positive", "positive"]
    assert all(-1 <= s <= 1 for s in scores) and len(labels) == 4


def test_unknown_sentiment_model_is_refused():
    from insightdesk.text.sentiment_cascade import load_sentiment

    with pytest.raises(ValueError, match="cascade, transformer, linear, vader"):
        load_sentiment("bert")


def test_negation_marking_scopes_to_the_next_punctuation():
    from insightdesk.text.sentiment import negation_marked

    assert negation_marked("I don't like it, but the staff wasn't rude. Not good!") == (
        "i don't like_NEG it_NEG but the staff wasn't rude_NEG not good_NEG"
    )
