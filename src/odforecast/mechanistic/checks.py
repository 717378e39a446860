"""Prior and posterior predictive checks of the mechanistic calibration.

:func:`posterior_predictive_check` compares the published counts with the model's predictive
distribution: the expected monthly deaths of each posterior draw plus the observation noise
the likelihood uses (Poisson-like variance ``m + (noise x m)^2`` per month, months
independent), summed to calendar years and to 12-month-ending windows.  Annual counts are
checked for every year published at the vintage, also the years the fit saw only through the
windows (they are then an out-of-likelihood check of the same deaths).

:func:`prior_predictive` draws the structural parameters and the latent processes from their
priors and simulates annual deaths: what the model believes before it sees any death.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from odforecast.mechanistic.targets import bucket_targets

__all__ = ["posterior_predictive_check", "prior_predictive"]

_BUCKETS = {"opioids": ("rx", "ill"), "opioids_rx_only": ("rx",),
            "opioids_illicit": ("ill",)}


def _predictive_months(fit: Any, n_samples: int, rng: np.random.Generator
                       ) -> dict[str, np.ndarray]:
    derived = fit.posterior.derived
    idx = fit._draw_indices(n_samples, rng)
    out = {}
    for bucket in ("rx", "ill"):
        mean = derived[f"model_{bucket}"][idx]
        noise = derived[f"noise_{bucket}"][idx][:, None]
        sd = np.sqrt(mean + (noise * mean) ** 2)
        out[bucket] = mean + sd * rng.standard_normal(mean.shape)
    return out


def posterior_predictive_check(fit: Any, *, n_samples: int = 2000, random_seed: int = 0,
                               level: float = 0.8) -> pd.DataFrame:
    """Published counts beside the posterior predictive interval of the fit.

    Parameters
    ----------
    fit
        A :class:`~odforecast.mechanistic.MechanisticFit`.
    n_samples
        Predictive draws.
    random_seed
        Seed of the draws and of the observation noise.
    level
        Central interval level.

    Returns
    -------
    DataFrame
        One row per published count: ``kind`` (``annual`` or ``12m_ending``), ``period_end``,
        ``indicator`` (``opioids``, ``opioids_rx_only``, ``opioids_illicit``), ``observed``,
        ``median``, ``lower``, ``upper`` and ``covered``.

    Examples
    --------
    >>> from odforecast.mechanistic import MechanisticOpioidModel, calibration_frame
    >>> fit = MechanisticOpioidModel("latest").fit(calibration_frame())  # doctest: +SKIP
    >>> check = posterior_predictive_check(fit)  # doctest: +SKIP
    >>> check.groupby(["kind", "indicator"])["covered"].mean()  # doctest: +SKIP
    """
    rng = np.random.default_rng(random_seed)
    months = _predictive_months(fit, n_samples, rng)
    n_months = months["rx"].shape[1]
    q = [0.5 - level / 2, 0.5, 0.5 + level / 2]
    rows = []
    annual, _ = bucket_targets(fit.cal.rows, fit.vintage)
    for year in annual.index:
        lo = (int(year) - 2002) * 12
        if lo < 0 or lo + 12 > n_months:
            continue
        for indicator, parts in _BUCKETS.items():
            draws = sum(months[b][:, lo:lo + 12].sum(axis=1) for b in parts)
            observed = float(sum(annual.loc[year, b] for b in parts))
            rows.append(_row("annual", pd.Timestamp(f"{int(year)}-12-31"), indicator,
                             observed, np.quantile(draws, q)))
    windows = fit.cal.windows
    for end, values in windows.iterrows():
        period = pd.Period(end, freq="M")
        hi = (period.year - 2002) * 12 + period.month
        for indicator, parts in _BUCKETS.items():
            draws = sum(months[b][:, hi - 12:hi].sum(axis=1) for b in parts)
            observed = float(sum(values[b] for b in parts))
            rows.append(_row("12m_ending", pd.Timestamp(end), indicator, observed,
                             np.quantile(draws, q)))
    return pd.DataFrame(rows)


def _row(kind: str, end: pd.Timestamp, indicator: str, observed: float,
         quantiles: np.ndarray) -> dict[str, Any]:
    lower, median, upper = (float(v) for v in quantiles)
    return {"kind": kind, "period_end": end, "indicator": indicator, "observed": observed,
            "median": median, "lower": lower, "upper": upper,
            "covered": bool(lower <= observed <= upper)}


def prior_predictive(end_year: int = 2024, *, n_samples: int = 500, random_seed: int = 0,
                     growth_half_life: float | None = None) -> pd.DataFrame:
    """Annual deaths simulated from the priors (structural parameters and latent processes).

    Parameters
    ----------
    end_year
        Last simulated year (from 2002).
    n_samples
        Prior draws.
    random_seed
        Seed.
    growth_half_life
        Damping of the latent growth (years); None = the model's default.

    Returns
    -------
    DataFrame
        Index sample, columns ``(indicator, year)`` with ``opioids_rx_only`` and
        ``opioids_illicit``.

    Examples
    --------
    >>> prior = prior_predictive(2010, n_samples=50, random_seed=1)
    >>> prior.shape
    (50, 18)
    >>> bool((prior.to_numpy() >= 0).all())
    True
    """
    from odforecast.mechanistic.latent import LatentBasis, quarterly_persistence
    from odforecast.mechanistic.parameters import (
        FIXED,
        FREE_PARAMETERS,
        GROWTH_HALF_LIFE,
        INITIAL_STOCKS,
        LATENT_PRIORS,
        with_derived,
    )
    from odforecast.mechanistic.simulator import build_drivers, month_times, simulate

    rng = np.random.default_rng(random_seed)
    half_life = GROWTH_HALF_LIFE if growth_half_life is None else growth_half_life
    params: dict[str, Any] = {k: float(v) for k, v in FIXED.items()}
    latent: dict[str, np.ndarray] = {}
    for prior in (*FREE_PARAMETERS, *LATENT_PRIORS):
        z = prior.mu + prior.sd * rng.standard_normal(n_samples)
        value = np.exp(z) if prior.log else z
        (latent if prior in LATENT_PRIORS[:2] else params)[prior.name] = value
    params = with_derived(params)
    times = month_times(end_year)
    basis = LatentBasis.for_months(times, quarterly_persistence(half_life))
    drivers = build_drivers(end_year, end_year)
    for name, key in (("lethality", "leth_x"), ("rx", "rx_x")):
        z = rng.standard_normal((n_samples, basis.n_modes))
        knots = basis.path(latent[f"sigma_{name}"][:, None] * basis.s * z)
        drivers[key] = np.exp(knots @ basis.interp.T)
    sim = simulate(params, drivers, INITIAL_STOCKS)
    frames = {"opioids_rx_only": sim.annual("deaths_rx"),
              "opioids_illicit": sim.annual("deaths_ill")}
    return pd.concat(frames, axis=1)
