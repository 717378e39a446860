"""Vectorised ARIMA sample paths against statsmodels' analytic forecasts, on real series."""

from __future__ import annotations

import warnings
from functools import cache

import numpy as np
import pytest

import odforecast
from odforecast.models import ARIMA
from odforecast.models.arima import _sarimax
from odforecast.models.arima_paths import simulate_paths

N = 20_000


def _florida():
    """Florida's synthetic-opioid deaths: the last five windows are withheld (NaN in the
    filter), so the paths start from the filter's prediction through them."""
    states = odforecast.load_dataset("states_monthly_12m")
    return states[(states["estimate"] == "reported") & (states["location"] == "US-FL")
                  & (states["indicator"] == "synthetic_opioids")], None, None


def _with_seizures():
    """US synthetic-opioid deaths with CBP's fentanyl seizures as a regressor."""
    us = odforecast.load_dataset("us_monthly_12m")
    deaths = us[(us["estimate"] == "reported") & (us["indicator"] == "synthetic_opioids")]
    cbp = odforecast.load_dataset("cbp_fentanyl_seizures")
    lbs = cbp[(cbp["indicator"] == "fentanyl_seized_lbs") & (cbp["region"] == "all")]
    exog = np.log(lbs.set_index("period_end")["value"].sort_index().rolling(12).sum())
    exog = exog.dropna().to_frame("log_fentanyl_lbs_12m")
    train = deaths[(deaths["period_end"] >= exog.index[0])
                   & (deaths["period_end"] <= "2024-02-29")]
    return train, exog, exog[exog.index > "2024-02-29"].to_numpy()[:6]


@cache
def _fit(case: str):
    """The plug-in ARIMA(1, 1, 0) state of a case, fitted once per test session."""
    data, exog, future = {"withheld": _florida, "regressor": _with_seizures}[case]()
    state = ARIMA(order=(1, 1, 0), parameter_uncertainty=False).fit(
        data, exog=exog).results[0].state
    return state, future


@pytest.mark.parametrize("case", ["withheld", "regressor"])
def test_each_block_matches_the_analytic_forecast_of_its_parameters(case):
    state, future = _fit(case)
    horizon = 12 if future is None else len(future)
    z, x, spec, params = state.z, state.exog, state.spec, state.params
    # a second block with another AR coefficient, constant or slope, and 4x the variance
    other = params.copy()
    other[-2] = params[-2] / 2
    other[0] = params[0] * 1.5
    other[-1] = params[-1] * 4
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        paths = simulate_paths(_sarimax(z, x, *spec), np.stack([params, other]), [N, N],
                               horizon, np.random.default_rng(3), future)
        assert paths.shape == (2 * N, horizon)
        for block, theta in zip((paths[:N], paths[N:]), (params, other), strict=True):
            fc = _sarimax(z, x, *spec).filter(theta).get_forecast(horizon, exog=future)
            var = np.asarray(fc.var_pred_mean)
            # Monte-Carlo errors: 1 % for the variance, sd / sqrt(N) for the mean
            np.testing.assert_allclose(block.var(axis=0) / var, 1, atol=0.05)
            z_mean = (block.mean(axis=0) - np.asarray(fc.predicted_mean)) / np.sqrt(var / N)
            assert np.abs(z_mean).max() < 4.5
    # the same generator state gives the same paths
    again = simulate_paths(_sarimax(z, x, *spec), np.stack([params, other]), [N, N], horizon,
                           np.random.default_rng(3), future)
    np.testing.assert_array_equal(paths, again)


def test_a_model_with_regressors_needs_their_future_values():
    state, _ = _fit("regressor")
    z, x, spec, params = state.z, state.exog, state.spec, state.params
    with pytest.raises(ValueError, match="future values"):
        simulate_paths(_sarimax(z, x, *spec), params[None, :], [10], 6,
                       np.random.default_rng(0))
