"""Sentence embeddings from the static model that ships in this package.

A model2vec model distilled once from all-MiniLM-L6-v2 (scripts/build_text_models.py embed):
no torch at run time, loads in well under a second, embeds tens of thousands of short texts a
second on two cores. Nothing here reaches a model hub: the model is read from package data.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)

MODELS_DIR = Path(__file__).with_name("models")
DEFAULT_EMBEDDER = "minilm-m2v-256"


class ModelMissingError(RuntimeError):
    """A shipped model file is absent: rebuild it with scripts/build_text_models.py."""


def file_digest(*paths: Path) -> str:
    """Short SHA-256 over the bytes of model files: the version every stored result records."""
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


@dataclass
class Embedder:
    name: str
    version: str
    model: object  # model2vec.StaticModel

    @property
    def dim(self) -> int:
        return int(self.model.dim)  # type: ignore[attr-defined]

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length float32 vectors, one row per text."""
        import numpy as np

        if not len(texts):
            return np.zeros((0, self.dim), dtype=np.float32)
        # Multiprocessing costs more than it saves below ~50k texts on two cores.
        vectors = self.model.encode(list(texts), use_multiprocessing=False)  # type: ignore[attr-defined]
        vectors = np.asarray(vectors, dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.maximum(norms, 1e-12)


@lru_cache(maxsize=2)
def load_embedder(name: str = DEFAULT_EMBEDDER) -> Embedder:
    """The shipped static embedding model (cached per process)."""
    folder = MODELS_DIR / name
    weights = folder / "model.safetensors"
    if not weights.exists():
        raise ModelMissingError(
            f"embedding model {name!r} not found in {folder}; rebuild it with "
            "`python scripts/build_text_models.py embed` (see its docstring)"
        )
    from model2vec import StaticModel

    model = StaticModel.from_pretrained(folder)
    version = file_digest(weights, folder / "tokenizer.json")
    log.debug("loaded embedder %s (%s)", name, version)
    return Embedder(name=name, version=version, model=model)
