"""Bayesian models on real data, with small samplers (the benchmarks hold the full-size runs)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import odforecast
from odforecast import DataError, FitError, OdforecastWarning, ParameterError, ScenarioError
from odforecast.data.schema import from_records
from odforecast.models import BayesianTrend, HierarchicalBayes
from odforecast.models.bayes.design import build_design
from odforecast.models.series import prepare_series
from odforecast.scenarios import ConstantMultiplier
from odforecast.testing import check_model

SMALL = {"draws": 150, "tune": 200, "chains": 2}
#: The default sampler (numpyro for one series) runs in national_fit and the tests on it; the
#: other single-series fits take nutpie: on an empty JAX cache (CI) numpyro everywhere made this
#: file 55 s slower (208 s against 153 s, load ~3; 164 s as it is now), while PyTensor caches
#: part of nutpie's numba compilation.
NUTPIE = {"nuts_sampler": "nutpie"}


@pytest.fixture(scope="module")
def national_annual():
    us = odforecast.load_dataset("us_annual")
    keep = (us["indicator"] == "opioids") & (us["estimate"] == "reported") & (
        us["period_start"] < "2020-01-01")
    return us[keep]


@pytest.fixture(scope="module")
def national_fit(national_annual):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OdforecastWarning)  # a 150-draw run is flagged
        return BayesianTrend(sampler_config=SMALL, random_seed=11).fit(national_annual)


@pytest.fixture(scope="module")
def national_12m_fit():
    us = odforecast.load_dataset("us_monthly_12m")
    data = us[(us["indicator"] == "opioids") & (us["estimate"] == "reported")]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OdforecastWarning)
        # every window in the likelihood (the regressor test below fits the default blocks)
        return BayesianTrend(model_config={"twelve_month_likelihood": "windows"},
                             sampler_config={**SMALL, **NUTPIE}, random_seed=3).fit(data)


@pytest.fixture(scope="module")
def small_states():
    states = odforecast.load_dataset("states_annual")
    keep = states["location"].isin(["US-VT", "US-NH", "US-ME", "US-RI", "US-WY"]) & (
        states["indicator"] == "heroin") & (states["estimate"] == "reported")
    return states[keep]


@pytest.fixture(scope="module")
def hierarchical_fit(small_states):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OdforecastWarning)
        # a deliberate subset: the sum of these five states is asked for by name
        return HierarchicalBayes(aggregate_location="US", sampler_config=SMALL,
                                 random_seed=5).fit(small_states)


def test_twelve_month_ending_counts_are_observed_without_overlap():
    us = odforecast.load_dataset("us_monthly_12m")
    data = us[(us["indicator"] == "opioids") & (us["estimate"] == "reported")]
    design = build_design(prepare_series(data, allow_censored=True))
    # 12-month blocks ending at the latest month: Feb 2025, Feb 2024, ..., Feb 2015
    assert design.step == 12 and design.n_steps == 11
    assert design.grid[-1] == pd.Timestamp("2025-02-28")
    assert list(design.grid.month) == [2] * 11
    assert (design.obs_start == design.obs_end).all()  # each block observed once, directly
    assert len(set(design.obs_end)) == len(design.obs_end) == 11  # no month counted twice
    expected = data.set_index("period_end").loc[design.grid, "value"].to_numpy()
    np.testing.assert_array_equal(design.obs_value, expected)
    assert design.obs_value[-2] == 78197  # the 12 months ending Feb 2024


def test_withheld_block_ends_are_observed_by_the_latest_shown_window_without_overlap():
    # Florida's synthetic-opioid windows ending Oct 2024 - Feb 2025 are withheld; beside Ohio
    # (complete) the blocks end in February, so Florida's latest block is observed by the
    # window ending Sep 2024, 5 months early, and its earlier blocks by every 12th window
    # before it.  North Carolina's are withheld from Oct 2023 to Feb 2024 (among others).
    states = odforecast.load_dataset("states_monthly_12m")
    data = states[states["location"].isin(["US-FL", "US-OH", "US-NC"])
                  & (states["indicator"] == "synthetic_opioids")
                  & (states["estimate"] == "reported")]
    design = build_design(prepare_series(data, allow_censored=True, allow_missing=True))
    assert design.grid[-1] == pd.Timestamp("2025-02-28")
    values = data.set_index(["location", "period_end"])["value"]
    for i, s in enumerate(design.series):
        mine = design.obs_series == i
        ends = design.obs_time[mine]
        lag = design.obs_lag[mine]
        # each observation is CDC's window ending `lag` months before its block's end
        assert list(ends) == [design.grid[k] - pd.offsets.MonthEnd(int(m))
                              for k, m in zip(design.obs_end[mine], lag, strict=True)]
        np.testing.assert_array_equal(design.obs_value[mine],
                                      [values[(s.location, t)] for t in ends])
        # no month in two observed windows: consecutive windows end >= 12 months apart
        gaps = np.diff(ends.year * 12 + ends.month)
        assert (gaps >= 12).all()
        if s.location == "US-OH":  # every February shown (from 2016): the block ends, as before
            assert (lag == 0).all() and list(ends) == list(design.grid[1:])
        if s.location == "US-FL":
            assert ends[-1] == pd.Timestamp("2024-09-30") and lag[-1] == 5
            assert values[("US-FL", ends[-1])] == 3589
    nc = [s.location for s in design.series].index("US-NC")
    nc_ends = design.obs_time[design.obs_series == nc]
    assert pd.Timestamp("2023-09-30") in nc_ends and pd.Timestamp("2025-02-28") in nc_ends


def test_every_twelve_month_window_enters_the_likelihood_each_month_once():
    us = odforecast.load_dataset("us_monthly_12m")
    data = us[(us["indicator"] == "opioids") & (us["estimate"] == "reported")]
    design = build_design(prepare_series(data, allow_censored=True), twelve_month="windows")
    # the trend's steps: 12-month blocks ending at the latest month, Feb 2025 ... Feb 2014
    # (the first window, ending Jan 2015, starts in Feb 2014)
    assert design.step == 12 and design.n_steps == 12
    assert design.grid[-1] == pd.Timestamp("2025-02-28")
    w = design.windows
    shown = data["value"].notna().sum()
    # one constraint (the first window's sum) and one month per later window: every window
    assert len(w.constraint_value) == 1 and len(w.month_step) == shown + 11
    assert len(set(w.month_step)) == len(w.month_step)  # no month counted twice
    assert len(design.obs_value) == 0  # nothing else is observed
    assert w.constraint_value[0] == data["value"].iloc[0]
    # the month entering with the window ending Feb 2024 is the month a year earlier plus
    # CDC's difference of the windows ending Feb 2024 and Jan 2024
    values = data.set_index("period_end")["value"]
    feb24, feb23 = (int(np.flatnonzero(w.month_step == k)[0]) for k in (
        int(design.windows.dates.get_indexer([pd.Timestamp(d)])[0])
        for d in ("2024-02-29", "2023-02-28")))
    assert w.month_segment[feb24] == w.month_segment[feb23]
    assert w.month_offset[feb24] - w.month_offset[feb23] == (
        values["2024-02-29"] - values["2024-01-31"])


def test_twelve_month_forecasts_continue_from_the_observed_count(national_12m_fit):
    fc = national_12m_fit.forecast(12, n_samples=300, random_seed=1)
    paths = fc.samples.sel(location="US", indicator="opioids").values
    assert list(fc.time[:2].strftime("%Y-%m")) == ["2025-03", "2025-04"]
    # One month later 11 of the 12 months are already counted (50,900 through Feb 2025):
    # the first forecast stays close to it, and uncertainty grows with the horizon.
    assert np.median(np.abs(paths[:, 0] - 50_900)) < 0.1 * 50_900
    spread = np.percentile(paths, 90, axis=0) - np.percentile(paths, 10, axis=0)
    assert spread[-1] > 2 * spread[0]


def test_censored_cells_become_upper_bounds(small_states):
    design = build_design(prepare_series(small_states, allow_censored=True, allow_missing=True))
    assert design.obs_censored.any()
    assert (design.obs_upper[design.obs_censored] == 9).all()
    assert np.isinf(design.obs_upper[~design.obs_censored]).all()


def test_national_fit_contract_and_outputs(national_fit, national_annual):
    assert national_fit.idata.attrs["inference"].startswith("NUTS")
    for key in ("odforecast_version", "model_config", "data_vintage", "random_seed",
                "pymc_version"):
        assert key in national_fit.idata.attrs
    diag = national_fit.diagnostics
    assert list(diag["location"]) == ["US"]
    assert {"r_hat_max", "ess_bulk_min", "ess_tail_min", "divergences",
            "max_treedepth_hits"} <= set(diag.columns)
    fc = national_fit.forecast(10, n_samples=400, random_seed=3)
    assert list(fc.time.year) == list(range(2020, 2030))
    paths = fc.samples.sel(location="US", indicator="opioids").values
    assert (paths >= 0).all() and np.all(paths == np.round(paths))  # counts
    # The first projected year is near the last observed one (49,860 in 2019).
    assert 35_000 < np.median(paths[:, 0]) < 70_000
    total = fc.cumulative("2020", "2029")
    assert total.loc[0, "lower_95"] < total.loc[0, "median"] < total.loc[0, "upper_95"]


def test_same_seed_same_paths_and_multiplier_one_is_exact(national_fit):
    a = national_fit.forecast(5, n_samples=200, random_seed=4)
    b = national_fit.forecast(5, ConstantMultiplier(1.0), n_samples=200, random_seed=4)
    np.testing.assert_array_equal(a.samples.values, b.samples.values)
    c = national_fit.forecast(5, n_samples=200, random_seed=5)
    assert not np.array_equal(a.samples.values, c.samples.values)
    half = national_fit.forecast(5, ConstantMultiplier(0.5), n_samples=200, random_seed=4)
    assert half.samples.mean() < 0.6 * a.samples.mean()


def test_default_sampler_is_numpyro_with_its_programs_kept_on_disk(national_fit,
                                                                   hierarchical_fit):
    """sampler "auto" is numpyro, and XLA's compiled programs go to odforecast's cache folder,
    so a fit of the same shapes in a new process skips most compiling (national 12-month
    fit: 30 s, then 14 s; benchmarks/bayes_speed).  Data with suppressed cells go to nutpie:
    JAX cannot differentiate the censored likelihood (the rule on the number of series is
    in resolve_sampler's doctest)."""
    import os
    import sys
    from pathlib import Path

    from odforecast._jax import jax_cache_dir

    assert national_fit.sampler_config["nuts_sampler"] == "numpyro"
    assert national_fit.idata.attrs["inference"] == "NUTS (numpyro)"
    assert hierarchical_fit.design.obs_censored.any()
    assert hierarchical_fit.idata.attrs["inference"] == "NUTS (nutpie)"
    jax = sys.modules["jax"]
    assert jax.config.jax_enable_x64
    if os.environ.get("JAX_COMPILATION_CACHE_DIR"):
        pytest.skip("the user's own JAX cache is left alone")
    folder = Path(jax.config.jax_compilation_cache_dir)
    assert folder == jax_cache_dir()
    assert folder.is_dir() and any(folder.iterdir())  # this fit's programs


def test_untrustworthy_runs_are_flagged(national_fit):
    """300 draws cannot give a bulk ESS of 400: the fit must say so, and so must forecasts."""
    assert not national_fit.convergence["trustworthy"]
    assert "ESS" in national_fit.convergence["problems"]
    fc = national_fit.forecast(2, n_samples=50, random_seed=1)
    assert any("not trustworthy" in w for w in fc.metadata["warnings"])
    assert "not trustworthy" in repr(fc)
    assert "NOT trustworthy" in repr(national_fit)


def test_untrustworthy_fit_warns(national_annual):
    with pytest.warns(OdforecastWarning, match=r"not trustworthy: .*To fix it, raise draws") as w:
        BayesianTrend(sampler_config={"draws": 30, "tune": 30, "chains": 1, **NUTPIE},
                      random_seed=2).fit(national_annual)
    # a Python user (or the reproduce command) is told the settings, not command-line flags
    advice = next(str(r.message) for r in w if "not trustworthy" in str(r.message))
    assert "sampler_config={'draws': 1000, 'tune': 1000}" in advice and "--draws" not in advice


def test_save_and_load_reproduce_forecasts(national_fit, tmp_path):
    from odforecast.models.bayes import load_fit

    path = tmp_path / "fit.nc"
    national_fit.save(path)
    loaded = load_fit(path)
    a = national_fit.forecast(4, n_samples=100, random_seed=8)
    b = loaded.forecast(4, n_samples=100, random_seed=8)
    np.testing.assert_array_equal(a.samples.values, b.samples.values)
    assert loaded.idata.attrs["random_seed"] == 11


def test_hierarchical_aggregate_is_the_sum_of_the_states(hierarchical_fit):
    fc = hierarchical_fit.forecast(3, n_samples=200, random_seed=2)
    states = fc.samples.sel(location=[c for c in fc.locations if c != "US"])
    np.testing.assert_allclose(fc.samples.sel(location="US").values,
                               states.sum("location").values)
    assert set(fc.locations) == {"US", "US-ME", "US-NH", "US-RI", "US-VT", "US-WY"}
    assert "level_tau" in hierarchical_fit.idata["posterior"]


def test_hierarchical_aggregate_survives_save_load_and_pickle(hierarchical_fit, tmp_path):
    import pickle

    from odforecast.models.bayes import load_fit

    path = tmp_path / "states.nc"
    hierarchical_fit.save(path)
    loaded = load_fit(path)
    unpickled = pickle.loads(pickle.dumps(hierarchical_fit))
    expected = hierarchical_fit.forecast(2, n_samples=60, random_seed=4)
    assert "US" in expected.locations
    for other in (loaded, unpickled):
        assert type(other.model) is HierarchicalBayes
        assert other.model.aggregate_location == "US"
        got = other.forecast(2, n_samples=60, random_seed=4)
        assert got.locations == expected.locations
        np.testing.assert_array_equal(got.samples.values, expected.samples.values)
    # the data went into a group of the file, with the posterior's provenance kept
    import xarray as xr

    tree = xr.open_datatree(path)
    assert "odforecast_data" in tree.children and "posterior" in tree.children
    assert tree.attrs["random_seed"] == 5


def test_hierarchical_model_passes_the_contract_pieces(hierarchical_fit):
    both = hierarchical_fit.forecast(2, [ConstantMultiplier(1.0, name="base"),
                                         ConstantMultiplier(0.8, name="cut")],
                                     n_samples=100, random_seed=1)
    assert both.scenarios == ["base", "cut"]
    base = hierarchical_fit.forecast(2, n_samples=100, random_seed=1)
    np.testing.assert_array_equal(both.samples.sel(scenario="base").values,
                                  base.samples.values)


def test_check_model_contract_on_bayes(national_annual):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OdforecastWarning)
        check_model(BayesianTrend(sampler_config={"draws": 60, "tune": 60, "chains": 1,
                                                  **NUTPIE},
                                  random_seed=1), national_annual, n_samples=200)


