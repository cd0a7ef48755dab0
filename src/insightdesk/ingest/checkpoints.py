"""The points at which a batch tells its caller where it is: named stages, and each statement.

`ingest_file(..., on_stage=f)` calls `f` with the name of each of STAGES as the batch reaches it,
and, in between, with `statement <n>: <what>` before each statement the batch sends to the store.
Those are the finest places a `kill -9` can strike a batch that matters to the store, so the
atomicity tests stop a real process at every one of them. Without a hook nothing is wrapped.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from insightdesk.ingest.target import Target

StageFn = Callable[[str], None]
"""Told the name of each stage a batch reaches, before the work after it runs."""

STAGES = ("read", "validate", "references", "merge", "before_commit", "committed")
STATEMENT = "statement "


class CheckpointedTarget(Target):
    """A Target that names each statement to `reached` before passing it on to `inner`."""

    def __init__(self, inner: Target, reached: StageFn) -> None:
        super().__init__(inner.staging)
        self.inner = inner
        self.dialect = inner.dialect
        self.reached = reached
        self.statements = 0

    def _point(self, what: str) -> None:
        self.statements += 1
        self.reached(f"{STATEMENT}{self.statements}: {what}")

    def execute(self, sql: str) -> None:
        self._point(" ".join(sql.split()[:3]))
        self.inner.execute(sql)

    def fetchall(self, sql: str) -> list[tuple[Any, ...]]:
        self._point(" ".join(sql.split()[:4]))
        return self.inner.fetchall(sql)

    def ship(self, staging_table: str, target_table: str, columns: list[str], like: str | None) -> None:
        self._point(f"ship {target_table}")
        self.inner.ship(staging_table, target_table, columns, like)

    def append(self, staging_table: str, target_table: str, columns: list[str]) -> None:
        self._point(f"append {target_table}")
        self.inner.append(staging_table, target_table, columns)

    def row_json(self, alias: str) -> str:
        return self.inner.row_json(alias)

    def commit(self) -> None:
        self.inner.commit()

    def rollback(self) -> None:
        self.inner.rollback()

    def close(self) -> None:
        self.inner.close()


def checkpointed(target: Target, on_stage: StageFn | None) -> Target:
    """`target`, reporting each statement to `on_stage` when there is one."""
    return target if on_stage is None else CheckpointedTarget(target, on_stage)
