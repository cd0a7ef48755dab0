"""Intervals, tests and adjustments against independent references (statsmodels, scipy)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from scipy import stats as st
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint, proportions_ztest
from statsmodels.stats.rates import confint_poisson
from statsmodels.stats.weightstats import DescrStatsW

from insightdesk.metrics import stats
from insightdesk.metrics.calendar import BusinessCalendar, business_seconds_between, calendar_table

RNG = np.random.default_rng(7)


@pytest.mark.parametrize(("k", "n"), [(0, 5), (3, 5), (5, 5), (17, 40), (480, 1000), (1, 3)])
def test_wilson_matches_statsmodels(k, n):
    low, high = stats.wilson([k], [n])
    ref = proportion_confint(k, n, alpha=0.05, method="wilson")
    assert (low[0], high[0]) == pytest.approx(ref, abs=1e-12)


def test_wilson_other_confidence():
    low, high = stats.wilson([30], [50], confidence=0.9)
    assert (low[0], high[0]) == pytest.approx(proportion_confint(30, 50, alpha=0.1, method="wilson"))


@pytest.mark.parametrize(
    ("p", "d", "n"), [(2, 2, 5), (40, 25, 100), (0, 0, 10), (10, 0, 10), (300, 100, 1000)]
)
def test_nps_interval_is_adjusted_wald_of_the_trinomial(p, d, n):
    low, high = stats.nps_interval([p], [d], [n])
    # Independent route: covariance of the adjusted trinomial counts from scipy's multinomial.
    n_ = n + 3
    probs = np.array([p + 0.75, d + 0.75, n - p - d + 1.5]) / n_
    cov = st.multinomial(n_, probs).cov() / n_**2
    var = cov[0, 0] + cov[1, 1] - 2 * cov[0, 1]
    centre = probs[0] - probs[1]
    half = st.norm.ppf(0.975) * np.sqrt(var)
    ref = (max(centre - half, -1), min(centre + half, 1))
    assert (low[0], high[0]) == pytest.approx(ref, abs=1e-12)
    assert var > 0


def test_nps_interval_covers_at_nominal_rate():
    """Simulated coverage of the adjusted Wald interval stays near 95 % at a modest n."""
    truth = (0.5, 0.2)  # promoters, detractors -> NPS 0.3
    n = 60
    draws = RNG.multinomial(n, [truth[0], truth[1], 1 - sum(truth)], size=4000)
    low, high = stats.nps_interval(draws[:, 0], draws[:, 1], np.full(len(draws), n))
    coverage = np.mean((low <= 0.3) & (high >= 0.3))
    assert 0.93 <= coverage <= 0.975


def test_t_interval_matches_statsmodels():
    x = RNG.gamma(2.0, 3.0, size=37)
    low, high = stats.t_interval([x.mean()], [x.std(ddof=1)], [len(x)])
    ref = DescrStatsW(x).tconfint_mean(alpha=0.05)
    assert (low[0], high[0]) == pytest.approx(ref, rel=1e-12)
    assert np.isnan(stats.t_interval([1.0], [0.0], [1])[0][0])


@pytest.mark.parametrize("n", [4, 6, 9, 25, 101, 1000])
def test_median_ranks_match_scipy_quantile_test(n):
    x = np.sort(RNG.lognormal(size=n))
    lo, hi = stats.median_ranks([n])
    ci = st.quantile_test(x, q=np.median(x), p=0.5).confidence_interval(0.95)
    got_low = x[lo[0] - 1] if lo[0] >= 1 else np.nan
    got_high = x[hi[0] - 1] if hi[0] <= n else np.nan
    np.testing.assert_equal((got_low, got_high), (ci.low, ci.high))
    # the ranks lie inside the band the engine fetches
    half = stats.band_halfwidth(n, 0.95)
    for rank in (lo[0], hi[0]):
        if 1 <= rank <= n:
            assert abs(rank - (n + 1) / 2) <= half


@pytest.mark.parametrize("k", [0, 1, 7, 120])
def test_poisson_interval_matches_statsmodels_exact(k):
    low, high = stats.poisson_interval([k])
    ref = confint_poisson(k, 1, method="exact-c", alpha=0.05)
    assert (low[0], high[0]) == pytest.approx(tuple(np.ravel(ref)), rel=1e-9, abs=1e-12)


def test_two_proportion_test_matches_statsmodels():
    p = stats.two_proportion_test([45], [100], [30], [90])
    ref = proportions_ztest([45, 30], [100, 90])[1]
    assert p[0] == pytest.approx(ref, rel=1e-12)


def test_welch_matches_scipy():
    p = stats.welch_test([5.0], [2.0], [30], [6.1], [3.5], [45])
    ref = st.ttest_ind_from_stats(5.0, 2.0, 30, 6.1, 3.5, 45, equal_var=False).pvalue
    assert p[0] == pytest.approx(ref, rel=1e-10)


def test_nps_difference_test_against_trinomial_simulation():
    # Same NPS in both groups: p-values are uniform, so about 5 % fall under 0.05.
    n1, n2 = 200, 150
    a = RNG.multinomial(n1, [0.45, 0.25, 0.30], size=3000)
    b = RNG.multinomial(n2, [0.45, 0.25, 0.30], size=3000)
    p = stats.nps_difference_test(a[:, 0], a[:, 1], n1, b[:, 0], b[:, 1], n2)
    assert 0.035 <= np.mean(p < 0.05) <= 0.065


def test_poisson_rate_test_matches_binomtest():
    p = stats.poisson_rate_test([30], [50])
    assert p[0] == pytest.approx(st.binomtest(30, 80, 0.5).pvalue)


@pytest.mark.parametrize(("method", "ref"), [("holm", "holm"), ("bh", "fdr_bh")])
def test_adjustments_match_statsmodels(method, ref):
    p = RNG.uniform(size=25) ** 3
    np.testing.assert_allclose(stats.adjust_pvalues(p, method), multipletests(p, method=ref)[1], rtol=1e-12)


def test_adjustment_skips_untestable_cells():
    out = stats.adjust_pvalues([0.01, np.nan, 0.04], "holm")
    assert np.isnan(out[1])
    np.testing.assert_allclose(out[[0, 2]], multipletests([0.01, 0.04], method="holm")[1])


@pytest.mark.parametrize(
    "calendar",
    [
        BusinessCalendar(),
        BusinessCalendar(timezone="America/Los_Angeles", open="08:30", close="18:00"),
        BusinessCalendar(timezone="Europe/Berlin", holidays=(dt.date(2026, 3, 30),)),
    ],
)
def test_calendar_table_agrees_with_interval_walk(calendar):
    frame = calendar_table(calendar).set_index("day")

    def clock(t: dt.datetime) -> int:
        row = frame.loc[t.date()]
        sec = int((t - dt.datetime.combine(t.date(), dt.time())).total_seconds())
        part = lambda s, e: max(min(sec - s, e - s), 0)  # noqa: E731
        return int(row["cum"]) + part(int(row["s1"]), int(row["e1"])) + part(int(row["s2"]), int(row["e2"]))

    base = dt.datetime(2026, 3, 20)
    for _ in range(40):  # spans the 2026 DST changes of both zones
        a = base + dt.timedelta(minutes=int(RNG.integers(0, 60 * 24 * 20)))
        b = a + dt.timedelta(minutes=int(RNG.integers(0, 60 * 24 * 9)))
        assert clock(b) - clock(a) == business_seconds_between(calendar, a, b)


def test_calendar_hand_values():
    cal = BusinessCalendar(timezone="Europe/Berlin")
    # Fri 2026-01-09 16:00 UTC (17:00 Berlin, closed) -> Mon 09:30 UTC (10:30 Berlin): 1.5 h
    assert business_seconds_between(cal, dt.datetime(2026, 1, 9, 16), dt.datetime(2026, 1, 12, 9, 30)) == 5400
    # Summer time: 09:00 Berlin is 07:00 UTC.
    assert business_seconds_between(cal, dt.datetime(2026, 7, 6, 6), dt.datetime(2026, 7, 6, 8)) == 3600
