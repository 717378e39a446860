"""Variance-stabilising transforms for counts, applied before fitting and inverted on paths.

Inverting the transform on *sample paths* (not on a point forecast) gives non-negative paths and
an unbiased mean: the mean of ``exp(z)`` over paths is the mean of the count, with no
back-transformation bias correction needed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from odforecast.errors import DataError

__all__ = ["Transform", "choose_transform"]


@dataclass(frozen=True)
class Transform:
    """``log`` (counts all > 0), ``sqrt`` (counts with zeros) or ``none``.

    ``none`` models the counts as they are, so a Gaussian model can put some of its
    predictive below zero; a count cannot be negative, so :meth:`inverse` sets such values to
    zero (the predictive is censored at zero: its quantiles above zero are unchanged).

    Examples
    --------
    >>> import numpy as np
    >>> t = Transform("log")
    >>> round(float(t.inverse(t.forward(np.array([100.0])))[0]), 9)
    100.0
    """

    kind: str

    def __post_init__(self) -> None:
        if self.kind not in {"log", "sqrt", "none"}:
            raise DataError(f"transform must be 'auto', 'log', 'sqrt' or 'none'; got "
                            f"{self.kind!r}", column="transform")

    def forward(self, y: np.ndarray) -> np.ndarray:
        if self.kind == "log":
            return np.log(y)
        if self.kind == "sqrt":
            return np.sqrt(y)
        return np.asarray(y, dtype=float)

    def inverse(self, z: np.ndarray) -> np.ndarray:
        """Back to counts, every result >= 0: exp for log, the square for sqrt (it reflects
        z < 0), and for none values below zero set to zero (censoring at zero)."""
        if self.kind == "log":
            return np.exp(z)
        if self.kind == "sqrt":
            return np.square(z)
        return np.maximum(np.asarray(z, dtype=float), 0.0)


def choose_transform(kind: str, values: np.ndarray, label: str) -> Transform:
    """Resolve ``"auto"``: log when every count is positive, else square root.

    Missing values (NaN: withheld or censored cells) are ignored; they stay NaN on the
    transformed scale.

    Examples
    --------
    >>> choose_transform("auto", np.array([12.0, np.nan, 15.0]), "x").kind
    'log'
    >>> choose_transform("auto", np.array([0.0, np.nan, 3.0]), "x").kind
    'sqrt'
    """
    values = np.asarray(values, dtype=float)
    values = values[~np.isnan(values)]
    if kind == "auto":
        kind = "log" if np.all(values > 0) else "sqrt"
    if kind == "log" and np.any(values <= 0):
        raise DataError(f"series {label} has zero counts, so it cannot be log-transformed",
                        column="transform", hint="use transform='sqrt' or 'auto'")
    return Transform(kind)
