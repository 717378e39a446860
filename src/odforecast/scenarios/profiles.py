"""The effect profile over time, and its mean over each forecast period.

An effect starts at its onset, rises linearly over a ramp and then decays with a half-life
(:func:`profile`).  A forecast value covers a period (a year, a quarter, the trailing 12 months),
so a scenario applies the profile's mean over that period, computed exactly in closed form on a
continuous calendar-month scale whose period lengths come from ``odforecast.calendar``.

Examples
--------
>>> from odforecast.scenarios import profile
>>> profile([0, 6, 30], ramp_months=12, half_life_months=None)
array([0. , 0.5, 1. ])
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from odforecast import calendar
from odforecast.errors import ScenarioError

__all__ = ["profile"]


# -- time axis -----------------------------------------------------------------------------------

def _months(t: Any, *, end_of_day: bool = False) -> np.ndarray:
    """Continuous calendar-month scale: the start of January 2000 is 24000.0, the start of
    February 2000 is 24001.0, and within a month time runs in proportion to its days.
    ``end_of_day`` takes the end of each date (a ``period_end`` date ends at midnight)."""
    t = pd.DatetimeIndex(t)
    if end_of_day:
        day = np.ones(len(t))
    else:
        day = (t.hour * 3600 + t.minute * 60 + t.second).to_numpy(dtype=float) / 86400
    whole = calendar.month_number(t).astype(float)
    return whole + ((t.day - 1).to_numpy(dtype=float) + day) / t.days_in_month.to_numpy(float)


def _windows(time: pd.DatetimeIndex, frequency: str | None,
             owner: str) -> tuple[np.ndarray, np.ndarray, float]:
    """Start and end (month scale) of the period ending at each forecast time, and the forecast
    start (the first instant not yet observed)."""
    time = pd.DatetimeIndex(time)
    if len(time) == 0:
        raise ScenarioError(f"{owner}: the forecast has no periods")
    ends = _months(time.normalize(), end_of_day=True)
    if np.any(np.diff(ends) <= 0):
        raise ScenarioError(f"{owner}: forecast times must be strictly increasing")
    if frequency is not None:
        if frequency not in calendar.FREQUENCIES:
            raise ScenarioError(f"{owner}: unknown frequency {frequency!r}; use one of "
                                f"{', '.join(calendar.FREQUENCIES)}")
        freq = calendar.FREQUENCIES[frequency]
        step = float(freq.step)  # months between period ends: 1 for 12-month-ending values
        starts = ends - float(freq.span)
    else:
        step = float(ends[1] - ends[0]) if len(ends) > 1 else 1.0
        starts = np.concatenate([[ends[0] - step], ends[:-1]])
    return starts, ends, float(ends[0] - step)


# -- the effect profile --------------------------------------------------------------------------

def profile(months_since_onset: Any, ramp_months: Any = 0.0,
            half_life_months: Any = None) -> np.ndarray:
    """The effect profile: 0 before onset, a linear rise over ``ramp_months``, then exponential
    decay with ``half_life_months`` (None: persistent).

    .. math::

        p(x) = \\min\\left(1, \\frac{x}{r}\\right) 2^{-(x - r)^+ / h} \\quad (x \\ge 0),
        \\qquad p(x) = 0 \\quad (x < 0)

    with :math:`x` the months since onset, :math:`r` the ramp and :math:`h` the half-life.
    Arguments broadcast (NumPy rules).

    Examples
    --------
    >>> profile([-1, 0, 3, 6, 18], ramp_months=6, half_life_months=12)
    array([0. , 0. , 0.5, 1. , 0.5])
    """
    x = np.asarray(months_since_onset, dtype=float)
    r = np.asarray(ramp_months, dtype=float)
    h = np.asarray(math.inf if half_life_months is None else half_life_months, dtype=float)
    safe_r = np.where(r > 0, r, 1.0)
    rising = np.where(r > 0, np.clip(x / safe_r, 0.0, 1.0), (x >= 0).astype(float))
    decay = np.exp2(-np.maximum(x - r, 0.0) / h)
    return np.where(x < 0, 0.0, rising * decay)


def _profile_integral(x: np.ndarray, r: Any, h: Any) -> np.ndarray:
    """:math:`\\int_0^x p(u)\\,du` in closed form (``h`` may be inf)."""
    x = np.maximum(x, 0.0)
    r = np.asarray(r, dtype=float)
    h = np.asarray(h, dtype=float)
    xr = np.minimum(x, r)
    ramp_part = np.where(r > 0, xr * xr / (2 * np.where(r > 0, r, 1.0)), 0.0)
    y = np.maximum(x - r, 0.0)
    lam = np.where(np.isinf(h), 0.0, math.log(2) / np.where(np.isinf(h), 1.0, h))
    decay_part = np.where(lam > 0, -np.expm1(-lam * y) / np.where(lam > 0, lam, 1.0), y)
    return ramp_part + decay_part


def _period_means(starts: np.ndarray, ends: np.ndarray, onset: float, r: Any,
                  h: Any) -> np.ndarray:
    """Mean of the profile over each period (exactly 0 for periods ending by the onset)."""
    a, b = starts - onset, ends - onset
    return (_profile_integral(b, r, h) - _profile_integral(a, r, h)) / (b - a)
