"""HierarchicalBayes at its defaults on the states' opioid 12-month-ending counts, fitted at the
7 yearly origins of benchmarks/forecast_accuracy (January 2018 ... January 2024, data up to
each origin): convergence (R-hat, ESS, divergences) and wall time per origin.

    .venv/bin/python benchmarks/bayes_speed/origins.py [--origins 2018-01-31,2024-01-31]
        [--model-config '{"overdispersion_log_sd": 0.3}']

Each origin's data have other shapes, so each fit compiles anew (one process, in order).
"""

from __future__ import annotations

import argparse
import json
import os
import time
import warnings

import pandas as pd
from run import SEED, population_frame, states_frame

ORIGINS = [d.date().isoformat() for d in pd.date_range("2018-01-31", "2024-01-31",
                                                            freq="12ME")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--origins", default=",".join(ORIGINS))
    parser.add_argument("--model-config", type=json.loads, default=None,
                        help="JSON of model_config overrides (default: none)")
    args = parser.parse_args()
    from odforecast.models import HierarchicalBayes

    frame, population = states_frame(), population_frame()
    print("| origin | sampler | wall s | max R-hat | min bulk ESS | min tail ESS | divergences "
          "| converged | load (1 min) |")
    print("|---|---|---:|---:|---:|---:|---:|---|---:|")
    for origin in args.origins.split(","):
        data = frame[frame["period_end"] <= origin]
        shown = data.groupby("location")["value"].transform(lambda v: v.notna().any())
        if not shown.all():  # e.g. Alabama: no opioid window shown before 2018
            print(f"  {origin}: dropped (no shown value yet): "
                  f"{', '.join(sorted(data.loc[~shown, 'location'].unique()))}", flush=True)
            data = data[shown]
        load = os.getloadavg()[0]
        started = time.perf_counter()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fitted = HierarchicalBayes(random_seed=SEED, population=population,
                                        model_config=args.model_config).fit(data)
        wall = time.perf_counter() - started
        c = fitted.convergence
        advice = [str(w.message) for w in caught if "not trustworthy" in str(w.message)]
        earlier = fitted.idata.attrs.get("earlier_runs")
        if earlier:  # the defaults sample again, longer, after a run that did not converge
            print(f"  earlier runs: {earlier}; last run: {fitted.sampler_config['draws']} "
                  f"draws, {fitted.sampler_config['tune']} tuning steps, target_accept "
                  f"{fitted.sampler_config['target_accept']}", flush=True)
        print(f"| {origin} | {fitted.sampler_config['nuts_sampler']} | {wall:.1f} | "
              f"{c['r_hat_max']:.3f} | {c['ess_bulk_min']:.0f} | {c['ess_tail_min']:.0f} | "
              f"{c['divergences']} | {'yes' if c['trustworthy'] else 'no: ' + c['problems']} "
              f"| {load:.2f} |", flush=True)
        for text in advice:
            print(f"  warning: {text}", flush=True)


if __name__ == "__main__":
    main()
