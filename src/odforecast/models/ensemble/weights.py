"""How an ensemble learns its weights: backtests of the members on the training data only.

At fit time each member is refitted at a few rolling origins inside the training data and
forecasts ``horizon`` periods from each (exactly as :func:`odforecast.evaluate.backtest` does,
with the same seed, so the scores can be reproduced with it); only cells whose period is in the
training data can be scored, so nothing after the forecast origin is ever seen.  From those
cells, per series:

* ``"inverse_wis"``: weights proportional to 1 / (the member's mean WIS);
* ``"stacking"``: the weights on the simplex that minimise the mean CRPS of the *mixture* of the
  members' sample paths.  For a mixture with weights ``w`` the CRPS of one cell is exactly
  ``sum_m w_m E|X_m - y| - 1/2 sum_mk w_m w_k E|X_m - X_k'|`` (the energy form), a convex
  quadratic in ``w``: the optimum is found by a small constrained solver, with no sampling.

Stacking scores the sample paths themselves (the currency of every odforecast forecast) rather
than quantiles: the quantiles of a mixture are not linear in the weights, its CRPS is.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from odforecast import calendar
from odforecast.errors import DataError, FitError
from odforecast.models.base import Model, run_tasks
from odforecast.models.series import Series

__all__ = ["PastScores", "default_horizon", "inverse_wis_weights", "mean_abs_difference",
           "member_backtests", "stacking_weights", "weight_origins"]


def default_horizon(frequency: str) -> int:
    """Periods ahead scored when learning weights by default: a year (at least 2 periods).

    Examples
    --------
    >>> default_horizon("12m_ending"), default_horizon("quarterly"), default_horizon("annual")
    (12, 4, 2)
    """
    return max(2, 12 // calendar.frequency(frequency).step)


def weight_origins(series: Sequence[Series], origins: int | Sequence[Any],
                   horizon: int) -> pd.DatetimeIndex:
    """The backtest origins of the weights: explicit dates, or ``origins`` period ends spaced
    ``max(1, horizon // 2)`` periods apart, the last ``horizon`` periods before the end of the
    shortest series (so every cell of every origin lies in the training data).

    Examples
    --------
    >>> import odforecast
    >>> from odforecast.models.series import prepare_series
    >>> us = prepare_series(odforecast.load_dataset("us_monthly_12m").query(
    ...     "indicator == 'opioids' and estimate == 'reported'"))
    >>> [d.date().isoformat() for d in weight_origins(us, 3, 12)]
    ['2023-02-28', '2023-08-31', '2024-02-29']
    """
    last_series = min(series, key=lambda s: s.time[-1])
    last = last_series.time[-1]
    if isinstance(origins, int | np.integer):
        spacing = max(1, horizon // 2)
        ends = last_series.time
        positions = [len(ends) - 1 - horizon - spacing * j for j in range(int(origins))][::-1]
        if positions[0] < 1:
            raise DataError(
                f"series {last_series.label} has {len(ends)} observations, too few to learn "
                f"ensemble weights from {origins} backtest origins {spacing} periods apart, "
                f"each followed by {horizon} scored periods",
                hint="give fewer weight_origins, a shorter weight_horizon, or weights='equal'")
        return pd.DatetimeIndex([ends[p] for p in positions])
    dates = pd.DatetimeIndex(pd.to_datetime(list(origins))).sort_values()
    late = dates[dates >= last]
    if len(late):
        raise DataError(f"weight origin {late[0].date()} leaves nothing to score inside the "
                        f"training data (series {last_series.label} ends {last.date()})",
                        column="weight_origins", hint="weights are learnt only from periods "
                        "before the end of the training data; choose earlier origins")
    return dates


def mean_abs_difference(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``E|X - Y|`` for independent ``X`` and ``Y`` drawn from the empirical distributions of
    ``x`` and ``y`` (samples on the last axis, leading axes batched), in O(n log n).

    Examples
    --------
    >>> float(mean_abs_difference(np.array([0.0, 2.0]), np.array([1.0, 3.0])))
    1.5
    """
    x = np.asarray(x, dtype=float)
    ys = np.sort(np.asarray(y, dtype=float), axis=-1)
    m = ys.shape[-1]
    prefix = np.concatenate([np.zeros((*ys.shape[:-1], 1)), np.cumsum(ys, axis=-1)], axis=-1)
    total = prefix[..., -1:]
    flat_y, flat_x = ys.reshape(-1, m), x.reshape(-1, x.shape[-1])
    below = np.stack([np.searchsorted(row_y, row_x) for row_y, row_x in
                      zip(flat_y, flat_x, strict=True)]).reshape(x.shape)
    s_below = np.take_along_axis(prefix, below, axis=-1)
    # sum_j |x_i - y_j| = (x_i k - S_k) + ((S_m - S_k) - x_i (m - k)), k = #{y_j < x_i}
    sums = x * below - s_below + (total - s_below) - x * (m - below)
    return sums.mean(axis=-1) / m


@dataclass
class PastScores:
    """The members' backtests on the training data.

    Attributes
    ----------
    origins, horizon
        Where the backtests started and how far ahead they were scored.
    table
        Score rows as :class:`~odforecast.evaluate.BacktestResult.scores` (column ``model``
        holds the member's label).
    crps_terms
        Per series ``(a, b)``: ``a[m]`` the mean over cells of ``E|X_m - y|`` and ``b[m, k]``
        of ``E|X_m - X_k'|`` (the mixture's CRPS is ``w @ a - w @ b @ w / 2``); NaN for a
        member that does not forecast the series.
    """

    origins: pd.DatetimeIndex
    horizon: int
    table: pd.DataFrame
    crps_terms: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]]

    def mean_scores(self, labels: Sequence[str]) -> pd.DataFrame:
        """Per series and member: mean WIS, mean CRPS and the number of cells."""
        out = (self.table.groupby(["location", "indicator", "model"], sort=False)
               .agg(past_wis=("wis", "mean"), past_crps=("crps", "mean"),
                    n_cells=("wis", "size")).reset_index())
        out["model"] = pd.Categorical(out["model"], categories=list(labels), ordered=True)
        return out.sort_values(["location", "indicator", "model"]).reset_index(drop=True)


