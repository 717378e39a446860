"""ARIMA on CDC state series with withheld windows and suppressed counts (issue 12, item 1).

Real bundled series: Ohio's synthetic-opioid deaths start with three withheld windows,
North Carolina's opioid deaths have twelve withheld windows inside the series, Florida's last
five windows are withheld, and Alaska's smallest counts are suppressed.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import odforecast
from odforecast import DataError
from odforecast.models import ARIMA
from odforecast.models.arima import _sarimax


@pytest.fixture(scope="module")
def states():
    data = odforecast.load_dataset("states_monthly_12m")
    return data[data["estimate"] == "reported"]


def _series(states, location, indicator):
    return states[(states["location"] == location) & (states["indicator"] == indicator)]


@pytest.fixture(scope="module")
def ohio_fit(states):
    """ARIMA on Ohio's synthetic opioids (it used to fail on the withheld windows ending
    January to March 2015); the order the automatic search selects, fixed to keep it quick."""
    return ARIMA(order=(0, 2, 1), parameter_draws=20).fit(
        _series(states, "US-OH", "synthetic_opioids"))


def test_ohio_synthetic_opioids_start_at_the_first_shown_window(ohio_fit):
    diag = ohio_fit.diagnostics.iloc[0]
    assert diag["model"] == "arima" and not diag["fallback"]
    assert diag["first_period"] == "2015-04-30" and diag["n_leading_dropped"] == 3
    assert diag["n_obs"] == 119 and diag["n_missing"] == 0 and diag["last_period"] == "2025-02-28"
    assert str(ohio_fit.series[0].time[0].date()) == "2015-04-30"
    fc = ohio_fit.forecast(12, n_samples=300, random_seed=3)
    assert fc.time[0] == pd.Timestamp("2025-03-31") and len(fc.time) == 12
    # the forecast continues from Ohio's level (1,907 deaths in the 12 months to Feb 2025)
    assert 1_000 < float(fc.samples.median("sample").values.ravel()[0]) < 2_500
    used = fc.metadata["data_used"][0]
    assert (used["location"], used["first_period"], used["n_leading_dropped"]) == (
        "US-OH", "2015-04-30", 3)


@pytest.fixture(scope="module")
def north_carolina(states):
    return _series(states, "US-NC", "opioids")


def test_interior_withheld_windows_are_missing_values_in_the_state_space_model(north_carolina):
    withheld = north_carolina.sort_values("period_end")["value"].isna().to_numpy()
    assert withheld.sum() == 12 and not withheld[0] and not withheld[-1]
    fitted = ARIMA(order=(1, 1, 0)).fit(north_carolina)
    diag = fitted.diagnostics.iloc[0]
    assert diag["n_missing"] == 12 and diag["n_obs"] == 110 and diag["n_trailing_missing"] == 0
    state = fitted.results[0].state
    z, exog, spec, params = state.z, state.exog, state.spec, state.params
    assert len(z) == 122 and np.array_equal(np.isnan(z), withheld)  # NaN where withheld
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = _sarimax(z, exog, *spec).smooth(params)
    assert int(result.filter_results.nmissing.sum()) == 12  # the filter skips exactly those
    # the likelihood counts only the shown values: AICc on 110 - 1 (burned) observations
    llf = result.llf
    k = len(params)  # constant, AR coefficient and variance
    assert k == 3
    n = 109
    assert diag["aicc"] == pytest.approx(-2 * llf + 2 * k + 2 * k * (k + 1) / (n - k - 1),
                                         abs=0.05)


def test_withheld_windows_are_not_stitched_over(north_carolina):
    """Closing the gaps (treating the shown values as consecutive) is a different model: the
    changes across a gap are several months' worth."""
    fitted = ARIMA(order=(1, 1, 0), parameter_uncertainty=False).fit(north_carolina)
    shown = north_carolina.sort_values("period_end").dropna(subset=["value"])
    stitched = shown.assign(period_end=pd.date_range(end="2025-02-28", periods=len(shown),
                                                     freq="ME"))
    stitched = stitched.assign(
        period_start=(stitched["period_end"].dt.to_period("M") - 11).dt.start_time)
    closed = ARIMA(order=(1, 1, 0), parameter_uncertainty=False).fit(stitched)
    a = fitted.forecast(12, n_samples=400, random_seed=5).samples.median("sample").values
    b = closed.forecast(12, n_samples=400, random_seed=5).samples.median("sample").values
    assert np.max(np.abs(a / b - 1)) > 0.01
    assert fitted.results[0].state.params[0] != pytest.approx(
        closed.results[0].state.params[0], abs=1e-3)


