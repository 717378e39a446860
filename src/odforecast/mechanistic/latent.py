"""Smooth latent processes on quarterly knots: illicit lethality and the Rx hazard factor.

A process ``y`` (log illicit lethality, or the log prescription-opioid hazard factor) lives on
quarterly knots ``tau_j = 2002.0 + j / 4`` and is linear between them.  It starts at 0 with zero
growth, and its growth is a damped random walk:

.. math::

    y_j = \\sum_{i \\le j} g_i, \\qquad g_i = \\phi\\, g_{i-1} + \\sigma\\, w_i,
    \\qquad w_i \\sim N(0, 1),

so ``y = sigma B w`` for a fixed lower-triangular ``B`` (given ``phi``).  Written that way NUTS
struggles: the data pin a few smooth combinations of the ``w`` and the posterior is badly
conditioned (``mechanistic-calibration-notes.md``).  The sampler therefore works in the
eigen-basis of the prior: ``B = U S V^T`` (SVD) and ``y = U (S * z)`` with ``z ~ N(0, sigma^2)``
is the same prior.  The leading modes (largest ``S``: the smooth shapes the data pin) are
sampled centred, the others non-centred.

Projection continues the same process: the last increment is the growth at the end of the
data, and future growth follows the recursion with new innovations.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from odforecast.mechanistic.parameters import T0

__all__ = ["KNOT_STEP", "LatentBasis", "continue_paths", "quarterly_persistence"]

#: Spacing of the knots in years.
KNOT_STEP = 0.25


def quarterly_persistence(growth_half_life: float | None) -> float:
    """Quarterly damping ``phi`` of the growth from its half-life in years (None: 1, undamped).

    Examples
    --------
    >>> round(quarterly_persistence(2.0), 4)
    0.917
    >>> quarterly_persistence(None)
    1.0
    """
    if growth_half_life is None:
        return 1.0
    return float(0.5 ** (KNOT_STEP / growth_half_life))


@dataclass(frozen=True)
class LatentBasis:
    """The knots, the eigen-basis of the prior and the knot-to-month interpolation.

    Attributes
    ----------
    knot_times
        Decimal times of the knots (2002.0, 2002.25, ...), covering the months.
    phi
        Quarterly damping of the growth.
    u, s, v
        SVD of the innovation-to-path matrix ``B`` (``B = u diag(s) v.T``).
    interp
        ``(n_months, n_knots)`` linear interpolation from knots to mid-month times.

    Examples
    --------
    >>> from odforecast.mechanistic.latent import LatentBasis
    >>> from odforecast.mechanistic.simulator import month_times
    >>> basis = LatentBasis.for_months(month_times(2024), phi=0.95)
    >>> basis.n_knots, basis.n_modes   # 2002.0 ... 2025.0 quarterly; two knots are fixed at 0
    (93, 91)
    >>> bool(basis.s[0] > basis.s[1] > basis.s[-1])
    True
    """

    knot_times: np.ndarray
    phi: float
    u: np.ndarray
    s: np.ndarray
    v: np.ndarray
    interp: np.ndarray

    @classmethod
    def for_months(cls, month_times: np.ndarray, phi: float) -> LatentBasis:
        """The basis whose knots cover ``month_times`` (mid-month decimal times)."""
        n_knots = int(np.ceil((month_times[-1] - T0) / KNOT_STEP - 1e-9)) + 1
        knots = T0 + KNOT_STEP * np.arange(max(n_knots, 3))
        b = innovation_matrix(len(knots), phi)
        u, s, vt = np.linalg.svd(b, full_matrices=False)
        return cls(knots, float(phi), u, s, vt.T, interpolation(knots, month_times))

    @property
    def n_knots(self) -> int:
        return len(self.knot_times)

    @property
    def n_modes(self) -> int:
        return len(self.s)

    def path(self, coefficients: np.ndarray) -> np.ndarray:
        """Knot values from mode coefficients ``s * z`` (``(..., n_modes)``)."""
        return coefficients @ self.u.T


def innovation_matrix(n_knots: int, phi: float) -> np.ndarray:
    """``B`` with ``y = B w``: knot ``j`` (0-based) sums the growth of increments ``1..j``;
    increment 1 has zero growth, and innovation ``l`` (increments ``2..``) enters increment
    ``i >= l`` with weight ``phi ** (i - l)``.

    Examples
    --------
    >>> innovation_matrix(4, 0.5)
    array([[0. , 0. ],
           [0. , 0. ],
           [1. , 0. ],
           [1.5, 1. ]])
    """
    j = np.arange(n_knots)[:, None]
    l_ = np.arange(2, n_knots)[None, :]
    # sum_{i=l}^{j} phi^(i-l) = (1 - phi^(j-l+1)) / (1 - phi), or j - l + 1 when phi = 1
    span = np.maximum(j - l_ + 1, 0).astype(float)
    if phi == 1.0:
        return span
    return np.where(span > 0, (1.0 - phi ** span) / (1.0 - phi), 0.0)


def interpolation(knots: np.ndarray, times: np.ndarray) -> np.ndarray:
    """``(len(times), len(knots))`` linear-interpolation weights (times inside the knots)."""
    position = np.clip(np.searchsorted(knots, times) - 1, 0, len(knots) - 2)
    frac = (times - knots[position]) / (knots[position + 1] - knots[position])
    weights = np.zeros((len(times), len(knots)))
    rows = np.arange(len(times))
    weights[rows, position] = 1.0 - frac
    weights[rows, position + 1] = frac
    return weights


def continue_paths(knots: np.ndarray, sigma: np.ndarray, phi: float, n_new: int,
                   rng: np.random.Generator, df: float | None = None) -> np.ndarray:
    """Continue knot paths ``(n_draws, n_knots)`` by ``n_new`` quarters of the same process.

    The growth at the end is the last increment; each new quarter's growth is ``phi`` times
    the previous one plus ``sigma`` (per draw) times a standard normal, or, with ``df``, a
    Student-t variate with ``df`` degrees of freedom (same scale, heavier tails: supply jumps
    such as the 2020 surge or the 2023 fall, which a Gaussian calls rare).

    Examples
    --------
    With no innovation noise the growth decays geometrically:

    >>> import numpy as np
    >>> paths = np.array([[0.0, 0.0, 0.1, 0.2]])  # growth 0.1 per quarter at the end
    >>> continue_paths(paths, np.array([0.0]), 0.5, 2, np.random.default_rng(0)).round(3)
    array([[0.   , 0.   , 0.1  , 0.2  , 0.25 , 0.275]])
    """
    n_draws = knots.shape[0]
    growth = knots[:, -1] - knots[:, -2]
    level = knots[:, -1].copy()
    eps = rng.standard_normal((n_draws, n_new)) if df is None else \
        rng.standard_t(df, (n_draws, n_new))
    new = np.empty((n_draws, n_new))
    for h in range(n_new):
        growth = phi * growth + sigma * eps[:, h]
        level = level + growth
        new[:, h] = level
    return np.concatenate([knots, new], axis=1)
