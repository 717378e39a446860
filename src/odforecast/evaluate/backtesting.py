"""Rolling-origin backtests: refit at each origin, forecast, score against what happened.

At each origin the model sees only the rows whose period ended on or before the origin (the
training frame is cut *before* it reaches the model, so later data cannot leak into the fit);
it forecasts ``horizon`` periods and each forecast is scored against the observed value.

Users import from :mod:`odforecast.evaluate`: ``odforecast.evaluate.backtest`` is the function
:func:`backtest` only.  This module used to be ``odforecast.evaluate.backtest`` too; code that
wrote ``from odforecast.evaluate.backtest import BacktestResult`` now writes
``from odforecast.evaluate import BacktestResult`` (or imports from
``odforecast.evaluate.backtesting``).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from odforecast._progress import Progress, duration, silenced
from odforecast.data.schema import validate
from odforecast.errors import DataError, ParameterError
from odforecast.evaluate import scores
from odforecast.levels import HUBVERSE_QUANTILES, interval_bounds
from odforecast.models.base import (
    CONVERGENCE_COLUMNS,
    Model,
    check_horizon,
    resolve_seed,
    run_tasks,
)
from odforecast.models.series import prepare_series

if TYPE_CHECKING:  # pragma: no cover - for type checkers only
    from matplotlib.figure import Figure

__all__ = ["HUB_LEVELS", "BacktestResult", "backtest", "compare", "fit_and_forecast",
           "rolling_origins", "score_forecast"]

#: The 23 quantile levels of the US COVID-19 and FluSight forecast hubs.
#: The hubverse quantile levels (the one list: :data:`odforecast.levels.HUBVERSE_QUANTILES`).
HUB_LEVELS = HUBVERSE_QUANTILES

_INTERVALS = (50, 80, 95)


def rolling_origins(data: pd.DataFrame, start: str, end: str, *, step: int = 1) -> list[str]:
    """Every ``step``-th observed ``period_end`` between ``start`` and ``end`` (inclusive).

    A partial date means the whole period: ``end="2019"`` runs to 2019-12-31 and
    ``end="2019-06"`` to 2019-06-30; ``start="2019"`` begins on 2019-01-01.

    Examples
    --------
    >>> import odforecast
    >>> us = odforecast.load_dataset("us_monthly_12m")
    >>> rolling_origins(us, "2023-01", "2023-06-30", step=2)
    ['2023-01-31', '2023-03-31', '2023-05-31']
    >>> rolling_origins(us, "2023", "2023", step=6)
    ['2023-01-31', '2023-07-31']
    >>> rolling_origins(us, "2023-11", "2023")
    ['2023-11-30', '2023-12-31']
    """
    ends = pd.DatetimeIndex(sorted(pd.to_datetime(data["period_end"]).unique()))
    try:
        lo = pd.Period(str(start)).start_time
        hi = pd.Period(str(end)).end_time.normalize()
    except ValueError as exc:
        raise DataError(f"origins {start!r}..{end!r} are not dates: {exc}", column="origins",
                        hint="use YYYY, YYYY-MM or YYYY-MM-DD") from exc
    chosen = ends[(ends >= lo) & (ends <= hi)][::step]
    if chosen.empty:
        raise DataError(f"no observed period ends between {start} and {end}", column="origins")
    return [d.date().isoformat() for d in chosen]


@dataclass
class BacktestResult:
    """Scores of one model's backtest.

    Attributes
    ----------
    scores
        One row per series x origin x horizon: ``location, indicator, model, origin, horizon,
        period_end, truth, mean, median, lower_50 ... upper_95, wis, dispersion, overprediction,
        underprediction, crps, ae, ape, ase, cover_50, cover_80, cover_95, pit``.
    model
        Name of the model.
    fits
        One row per origin: ``model, origin, seconds`` (fit and forecast), ``warnings`` (the
        forecast's, joined; empty if none) and, for the Bayesian models, the convergence of
        the posterior: ``r_hat_max, ess_bulk_min, ess_tail_min, divergences, trustworthy``
        (the fit's own checks: R-hat <= 1.01, ESS >= 400, no divergence).  Empty for a result
        built from scores alone.

    Examples
    --------
    >>> import odforecast
    >>> from odforecast.evaluate import backtest
    >>> us = odforecast.load_dataset("us_annual").query(
    ...     "indicator == 'opioids' and estimate == 'reported'")
    >>> result = backtest(odforecast.Naive(), us, origins=["2016-12-31", "2017-12-31"],
    ...                   horizon=2, n_samples=200, progress=False)
    >>> result.model, len(result.scores)  # 2 origins x 2 horizons
    ('naive', 4)
    >>> list(result.summary().columns[:4])
    ['model', 'n', 'wis', 'crps']
    >>> list(result.fits["origin"]), list(result.fits["warnings"])  # one row per origin
    (['2016-12-31', '2017-12-31'], ['', ''])
    """

    scores: pd.DataFrame
    model: str
    fits: pd.DataFrame = field(default_factory=pd.DataFrame)

    def summary(self, by: str | Sequence[str] = ("model",)) -> pd.DataFrame:
        """Mean scores (WIS, CRPS, MAE, MAPE, MASE) and interval coverage, grouped by ``by``."""
        return summarise(self.scores, by)

    def __repr__(self) -> str:
        s = self.scores
        if s.empty:
            return f"<BacktestResult {self.model}: nothing scored>"
        n_series = len(s[["location", "indicator"]].drop_duplicates())
        origins = sorted(s["origin"].unique())
        coverage = ", ".join(f"{p}% {s[f'cover_{p}'].mean():.0%}" for p in _INTERVALS)
        return (f"<BacktestResult {self.model}: {n_series} series x {len(origins)} origins "
                f"({origins[0]} .. {origins[-1]}) x horizons 1-{s['horizon'].max()}\n"
                f"  mean WIS {s['wis'].mean():,.1f}, MAE {s['ae'].mean():,.1f}; interval "
                f"coverage {coverage}>")

    def plot(self, **kwargs: Any) -> Figure:
        """WIS and interval coverage by horizon: see :func:`odforecast.plotting.plot_backtest`.

        Examples
        --------
        >>> fig = result.plot()  # doctest: +SKIP
        """
        from odforecast.plotting import plot_backtest

        return plot_backtest(self, **kwargs)


def summarise(table: pd.DataFrame, by: str | Sequence[str]) -> pd.DataFrame:
    """Aggregate a score table: means of the scores, coverage proportions, counts.

    ``by`` is a column name or a list of them (a single string is one column, not a list of
    letters); an unknown column is a ParameterError listing the ones there are.
    """
    by = [by] if isinstance(by, str) else list(by)
    unknown = [c for c in by if c not in table.columns]
    if unknown:
        keys = [c for c in ("model", "location", "indicator", "origin", "horizon", "period_end")
                if c in table.columns]
        raise ParameterError(f"has no score column {unknown[0]!r}; group by any of "
                             f"{', '.join(keys)}", parameter="by")
    agg = {"n": ("wis", "size"), "wis": ("wis", "mean"), "crps": ("crps", "mean"),
           "mae": ("ae", "mean"), "mape": ("ape", "mean"), "mase": ("ase", "mean")}
    agg.update({f"cover_{p}": (f"cover_{p}", "mean") for p in _INTERVALS})
    return table.groupby(by, sort=True).agg(**agg).reset_index()


def compare(results: Iterable[BacktestResult], *, baseline: str = "naive",
            by: Sequence[str] = ("model",)) -> pd.DataFrame:
    """Side-by-side summary of several backtests with WIS relative to ``baseline``.

    Relative WIS is the ratio of mean WIS on exactly the same series x origin x horizon cells
    (cells missing from either model are left out of that ratio).

    Examples
    --------
    >>> import odforecast
    >>> from odforecast.evaluate import backtest, compare, rolling_origins
    >>> us = odforecast.load_dataset("us_annual").query(
    ...     "indicator == 'opioids' and estimate == 'reported'")
    >>> origins = rolling_origins(us, "2015-01", "2018-12")
    >>> runs = [backtest(model, us, origins=origins, horizon=2, n_samples=200, progress=False)
    ...         for model in (odforecast.Naive(), odforecast.Drift())]
    >>> table = compare(runs, baseline="naive")
    >>> list(table["model"]), float(table.loc[1, "rel_wis_vs_naive"])
    (['drift', 'naive'], 1.0)
    """
    tables = {r.model: r.scores for r in results}
    if baseline not in tables:
        raise DataError(f"baseline {baseline!r} is not among the results ({', '.join(tables)})",
                        column="baseline")
    table = pd.concat(tables.values(), ignore_index=True)
    out = summarise(table, by)
    key = ["location", "indicator", "origin", "horizon"]
    base = tables[baseline].set_index(key)["wis"]
    rel = []
    for row in out.itertuples(index=False):
        mask = np.ones(len(table), dtype=bool)
        for column in by:
            mask &= (table[column] == getattr(row, column)).to_numpy()
        mine = table[mask].set_index(key)["wis"]
        rel.append(float(scores.relative_wis(*[s.to_numpy() for s in
                                                (mine.align(base, join="inner"))])))
    out.insert(out.columns.get_loc("wis") + 1, f"rel_wis_vs_{baseline}", rel)
    return out


def backtest(model: Model, data: pd.DataFrame, *, origins: Sequence[str] | pd.DatetimeIndex,
             horizon: int, n_samples: int = 1000, random_seed: int | None = 0,
             executor: Executor | None = None, model_name: str | None = None,
             progress: bool | None = None) -> BacktestResult:
    """Rolling-origin backtest: refit at each origin and score the forecasts.

    Parameters
    ----------
    model
        Any odforecast model (unfitted; it is refitted at each origin).
    data
        Tidy frame with the series to evaluate (one estimate per series).
    origins
        Dates of the last observed period at each refit (see :func:`rolling_origins`).
    horizon
        Periods ahead to forecast from each origin.
    n_samples
        Sample paths per forecast.
    random_seed
        Seed; the backtest reproduces exactly from it.  A model with a ``random_seed``
        parameter left at None (the Bayesian models) is fitted with it too.
    executor
        Any :class:`concurrent.futures.Executor`: origins run in parallel.
    model_name
        Label in the score table (default: the model's name).
    progress
        Print a line per origin with the elapsed time to stderr; None follows
        :func:`odforecast.set_options` (``progress``).  The fits inside stay quiet.

    Returns
    -------
    BacktestResult

    Examples
    --------
    >>> import odforecast
    >>> from odforecast.models import Naive
    >>> from odforecast.evaluate import backtest
    >>> us = odforecast.load_dataset("us_monthly_12m").query(
    ...     "indicator == 'opioids' and estimate == 'reported'")
    >>> result = backtest(Naive(), us, origins=["2023-06-30", "2023-12-31"], horizon=3,
    ...                   n_samples=200)
    >>> result.scores.shape[0]
    6
    """
    horizon = check_horizon(horizon)
    seed = resolve_seed(random_seed)
    frame = validate(data, origin="backtest data")
    # withheld cells are allowed here: they are simply not scored (models that cannot use them
    # say so when they are fitted)
    full = {s.key: s for s in prepare_series(frame, allow_censored=True, allow_missing=True,
                                             model_name="backtest")}
    dates = pd.DatetimeIndex(pd.to_datetime(list(origins)))
    if dates.empty:
        raise DataError("origins is empty", column="origins")
    last = min(s.time[-1] for s in full.values())
    if (dates >= last).any():
        raise DataError(f"origin {dates[dates >= last][0].date()} leaves nothing to score "
                        f"(the data end {last.date()})", column="origins")
    fitting = model.seeded(seed)  # a model without its own seed is fitted with the run's
    tasks = [(fitting, frame[frame["period_end"] <= origin], horizon, n_samples, seed)
             for origin in dates]
    for (train, origin) in zip((t[1] for t in tasks), dates, strict=True):
        if train.empty:
            raise DataError(f"origin {origin.date()} precedes all data", column="origins")
    name = model_name or model.name
    with Progress(f"backtest {name}", total=len(dates), progress=progress) as report:
        report.start(f"{len(dates)} origins ({dates[0].date()} .. {dates[-1].date()}) x "
                     f"{len(full)} series, horizon {horizon}, {n_samples:,} sample paths")

        def done(index: int, result: tuple[Any, float]) -> None:
            report.step(f"origin {dates[index].date()} in {duration(result[1])}")

        runs = run_tasks(executor, fit_and_forecast, tasks, on_done=done)
        tables = [score_forecast(fc, full, origin, name, seed) for (fc, _), origin in
                  zip(runs, dates, strict=True)]
        fits = pd.DataFrame([fit_record(fc, seconds, origin, name) for (fc, seconds), origin
                             in zip(runs, dates, strict=True)])
        result = BacktestResult(pd.concat(tables, ignore_index=True), name, fits)
        report.finish(f"mean WIS {result.scores['wis'].mean():,.0f}, coverage of the 95% "
                      f"intervals {result.scores['cover_95'].mean():.0%}")
    return result


def fit_record(forecast: Any, seconds: float, origin: pd.Timestamp, model_name: str
               ) -> dict[str, Any]:
    """One row of :attr:`BacktestResult.fits`: the origin's time, warnings and, when the
    forecast carries them (the Bayesian models), its posterior's convergence checks.

    Examples
    --------
    >>> import odforecast
    >>> from odforecast.evaluate import fit_and_forecast
    >>> from odforecast.evaluate.backtesting import fit_record
    >>> us = odforecast.load_dataset("us_annual").query(
    ...     "indicator == 'opioids' and estimate == 'reported' and period_end <= '2017-12-31'")
    >>> forecast, seconds = fit_and_forecast(odforecast.Drift(), us, 2, 200, 0)
    >>> fit_record(forecast, 0.25, pd.Timestamp("2017-12-31"), "drift")
    {'model': 'drift', 'origin': '2017-12-31', 'seconds': 0.25, 'warnings': ''}
    """
    record: dict[str, Any] = {"model": model_name, "origin": origin.date().isoformat(),
                              "seconds": round(float(seconds), 3),
                              "warnings": "; ".join(forecast.metadata.get("warnings", []))}
    convergence = forecast.metadata.get("convergence")
    if convergence:
        record.update({k: convergence.get(k) for k in CONVERGENCE_COLUMNS})
    return record


def fit_and_forecast(model: Model, train: pd.DataFrame, horizon: int, n_samples: int,
                     random_seed: int) -> tuple[Any, float]:
    """One backtest origin: fit ``model`` to ``train`` and forecast, quietly.

    What :func:`~odforecast.backtest` runs at each origin (and the ensemble's weight learning
    for each member): no progress lines, since the backtest reports and fits running in
    parallel workers must not write over each other.  A module-level function, so process
    executors can pickle it.

    Parameters
    ----------
    model
        Any odforecast model (unfitted).
    train
        The tidy data up to the origin (cut by the caller: nothing after it may reach the fit).
    horizon
        Periods ahead.
    n_samples
        Sample paths.
    random_seed
        Seed of the forecast.

    Returns
    -------
    tuple
        The :class:`~odforecast.Forecast` and the seconds the fit and forecast took.

    Examples
    --------
    >>> import odforecast
    >>> from odforecast.evaluate import fit_and_forecast
    >>> us = odforecast.load_dataset("us_annual").query(
    ...     "indicator == 'opioids' and estimate == 'reported' and period_end <= '2017-12-31'")
    >>> forecast, seconds = fit_and_forecast(odforecast.Naive(), us, 2, 200, 0)
    >>> forecast.samples.sizes["time"], seconds > 0
    (2, True)
    """
    started = time.perf_counter()
    with silenced():
        forecast = model.fit(train).forecast(horizon, n_samples=n_samples,
                                             random_seed=random_seed)
    return forecast, time.perf_counter() - started


def score_forecast(forecast, series: Mapping, origin: pd.Timestamp, model_name: str,
                   random_seed: int) -> pd.DataFrame:
    """Score one origin's forecast against what happened: the rows of a backtest's table.

    Every forecast cell with an observed, uncensored value is scored (withheld and censored
    cells are not); the columns are those of the ``scores`` of :class:`BacktestResult`.  The
    scale of ``ase`` (MASE) is the mean absolute seasonal change of the series up to
    ``origin``.

    Parameters
    ----------
    forecast
        A :class:`~odforecast.Forecast` from the data up to ``origin``.
    series
        The full series, ``(location, indicator)`` -> :class:`~odforecast.models.series.Series`
        (as :func:`~odforecast.models.series.prepare_series` gives them, by ``key``); forecast
        series without an entry are skipped.
    origin
        The last period end the forecast was fitted to.
    model_name
        The ``model`` column.
    random_seed
        Seed of the randomised PIT (ties and discrete counts).

    Returns
    -------
    pandas.DataFrame
        One row per scored series x horizon; empty when nothing could be scored.

    Examples
    --------
    >>> import odforecast, pandas as pd
    >>> from odforecast.evaluate import fit_and_forecast, score_forecast
    >>> from odforecast.models.series import prepare_series
    >>> us = odforecast.load_dataset("us_annual").query(
    ...     "indicator == 'opioids' and estimate == 'reported'")
    >>> origin = pd.Timestamp("2017-12-31")
    >>> forecast, _ = fit_and_forecast(odforecast.Naive(), us[us["period_end"] <= origin],
    ...                                2, 200, 0)
    >>> full = {s.key: s for s in prepare_series(us)}
    >>> table = score_forecast(forecast, full, origin, "naive", 0)
    >>> print(table[["origin", "horizon", "truth", "cover_95"]].to_string(index=False))
        origin  horizon   truth  cover_95
    2017-12-31        1 46802.0      True
    2017-12-31        2 49860.0      True
    """
    samples = forecast.samples
    rows = []
    levels = np.array(HUB_LEVELS)
    for location in samples["location"].values:
        for indicator in samples["indicator"].values:
            key = (str(location), str(indicator))
            if key not in series:  # the location x indicator grid need not be rectangular
                continue
            one = series[key]
            paths = samples.sel(location=location, indicator=indicator).values  # (sample, time)
            times = pd.DatetimeIndex(samples["time"].values)
            truth = pd.Series(one.values, index=one.time).reindex(times)
            censored = pd.Series(one.censored, index=one.time).reindex(times, fill_value=False)
            keep = truth.notna().to_numpy() & ~censored.to_numpy()
            if not keep.any():
                continue
            y = truth.to_numpy()[keep]
            ens = paths[:, keep].T  # (time, sample)
            q = np.quantile(ens, levels, axis=1).T  # (time, level)
            w = scores.wis(y, levels, q, decompose=True)
            insample = one.truncate(origin).values
            m = 12 if one.frequency == "monthly" else 1
            seasonal_changes = np.abs(insample[m:] - insample[:-m])  # NaN across withheld cells
            scale = (np.nanmean(seasonal_changes) if np.isfinite(seasonal_changes).any()
                     else np.nan)
            median = np.median(ens, axis=1)
            table = pd.DataFrame({
                "location": str(location), "indicator": str(indicator), "model": model_name,
                "origin": origin.date().isoformat(),
                "horizon": np.flatnonzero(keep) + 1, "period_end": times[keep],
                "truth": y, "mean": ens.mean(axis=1), "median": median,
                "wis": w["wis"], "dispersion": w["dispersion"],
                "overprediction": w["overprediction"], "underprediction": w["underprediction"],
                "crps": scores.crps_sample(y, ens),
                "ae": np.abs(y - median),
                "ape": np.where(y > 0, 100 * np.abs(y - median) / np.where(y > 0, y, 1), np.nan),
                "ase": np.abs(y - median) / scale if scale and np.isfinite(scale) else np.nan,
                "pit": scores.pit(y, ens, random_seed=random_seed),
            })
            for p in _INTERVALS:
                lo, hi = np.quantile(ens, interval_bounds(p / 100), axis=1)
                table[f"lower_{p}"], table[f"upper_{p}"] = lo, hi
                table[f"cover_{p}"] = scores.coverage(y, lo, hi)
            rows.append(table)
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()

