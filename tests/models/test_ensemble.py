"""odforecast.Ensemble on real bundled data: weights learnt without peeking, the mixture of the
members' sample paths, and the model contract."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import odforecast
from odforecast.errors import ParameterError, ScenarioError
from odforecast.evaluate import backtest
from odforecast.models import ARIMA, BayesianTrend, Drift, Ensemble, Naive
from odforecast.models.ensemble.fit import member_seed
from odforecast.models.ensemble.weights import mean_abs_difference, stacking_weights
from odforecast.scenarios import ConstantMultiplier
from odforecast.testing import check_model

ORIGIN = "2023-12-31"  # the forecast origin of most tests: data through December 2023


@pytest.fixture(scope="module")
def us_full():
    us = odforecast.load_dataset("us_monthly_12m")
    return us[(us["indicator"] == "opioids") & (us["estimate"] == "reported")]


@pytest.fixture(scope="module")
def us(us_full):
    return us_full[us_full["period_end"] <= ORIGIN]


def cheap_arima():
    return ARIMA(order=(0, 2, 1), parameter_uncertainty=False)


@pytest.fixture(scope="module")
def inverse(us):
    """Naive, drift and an ARIMA, inverse-WIS weights from 2 origins, h = 1-6."""
    model = Ensemble([Naive(), Drift(), cheap_arima()], weights="inverse_wis",
                     weight_origins=2, weight_horizon=6, weight_samples=200, random_seed=0)
    return model.fit(us)


def test_inverse_wis_weights_are_the_inverse_of_the_members_past_wis(inverse, us):
    origins = inverse.past.origins
    assert [d.date().isoformat() for d in origins] == ["2023-03-31", "2023-06-30"]
    # the members' WIS computed independently by evaluate.backtest on the same training data
    wis = {m.name: backtest(m, us, origins=origins, horizon=6, n_samples=200, random_seed=0,
                            progress=False).scores["wis"].mean()
           for m in (Naive(), Drift())}
    weights = dict(zip(inverse.labels, inverse.weights[("US", "opioids")], strict=True))
    assert weights["naive"] / weights["drift"] == pytest.approx(wis["drift"] / wis["naive"],
                                                                rel=1e-9)
    table = inverse.weight_table.set_index("member")
    assert table.loc["naive", "past_wis"] == pytest.approx(wis["naive"], rel=1e-12)
    assert table["n_cells"].tolist() == [12, 12, 12]  # 2 origins x 6 horizons
    best = table["past_wis"].idxmin()
    assert table["weight"].idxmax() == best and sum(weights.values()) == pytest.approx(1.0)
    assert len(set(np.round(list(weights.values()), 6))) == 3  # not equal weights


def test_weights_use_only_cells_inside_the_training_data(inverse, us):
    table = inverse.past.table
    assert pd.to_datetime(table["period_end"]).max() == pd.Timestamp(ORIGIN)
    assert inverse.past.origins[-1] == pd.Timestamp("2023-06-30")  # 6 periods before the end


def test_poisoning_data_after_the_scored_cells_leaves_the_weights_unchanged(us):
    # stacked weights from fits up to 2022-06 scored on 2022-07..2022-12; values after that
    # (x 10) must not move them, although the final member fits see them
    model = Ensemble([Naive(), Drift()], weights="stacking", weight_origins=["2022-06-30"],
                     weight_horizon=6, weight_samples=300, random_seed=0)
    clean = model.fit(us)
    poisoned = us.copy()
    poisoned.loc[poisoned["period_end"] > "2022-12-31", "value"] *= 10
    fit = model.fit(poisoned)
    np.testing.assert_array_equal(fit.weights[("US", "opioids")],
                                  clean.weights[("US", "opioids")])
    # the members were refitted on the poisoned data: their forecasts did change
    assert (fit.members["naive"].forecast(1, n_samples=10, random_seed=0).samples.values
            > 5 * clean.members["naive"].forecast(1, n_samples=10, random_seed=0)
            .samples.values).all()
    # the weights are the stacking optimum of the backtest cells, and they are learnt: a
    # fit that also scored the next (poisoned) period - peeking - moves them
    np.testing.assert_allclose(clean.weights[("US", "opioids")],
                               stacking_weights(*clean.past.crps_terms[("US", "opioids")]))
    peeking = Ensemble([Naive(), Drift()], weights="stacking", weight_origins=["2022-06-30"],
                       weight_horizon=7, weight_samples=300, random_seed=0).fit(poisoned)
    assert not np.allclose(peeking.weights[("US", "opioids")],
                           clean.weights[("US", "opioids")], atol=0.01)
    # the fit's seed fixes the weights: another seed moves them a little (sampling noise)
    reseeded = Ensemble([Naive(), Drift()], weights="stacking", weight_origins=["2022-06-30"],
                        weight_horizon=6, weight_samples=300, random_seed=1).fit(us)
    assert not np.array_equal(reseeded.weights[("US", "opioids")],
                              clean.weights[("US", "opioids")])


def test_weights_learnt_on_a_longer_series_differ(us_full):
    # weights learnt at a later origin use later cells; those at the earlier origin do not
    model = Ensemble([Naive(), Drift()], weights="inverse_wis", weight_origins=1,
                     weight_horizon=6, weight_samples=200, random_seed=0)
    early = model.fit(us_full[us_full["period_end"] <= "2023-06-30"])
    late = model.fit(us_full[us_full["period_end"] <= ORIGIN])
    assert early.past.table["period_end"].max() == pd.Timestamp("2023-06-30")
    assert not np.allclose(early.weights[("US", "opioids")], late.weights[("US", "opioids")])


def test_stacking_minimises_the_mixture_crps(inverse):
    a, b = inverse.past.crps_terms[("US", "opioids")]
    table = inverse.weight_table
    # the energy form with one member is that member's mean CRPS from the backtest scores
    np.testing.assert_allclose(a - np.diag(b) / 2, table["past_crps"].to_numpy(), rtol=1e-9)
    w = stacking_weights(a, b)

    def crps(v):
        return v @ a - v @ b @ v / 2

    rng = np.random.default_rng(0)
    for other in [np.eye(3)[i] for i in range(3)] + [np.full(3, 1 / 3)] + list(
            rng.dirichlet(np.ones(3), 50)):
        assert crps(w) <= crps(other) + 1e-9 * crps(other)


def test_mean_abs_difference_matches_the_pairwise_mean():
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(4, 37)), rng.normal(size=(4, 23))
    brute = np.abs(x[:, :, None] - y[:, None, :]).mean(axis=(1, 2))
    np.testing.assert_allclose(mean_abs_difference(x, y), brute, rtol=1e-12)
    assert stacking_weights(np.array([1.0]), np.zeros((1, 1))).tolist() == [1.0]


def test_the_mixture_interval_lies_within_the_members_envelope(inverse):
    fc = inverse.forecast(6, n_samples=600, random_seed=5)
    mix = fc.to_frame(intervals=(0.8,))
    members = [fit.forecast(6, n_samples=600, random_seed=member_seed(5, k)).to_frame(
        intervals=(0.8,)) for k, fit in enumerate(inverse.members.values())]
    lower = np.min([m["lower_80"] for m in members], axis=0)
    upper = np.max([m["upper_80"] for m in members], axis=0)
    slack = 0.01 * (upper - lower)  # the mixture uses a subset of each member's paths
    assert (mix["lower_80"].to_numpy() >= lower - slack).all()
    assert (mix["upper_80"].to_numpy() <= upper + slack).all()
    # and it is a mixture, not one member: wider than the narrowest member at h = 6
    widths = [m["upper_80"].iloc[-1] - m["lower_80"].iloc[-1] for m in members]
    assert mix["upper_80"].iloc[-1] - mix["lower_80"].iloc[-1] > min(widths)


def test_equal_weights_are_exact_and_paths_come_from_the_members(us):
    fitted = Ensemble([Naive(), Drift(), cheap_arima()], weights="equal").fit(us)
    assert fitted.past is None  # no backtest needed
    fc = fitted.forecast(4, n_samples=300, random_seed=3)
    paths = fc.samples.values[:, 0, 0, :]
    own = [fit.forecast(4, n_samples=300, random_seed=member_seed(3, k)).samples.values[:, 0, 0]
           for k, fit in enumerate(fitted.members.values())]
    source = np.full(300, -1)
    for k, member in enumerate(own):
        source[(member == paths).all(axis=1)] = k
    assert (source >= 0).all() and np.bincount(source).tolist() == [100, 100, 100]
    assert list(fc.metadata["ensemble"]["weights"]["US|opioids"]) == ["naive", "drift",
                                                                      "arima"]
    np.testing.assert_allclose(list(fc.metadata["ensemble"]["weights"]["US|opioids"].values()),
                               1 / 3, atol=1e-6)


def test_explicit_weights_are_normalised_and_keyed_by_label(us):
    fitted = Ensemble([Naive(), Drift()], weights={"naive": 3, "drift": 1}).fit(us)
    np.testing.assert_allclose(fitted.weights[("US", "opioids")], [0.75, 0.25])
    fc = fitted.forecast(2, n_samples=400, random_seed=0)
    own = fitted.members["naive"].forecast(2, n_samples=400, random_seed=member_seed(0, 0))
    from_naive = (fc.samples.values[:, 0, 0] == own.samples.values[:, 0, 0]).all(axis=1)
    assert from_naive.sum() == 300


@pytest.mark.parametrize(("params", "parameter", "text"), [
    ({"weights": [1.0, -1.0]}, "weights", "non-negative"),
    ({"weights": [1.0]}, "weights", "one number per member"),
    ({"weights": [0, 0]}, "weights", "positive sum"),
    ({"weights": [1.0, float("nan")]}, "weights", "finite"),
    ({"weights": {"naive": 1, "arima": 1}}, "weights", "unknown"),
    ({"weights": "median"}, "weights", "one of"),
    ({"members": ["naive", "prophet"]}, "members", "unknown model name 'prophet'"),
    ({"members": []}, "members", "non-empty"),
    ({"members": [Naive(), 3]}, "members", "unfitted models"),
    ({"weight_origins": 0}, "weight_origins", "positive"),
    ({"weight_origins": ["2023-13-45"]}, "weight_origins", "dates"),
    ({"weight_horizon": 0}, "weight_horizon", "positive"),
    ({"weight_samples": 2.5}, "weight_samples", "positive"),
    ({"random_seed": -1}, "random_seed", "non-negative"),
    ({"members": [Drift(transform="logg"), "naive"]}, "transform", "one of"),
])
def test_bad_parameters_fail_at_the_start_of_fit(params, parameter, text, us):
    model = Ensemble(**{"members": ["naive", "drift"], **params})
    with pytest.raises(ParameterError, match=text) as info:
        model.fit(us)
    assert info.value.parameter == parameter


def test_too_short_a_series_for_the_weight_origins_says_what_to_do(us):
    with pytest.raises(odforecast.DataError, match="too few to learn ensemble weights"):
        Ensemble(["naive", "drift"], "inverse_wis", weight_origins=40, weight_horizon=6).fit(us)
    with pytest.raises(odforecast.DataError, match="leaves nothing to score"):
        Ensemble(["naive", "drift"], "inverse_wis", weight_origins=[ORIGIN]).fit(us)


def test_a_member_that_cannot_fit_at_a_weight_origin_is_named():
    annual = odforecast.load_dataset("us_annual")
    annual = annual[(annual["indicator"] == "opioids") & (annual["estimate"] == "reported")]
    # drift needs 3 observations; the data up to 2000 hold 2
    with pytest.raises(odforecast.DataError, match=r"member drift could not be fitted to the "
                       r"data up to the backtest origin 2000-12-31 .*weights='equal'") as info:
        Ensemble(["naive", "drift"], "inverse_wis", weight_origins=["2000-12-31"]).fit(annual)
    assert info.value.column == "weight_origins"


def test_inside_a_backtest_later_data_cannot_reach_the_weights(us_full):
    # the test: poison everything after the backtest origin (x 10); the ensemble's
    # forecast from that origin - its weights, members and paths - is unchanged
    model = Ensemble([Naive(), Drift()], "inverse_wis", weight_origins=1, weight_horizon=6,
                     weight_samples=200)
    poisoned = us_full.copy()
    poisoned.loc[poisoned["period_end"] > ORIGIN, "value"] *= 10
    runs = [backtest(model, frame, origins=[ORIGIN], horizon=3, n_samples=200, random_seed=0,
                     progress=False).scores for frame in (us_full, poisoned)]
    columns = ["median", "lower_80", "upper_80", "mean"]
    pd.testing.assert_frame_equal(runs[0][columns], runs[1][columns])
    assert (runs[1]["truth"] == 10 * runs[0]["truth"]).all()  # the truth was poisoned


def test_a_pickled_fit_forecasts_the_same_paths(inverse):
    import pickle

    again = pickle.loads(pickle.dumps(inverse))
    one = inverse.forecast(3, n_samples=200, random_seed=9).samples.values
    np.testing.assert_array_equal(one, again.forecast(3, n_samples=200,
                                                      random_seed=9).samples.values)


def test_forecast_metadata_diagnostics_and_hubverse(inverse, tmp_path):
    fc = inverse.forecast(4, n_samples=500, random_seed=1)
    meta = fc.metadata
    assert meta["model"] == "ensemble"
    ens = meta["ensemble"]
    assert ens["members"] == ["naive", "drift", "arima"]
    assert ens["weights_method"] == "inverse_wis" and ens["fit_random_seed"] == 0
    assert ens["weight_origins"] == [d.date().isoformat() for d in inverse.past.origins]
    assert [m["model"] for m in meta["members"]] == ["naive", "drift", "arima"]
    assert meta["members"][2]["model_config"]["order"] == [0, 2, 1]
    assert all(m["data_vintage"] == meta["data_vintage"] for m in meta["members"])
    diag = inverse.diagnostics
    assert len(diag) == 1 and diag.loc[0, "model"] == "ensemble"
    assert diag.loc[0, "weight_naive"] == pytest.approx(
        inverse.weights[("US", "opioids")][0])
    assert diag.loc[0, "past_wis_drift"] > 0
    hub = fc.to_hubverse()
    assert len(hub) == 4 * 23 and set(hub["horizon"]) == {1, 2, 3, 4}
    path = tmp_path / "ensemble.nc"
    fc.to_netcdf(path)
    back = odforecast.Forecast.from_netcdf(path)
    assert back.metadata["ensemble"]["weights"] == ens["weights"]
    assert "inverse_wis weights" in repr(inverse)


def test_scenarios_reach_every_member_and_a_refusal_is_the_members_own(inverse):
    cut = ConstantMultiplier(0.5, name="half")
    both = inverse.forecast(3, [None, cut], n_samples=300, random_seed=2)
    base, half = both.samples.sel(scenario="status_quo"), both.samples.sel(scenario="half")
    np.testing.assert_allclose(half.values, 0.5 * base.values)  # the same members per path

    class NotForDrift(ConstantMultiplier):
        def check_model(self, fitted):
            if fitted.model.name == "drift":
                raise ScenarioError(f"scenario {self.name!r} does not apply to drift")

    with pytest.raises(ScenarioError, match="does not apply to drift"):
        inverse.forecast(3, NotForDrift(0.5, name="picky"), n_samples=10)


def test_ensemble_passes_the_model_contract():
    us = odforecast.load_dataset("us_annual")
    us = us[us["indicator"].isin(["opioids", "heroin"]) & (us["estimate"] == "reported")]
    check_model(Ensemble(["naive", "drift"], "inverse_wis", weight_origins=1, weight_samples=100,
                         random_seed=0), us, horizon=3)


def test_registry_and_package_export():
    models, labels = odforecast.get_model("ensemble").member_models()
    assert labels == ["arima", "bayes"]
    assert [type(m) for m in models] == [ARIMA, BayesianTrend]
    assert models[0].transform == "auto"
    assert odforecast.Ensemble is Ensemble


def test_the_default_is_the_equal_mixture_of_arima_and_the_bayesian_trend(us):
    # DEFAULT_MEMBERS, DEFAULT_WEIGHTS (chosen by benchmarks/forecast_accuracy): no backtest
    fitted = Ensemble(random_seed=0).fit(us)
    assert fitted.past is None
    assert fitted.weights[("US", "opioids")].tolist() == [0.5, 0.5]
    assert list(fitted.members) == ["arima", "bayes"]
    assert fitted.members["arima"].diagnostics.loc[0, "transform"] == "sqrt"  # 12-month ending
    fc = fitted.forecast(6, n_samples=1000, random_seed=4)
    assert fc.metadata["ensemble"]["members"] == ["arima", "bayes"]
    assert fc.metadata["convergence"]["trustworthy"]  # the Bayesian member's checks
    # each path comes from one member: half of them are exactly ARIMA's own paths, the
    # other half the Bayesian model's
    own = {label: fit.forecast(6, n_samples=1000, random_seed=member_seed(4, k)).samples
           .values[:, 0, 0] for k, (label, fit) in enumerate(fitted.members.items())}
    mixed = fc.samples.values[:, 0, 0]
    assert (mixed == own["arima"]).all(axis=1).sum() == 500
    assert (mixed == own["bayes"]).all(axis=1).sum() == 500
