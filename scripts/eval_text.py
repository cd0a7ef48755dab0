"""Measure the text models on held-out real data in ../shared/data; prints markdown for docs/quality.md.

    .venv/bin/python scripts/eval_text.py pii sentiment      # core venv is enough
    /tmp/textbuild/bin/python scripts/eval_text.py themes    # BERTopic needs the build venv
                                                             # (pip install -e . --no-deps there)

Every figure states n and a 95% interval: percentile bootstrap (1,000 resamples of texts) for
macro-F1, Wilson intervals for precision and recall.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
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

from insightdesk.text.evaluation import macro_f1, span_scores, wilson  # noqa: E402

log = logging.getLogger("eval_text")


def _fmt_pr(successes: int, n: int) -> str:
    if n == 0:
        return "n/a"
    lo, hi = wilson(successes, n)
    return f"{successes / n:.3f} [{lo:.2f}, {hi:.2f}]"


# -- PII -------------------------------------------------------------------------------------
def _pii_texts() -> dict[str, pd.Series]:
    return {
        "ibm_twitter": pd.read_csv(SHARED / "twitter_customer_care_ibm" / "messages_flat.csv.gz")["text"],
        "nps_verbatims": pd.read_csv(SHARED / "nps_verbatims_telecom_2018" / "nps_verbatims.csv.gz")["text"],
        "twcs_sample": pd.read_csv(SHARED / "twcs_customer_support_on_twitter_sample" / "sample.csv")["text"],
    }


def _gold_spans(text: str, values: list[tuple[str, str]]) -> list[tuple[int, int, str]]:
    spans = []
    for kind, value in values:
        spans += [(m.start(), m.end(), kind) for m in re.finditer(re.escape(value), text)]
    return spans


def _checked_spans(texts: dict[str, pd.Series], item: dict, kind: str) -> list[tuple[int, int, str]]:
    """A label's spans, after checking that the source text still holds the labelled value."""
    import hashlib

    text = str(texts[item["dataset"]][item["row"]])
    start, end = item["spans"][0]
    if hashlib.sha256(text[start:end].encode()).hexdigest()[:16] != item["sha256"]:
        raise SystemExit(f"{item['dataset']} row {item['row']}: the labelled text changed; relabel it")
    return [(s, e, kind) for s, e in item["spans"]]


def _score_rows(redactor, rows: list[tuple[str, list[tuple[int, int, str]]]], types: set[str]) -> dict:
    gold, pred = [], []
    for text, spans in rows:
        gold.append(spans)
        pred.append([(s.start, s.end, s.type) for s in redactor.find(text) if s.type in types])
    return span_scores(gold, pred)


