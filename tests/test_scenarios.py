"""Scenarios on real forecasts: invariants, parameter uncertainty, serialisation, errors."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import odforecast
from odforecast.errors import ScenarioError
from odforecast.models import ARIMA, Drift
from odforecast.scenarios import (
    MOUD,
    PRESETS,
    Beta,
    Combined,
    Composite,
    ConstantMultiplier,
    CovariateScenario,
    Diluted,
    Fixed,
    HorizonChecked,
    Interdiction,
    ModelChecked,
    Naloxone,
    Normal,
    RegressorProvider,
    Scenario,
    Serialisable,
    StatusQuo,
    Targeted,
    Timed,
    Triangular,
    Uniform,
    accepts_frequency,
    check_horizon,
    describe_presets,
    evaluate_multiplier,
    from_dict,
    leaves,
    load_scenarios,
    onset_of,
    parts_of,
    preset,
    profile,
    provides_regressors,
    save_scenarios,
    validate_for,
    walk,
)

N = 200  # sample paths: enough for means, small enough for a busy machine


@pytest.fixture(scope="module")
def annual():
    us = odforecast.load_dataset("us_annual")
    return us[(us["indicator"] == "opioids") & (us["estimate"] == "reported")]


@pytest.fixture(scope="module")
def monthly_12m():
    us = odforecast.load_dataset("us_monthly_12m")
    return us[(us["indicator"] == "opioids") & (us["estimate"] == "reported")]


@pytest.fixture(scope="module")
def fits(annual, monthly_12m):
    return {
        "drift_annual": Drift().fit(annual),
        "arima_annual": ARIMA(order=(0, 1, 1)).fit(annual),
        "drift_12m": Drift().fit(monthly_12m),
        "arima_12m": ARIMA(order=(0, 1, 1)).fit(monthly_12m),
    }


@pytest.fixture(scope="module")
def fentanyl_reports():
    """log NFLIS fentanyl reports, US, annual: a real regressor for the annual opioid series."""
    nflis = odforecast.load_dataset("nflis_fentanyl")
    rows = nflis[(nflis["location"] == "US") & (nflis["frequency"] == "annual")]
    return np.log(rows.set_index("period_end")["value"]).rename("log_fentanyl_reports")


FITS = ["drift_annual", "arima_annual", "drift_12m", "arima_12m"]
HORIZON = {"drift_annual": 5, "arima_annual": 5, "drift_12m": 24, "arima_12m": 24}
ONSET = {"drift_annual": "2026-01-01", "arima_annual": "2026-01-01",
         "drift_12m": "2025-09-01", "arima_12m": "2025-09-01"}
MONTHS = pd.date_range("2025-01-31", periods=48, freq="ME")


def _mult(scenario, time=MONTHS, *, indicator="opioids", location="US", n=1, seed=0,
          frequency="monthly"):
    return evaluate_multiplier(scenario, time, location=location, indicator=indicator,
                               n_samples=n, rng=np.random.default_rng(seed), frequency=frequency)


# -- invariants on real forecasts ----------------------------------------------------------------

@pytest.mark.parametrize("fit", FITS)
def test_zero_effect_reproduces_the_baseline_paths_exactly(fits, fit):
    fitted = fits[fit]
    base = fitted.forecast(HORIZON[fit], n_samples=N, random_seed=7)
    zero = Interdiction("zero", 0.0, ONSET[fit], ramp_months=Uniform(0, 6),
                        half_life_months=Triangular(6, 12, 36), substitution=Beta(2, 5))
    again = fitted.forecast(HORIZON[fit], zero, n_samples=N, random_seed=7)
    assert np.array_equal(base.samples.values, again.samples.values)


@pytest.mark.parametrize("fit", FITS)
def test_a_stronger_reduction_never_raises_expected_deaths(fits, fit):
    effects = [0.1, 0.3, 0.5]
    scenarios = [StatusQuo()] + [Interdiction(f"cut_{e}", e, ONSET[fit], ramp_months=6,
                                              half_life_months=24) for e in effects]
    fc = fits[fit].forecast(HORIZON[fit], scenarios, n_samples=N, random_seed=3)
    assert fc.samples.dims[0] == "scenario"
    means = fc.samples.mean("sample").sel(location="US", indicator="opioids").values
    assert np.all(np.diff(means, axis=0) <= 0)  # status quo >= 0.1 >= 0.3 >= 0.5, every period
    after = fc.samples["time"].values > np.datetime64(ONSET[fit])
    assert np.all(np.diff(means[:, after], axis=0) < 0)  # strictly once the effect has started
    paths = fc.samples.sel(location="US", indicator="opioids").values
    assert np.all(np.diff(paths, axis=0) <= 0)  # path by path too (same baseline paths)


def test_profile_before_onset_after_ramp_and_after_one_half_life():
    persistent = Interdiction("p", 0.4, "2026-01-01", ramp_months=6, substitution=0.25)
    m = _mult(persistent)
    months = MONTHS
    before = months < pd.Timestamp("2026-01-01")
    assert np.all(m[:, before] == 1.0)  # exactly 1 before onset
    ramped = months >= pd.Timestamp("2026-07-31")  # months that start after the 6-month ramp
    assert np.allclose(m[:, ramped], 1 - 0.4 * (1 - 0.25))
    ramping = ~before & ~ramped
    assert np.all(np.diff(m[0, ramping]) < 0)  # the effect rises during the ramp

    decaying = Interdiction("d", 0.4, "2026-01-01", ramp_months=6, half_life_months=12,
                            substitution=0.25)
    effect = 1 - _mult(decaying)[0]
    k = int(np.argmax(ramped))  # first month fully after the ramp
    assert np.isclose(effect[k + 12], effect[k] / 2)  # one half-life later: half the effect
    assert np.isclose(effect[k + 24], effect[k] / 4)
    assert np.allclose(profile([0, 6, 18, 30], 6, 12), [0, 1, 0.5, 0.25])


def test_periods_average_the_profile_and_frequency_sets_their_length():
    cut = Interdiction("cut", 0.3, "2026-01-01")
    years = pd.DatetimeIndex(["2025-12-31", "2026-12-31"])
    assert np.allclose(_mult(cut, years, frequency="annual"), [1.0, 0.7])
    assert np.array_equal(_mult(cut, years, frequency=None), _mult(cut, years, frequency="annual"))
    # a 12-month-ending value averages over its trailing 12 months: one month in, 1/12 of it
    ends = pd.DatetimeIndex(["2026-01-31", "2026-12-31"])
    assert np.allclose(_mult(cut, ends, frequency="12m_ending"), [1 - 0.3 / 12, 0.7])
    # a short spike is diluted in an annual total but not lost
    spike = preset("local_seizure_spike", onset="2026-01-01")
    assert 1.0 < _mult(spike, years, frequency="annual")[0, 1] < 1.1
    assert 1.3 < _mult(spike, MONTHS)[0, 12] < 1.6


def test_onset_none_means_the_start_of_the_forecast():
    years = pd.DatetimeIndex(["2025-12-31", "2026-12-31"])
    assert np.allclose(_mult(Interdiction("now", 0.3, None), years, frequency="annual"), 0.7)


def test_other_indicators_and_locations_get_exactly_one():
    cut = Interdiction("cut", 0.5, "2025-06-01")
    for indicator in ("cocaine", "psychostimulants", "all_drugs", "natural_semisynthetic"):
        assert np.all(_mult(cut, indicator=indicator) == 1.0)
    assert np.all(_mult(Interdiction("ca", 0.5, "2025-06-01", locations=["US-CA"])) == 1.0)
    assert np.any(_mult(cut, indicator="synthetic_opioids") < 1)
    nx = Naloxone("nx", 0.2, "2025-06-01")
    assert np.any(_mult(nx, indicator="natural_semisynthetic") < 1)
    assert np.all(_mult(nx, indicator="cocaine") == 1.0)


def test_us_supply_shock_backtest_moves_the_forecast_towards_what_happened(annual):
    observed_2024 = annual.loc[annual["period_end"] == "2024-12-31", "value"].iloc[0]
    fitted = Drift().fit(annual[annual["period_end"] <= "2022-12-31"])
    fc = fitted.forecast(2, [StatusQuo(), preset("us_supply_shock_2023")], n_samples=N,
                         random_seed=1)
    median = fc.samples.median("sample").sel(location="US", indicator="opioids",
                                              time="2024-12-31").values
    status_quo, shock = median
    assert abs(shock - observed_2024) < abs(status_quo - observed_2024)


# -- parameter uncertainty -----------------------------------------------------------------------

def test_distributions_give_per_path_variation_and_reproduce_from_a_seed(fits):
    uncertain = Interdiction("u", Uniform(0.2, 0.5), "2025-06-01",
                             ramp_months=Triangular(0, 3, 12),
                             half_life_months=Normal(24, 6, low=6, high=60),
                             substitution=Beta(2, 5))
    m = _mult(uncertain, n=300, seed=5)
    assert m.shape == (300, len(MONTHS))
    assert np.unique(m[:, -1]).size == 300  # one draw per path
    assert np.all((m >= 0.5) & (m <= 1.0))
    assert np.array_equal(m, _mult(uncertain, n=300, seed=5))
    assert not np.array_equal(m, _mult(uncertain, n=300, seed=6))

    fitted = fits["drift_annual"]
    base = fitted.forecast(5, n_samples=N, random_seed=2).samples.values
    paths = fitted.forecast(5, uncertain, n_samples=N, random_seed=2).samples.values
    ratio = (paths / base)[:, 0, 0, -1]
    assert ratio.std() > 0.01  # the uncertainty reaches the paths


@pytest.mark.parametrize("dist", [Fixed(0.3), Uniform(0.1, 0.4), Normal(0.3, 0.1, 0.0, 0.5),
                                  Normal(5.0, 1.0, low=8.0), Beta(2, 5, high=0.9),
                                  Triangular(0.1, 0.2, 0.6)], ids=repr)
def test_distribution_draws_stay_in_their_support(dist):
    draws = dist.sample(np.random.default_rng(0), 4000)
    low, high = dist.support
    assert draws.min() >= low and draws.max() <= high
    assert abs(draws.mean() - dist.expected_value) < 0.05 * max(1.0, abs(dist.expected_value))


def test_parts_and_parameters_have_independent_streams():
    a = Interdiction("a", Uniform(0.1, 0.5), "2025-06-01")
    elsewhere = Naloxone("b", Uniform(0.1, 0.2), "2025-06-01", indicators=["cocaine"])
    one = _mult(Combined("c", [a]), n=50)
    two = _mult(Combined("c", [a, elsewhere]), n=50)
    assert np.array_equal(one, two)  # adding a part does not change the others' draws
    # making the effect uncertain (drawn first) does not change the substitution draws
    fixed_effect = _mult(Interdiction("a", 0.4, "2025-06-01", substitution=Uniform(0, 0.5)), n=50)
    uncertain_effect = _mult(Interdiction("a", Uniform(0.4, 0.4 + 1e-12), "2025-06-01",
                                          substitution=Uniform(0, 0.5)), n=50)
    assert np.unique(fixed_effect[:, -1]).size == 50
    assert np.allclose(fixed_effect, uncertain_effect)


def test_combined_is_the_product_of_its_parts():
    cut = Interdiction("cut", 0.3, "2025-06-01")
    nx = Naloxone("nx", 0.1, "2025-06-01", ramp_months=12)
    both = _mult(Combined("both", [cut, nx]))
    assert np.allclose(both, _mult(cut) * _mult(nx))


# -- presets -------------------------------------------------------------------------------------

def test_a_list_of_presets_gives_a_scenario_dimension(fits):
    fitted = fits["drift_annual"]
    scenarios = [preset(name) for name in PRESETS]
    fc = fitted.forecast(6, scenarios, n_samples=N, random_seed=11)
    assert fc.samples.dims[0] == "scenario"
    assert list(fc.samples["scenario"].values) == list(PRESETS)
    assert np.nanmin(fc.samples.values) >= 0
    base = fitted.forecast(6, n_samples=N, random_seed=11).samples
    assert np.array_equal(fc.samples.sel(scenario="status_quo").values, base.values)
    total = fc.samples.sum("time").mean("sample").sel(location="US", indicator="opioids")
    low = float(total.sel(scenario="source_low_fentanyl") / total.sel(scenario="status_quo"))
    high = float(total.sel(scenario="source_high_fentanyl") / total.sel(scenario="status_quo"))
    assert low == pytest.approx(1 - 0.227) and high == pytest.approx(1.230)
    assert float(total.sel(scenario="local_seizure_spike")) > float(total.sel(
        scenario="status_quo"))


def test_every_preset_documents_its_source():
    table = describe_presets()
    assert list(table.index) == list(PRESETS)
    for name in PRESETS:
        if name != "status_quo":
            assert "[S]" in PRESETS[name].source and "evidence.md" in PRESETS[name].source
    assert preset("local_seizure_spike").effect < -1  # a doubling or more is representable


def test_preset_overrides_are_validated():
    moved = preset("australia_heroin_shortage_2001", onset="2026-01-01", name="aus_2026")
    assert moved.onset == pd.Timestamp("2026-01-01") and moved.name == "aus_2026"
    with pytest.raises(ScenarioError, match="'effect'"):
        preset("us_supply_shock_2023", effect=1.5)
    with pytest.raises(ScenarioError, match="unknown parameter 'strength'"):
        preset("us_supply_shock_2023", strength=0.5)


# -- serialisation -------------------------------------------------------------------------------

def _examples(fentanyl_reports):
    return [
        *PRESETS.values(),
        ConstantMultiplier(0.8, name="flat"),
        Interdiction("full", Normal(0.3, 0.1, low=0.0, high=0.9), "2026-03-15",
                     ramp_months=Fixed(3), half_life_months=Triangular(6, 12, 36),
                     substitution=Beta(2, 5), indicators=["opioids"], locations=["US"],
                     source="test"),
        MOUD("moud", 0.05, "2026-01-01", ramp_months=24),
        Combined("mix", [Interdiction("cut", 0.3, "2026-01-01"), Naloxone("nx", 0.1, None)]),
        CovariateScenario("seizures_up", "log_fentanyl_reports", 0.5, "2026-01-01",
                          baseline=fentanyl_reports, scale="log"),
    ]


def test_to_dict_from_dict_round_trips(fentanyl_reports):
    for scenario in _examples(fentanyl_reports):
        data = scenario.to_dict()
        json.dumps(data)  # plain data
        assert from_dict(data) == scenario
        assert type(from_dict(data)) is type(scenario)


def test_scenario_files_round_trip(tmp_path, fentanyl_reports):
    scenarios = _examples(fentanyl_reports)
    path = tmp_path / "scenarios.json"
    save_scenarios(scenarios, path)
    assert load_scenarios(path) == scenarios
    one = tmp_path / "one.json"
    one.write_text(json.dumps({"preset": "source_low_fentanyl", "name": "low_2026",
                               "onset": "2026-01-01"}))
    [low] = load_scenarios(one)
    assert low.name == "low_2026" and low.effect == 0.227


def test_yaml_scenario_files(tmp_path):
    pytest.importorskip("yaml")
    path = tmp_path / "scenarios.yaml"
    path.write_text("scenarios:\n"
                    "  - preset: status_quo\n"
                    "  - type: interdiction\n"
                    "    name: cut\n"
                    "    effect: {dist: uniform, low: 0.2, high: 0.4}\n"
                    "    onset: 2026-01-01\n"
                    "    half_life_months: 24\n")
    status_quo, cut = load_scenarios(path)
    assert cut == Interdiction("cut", Uniform(0.2, 0.4), "2026-01-01", half_life_months=24)
    save_scenarios([status_quo, cut], tmp_path / "back.yml")
    assert load_scenarios(tmp_path / "back.yml") == [status_quo, cut]


# -- errors --------------------------------------------------------------------------------------

BAD = {
    "unknown preset": (lambda: preset("nope"), r"unknown preset 'nope'; available presets: .*"
                       r"status_quo"),
    "effect above 100 %": (lambda: Interdiction("x", 1.2, "2026-01-01"),
                           r"'effect' must be in \(-3, 1\); got 1.2 .*reduction above 100 %"),
    "effect of 1": (lambda: Interdiction("x", 1, "2026-01-01"), r"'effect'.*every death"),
    "effect below -3": (lambda: Interdiction("x", -3.5, "2026-01-01"), r"'effect'.*\(-3, 1\)"),
    "naloxone effect": (lambda: Naloxone("x", -1.0, "2026-01-01"), r"'effect'.*\(-1, 1\)"),
    "half-life 0": (lambda: Interdiction("x", 0.3, "2026-01-01", half_life_months=0),
                    r"'half_life_months' must be in \(0, inf\]; got 0"),
    "half-life negative": (lambda: Interdiction("x", 0.3, "2026-01-01", half_life_months=-2),
                           r"'half_life_months'"),
    "negative ramp": (lambda: Interdiction("x", 0.3, "2026-01-01", ramp_months=-1),
                      r"'ramp_months' must be in \[0, inf\); got -1"),
    "substitution above 1": (lambda: Interdiction("x", 0.3, "2026-01-01", substitution=1.5),
                             r"'substitution' must be in \[0, 1\]; got 1.5"),
    "substitution below 0": (lambda: Interdiction("x", 0.3, "2026-01-01", substitution=-0.1),
                             r"'substitution' must be in \[0, 1\]"),
    "uniform beyond the range": (lambda: Interdiction("x", Uniform(0.5, 1.5), "2026-01-01"),
                                 r"'effect' must lie in \(-3, 1\), but Uniform.*\[0.5, 1.5\]"),
    "untruncated normal": (lambda: Interdiction("x", Normal(0.3, 0.1), "2026-01-01"),
                           r"'effect'.*truncate it"),
    "beta reaching 1": (lambda: Interdiction("x", Beta(2, 5), "2026-01-01"),
                        r"'effect'.*Beta\(a, b, high=0.95\)"),
    "substitution distribution": (lambda: Interdiction("x", 0.3, "2026-01-01",
                                                       substitution=Uniform(0.5, 1.2)),
                                  r"'substitution' must lie in \[0, 1\]"),
    "half-life distribution": (lambda: Interdiction("x", 0.3, "2026-01-01",
                                                    half_life_months=Uniform(-1, 5)),
                               r"'half_life_months' must lie in \(0, inf\]"),
    "bad onset": (lambda: Interdiction("x", 0.3, "next spring"), r"'onset'.*date"),
    "unknown indicator": (lambda: Interdiction("x", 0.3, None, indicators=["fentanil"]),
                          r"'indicators'.*'fentanil'"),
    "bad distribution": (lambda: Uniform(0.5, 0.2), r"low < high"),
    "distribution dict": (lambda: from_dict({"type": "interdiction", "name": "x", "onset": None,
                                             "effect": {"dist": "gamma", "k": 2}}),
                          r"'effect'.*unknown distribution 'gamma'"),
    "unknown type": (lambda: from_dict({"type": "embargo", "name": "x"}), r"'type' must be"),
    "unknown key": (lambda: from_dict({"type": "interdiction", "name": "x", "effect": 0.3,
                                       "onset": None, "strength": 2}),
                    r"unknown parameter 'strength'"),
    "missing key": (lambda: from_dict({"type": "interdiction", "name": "x", "effect": 0.3}),
                    r"missing parameter 'onset'"),
    "duplicate parts": (lambda: Combined("c", [StatusQuo(), StatusQuo()]),
                        r"'status_quo' is repeated"),
    "covariate change": (lambda: CovariateScenario("c", "x", -1.0, "2026-01-01", scale="log"),
                         r"'change' must be in \(-1, inf\)"),
}


@pytest.mark.parametrize("case", BAD, ids=str)
def test_bad_inputs_raise_scenario_errors_naming_the_parameter(case):
    make, message = BAD[case]
    with pytest.raises(ScenarioError, match=message):
        make()


def test_onset_after_the_horizon_is_an_error_at_forecast_time(fits):
    late = Interdiction("late", 0.3, "2035-01-01")
    with pytest.raises(ScenarioError, match=r"'onset' \(2035-01-01\).*horizon \(2027-12-31\)"):
        fits["drift_annual"].forecast(3, late, n_samples=10, random_seed=1)
    with pytest.raises(ScenarioError, match=r"'onset' \(2035-01-01\).*horizon \(2027-12-31\)"):
        validate_for(fits["drift_annual"], [StatusQuo(), late], horizon=3)
    validate_for(fits["drift_annual"], late, horizon=11)  # long enough: fine


def test_malformed_scenario_files_name_the_file_and_the_scenario(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps([{"preset": "status_quo"},
                                {"type": "interdiction", "name": "cut", "effect": 0.3,
                                 "onset": "2026-01-01", "substitution": 2}]))
    with pytest.raises(ScenarioError, match=r"bad\.json: scenario 1 \('cut'\): .*'substitution'"):
        load_scenarios(path)
    path.write_text('[{"type": "interdiction", "name": "cut",}]')
    with pytest.raises(ScenarioError, match=r"bad\.json: not valid JSON \(line 1"):
        load_scenarios(path)
    path.write_text(json.dumps([{"name": "untyped"}]))
    with pytest.raises(ScenarioError, match=r"bad\.json: scenario 0 \('untyped'\): .*'type'"):
        load_scenarios(path)
    path.write_text(json.dumps([["not", "a", "mapping"]]))
    with pytest.raises(ScenarioError, match=r"bad\.json: scenario 0: .*mapping"):
        load_scenarios(path)
    path.write_text(json.dumps([{"preset": "status_quo"}, {"preset": "status_quo"}]))
    with pytest.raises(ScenarioError, match=r"scenario 1 \('status_quo'\): .*unique"):
        load_scenarios(path)
    path.write_text("[]")
    with pytest.raises(ScenarioError, match=r"bad\.json: expected"):
        load_scenarios(path)
    other = tmp_path / "s.toml"
    other.write_text("")
    with pytest.raises(ScenarioError, match=r"s\.toml: unknown scenario file type"):
        load_scenarios(other)


# -- covariate scenarios -------------------------------------------------------------------------

def test_covariate_scenario_drives_a_model_fitted_with_the_regressor(annual, fentanyl_reports,
                                                                     fits):
    fitted = ARIMA(order=(0, 1, 1)).fit(annual, exog=fentanyl_reports.to_frame())
    same = CovariateScenario("same", "log_fentanyl_reports", 0.0, "2026-01-01",
                             baseline=fentanyl_reports, scale="log")
    up = CovariateScenario("up", "log_fentanyl_reports", 0.5, "2026-01-01",
                           baseline=fentanyl_reports, scale="log")
    for scenario in (same, up):
        validate_for(fitted, scenario, horizon=4)
    future = up.exog_future(pd.DatetimeIndex(["2025-12-31", "2026-12-31"]),
                            columns=["log_fentanyl_reports"])
    last = fentanyl_reports.sort_index().iloc[-1]
    assert np.allclose(future["log_fentanyl_reports"], [last, last + np.log(1.5)])
    a = fitted.forecast(4, same, n_samples=N, random_seed=9).samples.values
    b = fitted.forecast(4, up, n_samples=N, random_seed=9).samples.values
    assert np.array_equal(a[..., 0], b[..., 0])  # 2025: before the change
    assert not np.allclose(a[..., 1:], b[..., 1:])  # the change moves the later periods
    assert np.all(up.multiplier(future.index, location="US", indicator="opioids", n_samples=3,
                                rng=np.random.default_rng(0)) == 1.0)

    with pytest.raises(ScenarioError, match=r"fitted without regressors.*log_fentanyl_reports"):
        validate_for(fits["arima_annual"], up)
    other = CovariateScenario("other", "cbp_seizures", 0.5, "2026-01-01",
                              baseline=fentanyl_reports)
    with pytest.raises(ScenarioError, match=r"regressors \['log_fentanyl_reports'\], not "
                                            r"'cbp_seizures'"):
        validate_for(fitted, Combined("mix", [Interdiction("cut", 0.3, None), other]))
    with pytest.raises(ScenarioError, match=r"not 'cbp_seizures'"):
        other.exog_future(future.index, columns=["log_fentanyl_reports"])
    with pytest.raises(ScenarioError, match="separate call"):
        validate_for(fitted, [StatusQuo(), up])
    with pytest.raises(ScenarioError, match="exog_future= was also given"):
        validate_for(fitted, up, exog_future=future)


def test_evaluate_multiplier_keeps_working_for_scenarios_without_frequency():
    assert np.array_equal(_mult(ConstantMultiplier(0.5), n=2), np.full((2, len(MONTHS)), 0.5))
    assert np.array_equal(_mult(None, n=2), np.ones((2, len(MONTHS))))


def test_quarterly_and_half_yearly_periods_average_over_their_own_months():
    ramp = Interdiction("ramp", 0.4, "2026-01-01", ramp_months=6)
    quarters = pd.DatetimeIndex(["2026-03-31", "2026-06-30", "2026-09-30"])
    # mean of the ramp x / 6 over months [0, 3] and [3, 6], then 1
    assert np.allclose(_mult(ramp, quarters, frequency="quarterly"), [[0.9, 0.7, 0.6]])
    halves = pd.DatetimeIndex(["2026-06-30", "2026-12-31"])
    assert np.allclose(_mult(ramp, halves, frequency="semiannual"), [[0.8, 0.6]])
    with pytest.raises(ScenarioError, match=r"unknown frequency 'weekly'; use one of annual, "
                                            r"semiannual, quarterly, monthly, 12m_ending"):
        _mult(ramp, halves, frequency="weekly")


# -- protocols: the optional abilities of a scenario ---------------------------------------------

class _Bare:
    """A user scenario with nothing but the two required members."""

    name = "bare"

    def multiplier(self, time, *, location, indicator, n_samples, rng):
        return np.full(len(time), 0.9)


class _WithFrequency(_Bare):
    name = "with_frequency"

    def multiplier(self, time, *, location, indicator, n_samples, rng, frequency=None):
        return np.full(len(time), 0.5 if frequency == "annual" else 0.9)


class _WithKwargs(_Bare):
    name = "with_kwargs"

    def multiplier(self, time, **kwargs):
        return np.full(len(time), 0.5 if kwargs.get("frequency") == "annual" else 0.9)


class _Everything(_Bare):
    """A user scenario with every optional ability (and no base class to inherit them from)."""

    name = "everything"
    onset = None
    parts = ()

    def check_horizon(self, end):
        pass

    def exog_future(self, time, columns=None, history=None):
        return pd.DataFrame(index=time)

    def check_model(self, fitted):
        pass

    def applies_to(self, location, indicator):
        return True

    def to_dict(self):
        return {}


ABILITIES = [Timed, HorizonChecked, Composite, RegressorProvider, ModelChecked, Targeted,
             Serialisable]


@pytest.mark.parametrize("ability", ABILITIES, ids=lambda p: p.__name__)
def test_a_class_lacking_an_ability_is_reported_as_lacking_it(ability):
    assert isinstance(_Bare(), Scenario)
    assert not isinstance(_Bare(), ability)
    assert isinstance(_Everything(), ability)


def test_the_built_in_types_declare_their_abilities():
    cut = Interdiction("cut", 0.3, "2026-01-01")
    up = CovariateScenario("up", "seized", 0.5, "2026-01-01")
    both = Combined("both", [cut, up])
    has = {type(s).__name__: {p.__name__ for p in ABILITIES if isinstance(s, p)}
           for s in (StatusQuo(), ConstantMultiplier(0.9), cut, Naloxone("nx", 0.1, None),
                     up, both, Diluted(cut, 0.5))}
    assert has == {
        "StatusQuo": {"Serialisable"},
        "ConstantMultiplier": {"Serialisable"},
        "Interdiction": {"Timed", "HorizonChecked", "Targeted", "Serialisable"},
        "Naloxone": {"Timed", "HorizonChecked", "Targeted", "Serialisable"},
        "CovariateScenario": {"RegressorProvider", "ModelChecked", "Serialisable"},
        "Combined": {"Composite", "RegressorProvider", "ModelChecked", "HorizonChecked",
                     "Serialisable"},
        "Diluted": {"Timed", "HorizonChecked", "Serialisable"},
    }
    assert onset_of(cut) == pd.Timestamp("2026-01-01") == onset_of(Diluted(cut, 0.5))
    assert onset_of(StatusQuo()) is None and onset_of(_Bare()) is None


def test_a_combined_is_walked_part_by_part():
    cut, nx, up = (Interdiction("cut", 0.3, None), Naloxone("nx", 0.1, None),
                   CovariateScenario("up", "seized", 0.5, "2026-01-01"))
    inner = Combined("inner", [nx, up])
    outer = Combined("outer", [cut, inner])
    assert parts_of(outer) == (cut, inner)
    assert parts_of(cut) == () and parts_of(_Bare()) == ()
    assert [s.name for s in walk(outer)] == ["outer", "cut", "inner", "nx", "up"]
    assert [s.name for s in leaves(outer)] == ["cut", "nx", "up"]
    assert [s.name for s in walk(cut)] == [s.name for s in leaves(cut)] == ["cut"]
    # regressors are supplied by a part, at any depth; a Combined alone supplies none
    assert provides_regressors(outer) and provides_regressors(up)
    assert not provides_regressors(Combined("plain", [cut, Combined("deeper", [nx])]))
    assert not provides_regressors(cut)

    class UserProvider(_Bare):
        exog_future = _Everything.exog_future

    assert provides_regressors(UserProvider())
    assert not provides_regressors(_Everything())  # a composite: its parts (none) decide


def test_check_horizon_checks_every_part():
    end = pd.Timestamp("2030-12-31")
    late = Interdiction("late", 0.3, "2031-01-01")
    fine = Combined("fine", [StatusQuo(), Interdiction("early", 0.3, "2027-01-01")])
    for scenario in (fine, StatusQuo(), _Bare(), Diluted(fine.parts[1], 0.5)):
        check_horizon(scenario, end)
    message = r"Interdiction 'late': parameter 'onset' \(2031-01-01\) is not before"
    for scenario in (late, Combined("c", [fine, late]), Diluted(late, 0.5)):
        with pytest.raises(ScenarioError, match=message):
            check_horizon(scenario, end)

    class UserComposite(_Bare):  # parts, but no check_horizon of its own
        parts = (StatusQuo(), late)

    with pytest.raises(ScenarioError, match=message):
        check_horizon(UserComposite(), end)


def test_frequency_reaches_user_scenarios_that_accept_it():
    years = pd.DatetimeIndex(["2026-12-31", "2027-12-31"])
    assert not accepts_frequency(_Bare()) and not accepts_frequency(object())
    assert accepts_frequency(_WithFrequency()) and accepts_frequency(_WithKwargs())
    assert accepts_frequency(Interdiction("cut", 0.3, None)) and accepts_frequency(StatusQuo()) \
        is False
    assert np.allclose(_mult(_Bare(), years, frequency="annual"), 0.9)  # not passed: no error
    assert np.allclose(_mult(_WithFrequency(), years, frequency="annual"), 0.5)
    assert np.allclose(_mult(_WithKwargs(), years, frequency="annual"), 0.5)
    assert np.allclose(_mult(_WithKwargs(), years, frequency=None), 0.9)
    # ... also as parts of a Combined or a Diluted, which pass it on
    assert np.allclose(_mult(Combined("c", [_WithFrequency()]), years, frequency="annual"), 0.5)
    assert np.allclose(_mult(Diluted(_WithKwargs(), 1.0), years, frequency="annual"), 0.5)


def test_from_dict_lists_the_scenario_types_in_their_order():
    with pytest.raises(ScenarioError, match=r"parameter 'type' must be one of status_quo, "
                                            r"constant_multiplier, interdiction, naloxone, moud, "
                                            r"covariate, combined, diluted \(or give 'preset'\)"):
        from_dict({"type": "embargo", "name": "x"})
    both = from_dict({"type": "combined", "name": "c", "parts": [
        {"preset": "status_quo"}, {"type": "diluted", "share": 0.5,
                                   "scenario": {"type": "naloxone", "name": "nx", "effect": 0.1,
                                                "onset": None}}]})
    assert [type(p).__name__ for p in both.parts] == ["StatusQuo", "Diluted"]
    assert from_dict(both.to_dict()) == both


def test_the_scenarios_package_imports_no_model():
    code = ("import sys, odforecast.scenarios; "
            "print(sorted(m for m in sys.modules if m.startswith('odforecast.models')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"


def test_unreadable_scenario_files_are_scenario_errors_naming_the_file(tmp_path):
    # issue 13: a non-UTF-8 file raised UnicodeDecodeError, deep nesting RecursionError
    latin = tmp_path / "latin1.json"
    latin.write_bytes('{"type": "interdiction", "name": "caf\u00e9"}\n'.encode("latin-1"))
    with pytest.raises(ScenarioError, match=r"latin1\.json: not UTF-8 text \(byte \d+, line 1\)"):
        load_scenarios(latin)
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(ScenarioError, match=r"deep\.json: nested too deeply"):
        load_scenarios(deep)
    leaf = json.dumps({"type": "interdiction", "name": "cut", "effect": 0.3,
                       "onset": "2026-01-01"})
    depth = 400  # readable by json, but Combined parts this deep exhaust the recursion limit
    text = "".join(f'{{"type": "combined", "name": "c{d}", "parts": [' for d in range(depth))
    nested = tmp_path / "nested.json"
    nested.write_text(text + leaf + "]}" * depth)
    limit = sys.getrecursionlimit()  # PyTensor raises it when imported: pin Python's default
    sys.setrecursionlimit(1000)
    try:
        with pytest.raises(ScenarioError,
                           match=r"nested\.json: scenario 0 \('c0'\): parts nested"):
            load_scenarios(nested)
    finally:
        sys.setrecursionlimit(limit)
