"""Monthly counts recovered from 12-month-ending windows, checked against CDC WONDER's own
monthly counts (a different CDC product: final, drug-induced deaths by month)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import odforecast
from odforecast.models.bayes.twelve_month import kalman_level_update, recent_months
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


def test_kalman_update_has_the_gaussian_posterior_spread():
    rng = np.random.default_rng(1)
    prior = np.log(500) + 0.2 * rng.standard_normal(200_000)
    count, c = 400.0, 0.05
    updated = prior + kalman_level_update(prior, count, np.full(prior.size, c), rng)
    v_prior, v_obs = 0.2**2, 1 / count + c**2
    mean = (np.log(500) / v_prior + np.log(count) / v_obs) / (1 / v_prior + 1 / v_obs)
    assert updated.mean() == pytest.approx(mean, abs=0.003)
    assert updated.var() == pytest.approx(1 / (1 / v_prior + 1 / v_obs), rel=0.02)
