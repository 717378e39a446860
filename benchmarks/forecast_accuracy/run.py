"""Forecast accuracy on real data: odforecast ARIMA and baselines against statsforecast.

Series: CDC VSRR provisional counts, vintage 2025-07-16, every jurisdiction x {all_drugs, opioids,
synthetic_opioids}, estimate "reported", 12-month-ending; only series with every value shown from
January 2015 to February 2025 (no censored or suppressed cell).  Rolling origins every ``step``
months from January 2018 to January 2024, horizons 1-12, the same cells for every model.

Models (one run, same splits): odforecast ``ARIMA()`` (auto) and its variants, ``Naive()``,
``Drift()`` and ensembles (``OURS`` below) through ``odforecast.evaluate.backtest``;
statsforecast ``AutoARIMA`` and ``AutoETS`` through ``StatsForecast.cross_validation`` on the
raw counts (as a user would) and on log counts (back-transformed). statsforecast's central
intervals at levels 10, 20, ..., 90, 95, 98 give the 23 hub quantiles: level L gives the
quantiles (1 - L/100)/2 and (1 + L/100)/2; the median is the point forecast (the mean of a
Gaussian forecast, so also its median; on the log scale its exponential is the median of the
back-transformed forecast, since quantiles commute with monotone maps). Every model is scored by
``odforecast.evaluate.scores`` on the 23 quantiles.

Usage (from the repository root)::

    .venv/bin/python benchmarks/forecast_accuracy/run.py            # full run (~30 min, 2 cores)
    .venv/bin/python benchmarks/forecast_accuracy/run.py --quick    # smoke run (~2 min)
    .venv/bin/python benchmarks/forecast_accuracy/run.py --parallel-check
    .venv/bin/python benchmarks/forecast_accuracy/run.py --quick --n-origins 1 --no-peers \
        --models naive,ensemble                                  # smoke run of one model

Writes ``results/scores[_quick].csv.gz`` (one row per model x series x origin x horizon) and
``results/single_origin[_quick].csv.gz``, and prints the README tables.
"""

from __future__ import annotations

import argparse
import itertools
import os
import platform
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np
import pandas as pd

import odforecast
from odforecast.evaluate import HUB_LEVELS, BacktestResult, backtest, compare, scores
from odforecast.models import ARIMA, Drift, Ensemble, Naive, StructuralTrend

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE.parent))
from provenance import source_revision, write_provenance  # noqa: E402

VSRR = "vsrr_provisional_drug_overdose_death_counts_2025-07-16.csv"
INDICATORS = ("all_drugs", "opioids", "synthetic_opioids")
SPAN = ("2015-01-31", "2025-02-28")  # every value must be shown over this span
FIRST_ORIGIN, LAST_ORIGIN = "2018-01-31", "2024-01-31"
SINGLE_ORIGIN = "2024-02-29"  # single-origin reference: train to Feb 2024, truth to Feb 2025
HORIZON = 12
SEED = 0
N_SAMPLES = 1000
SF_LEVELS = (10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 98)
LEVELS = np.array(HUB_LEVELS)
INTERVALS = (50, 80, 95)
BASELINE = "naive"
KEY = ["location", "indicator", "origin", "horizon"]
#: Our models by label: a factory of the model and whether its backtest runs on the process
#: pool.  ``arima`` is the default (square root for these 12-month-ending series, paths from
#: the Akaike-weighted candidates of the order search), ``arima_selected`` the same with the
#: selected order only (the default before 2026-12-06),
#: ``arima_log`` the default before 2026-12-05; ``ensemble`` is ``Ensemble()`` as it is now
#: (ARIMA + BayesianTrend since 2026-12-06: a posterior sampling per origin and indicator,
#: which ensemble_bayes.py measures at less cost), ``ensemble_log_sqrt`` the equal mixture of
#: the two ARIMA scales (the default ensemble of 2026-12-05 to 2026-12-06, kept so those runs
#: reproduce under their name); ``structural`` is ``StructuralTrend()`` (structural.py runs
#: it with its variants).
OURS = {"arima": (ARIMA, True),
        "arima_selected": (lambda: ARIMA(model_averaging=False), True),
        "arima_log": (lambda: ARIMA(transform="log"), True),
        "naive": (Naive, False), "drift": (Drift, False),
        "structural": (StructuralTrend, True),
        "ensemble": (Ensemble, True),
        "ensemble_log_sqrt": (lambda: Ensemble([ARIMA(transform="log"),
                                                ARIMA(transform="sqrt")],
                                               weights="equal", random_seed=SEED), True)}


