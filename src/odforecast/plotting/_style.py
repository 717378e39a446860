"""Shared looks of every odforecast figure: axes, labels, positions of periods, captions.

matplotlib is imported inside the functions, so importing this module stays light.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from odforecast.data.display import value_label
from odforecast.data.schema import INDICATORS

if TYPE_CHECKING:  # pragma: no cover - for type checkers only
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from odforecast.forecast import Forecast

#: Colour of observed data in every figure.
OBSERVED = "black"
#: Grid lines: light, behind the data.
GRID = "0.9"


def new_figure(n_panels: int, *, ncols: int, panel: tuple[float, float],
               extra: tuple[float, float] = (2.0, 0.8), sharey: bool = False,
               sharex: bool = False) -> tuple[Figure, list[Axes]]:
    """A constrained-layout figure with ``n_panels`` axes in a grid (spare cells removed).

    Created without pyplot, so it works headless and never opens a window by itself.
    """
    from matplotlib.figure import Figure

    ncols = max(1, min(ncols, n_panels))
    nrows = math.ceil(n_panels / ncols)
    fig = Figure(figsize=(panel[0] * ncols + extra[0], panel[1] * nrows + extra[1]),
                 layout="constrained")
    grid = fig.subplots(nrows, ncols, squeeze=False, sharey=sharey, sharex=sharex)
    axes = list(grid.ravel())
    for spare in axes[n_panels:]:
        fig.delaxes(spare)
    if sharex:  # a panel with no panel below it shows its dates (the last row may be short)
        for ax in axes[max(0, n_panels - ncols):n_panels]:
            ax.xaxis.set_tick_params(labelbottom=True)
    return fig, axes[:n_panels]


def thousands(value: float, _position: Any = None) -> str:
    """Tick label with thousands separators: ``12,000``."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def compact(value: float, _position: Any = None) -> str:
    """Short tick label for small panels: ``850``, ``1.2k``, ``12k``, ``1.5M``."""
    size = abs(value)
    if size >= 1e6:
        return f"{value / 1e6:.3g}M"
    if size >= 1e4:
        return f"{value / 1e3:.0f}k"
    if size >= 1e3:
        return f"{value / 1e3:.2g}k"
    return f"{value:.0f}"


def count_axis(ax: Axes, *, label: str | None = None, short: bool = False) -> None:
    """y axis of counts: from 0, whole numbers, thousands separators (``short``: 12k)."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_locator(MaxNLocator(nbins=4 if short else "auto", integer=True))
    ax.yaxis.set_major_formatter(FuncFormatter(compact if short else thousands))
    if label is not None:
        ax.set_ylabel(label)
    ax.grid(True, color=GRID, linewidth=0.8)
    ax.set_axisbelow(True)


def date_axis(ax: Axes, *, max_ticks: int = 8) -> None:
    """x axis of dates: concise labels (years, with months only where needed)."""
    from matplotlib import dates as mdates

    locator = mdates.AutoDateLocator(minticks=3, maxticks=max_ticks)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def positions(frequency: str, start: Sequence[Any], end: Sequence[Any]) -> np.ndarray:
    """Where periods are drawn on a date axis.

    A 12-month-ending value is drawn at the end of its window (the axis says so); any other
    period at its middle, so a year's total sits over that year and not at its last day.
    """
    start_index, end_index = pd.DatetimeIndex(start), pd.DatetimeIndex(end)
    if frequency == "12m_ending":
        return end_index.to_numpy()
    # end + 1 day - start is the period's length (the end is its last day, inclusive)
    begin = start_index.to_numpy(dtype="datetime64[ns]")
    length = end_index.to_numpy(dtype="datetime64[ns]") + np.timedelta64(1, "D") - begin
    return begin + length // 2


def y_label(frequency: str, indicator: str | None = None) -> str:
    """Axis label with the unit and what a value counts (``deaths per year``)."""
    unit = INDICATORS[indicator].unit if indicator in INDICATORS else "deaths"
    label = value_label(frequency, unit)
    if frequency == "12m_ending":  # too long for an axis: the x label carries "ending"
        label = f"{unit} in the 12 months ending"
    return label


def x_label(frequency: str) -> str | None:
    """x label where the position of a period needs saying (12-month-ending windows)."""
    return "end of the 12-month period" if frequency == "12m_ending" else None


def caption(forecast: Forecast, extra: str = "") -> str:
    """Model, data vintage and number of sample paths, for the foot of a figure.

    An ensemble's model is named with its members and weighting (``ensemble of arima + bayes,
    equal weights``): "ensemble" alone does not say what was mixed.
    """
    md = forecast.metadata
    model = md.get("model")
    ensemble = md.get("ensemble")
    if model and isinstance(ensemble, dict) and ensemble.get("members"):
        model = f"{model} of {' + '.join(ensemble['members'])}"
        method = ensemble.get("weights_method")
        if method:
            model += f", {method} weights"
    parts = [f"Model: {model}" if model else "",
             f"data vintage {md['data_vintage']}" if md.get("data_vintage") else "",
             f"{forecast.n_samples:,} sample paths", extra]
    return " · ".join(p for p in parts if p)


def forecast_start(ax: Axes, when: Any, *, label: bool = True) -> None:
    """A dotted vertical line where the forecast begins, labelled at the top."""
    ax.axvline(when, color="0.55", linestyle=":", linewidth=1, zorder=1)
    if label:
        ax.annotate("forecast", xy=(when, 1), xycoords=("data", "axes fraction"),
                    xytext=(3, -3), textcoords="offset points", ha="left", va="top",
                    fontsize=8, color="0.4")


