"""PII redaction with typed placeholders that stay stable within a text.

Patterns plus checksums (python-stdnum for Luhn and IBAN, `ipaddress` for IPs, Google's
libphonenumber for phones) rather than an NER model: they run offline, fast, and are checkable.
Person names come from a gazetteer (see `names.py`) gated by capitalisation and context cues.

The same value gets the same placeholder within one text (`<PERSON_1>` stays `<PERSON_1>`), so a
reader can still follow who is who; nothing is stable across texts on purpose (no linkage).
"""

from __future__ import annotations

import importlib
import ipaddress
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from insightdesk.text import names
from insightdesk.text.organisations import Organisation

ENTITY_TYPES: tuple[str, ...] = ("EMAIL", "PHONE", "CARD", "IBAN", "IP", "ADDRESS", "PERSON", "USER")

# Which entity wins when two candidates overlap (earlier = stronger evidence).
_PRIORITY = {
    t: i for i, t in enumerate(("EMAIL", "IBAN", "CARD", "IP", "PHONE", "ADDRESS", "PERSON", "USER"))
}


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    type: str
    value: str


@dataclass(frozen=True)
class Redaction:
    text: str  # the redacted text
    spans: tuple[Span, ...] = field(default=())  # what was replaced, in the original's offsets

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for span in self.spans:
            out[span.type] = out.get(span.type, 0) + 1
        return out


_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")
_URL = re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE)
# 13-19 digits, optionally grouped by single spaces or dashes; Luhn decides.
_CARD = re.compile(r"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]){11,30}\b")
_IPV4 = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])")
_IPV6 = re.compile(r"(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])")
# Words before a dotted quad that mark a version number, not an address.
_VERSION_CUE = re.compile(r"(?:version|ver\.?|v|ios|android|build|update|firmware|release)\s*$", re.I)
# Street suffixes: the USPS list that Faker ships (Street, Hollow, Divide...) plus UK ones.
_STREET_SUFFIX = (
    r"(?:St|Ave|Rd|Blvd|Ln|Dr|Ct|Pl|Cir|Hwy|Pkwy|Sq|Close|Crescent|Gardens|Mews|"
    + "|".join(sorted(
        {s.title() for s in importlib.import_module("faker.providers.address.en_US").Provider.street_suffixes},
        key=len, reverse=True,
    ))
    + r")"
)  # fmt: skip
_ADDRESS_EN = re.compile(
    r"\b\d{1,5}[A-Za-z]?\s+(?:[NSEW]\.?\s+)?(?:[A-Z][a-z]+\s+){1,3}" + _STREET_SUFFIX + r"\b\.?"
    r"(?:,?\s+(?:Apt|Apartment|Suite|Unit)\.?\s*#?\w+)?"
    r"(?:,\s*[A-Z][a-z]+(?:\s[A-Z][a-z]+)?(?:,\s*[A-Z]{2})?(?:\s+\d{5}(?:-\d{4})?)?)?"
)
_ADDRESS_DE = re.compile(
    r"\b(?:[A-ZÄÖÜ][a-zäöüß]+-)*[A-ZÄÖÜ][a-zäöüß]+-?(?:[Ss]traße|[Ss]trasse|str\.|[Ww]eg|[Pp]latz|[Aa]llee|[Gg]asse|"
    r"[Rr]ing|[Dd]amm)\s+\d{1,4}[a-z]?(?:[-/]\d{1,4})?\b"
    r"(?:,\s*\d{5}\s+[A-ZÄÖÜ][a-zäöüß]+)?"
)
_UK_POSTCODE = re.compile(r"\b([A-Z]{1,2})\d[A-Z\d]?(\s?)\d[ABD-HJLNP-UW-Z]{2}\b")
# The 121 postcode areas of the UK and Crown dependencies: "XY1 2AB" with another area is no postcode.
_UK_AREAS = frozenset(
    """AB AL B BA BB BD BH BL BN BR BS BT CA CB CF CH CM CO CR CT CV CW DA DD DE DG DH DL DN DT DY E EC
    EH EN EX FK FY G GL GU GY HA HD HG HP HR HS HU HX IG IM IP IV JE KA KT KW KY L LA LD LE LL LN LS LU
    M ME MK ML N NE NG NN NP NR NW OL OX PA PE PH PL PO PR RG RH RM S SA SE SG SK SL SM SN SO SP SR SS
    ST SW SY TA TD TF TN TQ TR TS TW UB W WA WC WD WF WN WR WS WV YO ZE""".split()  # noqa: SIM905
)
# Written without its space a postcode looks like an aircraft registration (N807NW) or a part
# number: then only a cue makes it one.
_POSTCODE_CUE = re.compile(
    r"(?:post\s?code|postal code|zip|address|live[sd]? (?:at|in))(?:\s+is)?\W{0,3}$", re.I
)
# Digit groups that read as a date (04 01 2020, 2020 04 01) are not phones.
_DATE_GROUPS = re.compile(
    r"^\(?(?:\d{1,2}[\s./-]+\d{1,2}[\s./-]+(?:19|20)\d\d|(?:19|20)\d\d[\s./-]+\d{1,2}[\s./-]+\d{1,2})\)?$"
)
_DIGIT = re.compile(r"\d")
# Social-media handles name their owner (often literally): treated as PII, type USER.
_HANDLE = re.compile(r"(?<![\w@])@[A-Za-z0-9_]{1,30}\b")
# A dash-joined token before the digits marks an error or product code (WS-37368-7), not a phone.
_CODE_PREFIX = re.compile(r"[A-Za-z]+-?$")
# A number introduced as an order, ticket or tracking number is an id, not a phone or a card.
_ID_CUE = re.compile(
    r"\b(?:order|ticket|case|reference|ref|invoice|tracking|confirmation|transaction|booking|pnr|account|"
    r"policy|claim|membership|serial|imei|id|code|file)\s*(?:no\.?|number|id|#|:)?\s*#?\s*$",
    re.IGNORECASE,
)


