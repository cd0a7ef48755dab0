"""Loaders for the real labelled data in ../shared/data used to train and evaluate text models.

Licences decide the use (see ../shared/data/README.md):
- train and evaluate: vader_sentiment_groundtruth (MIT), womens_ecommerce_clothing_reviews (CC0),
  banking77 (CC BY 4.0);
- evaluate only: umsab (research use), germeval2017 (CC BY-NC), nps_verbatims (GPL package data),
  twcs sample (CC BY-NC-SA).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from insightdesk.text.evaluation import split_of

TRAINABLE = ("vader_gt", "womens_reviews")
# VADER ground truth is a mean of ~20 raters on -4..+4; |mean| <= 0.5 is "neither" (neutral).
VADER_NEUTRAL_BAND = 0.5
UMSAB_LANGS = {
    "english": "en", "german": "de", "french": "fr", "spanish": "es",
    "italian": "it", "portuguese": "pt", "arabic": "ar", "hindi": "hi",
}  # fmt: skip


def _rating_label(rating: int) -> str:
    return "negative" if rating <= 2 else "neutral" if rating == 3 else "positive"


def vader_groundtruth(shared: Path) -> pd.DataFrame:
    df = pd.read_csv(shared / "vader_sentiment_groundtruth" / "vader_groundtruth.csv.gz")
    s = df["mean_sentiment"]
    label = pd.Series("neutral", index=df.index)
    label[s > VADER_NEUTRAL_BAND] = "positive"
    label[s < -VADER_NEUTRAL_BAND] = "negative"
    return pd.DataFrame(
        {
            "text": df["text"].astype(str),
            "label": label,
            "dataset": "vader_gt/"
            + df["source"].str.replace("ReviewSnippets", "").str.replace("EditorialSnippets", ""),
            "language": "en",
        }
    ).assign(split=lambda d: d["text"].map(split_of))


def womens_reviews(shared: Path) -> pd.DataFrame:
    df = pd.read_csv(shared / "womens_ecommerce_clothing_reviews" / "reviews.csv.gz")
    df = df.dropna(subset=["Review Text"])
    return pd.DataFrame(
        {
            "text": df["Review Text"].astype(str),
            "label": df["Rating"].astype(int).map(_rating_label),
            "dataset": "womens_reviews",
            "language": "en",
        }
    ).assign(split=lambda d: d["text"].map(split_of))


def umsab(shared: Path) -> pd.DataFrame:
    df = pd.read_csv(shared / "umsab_multilingual_tweet_sentiment" / "umsab.csv.gz")
    df = df[df["split"] == "test"]
    return pd.DataFrame(
        {
            "text": df["text"].astype(str),
            "label": df["label"].map({0: "negative", 1: "neutral", 2: "positive"}),
            "dataset": "umsab",
            "language": df["language"].map(UMSAB_LANGS),
            "split": "test",
        }
    )


def nps_verbatims(shared: Path) -> pd.DataFrame:
    df = pd.read_csv(shared / "nps_verbatims_telecom_2018" / "nps_verbatims.csv.gz").dropna(subset=["text"])
    return pd.DataFrame(
        {
            "text": df["text"].astype(str),
            # Weak labels: the NPS group of the score the respondent gave with the comment.
            "label": df["NPS_RATING"].map(
                {"Detractor": "negative", "Passive": "neutral", "Promoter": "positive"}
            ),
            "dataset": "nps_verbatims",
            "language": "en",
            "split": "test",
        }
    )


def germeval(shared: Path) -> pd.DataFrame:
    df = pd.read_csv(shared / "germeval2017_deutsche_bahn_feedback" / "test.csv.gz")
    return pd.DataFrame(
        {
            "text": df["text"].astype(str),
            "label": df["sentiment"],
            "dataset": "germeval2017",
            "language": "de",
            "split": "test",
        }
    )


def sentiment_eval_sets(shared: Path) -> pd.DataFrame:
    """Every held-out labelled text: test splits of the trainable sets, all of the eval-only ones."""
    trainable = pd.concat([vader_groundtruth(shared), womens_reviews(shared)])
    held_out = trainable[trainable["split"] == "test"]
    out = pd.concat([held_out, umsab(shared), nps_verbatims(shared), germeval(shared)], ignore_index=True)
    return out.dropna(subset=["text", "label"]).reset_index(drop=True)


def sentiment_training_data(shared: Path) -> tuple[list[str], list[str], list[str]]:
    """(texts, labels, sources) from the train splits of permissively licensed sets only."""
    vg = vader_groundtruth(shared)
    wr = womens_reviews(shared)
    train = pd.concat([vg[vg["split"] == "train"], wr[wr["split"] == "train"]], ignore_index=True)
    assert set(train["dataset"].str.split("/").str[0]) <= set(TRAINABLE)
    return train["text"].tolist(), train["label"].tolist(), train["dataset"].tolist()


def is_validation(text: str) -> bool:
    """The validation part (20%) of the train split, by a hash of the text: it picks a model's
    settings (the transformer's epoch and its gate) and is never scored as held-out data."""
    return split_of("validation:" + text) == "test"


def banking77(shared: Path, split: str = "test") -> pd.DataFrame:
    return pd.read_csv(shared / "banking77" / f"{split}.csv.gz")
