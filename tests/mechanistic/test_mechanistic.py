"""Tests of the compact mechanistic model (real bundled data, small runs)."""

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
    bucket_targets,
    build_drivers,
    period_totals,
    simulate,
)
from odforecast.mechanistic.parameters import FIXED, FREE_PARAMETERS, INITIAL_STOCKS
from odforecast.scenarios import MOUD, Combined, ConstantMultiplier, Interdiction, Naloxone, preset

N = 300


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    return odforecast.load_dataset("us_annual")


@pytest.fixture(scope="module")
def fitted(data):
    return MechanisticOpioidModel(n_draws=400).fit(data)


@pytest.fixture(scope="module")
def fitted_rao(data):
    return MechanisticOpioidModel(lethality="rao_trend", n_draws=400).fit(data)


# -- simulator ------------------------------------------------------------------------------

def _prior_params(rng: np.random.Generator, n: int, scale: float = 1.0) -> dict:
    params = {k: float(v) for k, v in FIXED.items()}
    for p in FREE_PARAMETERS:
        z = p.mu + scale * p.sd * rng.standard_normal(n)
        params[p.name] = np.exp(z) if p.log else z
    return params


@pytest.mark.parametrize("scale", [1.0, 4.0])
def test_simulator_conserves_people_and_stays_non_negative(scale):
    rng = np.random.default_rng(1)
    params = _prior_params(rng, 200, scale)
    params["kappa"] = params["kappa"] * 50.0  # extreme lethality must not drive stocks negative
    drivers = build_drivers(2020, 2035, "rao_trend", rao_growth=0.5)
    drivers["leth_x"] = drivers["leth_x"] * rng.uniform(0.0, 3.0, (200, len(drivers["t"])))
    drivers["moud_x"] = rng.uniform(0.5, 20.0, (200, len(drivers["t"])))
    sim = simulate(params, drivers, INITIAL_STOCKS)
    assert np.all(sim.stocks >= 0.0)
    assert np.all(sim.deaths_rx >= 0) and np.all(sim.deaths_ill >= 0)
    total = sim.stocks.sum(axis=0)  # (draw, month + 1)
    change = np.diff(total, axis=1)
    np.testing.assert_allclose(change, sim.inflow - sim.exit, rtol=1e-9, atol=1e-6)
    assert sim.stocks.shape == (len(STATES), 200, len(drivers["t"]) + 1)


def test_simulator_is_fast_for_1000_draws_and_120_months():
    import time

    rng = np.random.default_rng(2)
    params = _prior_params(rng, 1000)
    drivers = build_drivers(2020, 2034)  # 2002-2034: 396 months
    start = time.perf_counter()
    sim = simulate(params, drivers, INITIAL_STOCKS)
    assert time.perf_counter() - start < 10.0
    assert sim.deaths_rx.shape == (1000, 396)


# -- vintage rule ---------------------------------------------------------------------------

def test_availability_rule():
    v = pd.Timestamp("2021-06-17")
    assert availability(2019, v) == "final"
    assert availability(2020, v) == "provisional"
    assert availability(2021, v) is None
    assert availability(2020, pd.Timestamp("2021-05-31")) is None
    assert availability(2020, pd.Timestamp("2021-12-01")) == "final"


def test_data_after_the_vintage_cannot_reach_the_fit(data, fitted):
    years = pd.to_datetime(data["period_end"]).dt.year
    changed = data.copy()
    changed.loc[years >= 2021, "value"] = changed.loc[years >= 2021, "value"] * 10 + 12345
    buckets, rows = bucket_targets(data, pd.Timestamp("2021-06-17"))
    buckets2, _ = bucket_targets(changed, pd.Timestamp("2021-06-17"))
    pd.testing.assert_frame_equal(buckets, buckets2)
    assert buckets.index.max() == 2020
    assert buckets.loc[2020, "status"] == "provisional"
    assert buckets.loc[2019, "status"] == "final"
    assert pd.to_datetime(rows["period_end"]).dt.year.max() == 2020
    assert pd.to_datetime(fitted.data["period_end"]).dt.year.max() == 2020
    refit = MechanisticOpioidModel(n_draws=400).fit(changed)
    np.testing.assert_array_equal(refit.posterior.mode, fitted.posterior.mode)
    assert fitted.forecast_start == 2020


