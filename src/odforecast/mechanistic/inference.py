"""Posterior inference for the mechanistic calibration: NUTS (numpyro) or a Laplace quick mode.

NUTS runs numpyro's sampler on the hand-written JAX density of
:mod:`odforecast.mechanistic.density` with a dense mass matrix (the latent processes' modes
trade off with the structural parameters), chains on separate CPU devices.
``benchmarks/mechanistic_calibration`` compares the alternatives by ESS per second.

**Warm-up in three stages.**  numpyro's own dense adaptation estimates the mass matrix from
windows of 25-100 draws; for these ~220 dimensions that estimate was so poor that 950 of 1,000
warm-up iterations ran at the maximum tree depth (1,023 steps each: 8 minutes).  Instead:

1. start at the posterior mode (latent scales held at their prior medians) with the inverse
   Hessian there as the mass matrix, and run ``mass_window`` warm-up plus ``mass_window``
   draws with the mass matrix fixed (only the step size adapts);
2. take the draws' covariance as the mass matrix and run the same again;
3. take the new covariance, adapt the step size for ``tune`` iterations and keep ``draws``.

Measured at the newest vintage: about 50 leapfrog steps per draw in stage 3 and no
divergence, against 130-160 steps and 19-47 divergences with numpyro's adaptation.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from odforecast._jax import import_jax, release_compiled_programs
from odforecast.errors import FitError, ParameterError
from odforecast.mechanistic.density import Density
from odforecast.models.params import check_int, check_sampler_settings, merge_settings

__all__ = ["DEFAULT_SAMPLER_CONFIG", "QUICK_SAMPLER_CONFIG", "Posterior", "infer",
           "merge_sampler_config"]

#: NUTS settings of a full calibration (converged with R-hat <= 1.01, ESS > 400 and no
#: divergence at every vintage of benchmarks/projection_vintages; target_accept 0.95 left one
#: divergence in 2,000 draws at two of the five, 0.98 none, at 63-70 s each).
DEFAULT_SAMPLER_CONFIG: dict[str, Any] = {
    "method": "nuts",          # or "laplace": posterior mode + Gaussian (quick, approximate)
    "draws": 1000,             # kept draws per chain (stage 3)
    "tune": 200,               # step-size adaptation of stage 3
    "mass_window": 300,        # warm-up and draws of each mass-matrix stage (1 and 2)
    "chains": 2,
    "target_accept": 0.98,
    "max_tree_depth": 10,
    "laplace_draws": 2000,     # draws of the Laplace approximation
    # a NUTS run that misses the thresholds is sampled again, once, longer (twice the draws
    # and tuning; target_accept halfway to 1 after divergences), unless draws or tune were
    # chosen: with jax 0.12.1 the main job's calibration (vintage 2021-06-17, seed 0) had 1
    # divergence in 2,000 draws, and none with 0.12.0.1
    "reruns": 1,
}

#: Quick mode (``odforecast.set_options(quick=True)``): the Laplace approximation.
QUICK_SAMPLER_CONFIG: dict[str, Any] = {"method": "laplace"}


def merge_sampler_config(user: Mapping[str, Any] | None) -> dict[str, Any]:
    """Defaults (quick-mode defaults when quick mode is on) updated with ``user``.

    Unknown keys and bad values are a :class:`~odforecast.errors.ParameterError` naming the key.

    Examples
    --------
    >>> merge_sampler_config({"draws": 500})["draws"]
    500
    >>> merge_sampler_config({"drawz": 500})
    Traceback (most recent call last):
    ...
    odforecast.errors.ParameterError: parameter 'sampler_config': unknown sampler_config option \