def _injected_rows(seed: int = 11) -> tuple[list[tuple[str, list[tuple[str, str]]]], list[str]]:
    """Real texts with a synthetic PII value inserted in a sentence; plus look-alike negatives."""
    import faker

    fakes = {loc: faker.Faker(loc) for loc in ("en_US", "en_GB", "de_DE", "fr_FR", "nl_NL")}
    for i, f in enumerate(fakes.values()):
        f.seed_instance(seed + i)
    rng = np.random.default_rng(seed)
    hosts = pd.concat(
        [
            pd.read_csv(SHARED / "nps_verbatims_telecom_2018" / "nps_verbatims.csv.gz")["text"],
            pd.read_csv(SHARED / "twitter_customer_care_ibm" / "messages_flat.csv.gz")["text"],
        ]
    ).dropna()
    hosts = hosts[~hosts.str.contains(r"\d{5}|@\w+\.\w", regex=True)].str.slice(0, 200).tolist()
    en, gb, de, fr, nl = (fakes[k] for k in ("en_US", "en_GB", "de_DE", "fr_FR", "nl_NL"))
    makers = {
        "EMAIL": (lambda: en.email(), ["You can email me at {v}.", "My address is {v} if you need it."]),
        "PHONE": (
            lambda: rng.choice([en, gb]).phone_number(),
            ["Please call me back on {v}.", "My number is {v}, call after 5pm."],
        ),
        "CARD": (
            lambda: rng.choice([en]).credit_card_number(
                card_type=str(rng.choice(["visa16", "mastercard", "amex", "discover"]))
            ),
            ["The charge was on my card {v}.", "Card number {v} was billed twice."],
        ),
        "IBAN": (
            lambda: rng.choice([de, gb, fr, nl]).iban(),
            ["Refund to IBAN {v} please.", "My account is {v}."],
        ),
        "IP": (
            lambda: en.ipv4_public() if rng.random() < 0.7 else en.ipv6(),
            ["The login came from {v} which is not me.", "Router address {v} keeps dropping."],
        ),
        "ADDRESS": (
            lambda: str(rng.choice([en.street_address(), de.street_address(), gb.postcode()])),
            ["Send the engineer to {v}.", "I live at {v} and nobody came."],
        ),
        "PERSON": (
            lambda: rng.choice([en, gb, de, fr]).name(),
            [
                "My name is {v}.",
                "I spoke to {v} yesterday.",
                "Thanks {v}, that fixed it.",
                "Hi {v}, any news?",
            ],
        ),
    }
    rows: list[tuple[str, list[tuple[str, str]]]] = []
    for kind, (make, templates) in makers.items():
        for _ in range(100):
            value = str(make())
            sentence = str(rng.choice(templates)).format(v=value)
            host = hosts[int(rng.integers(len(hosts)))]
            text = f"{host} {sentence}" if rng.random() < 0.5 else f"{sentence} {host}"
            rows.append((text, _gold_spans(text, [(kind, value)])))
    negatives = []
    for _ in range(100):
        digits = "".join(str(d) for d in rng.integers(0, 10, 16))
        negatives += [
            f"Order {digits} has still not arrived.",
            f"I updated to version {rng.integers(1, 20)}.{rng.integers(0, 30)}.{rng.integers(0, 99)}."
            f"{rng.integers(100, 999)} and it crashes.",
            f"Error code CE-{rng.integers(10000, 99999)}-{rng.integers(0, 9)} again.",
            f"Ticket #{rng.integers(10_000_000, 99_999_999)} is still open after {rng.integers(2, 9)} days.",
        ]
    return rows, negatives


def eval_pii() -> str:
    from insightdesk.text.redact import ENTITY_TYPES, Redactor

    redactor = Redactor()
    gold = json.loads((Path(__file__).with_name("eval_data") / "pii_gold.json").read_text())
    texts = _pii_texts()
    out = ["### PII on real texts (hand-labelled)\n"]
    # Full-scope types: every text of the three datasets.
    labels: dict[tuple[str, int], list[tuple[int, int, str]]] = {}
    for kind, items in gold["full_scope"].items():
        for item in items:
            labels.setdefault((item["dataset"], item["row"]), []).extend(_checked_spans(texts, item, kind))
    rows = [
        (str(t), labels.get((ds, i), []))
        for ds, series in texts.items()
        for i, t in series.items()
        if isinstance(t, str)
    ]
    full = _score_rows(redactor, rows, set(gold["full_scope_types"]))
    # Sample-scope types: the random sample read in full.
    rng = np.random.default_rng(gold["sample_seed"])
    sample_rows = []
    sample_labels: dict[tuple[str, int], list[tuple[int, int, str]]] = {}
    for item in gold["sample_scope"]["PERSON"]:
        sample_labels.setdefault((item["dataset"], item["row"]), []).extend(
            _checked_spans(texts, item, "PERSON")
        )
    for ds, n in gold["sample_sizes"].items():
        series = texts[ds]
        idx = sorted(rng.choice(series.index[series.notna()], n, replace=False))
        sample_rows += [(str(series[i]), sample_labels.get((ds, int(i)), [])) for i in idx]
    sample = _score_rows(redactor, sample_rows, {"PERSON"})
    n_texts = len(rows)
    out.append(
        f"Scope: EMAIL, PHONE, IP, CARD, IBAN, ADDRESS over all {n_texts:,} texts of ibm_twitter, nps_verbatims "
        f"and twcs_sample; PERSON over a random sample of {len(sample_rows)} texts read in full. "
        "A prediction counts when it overlaps a gold span of the same type.\n"
    )
    out.append("| type | gold | predicted | precision [95% CI] | recall [95% CI] |\n|---|---|---|---|---|\n")
    for kind in [t for t in ENTITY_TYPES if t != "USER"]:
        s = (sample if kind == "PERSON" else full).get(kind)
        if s is None:
            out.append(f"| {kind} | 0 | 0 | n/a | n/a |\n")
            continue
        out.append(
            f"| {kind} | {s.tp + s.fn} | {s.tp + s.fp} | {_fmt_pr(s.tp, s.tp + s.fp)} | {_fmt_pr(s.tp, s.tp + s.fn)} |\n"
        )
    # Injected values.
    inj_rows, negatives = _injected_rows()
    inj = _score_rows(redactor, inj_rows, set(ENTITY_TYPES) - {"USER"})
    neg_hits = [(t, [s for s in redactor.find(t) if s.type != "USER"]) for t in negatives]
    out.append("\n### PII: synthetic values inserted into real texts\n\n")
    out.append(
        f"{len(inj_rows)} real texts (NPS verbatims and IBM tweets without PII) each get one sentence with a Faker "
        "value (seed 11); precision also counts detections inside the host text.\n\n"
    )
    out.append("| type | inserted | precision [95% CI] | recall [95% CI] |\n|---|---|---|---|\n")
    for kind in [t for t in ENTITY_TYPES if t != "USER"]:
        s = inj.get(kind)
        if s:
            out.append(
                f"| {kind} | {s.tp + s.fn} | {_fmt_pr(s.tp, s.tp + s.fp)} | {_fmt_pr(s.tp, s.tp + s.fn)} |\n"
            )
    flagged = sum(1 for _, spans in neg_hits if spans)
    out.append(
        f"\nLook-alikes (16-digit order numbers, dotted version numbers, error codes, ticket numbers): "
        f"{flagged} of {len(negatives)} flagged as PII.\n"
    )
    return "".join(out)


