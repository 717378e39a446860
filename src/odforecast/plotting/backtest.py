"""Backtest scores by horizon: mean WIS (and relative WIS) and interval coverage per model."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import pandas as pd

from odforecast.errors import DataError
from odforecast.plotting import _style

if TYPE_CHECKING:  # pragma: no cover - for type checkers only
    from matplotlib.figure import Figure

    from odforecast.evaluate.backtesting import BacktestResult

__all__ = ["plot_backtest"]

_LEVELS = (50, 80, 95)
_STEP_WORDS = {1: "months", 3: "quarters", 6: "half-years", 12: "years"}


class _Result(NamedTuple):
    """What :func:`odforecast.evaluate.backtesting.compare` reads of a BacktestResult."""

    scores: pd.DataFrame
    model: str


def _is_result(value: Any) -> bool:
    """A BacktestResult, recognised by its score table (duck-typed: plotting does not import
    the evaluation modules, which import plotting for ``BacktestResult.plot``)."""
    return isinstance(getattr(value, "scores", None), pd.DataFrame) and hasattr(value, "model")


def _scores(results: Any) -> pd.DataFrame:
    """One score table (``location, indicator, model, origin, horizon, ...``) from a
    BacktestResult, a list of them, or a score table."""
    if isinstance(results, pd.DataFrame):
        table = results
    elif _is_result(results):
        table = results.scores
    elif isinstance(results, Iterable):
        items = list(results)
        if not all(_is_result(r) for r in items):
            raise DataError("plot_backtest takes BacktestResult objects or a score table")
        table = pd.concat([r.scores for r in items], ignore_index=True)
    else:
        raise DataError(f"plot_backtest takes BacktestResult objects or a score table, got "
                        f"{type(results).__name__}")
    needed = {"model", "horizon", "wis", *(f"cover_{p}" for p in _LEVELS)}
    missing = sorted(needed - set(table.columns))
    if missing or table.empty:
        raise DataError(f"the score table lacks {', '.join(missing) or 'rows'}",
                        hint="pass the results of odforecast.evaluate.backtest")
    return table


def _horizon_label(table: pd.DataFrame) -> str:
    """``horizon (months ahead)`` when the score table tells the step, else periods."""
    if {"origin", "period_end"} <= set(table.columns):
        first = table[table["horizon"] == 1]
        if len(first):
            months = ((pd.to_datetime(first["period_end"]).dt.to_period("M")
                       - pd.to_datetime(first["origin"]).dt.to_period("M"))
                      .map(lambda d: d.n).median())
            if months in _STEP_WORDS:
                return f"horizon ({_STEP_WORDS[int(months)]} ahead)"
    return "horizon (periods ahead)"


def plot_backtest(results: BacktestResult | Iterable[BacktestResult] | pd.DataFrame, *,
                  baseline: str | None = None, title: str | None = None) -> Figure:
    """Backtest scores by horizon: mean WIS, WIS relative to a baseline, interval coverage.

    Top: mean weighted interval score (in deaths; lower is better) per model and horizon,
    and, with two or more models, each model's WIS divided by the baseline's on the same
    series, origins and horizons (below 1 beats it).  Bottom: the share of observed values
    inside the 50 %, 80 % and 95 % central intervals, against the nominal level (dashed);
    below it the intervals are too narrow, above it too wide.

    Parameters
    ----------
    results : BacktestResult, list of BacktestResult, or pandas.DataFrame
        What :func:`odforecast.evaluate.backtest` returned (for one or several models), or
        their concatenated ``.scores``.
    baseline : str, optional
        Model the relative WIS is computed against; default ``naive`` if present, else the
        first model.
    title : str, optional
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import odforecast
    >>> from odforecast.evaluate import backtest
    >>> from odforecast.models import Drift, Naive
    >>> from odforecast.plotting import plot_backtest
    >>> us = odforecast.load_dataset("us_monthly_12m").query(
    ...     "indicator == 'opioids' and estimate == 'reported'")
    >>> runs = [backtest(m, us, origins=["2023-06-30", "2023-12-31"], horizon=3,
    ...                  n_samples=200, progress=False) for m in (Drift(), Naive())]
    >>> fig = plot_backtest(runs)
    >>> [ax.get_title() for ax in fig.axes][:2]
    ['Mean WIS (lower is better)', 'WIS relative to naive']
    """
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

    from odforecast.evaluate.backtesting import compare

    table = _scores(results)
    models = list(dict.fromkeys(table["model"]))
    base = baseline or ("naive" if "naive" in models else models[0])
    if base not in models:
        raise DataError(f"baseline {base!r} is not among the models ({', '.join(models)})",
                        column="baseline")
    relative = len(models) > 1 and {"location", "indicator", "origin"} <= set(table.columns)
    by_h = table.groupby(["model", "horizon"], sort=True).agg(
        wis=("wis", "mean"), n=("wis", "size"),
        **{f"cover_{p}": (f"cover_{p}", "mean") for p in _LEVELS}).reset_index()
    if relative:
        parts = [_Result(t, str(m)) for m, t in table.groupby("model", sort=False)]
        rel = compare(parts, baseline=base, by=("model", "horizon"))
        by_h = by_h.merge(rel[["model", "horizon", f"rel_wis_vs_{base}"]],
                          on=["model", "horizon"], how="left")

    fig = Figure(figsize=(11, 7), layout="constrained")
    grid = fig.add_gridspec(2, 6, height_ratios=(1.15, 1))
    wis_ax = fig.add_subplot(grid[0, :3] if relative else grid[0, :])
    rel_ax = fig.add_subplot(grid[0, 3:]) if relative else None
    cov_axes = [fig.add_subplot(grid[1, 2 * k:2 * k + 2]) for k in range(len(_LEVELS))]
    for ax in cov_axes[1:]:
        ax.sharey(cov_axes[0])
    colours = {m: ("0.35" if m == base and len(models) > 1 else f"C{i % 10}")
               for i, m in enumerate(models)}
    markers = "osD^vP*X"

    for i, model in enumerate(models):
        rows = by_h[by_h["model"] == model]
        style = {"color": colours[model], "marker": markers[i % len(markers)],
                 "markersize": 5, "linewidth": 1.8,
                 "linestyle": "--" if model == base and len(models) > 1 else "-"}
        (line,) = wis_ax.plot(rows["horizon"], rows["wis"], label=model, **style)
        line.set_gid(f"wis:{model}")
        if rel_ax is not None:
            (line,) = rel_ax.plot(rows["horizon"], rows[f"rel_wis_vs_{base}"], **style)
            line.set_gid(f"relative:{model}")
        for ax, p in zip(cov_axes, _LEVELS, strict=True):
            (line,) = ax.plot(rows["horizon"], rows[f"cover_{p}"], **style)
            line.set_gid(f"coverage{p}:{model}")

    xlabel = _horizon_label(table)
    wis_ax.set_title("Mean WIS (lower is better)")
    wis_ax.set_ylabel("weighted interval score (deaths)")
    wis_ax.yaxis.set_major_formatter(FuncFormatter(_style.thousands))
    wis_ax.set_ylim(bottom=0)
    if rel_ax is not None:
        rel_ax.axhline(1, color="0.35", linestyle="--", linewidth=1)
        rel_ax.set_title(f"WIS relative to {base}")
        rel_ax.set_ylabel(f"mean WIS / mean WIS of {base}")
        top = float(np.nanmax(by_h[f"rel_wis_vs_{base}"].to_numpy(dtype=float)))
        rel_ax.set_ylim(0, max(1.2, top * 1.1))
    for ax, p in zip(cov_axes, _LEVELS, strict=True):
        ax.axhline(p / 100, color="0.35", linestyle="--", linewidth=1).set_gid("nominal")
        ax.annotate(f"nominal {p}%", xy=(1, p / 100), xycoords=("axes fraction", "data"),
                    xytext=(-2, 3), textcoords="offset points", ha="right", fontsize=8,
                    color="0.35")
        ax.set_title(f"{p}% interval coverage")
        ax.set_ylim(0, 1.04)
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    cov_axes[0].set_ylabel("share of observations inside")
    for ax in [wis_ax, *( [rel_ax] if rel_ax is not None else []), *cov_axes]:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel(xlabel, fontsize=9)
        ax.grid(True, color=_style.GRID)
        ax.set_axisbelow(True)

    handles = [Line2D([], [], color=colours[m], marker=markers[i % len(markers)],
                      linestyle="--" if m == base and len(models) > 1 else "-", label=m)
               for i, m in enumerate(models)]
    fig.legend(handles=handles, loc="outside right upper", frameon=False, title="model")
    n_cells = int(by_h.groupby("model")["n"].sum().max())
    n_origins = table["origin"].nunique() if "origin" in table else None
    foot = f"{n_cells:,} scored forecasts per model"
    if n_origins:
        foot += f" ({n_origins} origins)"
    fig.supxlabel(foot, x=0.005, ha="left", fontsize=8, color="0.35")
    if title:
        fig.suptitle(title)
    return fig
