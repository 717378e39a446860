"""Accuracy of the Bayesian models on the same series, origins and horizons as run.py.

Models: ``BayesianTrend`` (every series of an origin fitted jointly but independently) and
``HierarchicalBayes`` (per indicator, the states and DC with New York City added into New York,
partial pooling, population offsets; its national forecast is the sum of the state paths and is
scored against the VSRR US series).  Both are scored exactly like run.py's models (23 hub
quantiles from 1,000 sample paths, ``odforecast.evaluate``) and compared on the cells both have
with run.py's results (``results/scores.csv.gz``, written by the full run.py).

Usage (from the repository root)::

    .venv/bin/python benchmarks/forecast_accuracy/bayes.py              # origins every 12 months
    .venv/bin/python benchmarks/forecast_accuracy/bayes.py --quick      # 2 origins (smoke run)

Writes ``results/scores_bayes[_quick].csv.gz`` and prints the README tables.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import run  # noqa: E402  (the shared series, origins and table helpers of run.py)

from odforecast.data.transform import merge_nyc  # noqa: E402
from odforecast.errors import OdforecastWarning  # noqa: E402
from odforecast.evaluate import compare  # noqa: E402
from odforecast.evaluate.backtesting import BacktestResult, score_forecast  # noqa: E402
from odforecast.models import BayesianTrend, HierarchicalBayes  # noqa: E402
from odforecast.models.series import prepare_series  # noqa: E402

SAMPLER = {"draws": 1000, "tune": 1000, "chains": 2}


def fit_forecast(model, train: pd.DataFrame, forecast_seed: int = run.SEED):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", OdforecastWarning)
        fitted = model.fit(train)
    flagged = [str(w.message) for w in caught if issubclass(w.category, OdforecastWarning)]
    fc = fitted.forecast(run.HORIZON, n_samples=run.N_SAMPLES, random_seed=forecast_seed)
    earlier = fitted.idata.attrs.get("earlier_runs", "")
    return fc, {**fitted.convergence, "draws": fitted.sampler_config["draws"],
                "earlier_runs": earlier}, flagged


def hierarchical_forecasts(states: pd.DataFrame, stamp: pd.Timestamp, full: dict,
                           forecast_seed: int = run.SEED):
    """``HierarchicalBayes`` at its defaults fitted per indicator to the states' data up to
    ``stamp`` (New York City added into New York when both are there); yields ``(indicator,
    forecast, convergence)`` with the forecast restricted to the series ``full`` scores: the
    states present, and the national sum of the states when all 50 and DC are there (New York
    only when it was not merged, since the merged series is not a VSRR series)."""
    merged = {"US-NY", "US-NYC"} <= set(states["location"])
    for indicator, rows in states.groupby("indicator"):
        rows = rows[rows["period_end"] <= stamp]
        if {"US-NY", "US-NYC"} <= set(rows["location"]):
            rows = merge_nyc(rows)
        elif "US-NYC" in set(rows["location"]):
            rows = rows[rows["location"] != "US-NYC"]
        # the defaults, so a fit that does not converge is sampled again, longer
        fc, conv, _flags = fit_forecast(HierarchicalBayes(random_seed=run.SEED), rows,
                                        forecast_seed)
        complete = rows["location"].nunique() == 51  # 50 states + DC sum to the US
        keep = [loc for loc in fc.locations if (loc, indicator) in full
                and (loc != "US" or complete) and not (loc == "US-NY" and merged)]
        yield indicator, fc.sel(location=keep), conv


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw", type=Path, default=run.ROOT.parent / "shared" / "data")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--step", type=int, default=None, help="months between origins")
    parser.add_argument("--models", default="bayes,hierarchical",
                        help="comma-separated: bayes, hierarchical")
    parser.add_argument("--from-scores", action="store_true",
                        help="print the tables from the saved scores without refitting")
    args = parser.parse_args(argv)
    data, how = run.load_series(args.raw)
    step = args.step or (72 if args.quick else 12)
    origins = run.origins_every(step)
    full = {s.key: s for s in prepare_series(data)}
    print(how)
    print(f"origins: {', '.join(origins)}; horizon {run.HORIZON}; {run.N_SAMPLES} paths; "
          f"BayesianTrend NUTS {SAMPLER}; HierarchicalBayes at its defaults (reruns included)")
    models = [m.strip() for m in args.models.split(",") if m.strip()]
    if set(models) - {"bayes", "hierarchical"}:
        parser.error(f"unknown models in --models {args.models!r}")
    default_run = set(models) == {"bayes", "hierarchical"} and step == 12
    suffix = ("_quick" if args.quick else "" if default_run
              else f"_{'_'.join(models)}_step{step}")
    out = HERE / "results"
    if args.from_scores:
        saved = pd.read_csv(out / f"scores_bayes{suffix}.csv.gz")
        compare_with_run(
            [BacktestResult(rows, name) for name, rows in saved.groupby("model")], out, suffix,
            origins)
        return
    tables, walls, convergence = {m: [] for m in models}, {m: 0.0 for m in models}, []
    states = data[~data["location"].isin(["US", "US-PR"])]
    for origin in origins:
        stamp = pd.Timestamp(origin)
        train = data[data["period_end"] <= stamp]
        if "bayes" in models:
            started = time.perf_counter()
            fc, conv, _flags = fit_forecast(BayesianTrend(sampler_config=SAMPLER,
                                                           random_seed=run.SEED), train)
            walls["bayes"] += time.perf_counter() - started
            tables["bayes"].append(score_forecast(fc, full, stamp, "bayes", run.SEED))
            convergence.append({"model": "bayes", "origin": origin, **conv})
        if "hierarchical" in models:
            started = time.perf_counter()
            for indicator, fc, conv in hierarchical_forecasts(states, stamp, full):
                tables["hierarchical"].append(score_forecast(fc, full, stamp, "hierarchical",
                                                             run.SEED))
                convergence.append({"model": "hierarchical", "indicator": indicator,
                                    "origin": origin, **conv})
            walls["hierarchical"] += time.perf_counter() - started
        print(f"origin {origin}: " + ", ".join(f"{m} {w:.0f} s" for m, w in walls.items())
              + " so far", flush=True)
    results = [BacktestResult(pd.concat(t, ignore_index=True), name) for name, t in
               tables.items()]
    out.mkdir(exist_ok=True)
    pd.concat([r.scores for r in results]).to_csv(out / f"scores_bayes{suffix}.csv.gz",
                                                   index=False)
    conv = pd.DataFrame(convergence)
    print("\nConvergence (per fit):")
    print(conv.groupby("model")[["r_hat_max", "ess_bulk_min", "divergences"]].agg(
        ["min", "median", "max"]).to_string())
    reran = conv["earlier_runs"].fillna("") != ""
    print(f"trustworthy fits: {int(conv['trustworthy'].sum())} of {len(conv)} "
          f"({int(reran.sum())} sampled again, longer)")
    print(conv[["model", "indicator", "origin", "r_hat_max", "ess_bulk_min", "ess_tail_min",
                "divergences", "trustworthy", "draws"]].to_string(index=False))

    compare_with_run(results, out, suffix, origins)
    print(f"\nwall seconds (fit + forecast, all origins): {walls}")
    print(run.machine_info())


def compare_with_run(results, out: Path, suffix: str, origins: list[str]) -> None:
    """Compare with run.py's models on the cells every model has."""
    reference = out / f"scores{suffix}.csv.gz"
    if not reference.is_file():
        reference = out / "scores.csv.gz"
    others = pd.read_csv(reference)
    others = others[others["origin"].isin(origins)]
    key = ["location", "indicator", "origin", "horizon"]
    common = None
    for r in results:
        cells = r.scores[key].drop_duplicates()
        common = cells if common is None else common.merge(cells, on=key)
    common = common.merge(others[key].drop_duplicates(), on=key)
    everything = [BacktestResult(r.scores.merge(common, on=key), r.model) for r in results]
    for name, rows in others.groupby("model"):
        everything.append(BacktestResult(rows.merge(common, on=key), name))
    print(f"\n{len(common)} common cells (series x origin x horizon)\n")
    table = compare(everything, baseline="naive")
    print(table.to_string(index=False, float_format=lambda v: f"{v:,.3f}"))
    print("\nBy horizon (WIS, 80 % coverage):")
    by_h = compare(everything, baseline="naive", by=("model", "horizon"))
    print(by_h[by_h["horizon"].isin([1, 3, 6, 12])][["model", "horizon", "wis",
                                                    "rel_wis_vs_naive", "cover_80"]]
          .to_string(index=False, float_format=lambda v: f"{v:,.3f}"))


if __name__ == "__main__":
    main()