# -- sentiment -------------------------------------------------------------------------------
def eval_sentiment() -> str:
    from text_datasets import sentiment_eval_sets

    from insightdesk.text.language import detect_languages
    from insightdesk.text.sentiment import LABELS, SUPPORTED_LANGUAGES
    from insightdesk.text.sentiment_cascade import load_sentiment

    df = sentiment_eval_sets(SHARED)
    texts = df["text"].tolist()
    vader, cascade = load_sentiment("vader"), load_sentiment("cascade")
    started = time.time()
    df["vader"] = vader.predict(texts)[0]
    p_linear = cascade.fast.probabilities(texts)
    p_transformer = cascade.slow.probabilities(texts)
    routed = cascade.routed(p_linear)
    p_cascade = np.where(routed[:, None], p_transformer, p_linear)
    for column, p in (("linear", p_linear), ("transformer", p_transformer), ("model", p_cascade)):
        df[column] = [LABELS[i] for i in p.argmax(axis=1)]
    df["routed"] = routed
    # The composition above is the cascade's own: checked on a slice, so the table shows the shipped model.
    assert df["model"].head(500).tolist() == cascade.predict(texts[:500])[0]
    df["detected"] = [g.language for g in detect_languages(texts)]
    log.info("scored %d texts in %.0f s", len(df), time.time() - started)
    out = ["### Sentiment: macro-F1 on held-out real data\n\n"]
    out.append(
        f"Default model: `{cascade.name}` (version {cascade.version}): the linear model "
        f"`{cascade.fast.name}` on every text, the fine-tuned transformer `{cascade.slow.name}` on the "
        f"texts whose linear confidence is under {cascade.threshold:.3f}. Baseline: VADER {vader.version} "
        f"(compound ±0.05). Trained on: {', '.join(cascade.fast.info.get('sources', []))} (train split "
        "only).\n\n"
    )
    out.append(
        "| dataset | language | n | VADER | linear | transformer | **cascade (default)** | Δ default − VADER "
        "| routed | flagged unsupported in production |\n|---|---|---|---|---|---|---|---|---|---|\n"
    )
    for (dataset, lang), g in df.groupby(["dataset", "language"], sort=True):
        v, lin, tr, m = (
            macro_f1(g["label"], g[c], LABELS) for c in ("vader", "linear", "transformer", "model")
        )
        flagged = (~g["detected"].isin(SUPPORTED_LANGUAGES | {"unknown"})).mean()
        out.append(
            f"| {dataset} | {lang} | {len(g):,} | {v} | {lin} | {tr} | {m} | {m.value - v.value:+.3f} "
            f"| {g['routed'].mean():.0%} | {flagged:.0%} |\n"
        )
    en = df[df["language"] == "en"]
    v, lin, tr, m = (
        macro_f1(en["label"], en[c], LABELS) for c in ("vader", "linear", "transformer", "model")
    )
    out.append(
        f"| **all English held-out** | en | {len(en):,} | {v} | {lin} | {tr} | **{m}** | {m.value - v.value:+.3f} "
        f"| {en['routed'].mean():.0%} | |\n"
    )
    y = en["label"].to_numpy()
    out.append("\nPaired bootstrap of the English difference against VADER (same texts, 1,000 resamples):\n")
    for column, title in (
        ("model", "cascade (default)"),
        ("transformer", "transformer alone"),
        ("linear", "linear alone"),
    ):
        d = _paired_delta(y, en["vader"].to_numpy(), en[column].to_numpy(), LABELS)
        out.append(f"- {title}: {d[0]:+.3f} [{d[1]:+.3f}, {d[2]:+.3f}]\n")
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


