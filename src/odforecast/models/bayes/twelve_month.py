"""CDC's 12-month-ending counts as sums of latent months: the exact likelihood of every shown
window (:func:`build_windows`, :func:`window_loglik`) and the recent months recovered from the
window differences (:func:`recent_months`).

Consecutive windows differ by one month in and one month out:

.. math::

    S_t - S_{t-1} = m_t - m_{t-12},

so a run of shown windows fixes every month up to the split of the run's first window across
its 12 months; the likelihood integrates that split out, so each death enters once and every
window informs the monthly path.  Recovering the months of the latest window,

.. math::

    m_{T-11+k} = m_{T-23+k} + (S_{T-11+k} - S_{T-12+k}), \\qquad k = 0, \\dots, 11,

needs only the shape of the series' first year (assumed log-linear); forecasting uses them to
know which deaths leave the 12-month window as it moves forward.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from odforecast.calendar import month_share
from odforecast.models.series import Series

__all__ = ["Windows", "build_windows", "kalman_level_update", "recent_months",
           "window_loglik"]


def recent_months(series: Series, end: pd.Timestamp) -> np.ndarray | None:
    """The 12 monthly counts of the 12-month window ending at ``end``, recovered from the
    window differences; ``None`` when they cannot be recovered.

    Uses the longest run of consecutive shown, uncensored windows ending at ``end`` (at least
    13).  The months of the run's first window are spread along a log-linear trend (its growth
    to the window a year later) in proportion to their days; every later month is the month a
    year before it plus CDC's window difference, so only the shape of that first year is
    assumed.  Returns ``None``
    rather than a guess when fewer than 13 windows are available, or when a recovered month
    is not positive (small counts, where the assumed shape is too rough) — callers then keep
    the model's own within-window profile.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from odforecast.models.series import Series
    >>> days = pd.date_range("2019-01-31", periods=36, freq="ME").days_in_month.to_numpy()
    >>> per_day = np.r_[np.full(24, 3.0), np.linspace(3.0, 2.0, 12)]  # a decline in year 3
    >>> months = per_day * days
    >>> windows = np.convolve(months, np.ones(12), "valid")            # 12-month-ending sums
    >>> time = pd.date_range("2019-12-31", periods=len(windows), freq="ME")
    >>> s = Series("US", "opioids", "12m_ending", "reported", "deaths", time, windows,
    ...            np.zeros(len(windows), bool), np.full(len(windows), np.nan))
    >>> recovered = recent_months(s, time[-1])    # January ... December 2021
    >>> bool(np.allclose(recovered, months[-12:], rtol=0.002))  # the decline and the days
    True
    >>> np.round(recovered[:2], 1), np.round(months[-12:-10], 1)  # 31-day Jan, 28-day Feb
    (array([92.9, 81.4]), array([93. , 81.5]))
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
    first_months = pd.date_range(end=series.time[first], periods=12, freq="ME")
    profile = np.exp(growth * np.arange(12)) * month_share(first_months)
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


@dataclass
class Windows:
    """Every shown 12-month-ending count of the series, arranged for the exact likelihood.

    Each latent month that a shown window covers belongs to one *segment*: the months of one
    calendar position (January, February, ...) linked by CDC's window differences
    ``m_t = m_(t-12) + (S_t - S_(t-1))``, so that month ``k`` of segment ``c`` is
    ``x_c + offset_k`` with ``x_c`` the segment's unknown first month.  What the differences do
    not fix is stated by one linear *constraint* per run of consecutive windows: the first
    window of a run sums its 12 segment starts; after a gap of fewer than 12 withheld windows,
    the change from the last window before the gap to the first one after it links the new
    segment starts to the old segments' last months.

    Attributes
    ----------
    month_series, month_step, month_segment, month_offset
        One entry per covered month: series index, latent step (month) on the grid, segment,
        and the month's known offset from its segment's first month.
    month_scale
        The month's count as the data put it (the window it entered with, divided by 12),
        for its variance.
    segment_series
        Series of each segment.
    constraint, constraint_value, constraint_series
        Coefficients ``(constraints, segments)`` of each constraint on the segment starts, its
        observed value, and its series.
    knots
        Weights ``(months, steps)`` giving the monthly log rates from the latent steps' ones.
    exposure, dates
        Population times the month's share of a year (its days / 365.25) per series and month,
        and the month ends.
    """

    month_series: np.ndarray
    month_step: np.ndarray
    month_segment: np.ndarray
    month_offset: np.ndarray
    month_scale: np.ndarray
    segment_series: np.ndarray
    constraint: np.ndarray
    constraint_value: np.ndarray
    constraint_series: np.ndarray
    knots: np.ndarray | None = None
    exposure: np.ndarray | None = None
    dates: pd.DatetimeIndex | None = None

    @property
    def n_segments(self) -> int:
        return len(self.segment_series)


