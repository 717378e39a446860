"""Reprs that tell a user what they are looking at: forecasts, fits, backtests, scenarios."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

import odforecast
from odforecast.evaluate import backtest
from odforecast.models import ARIMA, Naive
from odforecast.models.base import PerSeriesModel
from odforecast.scenarios import StatusQuo, preset


@pytest.fixture(scope="module")
def us_monthly():
    us = odforecast.load_dataset("us_monthly_12m")
    return us[(us["estimate"] == "reported") & us["indicator"].isin(["opioids", "cocaine"])]


@pytest.fixture(scope="module")
def arima_fit(us_monthly):
    return ARIMA().fit(us_monthly)


def test_model_repr_shows_only_changed_parameters():
    assert repr(ARIMA()) == "ARIMA()"
    assert repr(ARIMA(order=(1, 1, 0), fallback="naive")) == \
        "ARIMA(order=(1, 1, 0), fallback='naive')"
    assert repr(odforecast.BayesianTrend(sampler_config={"draws": 50})) == \
        "BayesianTrend(sampler_config={'draws': 50})"


def test_per_series_fit_repr_lists_each_series(arima_fit):
    text = repr(arima_fit)
    lines = text.splitlines()
    assert lines[0] == "<Fitted ARIMA(): 2 series; 12m_ending, reported, data to 2025-02-28"
    diag = arima_fit.diagnostics.set_index("indicator")
    for line, indicator in zip(lines[1:], ["cocaine", "opioids"], strict=True):
        row = diag.loc[indicator]
        order = row["order"]
        order = order if isinstance(order, str) else str(tuple(order))
        assert line.startswith(f"  US {indicator}")
        assert f"arima({order.strip('()').replace(' ', '')})" in line
        assert f"AICc {row['aicc']:,.0f}" in line
        assert f"Ljung-Box p {row['ljung_box_p']:.2f}" in line
    assert text.endswith(">")


def test_many_series_are_cut_short_and_fallbacks_are_named():
    states = odforecast.load_dataset("states_annual")
    rows = states[(states["indicator"] == "all_drugs") & (states["estimate"] == "reported")]
    complete = rows.groupby("location").filter(
        lambda g: g["value"].notna().all() and not g["censored"].any())
    fit = Naive().fit(complete)
    n = complete["location"].nunique()
    assert n > 8
    assert f"... {n - 8} more (see .diagnostics)" in repr(fit)

    class Fragile(Naive):
        name = "fragile"

        def _fit_series(self, series, exog):
            raise RuntimeError("no luck")

        def _fallback(self) -> PerSeriesModel:
            return Naive()

    us = odforecast.load_dataset("us_annual")
    fit = Fragile().fit(us[(us["indicator"] == "heroin") & (us["estimate"] == "reported")])
    text = repr(fit)
    assert "naive on log scale (fallback after RuntimeError: no luck)" in text
    assert "1 series on the fallback model" in text


def test_forecast_repr_and_html(arima_fit):
    fc = arima_fit.forecast(12, n_samples=200, random_seed=3)
    assert repr(fc).startswith("<Forecast arima: 1 location x 2 indicators x 12 rolling "
                               "12-month periods (ending 2025-03..2026-02), 200 sample paths")
    page = fc._repr_html_()
    assert "<th>12m to 2025-03</th><th>12m to 2026-02</th>" in page
    paths = fc.samples.sel(location="US", indicator="opioids").values
    low, median, high = np.quantile(paths[:, -1], [0.025, 0.5, 0.975])
    assert f"{median:,.0f} <span style='color:#666'>({low:,.0f} – {high:,.0f})</span>" in page
    warned = odforecast.Forecast(fc.samples, frequency=fc.frequency,
                                 metadata={"warnings": ["fit <not> converged"]})
    assert "warning: fit &lt;not&gt; converged" in warned._repr_html_()


def test_backtest_result_repr(us_monthly):
    result = backtest(Naive(), us_monthly, origins=["2023-06-30", "2023-12-31"], horizon=3,
                      n_samples=100, progress=False)
    s = result.scores
    assert repr(result) == (
        "<BacktestResult naive: 2 series x 2 origins (2023-06-30 .. 2023-12-31) x horizons 1-3\n"
        f"  mean WIS {s['wis'].mean():,.1f}, MAE {s['ae'].mean():,.1f}; interval coverage "
        f"50% {s['cover_50'].mean():.0%}, 80% {s['cover_80'].mean():.0%}, "
        f"95% {s['cover_95'].mean():.0%}>")


def test_scenario_repr_leaves_out_the_citation():
    text = repr(preset("source_low_fentanyl"))
    assert text.startswith("Interdiction(name='source_low_fentanyl', effect=0.227")
    assert "SOURCE model" not in text and "source=" not in text
    assert preset("source_low_fentanyl").source.startswith("SOURCE model")  # still there
    assert repr(StatusQuo()) == "StatusQuo(name='status_quo')"


def test_reproduction_repr_is_a_summary_not_the_frames():
    from odforecast.reproduction import reproduce

    result = reproduce("stanford-lancet", models=["arima"], n_samples=100, progress=False,
                       scenarios=("source_low_fentanyl",))
    text = repr(result)
    lines = text.splitlines()
    assert lines[0].startswith("<Reproduction stanford_lancet_2021: models fitted to data "
                               "through 2020")
    assert "2 scenarios, status quo shown" in lines[0]
    assert [line.split()[0] for line in lines[3:]] == ["published", "observed", "arima"]
    assert "source_low_fentanyl" not in text and text.endswith(">")


# -- Bayesian fits: a real design and data with a synthetic posterior (no sampling) ---------

def _bayes_fit(*, method: str = "nuts", seed: int = 0):
    from odforecast.models import BayesianTrend
    from odforecast.models.bayes.design import build_design
    from odforecast.models.bayes.fit import BayesFit
    from odforecast.models.series import prepare_series

    us = odforecast.load_dataset("us_annual")
    data = us[(us["indicator"] == "opioids") & (us["estimate"] == "reported")]
    model = BayesianTrend(sampler_config={"method": method, "chains": 2, "draws": 500},
                          random_seed=seed)
    model_config, sampler_config = model._configs()
    series = prepare_series(data, min_length=3, allow_censored=True, allow_missing=True)
    design = build_design(series)
    rng = np.random.default_rng(seed)
    names = ["sigma", "overdispersion", "level0", "slope0"]
    posterior = xr.Dataset({n: (("chain", "draw", "series"), rng.normal(size=(2, 500, 1)))
                            for n in names} | {"damping": (("chain", "draw"),
                                                           rng.uniform(size=(2, 500)))})
    stats = xr.Dataset({"diverging": (("chain", "draw"), np.zeros((2, 500), dtype=bool))})
    tree = xr.DataTree.from_dict({"posterior": posterior, "sample_stats": stats})
    tree.attrs["inference"] = ("ADVI (approximate: mean-field variational)" if method == "advi"
                               else "NUTS (nutpie)")
    return BayesFit(model, design, data, tree, model_config, sampler_config, seed, 12.34)


def test_bayes_fit_repr_and_html_show_inference_and_convergence():
    fit = _bayes_fit()
    c = fit.convergence
    assert c["trustworthy"]  # iid draws: R-hat near 1, ESS near 1000
    assert repr(fit).splitlines() == [
        "<Fitted bayes (BayesianTrend): 1 series (US opioids); annual, reported, data to "
        "2024-12-31",
        "  inference:   NUTS (nutpie), 2 chains x 500 draws (1,000 tuning), 12.3 s, seed 0",
        f"  convergence: converged: max R-hat {c['r_hat_max']:.3f}, min ESS "
        f"{c['ess_bulk_min']:,.0f} bulk / {c['ess_tail_min']:,.0f} tail, 0 divergences>"]
    page = fit._repr_html_()
    assert "color:#1a7f37" in page and "converged: max R-hat" in page


def test_approximate_bayes_fit_says_so():
    fit = _bayes_fit(method="advi")
    text = repr(fit)
    assert "ADVI (approximate: mean-field variational), 20,000 iterations, 1,000 draws" in text
    assert "NOT trustworthy: approximate inference (ADVI)" in text
    assert "color:#b42318" in fit._repr_html_()
