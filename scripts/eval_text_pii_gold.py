"""PII precision and recall on the hand-annotated gold set (scripts/eval_data/pii_gold/gold.jsonl).

Imported by scripts/eval_text.py (`pii`). The gold set, its sources and licences, and the
annotation guide are in scripts/eval_data/pii_gold/ (GUIDE.md).
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pandas as pd

from insightdesk.text.evaluation import span_scores, wilson

GOLD = Path(__file__).with_name("eval_data") / "pii_gold" / "gold.jsonl"
SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
TYPES = ("PERSON", "USER", "EMAIL", "PHONE", "ADDRESS", "CARD", "IBAN", "IP")


def load_gold(path: Path = GOLD) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def ibm_organisation():
    """The evaluation's configured organisation: the 25 brands' support accounts of the IBM set,
    i.e. the accounts that answer as agents there (what a desk would list as its own)."""
    from insightdesk.text.organisations import Organisation

    flat = pd.read_csv(SHARED / "twitter_customer_care_ibm" / "messages_flat.csv.gz")
    agents = flat.loc[flat["role"] != "customer", "author"].dropna().unique().tolist()
    return Organisation().with_accounts(agents)


def _fmt(successes: int, n: int) -> str:
    if n == 0:
        return "n/a"
    lo, hi = wilson(successes, n)
    return f"{successes / n:.3f} [{lo:.2f}, {hi:.2f}]"


def score(rows: list[dict], redactor_for) -> dict[str, object]:
    gold, pred = [], []
    for row in rows:
        gold.append([(e["start"], e["end"], e["type"]) for e in row["entities"]])
        pred.append([(s.start, s.end, s.type) for s in redactor_for(row).find(row["text"])])
    return span_scores(gold, pred)


def eval_gold() -> str:
    from insightdesk.text.redact import Redactor

    rows = load_gold()
    with_org = Redactor(organisation=ibm_organisation())
    plain = Redactor()

    def redactor_for(row: dict) -> Redactor:
        return with_org if row["source"] == "twitter_customer_care_ibm" else plain

    by_source: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        by_source[row["source"]].append(row)
    out = [
        f"### PII: hand-annotated gold set ({len(rows)} texts, {len(by_source)} sources)\n\n",
        "Sources: " + ", ".join(f"{k} {len(v)}" for k, v in sorted(by_source.items())) + ". Annotation "
        "guide: `scripts/eval_data/pii_gold/GUIDE.md`. Scored on the original text through "
        "`Redactor.find` (what `redact` replaces); a prediction counts when it overlaps a gold span of "
        "its type. IBM tweets are redacted with the brands' support accounts configured as the "
        "organisation's own; the other sources with no organisation list. Intervals: Wilson 95%.\n\n",
        "| type | gold | predicted | precision [95% CI] | recall [95% CI] |\n|---|---|---|---|---|\n",
    ]
    total = score(rows, redactor_for)
    for kind in TYPES:
        s = total.get(kind)
        if s is None:
            out.append(f"| {kind} | 0 | 0 | n/a | n/a |\n")
            continue
        out.append(
            f"| {kind} | {s.tp + s.fn} | {s.tp + s.fp} | {_fmt(s.tp, s.tp + s.fp)} | {_fmt(s.tp, s.tp + s.fn)} |\n"
        )
    out.append(
        "\nPer source (PERSON and USER):\n\n| source | type | gold | predicted | precision | recall |\n"
    )
    out.append("|---|---|---|---|---|---|\n")
    for source, part in sorted(by_source.items()):
        scores = score(part, redactor_for)
        for kind in ("PERSON", "USER"):
            s = scores.get(kind)
            if s is not None:
                out.append(
                    f"| {source} | {kind} | {s.tp + s.fn} | {s.tp + s.fp} | {_fmt(s.tp, s.tp + s.fp)} "
                    f"| {_fmt(s.tp, s.tp + s.fn)} |\n"
                )
    return "".join(out)
