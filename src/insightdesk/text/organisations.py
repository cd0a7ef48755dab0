"""The desk's own organisation: names and accounts that are not personal data.

A company's own names ("Wells Fargo") and accounts (`@Ask_WellsFargo`, `@AskeBay`) turn up in most
customer messages; redacting them as people destroys analytics without protecting anyone (92% of
the handles redacted on a public customer-care set were the companies' own). The desk lists its
names and handles in a file (INSIGHTDESK_TEXT_ORGANISATION_FILE) and the accounts that answer as
agents are added from the data. A handle also counts as the organisation's when, stripped of the
usual support affixes (Ask..., ...Help, ...Support, _us), it names the same company as a listed one
(`@eBay` for `AskeBay`), so a company's main account is recognised from its support account.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

# Affixes support accounts add to a company's name (AskPlayStation, hulu_support, SpotifyUSA).
_PREFIXES = ("ask", "team", "the")
_SUFFIXES = (
    "support", "helps", "help", "cares", "care", "service", "status", "official", "team", "news",
    "games", "usa", "us", "uk", "india", "hq", "app",
)  # fmt: skip
_HANDLE_TEXT = re.compile(r"^@?[A-Za-z0-9_]{1,30}$")
MAX_ENTRIES = 10_000


class OrganisationFileError(ValueError):
    """The organisation file cannot be used; the message names the line."""


def stem(name: str) -> str:
    """A company's core name: lower case, no separators, support affixes stripped."""
    core = re.sub(r"[^a-z0-9]", "", name.lower())
    changed = True
    while changed and core:
        changed = False
        for prefix in _PREFIXES:
            if core.startswith(prefix) and len(core) - len(prefix) >= 2:
                core, changed = core[len(prefix) :], True
        for suffix in _SUFFIXES:
            if core.endswith(suffix) and len(core) - len(suffix) >= 2:
                core, changed = core[: -len(suffix)], True
    return core


@dataclass(frozen=True)
class Organisation:
    """Names (free text) and handles (without @) of the desk's own company and brands."""

    names: frozenset[str] = field(default_factory=frozenset)
    handles: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        stems = {stem(n) for n in self.names} | {stem(h) for h in self.handles}
        object.__setattr__(self, "_stems", frozenset(s for s in stems if len(s) >= 2))
        object.__setattr__(self, "_handles", frozenset(h.lower() for h in self.handles))
        words = sorted((n for n in self.names if n.strip()), key=len, reverse=True)
        pattern = "|".join(re.escape(n) for n in words)
        object.__setattr__(
            self, "_name_re", re.compile(rf"(?<!\w)(?:{pattern})(?!\w)", re.IGNORECASE) if pattern else None
        )

    def __bool__(self) -> bool:
        return bool(self.names or self.handles)

    def owns_handle(self, handle: str) -> bool:
        """True for one of the organisation's accounts (`@AskeBay`, or `@eBay` beside it)."""
        bare = handle.lstrip("@").lower()
        return bare in self._handles or stem(bare) in self._stems  # type: ignore[attr-defined]

    def name_spans(self, text: str) -> list[tuple[int, int]]:
        """Where the organisation's names occur in `text` (case-insensitive, whole words)."""
        pattern = self._name_re  # type: ignore[attr-defined]
        return [(m.start(), m.end()) for m in pattern.finditer(text)] if pattern else []

    def fingerprint(self) -> str:
        """A suffix naming the lists (` org <digest>`), empty for none: results record what they used."""
        if not self:
            return ""
        payload = "\n".join(sorted(self.names)) + "\n@" + "\n".join(sorted(h.lower() for h in self.handles))
        return " org " + hashlib.sha256(payload.encode()).hexdigest()[:8]

    def with_accounts(self, handles: Iterable[str]) -> Organisation:
        """This organisation plus accounts seen answering as agents."""
        extra = {h.lstrip("@") for h in handles if h and _HANDLE_TEXT.match(h.strip())}
        return Organisation(self.names, self.handles | frozenset(extra))


def parse_organisation(lines: Iterable[str], *, source: str = "organisation file") -> Organisation:
    """One entry a line: `@handle` for an account, anything else a name; `#` starts a comment."""
    names: set[str] = set()
    handles: set[str] = set()
    for number, raw in enumerate(lines, start=1):
        entry = raw.split("#", 1)[0].strip()
        if not entry:
            continue
        if len(names) + len(handles) >= MAX_ENTRIES:
            raise OrganisationFileError(
                f"{source}: more than {MAX_ENTRIES:,} entries; keep the desk's own names"
            )
        if entry.startswith("@"):
            if not _HANDLE_TEXT.match(entry):
                raise OrganisationFileError(
                    f"{source} line {number}: {entry[:40]!r} is not a handle (@ then up to 30 letters, "
                    "digits or underscores)"
                )
            handles.add(entry[1:])
        elif len(entry) > 100:
            raise OrganisationFileError(f"{source} line {number}: a name longer than 100 characters")
        else:
            names.add(" ".join(entry.split()))
    return Organisation(frozenset(names), frozenset(handles))


def load_organisation(path: Path | str | None) -> Organisation:
    """The organisation file at `path` (UTF-8), or an empty organisation when `path` is None."""
    if path is None:
        return Organisation()
    file = Path(path).expanduser()
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise OrganisationFileError(f"organisation file {file} does not exist") from exc
    except UnicodeDecodeError as exc:
        raise OrganisationFileError(f"organisation file {file} is not UTF-8 text") from exc
    except OSError as exc:
        raise OrganisationFileError(f"organisation file {file} cannot be read: {exc.strerror}") from exc
    return parse_organisation(text.splitlines(), source=f"organisation file {file}")
