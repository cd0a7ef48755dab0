"""Measure the text models on held-out real data in ../shared/data; prints markdown for docs/quality.md.

    .venv/bin/python scripts/eval_text.py pii sentiment      # core venv is enough
    /tmp/textbuild/bin/python scripts/eval_text.py themes    # BERTopic needs the build venv
                                                             # (pip install -e . --no-deps there)

Every figure states n and a 95% interval: percentile bootstrap (1,000 resamples of texts) for
macro-F1, Wilson intervals for precision and recall.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from insightdesk.text.evaluation import macro_f1, wilson  # noqa: E402

log = logging.getLogger("eval_text")


def _fmt_pr(successes: int, n: int) -> str:
    if n == 0:
        return "n/a"
    lo, hi = wilson(successes, n)
    return f"{successes / n:.3f} [{lo:.2f}, {hi:.2f}]"


# -- sentiment -------------------------------------------------------------------------------
def eval_sentiment() -> str:
    """Scored as production stores it: every text goes through `TextPipeline.analyse` (redaction,
    language, the default cascade); the comparison columns score the same redacted texts."""
    from text_datasets import sentiment_eval_sets

    from insightdesk.text.pipeline import TextPipeline
    from insightdesk.text.sentiment import LABELS
    from insightdesk.text.sentiment_cascade import CascadeSentiment, load_sentiment

    df = sentiment_eval_sets(SHARED)
    started = time.time()
    pipeline = TextPipeline.default()
    cascade = pipeline.sentiment
    assert isinstance(cascade, CascadeSentiment)
    results = pipeline.analyse(df["text"].tolist())
    texts = [r.redacted_text for r in results]
    # Production's label: None (not scored) for a text in a language without a model counts as wrong.
    df["model"] = [r.sentiment_label or "not scored" for r in results]
    df["status"] = [r.sentiment_status for r in results]
    df["detected"] = [r.language for r in results]
    vader = load_sentiment("vader")
    df["vader"] = vader.predict(texts)[0]
    p_linear = cascade.fast.probabilities(texts)
    p_transformer = cascade.slow.probabilities(texts)
    routed = cascade.routed(p_linear)
    df["linear"] = [LABELS[i] for i in p_linear.argmax(axis=1)]
    df["transformer"] = [LABELS[i] for i in p_transformer.argmax(axis=1)]
    df["routed"] = routed
    df["redacted"] = [r.redacted_text != t for r, t in zip(results, df["text"], strict=True)]
    log.info("scored %d texts in %.0f s", len(df), time.time() - started)
    out = ["### Sentiment: macro-F1 on held-out real data, scored as stored\n\n"]
    out.append(
        f"Default model: `{cascade.name}` (version {cascade.version}). Every text goes through "
        "`TextPipeline.analyse`, the production code path: PII redaction first, then language detection, "
        "then the cascade on the redacted text; a text detected in a language without a model gets no "
        "label (counted as wrong here, column *not scored*). VADER, the linear model and the transformer "
        "alone score the same redacted texts. Baseline: VADER "
        f"{vader.version} (compound ±0.05). Trained on: {', '.join(cascade.fast.info.get('sources', []))} "
        "(train split only). *Routed*: share of texts the cascade sent to the transformer, measured.\n\n"
    )
    out.append(
        "| dataset | language | n | redacted | VADER | linear | transformer | **default (as stored)** "
        "| Δ default − VADER | routed | not scored |\n|---|---|---|---|---|---|---|---|---|---|---|\n"
    )
    for (dataset, lang), g in df.groupby(["dataset", "language"], sort=True):
        v, lin, tr, m = (
            macro_f1(g["label"], g[c], LABELS) for c in ("vader", "linear", "transformer", "model")
        )
        out.append(
            f"| {dataset} | {lang} | {len(g):,} | {g['redacted'].mean():.0%} | {v} | {lin} | {tr} | {m} "
            f"| {m.value - v.value:+.3f} | {g['routed'].mean():.1%} | {(g['model'] == 'not scored').mean():.1%} |\n"
        )
    en = df[df["language"] == "en"]
    v, lin, tr, m = (
        macro_f1(en["label"], en[c], LABELS) for c in ("vader", "linear", "transformer", "model")
    )
    out.append(
        f"| **all English held-out** | en | {len(en):,} | {en['redacted'].mean():.0%} | {v} | {lin} | {tr} "
        f"| **{m}** | {m.value - v.value:+.3f} | {en['routed'].mean():.1%} "
        f"| {(en['model'] == 'not scored').mean():.1%} |\n"
    )
    y = en["label"].to_numpy()
    out.append("\nPaired bootstrap of the English difference against VADER (same texts, 1,000 resamples):\n")
    for column, title in (
        ("model", "default cascade as stored"),
        ("transformer", "transformer alone"),
        ("linear", "linear alone"),
    ):
        d = _paired_delta(y, en["vader"].to_numpy(), en[column].to_numpy(), LABELS)
        out.append(f"- {title}: {d[0]:+.3f} [{d[1]:+.3f}, {d[2]:+.3f}]\n")
    out.append(_language_table(df))
    return "".join(out)


SHORT_WORDS = 10  # "short" texts for the false-other-language rate


def _language_table(df: pd.DataFrame) -> str:
    """How often production labels an English text as another language (it is then not scored)."""
    out = [
        "\n### Language: English texts labelled as another language\n\n"
        f"Share of English held-out texts (by the data set's own language) whose detected language is "
        f"neither `en` nor `unknown`; short = at most {SHORT_WORDS} words. Wilson 95% intervals. Texts "
        "of other languages: the share flagged `unsupported_language` (no model; counted, never scored "
        "as English).\n\n| dataset | language | texts | short texts | other language (all) | other language (short) "
        "|\n|---|---|---|---|---|---|\n"
    ]
    df = df.assign(short=df["text"].str.split().str.len() <= SHORT_WORDS,
                   other=~df["detected"].isin(["en", "unknown"]))  # fmt: skip
    for (dataset, lang), g in df.groupby(["dataset", "language"], sort=True):
        s = g[g["short"]]
        if lang == "en":
            out.append(
                f"| {dataset} | en | {len(g):,} | {len(s):,} | {_fmt_pr(int(g['other'].sum()), len(g))} "
                f"| {_fmt_pr(int(s['other'].sum()), len(s))} |\n"
            )
        else:
            flagged = int((g["status"] == "unsupported_language").sum())
            out.append(f"| {dataset} | {lang} | {len(g):,} | {len(s):,} | flagged unsupported: "
                       f"{_fmt_pr(flagged, len(g))} | |\n")  # fmt: skip
    en = df[df["language"] == "en"]
    s = en[en["short"]]
    out.append(
        f"| **all English** | en | {len(en):,} | {len(s):,} | {_fmt_pr(int(en['other'].sum()), len(en))} "
        f"| **{_fmt_pr(int(s['other'].sum()), len(s))}** |\n"
    )
    return "".join(out)


def _paired_delta(y, a, b, labels, n_boot: int = 1000, seed: int = 0) -> tuple[float, float, float]:
    """Macro-F1 of `b` minus that of `a` on the same texts, with a paired bootstrap interval."""
    from insightdesk.text.evaluation import _macro_f1_codes

    code = {label: i for i, label in enumerate(labels)}
    y, a, b = (np.asarray([code.get(v, -1) for v in arr]) for arr in (y, a, b))
    k = len(code)
    rng = np.random.default_rng(seed)
    point = _macro_f1_codes(y, b, k) - _macro_f1_codes(y, a, k)
    boots = []
    for _ in range(n_boot):
        i = rng.integers(0, len(y), len(y))
        boots.append(_macro_f1_codes(y[i], b[i], k) - _macro_f1_codes(y[i], a[i], k))
    lo, hi = np.percentile(boots, [2.5, 97.5])
    return float(point), float(lo), float(hi)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("parts", nargs="+", choices=("pii", "sentiment", "themes"))
    parser.add_argument("--output", type=Path, help="Also write the markdown here.")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    if not SHARED.is_dir():
        parser.error(f"{SHARED} not found: the evaluation needs ../shared/data beside the repository")
    from eval_text_pii import eval_pii
    from eval_text_themes import eval_themes

    parts = {"pii": eval_pii, "sentiment": eval_sentiment, "themes": eval_themes}
    text = "\n".join(parts[p]() for p in args.parts)
    print(text)
    if args.output:
        args.output.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
