"""Verifying the audit log: each entry against its scheme and key, the chain against every signed
checkpoint, and a warning wherever the protection is missing (no key, no checkpoint, old entries).

What each finding means is in docs/security.md (The audit log); `insightdesk audit verify` prints it.
"""

from __future__ import annotations

import hmac
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

import sqlalchemy as sa

from insightdesk.governance import audit_checkpoints as checkpoints
from insightdesk.governance.audit_chain import GENESIS, KEYED, PLAIN, keyed_hash, plain_hash, rows
from insightdesk.governance.audit_keys import (
    AuditFiles,
    AuditKey,
    AuditKeyError,
    locate,
    loose_permissions,
    read_key,
)


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    entries: int
    head_seq: int
    head_hash: str
    first_bad_seq: int | None = None
    reason: str | None = None
    checkpoint_seq: int | None = None
    """The newest signed checkpoint the chain confirmed (None: none could be confirmed)."""
    checkpoint_at: str | None = None
    checkpoints: int = 0
    """Checkpoint lines confirmed."""
    key_id: str | None = None
    unprotected: bool = False
    """No key or no checkpoint: a rewrite or a cut at the end could go unnoticed (`--strict` fails)."""
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class _Walk:
    """The state of one pass over the chain."""

    files: AuditFiles
    key: AuditKey | None
    found: checkpoints.CheckpointFile
    anchor: tuple[int, str] | None
    warnings: list[str]
    prev: str = GENESIS
    count: int = 0
    keyed_from: int | None = None
    plain: int = 0
    confirmed: checkpoints.Checkpoint | None = None
    confirmed_lines: int = 0
    anchor_seen: bool = False

    def result(self, ok: bool, first_bad: int | None = None, reason: str | None = None) -> VerifyResult:
        point = self.confirmed
        return VerifyResult(
            ok,
            self.count,
            self.count,
            self.prev,
            first_bad,
            reason,
            point.seq if point else None,
            point.at if point else None,
            self.confirmed_lines,
            self.key.key_id if self.key else None,
            self.key is None or not self.found.good,
            self.warnings,
        )

    def problem(self, row: dict[str, Any]) -> str | None:
        """What is wrong with the next entry, or None."""
        seq = int(row["seq"])
        if seq != self.count + 1:
            return f"entry {self.count + 1} is missing"
        if row["prev_hash"] != self.prev:
            return "prev_hash does not match the entry before"
        scheme = row.get("hash_scheme") or PLAIN
        if scheme == KEYED:
            if self.key is None:
                return (
                    f"entry is keyed but the audit key {self.files.key or ''} is missing: restore it "
                    "(without it the log cannot be checked)"
                )
            if row.get("key_id") != self.key.key_id:
                return (
                    f"entry was hashed with audit key {row.get('key_id')}, but {self.key.path} is key "
                    f"{self.key.key_id}: the audit key was replaced (or belongs to another store)"
                )
            expected = keyed_hash(self.prev, row, self.key).encode()
            if not hmac.compare_digest(expected, str(row["entry_hash"]).encode("utf-8", "replace")):
                return "entry does not match its keyed hash: changed after it was written, or rewritten without the key"
            self.keyed_from = self.keyed_from or seq
        elif scheme == PLAIN:
            if self.keyed_from is not None:
                return f"entry is plain SHA-256 after keyed entries (from {self.keyed_from}): rewritten without the key"
            if plain_hash(self.prev, row) != row["entry_hash"]:
                return "entry was changed after it was written"
            self.plain += 1
        else:
            return f"entry has an unknown hash scheme {scheme!r}"
        return None

    def confirm(self, row: dict[str, Any], by_seq: dict[int, list[checkpoints.Checkpoint]]) -> str | None:
        """Check the entry against the checkpoints and the anchor that name it."""
        seq = int(row["seq"])
        for point in by_seq.get(seq, ()):
            if point.entry_hash != row["entry_hash"]:
                return (
                    f"entry differs from the checkpoint signed at {point.at} (line {point.line} of "
                    f"{self.found.path}): the log was rewritten"
                )
            self.confirmed_lines += 1
            if self.confirmed is None or point.seq >= self.confirmed.seq:
                self.confirmed = point
        if self.anchor is not None and seq == self.anchor[0]:
            if row["entry_hash"] != self.anchor[1]:
                return "entry differs from the kept anchor"
            self.anchor_seen = True
        return None


def _protection_warnings(walk: _Walk) -> None:
    files, key = walk.files, walk.key
    if key is None:
        where = f"at {files.key}" if files.key else "(an in-memory store has no place for one)"
        walk.warnings.append(
            f"no audit key {where}: entries are plain SHA-256, so a rewrite of the whole log cannot be "
            "detected; `insightdesk audit verify` makes one"
            + (" (set INSIGHTDESK_AUDIT_KEY_FILE for PostgreSQL)" if files.dialect == "postgresql" else "")
        )
    elif warning := loose_permissions(key.path):
        walk.warnings.append(warning)
    if not walk.found.good:
        walk.warnings.append(
            f"no signed checkpoint in {files.checkpoints or '(no place for one)'}: entries deleted from the "
            "end of the log cannot be detected; `insightdesk audit verify` writes one"
        )
    if walk.plain:
        covered = walk.confirmed is not None and walk.confirmed.seq >= walk.plain
        walk.warnings.append(
            f"entries 1-{walk.plain} were written before the audit key (plain SHA-256): "
            + ("the signed checkpoints protect them" if covered else "no signed checkpoint covers them yet")
        )


def verify(engine: sa.Engine, *, anchor: tuple[int, str] | None = None) -> VerifyResult:
    """Recompute the chain; the first entry that does not fit is named with the reason."""
    files = locate(engine)
    try:
        key = read_key(files)
    except AuditKeyError as exc:
        return VerifyResult(False, 0, 0, GENESIS, None, str(exc), unprotected=True)
    found = checkpoints.read(files.checkpoints, key)
    walk = _Walk(files, key, found, anchor, [])
    by_seq: dict[int, list[checkpoints.Checkpoint]] = defaultdict(list)
    for point in found.good:
        by_seq[point.seq].append(point)
    for row in rows(engine):
        reason = walk.problem(row) or walk.confirm(row, by_seq)
        if reason is not None:
            return walk.result(False, int(row["seq"]), reason)
        walk.prev, walk.count = row["entry_hash"], walk.count + 1
    _protection_warnings(walk)
    beyond = [p for p in found.good if p.seq > walk.count]
    if beyond:
        cut = max(beyond, key=lambda p: p.seq)
        return walk.result(
            False,
            walk.count + 1,
            f"the checkpoint signed at {cut.at} (line {cut.line} of {found.path}) confirms entry {cut.seq}, "
            f"but the log ends at entry {walk.count}: entries were deleted from its end",
        )
    if found.problems:
        more = f" (and {len(found.problems) - 1} more lines)" if len(found.problems) > 1 else ""
        return walk.result(False, None, found.problems[0] + more)
    if walk.keyed_from is not None and not found.exists:
        return walk.result(
            False,
            None,
            f"the log has keyed entries (from {walk.keyed_from}) but the checkpoint file {found.path} is gone "
            "(the first keyed entry writes one): checkpoints were deleted or moved",
        )
    if anchor is not None and not walk.anchor_seen:
        return walk.result(False, anchor[0], f"anchor entry {anchor[0]} is gone (log truncated)")
    return walk.result(True)
