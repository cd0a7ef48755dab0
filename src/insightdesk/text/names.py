"""Person names from a gazetteer, gated by capitalisation and context.

No named-entity model ships on PyPI from its authors (spaCy's models are downloaded from GitHub,
which run time may not reach), so names come from the first- and last-name lists that the Faker
wheel (a core dependency) ships for several locales. A capitalised gazetteer first name counts
as a person when context supports it: a title (Mr, Dr...), an introduction ("my name is"), a
greeting or sign-off, a following capitalised surname, or a position inside a sentence. Words that
are also ordinary words (Will, May, Hope, Chase...) need a stronger cue. Measured in
docs/quality.md; recall on unusual names is the known weakness.
"""

from __future__ import annotations

import importlib
import re
from functools import lru_cache

_LOCALES = ("en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "it_IT", "pt_PT", "nl_NL")

# Names that are also common words, months, brands or products in support text: cue required.
_AMBIGUOUS = frozenset(
    """
    will may june april august hope joy grace faith chase mark bill art rose lily dawn summer
    autumn ray sky star king page long rich young white brown green gray grey black hunter
    carter cook baker miller price frank earl major guy victor sunny apple amazon jack max
    sprint ford lincoln jordan dell virgin best patience precious honor mercy angel
    christian justice harmony melody crystal amber ruby pearl jade ivy holly heather iris
    daisy violet penny sterling royal prince duke marshall dean chance story love early
    jan sol mai nick pat sue ken don dan tom ben al ed bo lee bob sam van von de la le del
    """.split()  # noqa: SIM905  (a word list reads better as prose)
)
_TITLE = r"(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Herr|Frau|Mme|Mlle|Sr|Sra|Sig)\.?"
_CAP = r"[A-ZÀ-ÖØ-Þ][a-zà-öø-ÿ]+(?:[-'][A-ZÀ-ÖØ-Þ]?[a-zà-öø-ÿ]+)?"
_TITLED = re.compile(rf"\b{_TITLE}\s+({_CAP}(?:\s+{_CAP})?)")
_INTRO = re.compile(
    rf"(?:\bmy name is|\bname's|\bich hei(?:ß|ss)e|\bje m'appelle|\bme llamo|\bmi chiamo)\s+({_CAP}(?:\s+{_CAP})?)",
    re.IGNORECASE,
)
_SOFT_INTRO = re.compile(rf"\b(?:I am|I'm|this is|it's)\s+({_CAP}(?:\s+{_CAP})?)")
_GREETING = re.compile(
    rf"\b(?:Hi|Hello|Hey|Dear|Thanks|Thank you|Cheers|Regards|Best|Sincerely|Hallo|Bonjour|Hola|Ciao)"
    rf",?\s+({_CAP}(?:\s+{_CAP})?)"
)
_SIGNOFF = re.compile(rf"(?:^|[\s.!?])[-–—~^]\s?({_CAP}(?:\s+{_CAP})?|{_CAP}{_CAP})\s*$")
# "Hi Swadha." / "Hey Jeremiah!": a greeting and a lone capitalised word closed by punctuation.
_GREETED = re.compile(r"\b(?:Hi|Hello|Hey|Dear)\s+([A-ZÀ-ÖØ-Þ][a-zà-öø-ÿ]{2,})\s*[,.!?]")
# "..., Faith, and we..." / "..., Bob!": a name addressed at the end of a clause.
_VOCATIVE = re.compile(rf",\s+({_CAP})\s*[,.!?]")
# A whole capitalised token: "AmazonHelp" is one token, never the name "Amazon" plus the rest.
_CAPWORD = re.compile(r"(?<![\w@#])[A-ZÀ-ÖØ-Þ][\w'-]*")
_CAMEL = re.compile(rf"^({_CAP})({_CAP})$")
# Scrubbed exports mask names as XXXX; a mask is no name, whatever the case.
_MASK = re.compile(r"^[Xx]{2,}$")
# Words around a capitalised word that make it a storm, a place, a law or a firm, not a person.
_NOT_PERSON_BEFORE = re.compile(
    r"(?:\b(?:hurricane|storm|typhoon|cyclone|tropical|saint|st\.?|lake|mount|mt\.?|fort|port|cape|county|"
    r"state|city|university|college|in|near|downtown|visit(?:ing)?)|&)\s+$",
    re.IGNORECASE,
)
_NOT_PERSON_AFTER = re.compile(
    r"^(?:\s*&|\s+(?:code|county|state|city|street|st\b|avenue|ave\b|road|airport|university|college|"
    r"bank|credit|mortgage|financial|funding|inc\b|llc|ltd|corp|co\b|company|services|associates|group|"
    r"law|act|river|beach|lake|park|hotel|card|capital|recovery|collections?))",
    re.IGNORECASE,
)
_COMMON = frozenset(
    """thanks thank cheers regards help update edit note please sorry hello team support admin
    there everyone all guys folks sir madam customer""".split()  # noqa: SIM905
)
_SENTENCE_END = re.compile(r"[.!?:;\n\"(]\s*$")


@lru_cache(maxsize=1)
def gazetteer() -> tuple[frozenset[str], frozenset[str]]:
    """(first names, last names), lower-cased, from Faker's locale providers."""
    first: set[str] = set()
    last: set[str] = set()
    for locale in _LOCALES:
        try:
            provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        except ImportError:
            continue
        for attr in ("first_names", "first_names_male", "first_names_female"):
            first.update(n.lower() for n in getattr(provider, attr, ()) if n.isalpha())
        last.update(n.lower() for n in getattr(provider, "last_names", ()) if n.isalpha())
    return frozenset(first), frozenset(last)


def _is_first(word: str) -> bool:
    return word.lower() in gazetteer()[0]


def _is_last(word: str) -> bool:
    return word.lower() in gazetteer()[1]


def _trim(text: str, start: int, group: str) -> tuple[int, int]:
    """Span of a one- or two-word name; drop a second word that is not name-like."""
    words = group.split()
    if len(words) == 2 and not (_is_last(words[1]) or _is_first(words[1])):
        return start, start + len(words[0])
    return start, start + len(group)


def find_person_names(text: str) -> list[tuple[int, int]]:
    """(start, end) character spans of likely person names in `text`."""
    spans: list[tuple[int, int]] = []
    for m in _TITLED.finditer(text):
        spans.append((m.start(1), m.end(1)))
    for m in _INTRO.finditer(text):
        first = m.group(1).split()[0]
        if first[0].isupper():
            spans.append(_trim(text, m.start(1), m.group(1)))
    for pattern in (_SOFT_INTRO, _GREETING, _VOCATIVE):
        for m in pattern.finditer(text):
            if _is_first(m.group(1).split()[0]):
                spans.append(_trim(text, m.start(1), m.group(1)))
    # A sign-off (-Jeana, ^Kartika) or a greeted word needs no gazetteer: agents' and customers'
    # names are often not in it; common words ("- Thanks", "Hi There.") are not names.
    for pattern in (_SIGNOFF, _GREETED):
        for m in pattern.finditer(text):
            if m.group(1).split()[0].lower() not in _COMMON:
                spans.append((m.start(1), m.end(1)))
    # Unprompted names: a gazetteer first name followed by a gazetteer surname, or (unless it is
    # also an ordinary word) standing inside a sentence.
    for m in _CAPWORD.finditer(text):
        word = m.group()
        camel = _CAMEL.match(word)
        if camel:  # MariahDaigle is a person, AmazonHelp a brand
            if _is_first(camel.group(1)) and _is_last(camel.group(2)):
                spans.append((m.start(), m.end()))
            continue
        if not _is_first(word):
            continue
        after = text[m.end() : m.end() + 30]
        nxt = _CAPWORD.match(after[1:]) if after.startswith(" ") else None
        if nxt and _is_last(nxt.group()):
            spans.append((m.start(), m.end() + 1 + nxt.end()))
            continue
        if word.lower() in _AMBIGUOUS:
            continue
        sentence_start = m.start() == 0 or bool(_SENTENCE_END.search(text[max(0, m.start() - 3) : m.start()]))
        if not sentence_start:
            spans.append((m.start(), m.end()))
    return _merge(_repeat(text, [s for s in spans if _plausible(text, *s)]))


def _plausible(text: str, start: int, end: int) -> bool:
    """False for masks (XXXX) and for names that context makes a storm, place, law or firm."""
    words = text[start:end].split()
    if not words or any(_MASK.match(w) for w in words):
        return False
    before, after = text[max(0, start - 20) : start], text[end : end + 25]
    return not (_NOT_PERSON_BEFORE.search(before) or _NOT_PERSON_AFTER.match(after))


def _repeat(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Every other occurrence of a name already found is the same person: mark it too."""
    found = {text[s:e] for s, e in spans}
    extra = []
    for name in found:
        for m in re.finditer(rf"(?<![\w@#]){re.escape(name)}(?!\w)", text):
            extra.append((m.start(), m.end()))
    return spans + extra


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if out and start < out[-1][1]:
            out[-1] = (out[-1][0], max(end, out[-1][1]))
        else:
            out.append((start, end))
    return out