def _rows(values, **extra):
    return from_records([{"location": "US-VT", "indicator": "heroin", "frequency": "annual",
                          "period_start": f"{2010 + i}-01-01", "period_end": f"{2010 + i}-12-31",
                          "value": v, "unit": "deaths", "source": "t", "vintage": "2025-01-01",
                          **extra} for i, v in enumerate(values)])


@pytest.mark.parametrize(("data", "needle"), [
    (lambda: _rows([10.5, 12, 13, 14]), "non-integer counts"),
    (lambda: _rows([0.0, 0, 0, 0]), "all zeros"),
    # every cell not shown (Alabama's opioid windows before 2018), not "all zeros"
    (lambda: _rows([np.nan] * 4, flag="not_shown"), "no shown value.*drop it"),
    (lambda: _rows([np.nan] * 4, censored=True, censor_upper=9.0), "entirely censored"),
])
def test_bad_series_are_refused_before_sampling(data, needle):
    with pytest.raises(DataError, match=needle):
        BayesianTrend().fit(data())


def test_bad_configs_and_population(national_annual, small_states):
    with pytest.raises(DataError, match="unknown sampler_config option 'drawz'"):
        BayesianTrend(sampler_config={"drawz": 10}).fit(national_annual)
    with pytest.raises(DataError, match="unknown nuts_sampler 'stan'"):
        BayesianTrend(sampler_config={"nuts_sampler": "stan"}).fit(national_annual)
    with pytest.raises(DataError, match="unknown model_config option"):
        BayesianTrend(model_config={"level": 1}).fit(national_annual)
    population = odforecast.load_dataset("states_population")
    gappy = population[~((population["location"] == "US-VT")
                         & (population["period_start"].dt.year == 2018))]
    with pytest.raises(DataError, match="US-VT has a gap: no value for 2018"):
        HierarchicalBayes(population=gappy).fit(small_states)
    zero = population.copy()
    zero.loc[zero["location"] == "US-NH", "value"] = 0.0
    with pytest.raises(DataError, match="US-NH has zero or missing"):
        HierarchicalBayes(population=zero).fit(small_states)


