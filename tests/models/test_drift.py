"""Drift's forecast distribution is the exact predictive of a random walk with drift."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import odforecast
from odforecast.models import Drift


@pytest.mark.parametrize("horizon", [1, 3])
def test_drift_intervals_are_the_student_t_predictive(horizon):
    """US opioid deaths 2015-2021 (6 changes, 5 degrees of freedom): on the log scale the
    h-year-ahead value is last + h * slope + sigma * sqrt(h + h^2 / n) * t(n - 1).  The plug-in
    normal the model drew before was 13-18 % narrower at these quantiles."""
    us = odforecast.load_dataset("us_annual").query(
        "indicator == 'opioids' and estimate == 'reported'"
        " and '2015' <= period_end <= '2021-12-31'")
    fitted = Drift(transform="log").fit(us)
    diag = fitted.diagnostics.iloc[0]
    z = np.log(us.sort_values("period_end")["value"].to_numpy())
    n = len(z) - 1
    assert diag["slope"] == pytest.approx((z[-1] - z[0]) / n)
    samples = fitted.forecast(horizon, n_samples=200_000, random_seed=3).samples
    log_h = np.log(samples.values.reshape(-1, horizon)[:, -1])
    scale = diag["sigma"] * np.sqrt(horizon + horizon**2 / n)
    for q in (0.05, 0.1, 0.9, 0.95):  # within 4 Monte Carlo standard deviations
        expected = z[-1] + horizon * diag["slope"] + scale * stats.t.ppf(q, n - 1)
        assert np.quantile(log_h, q) == pytest.approx(expected, abs=0.03 * scale)
