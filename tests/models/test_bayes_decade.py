"""BayesianTrend at decade horizons: growth reverting to the series' long-run growth, bounded
decade bands on the real 1999-2020 US opioid series (small samplers; the full-size runs are in
benchmarks/decade_backtest)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import odforecast
from odforecast import DataError, OdforecastWarning
from odforecast.models import BayesianTrend, HierarchicalBayes
from odforecast.models.bayes.config import DEFAULT_MODEL_CONFIG
from odforecast.models.bayes.fit import _latent_paths

SMALL = {"draws": 250, "tune": 300, "chains": 2}
#: The priors before the decade change (growth damped to zero, mean 0.8 a year, sd 0.15).
OLD_PRIORS = {"sigma_slope": 0.15, "damping_alpha": 8.0, "damping_beta": 2.0,
              "growth_target": "zero"}


@pytest.fixture(scope="module")
def opioids_to_2020():
    us = odforecast.load_dataset("us_annual")
    keep = (us["indicator"] == "opioids") & (us["estimate"] == "reported") & (
        us["period_end"] <= "2020-12-31")
    return us[keep]


def _decade_total(data, model_config=None) -> np.ndarray:
    """2020-2029 cumulative deaths per path: 2020 as observed plus the 2021-2029 forecast."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OdforecastWarning)  # a 250-draw run is flagged
        fitted = BayesianTrend(model_config=model_config, sampler_config=SMALL,
                               random_seed=4).fit(data)
    fc = fitted.forecast(9, n_samples=2000, random_seed=4)
    observed_2020 = float(data.loc[data["period_end"] == "2020-12-31", "value"].iloc[0])
    return observed_2020 + fc.samples.sel(location="US", indicator="opioids").values.sum(axis=1)


def test_default_decade_band_is_bounded(opioids_to_2020):
    """Fitted through 2020 (a 39 % jump in the last year), the old priors extrapolated the jump
    and damped it to zero growth at random: a 2020-2029 band of 0.6-7.3 million.  With the
    growth reverting to its long-run rate (about 10 %/yr over 1999-2020) the band stays within
    what 1999-2020 growth can produce."""
    new = np.quantile(_decade_total(opioids_to_2020), [0.025, 0.5, 0.975])
    old = np.quantile(_decade_total(opioids_to_2020, OLD_PRIORS), [0.025, 0.5, 0.975])
    assert 800_000 < new[1] < 1_600_000
    assert new[0] > 550_000 and new[2] < 4_500_000
    assert new[2] / new[0] < 0.6 * old[2] / old[0]  # far narrower on the ratio scale


def test_growth_reverts_to_the_long_run_growth():
    """The forecast recursion: growth g + phi (slope - g), so with phi = 0.5 a slope of 0.30
    above a long-run growth of 0.10 is back to 0.10 within a few years; with target zero the
    same slope dies out (the old behaviour)."""
    n = 3
    draws = {"level_last": np.zeros((n, 1)), "slope_prev": np.full((n, 1), 0.30),
             "sigma": np.zeros((n, 1)), "phi_step": np.full(n, 0.5),
             "growth_mean": np.array([[0.10], [0.10], [0.0]])}
    paths = _latent_paths(draws, 0, 12, np.random.default_rng(0))
    growth = np.diff(np.concatenate([np.zeros((n, 1)), paths], axis=1), axis=1)
    np.testing.assert_allclose(growth[0, :3], [0.20, 0.15, 0.125])
    assert growth[0, -1] == pytest.approx(0.10, abs=1e-4)
    assert growth[2, -1] == pytest.approx(0.0, abs=1e-4)


def test_decade_priors_are_the_annual_defaults_only():
    """Annual data get the decade-horizon priors and the longer sampler; 12-month-ending data
    (whose 12-month WIS they made 34 % worse) and the hierarchical model keep the others; the
    user's settings win over both."""
    annual_model, annual_sampler = BayesianTrend()._configs("annual")
    assert annual_model["growth_target"] == "mean" and annual_model["sigma_slope"] == 0.04
    assert (annual_sampler["draws"], annual_sampler["tune"]) == (2000, 2000)
    monthly_model, monthly_sampler = BayesianTrend()._configs("12m_ending")
    assert monthly_model == {**DEFAULT_MODEL_CONFIG}
    assert monthly_model["growth_target"] == "zero" and monthly_sampler["draws"] == 1000
    # the noise scales' spreads: narrower on 12-month-ending data (a small series' sigma and
    # overdispersion traded off along a ridge); on annual data sigma's 0.5 (0.75 left a funnel
    # at small sigma where 3 of 10 decade fits diverged) and the overdispersion's 0.75
    assert (monthly_model["sigma_slope_log_sd"], monthly_model["overdispersion_log_sd"]) == (
        0.5, 0.4)
    assert (annual_model["sigma_slope_log_sd"], annual_model["overdispersion_log_sd"]) == (
        0.5, 0.75)
    assert HierarchicalBayes()._configs("annual")[0]["growth_target"] == "zero"
    mine = BayesianTrend(model_config={"growth_target": "zero"},
                         sampler_config={"draws": 500})._configs("annual")
    assert mine[0]["growth_target"] == "zero" and mine[0]["sigma_slope"] == 0.04
    assert mine[1]["draws"] == 500


@pytest.mark.parametrize(("config", "column"), [
    ({"growth_target": "drift"}, "growth_target"),
    ({"sigma_slope_log_sd": 0.0}, "sigma_slope_log_sd"),
    ({"sigma_slope": -0.1}, "sigma_slope"),
])
def test_bad_prior_settings_are_named(opioids_to_2020, config, column):
    with pytest.raises(DataError, match=column) as info:
        BayesianTrend(model_config=config).fit(opioids_to_2020)
    assert info.value.column == column


@pytest.mark.slow
def test_short_annual_series_converges_at_the_defaults():
    """The decade backtest's 2006 origin (1999-2006, 8 years) at the default sampler: with
    sigma's log prior sd 0.75 NUTS diverged in the funnel at small sigma (10 divergences
    after both automatic reruns); at 0.5 the first run converges."""
    us = odforecast.load_dataset("us_annual")
    keep = (us["indicator"] == "opioids") & (us["estimate"] == "reported") & (
        us["period_end"] <= "2006-12-31")
    with warnings.catch_warnings():
        warnings.simplefilter("error", OdforecastWarning)  # a flagged fit fails the test
        fitted = BayesianTrend(random_seed=0).fit(us[keep])
    row = fitted.diagnostics.iloc[0]
    assert row["divergences"] == 0 and row["r_hat_max"] <= 1.01
    assert row["ess_bulk_min"] >= 400 and row["ess_tail_min"] >= 400
    assert fitted.sampler_config["draws"] == 2000  # the first run, not a rerun
