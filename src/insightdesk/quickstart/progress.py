"""Progress hooks for the quickstart's long steps, so a new user sees work move, not a silent wait."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from insightdesk.text.pipeline import TextPipeline, TextResult

if TYPE_CHECKING:
    import numpy as np

# Texts per batch while a bar is shown: small enough that the bar moves every few seconds.
PROGRESS_BATCH = 500


@dataclass
class ReportingPipeline(TextPipeline):
    """The shipped text pipeline, calling `on_texts(n)` after each batch of n texts it analysed."""

    on_texts: Callable[[int], None] | None = None

    @classmethod
    def wrapping(cls, pipeline: TextPipeline, on_texts: Callable[[int], None]) -> ReportingPipeline:
        return cls(
            embedder=pipeline.embedder,
            sentiment=pipeline.sentiment,
            redactor=pipeline.redactor,
            languages=pipeline.languages,
            on_texts=on_texts,
        )

    def analyse(
        self,
        texts: Sequence[str | None],
        *,
        centroids: np.ndarray | None = None,
        radii: np.ndarray | None = None,
        themeable: Sequence[bool] | None = None,
    ) -> list[TextResult]:
        results = super().analyse(texts, centroids=centroids, radii=radii, themeable=themeable)
        if self.on_texts is not None:
            self.on_texts(len(results))
        return results