# Issuer prefixes of the major card schemes (Visa, Mastercard, Amex, Discover, Diners, JCB,
# UnionPay, Maestro): order numbers pass Luhn one time in ten, but rarely start like a card.
_CARD_PREFIX = re.compile(r"^(?:4|5[0-9]|2[2-7]|3[4-9]|30|6[0-9])")


def _luhn_ok(digits: str) -> bool:
    from stdnum import luhn

    return bool(_CARD_PREFIX.match(digits)) and luhn.is_valid(digits)


def _iban_ok(value: str) -> bool:
    from stdnum import iban

    return bool(iban.is_valid(value))


class Redactor:
    """Finds PII spans and replaces them with typed, per-text stable placeholders."""

    def __init__(
        self,
        *,
        phone_regions: Sequence[str] = ("US", "GB", "DE", "FR"),
        entity_types: Iterable[str] = ENTITY_TYPES,
        person_names: bool = True,
        organisation: Organisation | None = None,
    ) -> None:
        self.phone_regions = tuple(phone_regions)
        self.entity_types = frozenset(entity_types)
        self.person_names = person_names and "PERSON" in self.entity_types
        # The desk's own names and accounts are not personal data (see organisations.py).
        self.organisation = organisation or Organisation()

    # -- detection -------------------------------------------------------------------------
    def find(self, text: str) -> list[Span]:
        """Non-overlapping PII spans of `text`, in order."""
        if not text:
            return []
        found: list[Span] = []
        want = self.entity_types
        if "EMAIL" in want and "@" in text:
            found += [Span(m.start(), m.end(), "EMAIL", m.group()) for m in _EMAIL.finditer(text)]
        # Digits inside links are paths and ids, not phones or cards.
        urls = [(m.start(), m.end()) for m in _URL.finditer(text)] if "/" in text or "www" in text else []
        n_digits = len(_DIGIT.findall(text))
        if n_digits >= 12:
            if "IBAN" in want:
                found += [
                    Span(m.start(), m.end(), "IBAN", m.group())
                    for m in _IBAN.finditer(text)
                    if _iban_ok(m.group())
                ]
            if "CARD" in want:
                for m in _CARD.finditer(text):
                    digits = re.sub(r"\D", "", m.group())
                    if _ID_CUE.search(text[max(0, m.start() - 25) : m.start()]):
                        continue
                    if 13 <= len(digits) <= 19 and _luhn_ok(digits):
                        found.append(Span(m.start(), m.end(), "CARD", m.group()))
        if n_digits >= 4 and "IP" in want:
            found += self._ips(text)
        if n_digits >= 7 and "PHONE" in want:
            found += self._phones(text)
        if "ADDRESS" in want and n_digits:
            for pattern in (_ADDRESS_EN, _ADDRESS_DE):
                found += [Span(m.start(), m.end(), "ADDRESS", m.group()) for m in pattern.finditer(text)]
            found += [
                Span(m.start(), m.end(), "ADDRESS", m.group())
                for m in _UK_POSTCODE.finditer(text)
                if _postcode_ok(m, text)
            ]
        if "USER" in want and "@" in text:
            found += [
                Span(m.start(), m.end(), "USER", m.group())
                for m in _HANDLE.finditer(text)
                if not self.organisation.owns_handle(m.group())
            ]
        if self.person_names:
            own = self.organisation.name_spans(text) if self.organisation else []
            found += [
                Span(s, e, "PERSON", text[s:e])
                for s, e in names.find_person_names(text)
                if not any(a < e and s < b for a, b in own)
            ]
        if urls:
            found = [s for s in found if s.type == "EMAIL" or not any(a <= s.start < b for a, b in urls)]
        return _resolve_overlaps(found)

    def _ips(self, text: str) -> list[Span]:
        spans = []
        for m in _IPV4.finditer(text):
            if _VERSION_CUE.search(text[max(0, m.start() - 12) : m.start()]):
                continue
            try:
                ipaddress.IPv4Address(m.group())
            except ValueError:
                continue
            spans.append(Span(m.start(), m.end(), "IP", m.group()))
        if "::" in text or text.count(":") >= 5:
            for m in _IPV6.finditer(text):
                try:
                    ipaddress.IPv6Address(m.group())
                except ValueError:
                    continue
                spans.append(Span(m.start(), m.end(), "IP", m.group()))
        return spans

    def _phones(self, text: str) -> list[Span]:
        import phonenumbers

        seen: dict[tuple[int, int], Span] = {}
        for region in self.phone_regions:
            for match in phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.VALID):
                key = (match.start, match.end)
                # Digits before any extension ("x283", "ext. 12") make the number itself.
                n_digits = len(_DIGIT.findall(re.split(r"(?i)x|ext", match.raw_string)[0]))
                before = text[max(0, match.start - 25) : match.start]
                # E.164 numbers have at most 15 digits; longer runs are ids.
                if not 7 <= n_digits <= 15 or _CODE_PREFIX.search(before) or _ID_CUE.search(before):
                    continue
                if _DATE_GROUPS.match(match.raw_string.strip()):
                    continue
                if key not in seen:
                    seen[key] = Span(match.start, match.end, "PHONE", match.raw_string)
        return list(seen.values())

    def with_organisation(self, organisation: Organisation) -> Redactor:
        """The same redactor with another list of the desk's own names and accounts."""
        return Redactor(
            phone_regions=self.phone_regions,
            entity_types=self.entity_types,
            person_names=self.person_names,
            organisation=organisation,
        )

    # -- replacement -----------------------------------------------------------------------
    def redact(self, text: str | None) -> Redaction:
        """`text` with every PII span replaced by `<TYPE_n>`; n counts distinct values per type."""
        if not text:
            return Redaction(text or "", ())
        spans = self.find(text)
        if not spans:
            return Redaction(text, ())
        numbering: dict[tuple[str, str], int] = {}
        per_type: dict[str, int] = {}
        parts: list[str] = []
        last = 0
        for span in spans:
            key = (span.type, _normalise(span.type, span.value))
            if key not in numbering:
                per_type[span.type] = per_type.get(span.type, 0) + 1
                numbering[key] = per_type[span.type]
            parts.append(text[last : span.start])
            parts.append(f"<{span.type}_{numbering[key]}>")
            last = span.end
        parts.append(text[last:])
        return Redaction("".join(parts), tuple(spans))

    def redact_many(self, texts: Iterable[str | None]) -> list[Redaction]:
        return [self.redact(t) for t in texts]


