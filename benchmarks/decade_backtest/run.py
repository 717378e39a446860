"""Decade-horizon backtest of the statistical models on US annual opioid deaths.

Data: the bundled ``us_annual`` dataset, indicator ``opioids``, estimate ``reported``, location
US (1999-2024).  Rolling origins 2005-12-31 ... 2014-12-31 (10 yearly origins), horizon 10
years; a cell whose target year has no data is not scored, so every model is scored on the same
100 cells (origin 2014 reaches 2024, the last year with data).  Every model is refitted at each
origin by :func:`odforecast.evaluate.backtest` with 2,000 sample paths and seed 0, and scored on
the 23 forecast-hub quantiles (WIS) and the central 50/80/95 % intervals.

Models (one run, side by side): ``Naive()``, ``Drift()`` (the yardsticks), ``ARIMA()`` and
``BayesianTrend()`` with their default settings (the Bayesian model with the full default sampler:
2 chains x 1,000 + 1,000 draws, nutpie), plus variants that switch one modelling choice off or on
so the effect of each default is measured in the same run (``--models`` chooses).

Usage (from the repository root)::

    .venv/bin/python benchmarks/decade_backtest/run.py                  # every model (~8 min)
    .venv/bin/python benchmarks/decade_backtest/run.py --models naive,drift,arima

Prints the README tables and writes ``results/summary.csv`` (one row per model) and
``results/scores.csv.gz`` (one row per model x origin x horizon).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
import warnings
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pandas as pd

import odforecast
from odforecast.errors import OdforecastWarning
from odforecast.evaluate import BacktestResult, backtest, compare, rolling_origins
from odforecast.models import ARIMA, BayesianTrend, Drift, Ensemble, Naive

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from provenance import source_revision, write_provenance  # noqa: E402

ORIGINS = ("2005", "2014")
HORIZON = 10
N_SAMPLES = 2000
SEED = 0
BASELINE = "drift"
INTERVALS = (50, 80, 95)

#: name -> (factory, description).  The defaults are what a user gets from ``Model()``.
MODELS: dict[str, tuple[Callable[[], odforecast.models.Model], str]] = {
    "naive": (lambda: Naive(), "Naive() (reference)"),
    "drift": (lambda: Drift(), "Drift() (reference)"),
    "arima": (lambda: ARIMA(), "ARIMA() defaults"),
    "bayes": (lambda: BayesianTrend(random_seed=SEED), "BayesianTrend() defaults"),
    "bayes_slope0.06": (lambda: BayesianTrend(model_config={"sigma_slope": 0.06},
                                              random_seed=SEED),
                        "BayesianTrend(model_config={'sigma_slope': 0.06}): faster growth change"),
    "bayes_slope0.1": (lambda: BayesianTrend(model_config={"sigma_slope": 0.1},
                                             random_seed=SEED),
                       "BayesianTrend(model_config={'sigma_slope': 0.1}): faster growth change"),
    "arima_plugin": (lambda: ARIMA(parameter_uncertainty=False),
                     "ARIMA(parameter_uncertainty=False): estimates plugged in (as before)"),
    "arima_selected": (lambda: ARIMA(model_averaging=False),
                       "ARIMA(model_averaging=False): the selected order only (as before)"),
    "arima_d2": (lambda: ARIMA(max_d=2),
                 "ARIMA(max_d=2): second differences allowed, as before on annual data"),
    "ensemble": (lambda: Ensemble([ARIMA(), BayesianTrend(random_seed=SEED), Drift()],
                                  weights="equal", random_seed=SEED),
                 "Ensemble([ARIMA(), BayesianTrend(), Drift()], weights='equal')"),
    "ensemble_default": (lambda: Ensemble(random_seed=SEED),
                         "Ensemble() defaults: ARIMA + BayesianTrend, equal weights"),
}
DEFAULT_MODELS = ",".join(MODELS)


#: ``--indicators all``: every US annual indicator with counts from 1999 to 2024 (methadone
#: and the two other 2020-onward breakdowns have 5 years and are left out).
ALL_INDICATORS = ("opioids", "all_drugs", "heroin", "synthetic_opioids",
                  "natural_semisynthetic_methadone", "cocaine", "psychostimulants")


def load(indicators: tuple[str, ...] = ("opioids",)) -> pd.DataFrame:
    us = odforecast.load_dataset("us_annual")
    return us[us["indicator"].isin(indicators) & (us["estimate"] == "reported")
              & (us["location"] == "US")].reset_index(drop=True)


def machine_info() -> str:
    packages = ["odforecast", "numpy", "statsmodels", "pymc", "nutpie"]
    found = []
    for p in packages:
        try:
            found.append(f"{p} {version(p)}")
        except Exception:  # an optional sampler may be missing
            continue
    load_avg = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return (f"{os.cpu_count()} cores, {platform.machine()}, odforecast at "
            f"{source_revision()}, Python "
            f"{platform.python_version()}; {', '.join(found)}; load average {load_avg}")


def run_model(name: str, data: pd.DataFrame, origins: list[str], *, separately: bool = False
              ) -> tuple[BacktestResult, float, list[str]]:
    """Backtest one model; ``separately``: one fit per indicator, so that parameters a model
    shares between the series of one fit (``BayesianTrend``'s damping) see one series."""
    factory, _ = MODELS[name]
    started = time.perf_counter()
    groups = ([part for _, part in data.groupby("indicator", sort=False)] if separately
              else [data])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", OdforecastWarning)
        parts = [backtest(factory(), group, origins=origins, horizon=HORIZON,
                          n_samples=N_SAMPLES, random_seed=SEED, model_name=name,
                          progress=False) for group in groups]
    result = (parts[0] if len(parts) == 1 else BacktestResult(
        pd.concat([r.scores for r in parts], ignore_index=True), name,
        pd.concat([r.fits for r in parts], ignore_index=True)))
    flags = sorted({str(w.message) for w in caught
                    if issubclass(w.category, OdforecastWarning)})
    return result, time.perf_counter() - started, flags


def summary_table(results: list[BacktestResult]) -> pd.DataFrame:
    """One row per model: WIS (all h, h 1-5, h 6-10), relative WIS vs Drift, coverage."""
    table = pd.concat([r.scores for r in results], ignore_index=True)
    table["group"] = np.where(table["horizon"] <= 5, "1-5", "6-10")
    rel = compare(results, baseline=BASELINE).set_index("model")[f"rel_wis_vs_{BASELINE}"]
    rows = []
    for name in [r.model for r in results]:
        mine = table[table["model"] == name]
        late = mine[mine["group"] == "6-10"]
        row = {"model": name, "n": len(mine), "wis": mine["wis"].mean(),
               "wis_h1_5": mine.loc[mine["group"] == "1-5", "wis"].mean(),
               "wis_h6_10": late["wis"].mean(), f"rel_wis_vs_{BASELINE}": rel[name]}
        for p in INTERVALS:
            row[f"cover_{p}"] = mine[f"cover_{p}"].mean()
        for p in INTERVALS:
            row[f"cover_{p}_h6_10"] = late[f"cover_{p}"].mean()
        rows.append(row)
    return pd.DataFrame(rows)


def by_indicator_table(results: list[BacktestResult]) -> pd.DataFrame:
    """One row per model: WIS relative to Drift per indicator (same cells), their geometric
    mean, and 80 % coverage at horizons 6-10 over every indicator (``--indicators``)."""
    table = pd.concat([r.scores for r in results], ignore_index=True)
    wis = table.pivot_table(index="model", columns="indicator", values="wis", aggfunc="mean")
    rel = wis.div(wis.loc[BASELINE], axis=1)
    late = table[table["horizon"] >= 6]
    out = rel.copy()
    out.insert(0, "geo_mean_rel_wis", np.exp(np.log(rel).mean(axis=1)))
    out.insert(1, "cover_80_h6_10", late.groupby("model")["cover_80"].mean())
    out.insert(2, "cover_80_h6_10_min", late.groupby(["model", "indicator"])["cover_80"]
               .mean().groupby("model").min())
    return out.loc[[r.model for r in results]].reset_index()


def by_indicator_markdown(table: pd.DataFrame) -> str:
    indicators = [c for c in table.columns if c not in (
        "model", "geo_mean_rel_wis", "cover_80_h6_10", "cover_80_h6_10_min")]
    lines = ["| model | rel. WIS vs drift (geometric mean) | cov80 h6-10 | lowest cov80 h6-10 | "
             + " | ".join(indicators) + " |", "|---|" + "---:|" * (3 + len(indicators))]
    for r in table.to_dict("records"):
        lines.append(f"| {r['model']} | {r['geo_mean_rel_wis']:.3f} | {r['cover_80_h6_10']:.2f} "
                     f"| {r['cover_80_h6_10_min']:.2f} | "
                     + " | ".join(f"{r[i]:.3f}" for i in indicators) + " |")
    return "\n".join(lines)


def markdown(table: pd.DataFrame) -> str:
    head = ("| model | n | WIS | WIS h1-5 | WIS h6-10 | rel. WIS vs drift | cov50 | cov80 | "
            "cov95 | cov50 h6-10 | cov80 h6-10 | cov95 h6-10 |")
    lines = [head, "|---|" + "---:|" * 11]
    for r in table.itertuples(index=False):
        lines.append(
            f"| {r.model} | {r.n} | {r.wis:,.0f} | {r.wis_h1_5:,.0f} | {r.wis_h6_10:,.0f} | "
            f"{getattr(r, f'rel_wis_vs_{BASELINE}'):.3f} | {r.cover_50:.2f} | {r.cover_80:.2f} | "
            f"{r.cover_95:.2f} | {r.cover_50_h6_10:.2f} | {r.cover_80_h6_10:.2f} | "
            f"{r.cover_95_h6_10:.2f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default=DEFAULT_MODELS,
                        help=f"comma-separated, from: {', '.join(MODELS)}")
    parser.add_argument("--indicators", default="opioids",
                        help="comma-separated us_annual indicators, or 'all' for "
                             f"{', '.join(ALL_INDICATORS)}")
    parser.add_argument("--separately", action="store_true",
                        help="fit each indicator on its own (default: one fit of all the "
                             "indicators at each origin, as a user passing them together)")
    parser.add_argument("--out", type=Path, default=HERE / "results")
    args = parser.parse_args(argv)
    names = [m.strip() for m in args.models.split(",") if m.strip()]
    unknown = sorted(set(names) - set(MODELS))
    if unknown:
        parser.error(f"unknown models {unknown}; choose from {', '.join(MODELS)}")
    if BASELINE not in names:
        names.insert(0, BASELINE)  # relative WIS needs the yardstick in the same run

    started = time.perf_counter()
    print(f"date: {time.strftime('%Y-%m-%d %H:%M %Z')}")
    print(f"machine: {machine_info()}", flush=True)
    indicators = (ALL_INDICATORS if args.indicators == "all"
                  else tuple(i.strip() for i in args.indicators.split(",") if i.strip()))
    unknown = sorted(set(indicators) - set(ALL_INDICATORS))
    if unknown:
        parser.error(f"unknown indicators {unknown}; choose from {', '.join(ALL_INDICATORS)}")
    data = load(indicators)
    origins = rolling_origins(data, *ORIGINS)
    print(f"data: us_annual, {', '.join(indicators)}, reported, US, "
          f"{data['period_end'].min().year}-"
          f"{data['period_end'].max().year}; origins {origins[0]} .. {origins[-1]} "
          f"({len(origins)}), horizon {HORIZON}, {N_SAMPLES} paths, seed {SEED}", flush=True)
    results = []
    for name in names:
        result, seconds, flags = run_model(name, data, origins, separately=args.separately)
        results.append(result)
        note = f"; warnings: {' | '.join(flags)}" if flags else ""
        print(f"  {name}: {MODELS[name][1]}; {seconds:.1f} s{note}", flush=True)
    cells = {r.model: len(r.scores) for r in results}
    if len(set(cells.values())) != 1:
        raise SystemExit(f"models were scored on different cells: {cells}")
    table = summary_table(results)
    print(f"\ncells per model: {next(iter(cells.values()))}\n")
    print(markdown(table))
    args.out.mkdir(parents=True, exist_ok=True)
    table.to_csv(args.out / "summary.csv", index=False, float_format="%.4f")
    if len(indicators) > 1:
        per_indicator = by_indicator_table(results)
        print("\nWIS relative to drift, per indicator (all horizons):\n")
        print(by_indicator_markdown(per_indicator))
        per_indicator.to_csv(args.out / "by_indicator.csv", index=False, float_format="%.4f")
    pd.concat([r.scores for r in results]).to_csv(args.out / "scores.csv.gz", index=False)
    written = ["summary.csv", "scores.csv.gz"] + (["by_indicator.csv"] if len(indicators) > 1
                                                  else [])
    write_provenance(args.out, written, models=names, indicators=list(indicators),
                     separately=args.separately)
    print(f"\nrun time: {time.perf_counter() - started:.0f} s; load average now "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    sys.exit(main())
