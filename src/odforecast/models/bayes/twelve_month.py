"""Recent monthly counts recovered from CDC's 12-month-ending counts, for forecasting.

The Bayesian models observe 12-month-ending series only in non-overlapping 12-month blocks
(see :mod:`odforecast.models.bayes.design`), which counts every death once but leaves out what
the skipped windows say about the *latest months*.  Consecutive windows differ by one month in
and one month out:

.. math::

    S_t - S_{t-1} = m_t - m_{t-12},

so the 12 months of the latest window are the 12 months a year earlier plus these exact
differences,

.. math::

    m_{T-11+k} = m_{T-23+k} + (S_{T-11+k} - S_{T-12+k}), \\qquad k = 0, \\dots, 11,

which sum exactly to the latest observed window :math:`S_T`.  Going back the same way to the
first window of the series, only the *shape* of that first year is assumed (a log-linear
trend); every year-over-year change is CDC's own number.  Forecasting
uses the result twice: to know which deaths leave the 12-month window as it moves forward, and
to update the level at the forecast origin (:func:`kalman_level_update`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from odforecast.models.series import Series

__all__ = ["kalman_level_update", "recent_months"]


def recent_months(series: Series, end: pd.Timestamp) -> np.ndarray | None:
    """The 12 monthly counts of the 12-month window ending at ``end``, recovered from the
    window differences; ``None`` when they cannot be recovered.

    Uses the longest run of consecutive shown, uncensored windows ending at ``end`` (at least
    13).  The months of the run's first window are spread along a log-linear trend (its growth
    to the window a year later); every later month is the month a year before it plus CDC's
    window difference, so only the shape of that first year is assumed.  Returns ``None``
    rather than a guess when fewer than 13 windows are available, or when a recovered month
    is not positive (small counts, where the assumed shape is too rough) — callers then keep
    the model's own within-window profile.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from odforecast.models.series import Series
    >>> months = np.r_[np.full(24, 100.0), np.linspace(100, 60, 12)]  # a decline in year 3
    >>> windows = np.convolve(months, np.ones(12), "valid")            # 12-month-ending sums
    >>> time = pd.date_range("2020-12-31", periods=len(windows), freq="ME")
    >>> s = Series("US", "opioids", "12m_ending", "reported", "deaths", time, windows,
    ...            np.zeros(len(windows), bool), np.full(len(windows), np.nan))
    >>> np.round(recent_months(s, time[-1]), 1)[[0, -1]]  # the decline is recovered exactly
    array([100.,  60.])
    """
    end = pd.Timestamp(end)
    shown = ~np.isnan(series.values) & ~series.censored
    position = int(series.time.get_indexer([end])[0])
    if position < 0 or not shown[position]:
        return None
    first = position
    while first > 0 and shown[first - 1]:
        first -= 1
    if position - first < 12:
        return None
    values = series.values[first: position + 1]
    growth = np.log(values[12] / values[0]) / 12.0
    profile = np.exp(growth * np.arange(12))
    months = list(values[0] * profile / profile.sum())  # the run's first 12 months
    for q in range(1, len(values)):
        months.append(months[q - 1] + values[q] - values[q - 1])  # m_t = m_(t-12) + dS_t
    latest = np.asarray(months[-12:])
    if not np.all(np.asarray(months) > 0):
        return None
    return latest


def kalman_level_update(model_log: np.ndarray, observed_count: float,
                        overdispersion: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Shift each path's log level towards an observed count (ensemble Kalman update).

    ``model_log`` holds, per posterior path, the model's log expected count for the same
    months as ``observed_count``.  The observation's log-scale variance is the
    negative-binomial one, ``1/count + c²`` (``c`` the overdispersion of that count), and
    each path moves by the Kalman gain times its distance to a perturbed observation, so the
    updated paths have the Gaussian posterior's spread (Evensen 2003), not the data's point
    value.  Returns the shift to add to each path's log rates.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> prior = np.log(1000) + 0.1 * rng.standard_normal(4000)   # model: 1000 +- 10 %
    >>> shift = kalman_level_update(prior, 1200.0, np.full(4000, 0.02), rng)
    >>> updated = prior + shift
    >>> bool(np.log(1000) < updated.mean() < np.log(1200)), bool(updated.std() < prior.std())
    (True, True)
    """
    variance_model = float(np.var(model_log))
    variance_obs = 1.0 / observed_count + overdispersion**2
    gain = variance_model / (variance_model + variance_obs)
    perturbed = np.log(observed_count) + np.sqrt(variance_obs) * rng.standard_normal(
        len(model_log))
    return gain * (perturbed - model_log)