# -- data -------------------------------------------------------------------------------------
def load_series(raw: Path) -> tuple[pd.DataFrame, str]:
    """The complete series as a tidy frame, and a sentence saying how they were chosen."""
    frame = odforecast.read_vsrr(raw / VSRR)
    frame = frame[(frame["estimate"] == "reported") & frame["indicator"].isin(INDICATORS)
                  & (frame["frequency"] == "12m_ending")]
    frame = frame[frame["period_end"].between(*SPAN)]
    n_months = len(pd.date_range(SPAN[0], SPAN[1], freq="ME"))
    groups = frame.groupby(["location", "indicator"])
    stats = groups.agg(n=("period_end", "nunique"), shown=("value", lambda v: v.notna().sum()),
                       censored=("censored", "sum"))
    complete = stats[(stats["n"] == n_months) & (stats["shown"] == n_months)
                     & (stats["censored"] == 0)].index
    keep = frame.set_index(["location", "indicator"]).index.isin(complete)
    data = frame[keep].reset_index(drop=True)
    by_ind = data.groupby("indicator")["location"].nunique()
    text = (f"{len(stats)} jurisdiction x indicator series in the file "
            f"({frame['location'].nunique()} jurisdictions); {len(complete)} have every value "
            f"shown from {SPAN[0][:7]} to {SPAN[1][:7]} ({n_months} months): "
            + ", ".join(f"{ind} {n}" for ind, n in by_ind.items()))
    return data, text


def series_and_origins(raw: Path, n_origins: int | None = None
                       ) -> tuple[pd.DataFrame, list[str]]:
    """The complete series and the 13 origins (the last ``n_origins`` of them, for smoke
    runs), with the two header lines the backtest scripts print."""
    data, how = load_series(raw)
    origins = origins_every(6)
    if n_origins:
        origins = origins[-n_origins:]
    print(how)
    print(f"origins: {', '.join(origins)}; horizon {HORIZON}; {N_SAMPLES} paths; "
          f"{machine_info()}", flush=True)
    return data, origins


def origins_every(step: int) -> list[str]:
    ends = pd.date_range(FIRST_ORIGIN, LAST_ORIGIN, freq="ME")[::step]
    if ends[-1] != pd.Timestamp(LAST_ORIGIN):
        raise SystemExit(f"--step {step} does not land on {LAST_ORIGIN}")
    return [d.date().isoformat() for d in ends]


