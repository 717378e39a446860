"""Forecast accuracy on **every** bundled state series, gaps and suppressed cells included.

``run.py`` scores the 90 series that CDC shows completely; this script scores every
jurisdiction x indicator series of the bundled ``states_monthly_12m`` dataset (estimate
"reported": all_drugs, opioids, synthetic_opioids; 50 states, DC and New York City), as a
user gets them: withheld windows and suppressed (censored) counts stay in the data, and the
models handle them (ARIMA's Kalman filter and the baselines treat them as missing values; see
docs/models.md, "Withheld windows and suppressed counts").  A forecast cell is scored only
where the truth is shown and not censored (``odforecast.evaluate.backtest``).

A series enters when it has at least ``--min-shown`` shown values up to the first origin (fewer
would make every model fall back or refuse); the script prints how many do not and why.
statsforecast's models refuse missing values, so the peers run only on the series with no
withheld or censored cell in the whole span; the table gives both groups of cells.

Usage (from the repository root)::

    .venv/bin/python benchmarks/forecast_accuracy/all_states.py                 # ~10 min
    .venv/bin/python benchmarks/forecast_accuracy/all_states.py --n-origins 2 --models naive,drift
    .venv/bin/python benchmarks/forecast_accuracy/all_states.py --models arima,ensemble --update
        # rerun two models, keep the others' saved scores (the tables show every model)

Writes ``results/scores_all_states.csv.gz`` (one row per model x series x origin x horizon)
and, for the Bayesian models, ``results/all_states_fits.csv`` (one row per fit: indicator,
origin, seconds, R-hat, ESS, divergences, whether it passed the checks, warnings).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import run  # noqa: E402  (origins, models, scoring, statsforecast helpers)

import odforecast  # noqa: E402
from odforecast.data.transform import merge_nyc  # noqa: E402
from odforecast.errors import DataError  # noqa: E402
from odforecast.evaluate import BacktestResult, compare  # noqa: E402
from odforecast.models import BayesianTrend, HierarchicalBayes  # noqa: E402

#: The Bayesian models, at their defaults (a fit that does not converge is sampled again,
#: longer): one joint fit per indicator and origin, each series with its own parameters
#: (``bayes``) or partially pooled across the jurisdictions (``hierarchical``).
BAYES = {"bayes": lambda: BayesianTrend(random_seed=run.SEED),
         "hierarchical": lambda: HierarchicalBayes(aggregate_location=None,
                                                   random_seed=run.SEED)}


def load_states(min_shown: int, first_origin: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every reported state series with enough shown values by ``first_origin``; and one row
    per series saying whether it was used, its gaps, and whether the peers can run on it."""
    data = odforecast.load_dataset("states_monthly_12m")
    data = data[(data["estimate"] == "reported") & (data["location"] != "US")]
    data = data.sort_values(["location", "indicator", "period_end"]).reset_index(drop=True)
    shown = data["value"].notna() & ~data["censored"]
    before = data["period_end"] <= pd.Timestamp(first_origin)
    groups = data.assign(shown=shown, shown_before=shown & before).groupby(
        ["location", "indicator"])
    info = groups.agg(n=("period_end", "size"), shown=("shown", "sum"),
                      shown_by_first_origin=("shown_before", "sum"),
                      censored=("censored", "sum"))
    info["withheld"] = info["n"] - info["shown"] - info["censored"]
    info["used"] = info["shown_by_first_origin"] >= min_shown
    info["complete"] = (info["shown"] == info["n"])
    keep = data.set_index(["location", "indicator"]).index.isin(info.index[info["used"]])
    return data[keep].reset_index(drop=True), info


def table(results: list[BacktestResult], walls: dict[str, float], cells: str) -> pd.DataFrame:
    out = compare(results, baseline=run.BASELINE)
    n = {r.model: len(r.scores) for r in results}
    return pd.DataFrame({
        "cells": cells, "model": out["model"], "n": out["model"].map(n), "WIS": out["wis"],
        "rel. WIS vs naive": out[f"rel_wis_vs_{run.BASELINE}"], "cov50": out["cover_50"],
        "cov80": out["cover_80"], "cov95": out["cover_95"],
        "fit+forecast s": [walls.get(m, np.nan) for m in out["model"]]})


def subset(result: BacktestResult, keys: pd.Index) -> BacktestResult:
    s = result.scores
    inside = s.set_index(["location", "indicator"]).index.isin(keys)
    return BacktestResult(s[inside].reset_index(drop=True), result.model)