def test_earlier_vintage_uses_fewer_years(data):
    buckets, _ = bucket_targets(data, pd.Timestamp("2020-03-01"))
    assert buckets.index.max() == 2018
    assert set(buckets["status"]) == {"final"}
    # (the bundled file has no provisional 2019 row, so 2019 is unknown at this vintage)


def test_buckets_sum_to_total(data):
    buckets, _ = bucket_targets(data, pd.Timestamp("2021-06-17"))
    np.testing.assert_allclose(buckets["rx"] + buckets["ill"], buckets["opioids"])
    assert (buckets[["rx", "ill"]] > 0).all().all()


# -- calibration ----------------------------------------------------------------------------

def test_numpy_and_pymc_log_posterior_agree_up_to_a_constant(data):
    from odforecast.mechanistic.calibrate import Targets, log_posterior, pymc_model
    from odforecast.mechanistic.parameters import NSDUH_TARGETS

    b, _ = bucket_targets(data, pd.Timestamp("2021-06-17"))
    targets = Targets(years=b.index.to_numpy(int), rx=b["rx"].to_numpy(float),
                      ill=b["ill"].to_numpy(float),
                      sd_factor=np.where(b["status"] == "provisional", 2.0, 1.0),
                      prevalence=NSDUH_TARGETS)
    drivers = build_drivers(2020, 2020)
    logp = pymc_model(targets, drivers).compile_logp()
    rng = np.random.default_rng(0)
    z = np.array([[p.mu + 0.5 * p.sd * rng.standard_normal() for p in FREE_PARAMETERS]
                  for _ in range(3)])
    pymc_values = np.array([logp({p.name: np.array(row[i])
                                  for i, p in enumerate(FREE_PARAMETERS)}) for row in z])
    diff = pymc_values - log_posterior(z, targets, drivers)
    np.testing.assert_allclose(diff, diff[0], atol=1e-6)


def test_fit_reproduces_history(fitted):
    idx = np.arange(200)
    sim = fitted.simulate(2020, idx=idx)
    total = (sim.annual("deaths_rx") + sim.annual("deaths_ill")).median(axis=0)
    observed = fitted.targets["opioids"]
    ratio = total[observed.index] / observed
    assert ratio.between(0.75, 1.3).all(), ratio
    assert fitted.diagnostics.shape[0] == 1


# -- forecasts and scenarios ----------------------------------------------------------------

def test_forecast_shape_and_labels(fitted):
    fc = fitted.forecast(10, n_samples=N, random_seed=3)
    samples = fc.samples
    assert list(samples.coords["location"].values) == ["US"]
    assert "opioids" in list(samples.coords["indicator"].values)
    years = pd.DatetimeIndex(samples["time"].values).year
    assert list(years) == list(range(2020, 2030))
    assert samples.sizes["sample"] == N
    assert float(samples.min()) >= 0.0
    both = samples.sel(indicator="opioids_rx_only") + samples.sel(indicator="opioids_illicit")
    np.testing.assert_allclose(both.values, samples.sel(indicator="opioids").values)
    again = fitted.forecast(10, n_samples=N, random_seed=3)
    np.testing.assert_array_equal(again.samples.values, samples.values)


def test_zero_effect_scenario_equals_status_quo_path_for_path(fitted):
    base = fitted.forecast(10, n_samples=N, random_seed=4)
    zero = fitted.forecast(10, Interdiction("zero", effect=0.0, onset=None),
                           n_samples=N, random_seed=4)
    np.testing.assert_array_equal(base.samples.values, zero.samples.values)
    sq = fitted.forecast(10, preset("status_quo"), n_samples=N, random_seed=4)
    np.testing.assert_array_equal(base.samples.values, sq.samples.values)


