"""Free-text answers get their text analysis (redaction, language, sentiment, theme) with no manual step.

Always after the response has committed, never inside the submission's transaction, so a slow or
missing model never costs an answer:

- in the server, a completed response's comment ids are queued and a background task that runs
  after the page has been answered analyses what is queued (`CommentQueue.drain`; while one runs,
  the ids of later responses join its next round instead of starting another);
- `insightdesk surveys run` (the cron worker) analyses every survey comment that still has no
  analysis: one whose server was killed before its background task ran, or that arrived while the
  text models were missing.

Themes are assigned against the registry's existing themes (no refit); `text analyze` later finds
these texts done with the same models and skips them. The consent ledger decides as it does for
`text analyze` (docs/privacy.md, "Text analytics and training sets").
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import sqlalchemy as sa

from insightdesk.store.serving import writer_store
from insightdesk.surveys.feedback_rows import SOURCE_SYSTEM

if TYPE_CHECKING:
    from insightdesk.store import Store
    from insightdesk.text.pipeline import TextPipeline

log = logging.getLogger(__name__)

# Newest first: comments the consent ledger withholds stay without an analysis and are met again on
# every run; they must never crowd out new ones beyond the limit.
_PENDING = sa.text(
    "select f.id from feedback f where f.source_system = :source and f.comment is not null"
    " and f.comment <> '' and not exists (select 1 from text_analyses t where t.entity = 'feedback'"
    " and t.record_id = f.id and t.field = 'comment') order by f.answered_at desc, f.id limit :limit"
)
_pipeline_lock = threading.Lock()
_pipeline: TextPipeline | None = None


def pending_comments(store: Store, limit: int = 5000) -> list[str]:
    """Feedback ids of survey comments without a text analysis, newest first. The consent ledger's
    rule is applied by the analysis itself (text.pipeline_store), as for `text analyze`."""
    with store.engine.connect() as conn:
        return list(conn.execute(_PENDING, {"source": SOURCE_SYSTEM, "limit": limit}).scalars())


def _text_pipeline() -> TextPipeline:
    # Built once per process and warmed on one text (the language detector and the transformer load
    # lazily): seconds, spent before the server's write lock is taken, never while it is held.
    global _pipeline
    with _pipeline_lock:
        if _pipeline is None:
            from insightdesk.text.pipeline import TextPipeline

            pipeline = TextPipeline.default()
            pipeline.analyse(["The agent solved my problem quickly, thank you."])
            _pipeline = pipeline
        return _pipeline


def _models_ready() -> bool:
    """Load the text models if they are not yet; False (logged) when they are missing."""
    from insightdesk.text.embed import ModelMissingError
    from insightdesk.text.organisations import OrganisationFileError

    try:
        _text_pipeline()
    except (ModelMissingError, OrganisationFileError) as exc:
        log.warning("survey comments left without text analysis for now: %s", exc)
        return False
    return True


def analyse_comments(store: Store, feedback_ids: Sequence[str]) -> int | None:
    """Analyse these feedback rows' comments; how many were analysed, or None when the text models
    (or the organisation file) are missing: logged, and left to the next `surveys run`."""
    if not feedback_ids:
        return 0
    from insightdesk.text.embed import ModelMissingError
    from insightdesk.text.organisations import OrganisationFileError
    from insightdesk.text.pipeline_store import analyze_store

    try:
        report = analyze_store(
            store, entities=["feedback"], record_ids=list(feedback_ids), pipeline=_text_pipeline()
        )
    except (ModelMissingError, OrganisationFileError) as exc:
        log.warning("survey comments left without text analysis for now: %s", exc)
        return None
    return report.analysed


def analyse_pending(store: Store, limit: int = 5000) -> int | None:
    """The worker's catch-up: every survey comment still without an analysis (at most `limit`)."""
    return analyse_comments(store, pending_comments(store, limit))


class CommentQueue:
    """Comment ids waiting for analysis in one server process; one drain at a time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: set[str] = set()
        self._running = False

    def add(self, feedback_ids: Iterable[str]) -> None:
        with self._lock:
            self._pending.update(feedback_ids)

    def drain(self, store: Store, write_lock: threading.RLock) -> None:
        """Analyse what is queued, round after round until nothing is left; returns at once when
        another thread is draining (that one takes these ids in its next round)."""
        with self._lock:
            if self._running:
                return
            self._running = True
        try:
            if not _models_ready():  # the ids stay unanalysed: `surveys run` takes them later
                with self._lock:
                    self._pending.clear()
                return
            while True:
                with self._lock:
                    batch, self._pending = sorted(self._pending), set()
                    if not batch:
                        self._running = False
                        return
                try:
                    # The server's single writer: on DuckDB a cursor of its own, as uploads do.
                    with write_lock, writer_store(store) as job:
                        analyse_comments(job, batch)
                except Exception:
                    # Never lost: the rows stay without analysis, and `surveys run` takes them.
                    log.exception(
                        "text analysis of %d survey comment(s) failed; `surveys run` retries", len(batch)
                    )
        finally:
            with self._lock:
                self._running = False


_queues: weakref.WeakKeyDictionary[object, CommentQueue] = weakref.WeakKeyDictionary()
_queues_lock = threading.Lock()


def comment_queue(owner: object) -> CommentQueue:
    """The queue of one server (`owner`: its state object)."""
    with _queues_lock:
        queue = _queues.get(owner)
        if queue is None:
            queue = _queues[owner] = CommentQueue()
        return queue
