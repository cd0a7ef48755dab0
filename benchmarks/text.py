"""Text analytics throughput on real short texts; figures go to docs/benchmarks.md (## Text).

    .venv/bin/python benchmarks/text.py                 # per-text pipeline + discovery on 100k texts
    .venv/bin/python benchmarks/text.py --texts 20000 --discovery 100000

1. Per-text pipeline (redaction, language, sentiment, embedding + theme assignment) over texts of
   one to three sentences drawn from ../shared/data (banking77, NPS verbatims, IBM tweets, review
   and complaint sentences), in batches as `analyze_store` runs it; store writes excluded.
2. Theme discovery (embedding, clustering, labels, quotes) on N texts of one to three sentences.
Peak memory is the process's maximum resident set size.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

_SENT = re.compile(r"(?<=[.!?])\s+")


def _chunks(text: str, max_sentences: int = 3) -> list[str]:
    sentences = [s for s in _SENT.split(str(text)) if len(s.split()) >= 2]
    return [" ".join(sentences[i : i + max_sentences]) for i in range(0, len(sentences), max_sentences)]


def short_texts() -> list[str]:
    """Real texts of one to three sentences, de-duplicated, in a fixed shuffled order."""
    parts: list[str] = []
    for split in ("train", "test"):
        parts += pd.read_csv(SHARED / "banking77" / f"{split}.csv.gz")["text"].tolist()
    parts += (
        pd.read_csv(SHARED / "nps_verbatims_telecom_2018" / "nps_verbatims.csv.gz")["text"].dropna().tolist()
    )
    tw = pd.read_csv(SHARED / "twitter_customer_care_ibm" / "messages_flat.csv.gz")
    parts += tw.loc[tw["role"] == "customer", "text"].dropna().tolist()
    parts += pd.read_csv(SHARED / "vader_sentiment_groundtruth" / "vader_groundtruth.csv.gz")["text"].tolist()
    parts += pd.read_csv(SHARED / "bitext_customer_support" / "bitext_customer_support_training.csv.gz")[
        "instruction"
    ].tolist()
    for review in pd.read_csv(SHARED / "womens_ecommerce_clothing_reviews" / "reviews.csv.gz")[
        "Review Text"
    ].dropna():
        parts += _chunks(review)
    cfpb = pd.read_csv(SHARED / "cfpb_consumer_complaints_sample" / "complaints_sample.csv.gz")
    for narrative in cfpb["Consumer complaint narrative"].dropna():
        parts += _chunks(narrative)
    texts = list(dict.fromkeys(str(t).strip() for t in parts if isinstance(t, str) and t.strip()))
    rng = np.random.default_rng(0)
    return [texts[i] for i in rng.permutation(len(texts))]


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_pipeline(texts: list[str], batch: int = 5000, sentiment: str = "cascade") -> dict[str, float]:
    from insightdesk.text import themes as th
    from insightdesk.text.pipeline import TextPipeline

    started = time.perf_counter()
    pipeline = TextPipeline.default(sentiment)
    load_s = time.perf_counter() - started
    # Known themes to assign to, fitted once on other texts (as after `themes discover`).
    fit_texts = texts[-5000:]
    fit = th.discover(fit_texts, pipeline.embedder.encode(fit_texts))
    centroids = np.vstack([t.centroid for t in fit.themes])
    radii = np.asarray([t.radius for t in fit.themes])
    work = texts[: len(texts) - 5000]
    pipeline.analyse(work[:200], centroids=centroids, radii=radii)  # warm-up (lazy imports)
    stages: dict[str, float] = {}
    sample = work[:5000]
    t = time.perf_counter()
    redacted = [r.text for r in pipeline.redactor.redact_many(sample)]
    stages["redaction"] = len(sample) / (time.perf_counter() - t)
    from insightdesk.text.language import detect_languages

    t = time.perf_counter()
    detect_languages(redacted)
    stages["language"] = len(sample) / (time.perf_counter() - t)
    t = time.perf_counter()
    pipeline.sentiment.predict(redacted)
    stages[f"sentiment ({pipeline.sentiment.name})"] = len(sample) / (time.perf_counter() - t)
    routed_share = None
    fast = getattr(pipeline.sentiment, "fast", None)
    if fast is not None:  # the cascade: its two parts alone, and the share it routes
        t = time.perf_counter()
        p_fast = fast.probabilities(redacted)
        stages["  linear model (embedding + VADER + logistic regression)"] = len(sample) / (
            time.perf_counter() - t
        )
        routed_share = float(pipeline.sentiment.routed(p_fast).mean())
        t = time.perf_counter()
        pipeline.sentiment.slow.probabilities(redacted[:1000])
        stages["  transformer (int8 ONNX), every text"] = 1000 / (time.perf_counter() - t)
    t = time.perf_counter()
    th.assign(pipeline.embedder.encode(redacted), centroids, radii)
    stages["theme assignment (embedding + nearest centroid)"] = len(sample) / (time.perf_counter() - t)
    t = time.perf_counter()
    cpu = time.process_time()
    done = 0
    for i in range(0, len(work), batch):
        chunk = work[i : i + batch]
        pipeline.analyse(chunk, centroids=centroids, radii=radii)
        done += len(chunk)
    seconds = time.perf_counter() - t
    cpu_s = time.process_time() - cpu
    words = np.mean([len(x.split()) for x in work])
    return {
        "texts": done,
        "mean_words": float(words),
        "seconds": seconds,
        "texts_per_s": done / seconds,
        "cpu_s": cpu_s,
        "model_load_s": load_s,
        "stages": stages,
        "routed_share": routed_share,
        "sentiment": pipeline.sentiment.name,
        "peak_mb": peak_mb(),
    }


def bench_discovery(texts: list[str]) -> dict[str, float]:
    from insightdesk.text import themes as th
    from insightdesk.text.embed import load_embedder

    embedder = load_embedder()
    cpu = time.process_time()
    t = time.perf_counter()
    vectors = embedder.encode(texts)
    embed_s = time.perf_counter() - t
    t = time.perf_counter()
    fit = th.discover(texts, vectors)
    fit_s = time.perf_counter() - t
    return {
        "cpu_s": time.process_time() - cpu,
        "texts": len(texts),
        "embed_s": embed_s,
        "cluster_label_s": fit_s,
        "total_s": embed_s + fit_s,
        "themes": len(fit.themes),
        "unassigned": float((fit.assignments < 0).mean()),
        "peak_mb": peak_mb(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--texts", type=int, default=25_000, help="Texts through the per-text pipeline.")
    parser.add_argument("--discovery", type=int, default=100_000, help="Texts for theme discovery (0: skip).")
    parser.add_argument(
        "--sentiment",
        default="cascade",
        help="Sentiment model: cascade (default), transformer, linear, vader.",
    )
    args = parser.parse_args()
    texts = short_texts()
    print(f"{len(texts):,} distinct real texts of 1-3 sentences available", flush=True)
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    p = bench_pipeline(texts[: args.texts + 5000], sentiment=args.sentiment)
    print(f"load average before: {os.getloadavg()[0]:.1f}")
    print(
        f"\nper-text pipeline: {p['texts']:,} texts (mean {p['mean_words']:.1f} words) in {p['seconds']:.1f} s "
        f"= {p['texts_per_s']:,.0f} texts/s wall-clock; CPU {p['cpu_s']:.1f} s = {p['texts'] / p['cpu_s']:,.0f} "
        f"texts per CPU-second; models load in {p['model_load_s']:.1f} s; peak RSS {p['peak_mb']:,.0f} MB; "
        f"load average after: {os.getloadavg()[0]:.1f}"
    )
    print(f"  sentiment model: {p['sentiment']}")
    if p["routed_share"] is not None:
        print(f"  texts the cascade sends to the transformer: {p['routed_share']:.1%}")
    for stage, rate in p["stages"].items():
        print(f"  {stage}: {rate:,.0f} texts/s alone")
    if args.discovery:
        n = args.discovery
        pool = texts if len(texts) >= n else (texts * (n // len(texts) + 1))
        d = bench_discovery(pool[:n])
        print(
            f"\ntheme discovery: {d['texts']:,} texts: embedding {d['embed_s']:.1f} s + clustering and labels "
            f"{d['cluster_label_s']:.1f} s = {d['total_s']:.1f} s; {d['themes']} themes, "
            f"{d['unassigned']:.1%} unassigned; CPU {d['cpu_s']:.1f} s; peak RSS {d['peak_mb']:,.0f} MB; "
            f"load average after: {os.getloadavg()[0]:.1f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