def sf_frame(data: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({"unique_id": data["location"] + "|" + data["indicator"],
                         "ds": pd.to_datetime(data["period_end"]),
                         "y": data["value"].astype(float)}).sort_values(["unique_id", "ds"])


# -- odforecast models --------------------------------------------------------------------------
class FitClock:
    """Times ``run_tasks`` inside ``backtest`` (the fits and forecasts, not the scoring)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._module = sys.modules["odforecast.evaluate.backtesting"]
        self._run_tasks = self._module.run_tasks

        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return self._run_tasks(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - start

        self._module.run_tasks = timed

    def reset(self) -> None:
        self.seconds = 0.0


def run_ours(model, data, origins, executor, clock: FitClock, name: str):
    """Backtest one odforecast model; (result, fit+forecast seconds, total seconds).

    One backtest per indicator, so each forecast is a full location x indicator grid (the
    complete opioid series exist for 18 jurisdictions only, and ``backtest`` before commit
    cb857ac failed on the missing combinations).
    """
    clock.reset()
    start = time.perf_counter()
    parts = [(indicator, backtest(model, group, origins=origins, horizon=HORIZON,
                                  n_samples=N_SAMPLES, random_seed=SEED, executor=executor,
                                  model_name=name))
             for indicator, group in data.groupby("indicator", sort=True)]
    total = time.perf_counter() - start
    # one fit per indicator and origin: its time, warnings and (Bayesian) convergence
    fits = pd.concat([r.fits.assign(indicator=indicator) for indicator, r in parts],
                     ignore_index=True)
    scores = pd.concat([r.scores for _, r in parts], ignore_index=True)
    return BacktestResult(scores, name, fits), clock.seconds, total


# -- statsforecast ------------------------------------------------------------------------------
def sf_model(name: str):
    from statsforecast.models import AutoARIMA, AutoETS

    return {"AutoARIMA": AutoARIMA, "AutoETS": AutoETS}[name](season_length=1)


def quantile_columns(model: str) -> list[str]:
    cols = []
    for q in HUB_LEVELS:
        if np.isclose(q, 0.5):
            cols.append(model)
        else:
            level = round(abs(1 - 2 * q) * 100)
            cols.append(f"{model}-{'lo' if q < 0.5 else 'hi'}-{level}")
    return cols


def run_sf(name: str, frame: pd.DataFrame, origins: list[str], *, log: bool, n_jobs: int):
    """Rolling-origin forecasts of one statsforecast model; (quantile table, fit seconds)."""
    from statsforecast import StatsForecast

    dates = pd.DatetimeIndex(origins)
    steps = {(b.to_period("M") - a.to_period("M")).n for a, b in itertools.pairwise(dates)}
    if len(steps) > 1:
        raise ValueError("statsforecast's cross_validation needs equally spaced origins")
    step = steps.pop() if steps else 1
    end = dates[-1] + pd.offsets.MonthEnd(HORIZON)
    df = frame[frame["ds"] <= end].copy()
    if log:
        df["y"] = np.log(df["y"])
    sf = StatsForecast(models=[sf_model(name)], freq="ME", n_jobs=n_jobs)
    start = time.perf_counter()
    cv = sf.cross_validation(h=HORIZON, df=df, n_windows=len(dates), step_size=step,
                             level=list(SF_LEVELS))
    seconds = time.perf_counter() - start
    got = pd.DatetimeIndex(sorted(cv["cutoff"].unique()))
    if not got.equals(dates):
        raise RuntimeError(f"statsforecast cutoffs {list(got.date)} differ from the origins")
    return _sf_quantiles(cv, name, log), seconds


def sf_warm_up(frame: pd.DataFrame) -> None:
    """Compile statsforecast's numba code before timing (forked workers inherit it)."""
    ids = frame["unique_id"].unique()[:2]
    small = frame[frame["unique_id"].isin(ids)]
    for name in ("AutoARIMA", "AutoETS"):
        run_sf(name, small, [LAST_ORIGIN], log=False, n_jobs=1)


def sf_single(name: str, frame: pd.DataFrame, origin: str, *, log: bool, n_jobs: int):
    from statsforecast import StatsForecast

    df = frame[frame["ds"] <= origin].copy()
    if log:
        df["y"] = np.log(df["y"])
    sf = StatsForecast(models=[sf_model(name)], freq="ME", n_jobs=n_jobs)
    fc = sf.forecast(df=df, h=HORIZON, level=list(SF_LEVELS))
    fc["cutoff"] = pd.Timestamp(origin)
    return _sf_quantiles(fc, name, log)


def _sf_quantiles(table: pd.DataFrame, name: str, log: bool) -> pd.DataFrame:
    q = table[quantile_columns(name)].to_numpy(dtype=float)
    if log:
        q = np.exp(q)
    q = np.sort(q, axis=1)  # guards against round-off crossings; Gaussian quantiles are ordered
    parts = table["unique_id"].str.split("|", n=1, expand=True)
    out = pd.DataFrame({"location": parts[0].to_numpy(), "indicator": parts[1].to_numpy(),
                        "cutoff": pd.to_datetime(table["cutoff"]).to_numpy(),
                        "period_end": pd.to_datetime(table["ds"]).to_numpy()})
    return out, q


def score_quantiles(quantiles, data: pd.DataFrame, name: str) -> BacktestResult:
    """Score a quantile forecast exactly as ``backtest`` scores sample quantiles."""
    meta, q = quantiles
    truth = data.set_index(["location", "indicator", "period_end"])["value"]
    y = truth.reindex(pd.MultiIndex.from_frame(meta[["location", "indicator", "period_end"]]))
    y = y.to_numpy(dtype=float)
    scale = _mase_scales(data, meta)
    median = q[:, list(LEVELS).index(0.5)]
    w = scores.wis(y, LEVELS, q, decompose=True)
    horizon = ((meta["period_end"].dt.year - meta["cutoff"].dt.year) * 12
               + meta["period_end"].dt.month - meta["cutoff"].dt.month)
    table = pd.DataFrame({
        "location": meta["location"], "indicator": meta["indicator"], "model": name,
        "origin": meta["cutoff"].dt.date.astype(str), "horizon": horizon.to_numpy(),
        "period_end": meta["period_end"], "truth": y, "mean": np.nan, "median": median,
        "wis": w["wis"], "dispersion": w["dispersion"], "overprediction": w["overprediction"],
        "underprediction": w["underprediction"], "crps": np.nan, "ae": np.abs(y - median),
        "ape": 100 * np.abs(y - median) / y, "ase": np.abs(y - median) / scale, "pit": np.nan})
    for p in INTERVALS:
        lo = q[:, list(LEVELS).index(round((1 - p / 100) / 2, 3))]
        hi = q[:, list(LEVELS).index(round((1 + p / 100) / 2, 3))]
        table[f"lower_{p}"], table[f"upper_{p}"] = lo, hi
        table[f"cover_{p}"] = scores.coverage(y, lo, hi)
    return BacktestResult(table, name)


def _mase_scales(data: pd.DataFrame, meta: pd.DataFrame) -> np.ndarray:
    """Mean absolute one-step change up to the origin (backtest's scale for 12m_ending data)."""
    out = np.empty(len(meta))
    series = {k: g.sort_values("period_end") for k, g in
              data.groupby(["location", "indicator"])}
    cache: dict[tuple, float] = {}
    for i, (loc, ind, cut) in enumerate(meta[["location", "indicator", "cutoff"]]
                                        .itertuples(index=False)):
        key = (loc, ind, cut)
        if key not in cache:
            g = series[(loc, ind)]
            v = g.loc[g["period_end"] <= cut, "value"].to_numpy(dtype=float)
            cache[key] = float(np.mean(np.abs(np.diff(v))))
        out[i] = cache[key]
    return out


# -- tables -------------------------------------------------------------------------------------
def markdown(frame: pd.DataFrame, floats: dict[str, str]) -> str:
    cols = list(frame.columns)
    lines = ["| " + " | ".join(cols) + " |",
             "|" + "|".join("---" if i == 0 else "---:" for i in range(len(cols))) + "|"]
    for row in frame.itertuples(index=False):
        cells = []
        for col, value in zip(cols, row, strict=True):
            fmt = floats.get(col)
            cells.append(format(value, fmt) if fmt and pd.notna(value) else str(value))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


FMT = {"WIS": ".1f", "rel. WIS vs naive": ".3f", "MAE": ".1f", "MAPE %": ".2f", "MASE": ".2f",
       "cov50": ".3f", "cov80": ".3f", "cov95": ".3f", "fit+forecast s": ".1f",
       "incl. scoring s": ".1f", "MAPE % (h=12)": ".2f", "cov80 (h=12)": ".3f"}


def main_table(results: list[BacktestResult], walls: dict[str, tuple[float, float]]):
    out = compare(results, baseline=BASELINE)
    table = pd.DataFrame({
        "model": out["model"], "WIS": out["wis"],
        "rel. WIS vs naive": out[f"rel_wis_vs_{BASELINE}"],
        "MAE": out["mae"], "MAPE %": out["mape"], "MASE": out["mase"],
        "cov50": out["cover_50"], "cov80": out["cover_80"], "cov95": out["cover_95"],
        "fit+forecast s": [walls[m][0] for m in out["model"]],
        "incl. scoring s": [walls[m][1] for m in out["model"]]})
    order = {m: i for i, m in enumerate(walls)}
    return table.sort_values("model", key=lambda s: s.map(order)).reset_index(drop=True)


def horizon_table(results: list[BacktestResult], order: list[str]):
    out = compare(results, baseline=BASELINE, by=("model", "horizon"))
    out = out[out["horizon"].isin([1, 3, 6, 12])]
    table = pd.DataFrame({"model": out["model"], "h": out["horizon"], "WIS": out["wis"],
                          "rel. WIS vs naive": out[f"rel_wis_vs_{BASELINE}"],
                          "cov50": out["cover_50"], "cov80": out["cover_80"],
                          "cov95": out["cover_95"]})
    rank = {m: i for i, m in enumerate(order)}
    return table.sort_values(["h", "model"], key=lambda s: s.map(rank) if s.name == "model"
                             else s).reset_index(drop=True)


def single_table(results: list[BacktestResult], order: list[str]):
    rows = []
    for r in results:
        s = r.scores
        last = s[s["horizon"] == HORIZON]
        rows.append({"model": r.model, "series": s[["location", "indicator"]].drop_duplicates()
                     .shape[0], "MAPE %": s["ape"].mean(), "cov80": s["cover_80"].mean(),
                     "MAPE % (h=12)": last["ape"].mean(), "cov80 (h=12)": last["cover_80"].mean(),
                     "WIS": s["wis"].mean()})
    table = pd.DataFrame(rows)
    rank = {m: i for i, m in enumerate(order)}
    return table.sort_values("model", key=lambda c: c.map(rank)).reset_index(drop=True)


def machine_info() -> str:
    packages = ["odforecast", "numpy", "scipy", "pandas", "statsmodels", "statsforecast", "numba"]
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return (f"{os.cpu_count()} cores, {platform.machine()}, {platform.platform()}; "
            f"odforecast at {source_revision()}; Python {platform.python_version()}; "
            + ", ".join(f"{p} {_version(p)}" for p in packages) + f"; load average {load}")


def _version(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:  # statsforecast and numba are needed for the peers only
        return "not installed"


# -- main ---------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--raw", type=Path, default=ROOT.parent / "shared" / "data",
                        help="folder with the VSRR csv (default ../shared/data)")
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: 12 series, origins every 24 months")
    parser.add_argument("--step", type=int, default=None,
                        help="months between origins (default 6; 24 with --quick)")
    parser.add_argument("--jobs", type=int, default=2, help="processes (default 2)")
    parser.add_argument("--parallel-check", action="store_true",
                        help="only time serial vs parallel execution on two origins")
    parser.add_argument("--models", default=",".join(OURS),
                        help=f"odforecast models to run (default {','.join(OURS)}); naive, the "
                             "baseline of the relative WIS, is always run")
    parser.add_argument("--n-origins", type=int, default=None,
                        help="keep only the last N origins (smoke runs)")
    parser.add_argument("--no-peers", action="store_true",
                        help="skip statsforecast (e.g. when it is not installed)")
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.models.split(",") if n.strip()]
    unknown = [n for n in names if n not in OURS]
    if unknown:
        raise SystemExit(f"--models: unknown {unknown}; choose from {', '.join(OURS)}")
    names = [n for n in OURS if n in names or n == BASELINE]
    started = time.perf_counter()
    print(f"machine: {machine_info()}", flush=True)

    data, selection = load_series(args.raw)
    if args.quick:
        keys = data[["location", "indicator"]].drop_duplicates().iloc[::8]
        data = data.merge(keys, on=["location", "indicator"])
    step = args.step or (24 if args.quick else 6)
    origins = origins_every(step)
    if args.n_origins:
        origins = origins[-args.n_origins:]
    frame = sf_frame(data)
    n_series = data[["location", "indicator"]].drop_duplicates().shape[0]
    print(f"series: {selection}; used {n_series}", flush=True)
    print(f"origins: {len(origins)} ({origins[0]} ... {origins[-1]}, every {step} months), "
          f"horizons 1-{HORIZON}, {N_SAMPLES} sample paths, seed {SEED}", flush=True)
    if args.parallel_check:
        parallel_check(data, frame, origins, args.jobs)
        return

    clock = FitClock()
    results: list[BacktestResult] = []
    walls: dict[str, tuple[float, float]] = {}
    with ProcessPoolExecutor(args.jobs) as pool:
        for name in names:
            cls, pooled = OURS[name]
            model, executor = cls(), pool if pooled else None
            result, fit, total = run_ours(model, data, origins, executor, clock, name)
            results.append(result)
            walls[name] = (fit, total)
            print(f"  {name}: {fit:.1f} s fit+forecast, {total:.1f} s with scoring "
                  f"({'process pool' if executor else 'serial'})", flush=True)
    peers = [] if args.no_peers else [(name, log) for name in ("AutoARIMA", "AutoETS")
                                      for log in (False, True)]
    if peers:
        sf_warm_up(frame)
    for name, log in peers:
        label = f"sf_{name}" + ("_log" if log else "")
        quantiles, fit = run_sf(name, frame, origins, log=log, n_jobs=args.jobs)
        start = time.perf_counter()
        results.append(score_quantiles(quantiles, data, label))
        walls[label] = (fit, fit + time.perf_counter() - start)
        print(f"  {label}: {fit:.1f} s fit+forecast (n_jobs={args.jobs})", flush=True)
    cells = {r.model: set(map(tuple, r.scores[KEY].to_numpy().tolist())) for r in results}
    reference = cells[BASELINE]
    if any(c != reference for c in cells.values()):
        raise RuntimeError("the models were not scored on the same cells")
    print(f"cells per model: {len(reference)} (series x origins x horizons)", flush=True)

    # Single origin: train through Feb 2024, forecast Mar 2024 - Feb 2025.
    single = [run_ours(OURS[name][0](), data, [SINGLE_ORIGIN], None, clock, name)[0]
              for name in names]
    for name, log in peers:
        label = f"sf_{name}" + ("_log" if log else "")
        single.append(score_quantiles(sf_single(name, frame, SINGLE_ORIGIN, log=log,
                                                n_jobs=args.jobs), data, label))

    suffix = "_quick" if args.quick else ""
    out_dir = HERE / "results"
    out_dir.mkdir(exist_ok=True)
    write_scores(results, out_dir / f"scores{suffix}.csv.gz")
    write_scores(single, out_dir / f"single_origin{suffix}.csv.gz")

    order = list(walls)
    print("\n## Rolling origins: all horizons\n")
    print(markdown(main_table(results, walls), FMT))
    print("\n## By horizon\n")
    print(markdown(horizon_table(results, order), FMT))
    print(f"\n## Single origin {SINGLE_ORIGIN}, h = 1-{HORIZON}\n")
    print(markdown(single_table(single, order), FMT))
    print(f"\ntotal wall time {time.perf_counter() - started:.0f} s; "
          f"machine at the end: load average "
          + " ".join(f"{x:.2f}" for x in os.getloadavg()), flush=True)


