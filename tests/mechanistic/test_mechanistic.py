"""Tests of the mechanistic model with its latent supply process (real bundled data).

Most fits use the Laplace approximation (seconds); one small NUTS fit checks the sampler end to
end.  The full-size calibration and its convergence at every vintage are measured in
``benchmarks/projection_vintages`` and ``benchmarks/mechanistic_calibration``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import odforecast
from odforecast.errors import DataError, ScenarioError
from odforecast.mechanistic import (
    STATES,
    MechanisticOpioidModel,
    availability,
    build_drivers,
    calibration_frame,
    empirical_presets,
    period_totals,
    prior_predictive,
    simulate,
)
from odforecast.mechanistic.latent import LatentBasis, continue_paths, quarterly_persistence
from odforecast.mechanistic.parameters import INITIAL_STOCKS, prior_medians
from odforecast.mechanistic.simulator import month_times
from odforecast.mechanistic.targets import calibration_data, window_targets
from odforecast.scenarios import (
    MOUD,
    Combined,
    ConstantMultiplier,
    Interdiction,
    Naloxone,
    Uniform,
    preset,
)

N = 300
LAPLACE = {"laplace_draws": 800}


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    return calibration_frame()


@pytest.fixture(scope="module")
def fit_2021(data):
    return MechanisticOpioidModel(calibration="laplace", sampler_config=LAPLACE).fit(data)


@pytest.fixture(scope="module")
def fit_latest(data):
    return MechanisticOpioidModel("latest", calibration="laplace",
                                  sampler_config=LAPLACE).fit(data)


# -- simulator ------------------------------------------------------------------------------

def test_simulator_conserves_people_and_stays_non_negative():
    rng = np.random.default_rng(1)
    n = 100
    params = prior_medians()
    params["m_H0"] = params["m_H0"] * rng.uniform(0.1, 60.0, n)  # up to absurd lethality
    drivers = build_drivers(2020, 2035)
    months = len(drivers["t"])
    drivers["leth_x"] = rng.uniform(0.0, 200.0, (n, months))
    drivers["moud_x"] = rng.uniform(0.5, 20.0, (n, months))
    sim = simulate(params, drivers, INITIAL_STOCKS)
    assert np.all(sim.stocks >= 0.0)
    assert np.all(sim.deaths_rx >= 0) and np.all(sim.deaths_ill >= 0)
    change = np.diff(sim.stocks.sum(axis=0), axis=1)
    np.testing.assert_allclose(change, sim.inflow - sim.exit, rtol=1e-9, atol=1e-6)
    assert sim.stocks.shape == (len(STATES), n, months + 1)
    # deaths rise with illicit lethality, other things equal
    low, high = dict(drivers), dict(drivers)
    low["leth_x"], high["leth_x"] = np.ones(months), np.full(months, 3.0)
    base = prior_medians()
    assert simulate(base, high, INITIAL_STOCKS).deaths_ill.sum() > \
        2 * simulate(base, low, INITIAL_STOCKS).deaths_ill.sum()


def test_prior_predictive_spans_the_observed_deaths():
    prior = prior_predictive(2020, n_samples=400, random_seed=2)
    illicit_2020 = prior[("opioids_illicit", 2020)]
    observed = 55_000  # illicit-involved opioid deaths in 2020, roughly
    assert illicit_2020.quantile(0.05) < observed < illicit_2020.quantile(0.95)
    assert np.isfinite(prior.to_numpy()).all() and (prior.to_numpy() >= 0).all()


# -- latent process -------------------------------------------------------------------------

def test_latent_growth_is_damped_with_the_half_life():
    assert quarterly_persistence(None) == 1.0
    assert quarterly_persistence(1.0) == pytest.approx(0.5 ** 0.25)
    basis = LatentBasis.for_months(month_times(2020), quarterly_persistence(2.0))
    knots = np.tile(np.linspace(0.0, 1.0, basis.n_knots), (3, 1))  # steady growth
    paths = continue_paths(knots, np.zeros(3), basis.phi, 40, np.random.default_rng(0))
    assert paths.shape == (3, basis.n_knots + 40)
    growth = np.diff(paths[:, basis.n_knots - 1:], axis=1)
    step = knots[0, 1] - knots[0, 0]
    # without innovations the growth decays geometrically: half after 2 years (8 quarters)
    np.testing.assert_allclose(growth[0, 7], step * basis.phi ** 8, rtol=1e-9)
    assert growth[0, 7] == pytest.approx(step / 2)


# -- vintage rule ---------------------------------------------------------------------------

def test_availability_rule():
    v = pd.Timestamp("2021-06-17")
    assert availability(2019, v) == "final"
    assert availability(2020, v) == "provisional"
    assert availability(2021, v) is None
    assert availability(2020, pd.Timestamp("2021-05-31")) is None


def test_windows_published_by_the_vintage_only(data):
    windows, _ = window_targets(data, pd.Timestamp("2021-06-17"))
    ends = pd.DatetimeIndex(windows.index)
    assert ends.max() == pd.Timestamp("2020-12-31")  # Jan 2021 window appears in July
    assert ends.min() == pd.Timestamp("2015-01-31")
    np.testing.assert_allclose(windows["rx"] + windows["ill"], windows["opioids"])
    cal = calibration_data(data, pd.Timestamp("2021-06-17"))
    # each death once: annual counts only for years before the windows' first month
    assert cal.annual.index.max() == 2013 and cal.end == pd.Period("2020-12", "M")


def test_data_after_the_vintage_cannot_reach_the_fit(data, fit_2021):
    late = pd.to_datetime(data["period_end"]) > pd.Timestamp("2021-01-01")
    poisoned = data.copy()
    poisoned.loc[late, "value"] = poisoned.loc[late, "value"] * 10 + 12345
    refit = MechanisticOpioidModel(calibration="laplace", sampler_config=LAPLACE).fit(poisoned)
    np.testing.assert_array_equal(refit.posterior.theta, fit_2021.posterior.theta)
    assert pd.to_datetime(fit_2021.data["period_end"]).max() <= pd.Timestamp("2020-12-31")
    assert fit_2021.forecast_start == 2021


# -- calibration ----------------------------------------------------------------------------

def test_latest_fit_follows_the_2023_fall_and_predictive_bands_cover_the_data(fit_latest):
    """The issue's checks: the supply process falls after mid-2023, the 80 % predictive bands
    cover >= 80 % of the annual counts by type and of the last 24 windows, and the first
    projected 12-month window is within 10 % of the last observed one."""
    drop = 1 - fit_latest.lethality_at("2024-12-31") / fit_latest.lethality_at("2023-07-01")
    assert np.quantile(drop, 0.05) > 0.1  # a clear fall of illicit lethality
    check = fit_latest.predictive_check(n_samples=1000, random_seed=0)
    annual = check[check["kind"] == "annual"]
    assert annual["period_end"].dt.year.min() == 2002 and len(annual) == 3 * 23
    assert annual["covered"].mean() >= 0.8
    last = check[check["kind"] == "12m_ending"].groupby("indicator").tail(24)
    assert len(last) == 72 and last["covered"].mean() >= 0.8
    fc = fit_latest.forecast(1, frequency="12m_ending", n_samples=N, random_seed=1)
    first = float(fc.samples.sel(indicator="opioids").median())
    last_observed = float(fit_latest.cal.windows["opioids"].iloc[-1])
    assert abs(first / last_observed - 1) < 0.10


def test_compilations_are_kept_for_the_next_process(fit_latest):
    """XLA's compiled programs go to odforecast's cache folder, so a calibration in a new
    process skips most compilation (newest-but-one vintage: 152 s, then 94 s)."""
    import os
    import sys
    from pathlib import Path

    from odforecast.data.cache import cache_dir

    if os.environ.get("JAX_COMPILATION_CACHE_DIR"):
        pytest.skip("the user's own JAX cache is left alone")
    folder = Path(sys.modules["jax"].config.jax_compilation_cache_dir)
    assert folder == cache_dir() / "jax"
    assert folder.is_dir() and any(folder.iterdir())  # the Laplace fit's programs


def test_small_nuts_calibration_runs_and_reports_convergence(data):
    import warnings

    config = {"draws": 100, "tune": 60, "mass_window": 80}
    with warnings.catch_warnings():  # chains this short may be flagged as not converged
        warnings.simplefilter("ignore", odforecast.OdforecastWarning)
        fit = MechanisticOpioidModel("2017-06-30", calibration="nuts", sampler_config=config,
                                     random_seed=3).fit(data)
    info = fit.posterior.diagnostics
    assert info["method"].startswith("NUTS") and fit.posterior.theta.shape[:2] == (2, 100)
    assert "earlier_runs" not in info  # draws and tune were chosen: no automatic rerun
    assert {"r_hat_max", "ess_bulk_min", "ess_tail_min", "divergences"} <= set(info)
    assert info["r_hat_max"] < 1.1  # short chains, but they mix
    assert "R-hat" in fit.convergence_text()
    fc = fit.forecast(3, n_samples=N, random_seed=1)
    assert list(pd.DatetimeIndex(fc.samples["time"].values).year) == [2017, 2018, 2019]


def test_a_calibration_that_misses_the_thresholds_is_sampled_again_longer(data):
    """At the default run length a failed NUTS run is repeated once with twice the draws
    (here forced by trees of depth 2, whose chains barely move); one warning, about the last
    run, and the first run's verdict kept in the diagnostics."""
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", odforecast.OdforecastWarning)
        fit = MechanisticOpioidModel("2017-06-30", calibration="nuts", random_seed=3,
                                     sampler_config={"max_tree_depth": 2}).fit(data)
    info = fit.posterior.diagnostics
    assert fit.posterior.theta.shape[:2] == (2, 2000)  # 2 x the default 1,000 draws
    assert "2 chains x 1000 draws" in info["earlier_runs"]
    flagged = [str(w.message) for w in caught
               if issubclass(w.category, odforecast.OdforecastWarning)]
    assert len(flagged) == 1 and "2 chains x 2000 draws" in flagged[0]


