"""Sample paths of a SARIMAX model, all at once in numpy.

statsmodels' ``MLEResults.simulate`` draws paths through its simulation smoother, with a results
object per parameter vector and a Python-level loop per path; with a parameter draw per block of
paths (:mod:`odforecast.models.parameter_draws`) that was most of the time of an ARIMA forecast.
This module draws the same distribution from the state-space form directly:

- one Kalman filter per distinct vector of mean parameters (AR, MA, constant, regressors), run
  with unit innovation variance: in SARIMAX every variance (the innovation, the stationary
  initial state, the exact-diffuse updates) scales with ``sigma2`` and the filtered mean does not
  depend on it, which is what makes ``concentrate_scale`` exact.  The predicted state at the
  end, ``N(a, sigma2 * P1)``, is the start of every path, as with ``anchor="end"``;
- then every path at once: ``x`` drawn from that state distribution, and for each period
  ``y_t = Z x_t + d_t + e_t``, ``x_{t+1} = T x_t + c + R eta_t`` with the block's ``sigma2``
  scaling the shocks; ``d_t`` holds the regressors' future values times their coefficients.

Missing values need nothing here: the filter skips them, and when the last periods are
withheld, ``a`` and ``P`` are its prediction through them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["covariance_root", "simulate_paths"]


def simulate_paths(model: Any, thetas: np.ndarray, sizes: list[int], horizon: int,
                   rng: np.random.Generator, exog_future: np.ndarray | None = None) -> np.ndarray:
    """Sample paths of a statsmodels ``SARIMAX`` after the end of its data.

    Parameters
    ----------
    model
        The SARIMAX (scale not concentrated: ``sigma2`` is its last parameter).
    thetas
        Parameter vectors, one row per block of paths, ``sigma2`` last.
    sizes
        Paths per block (``len(sizes) == len(thetas)``).
    horizon
        Periods to simulate.
    rng
        The random generator (the paths depend only on its state).
    exog_future
        Future values of the regressors, shape ``(horizon, k_exog)``, if the model has any.

    Returns
    -------
    numpy.ndarray
        Shape ``(sum(sizes), horizon)``, block after block, on the model's scale.

    Examples
    --------
    A random walk with drift (log US opioid deaths 1999-2007): after ``h`` years the paths
    spread as ``sqrt(h * sigma2)`` around the last value plus ``h`` drifts.

    >>> import numpy as np
    >>> from statsmodels.tsa.statespace.sarimax import SARIMAX
    >>> z = np.log([8050., 8407, 9496, 11920, 12940, 13756, 14918, 17545, 18516])
    >>> model = SARIMAX(z, order=(0, 1, 0), trend="c")
    >>> theta = np.array([[0.1, 0.004]])
    >>> paths = simulate_paths(model, theta, [20000], 4, np.random.default_rng(0))
    >>> paths.shape
    (20000, 4)
    >>> bool(np.allclose(paths.mean(axis=0), z[-1] + 0.1 * np.arange(1, 5), atol=0.003))
    True
    >>> bool(np.allclose(paths.std(axis=0), np.sqrt(0.004 * np.arange(1, 5)), rtol=0.03))
    True
    """
    thetas = np.atleast_2d(np.asarray(thetas, dtype=float))
    sizes = [int(s) for s in sizes]
    if len(sizes) != len(thetas):
        raise ValueError(f"{len(thetas)} parameter vectors but {len(sizes)} block sizes")
    means, group = np.unique(thetas[:, :-1], axis=0, return_inverse=True)
    group = np.asarray(group).ravel()
    parts = [_state_space(model, mean, horizon, exog_future) for mean in means]
    stack = {key: np.stack([part[key] for part in parts]) for key in parts[0]}

    block = np.repeat(np.arange(len(sizes)), sizes)
    g = group[block]  # the filter (mean-parameter vector) of each path
    scale = np.sqrt(thetas[block, -1])[:, None]  # sigma of each path's block
    n, k = len(block), stack["a"].shape[1]
    design, transition = stack["Z"][g], stack["T"][g]
    shock = stack["RQ"][g]  # R @ chol(Q) at unit variance
    state_intercept, obs_intercept = stack["c"][g], stack["d"][g]
    noisy = bool(np.any(stack["H"] > 0))
    obs_sd = np.sqrt(stack["H"][g])[:, None] * scale if noisy else None

    x = stack["a"][g] + scale * np.einsum("nij,nj->ni", stack["Proot"][g],
                                          rng.standard_normal((n, k)))
    eta = rng.standard_normal((horizon, n, shock.shape[2]))
    eps = rng.standard_normal((horizon, n)) if noisy else None
    out = np.empty((n, horizon))
    for t in range(horizon):
        out[:, t] = np.einsum("nk,nk->n", design, x) + obs_intercept[:, t]
        if noisy:
            out[:, t] += obs_sd[:, 0] * eps[t]
        x = (np.einsum("nij,nj->ni", transition, x) + state_intercept
             + scale * np.einsum("nij,nj->ni", shock, eta[t]))
    return out


def _state_space(model: Any, mean: np.ndarray, horizon: int,
                 exog_future: np.ndarray | None) -> dict[str, np.ndarray]:
    """The end-of-data state distribution and the system matrices at unit variance."""
    ssm = model.ssm
    model.update(np.append(mean, 1.0), transformed=True)
    # The plain filter without a results object: only the last prediction is needed, and
    # ``model.filter`` builds a results object (with parameter covariances) per call.
    kfilter = ssm._filter()
    a = np.array(kfilter.predicted_state[:, -1], dtype=float)
    cov = np.array(kfilter.predicted_state_cov[:, :, -1], dtype=float)
    for name in ("design", "transition", "selection", "state_cov", "obs_cov"):
        if getattr(ssm, name).shape[-1] != 1:
            raise NotImplementedError(f"time-varying {name} matrix")
    # A constant trend sits in the state intercept, time-varying in shape only (SARIMAX's
    # trend "c"): its last column holds for every future period.
    c = np.array(ssm.state_intercept[:, -1], dtype=float)
    if getattr(model, "k_exog", 0):
        if exog_future is None:
            raise ValueError("the model has regressors: their future values are needed")
        beta = mean[model.k_trend:model.k_trend + model.k_exog]
        d = np.asarray(exog_future, dtype=float)[:horizon] @ beta
    else:
        d = np.full(horizon, float(ssm.obs_intercept[0, -1]))
    state_cov = np.array(ssm.state_cov[:, :, 0], dtype=float)
    return {
        "a": a,
        "Proot": covariance_root(cov),
        "Z": np.array(ssm.design[0, :, 0], dtype=float),
        "T": np.array(ssm.transition[:, :, 0], dtype=float),
        "RQ": np.array(ssm.selection[:, :, 0], dtype=float) @ np.linalg.cholesky(state_cov),
        "H": np.array(ssm.obs_cov[0, 0, 0], dtype=float),
        "c": c,
        "d": d,
    }


def covariance_root(cov: np.ndarray) -> np.ndarray:
    """A square root ``L`` with ``L @ L.T == cov`` of a covariance that may be singular (a
    filtered state whose parts are known only through their sum: integrated ARIMA states, the
    months of an observed 12-month window), from its eigen-decomposition.

    Examples
    --------
    >>> cov = np.array([[1.0, 1.0], [1.0, 1.0]])  # rank 1: Cholesky fails
    >>> root = covariance_root(cov)
    >>> bool(np.allclose(root @ root.T, cov))
    True
    """
    values, vectors = np.linalg.eigh((cov + cov.T) / 2)
    return vectors * np.sqrt(np.clip(values, 0.0, None))
