"""Small multiples: one compact fan chart per location (every state at a glance)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from odforecast.data.display import value_label
from odforecast.data.schema import INDICATORS
from odforecast.errors import DataError
from odforecast.levels import check_levels, percent
from odforecast.plotting import _style
from odforecast.plotting.fan import draw_fan, draw_observed, origin

if TYPE_CHECKING:  # pragma: no cover - for type checkers only
    from matplotlib.figure import Figure

    from odforecast.forecast import Forecast

__all__ = ["plot_locations"]


def plot_locations(forecast: Forecast, *, indicator: str | None = None,
                   locations: Sequence[str] | None = None, scenario: str | None = None,
                   intervals: Sequence[float] = (0.5, 0.95), sharey: bool = False,
                   ncols: int | None = None, start: Any = None,
                   title: str | None = None) -> Figure:
    """Small multiples: a compact fan chart per location, with the observed data.

    Panels are in the order of ``locations`` (default: the forecast's, alphabetical), with
    short tick labels (``12k``).  With ``sharey=False`` (default) every panel has its own
    scale, which shows each state's trend; ``sharey=True`` puts them on one scale, which
    shows their sizes.

    Parameters
    ----------
    forecast : odforecast.Forecast
        A forecast of several locations.
    indicator : str, optional
        The indicator drawn; may be omitted when the forecast has only one.
    locations : list of str, optional
        Locations to draw, in this order (default all).
    scenario : str, optional
        The scenario drawn, for a forecast with scenarios (default the first).
    intervals : sequence of float, default (0.5, 0.95)
        Central intervals drawn as nested bands.
    sharey : bool, default False
        One y scale for all panels.
    ncols : int, optional
        Panels per row (default: about 4:3 overall, at most 8).
    start : date or str, optional
        First date of observed data shown (e.g. ``"2019"``).
    title : str, optional
        Figure title (default: the indicator and what a value counts).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import odforecast
    >>> from odforecast.models import Naive
    >>> from odforecast.plotting import plot_locations
    >>> states = odforecast.load_dataset("states_monthly_12m").query(
    ...     "indicator == 'opioids' and estimate == 'predicted' and period_end >= '2020' "
    ...     "and location in ['US-OH', 'US-KY', 'US-WV', 'US-TN']")
    >>> fc = Naive().fit(states).forecast(6, n_samples=200, random_seed=0)
    >>> fig = plot_locations(fc, start="2020")
    >>> [ax.get_title() for ax in fig.axes]
    ['US-KY', 'US-OH', 'US-TN', 'US-WV']
    """
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    probs = sorted(check_levels(intervals, "intervals"), reverse=True)
    if indicator is None:
        if len(forecast.indicators) > 1:
            raise DataError(f"the forecast has several indicators "
                            f"({', '.join(forecast.indicators)}); choose one with indicator=...",
                            column="indicator")
        indicator = forecast.indicators[0]
    wanted = list(locations) if locations is not None else forecast.locations
    unknown = [loc for loc in wanted if loc not in forecast.locations]
    if unknown:
        raise DataError(f"this forecast has no location {unknown[0]!r}", column="locations")
    if scenario is None and forecast.scenarios:
        scenario = forecast.scenarios[0]
    sub = forecast.sel(location=wanted, indicator=indicator,
                       scenario=None if scenario is None else [scenario])
    n = len(wanted)
    if ncols is None:
        ncols = min(8, max(1, int(np.ceil(np.sqrt(n * 4 / 3)))))
    fig, axes = _style.new_figure(n, ncols=ncols, panel=(2.3, 1.75), extra=(0.3, 1.0),
                                  sharey=sharey, sharex=True)
    first_shown = None if start is None else (pd.Period(start).start_time
                                              if isinstance(start, str) else pd.Timestamp(start))
    x = _style.positions(sub.frequency, sub.period_start, sub.time)
    begins = origin(sub)
    for ax, loc in zip(axes, wanted, strict=True):
        draw_observed(ax, sub, loc, indicator, start=first_shown, markersize=0)
        paths = sub.series_paths(loc, indicator, scenario=scenario)
        if not np.isnan(paths).all():
            draw_fan(ax, x, paths, probs=probs, colour="C0", alpha=0.25, gid="median")
        ax.axvline(begins, color="0.6", linestyle=":", linewidth=0.8, zorder=1)
        ax.set_title(loc, fontsize=9, pad=2)
    for ax in axes:  # after all drawing: a shared y axis then spans every panel's data
        _style.count_axis(ax, short=True)
        ax.tick_params(labelsize=7)
        _style.date_axis(ax, max_ticks=4)
        for label in ax.get_xticklabels():
            label.set_fontsize(7)
    unit = INDICATORS[indicator].unit if indicator in INDICATORS else "deaths"
    scenario_text = f" · scenario {scenario}" if scenario else ""
    heading = title or f"{indicator}: {value_label(sub.frequency, unit)}{scenario_text}"
    handles: list[Any] = [Line2D([], [], color="C0", linewidth=2, label="median")]
    for k, p in reversed(list(enumerate(probs))):
        handles.append(Patch(facecolor="C0", alpha=1 - 0.75 ** (k + 1), linewidth=0,
                             label=f"{percent(p)}% interval"))
    if sub.observed is not None:
        handles.append(Line2D([], [], color=_style.OBSERVED, linewidth=1.2,
                              label=f"observed ({sub.estimate})"))
    # the title heads the legend: one block at the top, which constrained layout keeps clear
    # of the panels (a separate suptitle would collide with an outside legend)
    legend = fig.legend(handles=handles, loc="outside upper center", ncols=len(handles),
                        frameon=False, fontsize=9, title=heading, title_fontsize=12)
    legend.set_gid("title")
    scale = "one y scale for all panels" if sharey else "each panel has its own y scale"
    foot = f"{scale} · {_style.caption(sub)}"
    if _style.x_label(sub.frequency):
        foot = f"x axis: {_style.x_label(sub.frequency)} · {foot}"
    fig.supxlabel(foot, x=0.005, ha="left", fontsize=8, color="0.35")
    return fig
