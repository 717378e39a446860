"""ARIMA on real series: order selection, paths, regressors, fallback, and bad input."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import odforecast
from odforecast import DataError
from odforecast.data.schema import from_records
from odforecast.models import ARIMA


@pytest.fixture(scope="module")
def annual_opioids():
    us = odforecast.load_dataset("us_annual")
    return us[(us["indicator"] == "opioids") & (us["estimate"] == "reported")]


@pytest.fixture(scope="module")
def synthetic_12m():
    us = odforecast.load_dataset("us_monthly_12m")
    return us[(us["indicator"] == "synthetic_opioids") & (us["estimate"] == "reported")]


def test_auto_arima_on_annual_opioids_to_2019(annual_opioids):
    train = annual_opioids[annual_opioids["period_end"] <= "2019-12-31"]
    fitted = ARIMA().fit(train)
    diag = fitted.diagnostics.iloc[0]
    assert diag["model"] == "arima" and not diag["fallback"]
    assert diag["transform"] == "log"
    assert diag["n_obs"] == 21
    assert np.isfinite(diag["aicc"]) and 0 <= diag["ljung_box_p"] <= 1
    # no withheld value: the search's likelihood and the exact refit's agree
    assert diag["search_aicc"] == pytest.approx(diag["aicc"], abs=0.05)
    fc = fitted.forecast(10, n_samples=2000, random_seed=7)
    assert list(fc.time.year) == list(range(2020, 2030))
    paths = fc.samples.sel(location="US", indicator="opioids").values
    assert (paths >= 0).all()
    # Opioid deaths rose every year to 2019 except 2018: the median path keeps rising.
    median = np.median(paths, axis=0)
    assert median[-1] > median[0] > 45_000
    # Back-transformed paths: the mean exceeds the median on the log scale (no bias collapse).
    assert paths.mean(axis=0)[-1] > median[-1]


def test_fixed_order_is_respected(synthetic_12m):
    fitted = ARIMA(order=(1, 2, 0)).fit(synthetic_12m)
    diag = fitted.diagnostics.iloc[0]
    assert diag["order"] == "(1, 2, 0)" and diag["models_tried"] == 1
    assert np.isnan(diag["search_aicc"])  # no search ranked it
    assert not diag["constant"]  # d = 2: no constant


def test_seasonal_order_on_a_non_seasonal_series_is_refused(annual_opioids):
    with pytest.raises(DataError, match="no seasonal period"):
        ARIMA(order=(0, 1, 0), seasonal_order=(1, 0, 0), fallback=None).fit(annual_opioids)


def test_statsmodels_warnings_are_captured_not_spewed(synthetic_12m):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fitted = ARIMA().fit(synthetic_12m)
    assert "warnings" in fitted.diagnostics.columns


class _FailsOnVermont(ARIMA):
    """ARIMA whose optimiser blows up on one series, as statsmodels can on degenerate data."""

    def _fit_series(self, series, exog):
        if series.location == "US-VT":
            raise np.linalg.LinAlgError("Schur decomposition solver error")
        return super()._fit_series(series, exog)


def test_a_failing_series_falls_back_and_the_batch_survives(annual_opioids):
    other = annual_opioids.assign(location="US-VT")
    both = pd.concat([annual_opioids, other], ignore_index=True)
    fitted = _FailsOnVermont(order=(1, 1, 0), fallback="drift").fit(both)
    diag = fitted.diagnostics.set_index("location")
    assert diag.loc["US", "model"] == "arima" and not diag.loc["US", "fallback"]
    assert diag.loc["US-VT", "model"] == "drift" and diag.loc["US-VT", "fallback"]
    assert "Schur decomposition" in diag.loc["US-VT", "error"]
    fc = fitted.forecast(3, n_samples=50, random_seed=1)
    assert np.isfinite(fc.samples.values).all()
    assert any("US-VT" in w and "fallback drift" in w for w in fc.metadata["warnings"])
    with pytest.raises(odforecast.FitError, match="US-VT"):
        _FailsOnVermont(order=(1, 1, 0), fallback=None).fit(both)


def _seizures_regressor() -> pd.DataFrame:
    cbp = odforecast.load_dataset("cbp_fentanyl_seizures")
    lbs = cbp[(cbp["indicator"] == "fentanyl_seized_lbs") & (cbp["region"] == "all")]
    monthly = lbs.set_index("period_end")["value"].sort_index()
    # Align with 12-month-ending deaths: seizures over the same 12 months, on the log scale.
    rolling = np.log(monthly.rolling(12).sum()).dropna()
    return rolling.to_frame("log_fentanyl_lbs_12m")


def test_exogenous_regressor_with_future_values(synthetic_12m):
    exog = _seizures_regressor()
    train = synthetic_12m[(synthetic_12m["period_end"] >= exog.index[0])
                          & (synthetic_12m["period_end"] <= "2024-02-29")]
    fitted = ARIMA(order=(1, 1, 0)).fit(train, exog=exog)
    with pytest.raises(DataError, match="exog_future"):
        fitted.forecast(6, n_samples=20, random_seed=1)
    future = exog[exog.index > "2024-02-29"]
    fc = fitted.forecast(6, n_samples=200, random_seed=1, exog_future=future)
    assert fc.samples.sizes["time"] == 6
    # A future with 10x the seizures must change the paths (the regressor is really used).
    more = future + np.log(10.0)
    other = fitted.forecast(6, n_samples=200, random_seed=1, exog_future=more)
    assert not np.allclose(fc.samples.values, other.samples.values)


def test_exogenous_regressor_must_cover_the_history(synthetic_12m):
    exog = _seizures_regressor()  # starts Sep 2019; the deaths start in Jan 2015
    with pytest.raises(DataError, match="no finite value") as info:
        ARIMA(order=(1, 1, 0)).fit(synthetic_12m, exog=exog)
    assert info.value.column == "log_fentanyl_lbs_12m"


def _row(year: int, value: float, **extra):
    return {"location": "US", "indicator": "heroin", "frequency": "annual",
            "period_start": f"{year}-01-01", "period_end": f"{year}-12-31", "value": value,
            "unit": "deaths", "source": "test", "vintage": "2025-01-01", **extra}


def test_gaps_are_refused_not_filled():
    data = from_records([_row(y, 100.0 + y) for y in (2010, 2011, 2013, 2014, 2015, 2016,
                                                      2017)])
    with pytest.raises(DataError, match="gap between periods ending 2011-12-31 and 2013-12-31"):
        ARIMA().fit(data)


def test_too_short_series_is_named():
    data = from_records([_row(y, 100.0 + y) for y in range(2015, 2019)])
    with pytest.raises(DataError, match=r"US heroin .* has 4 observations; arima needs at least"):
        ARIMA().fit(data)


def test_censored_cells_are_missing_values_not_refused():
    # refused before issue 12; now a missing value, its bound checked against the fit
    rows = [_row(y, 100.0 + y) for y in range(2010, 2020)]
    rows[3] = _row(2013, np.nan, censored=True, censor_upper=9.0)
    fitted = ARIMA(order=(0, 1, 0)).fit(from_records(rows))
    diag = fitted.diagnostics.iloc[0]
    assert (diag["n_obs"], diag["n_censored"], diag["n_missing"]) == (9, 1, 0)
    assert "2013-12-31 (<= 9: fitted 2,1" in diag["censor_check"]  # ~2,113 between neighbours


def test_mixed_estimates_must_be_chosen(annual_opioids):
    us = odforecast.load_dataset("us_annual")
    both = us[us["indicator"] == "opioids"]
    with pytest.raises(DataError, match="both predicted and reported"):
        ARIMA().fit(both)


def test_zero_counts_use_the_square_root_scale():
    values = [0, 3, 1, 0, 4, 2, 5, 3, 6, 4, 7, 5]
    data = from_records([_row(2000 + i, float(v)) for i, v in enumerate(values)])
    fitted = ARIMA(order=(0, 1, 1)).fit(data)
    assert fitted.diagnostics.loc[0, "transform"] == "sqrt"
    fc = fitted.forecast(4, n_samples=300, random_seed=2)
    assert (fc.samples.values >= 0).all()
    with pytest.raises(DataError, match="cannot be log-transformed"):
        ARIMA(order=(0, 1, 1), transform="log", fallback=None).fit(data)


def test_twelve_month_ending_series_default_to_the_square_root(synthetic_12m):
    # the benchmark-chosen default (arima.AUTO_TRANSFORM); annual series keep the log
    # (test_auto_arima_on_annual_opioids_to_2019), and an explicit choice is kept
    train = synthetic_12m[synthetic_12m["period_end"] <= "2021-06-30"]
    sqrt = ARIMA(order=(0, 2, 1)).fit(train)
    log = ARIMA(order=(0, 2, 1), transform="log").fit(train)
    assert sqrt.diagnostics.loc[0, "transform"] == "sqrt"
    assert log.diagnostics.loc[0, "transform"] == "log"
    # the same steep rise (64,378 in the window ending June 2021), extrapolated a year:
    # exponentially on the log scale (median ~74,000), more gently on the square-root
    # scale (~72,600)
    last = train["value"].iloc[-1]
    med = {name: float(np.median(f.forecast(12, n_samples=1000, random_seed=3).samples
                                 .values[..., -1]))
           for name, f in (("sqrt", sqrt), ("log", log))}
    assert last < med["sqrt"] < med["log"]


def test_no_transform_censors_the_predictive_at_zero():
    # a Gaussian model of small counts puts some paths below zero: they are set to zero
    # (a count cannot be negative) instead of failing the forecast, as before 2026-12-05
    values = [9, 7, 8, 6, 5, 6, 4, 3, 4, 2, 3, 2]
    data = from_records([_row(2000 + i, float(v)) for i, v in enumerate(values)])
    fitted = ARIMA(order=(0, 1, 0), transform="none", parameter_uncertainty=False).fit(data)
    paths = fitted.forecast(3, n_samples=4000, random_seed=5).samples.values.reshape(4000, 3)
    assert (paths >= 0).all()
    zero_share = (paths == 0).mean(axis=0)
    # a random walk from 2 with drift -0.64 a year and steps of sd 1.3: P(below 0) is
    # 0.15 at h = 1 and grows with the horizon
    assert 0.08 < zero_share[0] < zero_share[2] < 0.6
    # above zero the predictive is untouched: the 90 % quantile at h = 1 is the Gaussian's
    steps = np.diff(values)
    expected = values[-1] + steps.mean() + 1.2816 * steps.std()
    assert abs(np.quantile(paths[:, 0], 0.9) - expected) < 0.1 * steps.std()


def test_auto_search_ends_with_an_exact_sarimax_fit(synthetic_12m):
    """The search ranks candidates with a cheaper form of the likelihood; the chosen model is
    refitted exactly, and its diagnostics describe the plain SARIMAX that forecasts use."""
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    train = synthetic_12m[synthetic_12m["period_end"] <= "2023-06-30"]
    fitted = ARIMA().fit(train)
    diag = fitted.diagnostics.iloc[0]
    assert diag["models_tried"] >= 4 and not diag["fallback"]
    state = fitted.results[0].state
    z, (order, seasonal_order, trend), params = state.z, state.spec, state.params
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = SARIMAX(z, order=order, seasonal_order=seasonal_order, trend=trend)
        at_params = model.smooth(params)
        plain = model.fit(disp=False, method="lbfgs", maxiter=200, cov_type="none")
    assert len(params) == len(model.param_names)  # sigma2 included for sampling
    assert at_params.aicc == pytest.approx(diag["aicc"], abs=0.01)
    # The selected model's estimates are at least as good as a default-start fit of it.
    assert diag["aicc"] <= plain.aicc + 0.01
    assert diag["converged"]


def test_fitting_leaves_the_blas_thread_settings_alone(synthetic_12m):
    threadpoolctl = pytest.importorskip("threadpoolctl")
    before = [info["num_threads"] for info in threadpoolctl.threadpool_info()]
    ARIMA().fit(synthetic_12m).forecast(3, n_samples=20, random_seed=1)
    assert [info["num_threads"] for info in threadpoolctl.threadpool_info()] == before
