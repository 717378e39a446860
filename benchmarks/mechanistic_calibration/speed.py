"""Wall time and ESS per second of the mechanistic calibration at the newest vintage.

Side by side, on the same JAX log density (annual counts 2002-2013, every 12-month window
through the newest, NSDUH prevalence), compilation included, 2 chains x 1,000 kept draws:

* ``blackjax`` - the library's default: blackjax NUTS, dense mass matrix from the Hessian at the
  mode, two covariance-adaptation windows of 300 draws, 200 step-size iterations;
* ``numpyro`` - numpyro's NUTS on the same potential, dense mass matrix with its own windowed
  adaptation (1,000 warm-up iterations), chains in parallel on two CPU devices;
* ``laplace`` - the quick mode (mode + Gaussian; no convergence to report).

Usage (from the repository root)::

    .venv/bin/python benchmarks/mechanistic_calibration/speed.py --seeds 0,1,2

numpyro is not a dependency of odforecast: ``pip install numpyro`` to include it (it is skipped
otherwise).  Prints the README table and writes ``results/speed.csv``.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent


def blackjax_or_laplace(method: str, seed: int) -> dict:
    from odforecast.mechanistic import MechanisticOpioidModel, calibration_frame

    data = calibration_frame()
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = MechanisticOpioidModel("latest", calibration=method, random_seed=seed).fit(
            data, progress=False)
    seconds = time.perf_counter() - started
    info = fit.posterior.diagnostics
    return {"sampler": method if method == "laplace" else "blackjax (default)", "seed": seed,
            "seconds": round(seconds, 1),
            **{k: info.get(k) for k in ("r_hat_max", "ess_bulk_min", "ess_tail_min",
                                        "divergences")}}


def numpyro_nuts(seed: int) -> dict:
    from odforecast.mechanistic import calibration_frame
    from odforecast.mechanistic.density import build_density
    from odforecast.mechanistic.inference import _find_mode, convergence
    from odforecast.mechanistic.latent import LatentBasis, quarterly_persistence
    from odforecast.mechanistic.model import GROWTH_HALF_LIFE
    from odforecast.mechanistic.simulator import month_times
    from odforecast.mechanistic.targets import calibration_data

    started = time.perf_counter()
    cal = calibration_data(calibration_frame(), pd.Timestamp.today().normalize())
    basis = LatentBasis.for_months(month_times(cal.end.year, cal.end.month),
                                   quarterly_persistence(GROWTH_HALF_LIFE))
    density = build_density(cal, basis)  # imports JAX with one CPU device per core
    import jax
    import jax.numpy as jnp
    from numpyro.infer import MCMC, NUTS

    mode, _, _ = _find_mode(density, jax)

    def potential(theta):
        return -density.logp(theta)

    kernel = NUTS(potential_fn=potential, dense_mass=True, target_accept_prob=0.95,
                  max_tree_depth=10)
    mcmc = MCMC(kernel, num_warmup=1000, num_samples=1000, num_chains=2,
                chain_method="parallel", progress_bar=False)
    rng = np.random.default_rng(seed)
    init = jnp.asarray(mode[None, :] + 0.01 * rng.standard_normal((2, len(mode))))
    mcmc.run(jax.random.PRNGKey(seed), init_params=init, extra_fields=("diverging",))
    theta = np.asarray(mcmc.get_samples(group_by_chain=True))
    divergences = int(np.asarray(mcmc.get_extra_fields()["diverging"]).sum())
    seconds = time.perf_counter() - started
    return {"sampler": "numpyro (dense)", "seed": seed, "seconds": round(seconds, 1),
            **convergence(theta), "divergences": divergences}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--samplers", default="blackjax,numpyro,laplace")
    parser.add_argument("--out", default=str(HERE / "results"))
    args = parser.parse_args(argv)
    seeds = [int(s) for s in args.seeds.split(",")]
    print(f"# mechanistic calibration speed: {platform.node()}, {os.cpu_count()} CPUs, "
          f"{time.strftime('%Y-%m-%d %H:%M')}", file=sys.stderr)
    rows = []
    for sampler in args.samplers.split(","):
        for seed in seeds:
            if sampler == "numpyro":
                try:
                    import numpyro  # noqa: F401
                except ImportError:
                    print("numpyro is not installed: skipped", file=sys.stderr)
                    break
                # a fresh process per numpyro run: JAX's device count is fixed at import
                row = numpyro_nuts(seed)
            else:
                row = blackjax_or_laplace("nuts" if sampler == "blackjax" else "laplace", seed)
            rows.append(row)
            print(row, file=sys.stderr, flush=True)
    frame = pd.DataFrame(rows)
    frame["ess_per_s"] = (frame["ess_bulk_min"] / frame["seconds"]).round(1)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    frame.to_csv(out / "speed.csv", index=False)
    print(frame.to_string(index=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
