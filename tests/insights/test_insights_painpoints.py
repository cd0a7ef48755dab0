"""Pain points: backend sums, a stored ranking, and a generated desk with planted effects (the
scoring model is in test_insights_painpoint_scoring.py, the backlog and CLI in
test_insights_painpoint_backlog.py).

The hand-built desk (`_desk`) is small enough that every sum below is worked out by hand in the
comments; the scoring tests feed made-up sums to the pure function and check it against
independent statsmodels / scipy computations; one test ranks a generated desk with planted effects.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import pytest
import sqlalchemy as sa

from insightdesk.insights.painpoints import (
    PainpointDataError,
    PainpointNotFound,
    backlog_frame,
    backlog_history,
    get_painpoint,
    list_painpoints,
    list_runs,
    rank_painpoints,
)
from insightdesk.insights.painpoints.codes import Codes
from insightdesk.insights.painpoints.data import aggregate_painpoints
from insightdesk.insights.painpoints.window import resolve_window
from insightdesk.store import Store
from tests.insights.painpoint_desk import (
    TINY,
    WINDOW,
    group_of,
    hand_desk,
)

# ---- backend sums ------------------------------------------------------------------------------------


def test_sums_per_painpoint_match_the_hand_count(store: Store) -> None:
    hand_desk(store)
    data = aggregate_painpoints(store, WINDOW)
    d = data.desk
    # Window: K1-K8 (K9 before it, K10 cancelled); K3, K4, K6, K7 from 01-15 on.
    assert (d["tickets"], d["tickets_recent"]) == (8, 4)
    assert (d["csat_n"], d["csat_sat"]) == (7, 4)
    assert (d["nps_n"], d["nps_prom"], d["cnps_n"], d["cnps_prom"], d["cnps_det"]) == (1, 1, 2, 1, 1)
    # Resolved: all but K4. FCR: K1, K5, K7, K8 (K2 reassigned, K3 two agent replies, K6 reopened).
    assert (d["resolved"], d["fcr_hit"], d["esc_hit"]) == (7, 4, 0)
    # Repeats need a customer and a category: K1 (K9 six days before) and K2 (K1 three days before).
    assert (d["repeat_n"], d["repeat_hit"]) == (7, 2)
    assert (d["res_n"], d["res_sum"], d["res_sq"]) == (7, pytest.approx(49), pytest.approx(737))
    # C1-C5; lifetime value of C5 unknown.
    assert (d["customers"], d["ltv_known"], d["ltv_sum"]) == (5, 4, pytest.approx(3500))

    billing = group_of(data, "category:Billing")
    assert billing["kind"] == "category" and billing["label"] == "Billing"
    assert (billing["tickets"], billing["tickets_recent"]) == (4, 2)
    assert (billing["csat_n"], billing["csat_sat"], billing["ces_n"], billing["ces_sum"]) == (3, 1, 1, 2)
    assert (billing["resolved"], billing["fcr_hit"], billing["repeat_n"], billing["repeat_hit"]) == (
        3,
        1,
        4,
        2,
    )
    assert (billing["res_n"], billing["res_sum"], billing["res_sq"]) == (3, 38, 692)
    # Sentiment of customer texts that are not survey comments: K1 -0.8, K2 -0.6, K3 mean(0.2, -0.4).
    assert (billing["sent_n"], billing["sent_sum"]) == (3, pytest.approx(-1.5))
    # Value at risk: C1 answered 3 (two low CSAT, one NPS detractor): share 1 -> 1000; C2 answered
    # 2, none unhappy -> 0; C3 answered nothing -> 100 of unanswered value.
    assert (billing["customers"], billing["ltv_sum"]) == (3, pytest.approx(1500))
    assert (billing["var_answered"], billing["ltv_unanswered"]) == (pytest.approx(1000), pytest.approx(100))
    assert (billing["dis_n"], billing["ans_n"]) == (3, 5)
    assert (billing["nps_n"], billing["nps_prom"], billing["cnps_n"], billing["cnps_det"]) == (1, 1, 1, 1)

    login = group_of(data, "category:Login")
    assert (login["tickets"], login["customers"], login["ltv_known"]) == (3, 2, 1)
    assert (login["var_answered"], login["ltv_unanswered"], login["dis_n"], login["ans_n"]) == (0, 0, 1, 4)

    # Theme T1: K1, K2 (merged T2), K3 (a customer message), K8; not K4 (survey comment only).
    t1 = group_of(data, "theme:T1")
    assert (t1["tickets"], t1["label"], t1["sent_n"], t1["sent_sum"]) == (
        4,
        "double charge",
        4,
        pytest.approx(-1.5),
    )
    # T4: K5 and K6; the agent's message does not put K7 in it. T2 and T3 are no pain points.
    assert group_of(data, "theme:T4")["tickets"] == 2
    assert not data.groups.painpoint_key.isin(["theme:T2", "theme:T3"]).any()
    cross = group_of(data, "theme:T1|category:Billing")
    assert (cross["kind"], cross["tickets"], cross["label"]) == (
        "theme_x_category",
        3,
        "double charge / Billing",
    )
    assert len(data.groups) == 6  # 2 categories, 2 themes, 2 crosses

    weekly = data.weekly[data.weekly.painpoint_key == "category:Billing"].sort_values("week")
    # Every ISO week the window touches, empty ones included (2025-12-29 .. 2026-01-26).
    assert list(zip(weekly.week.dt.strftime("%Y-%m-%d"), weekly.tickets, strict=True)) == [
        ("2025-12-29", 0),
        ("2026-01-05", 2),
        ("2026-01-12", 1),
        ("2026-01-19", 1),
        ("2026-01-26", 0),
    ]
    tiers = data.tiers[data.tiers.painpoint_key == "category:Billing"]
    assert dict(zip(tiers.tier, tiers.n, strict=True)) == {"gold": 1, "silver": 1, "bronze": 1}


def test_survey_comments_count_when_configured(store: Store) -> None:
    hand_desk(store)
    data = aggregate_painpoints(
        store, WINDOW, entities=("tickets", "interactions", "feedback"), kinds=("theme",)
    )
    assert group_of(data, "theme:T1")["tickets"] == 5  # K4 joins through its survey comment
    assert set(data.groups.kind) == {"theme"}


def test_window_defaults_to_the_last_days_of_data(store: Store) -> None:
    hand_desk(store)
    w = resolve_window(store.ibis(), days=28)
    # Newest ticket 2026-01-22 10:00: the window ends at the next midnight.
    assert (w.since, w.until) == (dt.datetime(2025, 12, 26), dt.datetime(2026, 1, 23))
    assert resolve_window(store.ibis(), since="2026-01-01", until="2026-01-29") == WINDOW
    with pytest.raises(PainpointDataError, match="must be before"):
        resolve_window(store.ibis(), since="2026-02-01", until="2026-01-01")
    with pytest.raises(PainpointDataError, match=r"no tickets created in 2027-01-01 \.\. 2027-02-01"):
        rank_painpoints(store, since="2027-01-01", until="2027-02-01")


def test_painpoint_codes_round_trip() -> None:
    codes = Codes(["A", "B"], ["T1", "T2", "T3"])
    keys = ["category:A", "category:B", "theme:T1", "theme:T3"]
    keys += [f"theme:{t}|category:{c}" for t in ("T1", "T2", "T3") for c in ("A", "B")]
    found = codes.codes_of(keys)
    # 1-2 categories, 3-5 themes (T2 = 4 was not asked), 6-11 the crosses.
    assert sorted(found) == [1, 2, 3, 5, 6, 7, 8, 9, 10, 11]
    assert [codes.key(c)[0] for c in found] == keys
    assert codes.key(0)[0] == "__window__"
    assert codes.key(codes.codes_of(["theme:T2|category:B"])[0])[1:] == ("theme_x_category", "T2", "B")
    assert codes.codes_of(["theme:T9", "category:Z", "nonsense"]) == []
    odd = Codes(["Billing | refunds: EU"], ["T1"])
    for key in ("category:Billing | refunds: EU", "theme:T1|category:Billing | refunds: EU"):
        assert odd.key(odd.codes_of([key])[0])[0] == key


def test_an_empty_store_says_what_to_do(store: Store) -> None:
    with pytest.raises(PainpointDataError, match="no tickets"):
        rank_painpoints(store)


# ---- a stored ranking ---------------------------------------------------------------------------------


def test_ranking_is_stored_with_its_run_and_explanations(store: Store) -> None:
    hand_desk(store)
    ranking = rank_painpoints(store, TINY, since="2026-01-01", until="2026-01-29", started_by="cli")
    frame = ranking.frame
    # The T4 cross is exactly theme T4: left out; five remain.
    assert set(frame.painpoint_key) == {
        "category:Billing",
        "category:Login",
        "theme:T1",
        "theme:T4",
        "theme:T1|category:Billing",
    }
    assert list(frame["rank"]) == [1, 2, 3, 4, 5]
    assert frame.score.is_monotonic_decreasing
    stored = list_painpoints(store)
    assert list(stored.painpoint_key) == list(frame.painpoint_key)
    assert stored.run_id.unique().tolist() == [ranking.run_id]
    billing = stored.set_index("painpoint_key").loc["category:Billing"]
    assert billing.tickets == 4 and billing.customers == 3 and billing.status == "new"
    assert billing.metrics["value"]["value_at_risk"] == pytest.approx(1000 + 0.6 * 100)
    assert billing.metrics["weekly"] == [
        ["2025-12-29", 0],
        ["2026-01-05", 2],
        ["2026-01-12", 1],
        ["2026-01-19", 1],
        ["2026-01-26", 0],
    ]
    assert billing.metrics["customers"]["tiers"] == {"bronze": 1, "gold": 1, "silver": 1}
    assert billing.explanation and all("text" in e for e in billing.explanation)
    runs = list_runs(store)
    assert runs.run_id[0] == ranking.run_id
    assert runs.params[0]["window"]["since"] == "2026-01-01T00:00:00"
    assert runs.params[0]["config"]["min_n"] == 2
    assert runs.summary[0]["painpoints"] == 5 and runs.summary[0]["redundant_crosses_left_out"] == 1

    shown = get_painpoint(store, "theme:T1")
    assert shown["label"] == "double charge" and shown["backlog"]["status"] == "new"
    assert [h["new_value"] for h in shown["history"]] == ["new"]
    with pytest.raises(PainpointNotFound, match="did you mean theme:T1"):
        get_painpoint(store, "T1")


def test_backlog_entries_are_created_once(store: Store) -> None:
    hand_desk(store)
    top2 = rank_painpoints(store, TINY.with_(backlog_top=2), since="2026-01-01", until="2026-01-29").frame
    first = backlog_frame(store)
    expected = set(top2.painpoint_key[top2["rank"] <= 2]) | set(top2.painpoint_key[top2.critical])
    assert set(first.painpoint_key) == expected and set(first.status) == {"new"}
    ranking = rank_painpoints(store, TINY, since="2026-01-01", until="2026-01-29")
    assert sorted(ranking.added_to_backlog) == sorted(set(ranking.frame.painpoint_key) - expected)
    assert len(backlog_frame(store)) == 5
    for key in first.painpoint_key:
        history = backlog_history(store, key)
        assert list(history.field) == ["status"] and list(history.actor) == ["cli"]


# ---- a generated desk with planted effects -------------------------------------------------------------


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory, generated_desk: Any) -> Any:
    """3,000 tickets over 3 months (the planted spike week falls in the window's recent half), texts analysed."""
    from insightdesk.ingest import ingest_file
    from insightdesk.sample.generic import GENERIC_KINDS
    from insightdesk.store import open_store
    from insightdesk.text.pipeline_store import analyze_store
    from insightdesk.text.theme_store import discover_store_themes

    root = tmp_path_factory.mktemp("painpoints")
    desk = generated_desk(tickets=3000, seed=7, start="2025-01-01", months=3, interactions=False)
    store = open_store(root / "store.duckdb")
    for kind in GENERIC_KINDS:
        if kind in desk.files:
            ingest_file(store, desk.files[kind], kind, profile="generic")
    analyze_store(store, entities=["tickets"])
    discover_store_themes(store)
    yield store, desk
    store.close()


def test_planted_double_charge_spike_comes_out(generated: Any) -> None:
    store, desk = generated
    spike = next(e for e in desk.planted_effects["effects"] if e["name"] == "theme_spike")
    ranking = rank_painpoints(store)
    frame = ranking.frame
    assert (
        ranking.window.since
        <= dt.datetime.strptime(spike["iso_week"] + "-1", "%G-W%V-%u")
        < ranking.window.until
    )
    # Billing holds the Double charge tickets: among the top 3 of the whole ranking.
    billing = frame.set_index("painpoint_key").loc["category:Billing"]
    assert billing["rank"] <= 3, frame[["rank", "painpoint_key", "score"]].head(5)
    # The themes whose tickets are mostly Double charge are the fastest-growing pain points.
    share = store.query_df(
        "SELECT a.theme_id, avg(CASE WHEN t.subcategory = :sub THEN 1.0 ELSE 0.0 END) AS share "
        "FROM (SELECT DISTINCT ticket_id, theme_id FROM text_analyses WHERE theme_id IS NOT NULL "
        "AND entity = 'tickets') a JOIN tickets t ON t.id = a.ticket_id GROUP BY a.theme_id",
        {"sub": spike["subcategory"]},
    ).set_index("theme_id")["share"]
    frame["trend_magnitude"] = [m["components"]["trend"]["magnitude"] or 0.0 for m in frame.metrics]
    # Near-duplicate themes are merged (text.themes), so the spike may sit in one theme or several:
    # the fastest-growing theme is the Double charge one.
    themes = frame[frame.theme_id.notna()]
    fastest = themes.sort_values("trend_magnitude", ascending=False).head(3)
    double = [k for k in fastest.theme_id if isinstance(k, str) and share.get(k, 0) > 0.5]
    assert double and double[0] == fastest.theme_id.iloc[0], fastest[
        ["painpoint_key", "label", "trend_magnitude"]
    ]
    assert fastest.trend_magnitude.iloc[0] > 0
    top = fastest.iloc[0]
    assert any(e["component"] == "trend" for e in top["explanation"])


def test_ranking_fetches_only_aggregates(generated: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """No ticket- or customer-level rows reach pandas: every fetched result is keyed by pain point."""
    import ibis.expr.types as ir

    store, _ = generated
    fetched: list[pd.DataFrame] = []
    original = ir.Table.execute

    def spy(self: Any, *args: Any, **kwargs: Any) -> Any:
        result = original(self, *args, **kwargs)
        fetched.append(result)
        return result

    monkeypatch.setattr(ir.Table, "execute", spy)
    rank_painpoints(store)
    assert len(fetched) >= 4
    for frame in fetched:
        assert not {"ticket_id", "customer_id", "id"} & set(frame.columns), list(frame.columns)
    # Keyed by pain-point code (0 = the whole window): sums with weekly counts, customer sums, tiers.
    aggregates = [f for f in fetched if "pp" in f.columns]
    assert len(aggregates) == 3
    codes = aggregates[0].pp
    assert codes.is_unique and 0 in set(codes)
    with store.engine.connect() as conn:
        temp = conn.execute(
            sa.text("SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE '_pp_%'")
        ).scalar()
    assert temp == 0  # temporary tables are dropped
