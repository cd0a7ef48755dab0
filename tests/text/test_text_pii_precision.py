"""Redaction precision: the desk's own names and accounts, brands, masks, firms, identifiers by type."""

from __future__ import annotations

import pytest

from insightdesk.text.language import detect_languages
from insightdesk.text.organisations import (
    Organisation,
    OrganisationFileError,
    load_organisation,
    parse_organisation,
    stem,
)
from insightdesk.text.redact import Redactor

OWN = parse_organisation(["# the desk's own", "Wells Fargo", "@Ask_WellsFargo", "@AskeBay", "@hulu_support"])


def found(text: str, redactor: Redactor | None = None) -> list[tuple[str, str]]:
    return [(s.type, s.value) for s in (redactor or Redactor()).find(text)]


def test_own_accounts_and_their_brand_handles_are_not_redacted_but_customers_are():
    redactor = Redactor(organisation=OWN)
    text = "@AskeBay @eBay my parcel never came, @hulu_support too. cc @janedoe1987"
    assert found(text, redactor) == [("USER", "@janedoe1987")]
    # Without the list every handle is a person's: the old behaviour, kept as the safe default.
    assert len(found(text)) == 4


def test_own_names_are_never_a_person():
    text = "I went to Wells Fargo and spoke to Jennifer"
    assert found(text, Redactor(organisation=OWN)) == [("PERSON", "Jennifer")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("AmazonHelp never answered", []),  # a brand token is not "Amazon" + "Help"
        ("thanks ^MariahDaigle", [("PERSON", "MariahDaigle")]),  # first + last name run together
        ("MY NAME IS XXXX XXXX and I live at XXXX", []),  # CFPB masks are not names
        ("due to the recent Hurricane Michael- I am unable to pay", []),
        ("Section 7 of the Georgia Code states", []),
        ("Patenaude & Felix A.P.C is attempting to collect", []),
        ("Thanks for the feedback, Faith, and we appreciate it", [("PERSON", "Faith")]),
        ("Hi Swadha. Are you getting an error?", [("PERSON", "Swadha")]),
        ("Let us know! ^Kartika", [("PERSON", "Kartika")]),
        ("Hi there. Try again later", []),
    ],
)
def test_person_names_in_context(text, expected):
    assert [f for f in found(text) if f[0] == "PERSON"] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Aircraft N807NW was delayed again", []),  # registration, no space: not a postcode
        ("ZZ1 1AB is not a UK area", []),
        ("send it to SW1A 1AA please", [("ADDRESS", "SW1A 1AA")]),
        ("my postcode is EC1A1BB", [("ADDRESS", "EC1A1BB")]),  # announced, so no space needed
        ("since 04 01 2020 nothing works", []),  # a date, not a phone
        ("my id 8004359792 please", []),  # an id, not a phone
        ("IMEI 356938035643809 is blocked", []),  # passes Luhn, but an IMEI is not a card
        ("call me on 020 7946 0958", [("PHONE", "020 7946 0958")]),
    ],
)
def test_identifiers_are_validated_by_type_and_locale(text, expected):
    assert found(text) == expected


def test_stems_tie_support_accounts_to_their_brand():
    assert stem("AskPlayStation") == stem("PlayStation") == "playstation"
    assert stem("hulu_support") == "hulu"
    assert stem("MicrosoftHelps") == "microsoft"
    assert Organisation().with_accounts(["TeamYouTube"]).owns_handle("@YouTube")
    assert not Organisation().with_accounts(["TeamYouTube"]).owns_handle("@youtubefan22")


def test_organisation_file_errors_name_the_line(tmp_path):
    bad = tmp_path / "org.txt"
    bad.write_text("Acme Ltd\n@not a handle\n", encoding="utf-8")
    with pytest.raises(OrganisationFileError, match="line 2"):
        load_organisation(bad)
    with pytest.raises(OrganisationFileError, match="does not exist"):
        load_organisation(tmp_path / "missing.txt")
    (tmp_path / "latin1.txt").write_bytes("Caf\xe9 Ltd\n".encode("latin-1"))
    with pytest.raises(OrganisationFileError, match="not UTF-8"):
        load_organisation(tmp_path / "latin1.txt")
    good = tmp_path / "good.txt"
    good.write_text("Acme Ltd  # our name\n\n@AcmeHelp\n", encoding="utf-8")
    org = load_organisation(good)
    assert org.names == {"Acme Ltd"} and org.handles == {"AcmeHelp"}
    assert org.fingerprint().startswith(" org ") and Organisation().fingerprint() == ""


def test_short_english_texts_are_not_another_language():
    # The fast (trigram) mode called these Italian, German and Dutch; short texts get high accuracy.
    texts = ["I forgot my password", "What is the limit to top-up?", "I no longer have my passcode."]
    assert {g.language for g in detect_languages(texts)} <= {"en", "unknown"}
    assert detect_languages(["Ich habe mein Passwort vergessen"])[0].language == "de"