def test_population_is_carried_to_data_years_after_the_census_table_with_a_warning():
    states = odforecast.load_dataset("states_monthly_12m")
    data = states[(states["location"].isin(["US-VT", "US-NH"]))
                  & (states["indicator"] == "opioids") & (states["estimate"] == "reported")]
    assert data["period_end"].max() >= pd.Timestamp("2025-01-31")  # data runs into 2025
    population = odforecast.load_dataset("states_population")
    assert population["period_start"].dt.year.max() == 2024  # Census estimates end in 2024
    series = prepare_series(data, allow_censored=True, allow_missing=True)
    with pytest.warns(OdforecastWarning,
                      match="population of US-NH, US-VT does not cover 2025; using the nearest"):
        design = build_design(series, population=population)
    vt = [s.location for s in design.series].index("US-VT")
    vt_2024 = population[(population["location"] == "US-VT")
                         & (population["period_start"].dt.year == 2024)]["value"].item()
    assert design.grid[-1].year == 2025 and design.exposure[vt, -1] == vt_2024


def test_steps_before_a_series_first_count_are_not_sampled():
    # Alaska's opioid counts are not shown by CDC for the first 12-month blocks: the model
    # samples no free level there and starts the trend (level0) at the first block with a
    # shown window.
    from odforecast.models.bayes.model import build_model

    states = odforecast.load_dataset("states_monthly_12m")
    data = states[states["location"].isin(["US-AK", "US-VT", "US-OH"])
                  & (states["indicator"] == "opioids") & (states["estimate"] == "reported")]
    design = build_design(prepare_series(data, allow_censored=True, allow_missing=True),
                          twelve_month="windows")
    first = np.array([int(design.grid.searchsorted(s.time[np.flatnonzero(
        ~np.isnan(s.values) & ~s.censored)[0]])) for s in design.series])
    assert first.max() > 0  # at least one series starts late
    model = build_model(design, dict(HierarchicalBayes.default_model_config), pooled=True)
    n_free = model["level_offset"].type.shape[0]
    assert n_free == int((design.n_steps - first).sum())
    point = model.initial_point()
    fn = model.compile_fn(model.replace_rvs_by_values([model["level0"]]),
                          inputs=model.value_vars, point_fn=True,
                          on_unused_input="ignore")
    level0 = fn(point)[0]
    # at the initial point the level sits on the observed log rate of the latest shown window
    # ending in the first block
    for i, s in enumerate(design.series):
        ends = (s.time > design.grid[first[i]] - pd.DateOffset(months=12)) & (
            s.time <= design.grid[first[i]]) & ~np.isnan(s.values)
        expected = np.log(s.values[ends][-1] / design.exposure[i, first[i]])
        assert level0[i] == pytest.approx(expected, rel=1e-9)


