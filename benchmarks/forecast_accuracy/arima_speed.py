"""ARIMA fit + forecast time against statsforecast's AutoARIMA, before and after the compiled
likelihood of the order search (issue 12, item 3), in one single-process run.

"Before" is ``ARIMA()`` with the search's ranking fits done by statsmodels
(:func:`statsmodels_rank_fit`, kept verbatim: ``SARIMAX.fit(method="lbfgs")``, about 1 ms of
Python per likelihood evaluation); "after" is ``ARIMA()`` as shipped (the same optimiser on the
same likelihood, evaluated by :mod:`odforecast.models.arma_likelihood`'s compiled Kalman
filter).  Both run serially through ``odforecast.evaluate.backtest`` (1,000 paths, seed 0) on
the same series and origins as ``run.py``; AutoARIMA through
``StatsForecast(n_jobs=1).cross_validation`` after an untimed warm-up that compiles its numba
code (ours is warmed up the same way: its first fit loads or compiles the filter).  WIS on the
23 hub quantiles is printed for each, on the same cells, and how many of the fitted models
differ between before and after.

(Until the compiled likelihood this script compared the path simulators; that comparison and
its numbers are in the README, "Vectorised sample paths".)

Usage (from the repository root; statsforecast must be installed)::

    .venv/bin/python benchmarks/forecast_accuracy/arima_speed.py --every 3 --n-origins 3
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import run  # noqa: E402  (the benchmark's data, splits and scoring)

import odforecast.models.arima as arima_module  # noqa: E402
from odforecast.models import ARIMA  # noqa: E402


def statsmodels_rank_fit(z, exog, spec, warm):
    """``odforecast.models.arima._rank_fit`` before the change (verbatim but for the module
    prefixes): statsmodels' own ``fit`` and ``filter`` for every candidate."""
    order, seasonal_order, trend = spec
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    model = SARIMAX(z, exog=exog, order=order, seasonal_order=seasonal_order, trend=trend,
                    concentrate_scale=True, simple_differencing=True)
    names = list(model.param_names)
    if names:
        start = arima_module._start_params(model, names, warm)
        params = model.fit(start_params=start, disp=False, method="lbfgs", maxiter=200,
                           factr=arima_module._RANK_FACTR, return_params=True)
    else:
        params = np.empty(0)
    if arima_module._min_root(names, params) < arima_module._MIN_ROOT:
        return None
    result = model.filter(params, cov_type="none", low_memory=True)
    aicc = arima_module._aicc(result)
    if not np.isfinite(aicc):
        return None
    return arima_module._Candidate(spec, aicc, names, np.asarray(params, dtype=float),
                                   float(result.filter_results.scale))


@contextlib.contextmanager
def statsmodels_search() -> Iterator[None]:
    """Run ``ARIMA``'s order search with :func:`statsmodels_rank_fit` (serial runs only)."""
    shipped = arima_module._rank_fit
    arima_module._rank_fit = statsmodels_rank_fit
    try:
        yield
    finally:
        arima_module._rank_fit = shipped


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
    run.run_ours(ARIMA(), first, origins[:1], None, clock, "warm-up")  # untimed: first calls
    results, walls = [], {}
    cases = [("arima before (statsmodels likelihood)", statsmodels_search),
             ("arima after (compiled likelihood)", contextlib.nullcontext)]
    for label, context in cases:
        with context():
            result, fit, _ = run.run_ours(ARIMA(), data, origins, None, clock, label)
        results.append(result)
        walls[label] = fit
        print(f"  {label}: {fit:.1f} s fit+forecast; load average {_load()}", flush=True)
    before, after = (r.scores.set_index(["location", "indicator", "origin", "horizon"])
                     for r in results)
    # the same seed draws the same paths when the fitted model is the same, so medians that
    # move by more than Monte-Carlo-free rounding (1 %) mark a different model or estimates
    gap = ((after["median"] - before["median"]) / before["median"]).abs()
    worst = gap.groupby(level=["location", "indicator", "origin"]).max()
    print(f"  series x origins whose forecast median moved by more than 1 % at some horizon: "
          f"{int((worst > 0.01).sum())} of {len(worst)} (largest move {worst.max():.1%})",
          flush=True)
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
