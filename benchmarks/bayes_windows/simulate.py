"""Simulation check of the Bayesian 12-month-ending likelihood.

Monthly deaths are simulated from a known process — a smooth log rate (rise, peak, decline
over 11 years) times negative-binomial noise with a 5 % extra-Poisson CV per 12-month sum —
for two series (labelled US-AK and US-VT: the schema wants location codes; no population is
used); CDC-style 12-month-ending windows are built from them.  Series ``A`` (US-AK) has
interior windows withheld (gaps of 1, 1 and 3) and its latest 5 windows withheld (as Florida's
Oct 2024 - Feb 2025); series ``B`` is complete.  ``BayesianTrend`` is fitted to both
(jointly, independent series, ``population=None``), and the script reports, over replicates:

- coverage of the 80 % posterior interval of the true expected monthly deaths over the last
  24 months of the grid (``monthly_recent``: for ``A`` this includes the 5 bridged months);
- coverage of the 80 % forecast interval of the true 12-month windows 1-12 months ahead
  (for ``A`` the first windows consist largely of bridged months);
- the median first-forecast error relative to the truth, and the true window one month
  ahead against the last shown value of ``A``.

Usage (the library is the one on ``PYTHONPATH``, so the same script measures any version)::

    PYTHONPATH=src python benchmarks/bayes_windows/simulate.py --replicates 4
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pandas as pd

import odforecast
from odforecast.data.schema import from_records
from odforecast.models import BayesianTrend

N_MONTHS = 11 * 12 + 11 + 12  # the windows' months, plus 12 months to score the forecasts


def simulate(rng: np.random.Generator):
    """True monthly means and simulated monthly counts of two series."""
    t = np.arange(N_MONTHS) / 12.0
    out = []
    for base, peak in ((300.0, 7.5), (900.0, 8.5)):
        log_mu = (np.log(base) + 0.9 * np.exp(-0.5 * ((t - peak) / 2.2) ** 2)
                  + 0.03 * np.cumsum(rng.standard_normal(N_MONTHS)) / np.sqrt(12))
        mu = np.exp(log_mu)
        shape = 1 / (12 * 0.05**2)  # a 12-month sum then has a 5 % extra-Poisson CV
        counts = rng.poisson(rng.gamma(shape, mu / shape))
        out.append((mu, counts.astype(float)))
    return out


def frame(counts_a, counts_b, n_fit: int):
    """Tidy 12-month-ending rows of the first ``n_fit`` months; A with windows withheld."""
    ends = pd.date_range("2014-01-31", periods=N_MONTHS, freq="ME")
    rows = []
    for location, counts in (("US-AK", counts_a), ("US-VT", counts_b)):
        windows = np.convolve(counts[:n_fit], np.ones(12), "valid")
        if location == "US-AK":
            windows[[40, 70, 100, 101, 102]] = np.nan  # interior gaps
            windows[-5:] = np.nan                        # the latest 5 withheld
        for k, value in enumerate(windows):
            end = ends[11 + k]
            rows.append({"location": location, "indicator": "opioids", "frequency": "12m_ending",
                         "period_start": end - pd.offsets.MonthBegin(12),
                         "period_end": end, "estimate": "reported", "value": value,
                         "unit": "deaths", "censored": False, "censor_upper": np.nan,
                         "provisional": False, "flag": "" if value == value else "not_shown",
                         "source": "simulation", "vintage": "2025-01-01"})
    return from_records(rows)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--replicates", type=int, default=4)
    parser.add_argument("--draws", type=int, default=500)
    parser.add_argument("--tune", type=int, default=500)
    parser.add_argument("--likelihood", choices=("blocks", "windows"), default="windows",
                        help="model_config['twelve_month_likelihood'] (default: windows)")
    args = parser.parse_args()
    model_config = {"twelve_month_likelihood": args.likelihood}
    warnings.simplefilter("ignore", odforecast.OdforecastWarning)
    n_fit = N_MONTHS - 12
    hits = {"US-AK path": [], "US-VT path": [], "US-AK forecast": [], "US-VT forecast": []}
    first_error = {"US-AK": [], "US-VT": []}
    for rep in range(args.replicates):
        rng = np.random.default_rng(100 + rep)
        (mu_a, counts_a), (mu_b, counts_b) = simulate(rng)
        data = frame(counts_a, counts_b, n_fit)
        started = time.perf_counter()
        fitted = BayesianTrend(model_config=model_config,
                               sampler_config={"draws": args.draws, "tune": args.tune},
                               population=None, random_seed=rep).fit(data)
        seconds = time.perf_counter() - started
        fc = fitted.forecast(12, n_samples=2000, random_seed=rep)
        post = fitted.idata["posterior"].to_dataset()
        for i, (name, mu, counts) in enumerate((("US-AK", mu_a, counts_a),
                                                ("US-VT", mu_b, counts_b))):
            if "monthly_recent" in post:
                recent = post["monthly_recent"].isel(series=i).stack(s=("chain", "draw"))
                lo, hi = np.percentile(recent.values, [10, 90], axis=-1)
                truth = mu[n_fit - 24: n_fit]
                hits[f"{name} path"].extend((lo <= truth) & (truth <= hi))
            truth_windows = np.convolve(counts, np.ones(12), "valid")[n_fit - 11:]
            paths = fc.samples.sel(location=name, indicator="opioids").values
            lo, hi = np.percentile(paths, [10, 90], axis=0)
            hits[f"{name} forecast"].extend((lo <= truth_windows) & (truth_windows <= hi))
            first_error[name].append(np.median(paths[:, 0]) / truth_windows[0] - 1)
        shown_a = data[(data["location"] == "US-AK")]["value"].dropna().iloc[-1]
        first_a = np.median(fc.samples.sel(location="US-AK", indicator="opioids").values[:, 0])
        print(f"replicate {rep}: fit {seconds:.0f} s, {fitted.convergence['problems']}; "
              f"A: last shown {shown_a:,.0f}, true next window "
              f"{np.convolve(counts_a, np.ones(12), 'valid')[n_fit - 11]:,.0f}, forecast "
              f"median {first_a:,.0f}")
    print("\n80 % interval coverage (target 0.80):")
    for key, values in hits.items():
        if values:
            print(f"  {key:12s} {np.mean(values):.2f}  (n = {len(values)})")
    for name, errors in first_error.items():
        print(f"  {name} first-forecast median error: "
              f"{', '.join(f'{e:+.1%}' for e in errors)}")


if __name__ == "__main__":
    main()
