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
sys.path.insert(0, str(HERE.parent))
from provenance import source_revision, write_provenance  # noqa: E402

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
                    data: pd.DataFrame, dfs: list[float | None], sampler_config: dict | None
                    ) -> tuple[dict[float | None, tuple[np.ndarray, list[int]]], dict]:
    """Calibrate once at ``vintage``; project with each supply-innovation ``df`` (the
    projection only: the fit is the same).  Returns ``{df: (paths, years)}`` and the fit's
    diagnostics."""
    first_year = vintage.year
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OdforecastWarning)
        model = MechanisticOpioidModel(vintage=str(vintage.date()), growth_half_life=half_life,
                                       calibration=calibration, sampler_config=sampler_config,
                                       random_seed=SEED)
        started = time.perf_counter()
        fit = model.fit(data, progress=False)
        seconds = time.perf_counter() - started
    horizon = first_year + YEARS_AHEAD - fit.forecast_start
    out = {}
    for df in dfs:
        fit.model.supply_innovation_df = df
        fc = fit.forecast(horizon, n_samples=N_SAMPLES, random_seed=SEED, buckets=False)
        out[df] = future_paths(fc, first_year)
    info = {k: v for k, v in fit.posterior.diagnostics.items() if not isinstance(v, list)}
    info.update(seconds=round(seconds, 1), data_end=str(fit.cal.end))
    return out, info


def future_paths(fc, first_year: int) -> tuple[np.ndarray, list[int]]:
    """The forecast's US opioid paths of the years from ``first_year`` on, and those years."""
    paths = fc.samples.sel(location="US", indicator="opioids").values
    years = list(pd.DatetimeIndex(fc.samples["time"].values).year)
    keep = [i for i, y in enumerate(years) if y >= first_year]
    return paths[:, keep], [years[i] for i in keep]


def mixture(paths: list[np.ndarray], seed: int) -> np.ndarray:
    """Equal-weight mixture of the members' sample paths (whole paths, as
    :class:`odforecast.Ensemble` mixes them)."""
    from odforecast.models.ensemble.fit import allocate

    n = min(p.shape[0] for p in paths)
    member = allocate(np.full(len(paths), 1.0 / len(paths)), n, np.random.default_rng(seed))
    return np.stack(paths)[member, np.arange(n)]


def run_statistical(name: str, vintage: pd.Timestamp) -> tuple[np.ndarray, list[int]]:
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
    return future_paths(fc, first_year)


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
    parser.add_argument("--innovation-dfs", default=None,
                        help="comma-separated degrees of freedom of the projected supply "
                             "innovations ('none' = Gaussian); default: the model's default")
    parser.add_argument("--target-accept", type=float, default=None,
                        help="NUTS target acceptance of the mechanistic calibration")
    parser.add_argument("--ensembles", default="mechanistic+arima+bayes",
                        help="comma-separated equal-weight mixtures of model labels joined "
                             "by '+' (scored beside the models; '' for none)")
    parser.add_argument("--from-paths", action="store_true",
                        help="score the paths saved by an earlier run (results/paths.npz) "
                             "instead of refitting")
    parser.add_argument("--calibration", default="nuts", choices=("nuts", "laplace"))
    parser.add_argument("--vintages", default=",".join(VINTAGES))
    parser.add_argument("--out", default=str(HERE / "results"))
    args = parser.parse_args(argv)
    models = args.models.split(",")
    vintages = [pd.Timestamp(v) for v in args.vintages.split(",")]
    from odforecast.mechanistic.model import GROWTH_HALF_LIFE, SUPPLY_INNOVATION_DF

    def numbers(text: str | None, default: float | None) -> list[float | None]:
        return [default] if text is None else [None if h == "none" else float(h)
                                               for h in text.split(",")]

    half_lives = numbers(args.half_lives, GROWTH_HALF_LIFE)
    dfs = numbers(args.innovation_dfs, SUPPLY_INNOVATION_DF)
    sampler = None if args.target_accept is None else {"target_accept": args.target_accept}
    observed = truth()
    data = calibration_frame()
    out = Path(args.out)
    started = time.time()
    print(f"# projection vintages: {platform.node()}, {os.cpu_count()} CPUs, load "
          f"{os.getloadavg()[0]:.1f}, odforecast {odforecast.__version__} at "
          f"{source_revision()}, "
          f"{time.strftime('%Y-%m-%d %H:%M')}", file=sys.stderr)
    fits = []
    paths: dict[tuple[str, str], tuple[np.ndarray, list[int]]] = {}
    if args.from_paths:
        with np.load(out / "paths.npz") as saved:
            for key in saved.files:
                if key.endswith("|years"):
                    continue
                label, vintage = key.split("|")
                paths[label, vintage] = (saved[key], list(saved[f"{key}|years"]))
    else:
        for vintage in vintages:
            v = str(vintage.date())
            for name in models:
                t0 = time.time()
                if name != "mechanistic":
                    paths[name, v] = run_statistical(name, vintage)
                    print(f"{v} {name}: {time.time() - t0:.0f} s", file=sys.stderr)
                    continue
                for hl in half_lives:
                    projected, info = run_mechanistic(vintage, hl, args.calibration, data, dfs,
                                                      sampler)
                    for df, value in projected.items():
                        label = "mechanistic" + (f"_hl{hl}" if len(half_lives) > 1 else "") \
                            + (f"_t{df}" if len(dfs) > 1 else "")
                        paths[label, v] = value
                        fits.append({"model": label, "vintage": v, **info})
                    print(f"{v} mechanistic hl {hl}: {time.time() - t0:.0f} s",
                          file=sys.stderr)
        out.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(out / "paths.npz", **{
            f"{label}|{v}{suffix}": value for (label, v), (p, years) in paths.items()
            for suffix, value in (("", p), ("|years", np.array(years)))})
    for recipe in filter(None, args.ensembles.split(",")):
        members = recipe.split("+")
        for v in sorted({v for _, v in paths}):
            if all((m, v) in paths for m in members):
                years = paths[members[0], v][1]
                if any(paths[m, v][1] != years for m in members):
                    raise SystemExit(f"{recipe} at {v}: members project different years")
                paths[recipe, v] = (mixture([paths[m, v][0] for m in members], SEED), years)
    rows = []
    for (label, v), (p, years) in paths.items():
        for row in score_paths(p, years, observed, pd.Timestamp(v).year):
            rows.append({"model": label, "vintage": v, **row})
    scores = pd.DataFrame(rows)
    out.mkdir(parents=True, exist_ok=True)
    scores.to_csv(out / "scores.csv", index=False)
    summary = summarise(scores)
    summary.to_csv(out / "summary.csv")
    if fits:
        pd.DataFrame(fits).to_csv(out / "fits.csv", index=False)
    write_provenance(out, ["scores.csv", "summary.csv", *(["fits.csv"] if fits else [])],
                     models=sorted({label for label, _ in paths}))
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