# -- forecasts and scenarios ----------------------------------------------------------------

def test_forecast_shape_labels_and_seed(fit_latest):
    fc = fit_latest.forecast(10, n_samples=N, random_seed=3)
    samples = fc.samples
    assert list(pd.DatetimeIndex(samples["time"].values).year) == list(range(2025, 2035))
    assert samples.sizes["sample"] == N and float(samples.min()) >= 0.0
    both = samples.sel(indicator="opioids_rx_only") + samples.sel(indicator="opioids_illicit")
    np.testing.assert_allclose(both.values, samples.sel(indicator="opioids").values)
    again = fit_latest.forecast(10, n_samples=N, random_seed=3)
    np.testing.assert_array_equal(again.samples.values, samples.values)
    other = fit_latest.forecast(10, n_samples=N, random_seed=4)
    assert not np.array_equal(other.samples.values, samples.values)
    # the status quo continues the fitted process: 2025 near the last observed year
    median_2025 = float(samples.sel(indicator="opioids").isel(time=0).median())
    assert 0.6 * 54_924 < median_2025 < 1.1 * 54_924


def test_student_t_supply_innovations_widen_the_decade_tails_not_the_first_year(fit_latest):
    import copy

    def status_quo(df):
        fit = copy.copy(fit_latest)
        fit.model = copy.copy(fit_latest.model)
        fit.model.supply_innovation_df = df
        fc = fit.forecast(10, n_samples=1000, random_seed=7, buckets=False)
        return fc.samples.sel(indicator="opioids", location="US").values

    gaussian, heavy = status_quo(None), status_quo(3.0)
    # 2025 is mostly published months and the fitted level: the tails barely reach it
    assert np.median(heavy[:, 0]) == pytest.approx(np.median(gaussian[:, 0]), rel=0.03)
    # by 2034 the supply jumps a Student-t allows widen the 90 % band
    spread = [np.subtract(*np.quantile(x[:, -1], [0.95, 0.05])) for x in (gaussian, heavy)]
    assert spread[1] > 1.15 * spread[0]


