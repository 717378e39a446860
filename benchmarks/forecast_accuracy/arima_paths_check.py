"""The vectorised ARIMA sample paths against statsmodels' simulator and analytic variances.

For real series (bundled data) and the model ``ARIMA`` fits to them, draws 20,000 paths with
the shipped simulator (:func:`odforecast.models.arima_paths.simulate_paths`) and with the one
it replaced (:func:`statsmodels_paths`, statsmodels' ``simulate`` per block), from the same
seed and with the same parameter draws (``ParameterDraws.sample``), so they must agree up to
the path noise.  Both simulate the selected order only (model averaging only allocates the
paths between orders, each simulated by the same function).
Printed per case, over h = 1..12:

- ``mean z``: the largest |difference of the path means| in Monte-Carlo standard errors;
- ``quantile z``: at the 5, 25, 50, 75 and 95 % quantiles of the new paths, the largest
  |share of old paths below it - level| in binomial standard errors ``sqrt(2 q (1 - q) / n)``;
- ``var ratio``: with the estimates plugged in (``parameter_uncertainty=False``), the path
  variance on the model's scale over statsmodels' analytic ``get_forecast`` variance, the
  range over h (its Monte-Carlo error is about ``sqrt(2 / n)``, 1 %), and the largest
  |path mean - analytic mean| in standard errors.

Usage (from the repository root)::

    .venv/bin/python benchmarks/forecast_accuracy/arima_paths_check.py
"""

from __future__ import annotations

import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import odforecast  # noqa: E402
from odforecast.models import ARIMA  # noqa: E402
from odforecast.models.arima import _one_blas_thread, _sarimax  # noqa: E402
from odforecast.models.arima_paths import simulate_paths  # noqa: E402

N = 20_000
H = 12
LEVELS = (0.05, 0.25, 0.5, 0.75, 0.95)


def statsmodels_paths(sampler, state, horizon: int, n_samples: int,
                      rng: np.random.Generator, exog_future) -> np.ndarray:
    """The simulator the vectorised one replaced (``ARIMA._sample_series`` before December
    2026, for the selected order): statsmodels' ``simulate`` once per parameter draw."""
    model = _sarimax(state.z, state.exog, *state.spec)
    if state.draws is None:
        thetas, sizes = state.params[None, :], [n_samples]
    else:
        n_blocks = min(sampler.parameter_draws, n_samples)
        thetas = state.draws.sample(n_blocks, rng)
        sizes = [len(part) for part in np.array_split(np.arange(n_samples), n_blocks)]
    blocks = []
    with warnings.catch_warnings(), _one_blas_thread():
        warnings.simplefilter("ignore")
        for theta, size in zip(thetas, sizes, strict=True):
            sims = model.filter(theta).simulate(horizon, repetitions=size, anchor="end",
                                                exog=exog_future, rng=rng)
            blocks.append(np.asarray(sims).reshape(horizon, size).T)
    return state.transform.inverse(np.concatenate(blocks, axis=0))


def _seizures() -> pd.DataFrame:
    cbp = odforecast.load_dataset("cbp_fentanyl_seizures")
    lbs = cbp[(cbp["indicator"] == "fentanyl_seized_lbs") & (cbp["region"] == "all")]
    monthly = lbs.set_index("period_end")["value"].sort_index()
    return np.log(monthly.rolling(12).sum()).dropna().to_frame("log_fentanyl_lbs_12m")


