"""Vintage backtest of the projection engine: refit at what was known in mid-2015 ... mid-2023,
score the next five annual US opioid death totals against the bundled later data.

At each vintage V (30 June of 2015, 2017, 2019, 2021, 2023):

* the mechanistic model is calibrated with ``MechanisticOpioidModel(vintage=V)`` to the
  annual counts and 12-month windows published by V (its own vintage rule), and projects
  annual totals;
* ARIMA, BayesianTrend and Drift are fitted to the annual ``opioids`` counts available at V
  (a year is known from June of the next year, the same rule) and forecast the same years.

The scored years are the five calendar years from the year of V (2015-2019 for mid-2015, ...),
as far as the bundled data reach (through 2024): 5 + 5 + 5 + 4 + 2 = 21 totals per model.
Scores: WIS on the 23 forecast-hub quantiles, 50/80/95 % coverage, per vintage and horizon
(horizon 1 = the year of V).

Usage (from the repository root)::

    .venv/bin/python benchmarks/projection_vintages/run.py                 # full run
    .venv/bin/python benchmarks/projection_vintages/run.py --models mechanistic \\
        --half-lives 1,2,3.4 --calibration laplace                          # screening

Writes ``results/scores.csv`` (one row per model x vintage x year), ``results/summary.csv``
and ``results/fits.csv`` (calibration time and convergence per vintage), and prints the README
tables.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

import odforecast
from odforecast.errors import OdforecastWarning
from odforecast.evaluate.backtesting import HUB_LEVELS
from odforecast.evaluate.scores import wis
from odforecast.mechanistic import MechanisticOpioidModel, availability, calibration_frame

HERE = Path(__file__).resolve().parent
VINTAGES = ("2015-06-30", "2017-06-30", "2019-06-30", "2021-06-30", "2023-06-30")
YEARS_AHEAD = 5
N_SAMPLES = 2000
SEED = 0


def truth() -> pd.Series:
    us = odforecast.load_dataset("us_annual")
    rows = us[(us["indicator"] == "opioids") & (us["estimate"] == "reported")
              & (us["location"] == "US")]
    return pd.Series(rows["value"].to_numpy(), index=rows["period_end"].dt.year.to_numpy())


def annual_training(vintage: pd.Timestamp) -> pd.DataFrame:
    us = odforecast.load_dataset("us_annual")
    rows = us[(us["indicator"] == "opioids") & (us["estimate"] == "reported")
              & (us["location"] == "US")]
    known = [availability(int(y), vintage) is not None for y in rows["period_end"].dt.year]
    return rows[known]


def score_paths(paths: np.ndarray, years: list[int], observed: pd.Series, first_year: int
                ) -> list[dict]:
    rows = []
    levels = np.array(HUB_LEVELS)
    for j, year in enumerate(years):
        if year not in observed.index:
            continue
        y = float(observed[year])
        q = np.quantile(paths[:, j], levels)
        row = {"year": year, "horizon": year - first_year + 1, "truth": y,
               "median": float(np.median(paths[:, j])), "wis": float(wis(y, levels, q))}
        for level in (50, 80, 95):
            lo, hi = np.quantile(paths[:, j], [0.5 - level / 200, 0.5 + level / 200])
            row[f"cover_{level}"] = bool(lo <= y <= hi)
            row[f"lower_{level}"], row[f"upper_{level}"] = float(lo), float(hi)
        rows.append(row)
    return rows


def run_mechanistic(vintage: pd.Timestamp, half_life: float | None, calibration: str,
                    observed: pd.Series, data: pd.DataFrame) -> tuple[list[dict], dict]:
    first_year = vintage.year
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OdforecastWarning)
        model = MechanisticOpioidModel(vintage=str(vintage.date()), growth_half_life=half_life,
                                       calibration=calibration, random_seed=SEED)
        started = time.perf_counter()
        fit = model.fit(data, progress=False)
        seconds = time.perf_counter() - started
    horizon = first_year + YEARS_AHEAD - fit.forecast_start
    fc = fit.forecast(horizon, n_samples=N_SAMPLES, random_seed=SEED, buckets=False)
    paths = fc.samples.sel(location="US", indicator="opioids").values
    years = list(pd.DatetimeIndex(fc.samples["time"].values).year)
    keep = [i for i, y in enumerate(years) if y >= first_year]
    scored = score_paths(paths[:, keep], [years[i] for i in keep], observed, first_year)
    info = {k: v for k, v in fit.posterior.diagnostics.items() if not isinstance(v, list)}
    info.update(seconds=round(seconds, 1), data_end=str(fit.cal.end))
    return scored, info


def run_statistical(name: str, vintage: pd.Timestamp, observed: pd.Series) -> list[dict]:
    from odforecast.models import ARIMA, BayesianTrend, Drift

    train = annual_training(vintage)
    last = int(train["period_end"].dt.year.max())
    first_year = vintage.year
    horizon = first_year + YEARS_AHEAD - 1 - last
    model = {"arima": ARIMA, "drift": Drift,
             "bayes": lambda: BayesianTrend(random_seed=SEED)}[name]()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OdforecastWarning)
        fc = model.fit(train).forecast(horizon, n_samples=N_SAMPLES, random_seed=SEED)
    paths = fc.samples.sel(location="US", indicator="opioids").values
    years = list(pd.DatetimeIndex(fc.samples["time"].values).year)
    keep = [i for i, y in enumerate(years) if y >= first_year]
    return score_paths(paths[:, keep], [years[i] for i in keep], observed, first_year)


def summarise(scores: pd.DataFrame) -> pd.DataFrame:
    return scores.groupby("model").agg(
        n=("wis", "size"), wis=("wis", "mean"), cover_50=("cover_50", "mean"),
        cover_80=("cover_80", "mean"), cover_95=("cover_95", "mean")).sort_values("wis")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", default="mechanistic,arima,bayes,drift")
    parser.add_argument("--half-lives", default=None,
                        help="comma-separated growth half-lives (years; 'none' = undamped) "
                             "of the mechanistic model; default: the model's default")
    parser.add_argument("--calibration", default="nuts", choices=("nuts", "laplace"))
    parser.add_argument("--vintages", default=",".join(VINTAGES))
    parser.add_argument("--out", default=str(HERE / "results"))
    args = parser.parse_args(argv)
    models = args.models.split(",")
    vintages = [pd.Timestamp(v) for v in args.vintages.split(",")]
    from odforecast.mechanistic.model import GROWTH_HALF_LIFE

    half_lives = ([GROWTH_HALF_LIFE] if args.half_lives is None else
                  [None if h == "none" else float(h) for h in args.half_lives.split(",")])
    observed = truth()
    data = calibration_frame()
    started = time.time()
    print(f"# projection vintages: {platform.node()}, {os.cpu_count()} CPUs, load "
          f"{os.getloadavg()[0]:.1f}, odforecast {odforecast.__version__}, "
          f"{time.strftime('%Y-%m-%d %H:%M')}", file=sys.stderr)
    rows, fits = [], []
    for vintage in vintages:
        for name in models:
            variants = half_lives if name == "mechanistic" else [None]
            for hl in variants:
                label = name if name != "mechanistic" or len(half_lives) == 1 else \
                    f"mechanistic_hl{hl}"
                t0 = time.time()
                if name == "mechanistic":
                    scored, info = run_mechanistic(vintage, hl, args.calibration, observed,
                                                   data)
                    fits.append({"model": label, "vintage": str(vintage.date()), **info})
                else:
                    scored = run_statistical(name, vintage, observed)
                for row in scored:
                    rows.append({"model": label, "vintage": str(vintage.date()), **row})
                print(f"{vintage.date()} {label}: {time.time() - t0:.0f} s, WIS "
                      f"{np.mean([r['wis'] for r in scored]):,.0f}", file=sys.stderr)
    scores = pd.DataFrame(rows)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    scores.to_csv(out / "scores.csv", index=False)
    summary = summarise(scores)
    summary.to_csv(out / "summary.csv")
    if fits:
        pd.DataFrame(fits).to_csv(out / "fits.csv", index=False)
    pd.set_option("display.width", 200)
    print(summary.round(3).to_string())
    print(scores.pivot_table(index="model", columns="vintage", values="wis").round(0).to_string())
    print(scores.pivot_table(index="model", columns="vintage", values="cover_80").round(2)
          .to_string())
    print(scores.pivot_table(index="model", columns="horizon", values="wis").round(0)
          .to_string())
    if fits:
        cols = [c for c in ("model", "vintage", "seconds", "r_hat_max", "ess_bulk_min",
                            "ess_tail_min", "divergences", "converged") if c in fits[0]]
        print(pd.DataFrame(fits)[cols].to_string(index=False))
    print(f"# total {time.time() - started:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
