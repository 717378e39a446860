"""Scoring rules and error measures for forecasts, on plain NumPy arrays.

Probabilistic scores (lower is better unless stated otherwise):

=================== ======================================================================
function            what it scores
=================== ======================================================================
:func:`crps_sample` an ensemble (samples) with the continuous ranked probability score
:func:`interval_score` one central prediction interval (Gneiting & Raftery 2007)
:func:`wis`         a set of quantiles with the weighted interval score (Bracher et al. 2021)
:func:`pinball_loss` each quantile with the quantile (pinball) loss
:func:`coverage`    whether the observation falls in an interval (a boolean, not a score)
:func:`pit`         the probability integral transform of the observation (calibration)
=================== ======================================================================

Point-forecast errors: :func:`mae`, :func:`mape` (percent) and :func:`mase` (Hyndman & Koehler
2006).  :func:`relative_wis` compares a model's mean WIS with a baseline's.

Every function broadcasts over leading axes: an observation ``y`` of shape ``(...)`` is scored
against forecasts of shape ``(..., n)``, where the trailing axis holds the ensemble members or
the quantiles.  NaN in an input gives NaN in the score of that element (``coverage`` gives
``False``); nothing is silently dropped, except in :func:`relative_wis`, which by design
averages over the pairs where both scores are finite.  Scalar inputs give NumPy scalars.

References
----------
Bracher J, Ray EL, Gneiting T, Reich NG (2021). Evaluating epidemic forecasts in an interval
format. PLoS Comput Biol 17(2): e1008618.

Czado C, Gneiting T, Held L (2009). Predictive model assessment for count data. Biometrics 65:
1254-1261.

Gneiting T, Raftery AE (2007). Strictly proper scoring rules, prediction, and estimation. J Am
Stat Assoc 102: 359-378.

Hyndman RJ, Koehler AB (2006). Another look at measures of forecast accuracy. Int J Forecast 22:
679-688.

Jordan A, Krüger F, Lerch S (2019). Evaluating probabilistic forecasts with scoringRules. J Stat
Softw 90(12).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from odforecast.errors import DataError

__all__ = [
    "coverage",
    "crps_sample",
    "interval_score",
    "mae",
    "mape",
    "mase",
    "pinball_loss",
    "pit",
    "relative_wis",
    "wis",
]

#: A float array, or a NumPy float scalar when every input was a scalar.
Scores = NDArray[np.float64] | np.float64

# Absolute tolerance when checking that quantile levels are symmetric around 0.5: levels such as
# 0.975 are not exact in binary, so 1 - 0.975 != 0.025 in floating point.
_LEVEL_ATOL = 1e-9


def _float(value: ArrayLike, name: str) -> NDArray[np.float64]:
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{name} must be numeric; could not convert it to float ({exc})") from exc


def _out(array: NDArray[Any]) -> Any:
    """Return a NumPy scalar for a 0-d array, else the array itself."""
    return array[()] if array.ndim == 0 else array


def _broadcast(shapes: dict[str, tuple[int, ...]]) -> tuple[int, ...]:
    try:
        return np.broadcast_shapes(*shapes.values())
    except ValueError:
        described = ", ".join(f"{name} {shape}" for name, shape in shapes.items())
        raise DataError(f"shapes do not broadcast together: {described}") from None


def _ensemble(
    y: ArrayLike, samples: ArrayLike, axis: int
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Return ``y`` broadcast to the batch shape and ``samples`` with the member axis last."""
    y_arr = _float(y, "y")
    x = _float(samples, "samples")
    if x.ndim == 0:
        raise DataError("samples must have at least one axis (the ensemble members)")
    try:
        x = np.moveaxis(x, axis, -1)
    except np.exceptions.AxisError:
        raise DataError(f"axis={axis} is out of range for samples of shape {x.shape}") from None
    if x.shape[-1] == 0:
        raise DataError("samples is empty along the member axis; need at least one member")
    batch = _broadcast({"y": y_arr.shape, "samples without the member axis": x.shape[:-1]})
    return np.broadcast_to(y_arr, batch), np.broadcast_to(x, (*batch, x.shape[-1]))


