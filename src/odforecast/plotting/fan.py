"""Fan charts: the forecast's median and nested central intervals after the observed series.

:func:`plot_forecast` is what :meth:`odforecast.Forecast.plot` draws; :func:`draw_fan` and
:func:`draw_observed` are the pieces the other figures reuse.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from odforecast.errors import DataError
from odforecast.levels import check_levels, interval_levels, percent
from odforecast.plotting import _style

if TYPE_CHECKING:  # pragma: no cover - for type checkers only
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from odforecast.forecast import Forecast

__all__ = ["draw_fan", "draw_observed", "origin", "plot_forecast"]


def draw_fan(ax: Axes, x: np.ndarray, paths: np.ndarray, *, probs: Sequence[float],
             colour: str, alpha: float, label: str | None = None,
             gid: str = "median", edges: bool = False) -> np.ndarray:
    """Nested bands (widest first) and the median of ``paths`` (sample, time) at ``x``.

    Returns the quantiles drawn, rows ``[median, lo_1, hi_1, lo_2, hi_2, ...]`` for
    ``probs`` in the order given.  The median line gets ``gid`` so tests and users can find
    it; each band gets ``f"{gid}:band{100p}"``.  ``edges`` outlines the bands with thin
    lines, which keeps overlapping bands of several scenarios apart.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from matplotlib.figure import Figure
    >>> ax = Figure().subplots()
    >>> paths = np.random.default_rng(0).normal(100.0, 10.0, (500, 3))
    >>> q = draw_fan(ax, pd.date_range("2025-01-31", periods=3, freq="ME").to_numpy(), paths,
    ...              probs=[0.9], colour="C0", alpha=0.2)
    >>> bool(np.allclose(ax.lines[0].get_ydata(), np.median(paths, axis=0)))
    True
    """
    q = np.quantile(paths, interval_levels(probs), axis=0)
    for k, p in enumerate(probs):
        band = ax.fill_between(x, q[1 + 2 * k], q[2 + 2 * k], color=colour, alpha=alpha,
                               linewidth=0, zorder=2)
        band.set_gid(f"{gid}:band{percent(p)}")
        if edges:
            for bound in (q[1 + 2 * k], q[2 + 2 * k]):
                ax.plot(x, bound, color=colour, linewidth=0.8, alpha=0.7, zorder=2)
    (line,) = ax.plot(x, q[0], color=colour, linewidth=2, zorder=3, label=label)
    line.set_gid(gid)
    return q


def draw_observed(ax: Axes, forecast: Forecast, location: str, indicator: str, *,
                  start: pd.Timestamp | None = None,
                  markersize: float = 2.5) -> tuple[Any, bool]:
    """The observed series as black points and line; suppressed cells as open markers at
    their upper bound.  Returns ``(last point (x, y) or None, whether any were censored)``.

    Examples
    --------
    >>> import odforecast
    >>> from matplotlib.figure import Figure
    >>> from odforecast.models import Naive
    >>> us = odforecast.load_dataset("us_annual").query(
    ...     "indicator == 'opioids' and estimate == 'reported'")
    >>> fc = Naive().fit(us).forecast(2, n_samples=50, random_seed=0)
    >>> last, censored = draw_observed(Figure().subplots(), fc, "US", "opioids")
    >>> float(last[1]) == float(us["value"].iloc[-1]), censored
    (True, False)
    """
    if forecast.observed is None:
        return None, False
    obs = forecast.observed_series(location, indicator)
    if start is not None:
        obs = obs[obs["period_end"] >= start]
    if obs.empty:
        return None, False
    x = _style.positions(forecast.frequency, obs["period_start"], obs["period_end"])
    plain = obs["value"].where(~obs["censored"].astype(bool)).to_numpy(dtype=float)
    (line,) = ax.plot(x, plain, color=_style.OBSERVED, marker="o" if markersize else None,
                      markersize=markersize, linewidth=1.2, zorder=4)
    line.set_gid("observed")
    censored = obs["censored"].astype(bool).to_numpy()
    if censored.any():
        (marks,) = ax.plot(x[censored], obs["censor_upper"].to_numpy(dtype=float)[censored],
                           linestyle="none", marker="o", markersize=5,
                           markerfacecolor="white", markeredgecolor=_style.OBSERVED, zorder=5)
        marks.set_gid("observed:censored")
    finite = np.flatnonzero(np.isfinite(plain))
    last = (x[finite[-1]], plain[finite[-1]]) if finite.size else None
    # only a point right before the forecast is joined to it (no line across a gap)
    if finite.size and finite[-1] != len(obs) - 1:
        last = None
    return last, bool(censored.any())


def origin(forecast: Forecast) -> pd.Timestamp:
    """Where the forecast begins on the x axis (between the data and the first forecast).

    Examples
    --------
    >>> import numpy as np, pandas as pd, xarray as xr
    >>> from odforecast.forecast import Forecast
    >>> fc = Forecast(xr.DataArray(np.ones((2, 1, 1, 2)),
    ...     dims=("sample", "location", "indicator", "time"),
    ...     coords={"location": ["US"], "indicator": ["opioids"],
    ...             "time": pd.DatetimeIndex(["2025-12-31", "2026-12-31"])}),
    ...     frequency="annual")
    >>> origin(fc).date()
    datetime.date(2025, 1, 1)
    """
    if forecast.frequency == "12m_ending":
        return (forecast.time[0].to_period("M") - 1).to_timestamp(how="end").normalize()
    return forecast.period_start[0]


def _title_left_of_legend(fig: Figure, title: str, legend: Any, axes: Sequence[Axes]) -> None:
    """A figure title centred over the panels and wrapped to the width left of the legend.

    The legend sits outside the panels on the right, from the top of the figure, where a
    suptitle centred on the whole figure would run into it once longer than the panels are
    wide (about 60 characters for one panel).  The layout is computed once (a draw without
    rendering) to know where the panels and the legend are.
    """
    import textwrap

    fig.draw_without_rendering()  # constrained layout places the panels and the legend
    to_figure = fig.transFigure.inverted()
    legend_left = to_figure.transform(legend.get_window_extent())[0, 0]
    panels_left = min(a.get_position().x0 for a in axes)
    panels_right = max(a.get_position().x1 for a in axes)
    margin = 0.01
    centre = (panels_left + min(panels_right, legend_left - margin)) / 2
    room = 2 * min(centre - margin, legend_left - margin - centre)  # figure fraction
    text = fig.suptitle(title, x=centre, ha="center")
    text.set_gid("title")
    width = len(title)
    while width > 10:
        extent = to_figure.transform(text.get_window_extent())
        used = extent[1, 0] - extent[0, 0]
        if used <= room:
            break
        longest = max(len(line) for line in text.get_text().splitlines())
        width = min(width - 1, int(longest * room / used))
        text.set_text(textwrap.fill(title, max(width, 10), break_long_words=False))


def plot_forecast(forecast: Forecast, *, location: str | Sequence[str] | None = None,
                  indicator: str | Sequence[str] | None = None,
                  scenario: str | Sequence[str] | None = None,
                  intervals: Sequence[float] = (0.5, 0.8, 0.95), ax: Axes | None = None,
                  show_observed: bool = True, title: str | None = None,
                  start: Any = None) -> Figure:
    """Fan chart: nested central intervals and the median, after the observed series.

    One panel per (location, indicator), in a grid of at most 4 columns; one colour per
    scenario.  Periods are drawn at their middle (a year's total over that year), except
    12-month-ending values, drawn at the end of their window (the x axis says so).  A dotted
    line marks where the forecast begins and joins the last observation to the median.

    Parameters
    ----------
    forecast : odforecast.Forecast
        The forecast to draw.
    location, indicator, scenario : str or list of str, optional
        Selection (default all).
    intervals : sequence of float, default (0.5, 0.8, 0.95)
        Central interval probabilities drawn as nested shaded bands.
    ax : matplotlib.axes.Axes, optional
        Draw into this Axes (only when a single panel is selected).
    show_observed : bool, default True
        Draw the observed series (``metadata['estimate']``, default ``reported``) as black
        points and line; censored values as open markers at their upper bound.
    title : str, optional
        Figure title, centred over the panels and wrapped so that it stays clear of the
        legend on the right.
    start : date or str, optional
        First date of observed data shown (e.g. ``"2019"``); default all of it.

    Returns
    -------
    matplotlib.figure.Figure
        The figure (created without pyplot, so it works headless).

    Examples
    --------
    >>> import odforecast
    >>> from odforecast.models import ARIMA
    >>> from odforecast.plotting import plot_forecast
    >>> us = odforecast.load_dataset("us_annual").query(
    ...     "indicator == 'opioids' and estimate == 'reported'")
    >>> fc = ARIMA(order=(1, 1, 0)).fit(us).forecast(5, n_samples=200, random_seed=1)
    >>> fig = plot_forecast(fc, start="2010")
    >>> fig.axes[0].get_ylabel()
    'deaths per year'
    """
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    probs = sorted(check_levels(intervals, "intervals"), reverse=True)  # widest first
    sub = forecast.sel(location=location, indicator=indicator, scenario=scenario)
    panels = [(loc, ind) for loc in sub.locations for ind in sub.indicators]
    scenarios = sub.scenarios or [None]
    if ax is not None and len(panels) > 1:
        raise DataError(f"ax= draws a single panel but {len(panels)} (location, indicator) "
                        "pairs are selected", hint="select one location and one indicator")
    first_shown = None if start is None else pd.Timestamp(pd.Period(str(start)).start_time
                                                          if isinstance(start, str) else start)
    if ax is None:
        one = len(panels) == 1
        fig, axes = _style.new_figure(len(panels), ncols=4,
                                      panel=(8.0, 4.4) if one else (3.8, 3.2),
                                      extra=(2.0, 0.6))
    else:
        fig = ax.figure
        fig = fig if isinstance(fig, Figure) else fig.figure  # a SubFigure's root
        axes = [ax]

    alpha = 0.22 if len(scenarios) == 1 else 0.14
    colours = ["C0"] if scenarios == [None] else [f"C{i % 10}" for i in range(len(scenarios))]
    x = _style.positions(sub.frequency, sub.period_start, sub.time)
    begins = origin(sub)
    any_censored = False
    for panel_ax, (loc, ind) in zip(axes, panels, strict=True):
        last = None
        if show_observed:
            last, censored = draw_observed(panel_ax, sub, loc, ind, start=first_shown)
            any_censored |= censored
        for scen, colour in zip(scenarios, colours, strict=True):
            paths = sub.series_paths(loc, ind, scenario=scen)
            if np.isnan(paths).all():
                continue
            q = draw_fan(panel_ax, x, paths, probs=probs, colour=colour, alpha=alpha,
                         gid="median" if scen is None else f"median:{scen}")
            if last is not None:
                (join,) = panel_ax.plot([last[0], x[0]], [last[1], q[0][0]], color=colour,
                                        linewidth=1.2, linestyle=":", zorder=3)
                join.set_gid("join")
        _style.forecast_start(panel_ax, begins, label=len(panels) <= 4)
        panel_ax.set_title(f"{loc} · {ind}", fontsize=11)
        _style.count_axis(panel_ax, label=_style.y_label(sub.frequency, ind))
        _style.date_axis(panel_ax)
        if len(panels) == 1 and _style.x_label(sub.frequency):
            panel_ax.set_xlabel(_style.x_label(sub.frequency))

    handles: list[Any] = []
    if scenarios == [None]:
        handles.append(Line2D([], [], color=colours[0], linewidth=2, label="median"))
    else:
        handles += [Line2D([], [], color=c, linewidth=2, label=f"{s} (median)")
                    for s, c in zip(scenarios, colours, strict=True)]
    band_colour = colours[0] if scenarios == [None] else "0.45"
    for k, p in reversed(list(enumerate(probs))):  # narrowest (darkest) first
        shade = 1 - (1 - alpha) ** (k + 1)
        handles.append(Patch(facecolor=band_colour, alpha=shade, linewidth=0,
                             label=f"{percent(p)}% interval"))
    if show_observed and sub.observed is not None:
        handles.append(Line2D([], [], color=_style.OBSERVED, marker="o", markersize=3,
                              linewidth=1.2, label=f"observed ({sub.estimate})"))
        if any_censored:
            handles.append(Line2D([], [], linestyle="none", marker="o", markersize=5,
                                  markerfacecolor="white", markeredgecolor=_style.OBSERVED,
                                  label="observed, suppressed\n(drawn at upper bound)"))
    if ax is None:
        legend = fig.legend(handles=handles, loc="outside right upper", frameon=False,
                            fontsize=9)
        foot = _style.caption(sub)
        if len(panels) > 1 and _style.x_label(sub.frequency):
            foot = f"x axis: {_style.x_label(sub.frequency)} · {foot}"
        fig.supxlabel(foot, x=0.005, ha="left", fontsize=8, color="0.35")
        if title:
            _title_left_of_legend(fig, title, legend, axes)
    else:
        ax.legend(handles=handles, loc="best", fontsize=8, framealpha=0.9)
        if title:
            ax.set_title(title)
    return fig