def test_withheld_trailing_windows_are_bridged_by_the_filter(states):
    """Florida: the windows ending Oct 2024 - Feb 2025 are withheld; the forecast starts after
    the last period (Mar 2025), from the filter's prediction through the withheld stretch."""
    florida = _series(states, "US-FL", "synthetic_opioids")
    fitted = ARIMA(order=(1, 2, 0), parameter_uncertainty=False).fit(florida)
    diag = fitted.diagnostics.iloc[0]
    assert (diag["last_shown"], diag["n_trailing_missing"]) == ("2024-09-30", 5)
    fc = fitted.forecast(1, n_samples=600, random_seed=1)
    assert fc.time[0] == pd.Timestamp("2025-03-31")
    median = float(fc.samples.median("sample").values.ravel()[0])
    # the last shown value is 3,589 and falling ~200 a month: six months on it is lower
    assert 1_500 < median < 3_400
    assert any("US-FL" in w and "withheld" in w and "2024-09-30" in w
               for w in fc.metadata["warnings"])
    # a forecast of the same model from September 2024 reaches March 2025 at its 6th step
    # with the same centre: the trailing windows are predicted, not skipped
    cut = florida[florida["period_end"] <= "2024-09-30"]
    early = ARIMA(order=(1, 2, 0), parameter_uncertainty=False).fit(cut)
    march = early.forecast(6, n_samples=600, random_seed=2).samples.median("sample")
    assert float(march.values.ravel()[-1]) == pytest.approx(median, rel=0.03)


def test_censored_cells_are_missing_and_checked_against_their_bound(states):
    alaska = _series(states, "US-AK", "synthetic_opioids")
    fitted = ARIMA(order=(1, 1, 0), parameter_uncertainty=False).fit(alaska)
    diag = fitted.diagnostics.iloc[0]
    assert diag["n_censored"] == 3 and diag["censor_check"] == ""  # consistent with <= 9
    assert np.isnan(fitted.results[0].state.z[fitted.series[0].censored]).all()
    # The same series with a shown window (about 200 deaths) marked as suppressed (<= 9): the
    # fitted level there is far above the bound, and the user is told.
    altered = alaska.copy()
    row = altered.index[altered["period_end"] == "2023-06-30"][0]
    assert altered.loc[row, "value"] > 100
    altered.loc[row, ["value", "censored", "censor_upper"]] = [np.nan, True, 9.0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # captured into the diagnostics, not raised
        refit = ARIMA(order=(1, 1, 0), parameter_uncertainty=False).fit(altered)
    diag = refit.diagnostics.iloc[0]
    assert diag["n_censored"] == 4
    assert "2023-06-30" in diag["censor_check"] and "2016" not in diag["censor_check"]
    assert "OdforecastWarning" in diag["warnings"]
    fc = refit.forecast(2, n_samples=50, random_seed=1)
    assert any("2023-06-30" in w for w in fc.metadata["warnings"])
    assert "2023-06-30" in fc.metadata["data_used"][0]["censor_check"]


def test_a_series_too_short_after_the_gaps_names_a_model_that_works(states):
    # Alabama's synthetic opioids are withheld until the window ending April 2022
    alabama = _series(states, "US-AL", "synthetic_opioids")
    short = alabama[alabama["period_end"] <= "2022-07-31"]
    with pytest.raises(DataError, match=r"US-AL synthetic_opioids .* has 4 observations "
                                        r"\(2022-04-30 to 2022-07-31; 87 withheld") as info:
        ARIMA().fit(short)
    assert "'drift'" in str(info.value) and "'hierarchical'" in str(info.value)
    forecast = odforecast.Drift().fit(short).forecast(2, n_samples=50, random_seed=1)
    assert forecast.time[0] == pd.Timestamp("2022-08-31")


def test_model_average_weighs_the_selected_order_on_the_search_likelihood(states):
    """With a withheld window the exact refit's AICc differs from the search's (here by about
    3); the Akaike weights compare the search's AICc of every candidate, so the selected
    order, the one with the smallest, has the largest weight.  Alaska's opioids to January
    2022 (one withheld window): the selected (1, 1, 0) had weight 0.08 against 0.19 for
    (1, 1, 0) with drift when the refit's AICc was mixed in."""
    alaska = _series(states, "US-AK", "opioids")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitted = ARIMA(parameter_draws=20).fit(alaska[alaska["period_end"] <= "2022-01-31"])
    row = fitted.diagnostics.iloc[0]
    assert row["n_missing"] >= 1
    # the components (spec, params, draws, weight), the selected model first
    weights = [weight for *_, weight in fitted.results[0].state.components]
    assert len(weights) >= 3 and weights[0] == max(weights)
    assert row["averaged_models"].startswith(f"{row['order']} ")
    # the table shows both likelihoods: the weights follow the search's, the refit's differs
    assert np.isfinite(row["search_aicc"]) and abs(row["search_aicc"] - row["aicc"]) > 1
