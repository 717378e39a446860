"""What else could close the gap to 0.85 x AutoARIMA?  Changes made on top of the best mixture.

The members of ``Ensemble([ARIMA(), BayesianTrend(), HierarchicalBayes()])`` are fitted once at
run.py's 13 origins, as ``ensemble_hier.py`` fits them (every member at its defaults, the
ensemble's member seeds), and their aligned sample paths cached; the mixture (all members'
paths pooled, equal weights) is then scored with

- a fourth member: statsforecast's AutoARIMA, AutoETS or AutoETS on log counts (1,000 draws
  interpolated from their 23 quantiles: a mixture's WIS depends only on each cell's marginal),
  or a pooled direct quantile autoregression (``quantile_ar``: per horizon and level, a linear
  quantile regression of the log growth to ``t + h`` on the log growth over the last 1, 3, 6
  and 12 months, over all series and every ``t`` whose outcome was known by the origin);
- its intervals rescaled around the median, by factors learnt at each origin from the earlier
  origins' cells whose outcome was known by then (minimising their WIS relative to each
  series' level): one factor, log-linear in the horizon, or one per horizon;
- an upper bound for any weighting of ARIMA and ``BayesianTrend`` (the default
  ``Ensemble()``'s members): the weight on ARIMA (0, 0.1, ..., 1) chosen separately for the
  national and the sub-national cells at each horizon *on the scored cells themselves* —
  peeking, so no rule learnt from the past can do better.

Usage (from the repository root; the member fits take ~26 min, cached in ``--cache``)::

    .venv/bin/python benchmarks/forecast_accuracy/ensemble_extras.py
"""

from __future__ import annotations

import argparse
import pickle
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import run  # noqa: E402

sys.path.insert(0, str(HERE.parent))
from provenance import source_revision  # noqa: E402

from odforecast import OdforecastWarning  # noqa: E402
from odforecast.evaluate import HUB_LEVELS, scores  # noqa: E402
from odforecast.models import ARIMA, BayesianTrend, Ensemble, HierarchicalBayes  # noqa: E402
from odforecast.models.ensemble.fit import member_seed  # noqa: E402
from odforecast.models.series import prepare_series  # noqa: E402

LEVELS = np.array(HUB_LEVELS)
MEDIAN = list(LEVELS).index(0.5)
UNIFORM = (np.arange(run.N_SAMPLES) + 0.5) / run.N_SAMPLES
SCALES = np.exp(np.linspace(np.log(0.4), np.log(3.0), 41))
PEERS = {"AutoARIMA": ("AutoARIMA", False), "AutoETS": ("AutoETS", False),
         "AutoETS_log": ("AutoETS", True)}


def member_paths(data: pd.DataFrame, origins: list[str], cache: Path) -> dict[str, list]:
    """Per origin, the members' paths on the ensemble's grid (NaN where a member is not used).

    The cache keeps the revision that fitted its paths (``revision.txt``) and the run prints
    it: paths from older code are reused, so delete the folder after a model change."""
    cache.mkdir(parents=True, exist_ok=True)
    stamp = cache / "revision.txt"
    if not any(cache.glob("*.pkl")):
        stamp.write_text(source_revision())
    fitted_at = stamp.read_text() if stamp.exists() else "an unrecorded revision"
    print(f"members' paths in {cache}: fitted at {fitted_at} (now {source_revision()})",
          flush=True)
    out = {}
    for origin in origins:
        path = cache / f"{origin}.pkl"
        if not path.exists():
            start = time.perf_counter()
            train = data[data["period_end"] <= pd.Timestamp(origin)]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", OdforecastWarning)
                fitted = Ensemble([ARIMA(), BayesianTrend(), HierarchicalBayes()],
                                  weights="equal", random_seed=run.SEED).fit(train)
                forecasts = [fit.forecast(run.HORIZON, n_samples=run.N_SAMPLES,
                                          random_seed=member_seed(run.SEED, k))
                             for k, fit in enumerate(fitted.members.values())]
            path.write_bytes(pickle.dumps(fitted._aligned_samples(forecasts)))
            print(f"{origin}: members fitted in {time.perf_counter() - start:.0f} s", flush=True)
        out[origin] = pickle.loads(path.read_bytes())
    return out


