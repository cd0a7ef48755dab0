"""A seeded generator of person records with known truth: duplicates across source systems with the
mess real desks have (typos, nicknames, swapped names, titles and case, phone formats, missing and
changed emails), families sharing one mailbox, and records with no usable identifier.

Tests seed stores from it and `benchmarks/identity.py` times a million records with it. First names
come from the nickname table; surnames are built from syllables with a Zipf-like frequency, so
common and rare names both occur (term-frequency adjustment has something to do).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from insightdesk.identity.nicknames import nickname_graph

_SYLLABLES = (
    "an",
    "ber",
    "cal",
    "dor",
    "el",
    "fen",
    "gar",
    "hol",
    "ing",
    "jas",
    "kor",
    "lin",
    "mar",
    "nor",
    "os",
    "par",
    "quin",
    "ros",
    "sten",
    "tal",
    "ur",
    "val",
    "wick",
    "yor",
    "zan",
)
_DOMAINS = ("mail.example.net", "post.test", "inbox.test", "web.test", "corp.test")
_SOURCES = ("zendesk", "crm", "surveys", "chat")
_TITLES = ("Mr ", "Mrs ", "Ms ", "Dr ")


def _surnames(count: int, rng: np.random.Generator) -> np.ndarray:
    parts = rng.integers(0, len(_SYLLABLES), size=(count, 3))
    lengths = rng.integers(2, 4, size=count)
    names = {"".join(_SYLLABLES[i] for i in row[:n]) for row, n in zip(parts, lengths, strict=True)}
    return np.array(sorted(names))


def _typo(text: str, rng: np.random.Generator) -> str:
    if len(text) < 3:
        return text
    i = int(rng.integers(1, len(text) - 1))
    kind = int(rng.integers(0, 3))
    if kind == 0:
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]  # adjacent transposition
    if kind == 1:
        return text[:i] + text[i + 1 :]  # dropped letter
    return text[:i] + "aeiou"[int(rng.integers(0, 5))] + text[i + 1 :]  # wrong letter


def _phone_format(digits: str, style: int) -> str:
    """One UK mobile written three ways: E.164, national with spaces, international with dashes."""
    national = "0" + digits
    if style == 0:
        return "+44" + digits
    if style == 1:
        return f"{national[:5]} {national[5:]}"
    return f"+44-{digits[:4]}-{digits[4:]}"


def generate_people(records: int, *, seed: int = 0, duplicate_share: float = 0.35) -> pd.DataFrame:
    """`records` rows: record_id, source_system, name, email, phone, dob, country, person (the truth)."""
    rng = np.random.default_rng(seed)
    persons = max(1, int(records * (1 - duplicate_share)))
    firsts = np.array(sorted(n for n in nickname_graph() if n.isalpha() and len(n) > 2))
    surnames = _surnames(max(400, persons // 3), rng)  # about 3 people per surname, Zipf-weighted
    zipf = 1.0 / np.arange(1, len(surnames) + 1) ** 0.8
    person_first = firsts[rng.integers(0, len(firsts), persons)]
    person_last = surnames[rng.choice(len(surnames), persons, p=zipf / zipf.sum())]
    person_dob = pd.Timestamp("1940-01-01") + pd.to_timedelta(rng.integers(0, 365 * 65, persons), unit="D")
    person_phone = np.array([f"7{n:09d}" for n in rng.integers(0, 10**9, persons)])
    domains = np.array(_DOMAINS)[rng.integers(0, len(_DOMAINS), persons)]
    # Row -> person: every person once, the rest duplicates of randomly drawn persons.
    owner = np.concatenate([np.arange(persons), rng.integers(0, persons, records - persons)])
    rng.shuffle(owner)
    rows = []
    nicknames = nickname_graph()
    draws = rng.random((records, 12))
    for i, p in enumerate(owner):
        d = draws[i]
        first, last = str(person_first[p]), str(person_last[p])
        email: str | None = f"{first}.{last}{p % 97}@{domains[p]}"
        phone: str | None = _phone_format(person_phone[p], int(d[0] * 3))
        dob: str | None = person_dob[p].strftime("%Y-%m-%d")
        if d[1] < 0.15 and nicknames.get(first):
            first = sorted(nicknames[first])[int(d[2] * len(nicknames[first]))]
        if d[3] < 0.12:
            first = _typo(first, rng)
        if d[4] < 0.12:
            last = _typo(last, rng)
        name = f"{first.title()} {last.title()}"
        if d[5] < 0.04:
            name = f"{last.title()} {first.title()}"
        elif d[5] < 0.10:
            name = _TITLES[int(d[6] * 4)] + name.upper()
        if d[7] < 0.25:
            email = None
        elif d[7] < 0.30 and email is not None:
            email = _typo(email.split("@")[0], rng) + "@" + email.split("@")[1]
        if d[8] < 0.45:
            phone = None
        if d[9] < 0.40:
            dob = None
        if d[10] < 0.01:  # a record no rule can use: a first name and nothing else
            name, email, phone, dob = first.title(), None, None, None
        rows.append((f"R{i:07d}", _SOURCES[int(d[11] * 4)], name, email, phone, dob, "GB", int(p)))
    frame = pd.DataFrame(
        rows, columns=["record_id", "source_system", "name", "email", "phone", "dob", "country", "person"]
    )
    return _families(frame, rng)


def _families(frame: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """0.5% of the records write from a relative's mailbox: one email, two different people."""
    with_email = frame.index[frame["email"].notna()].to_numpy()
    count = min(len(with_email) // 2, max(1, len(frame) // 200))
    chosen = rng.choice(with_email, size=(count, 2), replace=False) if count else np.empty((0, 2), dtype=int)
    for a, b in chosen:
        if frame.at[a, "person"] != frame.at[b, "person"]:
            frame.at[b, "email"] = frame.at[a, "email"]
    return frame
