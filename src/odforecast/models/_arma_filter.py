"""Numba-compiled Kalman filter for :mod:`odforecast.models.arma_likelihood`.

A module of its own so that importing it is the moment numba loads (only the ARIMA search
does), and so that the compiled machine code is cached on disk (``cache=True`` caches
module-level functions only).  Explicit loops rather than ``@`` and ``np.linalg``: the state
has a handful of elements, and the loops compile in a fraction of the time BLAS and LAPACK
bindings take.
"""

from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, nogil=True)
def _matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled
    r = a.shape[0]
    out = np.zeros((r, r))
    for i in range(r):
        for k in range(r):
            if a[i, k] != 0.0:  # transitions are mostly zeros (companion form)
                for j in range(r):
                    out[i, j] += a[i, k] * b[k, j]
    return out


@numba.njit(cache=True, nogil=True)
def _sandwich(a: np.ndarray, p: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled
    """a @ p @ a.T"""
    ap = _matmul(a, p)
    r = a.shape[0]
    out = np.zeros((r, r))
    for i in range(r):
        for j in range(r):
            s = 0.0
            for k in range(r):
                s += ap[i, k] * a[j, k]
            out[i, j] = s
    return out


@numba.njit(cache=True, nogil=True)
def _matvec(a: np.ndarray, x: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled
    r = a.shape[0]
    out = np.zeros(r)
    for i in range(r):
        s = 0.0
        for k in range(r):
            s += a[i, k] * x[k]
        out[i] = s
    return out


@numba.njit(cache=True, nogil=True)
def stationary_moments(transition: np.ndarray, selection: np.ndarray,
                       intercept: np.ndarray) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover
    """Mean and covariance of a stationary state, ``a = T a + c`` and ``P = T P T' + R R'``,
    by doubling: ``a = sum_k T^k c``, ``P = sum_k T^k R R' T'^k``, squaring ``T`` each round
    (converges for every stationary ``T``; 64 rounds reach ``T^(2^64)``)."""
    p = np.outer(selection, selection)
    a = intercept.copy()
    power = transition.copy()
    for _ in range(64):
        step_p = _sandwich(power, p)
        step_a = _matvec(power, a)
        p = p + step_p
        a = a + step_a
        power = _matmul(power, power)
        if (np.max(np.abs(step_p)) <= 1e-15 * np.max(np.abs(p))
                and np.max(np.abs(step_a)) <= 1e-15 * max(np.max(np.abs(a)), 1e-300)):
            break
    return a, p


@numba.njit(cache=True, nogil=True)
def kalman_sums(y: np.ndarray, obs_intercept: np.ndarray, transition: np.ndarray,
                selection: np.ndarray, state_intercept: np.ndarray
                ) -> tuple[float, float, int]:  # pragma: no cover - compiled
    """Sum of log F_t, sum of v_t^2 / F_t and the number of observations of the Kalman filter of
    ``y_t = d_t + a[0]``, ``a_{t+1} = T a_t + c_t + R eta_t`` (unit innovation variance),
    started at the stationary moments; NaN observations are skipped (prediction only)."""
    r = transition.shape[0]
    n = y.shape[0]
    a, p = stationary_moments(transition, selection, state_intercept[:, 0])
    rr = np.outer(selection, selection)
    sum_log_f = 0.0
    sum_v2 = 0.0
    n_obs = 0
    varying_d = obs_intercept.shape[0] > 1
    varying_c = state_intercept.shape[1] > 1
    pz = np.zeros(r)
    for t in range(n):
        if not np.isnan(y[t]):
            d = obs_intercept[t] if varying_d else obs_intercept[0]
            v = y[t] - d - a[0]
            f = p[0, 0]
            for i in range(r):
                pz[i] = p[i, 0]
            for i in range(r):
                a[i] += pz[i] * v / f
                for j in range(r):
                    p[i, j] -= pz[i] * pz[j] / f
            sum_log_f += np.log(f)
            sum_v2 += v * v / f
            n_obs += 1
        a = _matvec(transition, a)
        for i in range(r):
            a[i] += state_intercept[i, t] if varying_c else state_intercept[i, 0]
        p = _sandwich(transition, p) + rr
    return sum_log_f, sum_v2, n_obs
