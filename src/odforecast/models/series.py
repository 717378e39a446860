"""From a tidy frame to model-ready series: one array per location x indicator, checked.

Models never see the tidy frame directly: :func:`prepare_series` checks gaps, duplicates,
censoring and length once, with errors naming the series, so every model gets the same rules.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from odforecast import calendar
from odforecast.data.schema import dimensions, validate
from odforecast.errors import DataError

__all__ = ["Series", "future_periods", "period_starts", "prepare_series"]


@dataclass(frozen=True, eq=False)
class Series:
    """One observed series, ready for a model.

    Attributes
    ----------
    location, indicator, frequency, estimate, unit
        What the series is (see :mod:`odforecast.data.schema`).
    time
        ``period_end`` of each observation, strictly consecutive periods.
    values
        Observed values; NaN where censored.
    censored, censor_upper
        Censoring flags and inclusive upper bounds (NaN where not censored).
    leading_dropped
        Cells before the first shown value that were dropped (withheld by the publisher or
        censored; see ``drop_leading`` of :func:`prepare_series`).

    Examples
    --------
    >>> import odforecast
    >>> from odforecast.models.series import prepare_series
    >>> us = odforecast.load_dataset("us_annual").query(
    ...     "indicator == 'opioids' and estimate == 'reported'")
    >>> series = prepare_series(us)[0]
    >>> series.key, series.frequency
    (('US', 'opioids'), 'annual')
    >>> str(series.truncate("2019-12-31").time[-1].date())
    '2019-12-31'
    """

    location: str
    indicator: str
    frequency: str
    estimate: str
    unit: str
    time: pd.DatetimeIndex
    values: np.ndarray
    censored: np.ndarray
    censor_upper: np.ndarray
    leading_dropped: int = 0

    @property
    def key(self) -> tuple[str, str]:
        """``(location, indicator)``."""
        return (self.location, self.indicator)

    @property
    def label(self) -> str:
        """Human-readable name used in error messages."""
        return f"{self.location} {self.indicator} ({self.frequency}, {self.estimate})"

    def __len__(self) -> int:
        return len(self.values)

    @property
    def shown(self) -> np.ndarray:
        """Where the series has a value: neither withheld (NaN, flag ``not_shown``) nor
        censored."""
        return ~np.isnan(self.values) & ~self.censored

    def truncate(self, end: pd.Timestamp) -> Series:
        """The part of the series with ``time <= end`` (used by backtests: no peeking)."""
        keep = self.time <= pd.Timestamp(end)
        return Series(self.location, self.indicator, self.frequency, self.estimate, self.unit,
                      self.time[keep], self.values[keep], self.censored[keep],
                      self.censor_upper[keep], self.leading_dropped)

    def from_first_shown(self) -> Series:
        """The series starting at its first shown value; the withheld or censored cells before
        it are dropped and counted in ``leading_dropped`` (empty if nothing is shown).

        Examples
        --------
        CDC withheld Ohio's synthetic-opioid deaths for the 12 months ending January to
        March 2015:

        >>> import odforecast
        >>> oh = odforecast.load_dataset("states_monthly_12m").query(
        ...     "location == 'US-OH' and indicator == 'synthetic_opioids' "
        ...     "and estimate == 'reported'")
        >>> series = prepare_series(oh, allow_missing=True)[0].from_first_shown()
        >>> str(series.time[0].date()), series.leading_dropped
        ('2015-04-30', 3)
        """
        shown = np.flatnonzero(self.shown)
        first = int(shown[0]) if shown.size else len(self)
        return Series(self.location, self.indicator, self.frequency, self.estimate, self.unit,
                      self.time[first:], self.values[first:], self.censored[first:],
                      self.censor_upper[first:], self.leading_dropped + first)

    def gaps(self) -> dict[str, object]:
        """What a model that treats withheld and censored cells as missing does with this
        series: the counts and dates reported in its diagnostics and forecast metadata.

        ``n_shown`` values enter the fit; ``n_missing`` withheld cells inside the series
        (``n_trailing_missing`` of them after the last shown value) and ``n_censored``
        censored cells are missing values; ``n_leading_dropped`` cells before
        ``first_period`` were dropped.

        Examples
        --------
        Florida's synthetic-opioid deaths: the windows ending October 2024 to February 2025
        are withheld, so the series is last shown for the window ending September 2024.

        >>> import odforecast
        >>> fl = odforecast.load_dataset("states_monthly_12m").query(
        ...     "location == 'US-FL' and indicator == 'synthetic_opioids' "
        ...     "and estimate == 'reported'")
        >>> gaps = prepare_series(fl, allow_missing=True, drop_leading=True)[0].gaps()
        >>> gaps["last_shown"], gaps["last_period"], gaps["n_trailing_missing"]
        ('2024-09-30', '2025-02-28', 5)
        """
        shown = self.shown
        index = np.flatnonzero(shown)
        last = int(index[-1]) if index.size else -1
        withheld = np.isnan(self.values) & ~self.censored

        def day(i: int) -> str | None:
            return self.time[i].date().isoformat() if 0 <= i < len(self) else None

        return {"first_period": day(0), "last_shown": day(last),
                "last_period": day(len(self) - 1), "n_shown": int(shown.sum()),
                "n_leading_dropped": int(self.leading_dropped),
                "n_missing": int(withheld.sum()),
                "n_trailing_missing": int(withheld[last + 1:].sum()),
                "n_censored": int(self.censored.sum())}


def period_starts(period_end: pd.DatetimeIndex, frequency: str) -> pd.DatetimeIndex:
    """First day of each period, given its last day and the frequency.

    Examples
    --------
    >>> import pandas as pd
    >>> period_starts(pd.DatetimeIndex(["2022-12-31"]), "12m_ending")[0].date()
    datetime.date(2022, 1, 1)
    """
    return calendar.frequency(frequency).starts(period_end)


def future_periods(last_end: pd.Timestamp, frequency: str, horizon: int) -> pd.DatetimeIndex:
    """``period_end`` dates of the ``horizon`` periods after the one ending ``last_end``.

    A 12-month-ending series steps one month at a time; the others step by their length.

    Examples
    --------
    >>> import pandas as pd
    >>> [d.date().isoformat() for d in future_periods(pd.Timestamp("2024-12-31"), "annual", 2)]
    ['2025-12-31', '2026-12-31']
    >>> future_periods(pd.Timestamp("2025-02-28"), "12m_ending", 2)[-1].date().isoformat()
    '2025-04-30'
    """
    return calendar.frequency(frequency).next_ends(last_end, horizon)


def prepare_series(
    data: pd.DataFrame,
    *,
    min_length: int = 1,
    allow_censored: bool = False,
    allow_missing: bool = False,
    drop_leading: bool = False,
    model_name: str = "this model",
    origin: str = "data",
) -> list[Series]:
    """Split a tidy frame into checked :class:`Series`, one per location x indicator.

    Parameters
    ----------
    data
        Tidy frame (validated here).  It must hold one ``estimate`` per series and no dimension
        column with more than one value.
    min_length
        Fewest observations a series needs for the model.
    allow_censored
        Whether the model can use censored cells (likelihood-based models can; ARIMA cannot).
    allow_missing
        Whether the model can skip values the publisher did not show (NaN, flag ``not_shown``);
        they stay NaN in the series and are never filled in.
    drop_leading
        Start each series at its first shown value: the withheld or censored cells before it
        are dropped (counted in ``Series.leading_dropped``) before the other checks.
    model_name
        Used in error messages.
    origin
        Name of the data in error messages.

    Raises
    ------
    odforecast.DataError
        For an empty frame, mixed estimates, gaps or duplicated periods, values flagged not shown,
        censored cells the model cannot use, a series that is too short, or non-death units.

    Examples
    --------
    >>> import odforecast
    >>> us = odforecast.load_dataset("us_annual")
    >>> series = prepare_series(us.query("indicator == 'opioids' and estimate == 'reported'"))
    >>> series[0].label, len(series[0]) >= 26
    ('US opioids (annual, reported)', True)
    """
    frame = validate(data, origin=origin)
    if frame.empty:
        raise DataError(f"{origin} has no rows", hint="check the filters applied before fitting")
    for dim in dimensions(frame):
        if frame[dim].nunique() > 1:
            raise DataError(f"{origin} has several values of dimension {dim!r} "
                            f"({', '.join(sorted(frame[dim].unique())[:5])}); a model fits one "
                            "series per location x indicator", column=dim,
                            hint=f"select one, e.g. data[data[{dim!r}] == ...]")
    out = []
    for (location, indicator), rows in frame.groupby(["location", "indicator"], sort=True):
        out.append(_one_series(location, indicator, rows, min_length=min_length,
                               allow_censored=allow_censored, allow_missing=allow_missing,
                               drop_leading=drop_leading, model_name=model_name))
    return out


def _one_series(location: str, indicator: str, rows: pd.DataFrame, *, min_length: int,
                allow_censored: bool, allow_missing: bool, drop_leading: bool,
                model_name: str) -> Series:
    name = f"{location} {indicator}"
    estimates = sorted(rows["estimate"].unique())
    if len(estimates) > 1:
        raise DataError(f"series {name} has both {' and '.join(estimates)} values",
                        hint="choose one first, e.g. data[data.estimate == 'reported']")
    frequencies = sorted(rows["frequency"].unique())
    if len(frequencies) > 1:
        raise DataError(f"series {name} mixes frequencies {', '.join(frequencies)}",
                        hint="select one frequency")
    frequency, estimate = frequencies[0], estimates[0]
    units = sorted(rows["unit"].unique())
    rows = rows.sort_values("period_end")
    time = pd.DatetimeIndex(rows["period_end"])
    label = f"{name} ({frequency}, {estimate})"
    steps = np.diff(time.to_period("M").astype("int64"))
    step = calendar.frequency(frequency).step
    if (bad := np.flatnonzero(steps != step)).size:
        before, after = time[bad[0]].date(), time[bad[0] + 1].date()
        raise DataError(f"series {label} has a gap between periods ending {before} and {after}",
                        hint="models need consecutive periods; nothing is filled in for you")
    series = Series(location, indicator, frequency, estimate, units[0], time,
                    rows["value"].to_numpy(dtype=float), rows["censored"].to_numpy(dtype=bool),
                    rows["censor_upper"].to_numpy(dtype=float))
    if drop_leading:
        series = series.from_first_shown()
        time = series.time
    values, censored = series.values, series.censored
    missing = np.isnan(values) & ~censored
    if missing.any() and not allow_missing:
        raise DataError(f"series {label} has no value for the period ending "
                        f"{time[np.flatnonzero(missing)[0]].date()} (not shown by the publisher)",
                        hint="shorten the series or choose another estimate")
    if censored.any() and not allow_censored:
        raise DataError(f"series {label} has {int(censored.sum())} censored (suppressed) "
                        f"values, first in the period ending "
                        f"{time[np.flatnonzero(censored)[0]].date()}; {model_name} cannot use "
                        "censored counts", hint="use a Bayesian model, which models censoring, "
                        "or a series without suppressed cells")
    if len(values) < min_length:
        raise DataError(f"series {label} has {len(values)} observations; {model_name} needs at "
                        f"least {min_length}", hint="use a longer series or a simpler model")
    return series