def _member_origin(label: str, model: Model, train: pd.DataFrame, origin: pd.Timestamp,
                   horizon: int, n_samples: int, seed: int) -> Any:
    """One member at one origin (module level so process executors can pickle it)."""
    from odforecast.errors import OdforecastError
    from odforecast.evaluate.backtesting import fit_and_forecast

    try:
        return fit_and_forecast(model, train, horizon, n_samples, seed)[0]
    except OdforecastError as exc:
        text = (f"learning the ensemble weights: member {label} could not be fitted to the "
                f"data up to the backtest origin {origin.date()} ({exc})")
        todo = ("give later or fewer weight_origins, or weights='equal' or explicit weights, "
                "which need no backtest")
        if isinstance(exc, DataError):  # the data at that origin do not suit the member
            raise DataError(text, column="weight_origins", hint=todo) from exc
        raise FitError(f"{text}; {todo}") from exc


def member_backtests(members: Sequence[Model], labels: Sequence[str], data: pd.DataFrame,
                     origins: pd.DatetimeIndex, horizon: int, n_samples: int, seed: int,
                     executor: Executor | None = None) -> PastScores:
    """Backtest every member at ``origins`` on ``data`` (the training data only) and score it
    exactly as :func:`odforecast.evaluate.backtest` would with ``random_seed=seed``."""
    from odforecast.data.schema import validate
    from odforecast.evaluate.backtesting import score_forecast
    from odforecast.models.series import prepare_series

    frame = validate(data, origin="ensemble training data")
    full = {s.key: s for s in prepare_series(frame, allow_censored=True, allow_missing=True,
                                             model_name="ensemble")}
    # each member at each origin on its part of the data up to the origin (Model.member_data)
    parts = [[member.member_data(frame[frame["period_end"] <= origin]) for origin in origins]
             for member in members]
    tasks = [(label, member.seeded(seed), part.data, origin, horizon, n_samples, seed)
             for member, label, member_parts in zip(members, labels, parts, strict=True)
             for origin, part in zip(origins, member_parts, strict=True)]
    forecasts = run_tasks(executor, _member_origin, tasks)
    tables = []
    # per series and origin: the truth at the scored cells and each member's paths there
    cells: dict[tuple[str, str], dict[int, tuple[np.ndarray, list[Any]]]] = {}
    for i, (task, fc) in enumerate(zip(tasks, forecasts, strict=True)):
        label, origin = task[0], task[3]
        m, o = divmod(i, len(origins))
        covers = parts[m][o].covers
        used = {key: s for key, s in full.items() if covers is None or key in covers}
        tables.append(score_forecast(fc, used, origin, label, seed))
        for key, series in used.items():
            member_paths, truth = _cells(fc, series)
            if truth is not None:
                entry = cells.setdefault(key, {}).setdefault(o, (truth, [None] * len(members)))
                entry[1][m] = member_paths
    crps_terms = {key: _crps_terms(by_origin, len(members)) for key, by_origin in cells.items()}
    table = pd.concat(tables, ignore_index=True)
    return PastScores(origins, horizon, table, crps_terms)