def test_forecast_before_fit_is_a_clear_error():
    with pytest.raises(FitError, match=r"call \.fit\(data\) first"):
        BayesianTrend().forecast(3)


def test_advi_is_labelled_approximate(national_annual):
    model = BayesianTrend(sampler_config={"method": "advi", "advi_iterations": 2000,
                                          "draws": 100, "chains": 1}, random_seed=3)
    with pytest.warns(OdforecastWarning, match="approximate"):
        fitted = model.fit(national_annual)
    fc = fitted.forecast(3, n_samples=100, random_seed=1)
    assert "ADVI" in fc.metadata["inference"]
    assert any("approximate" in w for w in fc.metadata["warnings"])


def test_regressor_and_covariate_scenario_on_the_bayesian_model():
    """CBP fentanyl seizures as a regressor; a covariate scenario supplies its future."""
    from odforecast.scenarios import CovariateScenario

    cbp = odforecast.load_dataset("cbp_fentanyl_seizures")
    lbs = cbp[(cbp["indicator"] == "fentanyl_seized_lbs") & (cbp["region"] == "all")]
    monthly = lbs.set_index("period_end")["value"].sort_index()
    exog = np.log(monthly.rolling(12).sum()).dropna().to_frame("log_seized_12m")
    us = odforecast.load_dataset("us_monthly_12m")
    data = us[(us["indicator"] == "synthetic_opioids") & (us["estimate"] == "reported")
              & (us["period_end"] >= "2020-09-30")]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OdforecastWarning)
        fitted = BayesianTrend(sampler_config={**SMALL, **NUTPIE}, random_seed=4).fit(
            data, exog=exog)
    assert "exog_effect" in fitted.idata["posterior"]
    with pytest.raises(DataError, match="exog_future"):
        fitted.forecast(3, n_samples=50, random_seed=1)
    more = CovariateScenario("seizures_plus_50", column="log_seized_12m", change=0.5,
                             start="2025-03-01", baseline=exog, scale="log")
    same = CovariateScenario("seizures_flat", column="log_seized_12m", change=0.0,
                             start="2025-03-01", baseline=exog, scale="log")
    a = fitted.forecast(6, more, n_samples=200, random_seed=1)
    b = fitted.forecast(6, same, n_samples=200, random_seed=1)
    assert a.samples.shape == b.samples.shape
    assert not np.array_equal(a.samples.values, b.samples.values)  # the regressor is used


