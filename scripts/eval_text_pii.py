"""PII: the hand-annotated gold set, the earlier hand-labelled sample, and synthetic values in
real texts. Imported by scripts/eval_text.py (`pii`).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
from eval_text_pii_gold import eval_gold

from insightdesk.text.evaluation import span_scores, wilson

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"


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
            # Aircraft registrations (US N-numbers, UK G- marks) and space-grouped dates.
            f"Flight delayed again, aircraft N{rng.integers(100, 999)}{''.join(rng.choice(list('ABCDEFGHJKLMNPRSTUWXYZ'), 2))} "
            "had a fault.",
            f"We sat on G-{''.join(rng.choice(list('ABCDEFGHIJKLMNOPQRSTUVWXYZ'), 4))} for two hours.",
            f"Since {rng.integers(1, 28):02d} {rng.integers(1, 12):02d} {rng.integers(2015, 2024)} nothing works.",
            f"Booking ref {rng.integers(1_000_000_000, 9_999_999_999)} was cancelled.",
        ]
    return rows, negatives


def eval_pii() -> str:
    from insightdesk.text.redact import ENTITY_TYPES, Redactor

    redactor = Redactor()
    gold = json.loads((Path(__file__).with_name("eval_data") / "pii_gold.json").read_text())
    texts = _pii_texts()
    out = [eval_gold(), "\n### PII: the earlier hand-labelled sample (annotated before the rule changes)\n"]
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
        f"\nLook-alikes (16-digit order numbers, dotted version numbers, error codes, ticket numbers, aircraft "
        "registrations, space-grouped dates, booking references): "
        f"{flagged} of {len(negatives)} flagged as PII.\n"
    )
    return "".join(out)
