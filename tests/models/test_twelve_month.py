"""Monthly counts recovered from 12-month-ending windows, checked against CDC WONDER's own
monthly counts (a different CDC product: final, drug-induced deaths by month)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import odforecast
from odforecast.models.bayes.twelve_month import recent_months
from odforecast.models.series import prepare_series


@pytest.fixture(scope="module")
def us_synthetic_12m():
    us = odforecast.load_dataset("us_monthly_12m")
    rows = us[(us["indicator"] == "synthetic_opioids") & (us["estimate"] == "reported")
              & (us["location"] == "US")]
    return prepare_series(rows)[0]


@pytest.mark.parametrize("end", ["2019-12-31", "2021-06-30", "2022-12-31", "2023-12-31"])
def test_recovered_months_match_wonder_monthly_counts(raw, us_synthetic_12m, end):
    wonder = odforecast.read_wonder(raw("wonder_t40.4_druginduced_state_month_2018_2023.csv"),
                                    vintage="2024-01-01")
    monthly = wonder.groupby("period_end")["value"].sum()
    truth = monthly.loc[:end].iloc[-12:].to_numpy()
    months = recent_months(us_synthetic_12m, pd.Timestamp(end))
    # VSRR (any drug overdose, provisional, all states) and WONDER (drug-induced, 50 states)
    # differ by a level of ~1-3 %; after that the month-by-month shape agrees within 3.5 %,
    # where spreading the 12-month count evenly misses some months by more than 5 %
    level = months.sum() / truth.sum()
    assert 0.98 < level < 1.04
    assert np.abs(months / truth / level - 1).max() < 0.035
    even = months.sum() / 12
    assert np.abs(even / truth / level - 1).max() > 0.05
    assert months.sum() == pytest.approx(us_synthetic_12m.values[
        us_synthetic_12m.time.get_indexer([pd.Timestamp(end)])[0]])


def test_months_are_not_recovered_without_a_year_of_windows(us_synthetic_12m):
    short = us_synthetic_12m.truncate(us_synthetic_12m.time[11])  # 12 windows: not enough
    assert recent_months(short, short.time[-1]) is None
    assert recent_months(us_synthetic_12m.truncate(us_synthetic_12m.time[12]),
                         us_synthetic_12m.time[12]) is not None


def test_window_likelihood_is_the_exact_gaussian_marginal_of_the_windows():
    """Every shown window, with interior and trailing gaps, against the dense formula: windows
    S = A m of independent months m ~ N(mu, v) have density N(A mu, A diag(v) A')."""
    import pytensor.tensor as pt
    from scipy import stats

    from odforecast.calendar import month_number
    from odforecast.models.bayes.twelve_month import build_windows, window_loglik

    rng = np.random.default_rng(3)
    n_months = 60
    months = rng.poisson(np.linspace(80, 140, n_months)).astype(float)
    windows = np.convolve(months, np.ones(12), "valid")  # 49 windows
    windows[[5, 20, 21, 22]] = np.nan                     # interior gaps of 1 and 3
    windows[30:44] = np.nan                               # a gap longer than a year
    windows[-2:] = np.nan                                 # withheld at the end
    time = pd.date_range("2020-12-31", periods=len(windows), freq="ME")
    s = odforecast.models.series.Series("US", "x", "12m_ending", "reported", "deaths", time,
                                        windows, np.zeros(len(windows), bool),
                                        np.full(len(windows), np.nan))
    w = build_windows([s], int(month_number(time[:1])[0]) - 11)
    mu = np.linspace(85, 130, n_months) * np.exp(0.05 * rng.standard_normal(n_months))
    c = 0.04
    got = window_loglik(w, pt.constant(mu[None, :]), pt.constant(np.array([c]))).eval()
    shown = np.flatnonzero(~np.isnan(windows))
    a = np.zeros((len(shown), n_months))
    for r, j in enumerate(shown):
        a[r, j: j + 12] = 1.0
    m = np.zeros(n_months)
    m[w.month_step] = w.month_scale  # each month's variance as the data put it
    var = m + 12 * c**2 * m**2
    expected = stats.multivariate_normal(a @ mu, (a * var) @ a.T).logpdf(windows[shown])
    assert got == pytest.approx(expected, rel=1e-9)
    # each month a shown window covers enters once (months 0-40 and 44-57)
    assert sorted(w.month_step) == list(np.flatnonzero(a.any(axis=0))) == [
        *range(41), *range(44, 58)]