def test_quick_mode_shortens_default_sampling_but_not_explicit_settings():
    model = BayesianTrend()
    assert model._configs()[1]["draws"] == 1000
    with odforecast.set_options(quick=True):
        quick = model._configs()[1]
        explicit = BayesianTrend(sampler_config={"draws": 700})._configs()[1]
    assert (quick["draws"], quick["tune"]) == (200, 300)
    assert explicit["draws"] == 700 and explicit["tune"] == 300
    assert BayesianTrend()._configs()[1]["draws"] == 1000  # restored after the block
    with pytest.raises(odforecast.OdforecastError, match="quick must be True or False"):
        odforecast.set_options(quick="yes")


def test_hierarchical_model_samples_longer_by_default_and_keeps_the_users_settings():
    """HIERARCHICAL_SAMPLER_CONFIG: 2 x 2,000 draws after 1,000 tuning steps (the spread of the
    locations' growth scales mixes slowly: 2 x 1,000 needed a rerun at every benchmark origin);
    a user's draws, quick mode and BayesianTrend's defaults are untouched."""
    hierarchical = HierarchicalBayes()._configs("12m_ending")[1]
    assert (hierarchical["draws"], hierarchical["tune"], hierarchical["chains"]) == (2000, 1000, 2)
    assert hierarchical["reruns"] == 2  # a run that still misses the thresholds samples again
    assert BayesianTrend()._configs("12m_ending")[1]["draws"] == 1000
    assert HierarchicalBayes(sampler_config={"draws": 500})._configs()[1]["draws"] == 500
    with odforecast.set_options(quick=True):
        assert HierarchicalBayes()._configs()[1]["draws"] == 200


