"""ARIMA fit + forecast time against statsforecast's AutoARIMA, before and after the vectorised
sample paths (issue 12, item 3), in one single-process run.

"Before" is ``ARIMA()`` with the path simulation it had until this change
(:func:`statsmodels_paths`: parameter vectors drawn one at a time with an ``np.roots`` check
each, a Kalman-filter results object per parameter draw and statsmodels' ``simulate`` for the
block's paths); "after" is ``ARIMA()`` as shipped
(:func:`odforecast.models.arima_paths.simulate_paths`).  Both run serially through
``odforecast.evaluate.backtest`` (1,000 paths, seed 0) on the same series and origins as
``run.py``; AutoARIMA through ``StatsForecast(n_jobs=1).cross_validation`` after an untimed
warm-up that compiles its numba code.  WIS on the 23 hub quantiles is printed for each, on the
same cells.

Usage (from the repository root; statsforecast must be installed)::

    .venv/bin/python benchmarks/forecast_accuracy/arima_speed.py --every 3 --n-origins 3
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import run  # noqa: E402  (the benchmark's data, splits and scoring)

from odforecast.models import ARIMA  # noqa: E402
from odforecast.models.arima import _one_blas_thread, _sarimax  # noqa: E402
from odforecast.models.parameter_draws import MIN_ROOT  # noqa: E402


def statsmodels_paths(self, state, horizon, n_samples, rng, exog_future, *,
                      loop_draws: bool = True):
    """``ARIMA._sample_series`` before the change (kept verbatim for the comparison);
    ``loop_draws=False`` draws the parameters as now (the same vectors from the same seed even
    when some are rejected), to compare the path simulators alone."""
    transform, z, exog, spec, params, draws = state
    model = _sarimax(z, exog, *spec)
    if draws is None:
        thetas, sizes = params[None, :], [n_samples]
    else:
        n_blocks = min(self.parameter_draws, n_samples)
        thetas = (_loop_sample(draws, n_blocks, rng) if loop_draws
                  else draws.sample(n_blocks, rng))
        sizes = [len(part) for part in np.array_split(np.arange(n_samples), n_blocks)]
    blocks = []
    with warnings.catch_warnings(), _one_blas_thread():
        warnings.simplefilter("ignore")
        for theta, size in zip(thetas, sizes, strict=True):
            result = model.filter(theta)
            sims = result.simulate(horizon, repetitions=size, anchor="end",
                                   exog=exog_future, rng=rng)
            blocks.append(np.asarray(sims).reshape(horizon, size).T)
    return transform.inverse(np.concatenate(blocks, axis=0))


def _loop_sample(draws, n, rng, max_tries=100):
    """``ParameterDraws.sample`` before the change: one draw and one ``np.roots`` at a time."""
    sigma2_hat = draws.params[-1]
    scale = draws.n_eff / rng.chisquare(draws.dof, size=n)
    out = np.tile(draws.params, (n, 1))
    out[:, -1] = sigma2_hat * scale
    if not draws.includes_mean_parameters:
        return out
    mean, names = draws.params[:-1], draws.names[:-1]
    values, vectors = np.linalg.eigh(draws.cov)
    root = vectors * np.sqrt(np.clip(values, 0, None))
    for i in range(n):
        for _ in range(max_tries):
            theta = mean + np.sqrt(scale[i]) * (root @ rng.standard_normal(len(mean)))
            if _roots_min(names, theta) >= MIN_ROOT:
                out[i, :-1] = theta
                break
    return out


def _roots_min(names, params):
    """``min_root`` before the change (``np.roots`` per polynomial)."""
    smallest = np.inf
    for kind, sign in (("ar", -1.0), ("ma", 1.0)):
        poly = np.ones(1)
        for prefix in (f"{kind}.L", f"{kind}.S.L"):
            coefs = {int(n[len(prefix):]): v for n, v in zip(names, params, strict=True)
                     if n.startswith(prefix)}
            if coefs:
                factor = np.zeros(max(coefs) + 1)
                factor[0] = 1.0
                for lag, value in coefs.items():
                    factor[lag] = sign * value
                poly = np.polymul(poly, factor)
        if len(poly) > 1 and np.any(poly[1:] != 0):
            smallest = min(smallest, float(np.min(np.abs(np.roots(poly[::-1])))))
    return smallest


class StatsmodelsPathsARIMA(ARIMA):
    """``ARIMA`` with the path simulation it had before the change."""

    _sample_series = statsmodels_paths


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--raw", type=Path, default=run.ROOT.parent / "shared" / "data")
    parser.add_argument("--every", type=int, default=3, help="keep every k-th series")
    parser.add_argument("--n-origins", type=int, default=3, help="last N of run.py's origins")
    args = parser.parse_args(argv)
    print(f"machine: {run.machine_info()}", flush=True)
    data, _ = run.load_series(args.raw)
    keys = data[["location", "indicator"]].drop_duplicates().iloc[::args.every]
    data = data.merge(keys, on=["location", "indicator"])
    origins = run.origins_every(6)[-args.n_origins:]
    frame = run.sf_frame(data)
    print(f"{len(keys)} series x {len(origins)} origins ({', '.join(origins)}), h 1-12, "
          f"{run.N_SAMPLES} paths, single process", flush=True)
    clock = run.FitClock()
    first = data.merge(keys.iloc[:1], on=["location", "indicator"])
    for model in (StatsmodelsPathsARIMA(), ARIMA()):  # untimed: imports and first calls
        run.run_ours(model, first, origins[:1], None, clock, "warm-up")
    results, walls = [], {}
    for label, model in [("arima before (statsmodels paths)", StatsmodelsPathsARIMA()),
                         ("arima after (vectorised paths)", ARIMA())]:
        result, fit, _ = run.run_ours(model, data, origins, None, clock, label)
        results.append(result)
        walls[label] = fit
        print(f"  {label}: {fit:.1f} s fit+forecast; load average {_load()}", flush=True)
    run.sf_warm_up(frame)
    quantiles, fit = run.run_sf("AutoARIMA", frame, origins, log=False, n_jobs=1)
    results.append(run.score_quantiles(quantiles, data, "sf_AutoARIMA"))
    walls["sf_AutoARIMA"] = fit
    print(f"  sf_AutoARIMA: {fit:.1f} s fit+forecast; load average {_load()}", flush=True)
    print("\n| model | fit+forecast s | ratio to AutoARIMA | WIS | cov80 |\n"
          "|---|---:|---:|---:|---:|")
    for r in results:
        s = r.scores
        print(f"| {r.model} | {walls[r.model]:.1f} | {walls[r.model] / fit:.2f} | "
              f"{s['wis'].mean():.1f} | {s['cover_80'].mean():.3f} |")
    print(f"\ncells per model: {len(results[0].scores)}; load average at the end {_load()}")


if __name__ == "__main__":
    main()