#: Columns kept in the raw score table (dispersion = wis - overprediction - underprediction;
#: absolute and percentage errors follow from truth and median).
SCORE_COLUMNS = ["model", "location", "indicator", "origin", "horizon", "truth", "median",
                 "lower_80", "upper_80", "wis", "overprediction", "underprediction", "ase",
                 "cover_50", "cover_80", "cover_95"]


def write_scores(results: list[BacktestResult] | pd.DataFrame, path: Path) -> None:
    table = results if isinstance(results, pd.DataFrame) else pd.concat(
        [r.scores for r in results], ignore_index=True)
    table = table[SCORE_COLUMNS].copy()
    for p in INTERVALS:
        table[f"cover_{p}"] = table[f"cover_{p}"].astype(int)
    table.to_csv(path, index=False, float_format="%.5g",
                 compression={"method": "gzip", "mtime": 0})
    write_provenance(path.parent, [path.name], models=sorted(table["model"].unique()))


def parallel_check(data, frame, origins, jobs: int) -> None:
    """Time ARIMA's backtest serial vs a process pool, and statsforecast n_jobs=1 vs ``jobs``."""
    clock = FitClock()
    for label, executor in [("serial", None), (f"ProcessPoolExecutor({jobs})", "pool")]:
        if executor:
            with ProcessPoolExecutor(jobs) as pool:
                _, fit, total = run_ours(ARIMA(), data, origins, pool, clock, "arima")
        else:
            _, fit, total = run_ours(ARIMA(), data, origins, None, clock, "arima")
        print(f"  odforecast ARIMA, {label}: {fit:.1f} s fit+forecast, {total:.1f} s total",
              flush=True)
    sf_warm_up(frame)
    for name in ("AutoARIMA", "AutoETS"):
        for n_jobs in (1, jobs):
            _, fit = run_sf(name, frame, origins, log=False, n_jobs=n_jobs)
            print(f"  statsforecast {name}, n_jobs={n_jobs}: {fit:.1f} s", flush=True)


if __name__ == "__main__":
    main()