def test_noise_priors_of_the_fitted_models_are_the_documented_ones(national_fit,
                                                                    national_12m_fit):
    """The priors the fits were built with: log sigma ~ N(log 0.04, 0.5) and log c ~
    N(log 0.05, 0.75) for annual data; N(log 0.15, 0.5) and N(log 0.05, 0.4) for 12-month-ending
    data (docs/bayes.md, the prior table)."""
    from odforecast.models.bayes.model import build_model

    def normal_prior(fitted, name):
        model = build_model(fitted.design, fitted.model_config, pooled=False)
        mu, sd = (np.unique(np.ravel(x.eval())) for x in model[name].owner.inputs[-2:])
        assert mu.size == sd.size == 1  # the same prior for every series
        return float(np.exp(mu[0])), float(sd[0])

    # the annual step is a year; the 12-month-ending one is 12 months: both on yearly scales
    assert normal_prior(national_fit, "log_sigma") == pytest.approx((0.04, 0.5))
    assert normal_prior(national_fit, "log_overdispersion") == pytest.approx((0.05, 0.75))
    assert normal_prior(national_12m_fit, "log_sigma") == pytest.approx((0.15, 0.5))
    assert normal_prior(national_12m_fit, "log_overdispersion") == pytest.approx((0.05, 0.4))


def test_the_us_aggregate_is_added_only_for_the_50_states_and_dc():
    from odforecast.data.locations import US_STATES
    from odforecast.models.bayes.hierarchical import _is_states_and_dc

    states = {f"US-{abbrev}" for abbrev in US_STATES}
    assert len(states) == 51
    assert _is_states_and_dc(states) and _is_states_and_dc(states | {"US-NYC"})
    assert not _is_states_and_dc(states - {"US-PA"})  # VSRR shows no PA opioid counts
    assert not _is_states_and_dc(states | {"US-PR"})
    assert not _is_states_and_dc({"US-VT", "US-NH"})
    assert HierarchicalBayes().aggregate_location == "auto"


def test_forecast_arguments_agree_with_the_other_families(national_fit):
    # issue 11: np.int64 n_samples failed here and passed in the per-series template;
    # duplicate scenario names were a DataError there and a ScenarioError in the mechanistic
    fc = national_fit.forecast(np.int64(2), n_samples=np.int64(30), random_seed=np.int64(2))
    assert fc.samples.sizes["sample"] == 30
    with pytest.raises(ScenarioError, match="unique"):
        national_fit.forecast(2, [ConstantMultiplier(1.0, name="a"),
                                  ConstantMultiplier(0.5, name="a")], n_samples=10)
    with pytest.raises(ParameterError, match="n_samples"):
        national_fit.forecast(2, n_samples=2.5)


def test_hierarchical_model_on_one_location_says_what_to_do():
    """Refused before any sampling, naming the location and the two ways on."""
    ohio = odforecast.load_dataset("states_annual").query(
        "location == 'US-OH' and indicator == 'opioids'")
    with pytest.raises(DataError, match="needs at least two; got US-OH") as info:
        HierarchicalBayes(random_seed=1).fit(ohio)
    assert "add neighbouring locations" in str(info.value)
    assert "--model bayes" in str(info.value)


def test_hierarchical_states_share_one_overdispersion_by_default(hierarchical_fit):
    """HierarchicalBayes's defaults (HIERARCHICAL_MODEL_CONFIG): one overdispersion for all
    locations — per-location values and the growth scales traded off along a ridge at the
    early backtest origins — and the pooled log growth scale's prior sd from
    ``sigma_slope_log_sd``; ``"per_series"`` brings the pooled per-location values back."""
    from odforecast.models.bayes.model import build_model

    fitted = hierarchical_fit
    assert fitted.model_config["overdispersion_pooling"] == "shared"
    post = fitted.idata["posterior"]
    assert "log_overdispersion_tau" not in post and "od_z" not in post
    od = post["overdispersion"].values  # (chain, draw, series): the same in every series
    np.testing.assert_array_equal(od, np.broadcast_to(od[..., :1], od.shape))
    assert "log_overdispersion_tau" not in fitted.pooled_vars()
    # BayesianTrend keeps one overdispersion per series by default, and can share one
    assert BayesianTrend()._configs()[0]["overdispersion_pooling"] == "per_series"
    trend_config = BayesianTrend(model_config={"overdispersion_pooling": "shared"})._configs()[0]
    independent = build_model(fitted.design, trend_config, pooled=False)
    assert "log_overdispersion_mu" in independent.named_vars
    assert "log_overdispersion" not in independent.named_vars
    assert np.isfinite(independent.compile_logp()(independent.initial_point()))
    model = build_model(fitted.design, {**fitted.model_config,
                                        "overdispersion_pooling": "per_series"}, pooled=True)
    assert "log_overdispersion_tau" in model.named_vars
    shared = build_model(fitted.design, fitted.model_config, pooled=True)
    # the prior of the pooled log growth scale: sd 0.5 (HierarchicalBayes's default)
    dist = shared["log_sigma_mu"].owner.inputs
    assert float(dist[-1].eval()) == pytest.approx(0.5)
    # and the spread of log sigma across locations: HalfNormal(0.1)
    assert float(shared["log_sigma_tau"].owner.inputs[-1].eval()) == pytest.approx(0.1)
    with pytest.raises(ParameterError, match="overdispersion_pooling"):
        HierarchicalBayes(model_config={"overdispersion_pooling": "pooled"})._configs()
    with pytest.raises(ParameterError, match="sigma_slope_spread"):
        HierarchicalBayes(model_config={"sigma_slope_spread": 0})._configs()
    with pytest.raises(ParameterError, match="sigma_slope_spread"):  # not a BayesianTrend key
        BayesianTrend(model_config={"sigma_slope_spread": 0.3})._configs()


