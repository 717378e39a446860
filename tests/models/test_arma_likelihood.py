"""The order search's compiled likelihood equals statsmodels' SARIMAX likelihood."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from statsmodels.tsa.statespace.sarimax import SARIMAX

import odforecast
from odforecast.models.arma_likelihood import concentrated_loglike, fit_concentrated


@pytest.fixture(scope="module")
def opioids_12m() -> np.ndarray:
    us = odforecast.load_dataset("us_monthly_12m").query(
        "indicator == 'opioids' and estimate == 'reported'").sort_values("period_end")
    return np.log(us["value"].to_numpy())


SPECS = {  # order, seasonal order, trend, with a regressor
    "(0,1,0)+c": ((0, 1, 0), (0, 0, 0, 0), "c", False),
    "(2,1,2)+c": ((2, 1, 2), (0, 0, 0, 0), "c", False),
    "(1,2,1)": ((1, 2, 1), (0, 0, 0, 0), "n", False),
    "(2,1,1)(1,0,1)12+c": ((2, 1, 1), (1, 0, 1, 12), "c", False),
    "(1,1,0)+c+x": ((1, 1, 0), (0, 0, 0, 0), "c", True),
    "(3,0,2)+c": ((3, 0, 2), (0, 0, 0, 0), "c", False),
}


@pytest.mark.parametrize("gaps", [False, True], ids=["complete", "withheld"])
@pytest.mark.parametrize("name", list(SPECS))
def test_likelihood_and_scale_equal_statsmodels(name, gaps, opioids_12m):
    """At three parameter vectors (statsmodels' start and two random admissible ones) on US
    opioid deaths, with and without withheld windows (the filter skips them)."""
    order, seasonal, trend, with_x = SPECS[name]
    z = opioids_12m.copy()
    if gaps:
        z[[5, 6, 40, len(z) - 1]] = np.nan
    rng = np.random.default_rng(7)
    exog = np.cumsum(rng.normal(size=(len(z), 1)), axis=0) if with_x else None
    model = SARIMAX(z, exog=exog, order=order, seasonal_order=seasonal, trend=trend,
                    concentrate_scale=True, simple_differencing=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        points = [model.start_params] + [
            model.transform_params(rng.normal(0, 0.7, model.k_params)) for _ in range(2)]
        for params in points:
            reference = model.filter(params)
            llf, scale = concentrated_loglike(model, params)
            assert llf == pytest.approx(reference.llf, rel=1e-9, abs=1e-7)
            assert scale == pytest.approx(reference.scale, rel=1e-8)


def test_fit_reaches_statsmodels_maximum(opioids_12m):
    """The search's usual candidates: the same maximum as SARIMAX.fit(method='lbfgs'), up to
    where L-BFGS stops on a flat ridge (0.004 for (1,1,1); 0.01 is 0.02 in AICc, far below
    the differences that decide a step of the search)."""
    for order in [(0, 2, 1), (1, 1, 1), (2, 1, 0)]:
        model = SARIMAX(opioids_12m, order=order, trend="c" if order[1] == 1 else "n",
                        concentrate_scale=True, simple_differencing=True)
        ours = fit_concentrated(model, model.start_params)
        theirs = model.fit(disp=False, method="lbfgs", maxiter=200, return_params=True)
        assert concentrated_loglike(model, ours)[0] == pytest.approx(
            model.filter(theirs).llf, abs=0.01)


def test_other_models_are_refused(opioids_12m):
    model = SARIMAX(opioids_12m, order=(1, 1, 0))  # scale not concentrated, diffuse states
    with pytest.raises(ValueError, match="concentrate_scale=True"):
        concentrated_loglike(model, np.array([0.2, 0.01]))


@pytest.mark.parametrize("name", ["(0,1,0)+c", "(2,1,2)+c", "(1,2,1)", "(2,1,1)(1,0,1)12+c"])
def test_parameter_covariance_from_the_compiled_likelihood_equals_statsmodels(name, opioids_12m):
    """The ARIMA paths' parameter draws take the inverse observed information from a Hessian of
    the compiled likelihood on complete differenced series: the same standard errors and
    correlations as statsmodels' numerical Hessian (``cov_type="approx"``), at the MLE of US
    opioid deaths; stationary models, gaps and regressors keep statsmodels' own."""
    from odforecast.models.parameter_draws import _compiled_cov, sampling_distribution

    order, seasonal, trend, _ = SPECS[name]
    exact = SARIMAX(opioids_12m, order=order, seasonal_order=seasonal, trend=trend,
                    concentrate_scale=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitted = exact.fit(disp=False)
        reference = np.asarray(exact.smooth(fitted.params, cov_type="approx").cov_params())
    params = np.append(fitted.params, fitted.scale)
    spec = (order, seasonal, trend)
    ours = _compiled_cov(opioids_12m, spec, fitted.params)
    se, se_ref = np.sqrt(np.diag(ours)), np.sqrt(np.diag(reference))
    # two numerical Hessians of the same likelihood: they agree to their own accuracy
    np.testing.assert_allclose(se, se_ref, rtol=5e-3)
    np.testing.assert_allclose(ours / np.outer(se, se), reference / np.outer(se_ref, se_ref),
                               atol=1e-2)
    draws = sampling_distribution(opioids_12m, None, spec, params)
    np.testing.assert_allclose(draws.cov, ours, rtol=1e-12)
    assert draws.n_eff == int(fitted.nobs_effective)
    gappy = opioids_12m.copy()
    gappy[40] = np.nan
    assert not np.array_equal(sampling_distribution(gappy, None, spec, params).cov, ours)
