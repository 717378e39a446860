"""Totals over a window of periods, path by path (:meth:`odforecast.Forecast.cumulative`).

A window is given by two bounds (dates or period strings such as ``"2029"``); the forecast
periods inside it must tile it exactly, and observed periods before the forecast may be
added as fixed amounts to every path.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from odforecast import calendar
from odforecast.data.display import period_label
from odforecast.errors import DataError
from odforecast.forecast.summaries import interval_summary, window_totals
from odforecast.levels import check_levels, percent

if TYPE_CHECKING:  # pragma: no cover - for type checkers only
    from odforecast.forecast.container import Forecast

__all__ = ["cumulative", "day", "window_bound"]


def day(stamp: pd.Timestamp) -> str:
    """``YYYY-MM-DD`` of a date (the form dates take in messages and hubverse files).

    Examples
    --------
    >>> import pandas as pd
    >>> day(pd.Timestamp("2025-03-31"))
    '2025-03-31'
    """
    return stamp.strftime("%Y-%m-%d")


def window_bound(value: Any, *, end: bool, name: str) -> pd.Timestamp:
    """Parse a window bound: a string is a period ("2029", "2029-06", "2029Q3", "2029-12-31"),
    which starts (``end=False``) or ends (``end=True``) the window.

    Examples
    --------
    >>> window_bound("2029", end=True, name="end").date()
    datetime.date(2029, 12, 31)
    >>> window_bound("2029Q3", end=False, name="start").date()
    datetime.date(2029, 7, 1)
    """
    try:
        if isinstance(value, str):
            period = pd.Period(value)
            stamp = period.end_time if end else period.start_time
        else:
            stamp = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{name} must be a date or a string such as '2029' or '2029-12-31', "
                        f"got {value!r} ({exc})") from None
    if stamp is pd.NaT or pd.isna(stamp):
        raise DataError(f"{name} is missing (got {value!r})")
    if stamp.tz is not None:
        raise DataError(f"{name} must be a date without time zone, got {value!r}")
    return stamp.normalize()


def cumulative(forecast: Forecast, start: Any, end: Any, *,
               intervals: Sequence[float] = (0.95,),
               include_observed: bool = False) -> pd.DataFrame:
    """Total over a window of periods, path by path: see :meth:`odforecast.Forecast.cumulative`.

    Examples
    --------
    >>> import numpy as np, pandas as pd, xarray as xr
    >>> from odforecast.forecast import Forecast
    >>> fc = Forecast(xr.DataArray(np.ones((3, 1, 1, 4)),
    ...     dims=("sample", "location", "indicator", "time"),
    ...     coords={"location": ["US"], "indicator": ["opioids"],
    ...             "time": pd.date_range("2025-03-31", periods=4, freq="QE")}),
    ...     frequency="quarterly")
    >>> total = cumulative(fc, "2025", "2025")
    >>> int(total.loc[0, "n_periods"]), float(total.loc[0, "median"])
    (4, 4.0)
    """
    if forecast.frequency == "12m_ending":
        raise DataError("cannot sum 12m_ending values: consecutive 12-month-ending windows "
                        "overlap", hint="forecast an annual or monthly series instead")
    probs = check_levels(intervals, "intervals")
    lo = window_bound(start, end=False, name="start")
    hi = window_bound(end, end=True, name="end")
    if hi < lo:
        raise DataError(f"window end {day(hi)} is before its start {day(lo)}")
    starts, ends, labels = forecast.period_start, forecast.time, forecast.period_labels
    inside = np.flatnonzero(np.asarray((starts >= lo) & (ends <= hi)))
    if inside.size == 0:
        raise DataError(f"the window {day(lo)}..{day(hi)} contains no forecast period "
                        f"(the forecast covers {labels[0]}..{labels[-1]})")
    window = f"the window {day(lo)}..{day(hi)}"
    if hi > ends[-1]:
        raise DataError(f"{window} ends after the forecast's last period {labels[-1]}",
                        hint=f"end the window on or before {day(ends[-1])}")
    if ends[inside[-1]] != hi:
        after = inside[-1] + 1
        raise DataError(f"{window} ends inside the forecast period {labels[after]}",
                        hint=f"end it on {day(ends[inside[-1]])} or {day(ends[after])}")
    if inside[0] > 0 and starts[inside[0]] != lo:
        before = inside[0] - 1
        raise DataError(f"{window} starts inside the forecast period {labels[before]}",
                        hint=f"start it on {day(starts[before])} or {day(starts[inside[0]])}")
    needs_observed = starts[0] > lo
    if needs_observed and not include_observed:
        raise DataError(f"{window} starts before the forecast's first period {labels[0]}",
                        hint="pass include_observed=True to add the observed periods, or "
                             f"start the window on {day(starts[0])}")

    rows: list[dict[str, Any]] = []
    totals: list[np.ndarray] = []
    fixed_cache: dict[tuple[str, str], tuple[float, int]] = {}
    for scenario, location, indicator in forecast.series_keys:
        paths = forecast.series_paths(location, indicator, scenario=scenario)
        missing = np.isnan(paths[0, inside])
        if missing.all():
            continue
        name = f"{location} {indicator}" + (f" (scenario {scenario})" if scenario else "")
        if missing.any():
            t = inside[int(np.argmax(missing))]
            raise DataError(f"{name} has no forecast for {labels[t]}, inside {window}")
        fixed, n_fixed = 0.0, 0
        if needs_observed:
            if (location, indicator) not in fixed_cache:
                fixed_cache[location, indicator] = observed_total(
                    forecast, location, indicator, lo, starts[0], window)
            fixed, n_fixed = fixed_cache[location, indicator]
        totals.append(window_totals(paths, inside, fixed))
        row: dict[str, Any] = {} if scenario is None else {"scenario": scenario}
        row.update(location=location, indicator=indicator,
                   start=lo if needs_observed else starts[inside[0]], end=hi,
                   n_periods=n_fixed + inside.size)
        rows.append(row)

    key = (["scenario"] if forecast.scenarios else []) + ["location", "indicator"]
    columns = [*key, "start", "end", "n_periods", "mean", "median"]
    for p in probs:
        columns += [f"lower_{percent(p)}", f"upper_{percent(p)}"]
    if not rows:
        return pd.DataFrame({c: [] for c in columns})
    frame = pd.DataFrame(rows)
    for column in key:
        frame[column] = frame[column].astype(object)
    frame["start"] = frame["start"].astype("datetime64[ns]")
    frame["end"] = frame["end"].astype("datetime64[ns]")
    frame["n_periods"] = frame["n_periods"].astype(np.int64)
    for column, data in interval_summary(np.vstack(totals), probs).items():
        frame[column] = data
    return frame[columns]


def observed_total(forecast: Forecast, location: str, indicator: str, lo: pd.Timestamp,
                   forecast_start: pd.Timestamp, window: str) -> tuple[float, int]:
    """Sum of the observed periods tiling ``[lo, forecast_start)``, and their number.

    Raises
    ------
    odforecast.DataError
        If the forecast has no observed frame, or the observed periods do not tile the span
        (a gap, a censored, partial or missing value).
    """
    name = f"{location} {indicator}"
    if forecast.observed is None:
        raise DataError(f"{window} starts before the forecast but the forecast has no "
                        "observed data", hint=f"start the window on {day(forecast_start)}")
    frequency, estimate = forecast.frequency, forecast.estimate
    rows = forecast.observed_series(location, indicator)
    rows = rows[(rows["period_start"] >= lo) & (rows["period_end"] < forecast_start)]
    expected = lo
    for row in rows.itertuples(index=False):
        label = period_label(frequency, row.period_start, row.period_end)
        if row.period_start != expected:
            break
        if row.censored:
            raise DataError(f"observed {estimate} {name} for {label} is censored "
                            f"(<= {row.censor_upper:g}), inside {window}",
                            hint="a suppressed count cannot be summed; choose a window "
                                 "without it")
        if "partial_period" in row.flag:
            raise DataError(f"observed {estimate} {name} for {label} covers only part "
                            f"of its period, inside {window}",
                            hint="choose a window without it")
        if not np.isfinite(row.value):
            raise DataError(f"observed {estimate} {name} for {label} is missing "
                            f"(flag {row.flag!r}), inside {window}",
                            hint="choose a window without it")
        expected = row.period_end + pd.Timedelta(1, "D")
    if expected != forecast_start:
        gap_end = calendar.frequency(frequency).ends_from_starts([expected])[0]
        raise DataError(f"{window} is not covered: observed {estimate} {name} has no "
                        f"{frequency} value for {period_label(frequency, expected, gap_end)}",
                        hint=f"observed periods must run from {day(lo)} up to the "
                             f"forecast's first period starting {day(forecast_start)}")
    inside = rows[rows["period_start"] < forecast_start]
    return float(inside["value"].sum()), len(inside)