def draws_from_quantiles(q: np.ndarray) -> np.ndarray:
    """Draws at evenly spaced levels from 23 quantiles (linear between them, the outer slopes
    continued beyond)."""
    low = (q[1] - q[0]) / (LEVELS[1] - LEVELS[0])
    high = (q[-1] - q[-2]) / (LEVELS[-1] - LEVELS[-2])
    x = np.interp(UNIFORM, LEVELS, q)
    x = np.where(LEVELS[0] > UNIFORM, q[0] - (LEVELS[0] - UNIFORM) * low, x)
    return np.where(LEVELS[-1] < UNIFORM, q[-1] + (UNIFORM - LEVELS[-1]) * high, x)


def peer_quantiles(data: pd.DataFrame, origins: list[str]) -> dict[str, dict]:
    frame = run.sf_frame(data)
    out = {}
    for label, (name, log) in PEERS.items():
        meta, q = run.run_sf(name, frame, origins, log=log, n_jobs=1)[0]
        keys = zip(meta["cutoff"].dt.date.astype(str), meta["location"], meta["indicator"],
                   pd.to_datetime(meta["period_end"]), strict=True)
        out[label] = dict(zip(keys, q, strict=True))
    return out


def quantile_ar(full: dict, origins: list[str]) -> dict:
    """Direct quantile autoregression on log growth, pooled over the series."""
    from statsmodels.regression.quantile_regression import QuantReg

    keys = sorted(full)
    grid = pd.date_range(min(full[k].time[0] for k in keys),
                         max(full[k].time[-1] for k in keys), freq="ME")
    panel = pd.DataFrame({k: pd.Series(np.where(full[k].censored, np.nan, full[k].values),
                                       index=full[k].time).reindex(grid) for k in keys})
    logs = np.log(panel.clip(lower=1))
    lags = [logs - logs.shift(k) for k in (1, 3, 6, 12)]
    out = {}
    for origin in origins:
        stamp = pd.Timestamp(origin)
        known = logs.index <= stamp
        features = np.column_stack([f[known].to_numpy().ravel() for f in lags])
        now = np.column_stack([np.ones(len(keys))] + [f[known].iloc[-1].to_numpy() for f in lags])
        for h in range(1, run.HORIZON + 1):
            target = (logs[known].shift(-h) - logs[known]).to_numpy().ravel()
            ok = np.isfinite(features).all(axis=1) & np.isfinite(target)
            x = np.column_stack([np.ones(ok.sum()), features[ok]])
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # statsmodels' iteration notes
                q = np.sort([now @ QuantReg(target[ok], x).fit(q=level, max_iter=2000).params
                             for level in LEVELS], axis=0)
            end = stamp + pd.offsets.MonthEnd(h)
            last = logs[known].iloc[-1]
            for j, key in enumerate(keys):
                if np.isfinite(last[key]) and np.isfinite(q[:, j]).all():
                    out[(origin, *key, end)] = np.exp(last[key] + q[:, j])
    return out


def cells(paths: dict, full: dict, extras: dict[str, dict]) -> pd.DataFrame:
    """One row per scored cell: the pooled mixture's quantiles, alone and with each extra."""
    rows = []
    for origin, aligned in paths.items():
        grid = aligned[0]
        times = pd.DatetimeIndex(grid["time"].values)
        for location in grid["location"].values:
            for indicator in grid["indicator"].values:
                key = (str(location), str(indicator))
                if key not in full:
                    continue
                one = full[key]
                truth = pd.Series(one.values, index=one.time).reindex(times)
                censored = pd.Series(one.censored, index=one.time).reindex(
                    times, fill_value=False)
                members = [x.sel(location=location, indicator=indicator).values
                           for x in aligned]
                for t, end in enumerate(times):
                    y = truth.iloc[t]
                    if not np.isfinite(y) or censored.iloc[t]:
                        continue
                    used = [m[:, t] for m in members if np.isfinite(m[:, t]).all()]
                    row = {"origin": origin, "location": key[0], "indicator": key[1],
                           "horizon": t + 1,
                           "period_end": end, "truth": y,
                           "mixture": np.quantile(np.concatenate(used), LEVELS)}
                    for label, table in extras.items():
                        q = table[(origin, *key, end)]
                        row[label] = np.quantile(np.concatenate(
                            [*used, draws_from_quantiles(q)]), LEVELS)
                    rows.append(row)
    return pd.DataFrame(rows)


