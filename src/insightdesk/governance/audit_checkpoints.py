"""Signed checkpoints of the audit chain, written outside the database (append-only JSON Lines).

A line says: the log had `count` entries, entry `seq` had hash `entry_hash`, at `at` (UTC), signed
with the audit key (`key_id`; `mac` is the HMAC-SHA256 of those fields). `audit verify` checks the
chain against every line: an entry that differs means a rewrite, a line beyond the log's end means
entries were cut from its end, a line signed by another key means the key was replaced.
"""

from __future__ import annotations

import hmac
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from insightdesk.governance.audit_keys import AuditFiles, AuditKey, mac
from insightdesk.governance.clock import utcnow


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    entry_hash: str
    count: int
    at: str
    key_id: str
    line: int = 0


@dataclass
class CheckpointFile:
    """What the checkpoint file holds: lines signed by the key, and what is wrong with the others."""

    path: Path | None
    exists: bool = False
    good: list[Checkpoint] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _signed_text(seq: int, entry_hash: str, count: int, at: str, key_id: str) -> str:
    return json.dumps([seq, entry_hash, count, at, key_id], separators=(",", ":"))


def write(files: AuditFiles, key: AuditKey, seq: int, entry_hash: str) -> Checkpoint | None:
    """Append one signed line (None when the store has no place for checkpoints). Raises OSError."""
    path = files.checkpoints
    if path is None:
        return None
    point = Checkpoint(seq, entry_hash, seq, utcnow().isoformat(timespec="seconds"), key.key_id)
    body = {
        "seq": point.seq,
        "entry_hash": point.entry_hash,
        "count": point.count,
        "at": point.at,
        "key_id": point.key_id,
        "mac": mac(key.secret, _signed_text(seq, entry_hash, point.count, point.at, key.key_id)),
    }
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    # One write() of one short line with O_APPEND: concurrent writers never interleave within a line.
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, (json.dumps(body, separators=(",", ":")) + "\n").encode("ascii"))
    finally:
        os.close(fd)
    return point


def _parse(text: str, number: int) -> tuple[Checkpoint, str] | None:
    """The checkpoint of a line and its signature, or None when the line is not one."""
    try:
        raw: Any = json.loads(text)
        point = Checkpoint(
            int(raw["seq"]),
            str(raw["entry_hash"]),
            int(raw["count"]),
            str(raw["at"]),
            str(raw["key_id"]),
            number,
        )
        signature = raw["mac"]
    except (ValueError, KeyError, TypeError):
        return None
    return (point, signature) if isinstance(signature, str) and signature.isascii() else None


def read(path: Path | None, key: AuditKey | None) -> CheckpointFile:
    """Every line, checked against `key`; a line that is not signed by it is a problem, never ignored."""
    found = CheckpointFile(path)
    if path is None or not path.exists():
        return found
    found.exists = True
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError as exc:
        found.problems.append(f"cannot read the audit checkpoints {path}: {exc.strerror or exc}")
        return found
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        parsed = _parse(text, number)
        where = f"line {number} of {path}"
        if parsed is None:
            found.problems.append(f"{where} is not a checkpoint: the checkpoint file was edited")
            continue
        point, signature = parsed
        if key is None:
            found.problems.append(f"{where} cannot be checked: the audit key is missing")
        elif point.key_id != key.key_id:
            found.problems.append(
                f"{where} was signed with audit key {point.key_id}, but {key.path} is key {key.key_id}: "
                "the audit key was replaced"
            )
        else:
            signed = _signed_text(point.seq, point.entry_hash, point.count, point.at, point.key_id)
            if hmac.compare_digest(signature, mac(key.secret, signed)):
                found.good.append(point)
            else:
                found.problems.append(f"{where} does not match its signature: the checkpoint file was edited")
    return found