# -- themes ----------------------------------------------------------------------------------
def eval_themes(seeds: int = 3) -> str:
    from sklearn.metrics import adjusted_rand_score as ari
    from sklearn.metrics import normalized_mutual_info_score as nmi

    from insightdesk.text import themes as th
    from insightdesk.text.embed import load_embedder

    embedder = load_embedder()
    test = pd.read_csv(SHARED / "banking77" / "test.csv.gz")
    texts, gold = test["text"].tolist(), test["category"].to_numpy()
    vectors = embedder.encode(texts)
    results: dict[str, list[tuple[float, float, int, float, float]]] = {}

    def record(name: str, labels: np.ndarray, seconds: float) -> None:
        results.setdefault(name, []).append(
            (
                nmi(gold, labels),
                ari(gold, labels),
                len(set(labels.tolist()) - {-1}),
                float((labels < 0).mean()),
                seconds,
            )
        )

    for seed in range(seeds):
        t = time.time()
        record("ours: Ward, automatic number of themes", th.cluster(vectors, seed=seed), time.time() - t)
        t = time.time()
        record("ours: Ward cut at 77 themes", th.cluster(vectors, n_themes=77, seed=seed), time.time() - t)
        try:
            from bertopic import BERTopic
            from umap import UMAP

            t = time.time()
            model = BERTopic(
                embedding_model=None, umap_model=UMAP(n_neighbors=15, n_components=5, min_dist=0.0,
                                                       metric="cosine", random_state=seed)
            )  # fmt: skip
            topics, _ = model.fit_transform(texts, embeddings=vectors)
            record("BERTopic defaults (UMAP + HDBSCAN)", np.asarray(topics), time.time() - t)
            t = time.time()
            model = BERTopic(
                embedding_model=None, nr_topics=77, umap_model=UMAP(n_neighbors=15, n_components=5,
                                                                    min_dist=0.0, metric="cosine", random_state=seed)
            )  # fmt: skip
            topics, _ = model.fit_transform(texts, embeddings=vectors)
            record("BERTopic reduced to 77 topics", np.asarray(topics), time.time() - t)
        except ImportError as exc:
            log.warning("BERTopic not installed here (%s): run this step in the build venv", exc)
    out = [
        f"### Themes against banking77 intents (test split, n={len(texts):,}, 77 intents)\n\n"
        f"Same embeddings for every method: `{embedder.name}` ({embedder.version}). Mean over {seeds} seeds "
        "(min–max); noise texts (-1) count as one cluster, as sklearn's scores treat labels.\n\n"
        "| method | NMI | ARI | themes | unassigned | seconds |\n|---|---|---|---|---|---|\n"
    ]
    for name, rs in results.items():
        a = np.asarray(rs)
        out.append(
            f"| {name} | {a[:, 0].mean():.3f} ({a[:, 0].min():.3f}–{a[:, 0].max():.3f}) "
            f"| {a[:, 1].mean():.3f} ({a[:, 1].min():.3f}–{a[:, 1].max():.3f}) | {a[:, 2].mean():.0f} "
            f"| {a[:, 3].mean():.1%} | {a[:, 4].mean():.1f} |\n"
        )
    return "".join(out)


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
    parts = {"pii": eval_pii, "sentiment": eval_sentiment, "themes": eval_themes}
    text = "\n".join(parts[p]() for p in args.parts)
    print(text)
    if args.output:
        args.output.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
