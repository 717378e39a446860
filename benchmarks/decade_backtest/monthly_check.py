"""Do the decade-horizon priors of BayesianTrend keep its 12-month accuracy on CDC's monthly data?

A subset of ``benchmarks/forecast_accuracy/bayes.py``: the US national 12-month-ending series
(VSRR vintage 2025-07-16, estimate "reported", indicators all_drugs, opioids, synthetic_opioids)
at origins every 36 months (2018-01-31, 2021-01-31, 2024-01-31), horizons 1-12 months, 1,000
paths, seed 0, the full sampler of bayes.py (2 chains x 1,000 + 1,000).  ``BayesianTrend`` is run
twice in the same script: with its defaults for these data (``DEFAULT_MODEL_CONFIG``, the priors
before the decade change) and with the decade-horizon priors it uses for annual data
(``ANNUAL_MODEL_CONFIG``).  Both are scored like bayes.py (``odforecast.evaluate``), and
compared with run.py's naive, drift and ARIMA scores on the same cells (``results/scores.csv.gz`` of
forecast_accuracy, written by its full run).

Usage (from the repository root)::

    .venv/bin/python benchmarks/decade_backtest/monthly_check.py        # ~5 min
"""

from __future__ import annotations

import os
import platform
import sys
import time
import warnings
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
ACCURACY = HERE.parent / "forecast_accuracy"
sys.path.insert(0, str(ACCURACY))

import run as accuracy  # noqa: E402  (series, origins and settings of the accuracy benchmark)

from odforecast.errors import OdforecastWarning  # noqa: E402
from odforecast.evaluate import BacktestResult, compare  # noqa: E402
from odforecast.evaluate.backtesting import score_forecast  # noqa: E402
from odforecast.models import BayesianTrend  # noqa: E402
from odforecast.models.bayes.config import ANNUAL_MODEL_CONFIG  # noqa: E402
from odforecast.models.series import prepare_series  # noqa: E402

SAMPLER = {"draws": 1000, "tune": 1000, "chains": 2}
STEP = 36
#: BayesianTrend's defaults for 12-month-ending data (DEFAULT_MODEL_CONFIG, unchanged) against
#: the decade-horizon priors it uses for annual data.
MODELS = {"bayes": None, "bayes_annual_priors": ANNUAL_MODEL_CONFIG}


def machine_info() -> str:
    """Machine and package versions (accuracy.machine_info needs statsforecast)."""
    found = []
    for package in ("odforecast", "numpy", "pymc", "nutpie"):
        try:
            found.append(f"{package} {version(package)}")
        except PackageNotFoundError:
            continue
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return (f"{os.cpu_count()} cores, {platform.machine()}, Python "
            f"{platform.python_version()}; {', '.join(found)}; load average {load}")


def main() -> None:
    started = time.perf_counter()
    print(f"date: {time.strftime('%Y-%m-%d %H:%M %Z')}")
    print(f"machine: {machine_info()}", flush=True)
    data, _ = accuracy.load_series(accuracy.ROOT.parent / "shared" / "data")
    data = data[data["location"] == "US"].reset_index(drop=True)
    origins = accuracy.origins_every(STEP)
    full = {s.key: s for s in prepare_series(data)}
    print(f"series: US x {sorted(data['indicator'].unique())}; origins {', '.join(origins)}; "
          f"horizon {accuracy.HORIZON}; {accuracy.N_SAMPLES} paths; NUTS {SAMPLER}", flush=True)
    tables: dict[str, list[pd.DataFrame]] = {name: [] for name in MODELS}
    for origin in origins:
        stamp = pd.Timestamp(origin)
        train = data[data["period_end"] <= stamp]
        for name, priors in MODELS.items():
            tic = time.perf_counter()
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", OdforecastWarning)
                fitted = BayesianTrend(model_config=priors, sampler_config=SAMPLER,
                                       random_seed=accuracy.SEED).fit(train)
            fc = fitted.forecast(accuracy.HORIZON, n_samples=accuracy.N_SAMPLES,
                                 random_seed=accuracy.SEED)
            tables[name].append(score_forecast(fc, full, stamp, name, accuracy.SEED))
            flags = [str(w.message) for w in caught if issubclass(w.category, OdforecastWarning)]
            c = fitted.convergence
            print(f"  {origin} {name}: {time.perf_counter() - tic:.0f} s; R-hat "
                  f"{c['r_hat_max']:.3f}, bulk ESS {c['ess_bulk_min']:.0f}, tail ESS "
                  f"{c['ess_tail_min']:.0f}, divergences {c['divergences']}"
                  + (f"; {' | '.join(flags)}" if flags else ""), flush=True)
    results = [BacktestResult(pd.concat(t, ignore_index=True), name)
               for name, t in tables.items()]
    key = ["location", "indicator", "origin", "horizon"]
    reference = pd.read_csv(ACCURACY / "results" / "scores.csv.gz")
    reference = reference[reference["model"].isin(["naive", "drift", "arima"])]
    cells = results[0].scores[key]
    for name, rows in reference.groupby("model"):
        results.append(BacktestResult(rows.merge(cells, on=key), name))
    print(f"\ncells per model: {[len(r.scores) for r in results]}\n")
    table = compare(results, baseline="naive")
    print(table[["model", "n", "wis", "rel_wis_vs_naive", "mae", "mape", "cover_50", "cover_80",
                 "cover_95"]].to_string(index=False, float_format=lambda v: f"{v:,.3f}"))
    by_h = compare(results, baseline="naive", by=("model", "horizon"))
    print("\nh = 12:")
    print(by_h[by_h["horizon"] == 12][["model", "wis", "rel_wis_vs_naive", "cover_50",
                                       "cover_80", "cover_95"]]
          .to_string(index=False, float_format=lambda v: f"{v:,.3f}"))
    print(f"\nrun time: {time.perf_counter() - started:.0f} s; {machine_info()}")


if __name__ == "__main__":
    main()