def test_stronger_interdiction_never_raises_deaths(fitted):
    scenarios = [Interdiction(f"e{e}", effect=e, onset="2021-01-01", ramp_months=6,
                              half_life_months=24.0) for e in (0.0, 0.2, 0.35, 0.6)]
    fc = fitted.forecast(10, scenarios, n_samples=N, random_seed=5)
    deaths = fc.samples.sel(indicator="opioids").values  # scenario, sample, time
    assert np.all(np.diff(deaths, axis=0) <= 1e-9)
    assert np.all(deaths[-1].sum(axis=-1) < deaths[0].sum(axis=-1))
    # interdiction acts on the illicit hazard; Rx-only deaths move only through the survivors
    # who later relapse into prescription OUD (a small second-order effect)
    rx = fc.samples.sel(indicator="opioids_rx_only").values
    np.testing.assert_allclose(rx[0], rx[-1], rtol=0.02)


def test_naloxone_moud_and_combined_lower_deaths(fitted):
    scenarios = [preset("status_quo"), preset("naloxone_rao2021"),
                 MOUD("moud", effect=0.3, onset=None, ramp_months=12),
                 Combined("both", [Naloxone("nx", 0.1, None), MOUD("md", 0.2, None)])]
    fc = fitted.forecast(10, scenarios, n_samples=N, random_seed=6)
    total = period_totals(fc, 2020, 2029).median("sample")
    sq = float(total.sel(scenario="status_quo"))
    nx = float(total.sel(scenario="naloxone_rao2021"))
    assert 0.15 < 1 - nx / sq < 0.35  # preset effect 0.263 scales the fatal hazards
    assert float(total.sel(scenario="moud")) < sq
    assert float(total.sel(scenario="both")) < sq


def test_unsupported_scenario_raises(fitted):
    with pytest.raises(ScenarioError, match="not supported"):
        fitted.forecast(5, ConstantMultiplier(0.5), n_samples=10, random_seed=0)
    with pytest.raises(ScenarioError, match="onset"):
        fitted.forecast(2, Interdiction("late", 0.3, "2035-01-01"), n_samples=10,
                        random_seed=0)


def test_rao_trend_status_quo_meets_the_anchor(fitted, fitted_rao):
    fc = fitted_rao.forecast(10, n_samples=1000, random_seed=7)
    t10 = float(period_totals(fc, 2020, 2029).median())
    t5 = float(period_totals(fc, 2020, 2024).median())
    assert abs(t10 / 1_220_000 - 1) <= 0.10, t10
    assert 996_000 <= t10 <= 1_383_000
    assert 441_000 <= t5 <= 613_000, t5
    data_fc = fitted.forecast(10, n_samples=1000, random_seed=7)
    d10 = float(period_totals(data_fc, 2020, 2029).median())
    assert d10 < t10
    assert 400_000 < d10 < 1_000_000


# -- bad inputs -----------------------------------------------------------------------------

def test_unknown_lethality(data):
    with pytest.raises(DataError) as info:
        MechanisticOpioidModel(lethality="steep").fit(data)
    assert info.value.column == "lethality"


@pytest.mark.parametrize("vintage", ["1995-01-01", "2002-06-01", "not a date"])
def test_vintage_without_data(data, vintage):
    with pytest.raises(DataError) as info:
        MechanisticOpioidModel(vintage=vintage).fit(data)
    assert info.value.column == "vintage"


@pytest.mark.parametrize("horizon", [0, -3, 2.5, True])
def test_bad_horizon(fitted, horizon):
    with pytest.raises(DataError) as info:
        fitted.forecast(horizon, n_samples=10, random_seed=0)
    assert info.value.column == "horizon"


def test_other_bad_settings(data, fitted):
    with pytest.raises(DataError) as info:
        MechanisticOpioidModel(calibration="mcmc").fit(data)
    assert info.value.column == "calibration"
    with pytest.raises(DataError) as info:
        fitted.forecast(5, n_samples=0)
    assert info.value.column == "n_samples"
    with pytest.raises(odforecast.FitError):
        MechanisticOpioidModel().forecast(5)
