"""Scenario comparison: each scenario's fan beside the baseline, and cumulative totals."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from odforecast.errors import DataError
from odforecast.levels import check_levels, percent
from odforecast.plotting import _style
from odforecast.plotting.fan import draw_fan, draw_observed, origin

if TYPE_CHECKING:  # pragma: no cover - for type checkers only
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from odforecast.forecast import Forecast

__all__ = ["plot_scenarios"]

_BASELINE_COLOUR = "0.25"


def _short(value: float) -> str:
    """A total as ``432k`` or ``1.15M`` (the bars' labels)."""
    if abs(value) >= 1e6:
        return f"{value / 1e6:.3g}M"
    if abs(value) >= 1e4:
        return f"{value / 1e3:,.0f}k"
    return f"{value:,.0f}"


def plot_scenarios(forecast: Forecast, *, location: str | None = None,
                   indicator: str | None = None, baseline: str | None = None,
                   scenarios: Sequence[str] | None = None, interval: float = 0.8,
                   cumulative: tuple[Any, Any] | None = None, start: Any = None,
                   title: str | None = None) -> Figure:
    """Scenarios against the baseline: one fan per scenario and, optionally, their totals.

    Left: the observed series, then each scenario's median and central interval (the
    baseline in dark grey, drawn last so it stays visible).  Right (with ``cumulative``):
    each scenario's total over a window, computed path by path, as the median with its
    50 % and 95 % intervals, labelled with the median change against the baseline (a
    path-by-path ratio: scenarios share the baseline's random paths).

    Parameters
    ----------
    forecast : odforecast.Forecast
        A forecast with a ``scenario`` dimension (``fitted.forecast(h, [StatusQuo(), ...])``).
    location, indicator : str, optional
        The series to draw; may be omitted when the forecast has only one.
    baseline : str, optional
        Scenario the others are compared with; default ``status_quo`` if present, else the
        first scenario.
    scenarios : list of str, optional
        Scenarios to draw (default all), besides the baseline.
    interval : float, default 0.8
        Central interval drawn around each median (one band per scenario keeps them
        readable).
    cumulative : (start, end), optional
        Window of the totals panel, e.g. ``("2025", "2029")``; window bounds as in
        :meth:`odforecast.Forecast.cumulative` (observed periods inside the window are
        added).  Not for 12-month-ending forecasts, whose windows overlap.
    start : date or str, optional
        First date of observed data shown.
    title : str, optional
        Figure title (default: the series and the interval).

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    odforecast.DataError
        If the forecast has no scenarios, the series is ambiguous or the window is invalid.

    Examples
    --------
    >>> import odforecast
    >>> from odforecast.models import ARIMA
    >>> from odforecast.scenarios import StatusQuo, preset
    >>> from odforecast.plotting import plot_scenarios
    >>> us = odforecast.load_dataset("us_annual").query(
    ...     "indicator == 'opioids' and estimate == 'reported'")
    >>> fc = ARIMA(order=(1, 1, 0)).fit(us).forecast(
    ...     5, [StatusQuo(), preset("source_low_fentanyl")], n_samples=300, random_seed=1)
    >>> fig = plot_scenarios(fc, cumulative=("2025", "2029"))
    >>> [ax.get_title() for ax in fig.axes]
    ['Deaths per year', 'Total 2025-2029']
    """
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    if not forecast.scenarios:
        raise DataError("plot_scenarios needs a forecast with scenarios",
                        hint="forecast with a list of scenarios: fitted.forecast(h, "
                             "[StatusQuo(), preset('source_low_fentanyl')])")
    (prob,) = check_levels([interval], "interval")
    loc = _only(forecast.locations, location, "location")
    ind = _only(forecast.indicators, indicator, "indicator")
    base = baseline or ("status_quo" if "status_quo" in forecast.scenarios
                        else forecast.scenarios[0])
    if base not in forecast.scenarios:
        raise DataError(f"baseline {base!r} is not a scenario of this forecast; it has "
                        f"{', '.join(forecast.scenarios)}", column="baseline")
    others = [s for s in (scenarios or forecast.scenarios) if s != base]
    unknown = [s for s in others if s not in forecast.scenarios]
    if unknown:
        raise DataError(f"scenario {unknown[0]!r} is not in this forecast; it has "
                        f"{', '.join(forecast.scenarios)}", column="scenarios")
    order = [*others, base]  # the baseline last: drawn on top
    colours = {s: f"C{i % 10}" for i, s in enumerate(others)} | {base: _BASELINE_COLOUR}
    first_shown = _start(start)

    from matplotlib.figure import Figure

    fig = Figure(figsize=(12.5, 5.8) if cumulative else (9.5, 5.8), layout="constrained")
    axes = list(fig.subplots(1, 2, width_ratios=(1.5, 1))) if cumulative else [fig.subplots()]
    ax = axes[0]
    last, _ = draw_observed(ax, forecast, loc, ind, start=first_shown)
    x = _style.positions(forecast.frequency, forecast.period_start, forecast.time)
    for scen in order:
        # light fills with outlines: several overlapping bands stay tellable apart
        q = draw_fan(ax, x, forecast.series_paths(loc, ind, scenario=scen), probs=[prob],
                     colour=colours[scen], alpha=0.08 if scen != base else 0.18,
                     gid=f"median:{scen}", edges=True)
        if last is not None:
            ax.plot([last[0], x[0]], [last[1], q[0][0]], color=colours[scen], linewidth=1,
                    linestyle=":", zorder=3)
    _style.forecast_start(ax, origin(forecast))
    label = _style.y_label(forecast.frequency, ind)
    _style.count_axis(ax, label=label)
    _style.date_axis(ax)
    if _style.x_label(forecast.frequency):
        ax.set_xlabel(_style.x_label(forecast.frequency))
    ax.set_title(label[0].upper() + label[1:])

    handles: list[Any] = [Line2D([], [], color=colours[s], linewidth=2,
                                 label=f"{s} (baseline)" if s == base else s)
                          for s in [base, *others]]
    handles.append(Patch(facecolor="0.5", alpha=0.3, linewidth=0,
                         label=f"{percent(prob)}% interval"))
    if forecast.observed is not None:
        handles.append(Line2D([], [], color=_style.OBSERVED, marker="o", markersize=3,
                              linewidth=1.2, label=f"observed ({forecast.estimate})"))

    if cumulative:
        _totals(axes[1], forecast, loc, ind, base, [base, *others], colours, cumulative)
    # the title heads the legend: one block at the top that constrained layout keeps clear of
    # the panels, leaving the foot for the caption (an outside legend and a suptitle collide)
    legend = fig.legend(handles=handles, loc="outside upper center",
                        ncols=min(len(handles), 4), frameon=False, fontsize=9,
                        title=title or f"{loc} · {ind}: scenarios against {base}",
                        title_fontsize=12)
    legend.set_gid("title")
    fig.supxlabel(_style.caption(forecast), x=0.005, ha="left", fontsize=8, color="0.35")
    return fig


def _only(values: list[str], wanted: str | None, name: str) -> str:
    if wanted is not None:
        if wanted not in values:
            raise DataError(f"this forecast has no {name} {wanted!r}; it has "
                            f"{', '.join(values)}", column=name)
        return wanted
    if len(values) > 1:
        raise DataError(f"the forecast has several {name}s ({', '.join(values[:6])}); choose "
                        f"one with {name}=...", column=name)
    return values[0]


def _start(start: Any) -> pd.Timestamp | None:
    if start is None:
        return None
    return pd.Period(start).start_time if isinstance(start, str) else pd.Timestamp(start)


def _totals(ax: Axes, forecast: Forecast, loc: str, ind: str, base: str,
            scenarios: list[str], colours: dict[str, str], window: tuple[Any, Any]) -> None:
    """Median total per scenario with its 50 % (thick) and 95 % (thin) intervals."""
    from matplotlib.ticker import FuncFormatter

    one = forecast.sel(location=loc, indicator=ind)
    include = forecast.observed is not None
    table = one.cumulative(window[0], window[1], intervals=(0.5, 0.95),
                           include_observed=include)
    totals = {s: _path_totals(one, s, table) for s in scenarios}
    rows = table.set_index("scenario")
    for y, scen in enumerate(scenarios):
        r = rows.loc[scen]
        ax.hlines(y, r["lower_95"], r["upper_95"], color=colours[scen], linewidth=1.5)
        ax.hlines(y, r["lower_50"], r["upper_50"], color=colours[scen], linewidth=6,
                  alpha=0.7)
        (dot,) = ax.plot([r["median"]], [y], marker="o", color="white",
                         markeredgecolor=colours[scen], markersize=7, zorder=3)
        dot.set_gid(f"total:{scen}")
        text = _short(r["median"])
        if scen != base:
            change = np.median(totals[scen] / totals[base] - 1)
            text += f"  ({change:+.0%} vs {base})".replace("-", "\N{MINUS SIGN}")
        ax.annotate(text, xy=(r["upper_95"], y), xytext=(6, 0), textcoords="offset points",
                    va="center", fontsize=8)
    ax.set_yticks(range(len(scenarios)), scenarios)
    ax.set_ylim(len(scenarios) - 0.5, -0.5)  # the baseline on top
    ax.set_xlim(left=0, right=float(table["upper_95"].max()) * 1.45)  # room for the labels
    ax.xaxis.set_major_formatter(FuncFormatter(_style.compact))
    ax.grid(True, axis="x", color=_style.GRID)
    ax.set_axisbelow(True)
    start, end = table["start"].iloc[0], table["end"].iloc[0]
    years = f"{start.year}-{end.year}" if start.year != end.year else f"{start.year}"
    ax.set_title(f"Total {years}")
    ax.set_xlabel(f"{_unit(ind)}, {start:%b %Y}-{end:%b %Y} (median, 50% and 95% intervals)",
                  fontsize=9)


def _unit(indicator: str) -> str:
    from odforecast.data.schema import INDICATORS

    return INDICATORS[indicator].unit if indicator in INDICATORS else "deaths"


def _path_totals(forecast: Forecast, scenario: str, table: pd.DataFrame) -> np.ndarray:
    """Each path's forecast total over the window (observed periods add the same amount to
    every scenario, so the ratio needs only the forecast part plus that constant)."""
    lo, hi = table["start"].iloc[0], table["end"].iloc[0]
    keep = np.asarray((forecast.period_start >= lo) & (forecast.time <= hi))
    paths = forecast.series_paths(forecast.locations[0], forecast.indicators[0],
                                   scenario=scenario)
    row = table[table["scenario"] == scenario].iloc[0]
    # the observed part: the table's median minus the paths' median forecast part
    forecast_part = paths[:, keep].sum(axis=1)
    fixed = float(row["median"]) - float(np.median(forecast_part))
    return forecast_part + fixed