def _crps_terms(by_origin: dict[int, tuple[np.ndarray, list[Any]]],
                n_members: int) -> tuple[np.ndarray, np.ndarray]:
    """``(a, b)`` of one series (see :class:`PastScores`) from its truth and the members'
    paths at each origin; NaN for a member without paths at every origin (one that does not
    forecast the series), which cannot be weighed on it."""
    truth = np.concatenate([t for t, _ in by_origin.values()])
    a = np.full(n_members, np.nan)
    b = np.full((n_members, n_members), np.nan)
    stacked = {m: np.concatenate([paths[m] for _, paths in by_origin.values()], axis=0)
               for m in range(n_members)
               if all(paths[m] is not None for _, paths in by_origin.values())}
    for j, x in stacked.items():  # each (cells, samples)
        a[j] = np.abs(x - truth[:, None]).mean(axis=1).mean()
        for k, y in stacked.items():
            if k >= j:
                b[j, k] = b[k, j] = mean_abs_difference(x, y).mean()
    return a, b


def _cells(forecast: Any, series: Series) -> tuple[np.ndarray, np.ndarray | None]:
    """A forecast's paths ``(time, sample)`` and the truth at the cells
    :func:`~odforecast.evaluate.score_forecast` scores
    (observed and not censored); ``(empty, None)`` when there are none."""
    samples = forecast.samples
    if series.location not in samples["location"].values \
            or series.indicator not in samples["indicator"].values:
        return np.empty((0, 0)), None
    values = samples.sel(location=series.location, indicator=series.indicator).values
    times = pd.DatetimeIndex(samples["time"].values)
    truth = pd.Series(series.values, index=series.time).reindex(times)
    censored = pd.Series(series.censored, index=series.time).reindex(times, fill_value=False)
    keep = truth.notna().to_numpy() & ~censored.to_numpy()
    if not keep.any():
        return np.empty((0, 0)), None
    return values[:, keep].T, truth.to_numpy()[keep]


def inverse_wis_weights(past_wis: np.ndarray) -> np.ndarray:
    """Weights proportional to the inverse of each member's mean past WIS (a member with a
    WIS of exactly 0 takes all the weight, shared with any other such member).

    Examples
    --------
    >>> inverse_wis_weights(np.array([10.0, 20.0, 40.0])).round(4).tolist()
    [0.5714, 0.2857, 0.1429]
    """
    wis = np.asarray(past_wis, dtype=float)
    if not np.all(np.isfinite(wis)) or np.any(wis < 0):
        raise FitError(f"the members' past WIS must be finite and non-negative; got "
                       f"{wis.tolist()}")
    if np.any(wis == 0):
        return (wis == 0) / np.sum(wis == 0)
    inverse = 1.0 / wis
    return inverse / inverse.sum()


def stacking_weights(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The weights on the simplex minimising the mean CRPS ``w @ a - w @ b @ w / 2`` of the
    mixture (a convex quadratic: ``|x - x'|`` is a conditionally negative-definite kernel).

    Examples
    --------
    Outcomes from N(0, 1); one member too sharp (N(0, 0.5)), one too wide (N(0, 2)).  Their
    mixture scores better than either:

    >>> rng = np.random.default_rng(0)
    >>> y = rng.normal(0.0, 1.0, 3000)
    >>> x = [rng.normal(0.0, 0.5, 3000), rng.normal(0.0, 2.0, 3000)]
    >>> a = np.array([mean_abs_difference(m, y) for m in x])
    >>> b = np.array([[mean_abs_difference(j, k) for k in x] for j in x])
    >>> w = stacking_weights(a, b)
    >>> w.round(2).tolist()
    [0.6, 0.4]
    >>> print(round(w @ a - w @ b @ w / 2, 3), (a - np.diag(b) / 2).round(3))  # CRPS
    0.572 [0.61  0.661]
    """
    from scipy.optimize import minimize

    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    n = len(a)
    if n == 1:
        return np.ones(1)
    scale = max(float(np.abs(a).max()), 1e-300)  # well-conditioned for counts in the 1e5s
    a_s, b_s = a / scale, b / scale

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        return float(w @ a_s - 0.5 * w @ b_s @ w), a_s - b_s @ w

    result = minimize(loss, np.full(n, 1.0 / n), jac=True, method="SLSQP",
                      bounds=[(0.0, 1.0)] * n,
                      constraints=[{"type": "eq", "fun": lambda w: w.sum() - 1.0,
                                    "jac": lambda w: np.ones_like(w)}],
                      options={"ftol": 1e-12, "maxiter": 500})
    # the solver may end a hair outside the simplex (e.g. -1e-17): snap back onto it
    w = np.clip(result.x, 0.0, None)
    w[w < 1e-9] = 0.0
    return w / w.sum()


def series_tag(location: str, indicator: str) -> int:
    """A stable integer for a series (seeds of the mixture's member draws)."""
    return zlib.crc32(f"{location}|{indicator}".encode())