def _levels(quantile_levels: ArrayLike) -> NDArray[np.float64]:
    levels = _float(quantile_levels, "quantile_levels")
    if levels.ndim != 1 or levels.size == 0:
        raise DataError(
            f"quantile_levels must be a non-empty 1-D sequence; got shape {levels.shape}"
        )
    if not np.all((levels > 0) & (levels < 1)):
        raise DataError(f"quantile_levels must lie strictly between 0 and 1; got {levels.tolist()}")
    if np.unique(levels).size != levels.size:
        raise DataError(f"quantile_levels must not repeat a level; got {levels.tolist()}")
    return levels


def _quantiles(quantiles: ArrayLike, n_levels: int) -> NDArray[np.float64]:
    q = _float(quantiles, "quantiles")
    if q.ndim == 0 or q.shape[-1] != n_levels:
        raise DataError(
            f"quantiles must have one value per quantile level on its last axis: expected a "
            f"last axis of length {n_levels}, got shape {q.shape}"
        )
    return q


def _check_ordered(lower: NDArray[np.float64], upper: NDArray[np.float64], what: str) -> None:
    crossed = lower > upper  # NaN compares False: missing bounds are not reported here
    if np.any(crossed):
        where = tuple(int(i) for i in np.argwhere(crossed)[0])
        raise DataError(
            f"{what}: found {int(crossed.sum())} element(s) with lower > upper (first at index "
            f"{where}: lower={lower[where]!r}, upper={upper[where]!r})",
            hint="sort each forecast's quantiles, e.g. np.sort(quantiles, axis=-1), if the "
            "crossing is numerical noise",
        )


def crps_sample(y: ArrayLike, samples: ArrayLike, axis: int = -1) -> Scores:
    r"""Continuous ranked probability score of an ensemble (sample) forecast.

    The CRPS of the empirical distribution of the ensemble, in its energy form

    .. math:: \mathrm{CRPS}(F, y) = \mathrm E|X - y| - \tfrac12 \mathrm E|X - X'|,

    with :math:`X, X'` independent draws from the ensemble (the "edf" estimator of scoringRules'
    ``crps_sample``, not the "fair" one).  It is computed exactly in :math:`O(n \log n)` from the
    sorted members :math:`x_{(1)} \le \dots \le x_{(n)}` through the equivalent quantile form

    .. math:: \mathrm{CRPS} = \frac2n \sum_{i=1}^n
              \bigl(\mathbf 1\{y < x_{(i)}\} - \tfrac{2i-1}{2n}\bigr)\,(x_{(i)} - y),

    a sum of non-negative terms (twice the mean pinball loss of :math:`x_{(i)}` as the
    :math:`(i-\frac12)/n` quantile), so it is free of cancellation error.

    Parameters
    ----------
    y
        Observations, shape ``(...)``.
    samples
        Ensemble members, shape ``(..., n)`` with the members on ``axis``; the other axes must
        broadcast with ``y``.
    axis
        Axis of ``samples`` holding the members.

    Returns
    -------
    numpy.ndarray or numpy.float64
        CRPS, shape ``(...)`` (broadcast of ``y`` and the non-member axes); in the units of
        ``y``.  NaN where ``y`` or any member is NaN.

    Raises
    ------
    DataError
        If ``samples`` has no member or the shapes do not broadcast.

    See Also
    --------
    wis : the quantile-based approximation of the CRPS.

    Examples
    --------
    Members 1, 2, 4 and y = 3: E|X - y| = 4/3 and E|X - X'| / 2 = 2/3.

    >>> print(round(float(crps_sample(3.0, [1.0, 2.0, 4.0])), 6))
    0.666667

    A one-member ensemble scores the absolute error; several forecasts at once:

    >>> crps_sample([0.0, 5.0], [[2.0], [1.0]])
    array([2., 4.])
    """
    y_b, x = _ensemble(y, samples, axis)
    n = x.shape[-1]
    x = np.sort(x, axis=-1)
    levels = (np.arange(1, n + 1) - 0.5) / n
    diff = x - y_b[..., None]
    terms = np.where(diff > 0, (1.0 - levels) * diff, -levels * diff)
    return _out(np.asarray(2.0 / n * terms.sum(axis=-1)))