def weighted_quantiles(first: np.ndarray, second: np.ndarray, weight: float) -> np.ndarray:
    """Quantiles ``(cells, levels)`` of the mixture giving ``weight`` to the draws ``first``
    and ``1 - weight`` to ``second`` (each ``(cells, draws)``)."""
    x = np.concatenate([first, second], axis=1)
    w = np.concatenate([np.full(first.shape, weight / first.shape[1]),
                        np.full(second.shape, (1 - weight) / second.shape[1])], axis=1)
    order = np.argsort(x, axis=1)
    x, w = np.take_along_axis(x, order, 1), np.take_along_axis(w, order, 1)
    cum = np.cumsum(w, axis=1) - 0.5 * w
    return np.stack([np.interp(LEVELS, c, v) for c, v in zip(cum, x, strict=True)])


def weight_bound(paths: dict, table: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, pd.Series]:
    """The ARIMA + ``BayesianTrend`` mixture with the weight on ARIMA chosen per level
    (national or not) and horizon on the scored cells themselves: an upper bound for any
    weighting of the two.  Returns its quantiles, the equal-weight mixture's, and the chosen
    weights."""
    members = {"arima": [], "bayes": []}
    for r in table.itertuples():
        for k, name in enumerate(members):
            members[name].append(paths[r.origin][k].sel(
                location=r.location, indicator=r.indicator).values[:, r.horizon - 1])
    first, second = (np.stack(v) for v in members.values())
    y = table["truth"].to_numpy()
    group = pd.MultiIndex.from_arrays([table["location"] == "US", table["horizon"]])
    grid = np.round(np.linspace(0, 1, 11), 1)
    quantiles = {w: weighted_quantiles(first, second, w) for w in grid}
    loss = pd.DataFrame({w: scores.wis(y, LEVELS, q) for w, q in quantiles.items()},
                        index=group).groupby(level=[0, 1]).sum()
    best = loss.idxmin(axis=1)
    chosen = best.reindex(group).to_numpy()
    out = np.stack([quantiles[w][i] for i, w in enumerate(chosen)])
    return out, quantiles[0.5], best


def rescaled(q: np.ndarray, factor: np.ndarray) -> np.ndarray:
    median = q[:, MEDIAN:MEDIAN + 1]
    return median + factor[:, None] * (q - median)


