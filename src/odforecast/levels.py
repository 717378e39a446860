"""Quantile levels: the hubverse list, the levels of central intervals, and their check.

A central interval ``p`` spans the quantiles ``(1 - p) / 2`` and ``(1 + p) / 2``; this module is
the one place that turns interval probabilities into quantile levels (rounded to 12 decimals,
so ``0.8`` gives exactly ``0.1`` and ``0.9``), and the one list of the 23 hubverse levels.

Loads only NumPy (and ``odforecast.errors``), so every layer can use it.

Examples
--------
>>> from odforecast.levels import HUBVERSE_QUANTILES, interval_levels
>>> interval_levels([0.5, 0.8])
[0.5, 0.25, 0.75, 0.1, 0.9]
>>> len(HUBVERSE_QUANTILES), HUBVERSE_QUANTILES[11]
(23, 0.5)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from odforecast.errors import DataError

__all__ = ["HUBVERSE_QUANTILES", "check_levels", "interval_bounds", "interval_levels",
           "percent"]

#: The 23 quantile levels of the hubverse (and CDC FluSight / COVID-19 Forecast Hub) standard.
HUBVERSE_QUANTILES: tuple[float, ...] = (
    0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5,
    0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 0.975, 0.99,
)


def check_levels(levels: float | Sequence[float], name: str = "levels") -> list[float]:
    """Probabilities (quantile levels or interval probabilities) as a list of floats.

    Parameters
    ----------
    levels
        One number or a non-empty sequence of distinct numbers, each strictly between 0 and 1.
    name
        Name of the parameter, for the error message.

    Returns
    -------
    list of float
        The values in the order given.

    Raises
    ------
    odforecast.DataError
        If ``levels`` is empty, not numeric, has a value outside (0, 1) or repeats a value.

    Examples
    --------
    >>> check_levels((0.9, 0.5), "intervals")
    [0.9, 0.5]
    >>> check_levels(1.5, "interval")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    odforecast.errors.DataError: every value of interval must lie strictly between 0 and 1...
    """
    values = np.atleast_1d(np.asarray(levels, dtype=float))
    if values.ndim != 1 or values.size == 0:
        raise DataError(f"{name} must be a non-empty sequence of numbers, got {levels!r}")
    if not (np.all(np.isfinite(values)) and np.all((values > 0) & (values < 1))):
        raise DataError(f"every value of {name} must lie strictly between 0 and 1, got "
                        f"{values.tolist()}")
    if len(set(values.tolist())) != values.size:
        raise DataError(f"{name} has duplicate values: {values.tolist()}")
    return [float(v) for v in values]


def interval_bounds(p: float) -> tuple[float, float]:
    """Quantile levels ``((1 - p) / 2, (1 + p) / 2)`` of the central interval ``p``, rounded to
    12 decimals (so that ``0.8`` gives ``0.1``, not ``0.09999999999999998``).

    Examples
    --------
    >>> interval_bounds(0.95)
    (0.025, 0.975)
    >>> interval_bounds(0.8)
    (0.1, 0.9)
    """
    return round((1 - p) / 2, 12), round((1 + p) / 2, 12)


def interval_levels(intervals: Sequence[float], *, median: bool = True) -> list[float]:
    """Quantile levels of central intervals: ``[0.5, lo_1, hi_1, lo_2, hi_2, ...]``.

    Parameters
    ----------
    intervals
        Central interval probabilities, in the order wanted (not checked: see
        :func:`check_levels`).
    median
        Start with the median level ``0.5``.

    Returns
    -------
    list of float
        With ``median``, level ``2k + 1`` is the lower and ``2k + 2`` the upper bound of
        ``intervals[k]``; without it, ``2k`` and ``2k + 1``.

    Examples
    --------
    >>> interval_levels([0.95, 0.5])
    [0.5, 0.025, 0.975, 0.25, 0.75]
    >>> interval_levels([0.9], median=False)
    [0.05, 0.95]
    """
    levels = [0.5] if median else []
    for p in intervals:
        levels += list(interval_bounds(p))
    return levels


def percent(p: float) -> str:
    """A probability as the percentage naming its columns and labels: ``0.95`` -> ``"95"``.

    Examples
    --------
    >>> percent(0.95), percent(0.5), percent(0.975)
    ('95', '50', '97.5')
    """
    return f"{round(p * 100, 6):g}"