def test_a_default_run_that_does_not_converge_is_sampled_again_longer(national_fit):
    """A fit at the default run length that misses the convergence thresholds samples again
    with twice the draws and tuning steps (and a higher target_accept after divergences), up
    to ``reruns`` times; a run length the user chose, or quick mode, is kept."""
    from odforecast.models.bayes.fit import rerun_config

    assert not national_fit.convergence["trustworthy"]  # 150 draws: flagged
    assert national_fit.sampler_config["reruns"] == 2
    assert not BayesianTrend(sampler_config=SMALL)._may_rerun(national_fit)
    assert not BayesianTrend(sampler_config={"tune": 500})._may_rerun(national_fit)
    assert BayesianTrend()._may_rerun(national_fit)
    assert BayesianTrend()._may_rerun(national_fit, 1)
    assert not BayesianTrend()._may_rerun(national_fit, 2)  # two reruns done: flag it
    assert BayesianTrend(sampler_config={"target_accept": 0.95})._may_rerun(national_fit)
    with odforecast.set_options(quick=True):
        assert not BayesianTrend()._may_rerun(national_fit)
    with pytest.raises(ParameterError, match="reruns"):
        BayesianTrend(sampler_config={"reruns": -1})._configs()
    again = rerun_config({**national_fit.sampler_config, "draws": 1000, "tune": 1000},
                         "bulk ESS 250 < 400")
    assert (again["draws"], again["tune"], again["target_accept"]) == (2000, 2000, 0.99)


def test_hierarchical_locations_share_growth_shocks(hierarchical_fit, small_states):
    """The locations' growth rates move together (one shock per step shared by all, on top
    of their own): the states' forecast paths are correlated, so a total summed from them is
    as uncertain as the fit says.  Without the shared shock (``common_shock_sd=None``) they
    are nearly independent."""

    def mean_correlation(fitted):
        fc = fitted.forecast(8, n_samples=2000, random_seed=4)
        last = fc.samples.isel(time=-1).squeeze(drop=True)  # (sample, location)
        states = np.log1p(last.sel(location=[c for c in fc.locations if c != "US"]).values)
        corr = np.corrcoef(states, rowvar=False)
        return np.mean(corr[np.triu_indices_from(corr, 1)])

    post = hierarchical_fit.idata["posterior"]
    assert post["common_shock"].shape[-1] == hierarchical_fit.design.n_steps - 1
    assert float(post["common_shock_sd"].mean()) > 0
    # checked for convergence like every pooled parameter
    assert {"common_shock_sd", "common_shock"} <= set(hierarchical_fit.pooled_vars())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OdforecastWarning)
        independent = HierarchicalBayes(aggregate_location="US", sampler_config=SMALL,
                                        model_config={"common_shock_sd": None},
                                        random_seed=5).fit(small_states)
    assert "common_shock" not in independent.idata["posterior"]
    assert "common_shock_sd" not in independent.pooled_vars()
    shared, alone = mean_correlation(hierarchical_fit), mean_correlation(independent)
    assert shared > 0.08  # 0.15 when written
    assert abs(alone) < 0.04  # -0.003
    with pytest.raises(ParameterError, match="common_shock_sd"):
        HierarchicalBayes(model_config={"common_shock_sd": -0.1})._configs()
    with pytest.raises(ParameterError, match="common_shock_sd"):  # not a BayesianTrend key
        BayesianTrend(model_config={"common_shock_sd": 0.1})._configs()


def test_withheld_trailing_windows_are_bridged_from_the_latest_shown_one():
    """Florida's synthetic-opioid windows ending Oct 2024 - Feb 2025 are withheld; the last
    shown one (Sep 2024: 3,589) was falling ~200 a month.  Fitted with a state shown to Feb
    2025, the forecast must start from Florida's latest shown months carried through the
    withheld ones, not from the model's year-old block level (3,576 before the bridge)."""
    states = odforecast.load_dataset("states_monthly_12m")
    data = states[states["location"].isin(["US-FL", "US-GA"])
                  & (states["indicator"] == "synthetic_opioids")
                  & (states["estimate"] == "reported")]
    florida = data[data["location"] == "US-FL"].set_index("period_end")["value"]
    assert florida.loc["2024-09-30"] == 3589 and florida.loc["2024-10-31":].isna().all()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OdforecastWarning)
        fitted = BayesianTrend(sampler_config={**SMALL, **NUTPIE}, random_seed=1).fit(data)
    fc = fitted.forecast(3, n_samples=1000, random_seed=2)
    assert fc.time[0] == pd.Timestamp("2025-03-31")
    first = fc.samples.sel(location="US-FL").squeeze(drop=True).values[:, 0]
    # six more months of the fall (~2,400-2,600); 2,506 (80 %: 2,330-2,710) when written
    assert 2_000 < np.median(first) < 0.8 * 3_589
    assert np.percentile(first, 90) < 3_000


