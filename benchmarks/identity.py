"""Identity resolution benchmark: quality on labelled public data beside Splink's own tutorial models,
and speed and peak memory on generated records.

    python benchmarks/identity.py quality            # FEBRL 3 (threshold), FEBRL 4, fake_1000, the sample
    python benchmarks/identity.py scale --records 100000 300000 1000000

Quality: pairwise precision, recall and F1 (a pair of records is a true positive when both the
clustering and the truth put it together; Wilson 95% intervals as a guide, pairs are not independent).
Our pipeline runs with its defaults (threshold 0.95) and with the threshold that maximises F1 on
FEBRL 3's labelled pairs, a different data set, so FEBRL 4 and fake_1000 stay held out. The baselines
are Splink run as its own documentation does on the same data: the FEBRL 4 example's "detailed"
model clustered at 0.99, and the README quickstart on fake_1000 clustered at 0.95.

Scale: `identity.fixtures.generate_people` records with known truth, the whole pure pipeline
(normalise, keys, Splink train and predict, cluster, golden records not included), each size in a
child process so its peak RSS is its own. Figures go to docs/identity.md.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = ROOT.parent / "shared" / "data"
OUT = HERE / "out"


def _score(clusters: pd.Series, truth: pd.Series) -> dict[str, Any]:
    from insightdesk.identity import pairwise_score

    return pairwise_score(clusters, truth).as_dict()


def _ours(records: pd.DataFrame, threshold: float) -> tuple[pd.Series, Any]:
    from insightdesk.identity import MatchSpec, prepare_records, resolve

    prepared = prepare_records(records)
    result = resolve(prepared, MatchSpec(threshold=threshold, review_low=min(0.5, threshold)))
    return result.links.set_index("record_id")["person_id"], result


# -- data sets --------------------------------------------------------------------------------------


def febrl(name: str) -> tuple[pd.DataFrame, pd.Series]:
    """A FEBRL file (or 4a + 4b) as a record frame, with the truth cluster (`rec-N`) of each record."""
    files = ["febrl4a", "febrl4b"] if name == "febrl4" else [name]
    raw = pd.concat(
        [
            pd.read_csv(DATA / "febrl_record_linkage" / f"{f}.csv.gz", dtype=str).assign(file=f[-1])
            for f in files
        ],
        ignore_index=True,
    )
    raw = raw.rename(columns=lambda c: c.strip())
    records = pd.DataFrame(
        {
            "record_id": raw["rec_id"].str.strip(),
            "source_system": raw["file"],
            "first_name": raw["given_name"],
            "surname": raw["surname"],
            "dob": raw["date_of_birth"],
            "street": raw["address_1"],
            "postcode": raw["postcode"],
            "city": raw["suburb"],
            "external_id": raw["soc_sec_id"],
        }
    )
    truth = records["record_id"].str.split("-").str[:2].str.join("-")
    return records, pd.Series(truth.values, index=records["record_id"])


def fake_1000() -> tuple[pd.DataFrame, pd.Series]:
    raw = pd.read_csv(DATA / "splink_fake_1000" / "fake_1000.csv", dtype=str)
    records = raw.rename(columns={"unique_id": "record_id"})[
        ["record_id", "first_name", "surname", "dob", "city", "email"]
    ]
    return records, pd.Series(raw["cluster"].values, index=raw["unique_id"])


# -- Splink's own tutorial models --------------------------------------------------------------------


def splink_febrl4_detailed(records: pd.DataFrame) -> pd.Series:
    """docs/demos/examples/duckdb/febrl4: the detailed model, clusters at 0.99."""
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    raw = records.rename(
        columns={
            "record_id": "rec_id",
            "first_name": "given_name",
            "dob": "date_of_birth",
            "street": "address_1",
            "external_id": "soc_sec_id",
            "city": "suburb",
        }
    )
    raw = raw.assign(street_number=None)
    numbers = {}
    for f in ("febrl4a", "febrl4b"):
        frame = pd.read_csv(DATA / "febrl_record_linkage" / f"{f}.csv.gz", dtype=str).rename(
            columns=lambda c: c.strip()
        )
        numbers.update(
            dict(zip(frame["rec_id"].str.strip(), frame["street_number"].str.strip(), strict=True))
        )
    raw["street_number"] = raw["rec_id"].map(numbers)
    raw["state"] = None
    blocking_rules = [
        block_on("given_name", "surname"),
        "l.given_name = r.surname and l.surname = r.given_name",
        block_on("date_of_birth"),
        block_on("soc_sec_id"),
        block_on("state", "address_1"),
        block_on("street_number", "address_1"),
        block_on("postcode"),
    ]
    settings = SettingsCreator(
        unique_id_column_name="rec_id",
        link_type="link_only",
        blocking_rules_to_generate_predictions=blocking_rules,
        comparisons=[
            cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison(
                "date_of_birth", input_is_string=True, datetime_format="%Y%m%d", invalid_dates_as_null=True
            ),
            cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1, 2]),
            cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
            cl.DamerauLevenshteinAtThresholds("postcode", [1, 2]).configure(term_frequency_adjustments=True),
        ],
        retain_intermediate_calculation_columns=True,
    )
    db_api = DuckDBAPI()
    columns = [
        "rec_id",
        "given_name",
        "surname",
        "date_of_birth",
        "soc_sec_id",
        "street_number",
        "postcode",
        "address_1",
        "state",
    ]
    frames = [
        db_api.register(raw.loc[raw["source_system"] == f, columns].reset_index(drop=True)) for f in "ab"
    ]
    linker = Linker(frames, settings, log_level=logging.WARNING)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("soc_sec_id"), block_on("given_name", "surname", "date_of_birth")], recall=0.8
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("date_of_birth"), estimate_without_term_frequencies=True
    )
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("postcode"), estimate_without_term_frequencies=True
    )
    predictions = linker.inference.predict(threshold_match_probability=0.2)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, 0.99
    ).as_pandas_dataframe()
    return pd.Series(clusters["cluster_id"].values, index=clusters["rec_id"])


def splink_readme_fake_1000(records: pd.DataFrame) -> pd.Series:
    """Splink's README quickstart on fake_1000, clusters at 0.95."""
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    db_api = DuckDBAPI()
    frame = records.rename(columns={"record_id": "unique_id"})
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.NameComparison("first_name"),
            cl.JaroAtThresholds("surname"),
            cl.DateOfBirthComparison("dob", input_is_string=True),
            cl.ExactMatch("city").configure(term_frequency_adjustments=True),
            cl.EmailComparison("email"),
        ],
        blocking_rules_to_generate_predictions=[block_on("first_name", "dob"), block_on("surname")],
    )
    linker = Linker(db_api.register(frame), settings, log_level=logging.WARNING)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("first_name", "surname")], recall=0.7
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("first_name", "surname"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("email"))
    predictions = linker.inference.predict(threshold_match_weight=-5)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, 0.95
    ).as_pandas_dataframe()
    return pd.Series(clusters["cluster_id"].values, index=clusters["unique_id"].astype(str))