def interval_score(
    y: ArrayLike, lower: ArrayLike, upper: ArrayLike, alpha: ArrayLike
) -> dict[str, Scores]:
    r"""Interval score of a central :math:`(1-\alpha)` prediction interval.

    Gneiting & Raftery (2007, eq. 43):

    .. math:: \mathrm{IS}_\alpha(l, u; y) = (u - l) + \tfrac2\alpha (l - y)\,\mathbf 1\{y < l\}
              + \tfrac2\alpha (y - u)\,\mathbf 1\{y > u\},

    returned with its three parts: *dispersion* :math:`u - l`, *overprediction* (the interval
    lies above the observation) and *underprediction* (it lies below).

    Parameters
    ----------
    y
        Observations.
    lower, upper
        Bounds of the interval (the :math:`\alpha/2` and :math:`1-\alpha/2` quantiles); all
        inputs broadcast together.
    alpha
        Nominal non-coverage, in ``(0, 1]``: 0.1 for a 90% interval.  ``alpha = 1`` is the
        degenerate interval at the median and scores :math:`2|y - m|`.

    Returns
    -------
    dict
        ``interval_score``, ``dispersion``, ``overprediction`` and ``underprediction``, each an
        array of the broadcast shape (NumPy scalars for scalar inputs);
        ``interval_score = dispersion + overprediction + underprediction`` exactly.

    Raises
    ------
    DataError
        If ``alpha`` is outside ``(0, 1]``, some ``lower > upper``, or the shapes do not
        broadcast.

    Examples
    --------
    An 80% interval [2, 6] and y = 8: width 4 plus (2 / 0.2) * (8 - 6) = 20.

    >>> s = interval_score(8.0, 2.0, 6.0, alpha=0.2)
    >>> print(float(s["interval_score"]), float(s["dispersion"]), float(s["underprediction"]))
    24.0 4.0 20.0
    """
    y_a = _float(y, "y")
    lo = _float(lower, "lower")
    hi = _float(upper, "upper")
    a = _float(alpha, "alpha")
    if not np.all((a > 0) & (a <= 1)):
        raise DataError(f"alpha must lie in (0, 1]; got {a.tolist()}")
    shape = _broadcast({"y": y_a.shape, "lower": lo.shape, "upper": hi.shape, "alpha": a.shape})
    y_a, lo, hi, a = (np.broadcast_to(v, shape) for v in (y_a, lo, hi, a))
    _check_ordered(lo, hi, "interval_score needs lower <= upper")
    dispersion = hi - lo
    overprediction = 2.0 / a * np.maximum(lo - y_a, 0.0)
    underprediction = 2.0 / a * np.maximum(y_a - hi, 0.0)
    total = dispersion + overprediction + underprediction
    return {
        "interval_score": _out(total),
        "dispersion": _out(dispersion),
        "overprediction": _out(overprediction),
        "underprediction": _out(underprediction),
    }