def test_zero_effect_scenario_equals_status_quo_path_for_path(fit_latest):
    base = fit_latest.forecast(5, n_samples=N, random_seed=4)
    zero = fit_latest.forecast(5, Interdiction("zero", effect=0.0, onset=None),
                               n_samples=N, random_seed=4)
    np.testing.assert_array_equal(base.samples.values, zero.samples.values)


@pytest.mark.parametrize("variant", ["total", "excess", "penetration"])
def test_stronger_interdiction_never_raises_total_deaths(fit_latest, variant):
    scenarios = [Interdiction(f"e{e}", effect=e, onset=None, ramp_months=6, variant=variant)
                 for e in (0.0, 0.2, 0.5)]
    fc = fit_latest.forecast(5, scenarios, n_samples=N, random_seed=5, buckets=False)
    deaths = fc.samples.sel(indicator="opioids", location="US").values  # scenario,sample,time
    # per path, the five-year total falls with the effect; a single year may rise a little
    # (people who did not die are still at risk: at most 1 % of the year's deaths)
    totals = deaths.sum(axis=-1)
    assert np.all(np.diff(totals, axis=0) <= 1e-6 * totals[:-1])
    assert np.all(np.diff(deaths, axis=0) <= 1e-2 * deaths[:-1])
    assert np.median(deaths[-1].sum(-1) / deaths[0].sum(-1)) < 0.95