def run_hierarchical(data: pd.DataFrame, origins: list[str],
                     clock: run.FitClock) -> tuple[BacktestResult, float]:
    """Backtest ``HierarchicalBayes`` per indicator over the jurisdictions with a Census
    population: New York City added into New York State where every window of both can be
    summed (``merge_nyc``), else both left out, since the city has no population of its own
    and New York State's counts exclude it.  A merged New York is not a VSRR series, so its
    cells are not scored either way."""
    parts = []
    for indicator, group in data.groupby("indicator", sort=True):
        try:
            parts.append(merge_nyc(group))
            how = "New York City added into New York"
        except DataError as exc:
            parts.append(group[~group["location"].isin(["US-NY", "US-NYC"])])
            how = f"New York and New York City left out ({exc})"
        print(f"  hierarchical, {indicator}: {how}", flush=True)
    result, fit, total = run.run_ours(BAYES["hierarchical"](), pd.concat(parts), origins, None,
                                      clock, "hierarchical")
    print(f"  hierarchical: {total:.0f} s with scoring", flush=True)
    scores = result.scores
    return BacktestResult(scores[scores["location"] != "US-NY"].reset_index(drop=True),
                          "hierarchical", result.fits), fit


def convergence_table(fits: pd.DataFrame) -> str:
    """Per model and origin: the share of the Bayesian fits (one per indicator) that pass the
    checks at the defaults (R-hat <= 1.01, bulk and tail ESS >= 400, no divergence), with the
    worst R-hat and ESS and the divergences."""
    rows = fits.groupby(["model", "origin"]).agg(
        passed=("trustworthy", "sum"), fits=("trustworthy", "size"),
        r_hat_max=("r_hat_max", "max"), ess_bulk_min=("ess_bulk_min", "min"),
        ess_tail_min=("ess_tail_min", "min"), divergences=("divergences", "sum"),
        seconds=("seconds", "sum")).reset_index()
    rows["passed"] = [f"{p:.0f} of {n}" for p, n in zip(rows["passed"], rows["fits"],
                                                         strict=True)]
    return run.markdown(rows.drop(columns="fits"),
                        {"r_hat_max": ".3f", "ess_bulk_min": ",.0f", "ess_tail_min": ",.0f",
                         "divergences": ",.0f", "seconds": ",.0f"})


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", default="naive,drift,arima",
                        help="odforecast models (run.py's: naive, drift, arima, ensemble, ...; "
                             "and bayes, hierarchical)")
    parser.add_argument("--n-origins", type=int, default=5,
                        help="the last N of run.py's 13 origins (default 5: 2022-01 ... 2024-01)")
    parser.add_argument("--min-shown", type=int, default=24,
                        help="shown values a series needs by the first origin (default 24)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--no-peers", action="store_true")
    parser.add_argument("--from-scores", action="store_true",
                        help="build the tables from results/scores_all_states.csv.gz (our "
                             "models as last fitted, --models ignored); peers run again")
    parser.add_argument("--update", action="store_true",
                        help="run only --models and take every other model's scores, fit "
                             "times and convergence from results/ (as last fitted); the "
                             "saved files are updated, not replaced")
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.models.split(",") if n.strip()]
    if run.BASELINE not in names:
        names.insert(0, run.BASELINE)
    origins = run.origins_every(6)[-args.n_origins:]
    started = time.perf_counter()
    print(f"machine: {run.machine_info()}", flush=True)
    data, info = load_states(args.min_shown, origins[0])
    used = info[info["used"]]
    print(f"series: {len(info)} reported state series in states_monthly_12m; {len(used)} have "
          f">= {args.min_shown} shown values by {origins[0]} and are used "
          f"({len(info) - len(used)} are not: "
          + ", ".join(f"{loc} {ind} ({int(r.shown_by_first_origin)})"
                      for (loc, ind), r in info[~info["used"]].iterrows()) + ")", flush=True)
    print(f"  used series with withheld windows: {int((used['withheld'] > 0).sum())}, with "
          f"censored counts: {int((used['censored'] > 0).sum())}, complete (peers can run): "
          f"{int(used['complete'].sum())}", flush=True)
    print(f"origins: {len(origins)} ({', '.join(origins)}), horizons 1-{run.HORIZON}, "
          f"{run.N_SAMPLES} paths, seed {run.SEED}", flush=True)

    clock = run.FitClock()
    results: list[BacktestResult] = []
    walls: dict[str, float] = {}
    hierarchical = None
    scores_path = HERE / "results" / "scores_all_states.csv.gz"
    walls_path = HERE / "results" / "all_states_walls.json"
    fits_path = HERE / "results" / "all_states_fits.csv"
    if args.from_scores or args.update:
        saved = pd.read_csv(scores_path)  # origins as ISO dates, as backtest writes them
        if args.update:  # the models run now replace their saved rows
            saved = saved[~saved["model"].isin(names)]
        for column in ("ae", "ape", "crps"):  # not saved (run.SCORE_COLUMNS); not in the table
            saved[column] = np.nan
        saved_fits = pd.read_csv(fits_path) if fits_path.is_file() else pd.DataFrame()
        for name, rows in saved.groupby("model", sort=False):
            fits = (saved_fits[saved_fits["model"] == name].reset_index(drop=True)
                    if not saved_fits.empty else pd.DataFrame())
            result = BacktestResult(rows.reset_index(drop=True), name, fits)
            if name == "hierarchical":
                hierarchical = result
            else:
                results.append(result)
        walls = json.loads(walls_path.read_text()) if walls_path.is_file() else {}
        if args.from_scores:
            names = []
        print(f"scores of {', '.join(saved['model'].unique())} from {scores_path.name}",
              flush=True)
    with ProcessPoolExecutor(args.jobs) as pool:
        for name in names:
            if name == "hierarchical":
                hierarchical, fit = run_hierarchical(data, origins, clock)
                walls[name] = fit
                print(f"  {name}: {fit:.1f} s fit+forecast", flush=True)
                continue
            if name in BAYES:
                model, pooled = BAYES[name](), False
            else:
                cls, pooled = run.OURS[name]
                model = cls()
            result, fit, _ = run.run_ours(model, data, origins, pool if pooled else None,
                                          clock, name)
            results.append(result)
            walls[name] = fit
            print(f"  {name}: {fit:.1f} s fit+forecast", flush=True)
    cells = {r.model: set(map(tuple, r.scores[run.KEY].to_numpy().tolist())) for r in results}
    if any(c != cells[run.BASELINE] for c in cells.values()):
        raise RuntimeError("the models were not scored on the same cells")
    print(f"cells per model: {len(cells[run.BASELINE])}", flush=True)

    complete_keys = used.index[used["complete"]]
    gappy_keys = used.index[~used["complete"]]
    frames = [table(results, walls, f"all {len(used)} series"),
              table([subset(r, gappy_keys) for r in results], {},
                    f"{len(gappy_keys)} series with gaps")]
    if hierarchical is not None:
        # every model on the cells HierarchicalBayes has (it cannot forecast NYC apart)
        common = hierarchical.scores[run.KEY]
        on_common = [BacktestResult(r.scores.merge(common, on=run.KEY), r.model)
                     for r in [*results, hierarchical]]
        keys = common.set_index(["location", "indicator"]).index.unique()
        frames.append(table(on_common, {"hierarchical": walls.get("hierarchical", np.nan)},
                            f"{len(keys)} series the hierarchical model forecasts"))
    on_complete = [subset(r, complete_keys) for r in results]
    if not args.no_peers:
        complete = data[data.set_index(["location", "indicator"]).index.isin(complete_keys)]
        frame = run.sf_frame(complete)
        run.sf_warm_up(frame)
        for name in ("AutoARIMA", "AutoETS"):
            quantiles, fit = run.run_sf(name, frame, origins, log=False, n_jobs=args.jobs)
            on_complete.append(run.score_quantiles(quantiles, complete, f"sf_{name}"))
            walls[f"sf_{name}"] = fit
            print(f"  sf_{name}: {fit:.1f} s fit+forecast, complete series only", flush=True)
    frames.append(table(on_complete, {k: v for k, v in walls.items() if k.startswith("sf_")},
                        f"{len(complete_keys)} complete series"))
    if hierarchical is not None:  # the complete series again, on the hierarchical's cells
        mine = subset(hierarchical, complete_keys).scores[run.KEY]
        both = [BacktestResult(r.scores.merge(mine, on=run.KEY), r.model)
                for r in [*on_complete, subset(hierarchical, complete_keys)]]
        n_series = len(mine.set_index(["location", "indicator"]).index.unique())
        frames.append(table(both, {}, f"{n_series} complete series, the hierarchical "
                                      "model's cells"))
        results.append(hierarchical)
    out = pd.concat(frames, ignore_index=True)
    print()
    print(run.markdown(out, {**run.FMT, "n": "d"}))
    (HERE / "results").mkdir(exist_ok=True)
    fits = pd.concat([r.fits for r in results if "trustworthy" in r.fits], ignore_index=True)
    if not fits.empty:
        print("\nBayesian fits at the defaults (reruns included), per origin:\n")
        print(convergence_table(fits))
    if not args.from_scores:
        run.write_scores(results, scores_path)
        if not fits.empty:
            fits.to_csv(fits_path, index=False)
        walls_path.write_text(json.dumps({k: round(v, 1) for k, v in walls.items()
                                          if not k.startswith("sf_")}))
    print(f"\ntotal wall time {time.perf_counter() - started:.0f} s", flush=True)


if __name__ == "__main__":
    main()
