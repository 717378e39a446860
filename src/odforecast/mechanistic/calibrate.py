"""Calibration of the mechanistic model (spec §8): a Laplace approximation of the posterior.

:func:`pymc_model` is the calibration model in PyMC.  It has Normal priors on the sampling
scale (log scale for positive rates) and runs the monthly simulator
(:func:`odforecast.mechanistic.simulator.step`) as a ``pytensor.scan`` over the months of the
fit window, which is 228 steps for vintage 2021-06.  Its likelihoods are Normal on log deaths
by bucket and on log NSDUH stocks.

Two fitters approximate the same posterior by its mode plus a Gaussian with the inverse
Hessian:

* :func:`pymc_laplace_fit` uses ``pm.find_MAP`` on PyMC's gradient and a finite-difference
  Hessian of its ``dlogp``.  It takes 1-3.5 min on two cores, mostly compiling the scan
  gradient.
* :func:`numpy_laplace_fit` is the default and takes about 5 s.  It evaluates the identical log
  density with the vectorised NumPy simulator (:func:`log_posterior`).  A test checks that the
  two log densities differ only by a constant.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from odforecast.errors import FitError
from odforecast.mechanistic.parameters import FIXED, FREE_PARAMETERS, INITIAL_STOCKS, T0
from odforecast.mechanistic.simulator import DRIVER_NAMES, step

__all__ = ["Posterior", "Targets", "log_posterior", "numpy_laplace_fit", "pymc_laplace_fit",
           "pymc_model"]


@dataclass(frozen=True)
class Targets:
    """What the calibration sees.

    Attributes
    ----------
    years
        Calendar years with death targets.
    rx, ill
        Prescription-only and illicit-involved deaths (spec §9.2 buckets).
    sd_factor
        Multiplier of the observation sd per year (1 final, 2 provisional).
    prevalence
        ``{stock: {year: persons}}`` NSDUH targets available at the vintage.
    """

    years: np.ndarray
    rx: np.ndarray
    ill: np.ndarray
    sd_factor: np.ndarray
    prevalence: Mapping[str, Mapping[int, float]] = field(default_factory=dict)


@dataclass(frozen=True)
class Posterior:
    """Laplace approximation of the posterior of the free parameters.

    Attributes
    ----------
    names
        Free-parameter names (:data:`~odforecast.mechanistic.parameters.FREE_PARAMETERS`).
    mode
        MAP on the sampling scale.
    cov
        Covariance on the sampling scale (inverse negative Hessian).
    draws
        ``{name: (n_draws,)}`` on the natural scale.
    info
        Optimiser and timing details.
    """

    names: tuple[str, ...]
    mode: np.ndarray
    cov: np.ndarray
    draws: Mapping[str, np.ndarray]
    info: Mapping[str, Any]


def pymc_model(targets: Targets, drivers: Mapping[str, np.ndarray]) -> Any:
    """The calibration model in PyMC: Normal priors of the free parameters on the sampling
    scale, the monthly simulator as a ``pytensor.scan``, and Normal likelihoods of log annual
    deaths by bucket and of log NSDUH stocks."""
    import pymc as pm
    import pytensor
    import pytensor.tensor as pt

    n_years = int(targets.years[-1]) - int(T0) + 1
    n_months = 12 * n_years
    seqs = [pt.as_tensor_variable(np.asarray(drivers[k][:n_months], dtype=float))
            for k in DRIVER_NAMES]
    with pm.Model() as model:
        free = {}
        for prior in FREE_PARAMETERS:
            z = pm.Normal(prior.name, mu=prior.mu, sigma=prior.sd)
            free[prior.name] = pt.exp(z) if prior.log else z
        params: dict[str, Any] = {k: float(v) for k, v in FIXED.items()}
        params.update(free)
        names = list(free)

        def one_month(*args: Any):
            d = dict(zip(DRIVER_NAMES, args[:len(DRIVER_NAMES)], strict=True))
            state = args[len(DRIVER_NAMES):len(DRIVER_NAMES) + 5]
            rest = args[len(DRIVER_NAMES) + 5:]
            p = dict(params)
            p.update(dict(zip(names, rest, strict=True)))
            new_state, flows = step(tuple(state), p, d, pt)
            return [*new_state, flows["rx"], flows["ill"]]

        init = [pt.as_tensor_variable(np.asarray(INITIAL_STOCKS[s], dtype="float64"))
                for s in "MPHTR"]
        outputs = pytensor.scan(one_month, sequences=seqs,
                                outputs_info=[*init, None, None],
                                non_sequences=[free[n] for n in names],
                                return_updates=False)
        stocks = outputs[:5]
        rx = outputs[5].reshape((n_years, 12)).sum(axis=1)
        ill = outputs[6].reshape((n_years, 12)).sum(axis=1)
        idx = (targets.years - int(T0)).astype(int)
        sigma = free["sigma_d"] * targets.sd_factor
        pm.Normal("obs_rx", mu=pt.log(rx[idx]), sigma=sigma, observed=np.log(targets.rx))
        pm.Normal("obs_ill", mu=pt.log(ill[idx]), sigma=sigma, observed=np.log(targets.ill))
        for i, stock in enumerate("MPHTR"):
            wanted = targets.prevalence.get(stock, {})
            years = sorted(y for y in wanted if int(T0) <= y <= targets.years[-1])
            if not years:
                continue
            months = np.array([12 * (y - int(T0)) + 6 for y in years])
            pm.Normal(f"prev_{stock}", mu=pt.log(stocks[i][months - 1]),
                      sigma=FIXED["sigma_prevalence"],
                      observed=np.log([wanted[y] for y in years]))
    return model


def pymc_laplace_fit(targets: Targets, drivers: Mapping[str, np.ndarray], *, n_draws: int = 1000,
                random_seed: int = 0) -> Posterior:
    """Fit the free parameters: MAP plus a Laplace (Gaussian) approximation.

    Parameters
    ----------
    targets
        Death and prevalence targets (see :class:`Targets`).
    drivers
        Output of :func:`~odforecast.mechanistic.simulator.build_drivers`, covering at least
        the fit window.
    n_draws
        Posterior draws to keep.
    random_seed
        Seed of the optimiser start and the draws.

    Returns
    -------
    Posterior

    Raises
    ------
    odforecast.FitError
        If the optimiser or the Hessian fails.
    """
    import pymc as pm

    start_time = time.perf_counter()
    model = pymc_model(targets, drivers)
    names = tuple(p.name for p in FREE_PARAMETERS)
    start = {p.name: np.array(p.mu) for p in FREE_PARAMETERS}
    with model, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            point = pm.find_MAP(start=start, method="L-BFGS-B", progressbar=False,
                                maxeval=5000, seed=random_seed)
        except Exception as exc:  # pragma: no cover - optimiser failure
            raise FitError(f"mechanistic calibration: MAP search failed ({exc})") from exc
        dlogp = model.compile_dlogp()
        logp = model.compile_logp()
    compiled = time.perf_counter()
    mode = np.array([float(point[n]) for n in names])

    def grad(x: np.ndarray) -> np.ndarray:
        return np.asarray(dlogp({n: np.array(v) for n, v in zip(names, x, strict=True)}),
                          dtype=float)

    eps = 1e-4
    hess = np.empty((len(names), len(names)))
    for i in range(len(names)):
        e = np.zeros(len(names))
        e[i] = eps
        hess[:, i] = (grad(mode + e) - grad(mode - e)) / (2 * eps)
    return _posterior_from_hessian(mode, hess, n_draws, random_seed, start_time, {
        "method": "laplace (PyMC: MAP L-BFGS-B + finite-difference Hessian of dlogp)",
        "logp_at_mode": float(logp({n: np.array(v) for n, v in
                                    zip(names, mode, strict=True)})),
        "seconds_compile_and_map": round(compiled - start_time, 2)})


def _natural(z: np.ndarray) -> dict[str, np.ndarray]:
    return {p.name: (np.exp(z[:, i]) if p.log else z[:, i]) for i, p in enumerate(FREE_PARAMETERS)}


def log_posterior(z: np.ndarray, targets: Targets,
                  drivers: Mapping[str, np.ndarray]) -> np.ndarray:
    """Unnormalised log posterior of a batch of points ``z`` (``(n, n_free)``, sampling scale).

    Term for term the density of the PyMC model built by :func:`pymc_model` (Normal priors on
    the sampling scale; Normal likelihood of log deaths by bucket and of log NSDUH stocks),
    evaluated with the NumPy simulator, vectorised over the batch.
    """
    from odforecast.mechanistic.simulator import simulate

    z = np.atleast_2d(z)
    n_years = int(targets.years[-1]) - int(T0) + 1
    window = {k: v[:12 * n_years] for k, v in drivers.items()}
    params: dict[str, Any] = {k: float(v) for k, v in FIXED.items()}
    params.update(_natural(z))
    sim = simulate(params, window, INITIAL_STOCKS)
    idx = (targets.years - int(T0)).astype(int)
    lp = np.zeros(len(z))
    for i, prior in enumerate(FREE_PARAMETERS):
        lp += -0.5 * ((z[:, i] - prior.mu) / prior.sd) ** 2 - np.log(prior.sd)
    sigma = params["sigma_d"][:, None] * targets.sd_factor[None, :]
    for name, obs in (("deaths_rx", targets.rx), ("deaths_ill", targets.ill)):
        values = getattr(sim, name)
        annual = values.reshape(len(z), n_years, 12).sum(axis=2)[:, idx]
        resid = (np.log(obs)[None, :] - np.log(np.maximum(annual, 1e-12))) / sigma
        lp += np.sum(-0.5 * resid**2 - np.log(sigma), axis=1)
    for i, stock in enumerate("MPHTR"):
        wanted = targets.prevalence.get(stock, {})
        years = sorted(y for y in wanted if int(T0) <= y <= targets.years[-1])
        if not years:
            continue
        months = np.array([12 * (y - int(T0)) + 6 for y in years])
        model_stock = sim.stocks[i][:, months]
        resid = (np.log([wanted[y] for y in years])[None, :]
                 - np.log(np.maximum(model_stock, 1e-12))) / FIXED["sigma_prevalence"]
        lp += np.sum(-0.5 * resid**2, axis=1)
    return np.where(np.isfinite(lp), lp, -np.inf)


def numpy_laplace_fit(targets: Targets, drivers: Mapping[str, np.ndarray], *,
                      n_draws: int = 1000, random_seed: int = 0) -> Posterior:
    """Laplace approximation of the same posterior as :func:`pymc_laplace_fit`, evaluated with the
    vectorised NumPy simulator (MAP by L-BFGS-B with batched central-difference gradients, then
    a batched finite-difference Hessian).  About 100x faster than compiling the PyMC scan and
    its gradient on two cores (seconds instead of 1-3.5 minutes); the default of
    :class:`~odforecast.mechanistic.MechanisticOpioidModel`.
    """
    from scipy.optimize import minimize

    start_time = time.perf_counter()
    k = len(FREE_PARAMETERS)
    x0 = np.array([p.mu for p in FREE_PARAMETERS])
    h = 1e-4

    def fun_and_grad(x: np.ndarray) -> tuple[float, np.ndarray]:
        pts = np.vstack([x, x + h * np.eye(k), x - h * np.eye(k)])
        lp = log_posterior(pts, targets, drivers)
        if not np.isfinite(lp[0]):
            return 1e12, np.zeros(k)
        grad = (lp[1:k + 1] - lp[k + 1:]) / (2 * h)
        return -float(lp[0]), -np.nan_to_num(grad)

    res = minimize(fun_and_grad, x0, jac=True, method="L-BFGS-B",
                   options={"maxiter": 2000, "maxfun": 5000})
    mode = res.x
    if not np.isfinite(res.fun):
        raise FitError(f"mechanistic calibration: MAP search failed ({res.message})")
    # Hessian by central differences, all points in one batch
    hh = 1e-3
    eye = np.eye(k) * hh
    pts = [mode]
    pairs = []
    for i in range(k):
        for j in range(i, k):
            pairs.append((i, j))
            pts += [mode + eye[i] + eye[j], mode + eye[i] - eye[j],
                    mode - eye[i] + eye[j], mode - eye[i] - eye[j]]
    lp = log_posterior(np.array(pts), targets, drivers)
    hess = np.empty((k, k))
    for n, (i, j) in enumerate(pairs):
        a, b, c, d = lp[1 + 4 * n:5 + 4 * n]
        hess[i, j] = hess[j, i] = (a - b - c + d) / (4 * hh * hh)
    return _posterior_from_hessian(mode, hess, n_draws, random_seed, start_time, {
        "method": "laplace (NumPy log posterior: MAP L-BFGS-B + finite-difference Hessian)",
        "optimizer_success": bool(res.success), "optimizer_iterations": int(res.nit),
        "logp_at_mode": float(-res.fun)})


def _posterior_from_hessian(mode: np.ndarray, hess: np.ndarray, n_draws: int, seed: int,
                            start_time: float, info: dict[str, Any]) -> Posterior:
    neg = -(hess + hess.T) / 2.0
    vals, vecs = np.linalg.eigh(neg)
    if not np.all(np.isfinite(vals)):
        raise FitError("mechanistic calibration: the Hessian at the MAP is not finite")
    floor = 1e-6 * max(float(np.max(np.abs(vals))), 1.0)
    clipped = int(np.sum(vals < floor))
    cov = (vecs / np.maximum(vals, floor)) @ vecs.T
    rng = np.random.default_rng(seed)
    z = rng.multivariate_normal(mode, cov, size=n_draws, method="cholesky")
    names = tuple(p.name for p in FREE_PARAMETERS)
    info = {**info, "hessian_eigen_clipped": clipped,
            "seconds_total": round(time.perf_counter() - start_time, 2), "n_draws": n_draws}
    return Posterior(names, mode, cov, _natural(z), info)