def test_variants_differ_as_the_spec_says(fit_latest):
    """``total`` scales all of Lambda; ``excess`` only its part above the heroin-era level
    (so the same effect cuts less); ``penetration`` cuts the fentanyl share."""
    scenarios = [preset("status_quo")] + [
        Interdiction(v, effect=0.3, onset=None, ramp_months=1, variant=v)
        for v in ("total", "excess", "penetration")]
    fc = fit_latest.forecast(5, scenarios, n_samples=N, random_seed=6, buckets=False)
    total = period_totals(fc, 2025, 2029).median("sample")
    sq, t, e, p = (float(total.sel(scenario=s)) for s in ("status_quo", "total", "excess",
                                                           "penetration"))
    assert t < e < sq and p < sq
    assert t < 0.85 * sq  # a 30 % cut of illicit lethality is a large cut of deaths


def test_naloxone_moud_and_combined_lower_deaths(fit_latest):
    scenarios = [preset("status_quo"), preset("naloxone_rao2021"),
                 MOUD("moud", effect=0.3, onset=None, ramp_months=12),
                 Combined("both", [Naloxone("nx", 0.1, None), MOUD("md", 0.2, None)])]
    fc = fit_latest.forecast(10, scenarios, n_samples=N, random_seed=6)
    total = period_totals(fc, 2025, 2034).median("sample")
    sq = float(total.sel(scenario="status_quo"))
    nx = float(total.sel(scenario="naloxone_rao2021"))
    assert 0.15 < 1 - nx / sq < 0.35  # preset effect 0.263 scales the fatal hazards
    assert float(total.sel(scenario="moud")) < sq
    assert float(total.sel(scenario="both")) < sq


def test_empirical_presets_from_the_fit(fit_latest, fit_2021):
    shock, rebound = empirical_presets(fit_latest, half_life_months=Uniform(12, 48))
    drop = 1 - fit_latest.lethality_at("2024-12-31") / fit_latest.lethality_at("2023-07-01")
    assert shock.name == "supply_shock_like_2023" and rebound.name == "supply_rebound"
    assert shock.effect.expected_value == pytest.approx(float(np.mean(drop)), rel=0.02)
    assert "fell" in shock.source
    fc = fit_latest.forecast(10, [preset("status_quo"), shock, rebound], n_samples=N,
                             random_seed=8, buckets=False)
    total = period_totals(fc, 2025, 2034).median("sample")
    assert float(total.sel(scenario="supply_shock_like_2023")) < \
        float(total.sel(scenario="status_quo")) < float(total.sel(scenario="supply_rebound"))
    with pytest.raises(ScenarioError, match="through 2024-12"):
        empirical_presets(fit_2021)