def recalibrated(table: pd.DataFrame, form: str) -> np.ndarray:
    """The mixture's quantiles rescaled by factors learnt from the cells known at each origin."""
    q = np.stack(table["mixture"].to_numpy())
    y = table["truth"].to_numpy()
    h = table["horizon"].to_numpy()
    origin = pd.to_datetime(table["origin"])
    out = q.copy()
    for stamp in sorted(origin.unique()):
        now = (origin == stamp).to_numpy()
        past = ((origin < stamp) & (table["period_end"] <= stamp)).to_numpy()
        if not past.any():
            continue
        qp, yp, hp = q[past], y[past], h[past]
        weight = 1 / np.abs(qp[:, MEDIAN])  # relative to each series' level

        def loss(factor, qp=qp, yp=yp, weight=weight):
            return float((scores.wis(yp, LEVELS, rescaled(qp, factor)) * weight).sum())

        if form == "one factor":
            best = min(SCALES, key=lambda s: loss(np.full(len(yp), s)))
            factor = np.full(now.sum(), best)
        elif form == "log-linear in the horizon":
            a, b = min(((a, b) for a in np.linspace(-0.8, 0.8, 17)
                        for b in np.linspace(-0.5, 0.5, 21)),
                       key=lambda ab: loss(np.exp(ab[0] + ab[1] * np.log(hp))))
            factor = np.exp(a + b * np.log(h[now]))
        else:  # one per horizon
            by_h = {k: min(SCALES, key=lambda s, k=k: loss(np.where(hp == k, s, 1.0)))
                    if (hp == k).any() else 1.0 for k in range(1, run.HORIZON + 1)}
            factor = np.array([by_h[k] for k in h[now]])
        out[now] = rescaled(q[now], factor)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw", type=Path, default=run.ROOT.parent / "shared" / "data")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/odforecast_ensemble_extras"),
                        help="where the members' paths are kept between runs")
    args = parser.parse_args(argv)
    data, how = run.load_series(args.raw)
    origins = run.origins_every(6)
    print(how, f"\norigins: {', '.join(origins)}; {run.machine_info()}", flush=True)
    full = {s.key: s for s in prepare_series(data)}
    paths = member_paths(data, origins, args.cache)
    extras = peer_quantiles(data, origins)
    extras["quantile_ar"] = quantile_ar(full, origins)
    table = cells(paths, full, extras)
    y = table["truth"].to_numpy()
    sub = (table["location"] != "US").to_numpy()
    variants = {"the three members, pooled": np.stack(table["mixture"].to_numpy())}
    variants.update({f"+ {label}": np.stack(table[label].to_numpy()) for label in extras})
    variants["quantile_ar alone"] = np.stack(
        [extras["quantile_ar"][(r.origin, r.location, r.indicator, r.period_end)]
         for r in table.itertuples()])
    for form in ("one factor", "log-linear in the horizon", "one per horizon"):
        variants[f"rescaled: {form}"] = recalibrated(table, form)
    bound, pair, weights = weight_bound(paths, table)
    variants["ARIMA + BayesianTrend, equal weights"] = pair
    variants["the same, best weights per level and horizon (peeking)"] = bound
    # the yardsticks on the same cells, from run.py's saved scores
    saved = pd.read_csv(HERE / "results" / "scores.csv.gz")
    cell = ["location", "indicator", "origin", "horizon"]
    mine = table[cell].assign(sub=sub)
    peer = {m: mine.merge(saved[saved["model"] == m][[*cell, "wis"]], on=cell, how="left")
            for m in ("sf_AutoARIMA", "sf_AutoETS")}
    if any(p["wis"].isna().any() for p in peer.values()):
        raise SystemExit("results/scores.csv.gz lacks some cells: run run.py first")
    arima_wis = peer["sf_AutoARIMA"]["wis"].mean()
    ets_sub = peer["sf_AutoETS"].loc[peer["sf_AutoETS"]["sub"], "wis"].mean()
    print(f"\n{len(table)} cells; AutoARIMA {arima_wis:.1f} on all, AutoETS {ets_sub:.1f} on "
          f"the {table.loc[sub, ['location', 'indicator']].drop_duplicates().shape[0]} "
          "sub-national series\n")
    print("| variant | WIS (x AutoARIMA) | cov80 | sub-national (x AutoETS) |")
    print("|---|---:|---:|---:|")
    for label, q in variants.items():
        w = scores.wis(y, LEVELS, q)
        cover = ((y >= q[:, 3]) & (y <= q[:, -4])).mean()  # levels 0.1 and 0.9
        print(f"| {label} | {w.mean():.1f} ({w.mean() / arima_wis:.3f}) | {cover:.3f} | "
              f"{w[sub].mean():.1f} ({w[sub].mean() / ets_sub:.3f}) |")
    print("\nBest weight on ARIMA (peeking), by horizon:")
    print(weights.unstack(level=1).rename(index={True: "national", False: "sub-national"})
          .to_string())


if __name__ == "__main__":
    main()