def build_windows(series: list[Series], first_month: int, **grid) -> Windows:
    """The segments and constraints of every shown, uncensored window (see :class:`Windows`).

    ``first_month`` is the month number (:func:`odforecast.calendar.month_number`) of the
    monthly grid's first month; ``grid`` (``knots``, ``exposure``, ``dates``) is stored as is.

    Examples
    --------
    Two runs of windows with one withheld window between them:

    >>> import numpy as np, pandas as pd
    >>> from odforecast.models.series import Series
    >>> months = np.arange(100.0, 136.0)                     # 36 known months
    >>> windows = np.convolve(months, np.ones(12), "valid")  # 25 windows
    >>> windows[5] = np.nan                                  # one not shown
    >>> time = pd.date_range("2020-12-31", periods=len(windows), freq="ME")
    >>> s = Series("US", "x", "12m_ending", "reported", "deaths", time, windows,
    ...            np.zeros(len(windows), bool), np.full(len(windows), np.nan))
    >>> from odforecast.calendar import month_number
    >>> w = build_windows([s], int(month_number(time[:1])[0]) - 11)
    >>> len(w.month_step), w.n_segments, w.constraint.shape  # 36 months, 12 + 2 segments
    (36, 14, (2, 14))
    >>> x = months[[w.month_step[w.month_segment == c].min() for c in range(w.n_segments)]]
    >>> bool(np.allclose(w.constraint @ x, w.constraint_value))  # the truth satisfies them
    True
    >>> bool(np.allclose(x[w.month_segment] + w.month_offset, months[w.month_step]))
    True
    """
    from odforecast import calendar

    m_series, m_step, m_segment, m_offset, m_scale = [], [], [], [], []
    seg_series: list[int] = []
    rows: list[tuple[int, dict[int, float], float]] = []
    for i, s in enumerate(series):
        shown = ~np.isnan(s.values) & ~s.censored
        ends = calendar.month_number(s.time) - first_month
        where: dict[int, tuple[int, float]] = {}  # step -> (segment, offset)

        def start_segment(step: int, scale: float, i: int = i, where: dict = where) -> int:
            seg_series.append(i)
            c = len(seg_series) - 1
            where[step] = (c, 0.0)
            m_series.append(i)
            m_step.append(step)
            m_segment.append(c)
            m_offset.append(0.0)
            m_scale.append(scale)
            return c

        previous = None  # (end step, value) of the last shown window
        for j in np.flatnonzero(shown):
            end, value = int(ends[j]), float(s.values[j])
            if previous is None or end - previous[0] >= 12:  # a new run, no shared months
                coef = {start_segment(t, value / 12): 1.0 for t in range(end - 11, end + 1)}
                rows.append((i, coef, value))
            elif end == previous[0] + 1:  # the next window: one month in, one month out
                c, offset = where[end - 12]
                offset += value - previous[1]
                where[end] = (c, offset)
                m_series.append(i)
                m_step.append(end)
                m_segment.append(c)
                m_offset.append(offset)
                m_scale.append(value / 12)
            else:  # a gap of fewer than 12 windows: the change across it is known
                coef: dict[int, float] = {}
                total = value - previous[1]
                for t in range(previous[0] + 1, end + 1):
                    old, offset = where[t - 12]
                    coef[old] = coef.get(old, 0.0) - 1.0
                    total += offset
                    coef[start_segment(t, value / 12)] = 1.0
                rows.append((i, coef, total))
            previous = (end, value)
    constraint = np.zeros((len(rows), len(seg_series)))
    for r, (_, coef, _) in enumerate(rows):
        for c, a in coef.items():
            constraint[r, c] = a
    return Windows(np.array(m_series, dtype=int), np.array(m_step, dtype=int),
                   np.array(m_segment, dtype=int), np.array(m_offset, dtype=float),
                   np.maximum(np.array(m_scale, dtype=float), 0.5),
                   np.array(seg_series, dtype=int), constraint,
                   np.array([r[2] for r in rows], dtype=float),
                   np.array([r[0] for r in rows], dtype=int), **grid)


def window_loglik(windows: Windows, mu, overdispersion):
    """Log-likelihood of every shown window given the latent monthly expected counts ``mu``
    ``(series, steps)`` and each series' overdispersion ``c`` (a PyTensor expression).

    Months are independent with mean ``mu`` and the negative-binomial variance
    ``m + 12 c² m²`` (a 12-month sum then has the window variance ``M + c² M²``), in the
    Gaussian approximation, with ``m`` the month's count as the data put it
    (``month_scale``): a variance that followed ``mu`` would pull ``mu`` down, since the
    ``log variance`` term of a Gaussian favours a smaller mean (quasi-likelihood weights,
    as in weighted least squares).  The windows are exact linear functions of the months, so their
    joint density is the months' density with the 11 unobserved directions per run (the split
    of a run's first window across its months) integrated out, in closed form: each segment
    is a Gaussian in its start ``x_c`` (mean ``x̂_c``, precision ``P_c``), and the constraints
    ``L x = v`` have density ``N(v; L x̂, L diag(1/P) Lᵀ)``.  Each month enters once.
    """
    import pytensor.tensor as pt

    w = windows
    mean = mu[w.month_series, w.month_step]
    c2 = pt.exp(2.0 * pt.log(overdispersion))[w.month_series]
    var = w.month_scale + 12.0 * c2 * w.month_scale**2
    target = mean - w.month_offset  # what each month says about its segment's start
    n_seg = w.n_segments
    precision = pt.inc_subtensor(pt.zeros(n_seg)[w.month_segment], 1.0 / var)
    centre = pt.inc_subtensor(pt.zeros(n_seg)[w.month_segment], target / var) / precision
    resid = centre[w.month_segment] - target
    logp = (-0.5 * (resid**2 / var).sum() - 0.5 * pt.log(2 * np.pi * var).sum()
            + 0.5 * pt.log(2 * np.pi / precision).sum())
    coef = w.constraint
    cov = pt.dot(coef * (1.0 / precision)[None, :], coef.T)
    chol = pt.linalg.cholesky(cov)
    z = pt.linalg.solve_triangular(chol, w.constraint_value - pt.dot(coef, centre),
                                   lower=True)
    n = coef.shape[0]
    logp += (-0.5 * (z**2).sum() - pt.log(pt.diagonal(chol)).sum()
             - 0.5 * n * np.log(2 * np.pi))
    return logp
