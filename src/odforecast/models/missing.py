"""Missing and censored cells in the per-series models (ARIMA and the baselines).

CDC withholds some 12-month-ending windows and suppresses small counts.  The per-series models
start a series at its first shown value and treat every later withheld or censored cell as a
missing value: ARIMA's Kalman filter skips it, the random-walk baselines step over it.  A
censored cell still says something — the count is at most its bound — so the fitted level
there is checked against the bound (:func:`check_censored`) and a clear violation is reported
as a warning, in the diagnostics and in the forecast's metadata.

This module holds what the models share: the random-walk increments between shown values
(:func:`increments`), the random-walk smoother that gives the baselines' fitted level at a
missing cell (:func:`bridge`), and the check itself.
"""

from __future__ import annotations

import itertools

import numpy as np

from odforecast._warnings import warn
from odforecast.models.series import Series
from odforecast.models.transforms import Transform

__all__ = ["CENSOR_ALPHA", "CENSOR_RATIO", "bridge", "check_censored", "increments"]

#: A censored cell is flagged when the fitted level makes a count at or below its bound less
#: likely than this ...
CENSOR_ALPHA = 0.01

#: ... and the fitted level exceeds the bound by this factor.  Both make the margin clear: on a
#: smooth 12-month-ending series the fitted level is so precise that 11 deaths where CDC
#: suppressed a count below 10 (Hawaii and Wyoming, synthetic opioids, 2017-2018) is
#: "significant", yet says nothing worth a warning; 17 where Kansas' methadone deaths were
#: below 10 (annual, 2020) does.
CENSOR_RATIO = 1.5


def increments(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Changes between consecutive finite values of ``z`` and the periods each spans.

    Examples
    --------
    >>> steps, spans = increments(np.array([1.0, np.nan, 3.0, 4.0, np.nan]))
    >>> steps.tolist(), spans.tolist()
    ([2.0, 1.0], [2, 1])
    """
    index = np.flatnonzero(np.isfinite(z))
    return np.diff(z[index]), np.diff(index)


def bridge(z: np.ndarray, sigma: float, slope: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Smoothed mean and standard deviation of a random walk (with drift ``slope``) observed
    where ``z`` is finite: the baselines' fitted level at their missing cells.

    Between two shown values the walk is a Brownian bridge: its mean is the straight line
    between them (whatever the drift) and its variance ``sigma**2 * a * b / (a + b)``, ``a``
    and ``b`` periods from the two ends.  After the last shown value the walk goes on from it
    (mean ``z_last + slope * k``, variance ``sigma**2 * k``); before the first, the mean is
    NaN (nothing to anchor it).  Shown cells have their own value and standard deviation 0.

    Examples
    --------
    >>> mean, sd = bridge(np.array([0.0, np.nan, 2.0, np.nan]), sigma=1.0, slope=1.0)
    >>> mean.tolist(), np.round(sd, 3).tolist()
    ([0.0, 1.0, 2.0, 3.0], [0.0, 0.707, 0.0, 1.0])
    """
    z = np.asarray(z, dtype=float)
    n = len(z)
    mean, sd = z.copy(), np.where(np.isfinite(z), 0.0, np.nan)
    index = np.flatnonzero(np.isfinite(z))
    if index.size == 0:
        return mean, sd
    for left, right in itertools.pairwise(index):
        if right - left > 1:
            t = np.arange(left + 1, right)
            a, b = t - left, right - t
            mean[t] = z[left] + (z[right] - z[left]) * a / (right - left)
            sd[t] = sigma * np.sqrt(a * b / (right - left))
    last = index[-1]
    if last < n - 1:
        k = np.arange(1, n - last)
        mean[last + 1:] = z[last] + slope * k
        sd[last + 1:] = sigma * np.sqrt(k)
    return mean, sd


def check_censored(series: Series, transform: Transform, mean: np.ndarray, sd: np.ndarray, *,
                   model_name: str, alpha: float = CENSOR_ALPHA,
                   ratio: float = CENSOR_RATIO) -> str:
    """Compare the fitted level at each censored cell with the cell's upper bound.

    ``mean`` and ``sd`` are the fitted (smoothed) level and its standard deviation on the
    model's ``transform`` scale.  A cell is flagged when the level puts less than ``alpha``
    probability at or below the bound and exceeds it by the factor ``ratio``.  Flagged cells
    are named in the returned text ("" if none) and in an
    :class:`~odforecast.errors.OdforecastWarning`.

    Examples
    --------
    A fitted level of about 20 deaths where CDC suppressed Alaska's counts (below 10):

    >>> import warnings
    >>> import odforecast
    >>> from odforecast.models.series import prepare_series
    >>> ak = odforecast.load_dataset("states_monthly_12m").query(
    ...     "location == 'US-AK' and indicator == 'synthetic_opioids' "
    ...     "and estimate == 'reported'")
    >>> series = prepare_series(ak, allow_missing=True, allow_censored=True)[0]
    >>> level = np.where(series.censored, np.log(20.0), np.nan)
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     text = check_censored(series, Transform("log"), level, np.full(len(series), 0.1),
    ...                           model_name="x")
    >>> text[:60]
    'x: the fitted level is clearly above the censoring bound at '
    >>> text[60:120]
    '3 censored cells: period ending 2016-10-31 (<= 9: fitted 20)'
    >>> caught[0].category.__name__
    'OdforecastWarning'
    """
    from scipy.stats import norm

    cells = np.flatnonzero(series.censored)
    if cells.size == 0:
        return ""
    with np.errstate(divide="ignore", invalid="ignore"):
        bound = transform.forward(series.censor_upper[cells])
        below = norm.cdf((bound - mean[cells]) / np.maximum(sd[cells], 1e-12))
        level = transform.inverse(mean[cells])
    upper = series.censor_upper[cells]
    bad = cells[np.isfinite(below) & (below < alpha) & (level > ratio * upper)]
    if bad.size == 0:
        return ""
    fitted = transform.inverse(mean[bad])
    listed = ", ".join(f"period ending {series.time[i].date()} (<= {series.censor_upper[i]:g}: "
                       f"fitted {value:,.0f})" for i, value in zip(bad[:5], fitted, strict=False))
    more = f" and {bad.size - 5} more" if bad.size > 5 else ""
    text = (f"{model_name}: the fitted level is clearly above the censoring bound at "
            f"{bad.size} censored cell{'s' if bad.size > 1 else ''}: {listed}{more}")
    warn(f"series {series.label}: {text}; the fit is not consistent with the suppressed "
         "counts (the Bayesian models use the bound in the likelihood)")
    return text