# -- the bundled sample's customers --------------------------------------------------------------


def sample_customers() -> tuple[pd.DataFrame, pd.Series]:
    """The quickstart's customers (name, email, phone, organisation) and their true person
    (provenance: the fake_1000 cluster, else the record itself)."""
    from insightdesk.sample import sample_dir, sample_file

    customers = pd.read_csv(sample_file("customers"), dtype=str)
    provenance = pd.read_csv(sample_dir() / "provenance.csv.gz", dtype=str)
    provenance = provenance.loc[provenance["kind"] == "customers"]
    cluster = provenance["source_key"].str.extract(r"cluster=(\d+)")[0]
    truth = pd.Series(
        ("splink:" + cluster).where(cluster.notna(), provenance["id"]).values, index=provenance["id"]
    )
    records = customers.rename(columns={"id": "record_id"})[
        ["record_id", "name", "email", "phone", "country", "organisation_id"]
    ]
    return records, truth.reindex(records["record_id"]).fillna(
        records.set_index("record_id").index.to_series()
    )


# -- runs -----------------------------------------------------------------------------------------------


def _threshold_from_febrl3() -> dict[str, Any]:
    """The F1-best threshold on FEBRL 3's labelled pairs (its scored candidate pairs)."""
    from insightdesk.identity import best_threshold

    records, truth = febrl("febrl3")
    scored = _scored_pairs(records)
    labels = (scored["record_id_l"].map(truth) == scored["record_id_r"].map(truth)).astype(int)
    chosen = best_threshold(scored["match_probability"], labels, minimum=20)
    return {
        "data": "febrl3",
        "labelled_pairs": len(scored),
        "true_pairs_among_them": int(labels.sum()),
        "threshold": chosen,
    }


def _scored_pairs(records: pd.DataFrame) -> pd.DataFrame:
    from insightdesk.identity import MatchSpec, prepare_records
    from insightdesk.identity.pipeline import quiet_splink
    from insightdesk.identity.prepare import present_fields
    from insightdesk.identity.splink_model import train_and_predict

    prepared = prepare_records(records)
    with quiet_splink():
        pairs, _ = train_and_predict(prepared, present_fields(prepared), MatchSpec(), floor=0.0)
    return pairs


