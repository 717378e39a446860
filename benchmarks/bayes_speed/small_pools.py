"""HierarchicalBayes on small pools of states: convergence at the defaults, and accuracy.

Regional models pool a handful of neighbouring states.  Part 1 fits ``HierarchicalBayes()`` at
its defaults (automatic longer reruns included) to the newest 12-month-ending data of six pools
of 2-4 states for three indicators and prints each fit's checks.  Part 2 backtests four pools'
opioid series at four yearly origins (h = 1-12, one run each, no rerun) with the spreads'
half-normal priors and with the ``"auto"`` rule (log-normal below ``SMALL_POOL`` locations).

    .venv/bin/python benchmarks/bayes_speed/small_pools.py                       # ~8 min
    .venv/bin/python benchmarks/bayes_speed/small_pools.py --spread-prior half_normal
        # part 1 with the half-normal spreads (the prior before 2026-12-06), ~15 min
"""

from __future__ import annotations

import argparse
import time
import warnings

import pandas as pd

import odforecast
from odforecast import OdforecastWarning
from odforecast.evaluate import BacktestResult, backtest, compare
from odforecast.models import HierarchicalBayes

POOLS = [["US-OH", "US-KY", "US-WV"], ["US-NH", "US-VT", "US-ME"], ["US-AZ", "US-NM", "US-NV"],
         ["US-MD", "US-DE", "US-VA"], ["US-TN", "US-GA", "US-AL", "US-SC"], ["US-WA", "US-OR"]]
INDICATORS = ["opioids", "synthetic_opioids", "all_drugs"]
ORIGINS = ["2021-01-31", "2022-01-31", "2023-01-31", "2024-01-31"]


def _states() -> pd.DataFrame:
    frame = odforecast.load_dataset("states_monthly_12m")
    return frame[frame["estimate"] == "reported"]


def fits_at_the_newest_data(spread_prior: str) -> None:
    states = _states()
    rows = []
    for indicator in INDICATORS:
        for pool in POOLS:
            data = states[states["location"].isin(pool) & (states["indicator"] == indicator)]
            started = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", OdforecastWarning)  # the table says it all
                fit = HierarchicalBayes(model_config={"spread_prior": spread_prior},
                                        random_seed=1).fit(data)
            c = fit.convergence
            rows.append({"indicator": indicator, "pool": "+".join(p[3:] for p in pool),
                         "divergences": c["divergences"], "r_hat_max": c["r_hat_max"],
                         "ess_bulk_min": c["ess_bulk_min"], "ess_tail_min": c["ess_tail_min"],
                         "trustworthy": c["trustworthy"], "draws": fit.sampler_config["draws"],
                         "seconds": time.perf_counter() - started})
    table = pd.DataFrame(rows)
    print(f"\nHierarchicalBayes(model_config={{'spread_prior': {spread_prior!r}}}) at the "
          "newest data (defaults, reruns included):")
    print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    print(f"trustworthy: {int(table['trustworthy'].sum())} of {len(table)}; "
          f"{table['seconds'].sum():.0f} s")


def backtests() -> None:
    states = _states()
    states = states[states["indicator"] == "opioids"]
    results = []
    for prior in ("half_normal", "auto"):
        scores, fits = [], []
        for pool in POOLS[:3] + POOLS[5:]:
            model = HierarchicalBayes(model_config={"spread_prior": prior},
                                      sampler_config={"reruns": 0}, random_seed=1)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", OdforecastWarning)
                r = backtest(model, states[states["location"].isin(pool)], origins=ORIGINS,
                             horizon=12, n_samples=1000, random_seed=0, model_name=prior)
            scores.append(r.scores)
            fits.append(r.fits)
        f = pd.concat(fits)
        print(f"{prior}: trustworthy fits {int(f['trustworthy'].sum())} of {len(f)}, "
              f"divergences {int(f['divergences'].sum())}")
        results.append(BacktestResult(pd.concat(scores, ignore_index=True), prior))
    print(compare(results, baseline="half_normal").to_string(
        index=False, float_format=lambda v: f"{v:.3f}"))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spread-prior", default="auto",
                        choices=["auto", "half_normal", "log_normal"])
    parser.add_argument("--no-backtest", action="store_true")
    args = parser.parse_args(argv)
    fits_at_the_newest_data(args.spread_prior)
    if not args.no_backtest and args.spread_prior == "auto":
        print("\nBacktest, opioids, four pools, origins " + ", ".join(ORIGINS)
              + ", h = 1-12, no rerun:")
        backtests()


if __name__ == "__main__":
    main()