def test_rao_trend_meets_the_anchor_at_the_2021_vintage(fit_2021):
    fc = fit_2021.forecast(9, n_samples=1000, random_seed=7, lethality="rao_trend",
                           buckets=False)
    observed_2020 = 69_061  # reported (VSRR December 12-month-ending), inside every total
    t10 = float(period_totals(fc, 2021, 2029).median()) + observed_2020
    t5 = float(period_totals(fc, 2021, 2024).median()) + observed_2020
    assert abs(t10 / 1_220_000 - 1) <= 0.10, t10
    assert 441_000 <= t5 <= 613_000, t5


def test_onset_inside_the_data_and_unsupported_scenarios_raise(fit_latest):
    with pytest.raises(ScenarioError, match="already contain"):
        fit_latest.forecast(3, Interdiction("past", 0.3, "2024-01-01"), n_samples=10,
                            random_seed=0)
    with pytest.raises(ScenarioError, match="not supported"):
        fit_latest.forecast(3, ConstantMultiplier(0.5), n_samples=10, random_seed=0)
    with pytest.raises(ScenarioError, match="variant"):
        Interdiction("bad", 0.3, None, variant="purity")


def test_forecast_arguments_agree_with_the_other_families(fit_latest):
    # the one forecast template: NumPy integers accepted, duplicate names a ScenarioError
    fc = fit_latest.forecast(np.int64(2), n_samples=np.int64(12), random_seed=np.int64(0))
    assert fc.samples.sizes["sample"] == 12
    with pytest.raises(ScenarioError, match="unique"):
        fit_latest.forecast(2, [Interdiction("a", 0.1, None), Interdiction("a", 0.2, None)],
                            n_samples=10, random_seed=0)
    assert fit_latest.exog_columns is None
    assert fit_latest.forecast_end(2) == pd.Timestamp(f"{fit_latest.forecast_start + 1}-12-31")


# -- bad inputs -----------------------------------------------------------------------------

@pytest.mark.parametrize(("kwargs", "column"), [
    ({"lethality": "steep"}, "lethality"),
    ({"vintage": "1995-01-01"}, "vintage"),
    ({"vintage": "not a date"}, "vintage"),
    ({"vintage": "2099-01-01"}, "vintage"),
    ({"calibration": "mcmc"}, "calibration"),
    ({"growth_half_life": -1.0}, "growth_half_life"),
    ({"supply_innovation_df": 1.0}, "supply_innovation_df"),
    ({"supply_innovation_df": "heavy"}, "supply_innovation_df"),
    ({"sampler_config": {"drawz": 5}}, "sampler_config"),
    ({"sampler_config": {"draws": 0}}, "draws"),
])
def test_bad_settings_name_the_parameter(data, kwargs, column):
    with pytest.raises(DataError) as info:
        MechanisticOpioidModel(**kwargs).fit(data)
    assert info.value.column == column


@pytest.mark.parametrize(("kwargs", "column"), [
    ({"horizon": 0}, "horizon"), ({"horizon": 2.5}, "horizon"),
    ({"horizon": 3, "n_samples": 0}, "n_samples"),
    ({"horizon": 3, "frequency": "weekly"}, "frequency"),
    ({"horizon": 3, "lethality": "flat"}, "lethality"),
    ({"horizon": 100_000}, "horizon"),
])
def test_bad_forecast_arguments(fit_latest, kwargs, column):
    horizon = kwargs.pop("horizon")
    with pytest.raises(DataError) as info:
        fit_latest.forecast(horizon, random_seed=0, **{"n_samples": 10, **kwargs})
    assert info.value.column == column


def test_unfitted_model_cannot_forecast():
    with pytest.raises(odforecast.FitError):
        MechanisticOpioidModel().forecast(5)
