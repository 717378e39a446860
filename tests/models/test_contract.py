"""Every shipped model passes the conformance checks on real bundled data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import odforecast
from odforecast.errors import DataError, ParameterError, ScenarioError
from odforecast.models import ARIMA, Drift, Naive, SeasonalNaive
from odforecast.scenarios import ConstantMultiplier
from odforecast.testing import check_model


@pytest.fixture(scope="module")
def annual():
    us = odforecast.load_dataset("us_annual")
    return us[us["indicator"].isin(["opioids", "heroin"]) & (us["estimate"] == "reported")]


@pytest.fixture(scope="module")
def monthly_12m():
    us = odforecast.load_dataset("us_monthly_12m")
    return us[(us["indicator"] == "synthetic_opioids") & (us["estimate"] == "predicted")]


@pytest.mark.parametrize("model", [Naive(), Drift(), SeasonalNaive(), ARIMA()],
                         ids=lambda m: m.name)
def test_models_pass_the_contract_on_annual_data(model, annual):
    check_model(model, annual)


@pytest.mark.parametrize("model", [Naive(), ARIMA(order=(1, 1, 0))], ids=lambda m: m.name)
def test_models_pass_the_contract_on_12_month_ending_data(model, monthly_12m):
    check_model(model, monthly_12m)


def test_check_model_catches_a_model_that_ignores_the_seed(annual):
    class Careless(Naive):
        def _sample_series(self, state, horizon, n_samples, rng, exog_future):
            import numpy as np

            return super()._sample_series(state, horizon, n_samples,
                                          np.random.default_rng(), exog_future)

    with pytest.raises(AssertionError, match="same random_seed"):
        check_model(Careless(), annual)


@pytest.mark.parametrize(("model", "parameter"), [
    (ARIMA(fallback="bogus"), "fallback"),
    (ARIMA(order=(1, 1)), "order"),
    (ARIMA(max_models=0), "max_models"),
    (Drift(transform="logg"), "transform"),
    (SeasonalNaive(season_length=0), "season_length"),
], ids=lambda x: x if isinstance(x, str) else x.name)
def test_bad_parameters_fail_at_the_start_of_fit(model, parameter, annual):
    # before the issue-11 checks, ARIMA(fallback="bogus") fitted without error
    with pytest.raises(ParameterError, match=rf"^{parameter} must be ") as info:
        model.fit(annual)
    assert info.value.parameter == info.value.column == parameter
    assert isinstance(info.value, ValueError) and isinstance(info.value, DataError)


def test_forecast_arguments_are_checked_alike_by_every_family(annual):
    fitted = Drift().fit(annual)
    # a NumPy integer is a whole number of paths (it failed in the Bayesian template before)
    fc = fitted.forecast(np.int64(2), n_samples=np.int64(20), random_seed=np.int64(1))
    assert fc.samples.sizes["sample"] == 20
    with pytest.raises(ParameterError, match="n_samples"):
        fitted.forecast(2, n_samples=0)
    with pytest.raises(ParameterError, match="random_seed"):
        fitted.forecast(2, random_seed=-1)
    # duplicate scenario names: a ScenarioError in every family (it was a DataError here)
    with pytest.raises(ScenarioError, match="unique"):
        fitted.forecast(2, [ConstantMultiplier(1.0, name="a"), ConstantMultiplier(0.5, name="a")])
    with pytest.raises(ParameterError, match="exog_future"):
        fitted.forecast(2, exog_future=pd.DataFrame({"x": [1.0]}))


def test_the_forecast_template_is_the_only_entry_point():
    # every family implements its sampling step only; the template (checks, scenarios,
    # metadata) lives once on FittedModel
    from odforecast.mechanistic.model import MechanisticFit
    from odforecast.models.base import FittedModel, PerSeriesFit
    from odforecast.models.bayes.fit import BayesFit

    for cls in (PerSeriesFit, BayesFit):
        assert cls.forecast is FittedModel.forecast and cls._forecast is FittedModel._forecast
    # the mechanistic fit adds keyword options and hands them to the same template
    assert MechanisticFit._forecast is FittedModel._forecast


def test_drift_refuses_two_observations_instead_of_a_zero_width_interval(annual):
    # issue 13: two observations gave a 95 % interval of width 0, with no warning
    two = annual[annual["indicator"] == "opioids"].sort_values("period_end").tail(2)
    with pytest.raises(DataError, match="has 2 observations; drift needs at least 3"):
        Drift().fit(two)
    three = annual[annual["indicator"] == "opioids"].sort_values("period_end").tail(3)
    frame = Drift().fit(three).forecast(1, n_samples=2000, random_seed=0).to_frame()
    assert (frame["upper_95"] - frame["lower_95"] > 0).all()


def test_a_horizon_beyond_the_calendar_is_a_parameter_error(annual):
    # issue 13: --horizon 10000 raised OutOfBoundsDatetime (also from Python)
    fitted = Naive().fit(annual)
    with pytest.raises(ParameterError, match="horizon must end before the year 2262"):
        fitted.forecast(10_000, n_samples=10)
    assert fitted.forecast(200, n_samples=10).horizon == 200  # 2224: still representable