def quality() -> dict[str, Any]:
    report: dict[str, Any] = {"machine": _machine()}
    tuned = _threshold_from_febrl3()
    report["threshold_from_labels"] = tuned
    threshold = tuned["threshold"] or 0.95
    print("threshold", json.dumps(tuned), flush=True)
    for name, load, baseline in (
        ("febrl4", lambda: febrl("febrl4"), splink_febrl4_detailed),
        ("fake_1000", fake_1000, splink_readme_fake_1000),
    ):
        records, truth = load()
        started = time.perf_counter()
        ours_default, _ = _ours(records, 0.95)
        seconds = time.perf_counter() - started
        ours_tuned, _ = _ours(records, threshold)
        base = baseline(records)
        base = base.reindex(truth.index).fillna(
            pd.Series(truth.index, index=truth.index).map(lambda r: f"single:{r}")
        )
        report[name] = {
            "records": len(records),
            "ours_default_0.95": _score(ours_default, truth),
            f"ours_threshold_{threshold:.3f}_from_febrl3": _score(ours_tuned, truth),
            "splink_tutorial_baseline": _score(base, truth),
            "ours_seconds": round(seconds, 1),
        }
        print(name, json.dumps(report[name], indent=1), flush=True)
    records, truth = sample_customers()
    ours, _ = _ours(records, 0.95)
    report["sample_customers"] = {"records": len(records), "ours_default_0.95": _score(ours, truth)}
    print("sample", json.dumps(report["sample_customers"]), flush=True)
    return report


def _machine() -> dict[str, Any]:
    return {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()}


def _cpu_seconds() -> float:
    """CPU time of this process, every thread (DuckDB's) included: on a shared machine the wall
    clock says more about the neighbours than about the work."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def scale_one(records: int) -> dict[str, Any]:
    from insightdesk.identity import MatchSpec, pairwise_score, prepare_records, resolve
    from insightdesk.identity.fixtures import generate_people

    load = os.getloadavg()[0]
    started = time.perf_counter()
    frame = generate_people(records, seed=7)
    generated = time.perf_counter()
    cpu_before = _cpu_seconds()
    prepared = prepare_records(frame.drop(columns="person"))
    result = resolve(prepared, MatchSpec())
    done = time.perf_counter()
    cpu = _cpu_seconds() - cpu_before
    score = pairwise_score(
        result.links.set_index("record_id")["person_id"], frame.set_index("record_id")["person"]
    )
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "records": records,
        "generate_seconds": round(generated - started, 1),
        "link_seconds": round(done - generated, 1),
        "link_cpu_seconds": round(cpu, 1),
        "load_average_at_start": round(load, 1),
        "peak_rss_mb": round(peak_kb / 1024),
        "scored_pairs": result.summary["scored_pairs"],
        "blocking_rules": result.summary["blocking_rules"],
        "score": score.as_dict(),
    }


def scale(sizes: list[int], timeout: int) -> list[dict[str, Any]]:
    rows = []
    for size in sizes:
        try:
            out = subprocess.run(
                [sys.executable, __file__, "scale-one", str(size)],
                capture_output=True,
                text=True,
                timeout=timeout,
                check=True,
            )
            row = json.loads(out.stdout.strip().splitlines()[-1])
        except subprocess.TimeoutExpired:
            row = {"records": size, "error": f"did not finish within {timeout} s"}
        except subprocess.CalledProcessError as exc:
            row = {"records": size, "error": exc.stderr.strip().splitlines()[-1] if exc.stderr else "failed"}
        print(json.dumps(row), flush=True)
        rows.append(row)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("quality")
    scale_parser = sub.add_parser("scale")
    scale_parser.add_argument("--records", type=int, nargs="+", default=[100_000, 300_000, 1_000_000])
    scale_parser.add_argument("--timeout", type=int, default=1800)
    one = sub.add_parser("scale-one")
    one.add_argument("records", type=int)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    OUT.mkdir(exist_ok=True)
    if args.command == "scale-one":
        print(json.dumps(scale_one(args.records)))
        return
    result: Any = (
        quality()
        if args.command == "quality"
        else {"machine": _machine(), "runs": scale(args.records, args.timeout)}
    )
    (OUT / f"identity-{args.command}.json").write_text(
        json.dumps(result, indent=2, default=str), encoding="utf-8"
    )


if __name__ == "__main__":
    main()