def _postcode_ok(match: re.Match[str], text: str) -> bool:
    """A UK postcode of a real area, written with its space or announced as a postcode."""
    if match.group(1) not in _UK_AREAS:
        return False
    return bool(match.group(2)) or bool(
        _POSTCODE_CUE.search(text[max(0, match.start() - 30) : match.start()])
    )


def _normalise(kind: str, value: str) -> str:
    """The identity of a value, so that `Ann Lee` and `ann lee` share a placeholder."""
    if kind in ("PHONE", "CARD", "IBAN"):
        return re.sub(r"[^0-9A-Za-z]", "", value).upper()
    return " ".join(value.lower().split())


def _resolve_overlaps(spans: list[Span]) -> list[Span]:
    """Keep the strongest of overlapping spans (priority, then length)."""
    ranked = sorted(spans, key=lambda s: (_PRIORITY[s.type], -(s.end - s.start), s.start))
    kept: list[Span] = []
    for span in ranked:
        if all(span.end <= k.start or span.start >= k.end for k in kept):
            kept.append(span)
    return sorted(kept, key=lambda s: s.start)


_DEFAULT: Redactor | None = None


def redact(text: str | None) -> Redaction:
    """Redact one text with the default settings."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = Redactor()
    return _DEFAULT.redact(text)
