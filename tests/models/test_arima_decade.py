"""ARIMA at decade horizons: parameter uncertainty in the paths, short-series differencing."""

from __future__ import annotations

import numpy as np
import pytest

import odforecast
from odforecast import DataError
from odforecast.models import ARIMA
from odforecast.models.parameter_draws import ParameterDraws


@pytest.fixture(scope="module")
def opioids_to_2014():
    us = odforecast.load_dataset("us_annual")
    series = us[(us["indicator"] == "opioids") & (us["estimate"] == "reported")]
    return series[series["period_end"] <= "2014-12-31"]


def _paths(fitted, seed: int, n: int = 2000) -> np.ndarray:
    fc = fitted.forecast(10, n_samples=n, random_seed=seed)
    return fc.samples.sel(location="US", indicator="opioids").values


def test_parameter_uncertainty_widens_the_decade_interval(opioids_to_2014):
    """1999-2014 selects a random walk with drift: its estimated drift (about 8 %/yr from 15
    changes) is uncertain, and over 10 years that uncertainty dominates the interval."""
    with_draws = ARIMA().fit(opioids_to_2014)
    plugged = ARIMA(parameter_uncertainty=False).fit(opioids_to_2014)
    assert with_draws.diagnostics.loc[0, "order"] == "(0, 1, 0)"
    assert with_draws.diagnostics.loc[0, "parameter_uncertainty"] == "all"
    assert plugged.diagnostics.loc[0, "parameter_uncertainty"] == "none"
    wide, narrow = _paths(with_draws, 3), _paths(plugged, 3)
    log_width = [np.subtract(*np.log(np.quantile(p[:, -1], [0.9, 0.1]))) for p in (wide, narrow)]
    # Plug-in: sigma * sqrt(10) * 2.56 on the log scale (~0.50); the drift's standard error
    # sigma / sqrt(15) adds 10x that in quadrature and the variance draw widens both: > 1.3x.
    assert log_width[0] > 1.3 * log_width[1]
    # The median path is still the drift line (parameter draws are centred on the estimates).
    assert np.median(wide[:, -1]) == pytest.approx(np.median(narrow[:, -1]), rel=0.06)


def test_parameter_draws_reproduce_from_the_seed(opioids_to_2014):
    fitted = ARIMA().fit(opioids_to_2014)
    first, again, other = _paths(fitted, 11, 400), _paths(fitted, 11, 400), _paths(fitted, 12, 400)
    np.testing.assert_array_equal(first, again)
    assert not np.allclose(first, other)
    # The draws themselves come from the forecast's random stream.
    draws = fitted.results[0].state.draws
    a = draws.sample(50, np.random.default_rng(5))
    np.testing.assert_array_equal(a, draws.sample(50, np.random.default_rng(5)))
    assert a.shape == (50, 2) and np.unique(a[:, 0]).size == 50  # drift, sigma2 per block


def test_drift_draws_are_student_t_with_the_variance_draws():
    """For a random walk with drift the draws are the flat-prior posterior: sigma2 is
    SSR / chi2(n - 1), and the drift given sigma2 is normal with variance sigma2 / n."""
    n, sigma2 = 15, 0.004
    draws = ParameterDraws(["drift", "sigma2"], np.array([0.08, sigma2]),
                           np.array([[sigma2 / n]]), n_eff=n)
    sample = draws.sample(40_000, np.random.default_rng(0))
    nu = n - 1
    assert sample[:, 1].mean() == pytest.approx(sigma2 * n / (nu - 2), rel=0.03)
    # Student-t with nu dof and scale sqrt(SSR / (n nu)): sd = scale * sqrt(nu / (nu - 2))
    scale = np.sqrt(sigma2 * n / (n * nu))
    assert sample[:, 0].std() == pytest.approx(scale * np.sqrt(nu / (nu - 2)), rel=0.03)


def test_inadmissible_draws_are_redrawn():
    """An AR coefficient estimated near 1 with a wide standard error: every drawn vector
    stays stationary (roots outside 1.01), as the order search requires of estimates."""
    draws = ParameterDraws(["ar.L1", "sigma2"], np.array([0.95, 0.01]), np.array([[0.01]]),
                           n_eff=12)
    sample = draws.sample(500, np.random.default_rng(1))
    assert np.all(np.abs(sample[:, 0]) < 1 / 1.01)
    assert sample[:, 0].std() > 0.05  # still spread, not collapsed onto the estimate


def test_short_series_is_differenced(opioids_to_2014):
    """With 7 values the KPSS test cannot reject stationarity even of a straight line, so its
    verdict does not decide: 1999-2005 is modelled in differences, not as a stationary level."""
    short = opioids_to_2014[opioids_to_2014["period_end"] <= "2005-12-31"]
    diag = ARIMA().fit(short).diagnostics.iloc[0]
    assert diag["order"].startswith("(") and diag["order"].split(", ")[1] == "1"
    paths = _paths(ARIMA().fit(short), 1, 1000)
    # a level model reverted towards the 1999-2005 mean (~11,500); the drift keeps growing
    assert np.median(paths[:, -1]) > 25_000


