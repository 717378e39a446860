"""Every shipped model passes the conformance checks on real bundled data."""

from __future__ import annotations

import pytest

import odforecast
from odforecast.models import ARIMA, Drift, Naive, SeasonalNaive
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