def cases():
    """(label, model, data, exog for the fit, future exog array or None, horizon)."""
    us = odforecast.load_dataset("us_monthly_12m")
    us = us[us["estimate"] == "reported"]
    opioids = us[us["indicator"] == "opioids"]
    synth = us[us["indicator"] == "synthetic_opioids"]
    annual = odforecast.load_dataset("us_annual")
    annual = annual[(annual["indicator"] == "opioids") & (annual["estimate"] == "reported")]
    states = odforecast.load_dataset("states_monthly_12m")
    states = states[states["estimate"] == "reported"]
    florida = states[(states["location"] == "US-FL")
                     & (states["indicator"] == "synthetic_opioids")]
    ohio = states[(states["location"] == "US-OH") & (states["indicator"] == "synthetic_opioids")]
    exog = _seizures()
    train = synth[(synth["period_end"] >= exog.index[0]) & (synth["period_end"] <= "2024-02-29")]
    future = exog[exog.index > "2024-02-29"].to_numpy()[:6]
    return [
        ("US opioids 12m, auto", ARIMA(), opioids, None, None, H),
        ("US opioids 12m, (2,1,1) + constant", ARIMA(order=(2, 1, 1)), opioids, None, None, H),
        ("US opioids annual to 2019, auto (drift)", ARIMA(),
         annual[annual["period_end"] <= "2019-12-31"], None, None, 10),
        ("US opioids annual, sqrt, (1,1,0) + constant", ARIMA(order=(1, 1, 0), transform="sqrt"),
         annual, None, None, 10),
        ("US synthetic 12m + seizures regressor, (1,1,0)", ARIMA(order=(1, 1, 0)), train, exog,
         future, 6),
        ("FL synthetic 12m, last 5 withheld, (1,1,1)", ARIMA(order=(1, 1, 1)), florida, None,
         None, H),
        ("OH synthetic 12m, leading withheld, auto", ARIMA(), ohio, None, None, H),
    ]


def compare(label, model, data, exog, future, horizon) -> None:
    fitted = model.fit(data, exog=exog)
    result = fitted.results[0]
    state, sampler = result.state, result.sampler
    state = state._replace(components=[(*state.components[0][:3], 1.0)])  # the selected order
    z, x, spec, params = state.z, state.exog, state.spec, state.params
    seed = 20261205
    t0 = time.perf_counter()
    new = sampler._sample_series(state, horizon, N, np.random.default_rng(seed), future)
    t1 = time.perf_counter()
    old = statsmodels_paths(sampler, state, horizon, N, np.random.default_rng(seed), future)
    t2 = time.perf_counter()
    mean_z = np.max(np.abs(new.mean(0) - old.mean(0))
                    / np.sqrt((new.var(0) + old.var(0)) / N))
    quant_z = max(np.max(np.abs((old <= np.quantile(new, q, axis=0)).mean(0) - q)
                         / np.sqrt(2 * q * (1 - q) / N)) for q in LEVELS)
    # plug-in, on the model's scale: against the analytic forecast of the same SARIMAX
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        paths = simulate_paths(_sarimax(z, x, *spec), params[None, :], [N], horizon,
                               np.random.default_rng(seed + 1), future)
        fc = _sarimax(z, x, *spec).filter(params).get_forecast(horizon, exog=future)
    var = np.asarray(fc.var_pred_mean, dtype=float)
    mean = np.asarray(fc.predicted_mean, dtype=float)
    ratio = paths.var(0) / var
    mz = np.max(np.abs(paths.mean(0) - mean) / np.sqrt(var / N))
    print(f"| {label} | {spec[0]}{' c' if spec[2] == 'c' else ''} | "
          f"{fitted.diagnostics.loc[0, 'parameter_uncertainty']} | {mean_z:.2f} | "
          f"{quant_z:.2f} | {ratio.min():.3f}-{ratio.max():.3f} | {mz:.2f} | "
          f"{t1 - t0:.3f} | {t2 - t1:.2f} |", flush=True)


def main() -> None:
    print(f"{N} paths per simulator; h = 1..12 (annual: 1..10, regressor: 1..6)\n")
    print("| series, model | order | drawn parameters | mean z | quantile z | "
          "var ratio (plug-in) | plug-in mean z | new s | old s |")
    print("|---|---|---|---:|---:|---:|---:|---:|---:|")
    for case in cases():
        compare(*case)


if __name__ == "__main__":
    main()