def test_model_averaging_weighs_the_candidates_by_their_akaike_weights(opioids_to_2014):
    """1999-2014: the search selects the random walk with drift, but ARIMA(0,1,1) and
    (1,1,0) with drift fit almost as well; their paths join in proportion to exp(-dAICc / 2),
    which the AICc of statsmodels' own fits of the same orders reproduces."""
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    fitted = ARIMA().fit(opioids_to_2014)
    components = fitted.results[0].state.components
    specs = [c[0] for c in components]
    weights = np.array([c[3] for c in components])
    assert specs[0] == ((0, 1, 0), (0, 0, 0, 0), "c")  # the selected model first
    assert len(specs) >= 3 and weights.sum() == pytest.approx(1.0)
    assert 0.5 < weights[0] < 0.8 and (weights >= 0.01).all()
    assert fitted.diagnostics.loc[0, "averaged_models"].startswith("(0, 1, 0)+c 0.6")
    z = np.log(opioids_to_2014.sort_values("period_end")["value"].to_numpy())
    aicc = np.array([SARIMAX(z, order=order, trend=trend).fit(disp=False).aicc
                     for order, _seasonal, trend in specs])
    np.testing.assert_allclose(weights / weights[0], np.exp(-(aicc - aicc[0]) / 2), rtol=0.05)


def test_model_averaging_widens_the_decade_interval_around_the_same_median(opioids_to_2014):
    averaged = _paths(ARIMA().fit(opioids_to_2014), 3, 4000)[:, -1]
    selected_fit = ARIMA(model_averaging=False).fit(opioids_to_2014)
    selected = _paths(selected_fit, 3, 4000)[:, -1]
    assert len(selected_fit.results[0].state.components) == 1
    assert selected_fit.diagnostics.loc[0, "averaged_models"] == "(0, 1, 0)+c 1.00"
    width = [np.subtract(*np.log(np.quantile(p, [0.9, 0.1]))) for p in (averaged, selected)]
    # the other orders' paths spread further over 10 years than the random walk's
    assert width[0] > 1.04 * width[1]
    assert np.median(averaged) == pytest.approx(np.median(selected), rel=0.04)


def _annual(indicator: str, last_year: int):
    us = odforecast.load_dataset("us_annual")
    series = us[(us["indicator"] == indicator) & (us["estimate"] == "reported")]
    return series[series["period_end"] <= f"{last_year}-12-31"]


def test_annual_series_are_differenced_at_most_once():
    """US synthetic-opioid deaths 1999-2006 (730 ... 2,707, a jump in the last year): KPSS
    rejects the first differences of the log, and a second difference makes the growth rate a
    random walk whose exponential compounds without bound: ARIMA(0,2,0), median ten years
    ahead 156,000 and 97.5 % quantile 3 billion deaths (more than the US population). Annual
    series stop at one difference by default; ``max_d=2`` restores the old search."""
    synthetic = _annual("synthetic_opioids", 2006)
    fitted = ARIMA().fit(synthetic)
    assert fitted.diagnostics.loc[0, "order"].split(", ")[1] == "1"
    paths = fitted.forecast(10, n_samples=2000, random_seed=0).samples.values.reshape(2000, 10)
    median, top = np.quantile(paths[:, -1], [0.5, 0.975])
    assert 5_000 < median < 30_000  # 2016 was 19,413 (the fentanyl take-off)
    assert top < 300_000
    old = ARIMA(max_d=2).fit(synthetic)
    assert old.diagnostics.loc[0, "order"] == "(0, 2, 0)"
    old_paths = old.forecast(10, n_samples=2000, random_seed=0).samples.values.reshape(2000, 10)
    assert np.quantile(old_paths[:, -1], 0.975) > 100 * top


def test_twelve_month_ending_series_may_still_take_a_second_difference():
    """The limit is by frequency: the 12-month-ending US opioid series to February 2025 (a
    smooth annual sum turning down) still gets d = 2, which scored best one to twelve
    months ahead (benchmarks/forecast_accuracy); a forecast reaching beyond two years says
    that its intervals grow without bound and how to avoid it."""
    monthly = odforecast.load_dataset("us_monthly_12m")
    opioids = monthly[(monthly["indicator"] == "opioids") & (monthly["estimate"] == "reported")]
    second = ARIMA().fit(opioids)
    assert second.diagnostics.loc[0, "order"].split(", ")[1] == "2"
    assert second.forecast(24, n_samples=100, random_seed=0).metadata["warnings"] == []
    (note,) = second.forecast(36, n_samples=100, random_seed=0).metadata["warnings"]
    assert "US opioids" in note and "two differences" in note and "ARIMA(max_d=1)" in note
    first = ARIMA(max_d=1).fit(opioids)
    assert first.diagnostics.loc[0, "order"].split(", ")[1] == "1"
    assert first.forecast(120, n_samples=100, random_seed=0).metadata["warnings"] == []


@pytest.mark.parametrize(("kwargs", "column"), [
    ({"max_d": -1}, "max_d"),
    ({"max_d": 1.5}, "max_d"),
    ({"parameter_uncertainty": "yes"}, "parameter_uncertainty"),
    ({"model_averaging": 1}, "model_averaging"),
    ({"parameter_draws": 0}, "parameter_draws"),
    ({"parameter_draws": 2.5}, "parameter_draws"),
])
def test_bad_parameter_settings_are_named(opioids_to_2014, kwargs, column):
    with pytest.raises(DataError, match=column) as info:
        ARIMA(**kwargs).fit(opioids_to_2014)
    assert info.value.column == column