'drawz'; known options: chains, draws, laplace_draws, mass_window, max_tree_depth, method, \
reruns, target_accept, tune
    """
    from odforecast.options import get_options

    defaults = dict(DEFAULT_SAMPLER_CONFIG)
    if get_options()["quick"]:
        defaults.update(QUICK_SAMPLER_CONFIG)
    config = merge_settings(defaults, user, name="sampler_config")
    if config["method"] not in ("nuts", "laplace"):
        raise ParameterError(f"sampler_config method must be 'nuts' or 'laplace'; got "
                             f"{config['method']!r}", parameter="method")
    check_sampler_settings(config, ("draws", "tune", "mass_window", "chains", "max_tree_depth",
                                    "laplace_draws"))
    check_int(config["reruns"], "reruns", minimum=0)
    return config


@dataclass
class Posterior:
    """Posterior draws of the calibration.

    Attributes
    ----------
    theta
        Unconstrained parameter vectors, ``(chains, draws, dim)`` (one chain for Laplace).
    labels
        One label per element of ``theta``.
    derived
        Per draw (flattened over chains): ``knots_lethality`` and ``knots_rx`` (log latent
        processes on the knots), ``noise_rx`` / ``noise_ill``, ``months_rx`` / ``months_ill``
        (monthly deaths inside the windows, reconstructed from the offsets), ``model_rx`` /
        ``model_ill`` (the model's expected monthly deaths over the fit window) and the
        natural-scale structural parameters.
    diagnostics
        Method, timings, and for NUTS the worst R-hat, bulk and tail ESS over every parameter,
        divergences and tree-depth hits.

    Examples
    --------
    >>> from odforecast.mechanistic import MechanisticOpioidModel, calibration_frame
    >>> fit = MechanisticOpioidModel("latest").fit(calibration_frame())  # doctest: +SKIP
    >>> fit.posterior.converged, fit.posterior.diagnostics["ess_bulk_min"]  # doctest: +SKIP
    (True, 802.0)
    """

    theta: np.ndarray
    labels: list[str]
    derived: dict[str, np.ndarray]
    diagnostics: dict[str, Any] = field(default_factory=dict)

    @property
    def n_draws(self) -> int:
        return int(self.theta.shape[0] * self.theta.shape[1])

    @property
    def converged(self) -> bool:
        """NUTS met R-hat <= 1.01, bulk and tail ESS >= 400 and had no divergence."""
        return bool(self.diagnostics.get("converged", False))


def _find_mode(density: Density, jax) -> tuple[np.ndarray, dict[str, Any], Any]:
    """A starting point: the posterior mode with the latent processes' scales held at their
    prior medians.

    The joint mode of a hierarchical density is not a useful start: there the scales of the
    latent processes grow tenfold and the noise levels shrink to zero (measured: sigma 0.38
    against a posterior of about 0.03), far from where the posterior mass is.
    """
    from scipy.optimize import minimize

    held = np.zeros(density.layout.size, dtype=bool)
    for name in ("sigma_lethality", "sigma_rx"):
        held[density.layout.slices[name]] = True
    free = ~held
    start = density.initial.copy()
    value_and_grad = jax.jit(jax.value_and_grad(density.logp))

    def negative(x: np.ndarray) -> tuple[float, np.ndarray]:
        theta = start.copy()
        theta[free] = x
        value, grad = value_and_grad(theta)
        value = float(value)
        if not np.isfinite(value):
            return 1e30, np.zeros_like(x)
        return -value, -np.asarray(grad, dtype=float)[free]

    started = time.perf_counter()
    result = minimize(negative, start[free], jac=True, method="L-BFGS-B",
                      options={"maxiter": 2000, "maxcor": 30})
    if not np.isfinite(result.fun) or result.fun >= 1e30:
        raise FitError(f"mechanistic calibration: the posterior mode search failed "
                       f"({result.message})")
    start[free] = result.x
    return start, {"mode_seconds": round(time.perf_counter() - started, 1),
                   "mode_iterations": int(result.nit),
                   "logp_at_mode": float(-result.fun)}, value_and_grad


def infer(density: Density, config: Mapping[str, Any], random_seed: int,
          report: Any = None) -> Posterior:
    """Sample the posterior of ``density`` (NUTS) or approximate it (Laplace).

    Parameters
    ----------
    density
        From :func:`~odforecast.mechanistic.density.build_density`.
    config
        Merged sampler settings (:func:`merge_sampler_config`).
    random_seed
        Seed of the chains' starting jitter and of the sampler.
    report
        An :class:`odforecast._progress.Progress` to note stages on, or None.
    """
    jax = import_jax()
    started = time.perf_counter()
    mode, info, value_and_grad = _find_mode(density, jax)
    if report is not None:
        report.note(f"posterior mode found in {info['mode_seconds']} s "
                    f"({info['mode_iterations']} L-BFGS iterations)")
    if config["method"] == "laplace":
        theta, extra = _laplace(density, mode, value_and_grad, int(config["laplace_draws"]),
                                random_seed)
    else:
        theta, extra = _nuts(density, mode, value_and_grad, config, random_seed, jax, report)
    info.update(extra)
    derived = _derived(density, theta.reshape(-1, theta.shape[-1]), jax)
    release_compiled_programs()  # many calibrations in one process (vintage backtests)
    info["seconds"] = round(time.perf_counter() - started, 1)
    return Posterior(theta, density.layout.labels(), derived, info)


def _hessian(point: np.ndarray, value_and_grad: Any, step: float = 1e-4) -> np.ndarray:
    """Hessian of the log density by central differences of its (compiled) gradient: 2 x dim
    gradient calls, a fraction of a second, where compiling JAX's forward-over-reverse Hessian
    took 12 s."""
    dim = len(point)
    hess = np.empty((dim, dim))
    for i in range(dim):
        e = np.zeros(dim)
        e[i] = step
        hess[:, i] = (np.asarray(value_and_grad(point + e)[1])
                      - np.asarray(value_and_grad(point - e)[1])) / (2 * step)
    hess = (hess + hess.T) / 2.0
    if not np.all(np.isfinite(hess)):
        raise FitError("mechanistic calibration: the Hessian at the posterior mode is not "
                       "finite")
    return hess


def _laplace(density: Density, mode: np.ndarray, value_and_grad: Any, n_draws: int,
             seed: int) -> tuple[np.ndarray, dict[str, Any]]:
    """Gaussian around the mode, conditional on the latent scales at their prior medians.

    The mode search holds the scales there (see :func:`_find_mode`): the density has no
    useful joint mode in them, and a Hessian taken across them is not negative definite, so
    the Laplace draws keep them fixed.
    """
    started = time.perf_counter()
    held = np.zeros(len(mode), dtype=bool)
    for name in ("sigma_lethality", "sigma_rx"):
        held[density.layout.slices[name]] = True
    hess = -_hessian(mode, value_and_grad)[np.ix_(~held, ~held)]
    vals, vecs = np.linalg.eigh(hess)
    floor = 1e-8 * max(float(np.max(np.abs(vals))), 1.0)
    clipped = int(np.sum(vals < floor))
    scale = vecs / np.sqrt(np.maximum(vals, floor))
    z = np.random.default_rng(seed).standard_normal((n_draws, int((~held).sum())))
    theta = np.tile(mode, (n_draws, 1))
    theta[:, ~held] += z @ scale.T
    theta = theta[None]
    return theta, {"method": "laplace (posterior mode + Gaussian, latent scales at their "
                             "prior medians; approximate)",
                   "hessian_eigen_clipped": clipped,
                   "laplace_seconds": round(time.perf_counter() - started, 1),
                   "converged": False}


class _Chains:
    """NUTS chains (blackjax kernel) with the step size and mass matrix as run-time
    arguments, so one compiled block of iterations serves every warm-up stage.

    Each chain runs in its own thread on its own CPU device (JAX releases the GIL while it
    computes).  Measured here: compiling one chain's block takes about 9 s, against 30 s for
    the ``pmap`` over two chains and 15 s per stage for numpyro's sampler.
    """

    BLOCK = 50  # iterations per compiled call

    def __init__(self, density: Density, n_chains: int, target_accept: float,
                 max_tree_depth: int, jax) -> None:
        import blackjax
        from blackjax.adaptation.step_size import dual_averaging_adaptation

        self.jax = jax
        jnp = jax.numpy
        self.n_chains = n_chains
        self.devices = jax.local_devices()
        logdensity = density.logp
        kernel = blackjax.mcmc.nuts.build_kernel()
        self._init = jax.jit(lambda x: blackjax.mcmc.nuts.init(x, logdensity))
        da_init, da_update, _ = dual_averaging_adaptation(target_accept)
        self._da_init = jax.jit(da_init)

        def block(state, da, step, keys, mass, adapt):
            def one(carry, key):
                state, da = carry
                use = jnp.where(adapt, jnp.exp(da.log_step_size), step)
                new, info = kernel(key, state, logdensity, use, mass,
                                   max_num_doublings=max_tree_depth)
                da_new = da_update(da, info.acceptance_rate)
                da = jax.tree_util.tree_map(lambda a, b: jnp.where(adapt, a, b), da_new, da)
                return (new, da), (new.position, info.is_divergent,
                                   info.num_integration_steps)
            (state, da), out = jax.lax.scan(one, (state, da), keys)
            return state, da, out

        self._block = jax.jit(block)

    @property
    def parallel(self) -> bool:
        return len(self.devices) >= self.n_chains

    def _chain(self, i: int, init: np.ndarray, mass: np.ndarray, warmup: int, draws: int,
               key: Any, step0: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
        jax = self.jax
        jnp = jax.numpy
        device = self.devices[i % len(self.devices)]

        def put(value: Any) -> Any:
            return jax.device_put(value, device)

        state = self._init(put(jnp.asarray(init)))
        # strong float64 types throughout, so the block compiles once (weakly typed inputs
        # from Python floats made JAX compile it a second time for the draws)
        da = jax.tree_util.tree_map(lambda a: jnp.array(a, dtype=a.dtype),
                                    self._da_init(put(jnp.array(step0, dtype=jnp.float64))))
        mass_d = put(jnp.asarray(mass))
        n_warm = -(-warmup // self.BLOCK)
        n_draw = -(-draws // self.BLOCK)
        keys = put(jax.random.split(key, (n_warm + n_draw) * self.BLOCK)
                   .reshape(n_warm + n_draw, self.BLOCK, -1))
        step = put(jnp.array(step0, dtype=jnp.float64))
        adapt = put(jnp.array(True))
        for b in range(n_warm):
            state, da, _ = self._block(state, da, step, keys[b], mass_d, adapt)
        # the dual-averaging average of the log step size is the adapted step
        step_size = float(np.exp(np.asarray(da.log_step_size_avg)))
        step = put(jnp.array(step_size, dtype=jnp.float64))
        adapt = put(jnp.array(False))
        out = [self._block(state, da, step, keys[b], mass_d, adapt)[2]
               for b in range(n_warm, n_warm + n_draw)]
        theta = np.concatenate([np.asarray(o[0]) for o in out])[:draws]
        divergent = np.concatenate([np.asarray(o[1]) for o in out])[:draws]
        steps = np.concatenate([np.asarray(o[2]) for o in out])[:draws]
        return theta, divergent, steps, step_size

    def run(self, init: np.ndarray, mass: np.ndarray, warmup: int, draws: int,
            key: Any, step0: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
        """``warmup`` step-size iterations then ``draws`` kept ones per chain; returns draws
        ``(chains, draws, dim)``, divergences and step counts of the kept draws, and the mean
        adapted step size."""
        import threading

        keys = self.jax.random.split(key, self.n_chains)
        results: list[Any] = [None] * self.n_chains
        errors: list[BaseException] = []

        def work(i: int) -> None:
            try:
                results[i] = self._chain(i, init[i], mass, warmup, draws, keys[i], step0)
            except BaseException as exc:  # re-raised in the calling thread
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(i,)) for i in range(self.n_chains)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if errors:
            raise FitError(f"mechanistic calibration: NUTS failed ({errors[0]})") \
                from errors[0]
        theta = np.stack([r[0] for r in results])
        divergent = np.stack([r[1] for r in results])
        steps = np.stack([r[2] for r in results])
        return theta, divergent, steps, float(np.mean([r[3] for r in results]))


def _nuts(density: Density, mode: np.ndarray, value_and_grad: Any,
          config: Mapping[str, Any], seed: int, jax,
          report: Any) -> tuple[np.ndarray, dict[str, Any]]:
    chains, window = int(config["chains"]), int(config["mass_window"])
    depth = int(config["max_tree_depth"])
    sampler = _Chains(density, chains, float(config["target_accept"]), depth, jax)
    if report is not None:
        report.note(f"NUTS (blackjax, dense mass): {chains} chains x {config['draws']:,} draws "
                    f"after 2 x {2 * window} mass-matrix iterations and {config['tune']} "
                    "step-size iterations"
                    + ("" if sampler.parallel else ", one chain after another (JAX was "
                       "imported with one CPU device)"))
    started = time.perf_counter()
    rng = np.random.default_rng(seed)
    vals, vecs = np.linalg.eigh(-_hessian(mode, value_and_grad))
    mass = (vecs / np.maximum(vals, 1.0)) @ vecs.T  # no direction wider than unit scale
    init = mode[None, :] + 0.01 * rng.standard_normal((chains, len(mode)))
    key = jax.random.PRNGKey(int(rng.integers(0, 2**31)))
    keys = jax.random.split(key, 3)
    step = 0.3
    stages = []
    for stage in range(2):
        stage_start = time.perf_counter()
        draws, _, steps, step = sampler.run(init, mass, window, window, keys[stage], step)
        mass = np.cov(draws.reshape(-1, draws.shape[-1]).T)
        init = draws[:, -1]
        stages.append((round(time.perf_counter() - stage_start, 1), round(float(steps.mean()))))
    warmup_seconds = time.perf_counter() - started
    theta, divergent, steps, step = sampler.run(init, mass, int(config["tune"]),
                                                   int(config["draws"]), keys[2], step)
    info = {"method": f"NUTS (blackjax, dense mass), {chains} chains x {config['draws']} "
                      "draws",
            "warmup_seconds": round(warmup_seconds, 1),
            "sampling_seconds": round(time.perf_counter() - started - warmup_seconds, 1),
            "step_size": round(step, 4),
            "mass_stages": stages,  # (seconds, mean leapfrog steps) of stages 1 and 2
            "divergences": int(divergent.sum()),
            "tree_depth_hits": int(np.sum(steps >= 2 ** depth - 1)),
            "mean_steps": round(float(steps.mean()), 1)}
    info.update(convergence(theta))
    info["converged"] = bool(info["r_hat_max"] <= 1.01 and info["ess_bulk_min"] >= 400
                             and info["ess_tail_min"] >= 400 and info["divergences"] == 0)
    return theta, info


def convergence(theta: np.ndarray) -> dict[str, float]:
    """Worst rank-normalised R-hat and smallest bulk / tail ESS over every parameter.

    Examples
    --------
    >>> import numpy as np
    >>> draws = np.random.default_rng(0).standard_normal((2, 500, 3))
    >>> result = convergence(draws)
    >>> result["r_hat_max"] < 1.01, result["ess_bulk_min"] > 600
    (True, True)
    """
    from arviz_stats.base import array_stats

    chains_draws = np.moveaxis(theta, -1, 0)  # (dim, chains, draws)
    rhat = np.asarray(array_stats.rhat(chains_draws, chain_axis=1, draw_axis=2))
    bulk = np.asarray(array_stats.ess(chains_draws, method="bulk", chain_axis=1, draw_axis=2))
    tail = np.asarray(array_stats.ess(chains_draws, method="tail", prob=(0.05, 0.95),
                                      chain_axis=1, draw_axis=2))
    return {"r_hat_max": round(float(np.nanmax(rhat)), 4),
            "ess_bulk_min": round(float(np.nanmin(bulk)), 1),
            "ess_tail_min": round(float(np.nanmin(tail)), 1)}


def _derived(density: Density, flat: np.ndarray, jax) -> dict[str, np.ndarray]:
    keep = {"knots_lethality": "knots_lethality", "knots_rx": "knots_rx",
            "noise_rx": "noise_rx", "noise_ill": "noise_ill", "months_rx": "months_rx",
            "months_ill": "months_ill", "rx": "model_rx", "ill": "model_ill"}
    forward = jax.jit(jax.vmap(density.forward))
    parts: dict[str, list[np.ndarray]] = {}
    for start in range(0, len(flat), 500):
        out = forward(flat[start:start + 500])
        for key, name in keep.items():
            if key in out:
                parts.setdefault(name, []).append(np.asarray(out[key], dtype=float))
    derived = {k: np.concatenate(v) for k, v in parts.items()}
    q = density.layout.unpack(flat)
    from odforecast.mechanistic.parameters import FREE_PARAMETERS, LATENT_PRIORS

    for prior in (*FREE_PARAMETERS, *LATENT_PRIORS):
        value = np.asarray(q[prior.name], dtype=float)
        derived[prior.name] = np.exp(value) if prior.log else value
    return derived