def test_a_small_pool_has_zero_avoiding_spread_priors_and_converges_at_the_defaults():
    """Below SMALL_POOL locations the spreads of the initial levels and growth rates have
    log-normal priors (no mass at 0, where NUTS diverged in the funnel); from SMALL_POOL on,
    the half-normal ones the state benchmarks ran with.  Three New England states' opioid
    windows kept 128 divergences after two longer reruns with the half-normal spreads; now
    the first run converges (benchmarks/bayes_speed/small_pools.py)."""
    from odforecast.models.bayes.config import SMALL_POOL
    from odforecast.models.bayes.model import build_model

    states = odforecast.load_dataset("states_monthly_12m")
    pool = states[states["location"].isin(["US-NH", "US-VT", "US-ME"])
                  & (states["indicator"] == "opioids") & (states["estimate"] == "reported")]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", OdforecastWarning)
        fitted = HierarchicalBayes(random_seed=1).fit(pool)  # the defaults
    # the only warning: Census estimates end in 2024, the windows in February 2025
    assert [str(w.message)[:36] for w in caught] == ["population of US-ME, US-NH, US-VT do"]
    assert fitted.convergence["divergences"] == 0 and fitted.convergence["trustworthy"]
    assert fitted.sampler_config["draws"] == 2000  # the first run, no rerun needed
    config = fitted.model_config
    assert config["spread_prior"] == "auto" and len(fitted.series) < SMALL_POOL
    model = build_model(fitted.design, config, pooled=True)
    for name in ("level_tau", "slope_tau"):
        assert model[name].owner.op.name == "lognormal"
    half = build_model(fitted.design, {**config, "spread_prior": "half_normal"}, pooled=True)
    assert half["slope_tau"].owner.op.name == "halfnormal"
    # a pool of SMALL_POOL locations keeps the half-normal spreads under "auto"
    ten = sorted(set(states["location"]) - {"US-NYC"})[:SMALL_POOL]
    big = states[states["location"].isin(ten) & (states["indicator"] == "all_drugs")
                 & (states["estimate"] == "reported")]
    design = build_design(prepare_series(big, allow_censored=True, allow_missing=True),
                          twelve_month="windows")
    model = build_model(design, config, pooled=True)
    assert design.n_series == SMALL_POOL
    assert {model[n].owner.op.name for n in ("level_tau", "slope_tau")} == {"halfnormal"}
    with pytest.raises(ParameterError, match="spread_prior"):
        HierarchicalBayes(model_config={"spread_prior": "flat"})._configs()


def test_new_months_share_one_departure_per_twelve_month_block():
    """A 12-month block of new months is the likelihood's negative binomial (shape alpha); a
    window with h new months varies by about h/12 of that departure, not sqrt(h/12) (twelve
    independent months with dispersion alpha/12); months of different blocks are
    independent."""
    from odforecast.models.bayes.fit import _block_counts

    rng = np.random.default_rng(7)
    n, alpha, mu = 40_000, 100.0, 2_000.0  # blocks stray 10 % from the trend
    counts = _block_counts(rng, np.full((n, 24), mu), np.full(n, alpha))
    first, second = counts[:, :12].sum(axis=1), counts[:, 12:].sum(axis=1)
    block_var = 12 * mu + (12 * mu) ** 2 / alpha  # negative binomial, shape alpha
    assert first.var() == pytest.approx(block_var, rel=0.05)
    assert second.var() == pytest.approx(block_var, rel=0.05)
    assert abs(np.corrcoef(first, second)[0, 1]) < 0.02
    one = counts[:, 0]  # the month a one-month-ahead window takes in
    assert one.std() / mu == pytest.approx(np.sqrt(1 / alpha + 1 / mu), rel=0.05)  # ~0.10
    assert one.std() / first.std() == pytest.approx(1 / 12, rel=0.1)  # not 1 / sqrt(12)


def test_one_month_ahead_the_window_varies_only_by_the_month_it_takes_in():
    """US opioids to February 2025 (50,900), default blocks likelihood: the next window keeps
    11 of its 12 months, so its 80 % interval is about a month's spread — 1.2 % of the window
    when written, 3.2 % when every new month had its own block-sized departure — while a year
    ahead it is the whole block's (22 % either way)."""
    us = odforecast.load_dataset("us_monthly_12m")
    data = us[(us["indicator"] == "opioids") & (us["estimate"] == "reported")]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OdforecastWarning)
        fitted = BayesianTrend(sampler_config={**SMALL, **NUTPIE}, random_seed=3).fit(data)
    paths = fitted.forecast(12, n_samples=1000, random_seed=1).samples.sel(
        location="US", indicator="opioids").values
    width = np.percentile(paths, 90, axis=0) - np.percentile(paths, 10, axis=0)
    assert width[0] < 0.02 * 50_900
    assert width[-1] > 10 * width[0]