def wis(
    y: ArrayLike, quantile_levels: ArrayLike, quantiles: ArrayLike, *, decompose: bool = False
) -> Scores | dict[str, Scores]:
    r"""Weighted interval score of a quantile forecast (Bracher et al. 2021).

    With the median :math:`m` and :math:`K` central intervals :math:`[l_k, u_k]` of nominal
    non-coverage :math:`\alpha_k` (the levels :math:`\alpha_k/2` and :math:`1-\alpha_k/2`),

    .. math:: \mathrm{WIS} = \frac{1}{K + 1/2}\Bigl(w_0 |y - m|
              + \sum_{k=1}^K w_k\, \mathrm{IS}_{\alpha_k}(l_k, u_k; y)\Bigr),
              \qquad w_0 = \tfrac12,\ w_k = \tfrac{\alpha_k}2 .

    Because :math:`\frac{\alpha}{2}\mathrm{IS}_\alpha(l, u; y) = \rho_{\alpha/2}(y, l) +
    \rho_{1-\alpha/2}(y, u)` and :math:`\frac12|y - m| = \rho_{1/2}(y, m)`, with
    :math:`\rho_\tau` the pinball loss, the WIS equals twice the mean pinball loss over the
    :math:`2K + 1` levels; as the levels densify it tends to the CRPS.  This is scoringutils'
    ``wis`` with its default ``count_median_twice = FALSE``.

    Parameters
    ----------
    y
        Observations, shape ``(...)``.
    quantile_levels
        1-D levels in ``(0, 1)``, in any order, symmetric around 0.5 and containing 0.5, e.g.
        the 23 levels of the US COVID-19 Forecast Hub.
    quantiles
        Forecast quantiles, shape ``(..., n_levels)``, in the order of ``quantile_levels``.
        Quantiles that cross (a lower level with a larger value) are rejected.
    decompose
        Also return the dispersion, overprediction and underprediction parts.  The median's
        absolute error counts as overprediction (``m > y``) or underprediction (``m < y``).

    Returns
    -------
    numpy.ndarray, numpy.float64 or dict
        WIS of shape ``(...)``; with ``decompose=True`` a dict with keys ``wis``,
        ``dispersion``, ``overprediction`` and ``underprediction`` whose last three add up to
        ``wis`` exactly.

    Raises
    ------
    DataError
        If the levels are not symmetric around 0.5 or miss 0.5, ``quantiles`` does not have
        one value per level on its last axis, quantiles cross, or the shapes do not broadcast.

    See Also
    --------
    interval_score, pinball_loss, crps_sample

    Examples
    --------
    Median 5, 50% interval [3, 7], 80% interval [2, 8] and y = 9:
    (0.5 * 4 + 0.25 * 12 + 0.1 * 16) / 2.5 = 2.64.

    >>> levels = [0.1, 0.25, 0.5, 0.75, 0.9]
    >>> print(round(float(wis(9.0, levels, [2.0, 3.0, 5.0, 7.0, 8.0])), 6))
    2.64
    >>> parts = wis(9.0, levels, [2.0, 3.0, 5.0, 7.0, 8.0], decompose=True)
    >>> print({k: round(float(v), 6) for k, v in parts.items()})
    {'wis': 2.64, 'dispersion': 0.64, 'overprediction': 0.0, 'underprediction': 2.0}

    The median alone scores the absolute error:

    >>> print(float(wis(1.0, [0.5], [4.0])))
    3.0
    """
    levels = _levels(quantile_levels)
    q = _quantiles(quantiles, levels.size)
    order = np.argsort(levels)
    levels = levels[order]
    q = q[..., order]
    n = levels.size
    if (
        n % 2 == 0
        or not np.isclose(levels[n // 2], 0.5, rtol=0.0, atol=_LEVEL_ATOL)
        or not np.allclose(levels + levels[::-1], 1.0, rtol=0.0, atol=_LEVEL_ATOL)
    ):
        raise DataError(
            f"quantile_levels must be symmetric around 0.5 and contain 0.5; got {levels.tolist()}",
            hint="every level tau needs its partner 1 - tau, and the median 0.5 must be present",
        )
    y_a = _float(y, "y")
    batch = _broadcast({"y": y_a.shape, "quantiles without the level axis": q.shape[:-1]})
    y_a = np.broadcast_to(y_a, batch)
    q = np.broadcast_to(q, (*batch, n))
    _check_ordered(q[..., :-1], q[..., 1:], "wis needs non-decreasing quantiles")

    k = n // 2
    half_alpha = levels[:k]  # alpha_k / 2 = w_k, from the widest interval inwards
    lower = q[..., :k]
    upper = q[..., ::-1][..., :k]  # upper[..., j] pairs with lower[..., j]
    median = q[..., k]
    yk = y_a[..., None]
    norm = k + 0.5
    # w_k * IS_k = w_k (u - l) + (l - y)+ + (y - u)+ since w_k * 2 / alpha_k = 1.
    dispersion = (half_alpha * (upper - lower)).sum(axis=-1) / norm
    overprediction = (
        np.maximum(lower - yk, 0.0).sum(axis=-1) + 0.5 * np.maximum(median - y_a, 0.0)
    ) / norm
    underprediction = (
        np.maximum(yk - upper, 0.0).sum(axis=-1) + 0.5 * np.maximum(y_a - median, 0.0)
    ) / norm
    total = dispersion + overprediction + underprediction
    if not decompose:
        return _out(np.asarray(total))
    return {
        "wis": _out(np.asarray(total)),
        "dispersion": _out(np.asarray(dispersion)),
        "overprediction": _out(np.asarray(overprediction)),
        "underprediction": _out(np.asarray(underprediction)),
    }


def pinball_loss(y: ArrayLike, quantile_levels: ArrayLike, quantiles: ArrayLike) -> Scores:
    r"""Pinball (quantile) loss of each forecast quantile.

    .. math:: \rho_\tau(y, q) = (\mathbf 1\{y < q\} - \tau)(q - y)
              = \begin{cases} \tau (y - q) & y \ge q \\ (1 - \tau)(q - y) & y < q \end{cases}

    Parameters
    ----------
    y
        Observations, shape ``(...)``.
    quantile_levels
        1-D levels :math:`\tau` in ``(0, 1)``, any order, no repeats.
    quantiles
        Forecast quantiles, shape ``(..., n_levels)``, in the order of ``quantile_levels``.

    Returns
    -------
    numpy.ndarray
        The loss of every quantile, shape ``(..., n_levels)`` (not averaged: take
        ``.mean(axis=-1)`` for the mean pinball loss; for levels symmetric around 0.5 with the
        median, twice that mean is :func:`wis`).

    Raises
    ------
    DataError
        If the levels are outside ``(0, 1)`` or repeat, or ``quantiles`` does not have one
        value per level on its last axis.

    Examples
    --------
    The 0.9 quantile 10 with y = 4 overshoots by 6: (1 - 0.9) * 6 = 0.6; the 0.1 quantile 2
    undershoots by 2: 0.1 * 2 = 0.2.

    >>> print(np.round(pinball_loss(4.0, [0.1, 0.9], [2.0, 10.0]), 6))
    [0.2 0.6]
    """
    levels = _levels(quantile_levels)
    q = _quantiles(quantiles, levels.size)
    y_a = _float(y, "y")
    _broadcast({"y": y_a.shape, "quantiles without the level axis": q.shape[:-1]})
    diff = q - y_a[..., None]
    return np.where(diff > 0, (1.0 - levels) * diff, -levels * diff)


def coverage(y: ArrayLike, lower: ArrayLike, upper: ArrayLike) -> NDArray[np.bool_] | np.bool_:
    """Whether each observation lies in its interval, bounds included.

    Parameters
    ----------
    y, lower, upper
        Observations and interval bounds; they broadcast together.

    Returns
    -------
    numpy.ndarray or bool
        ``lower <= y <= upper`` (a NumPy boolean array, or a NumPy bool for scalar input);
        ``False`` where any of the three is NaN.  The mean is the
        empirical coverage, to compare with the nominal ``1 - alpha``.

    Raises
    ------
    DataError
        If some ``lower > upper`` or the shapes do not broadcast.

    Examples
    --------
    >>> coverage([1.0, 2.0, 3.5], 1.0, 3.0)
    array([ True,  True, False])
    """
    y_a = _float(y, "y")
    lo = _float(lower, "lower")
    hi = _float(upper, "upper")
    shape = _broadcast({"y": y_a.shape, "lower": lo.shape, "upper": hi.shape})
    y_a, lo, hi = (np.broadcast_to(v, shape) for v in (y_a, lo, hi))
    _check_ordered(lo, hi, "coverage needs lower <= upper")
    return _out(np.asarray((lo <= y_a) & (y_a <= hi)))


def pit(
    y: ArrayLike,
    samples: ArrayLike,
    axis: int = -1,
    *,
    randomized: bool = True,
    random_seed: int | np.random.Generator | None = None,
) -> Scores:
    r"""Probability integral transform of observations under ensemble forecasts.

    With :math:`F` the empirical CDF of the members, :math:`F(y^-) = \#\{x < y\}/n` and
    :math:`F(y) = \#\{x \le y\}/n`, the randomized PIT (Czado, Gneiting & Held 2009) is

    .. math:: U = F(y^-) + V\,\bigl(F(y) - F(y^-)\bigr), \qquad V \sim \mathrm{U}(0, 1),

    which handles ties between members and the observation, as with integer death counts.  For
    a calibrated forecast the values are (close to) uniform on [0, 1]; check them with a
    histogram.

    Parameters
    ----------
    y
        Observations, shape ``(...)``.
    samples
        Ensemble members, shape ``(..., n)`` with the members on ``axis``.
    axis
        Axis of ``samples`` holding the members.
    randomized
        Draw :math:`V` at random.  ``False`` returns the mid-PIT :math:`(F(y^-) + F(y))/2`,
        the expectation of the randomized value.
    random_seed
        Seed or :class:`numpy.random.Generator` for :math:`V`; the same seed gives the same
        values.

    Returns
    -------
    numpy.ndarray or numpy.float64
        PIT values in [0, 1], shape ``(...)``; NaN where ``y`` or any member is NaN.

    Raises
    ------
    DataError
        If ``samples`` has no member or the shapes do not broadcast.

    Examples
    --------
    Members 1, 2, 2, 3 and y = 2: F(2-) = 1/4 and F(2) = 3/4.

    >>> print(float(pit(2.0, [1.0, 2.0, 2.0, 3.0], randomized=False)))
    0.5
    >>> u = pit(2.0, [1.0, 2.0, 2.0, 3.0], random_seed=1)
    >>> bool(0.25 <= u <= 0.75)
    True
    """
    y_b, x = _ensemble(y, samples, axis)
    n = x.shape[-1]
    yk = y_b[..., None]
    below = (x < yk).sum(axis=-1) / n
    at_or_below = (x <= yk).sum(axis=-1) / n
    if randomized:
        rng = np.random.default_rng(random_seed)
        v = rng.uniform(size=y_b.shape)
        values = below + v * (at_or_below - below)
    else:
        values = 0.5 * (below + at_or_below)
    missing = np.isnan(y_b) | np.isnan(x).any(axis=-1)
    return _out(np.asarray(np.where(missing, np.nan, values)))


def mae(y: ArrayLike, yhat: ArrayLike, *, axis: int | None = None) -> Scores:
    """Mean absolute error.

    Parameters
    ----------
    y, yhat
        Observations and point forecasts; they broadcast together.
    axis
        Axis to average over; ``None`` (default) averages over everything.

    Returns
    -------
    numpy.ndarray or numpy.float64
        ``mean(|y - yhat|)``; NaN if any pair contains NaN.

    Examples
    --------
    >>> print(float(mae([1.0, 2.0, 3.0], [2.0, 2.0, 6.0])))
    1.3333333333333333
    """
    y_a = _float(y, "y")
    f = _float(yhat, "yhat")
    _broadcast({"y": y_a.shape, "yhat": f.shape})
    return _out(np.asarray(np.mean(np.abs(y_a - f), axis=axis)))


def mape(y: ArrayLike, yhat: ArrayLike, *, axis: int | None = None) -> Scores:
    """Mean absolute percentage error, in percent.

    Parameters
    ----------
    y, yhat
        Observations and point forecasts; they broadcast together.  ``y`` must not contain 0.
    axis
        Axis to average over; ``None`` (default) averages over everything.

    Returns
    -------
    numpy.ndarray or numpy.float64
        ``100 * mean(|(y - yhat) / y|)``; NaN if any pair contains NaN.

    Raises
    ------
    DataError
        If ``y`` contains 0, where the percentage error is undefined.

    Examples
    --------
    >>> print(float(mape([100.0, 200.0], [110.0, 150.0])))
    17.5
    """
    y_a = _float(y, "y")
    f = _float(yhat, "yhat")
    _broadcast({"y": y_a.shape, "yhat": f.shape})
    zero = y_a == 0
    if np.any(zero):
        where = tuple(int(i) for i in np.argwhere(zero)[0]) if y_a.ndim else ()
        raise DataError(
            f"mape is undefined when y is 0: y has {int(zero.sum())} zero value(s) (first at "
            f"index {where})",
            hint="use mae or mase for series that can be zero",
        )
    return _out(np.asarray(100.0 * np.mean(np.abs((y_a - f) / y_a), axis=axis)))


def mase(
    y: ArrayLike,
    yhat: ArrayLike,
    insample: ArrayLike,
    m: int = 1,
    *,
    axis: int | None = None,
) -> Scores:
    r"""Mean absolute scaled error (Hyndman & Koehler 2006).

    Absolute forecast errors divided by the in-sample mean absolute error of the seasonal
    naive forecast with period ``m``:

    .. math:: \mathrm{MASE} = \mathrm{mean}\,\frac{|y_t - \hat y_t|}{s}, \qquad
              s = \frac{1}{T - m}\sum_{t=m+1}^{T} |z_t - z_{t-m}|,

    with :math:`z_1, \dots, z_T` the in-sample (training) series.  Values below 1 beat the
    in-sample naive forecast.

    Parameters
    ----------
    y, yhat
        Out-of-sample observations and point forecasts, shape ``(..., h)``.
    insample
        Training series, shape ``(..., T)`` with time on the last axis; its leading axes (one
        series each) line up with the leading axes of ``y``.  A 1-D ``insample`` scales every
        error by the same :math:`s`.
    m
        Seasonal period: 1 for the naive forecast, 12 for monthly data with a yearly season.
    axis
        Axis of the scaled errors to average over; ``None`` (default) averages over everything.

    Returns
    -------
    numpy.ndarray or numpy.float64
        MASE; NaN if an input contains NaN.

    Raises
    ------
    DataError
        If ``m`` is not a positive integer, ``insample`` has fewer than ``m + 1`` values, or the
        scale :math:`s` of some series is 0 (a series constant at lag ``m``).

    Examples
    --------
    In-sample 1, 3, 2, 5: naive errors 2, 1, 3 give s = 2; errors 1 and 3 average 2.

    >>> print(float(mase([6.0, 4.0], [5.0, 7.0], [1.0, 3.0, 2.0, 5.0])))
    1.0
    """
    if isinstance(m, bool) or not isinstance(m, int | np.integer) or m < 1:
        raise DataError(f"m must be a positive integer (the seasonal period); got {m!r}")
    y_a = _float(y, "y")
    f = _float(yhat, "yhat")
    z = _float(insample, "insample")
    if z.ndim == 0 or z.shape[-1] < m + 1:
        length = 0 if z.ndim == 0 else z.shape[-1]
        raise DataError(
            f"insample needs at least m + 1 = {m + 1} values on its last axis for the "
            f"seasonal naive scale; got {length}"
        )
    scale = np.mean(np.abs(z[..., m:] - z[..., :-m]), axis=-1)
    if np.any(scale == 0):
        raise DataError(
            f"the MASE scale is 0 for {int(np.sum(scale == 0))} insample series: the series is "
            f"constant at lag m={m}, so the scaled error is undefined",
            hint="use mae for such series",
        )
    errors = np.abs(y_a - f)
    scale_b = scale[..., None] if scale.ndim else scale
    _broadcast({"|y - yhat|": errors.shape, "insample scale (..., 1)": np.shape(scale_b)})
    return _out(np.asarray(np.mean(errors / scale_b, axis=axis)))


def relative_wis(
    model_wis: ArrayLike, baseline_wis: ArrayLike, *, axis: int | None = None
) -> Scores:
    """Relative WIS: the model's mean WIS divided by the baseline's mean WIS.

    Only pairs where *both* scores are finite enter either mean, so a forecast that one of the
    two models did not make (NaN) or could not score (inf) does not bias the ratio; the ratio
    of means then equals the ratio of sums over those pairs.  Below 1 the model beats the
    baseline.  (This is the simple ratio of means, not the geometric mean of pairwise ratios
    used by some forecast hubs for incomplete model sets.)

    Parameters
    ----------
    model_wis, baseline_wis
        WIS of the model and of the baseline on the same targets; they broadcast together.
    axis
        Axis to average over; ``None`` (default) averages over everything.

    Returns
    -------
    numpy.ndarray or numpy.float64
        The ratio; NaN for a slice (``axis`` given) without any finite pair or where both sums
        are 0, inf where only the baseline's sum is 0.

    Raises
    ------
    DataError
        If the shapes do not broadcast, or no pair at all has both scores finite.

    Examples
    --------
    The NaN pair is ignored: (2 + 4) / (4 + 4) = 0.75.

    >>> print(float(relative_wis([2.0, 4.0, 9.0], [4.0, 4.0, np.nan])))
    0.75
    """
    model = _float(model_wis, "model_wis")
    base = _float(baseline_wis, "baseline_wis")
    shape = _broadcast({"model_wis": model.shape, "baseline_wis": base.shape})
    model, base = np.broadcast_to(model, shape), np.broadcast_to(base, shape)
    both = np.isfinite(model) & np.isfinite(base)
    if not np.any(both):
        raise DataError(
            "relative_wis needs at least one target where both model_wis and baseline_wis are "
            "finite; got none"
        )
    num = np.where(both, model, 0.0).sum(axis=axis)
    den = np.where(both, base, 0.0).sum(axis=axis)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.asarray(num / den, dtype=np.float64)
    return _out(ratio)
