"""False "other language" on English held-out texts, and the flagged share of other languages.

    .venv/bin/python scripts/eval_language.py [--low-accuracy] [--output FILE]

Texts: the held-out sets of docs/quality.md's sentiment table (`text_datasets.sentiment_eval_sets`:
VADER ground truth and clothing-review test splits, UMSAB, NPS verbatims, GermEval), redacted by the
production redactor and detected by `insightdesk.text.language.detect_languages`, the call
`TextPipeline.analyse` makes, so the figures are those of stored texts. Only the language step runs
(a minute instead of the full sentiment evaluation); the table has the same form as the one
`eval_text.py sentiment` prints. No setting of the detector was chosen on these sets: the fix that
moved every text to lingua's high-accuracy mode was found on the bundled sample's texts (CFPB,
BANKING77, IBM tweets), none of which is here. `--low-accuracy` measures the fast mode for comparison.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--low-accuracy", action="store_true", help="lingua's fast (trigram) mode")
    parser.add_argument("--output", type=Path, help="Also write the markdown here.")
    args = parser.parse_args(argv)
    if not SHARED.is_dir():
        parser.error(f"{SHARED} not found: the evaluation needs ../shared/data beside the repository")
    from eval_text import _language_table
    from text_datasets import sentiment_eval_sets

    from insightdesk.text.language import UNKNOWN, detect_languages
    from insightdesk.text.redact import Redactor
    from insightdesk.text.sentiment import SUPPORTED_LANGUAGES

    df = sentiment_eval_sets(SHARED)
    redacted = [r.text for r in Redactor().redact_many(df["text"].tolist())]
    detected = [g.language for g in detect_languages(redacted, low_accuracy=args.low_accuracy)]
    df["detected"] = detected
    # The sentiment step's rule (sentiment.score_texts): a language without a model is not scored.
    df["status"] = [
        "unsupported_language" if lang not in SUPPORTED_LANGUAGES and lang != UNKNOWN else "scored"
        for lang in detected
    ]
    text = _language_table(df)
    print(text)
    if args.output:
        args.output.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
