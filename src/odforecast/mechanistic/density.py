"""The calibration's log posterior density, written in JAX for NUTS (blackjax).

Parameters live in one unconstrained vector (:class:`Layout`): the structural parameters of
:data:`~odforecast.mechanistic.parameters.FREE_PARAMETERS` (log scale where positive), the two
latent processes in their eigen-bases (:mod:`odforecast.mechanistic.latent`: log illicit
lethality ``log Lambda`` and the log prescription-hazard factor ``log Psi``), the two noise
levels, and, with monthly data, 11 offsets per bucket (below).

**Likelihood, each death counted once.**  Monthly deaths ``m_k`` scatter around the model's
``D_k`` independently with variance ``v_k = D_k + (c D_k)^2`` (Poisson plus a coefficient of
variation ``c`` per bucket).

* An annual count is the sum of its 12 months: ``y ~ N(sum D, sum v)`` (sd doubled when
  provisional).
* Consecutive 12-month windows differ by one month in and one out: ``S_j - S_{j-1} = m_{e_j}
  - m_{e_j - 12}``.  Given the 12 months of the first window, every later month follows
  exactly from the published windows, month by month along each calendar month.  Those 12
  first-window months are the only unknowns: ``m = D + sqrt(v) * delta`` with 11 free
  standard-normal offsets ``delta`` (the 12th makes the first window's sum exact).  The
  density of all months given the windows is then a product of independent normals, which is
  the exact Gaussian likelihood of every published window (integrating the offsets out gives
  the banded covariance ``A diag(v) A^T`` of the windows, at the cost of a Cholesky
  factorisation per gradient).  The offsets also give the monthly counts inside the latest
  window, which the forecast continues from.
* NSDUH prevalence: ``log z ~ N(log X, 0.3)`` (spec §8).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from odforecast.mechanistic.latent import LatentBasis
from odforecast.mechanistic.parameters import (
    FIXED,
    FREE_PARAMETERS,
    INITIAL_STOCKS,
    LATENT_PRIORS,
    T0,
    Prior,
)
from odforecast.mechanistic.simulator import DRIVER_NAMES, STATES, build_drivers, transition
from odforecast.mechanistic.targets import CalibrationData, sd_factors

__all__ = ["N_CENTRED_MODES", "Density", "Layout", "build_density"]

#: Leading eigen-modes of each latent process sampled centred (the data pin them; the rest are
#: non-centred).  4 as in mechanistic-calibration-notes.md; 16 for log Lambda gave more
#: divergences and a third of the ESS (measured at the newest vintage).
N_CENTRED_MODES = {"lethality": 4, "rx": 4}

#: Scale of the first-window month offsets: offset 1 = a month 5 % above the window's mean.
OFFSET_SCALE = 0.05

_PRIORS: dict[str, Prior] = {p.name: p for p in (*FREE_PARAMETERS, *LATENT_PRIORS)}


@dataclass(frozen=True)
class Layout:
    """Names and sizes of the blocks of the unconstrained parameter vector.

    Examples
    --------
    >>> layout = Layout((("m_H0", 1), ("lethality_lead", 4)))
    >>> layout.size, layout.slices["lethality_lead"]
    (5, slice(1, 5, None))
    >>> layout.labels()[:2]
    ['m_H0', 'lethality_lead[0]']
    """

    blocks: tuple[tuple[str, int], ...]

    @property
    def size(self) -> int:
        return int(sum(n for _, n in self.blocks))

    @property
    def slices(self) -> dict[str, slice]:
        out, start = {}, 0
        for name, n in self.blocks:
            out[name] = slice(start, start + n)
            start += n
        return out

    def unpack(self, theta: Any) -> dict[str, Any]:
        """Blocks of ``theta`` (``(..., size)``); size-1 blocks as scalars."""
        return {name: theta[..., s.start] if s.stop - s.start == 1 else theta[..., s]
                for (name, _), s in zip(self.blocks, self.slices.values(), strict=True)}

    def labels(self) -> list[str]:
        """One label per element (``name`` or ``name[i]``)."""
        return [name if n == 1 else f"{name}[{i}]" for name, n in self.blocks for i in range(n)]


@dataclass(frozen=True)
class Density:
    """A compiled-ready log density and the deterministic quantities behind it.

    Attributes
    ----------
    layout
        Blocks of the parameter vector.
    logp
        ``theta -> log posterior`` (JAX; unnormalised).
    forward
        ``theta -> dict`` of monthly deaths by bucket, stocks, latent knot paths, noise
        levels and the reconstructed monthly counts of the window period (JAX).
    initial
        A starting point: prior medians, latent processes at 0, offsets 0.
    basis
        The latent processes' eigen-basis.
    cal
        The calibration data.
    """

    layout: Layout
    logp: Callable[[Any], Any]
    forward: Callable[[Any], dict[str, Any]]
    initial: np.ndarray
    basis: LatentBasis
    cal: CalibrationData


def _layout(basis: LatentBasis, windows: bool) -> Layout:
    blocks = [(p.name, 1) for p in FREE_PARAMETERS]
    for name in ("lethality", "rx"):
        k = min(N_CENTRED_MODES[name], basis.n_modes)
        blocks += [(f"sigma_{name}", 1), (f"{name}_lead", k), (f"{name}_rest", basis.n_modes - k)]
    blocks += [("noise_rx", 1), ("noise_ill", 1)]
    if windows:
        blocks += [("offsets_rx", 11), ("offsets_ill", 11)]
    return Layout(tuple(blocks))


def fit_drivers(cal: CalibrationData) -> dict[str, np.ndarray]:
    """Exogenous drivers over the fit window (driver data known at the vintage)."""
    end = cal.end
    drivers = build_drivers(min(end.year, _last_driver_year(cal)), end.year, end.month)
    return drivers


def _last_driver_year(cal: CalibrationData) -> int:
    # driver data of year Y are taken as known when Y's deaths are (provisional or final)
    from odforecast.mechanistic.targets import availability

    years = [y for y in range(int(cal.end.year), 2001, -1)
             if availability(y, cal.vintage) is not None]
    return years[0] if years else int(cal.end.year)


def build_density(cal: CalibrationData, basis: LatentBasis) -> Density:
    """The log posterior of the calibration (see the module docstring) as JAX functions.

    Examples
    --------
    >>> import pandas as pd, odforecast
    >>> from odforecast.mechanistic.targets import calibration_data
    >>> from odforecast.mechanistic.latent import LatentBasis
    >>> from odforecast.mechanistic.simulator import month_times
    >>> cal = calibration_data(odforecast.load_dataset("us_annual"), pd.Timestamp("2015-06-30"))
    >>> basis = LatentBasis.for_months(month_times(2014), 0.9)
    >>> density = build_density(cal, basis)
    >>> density.layout.size  # 6 structural + 2 x (1 + 51 modes) latent + 2 noise
    112
    """
    from odforecast._jax import import_jax

    jax = import_jax()  # before any other JAX import: it sets the CPU device count
    import jax.numpy as jnp
    windows = len(cal.windows) > 0
    layout = _layout(basis, windows)
    k_lead = {name: min(N_CENTRED_MODES[name], basis.n_modes) for name in ("lethality", "rx")}
    drivers = fit_drivers(cal)
    n = cal.n_months
    exo = {k: jnp.asarray(drivers[k][:n]) for k in DRIVER_NAMES
           if k not in ("leth_x", "rx_x")}
    s = np.asarray(basis.s)
    # knots -> months is linear: one (months x modes) matrix per process
    month_basis = jnp.asarray(basis.interp[:n] @ basis.u)
    u = jnp.asarray(basis.u)
    x0 = jnp.asarray([INITIAL_STOCKS[k] for k in STATES])
    fixed = {k: float(v) for k, v in FIXED.items()}

    years = cal.annual.index.to_numpy(dtype=int)
    year_lo = int(years[0] - 2002) * 12 if len(years) else 0
    n_years = len(years)

    def year_sums(monthly):
        return monthly[year_lo:year_lo + 12 * n_years].reshape(n_years, 12).sum(axis=1)

    annual_sd = jnp.asarray(sd_factors(cal.annual)) if len(years) else None
    annual_obs = {b: jnp.asarray(cal.annual[b].to_numpy(float)) for b in ("rx", "ill")}

    if windows:
        first = int(cal.first_window_month)
        n_w = len(cal.windows)
        span = n_w + 11
        # month 12 + i of the span = the month of the same calendar month a year before + the
        # difference of windows i+1 and i: a sum along each calendar month
        cls = np.zeros((n_w - 1, 12))
        cls[np.arange(n_w - 1), np.arange(n_w - 1) % 12] = 1.0
        cls = jnp.asarray(cls)  # a matmul: XLA's CPU gather gradient was slower here
        cum = np.zeros((n_w - 1, n_w - 1))
        for i in range(n_w - 1):
            cum[i, i::-12] = 1.0
        later = {b: jnp.asarray(cum @ np.diff(cal.windows[b].to_numpy(float)))
                 for b in ("rx", "ill")}
        first_sum = {b: float(cal.windows[b].iloc[0]) for b in ("rx", "ill")}
        first_mean = {b: first_sum[b] / 12.0 for b in ("rx", "ill")}
    prev_month = jnp.asarray([p[0] for p in cal.prevalence], dtype=int)
    prev_stock = jnp.asarray([p[1] for p in cal.prevalence], dtype=int)
    prev_log = jnp.asarray(np.log([p[2] for p in cal.prevalence]))

    def normal(x, mu, sd):
        return -0.5 * ((x - mu) / sd) ** 2 - jnp.log(sd)

    def coefficients(q, name):
        sigma = jnp.exp(q[f"sigma_{name}"])
        k = k_lead[name]
        return jnp.concatenate([q[f"{name}_lead"], sigma * s[k:] * q[f"{name}_rest"]])

    def forward(theta):
        q = layout.unpack(theta)
        p = dict(fixed)
        for prior in FREE_PARAMETERS:
            p[prior.name] = jnp.exp(q[prior.name]) if prior.log else q[prior.name]
        p["g_H"] = (q["iota_H2016"] - q["iota_H0"]) / (FIXED["Y_H"] - T0)
        coef_lam, coef_rx = coefficients(q, "lethality"), coefficients(q, "rx")
        d = dict(exo)
        d["leth_x"] = jnp.exp(month_basis @ coef_lam)
        d["rx_x"] = jnp.exp(month_basis @ coef_rx)
        a, b, flows = transition(p, d, jnp)
        a_m = jnp.stack([jnp.stack(row, -1) for row in a], -2)
        b_m = jnp.stack(b, -1)

        def step(x, ab):
            return ab[0] @ x + ab[1], x

        _, stocks = jax.lax.scan(step, x0, (a_m, b_m))      # start-of-month stocks (n, 5)
        deaths = {k: flows[k][0] * stocks[:, 0] + flows[k][1] * stocks[:, 1]
                  + flows[k][2] * stocks[:, 2] + flows[k][3] * stocks[:, 3]
                  for k in ("rx", "ill")}
        noise = {"rx": jnp.exp(q["noise_rx"]), "ill": jnp.exp(q["noise_ill"])}
        out = {"rx": deaths["rx"], "ill": deaths["ill"], "stocks": stocks,
               "knots_lethality": u @ coef_lam, "knots_rx": u @ coef_rx,
               "noise_rx": noise["rx"], "noise_ill": noise["ill"]}
        if windows:
            for bucket in ("rx", "ill"):
                # the 12 months of the first window: 11 free (centred: the data pin them
                # through every later window), the 12th makes the window's sum exact
                head = first_mean[bucket] * (1.0 + OFFSET_SCALE * q[f"offsets_{bucket}"])
                last = first_sum[bucket] - head.sum()
                months12 = jnp.concatenate([head, last[None]])
                out[f"months_{bucket}"] = jnp.concatenate(
                    [months12, cls @ months12 + later[bucket]])
        return out

    def logp(theta):
        q = layout.unpack(theta)
        lp = 0.0
        for name, prior in _PRIORS.items():
            lp += normal(q[name], prior.mu, prior.sd)
        for name in ("lethality", "rx"):
            sigma = jnp.exp(q[f"sigma_{name}"])
            lp += jnp.sum(normal(q[f"{name}_lead"], 0.0, sigma * s[:k_lead[name]]))
            lp += jnp.sum(normal(q[f"{name}_rest"], 0.0, 1.0))
        out = forward(theta)
        for bucket in ("rx", "ill"):
            model = out[bucket]
            var = model + (out[f"noise_{bucket}"] * model) ** 2
            if len(years):
                lp += jnp.sum(normal(annual_obs[bucket], year_sums(model),
                                     jnp.sqrt(year_sums(var)) * annual_sd))
            if windows:
                # every month of the windows' span around the model (the offsets map linearly
                # to the first 11 months with a constant Jacobian)
                months = out[f"months_{bucket}"]
                lp += jnp.sum(normal(months, model[first:first + span],
                                     jnp.sqrt(var[first:first + span])))
        if len(cal.prevalence):
            stock = out["stocks"][prev_month, prev_stock]
            lp += jnp.sum(normal(prev_log, jnp.log(stock), FIXED["sigma_prevalence"]))
        return jnp.where(jnp.isfinite(lp), lp, -jnp.inf)

    initial = np.zeros(layout.size)
    for name, sl in layout.slices.items():
        if name in _PRIORS:
            initial[sl] = _PRIORS[name].mu
    return Density(layout, logp, forward, initial, basis, cal)
