"""Frequencies and their calendar arithmetic, in one place.

Every series and forecast in odforecast is a sequence of periods named by their last day
(``period_end``).  A :class:`Frequency` knows how many months one period spans, how many months
lie between consecutive period ends (one for a 12-month-ending series, which is published every
month), and in which months a period may end.  Everything else — period starts, the next
periods, alignment checks, month numbers — follows from those three numbers.

Loads only NumPy and pandas (no odforecast module), so every layer can use it.

Examples
--------
>>> import pandas as pd
>>> from odforecast.calendar import frequency
>>> annual = frequency("annual")
>>> annual.span, annual.step, annual.end_months
(12, 12, (12,))
>>> [str(d.date()) for d in annual.next_ends(pd.Timestamp("2024-12-31"), 2)]
['2025-12-31', '2026-12-31']
>>> frequency("12m_ending").step
1
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["FREQUENCIES", "Frequency", "frequency", "month_number", "month_share",
           "period_end_of_month"]


@dataclass(frozen=True)
class Frequency:
    """One frequency: its name, the months a period spans, the months between period ends, and
    the months in which a period may end (None: any month).

    Examples
    --------
    >>> import pandas as pd
    >>> q = frequency("quarterly")
    >>> [str(d.date()) for d in q.starts(pd.DatetimeIndex(["2025-03-31", "2025-06-30"]))]
    ['2025-01-01', '2025-04-01']
    >>> q.can_end(pd.DatetimeIndex(["2025-03-31", "2025-04-30"])).tolist()
    [True, False]
    """

    name: str
    span: int
    step: int
    end_months: tuple[int, ...] | None
    label: str

    @property
    def start_months(self) -> tuple[int, ...] | None:
        """Months in which a period may start (None: any)."""
        if self.end_months is None:
            return None
        return tuple(sorted((m - self.span) % 12 + 1 for m in self.end_months))

    def starts(self, ends: Any) -> pd.DatetimeIndex:
        """First day of each period, given its last day (``period_end``)."""
        ends = pd.DatetimeIndex(ends)
        start = (ends.to_period("M") - (self.span - 1)).to_timestamp(how="start")
        return pd.DatetimeIndex(start.astype("datetime64[ns]"))

    def ends_from_starts(self, starts: Any) -> pd.DatetimeIndex:
        """Last day of each period, given its first day."""
        starts = pd.DatetimeIndex(starts)
        return period_end_of_month(starts.to_period("M") + (self.span - 1))

    def next_ends(self, last_end: Any, horizon: int) -> pd.DatetimeIndex:
        """``period_end`` of the ``horizon`` periods after the one ending ``last_end``."""
        last = pd.Timestamp(last_end).to_period("M")
        return period_end_of_month(pd.PeriodIndex([last + self.step * k
                                                   for k in range(1, horizon + 1)], freq="M"))

    def can_end(self, ends: Any) -> np.ndarray:
        """Whether a period of this frequency may end at each date (its month, not its day)."""
        ends = pd.DatetimeIndex(ends)
        if self.end_months is None:
            return np.ones(len(ends), dtype=bool)
        return np.isin(ends.month, self.end_months)

    def bounds(self, year: int, month: int) -> tuple[pd.Timestamp, pd.Timestamp]:
        """First and last day of a period that ends (12-month-ending) or starts (every other
        frequency) in ``year``-``month``."""
        anchor = pd.Period(year=year, month=month, freq="M")
        first, last = ((anchor - (self.span - 1), anchor) if self.name == "12m_ending"
                       else (anchor, anchor + (self.span - 1)))
        return first.to_timestamp(how="start"), last.to_timestamp(how="end").normalize()

    def __str__(self) -> str:
        return self.name


_LIST = (
    Frequency("annual", 12, 12, (12,), "annual"),
    Frequency("semiannual", 6, 6, (6, 12), "half-yearly"),
    Frequency("quarterly", 3, 3, (3, 6, 9, 12), "quarterly"),
    Frequency("monthly", 1, 1, None, "monthly"),
    Frequency("12m_ending", 12, 1, None, "12-month-ending"),
)

#: Every frequency by name, in the schema's order.
FREQUENCIES: MappingProxyType[str, Frequency] = MappingProxyType({f.name: f for f in _LIST})


def frequency(name: str | Frequency) -> Frequency:
    """The :class:`Frequency` called ``name`` (a Frequency is returned as it is).

    Raises
    ------
    KeyError
        For an unknown name; callers that take user input check the name first and raise
        their own error naming the parameter or column.

    Examples
    --------
    >>> frequency("monthly").span
    1
    """
    if isinstance(name, Frequency):
        return name
    return FREQUENCIES[name]


def month_number(stamps: Any) -> np.ndarray:
    """Whole months since year 0 (``year * 12 + month - 1``) of each date, as int64.

    Examples
    --------
    >>> import pandas as pd
    >>> month_number(pd.DatetimeIndex(["2000-01-15", "2000-02-29"])).tolist()
    [24000, 24001]
    """
    stamps = pd.DatetimeIndex(stamps)
    return np.asarray(stamps.year * 12 + stamps.month - 1, dtype=np.int64)


def period_end_of_month(months: Any) -> pd.DatetimeIndex:
    """Last day (midnight) of each monthly period.

    Examples
    --------
    >>> import pandas as pd
    >>> period_end_of_month(pd.period_range("2024-02", periods=2, freq="M")).day.tolist()
    [29, 31]
    """
    months = pd.PeriodIndex(months, freq="M")
    return pd.DatetimeIndex(months.to_timestamp(how="end").normalize().astype("datetime64[ns]"))


def month_share(stamps: Any) -> np.ndarray:
    """Each date's month as a share of a year: its days / 365.25.

    Deaths accrue by the day, so a month's expected count is the yearly rate times this share,
    not a flat twelfth: February has 8 % fewer deaths than a 30.4-day month.  Twelve
    consecutive months sum to 1 within a day.

    Examples
    --------
    >>> import pandas as pd
    >>> month_share(pd.DatetimeIndex(["2023-02-28", "2024-02-29", "2024-03-31"])).round(4)
    array([0.0767, 0.0794, 0.0849])
    """
    return np.asarray(pd.DatetimeIndex(stamps).days_in_month, dtype=float) / 365.25
