"""Real-data check of the 12-month-ending likelihood: fit wall time and the first forecasts.

Cases (each in this process, one after the other; wall time includes graph building and
compilation, as a user sees it):

- ``national``: ``BayesianTrend()`` at its defaults on ``us_monthly_12m``, opioids, reported,
  then ``forecast(12)``;
- ``states``: ``HierarchicalBayes()`` at its defaults on ten states' synthetic-opioid
  12-month-ending counts (Florida among them: its windows ending Oct 2024 - Feb 2025 are
  withheld), then ``forecast(12)``.

Prints the median and 80 % band of the first forecast windows, the last shown values, and
the convergence summary.  Usage::

    PYTHONPATH=src python benchmarks/bayes_windows/real.py [--cases national,states] \\
        [--draws 1000 --tune 1000]
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np

import odforecast
from odforecast.models import BayesianTrend, HierarchicalBayes

STATES = ["US-FL", "US-OH", "US-KY", "US-WV", "US-TN", "US-GA", "US-NC", "US-VA", "US-MD",
          "US-AL"]


def _report(name, fitted, fc, data, location, indicator, seconds):
    shown = data[(data["location"] == location) & data["value"].notna()].sort_values(
        "period_end")
    last = shown.tail(3)
    paths = fc.samples.sel(location=location, indicator=indicator).values
    q = np.percentile(paths, [10, 50, 90], axis=0)
    print(f"\n== {name}: {location} {indicator}  wall {seconds:.1f} s  "
          f"({fitted.convergence['problems']}; R-hat {fitted.convergence['r_hat_max']:.3f}, "
          f"ESS bulk {fitted.convergence['ess_bulk_min']:.0f})")
    print("last shown:", ", ".join(f"{t:%Y-%m} {v:,.0f}" for t, v in
                                   zip(last["period_end"], last["value"], strict=True)))
    for h in (0, 1, 2, 5, 11):
        print(f"  {fc.time[h]:%Y-%m}: median {q[1, h]:,.0f}  80% [{q[0, h]:,.0f}, "
              f"{q[2, h]:,.0f}]")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", default="national,states")
    parser.add_argument("--draws", type=int, default=None)
    parser.add_argument("--tune", type=int, default=None)
    parser.add_argument("--likelihood", choices=("blocks", "windows"), default="windows",
                        help="model_config['twelve_month_likelihood'] (default: windows)")
    args = parser.parse_args()
    model_config = {"twelve_month_likelihood": args.likelihood}
    sampler = {k: v for k, v in (("draws", args.draws), ("tune", args.tune)) if v}
    warnings.simplefilter("ignore", odforecast.OdforecastWarning)
    if "national" in args.cases:
        us = odforecast.load_dataset("us_monthly_12m")
        data = us[(us["indicator"] == "opioids") & (us["estimate"] == "reported")]
        started = time.perf_counter()
        fitted = BayesianTrend(model_config=model_config, sampler_config=sampler or None,
                               random_seed=1).fit(data)
        fc = fitted.forecast(12, random_seed=2)
        _report("BayesianTrend", fitted, fc, data, "US", "opioids",
                time.perf_counter() - started)
    if "states" in args.cases:
        states = odforecast.load_dataset("states_monthly_12m")
        data = states[(states["indicator"] == "synthetic_opioids")
                      & (states["estimate"] == "reported") & states["location"].isin(STATES)]
        started = time.perf_counter()
        fitted = HierarchicalBayes(model_config=model_config, sampler_config=sampler or None,
                                   random_seed=1).fit(data)
        fc = fitted.forecast(12, random_seed=2)
        seconds = time.perf_counter() - started
        for location in ("US-FL", "US-OH", "US-NC"):
            _report("HierarchicalBayes (10 states)", fitted, fc, data, location,
                    "synthetic_opioids", seconds)


if __name__ == "__main__":
    main()
