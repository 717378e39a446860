"""Sample paths of the calibrated model beyond the data: latent processes, scenarios, deaths.

For each sample path (a posterior draw):

1. the latent processes continue past the last knot of the fit (:func:`continue_paths`:
   damped growth plus new innovations of the fitted scale), or, under the Rao-anchor
   assumption, illicit lethality grows deterministically (spec §6 P-RaoTrend);
2. scenarios act on the monthly inputs: :class:`~odforecast.scenarios.Interdiction` on illicit
   lethality ``Lambda`` (variants ``total``, ``excess``, ``penetration``),
   :class:`~odforecast.scenarios.Naloxone` on every fatal hazard,
   :class:`~odforecast.scenarios.MOUD` on treatment entry;
3. the monthly model runs from 2002 with the path's parameters (:func:`simulate`), and each
   projected month gets the model's observation noise (log-normal with the fitted mean and
   variance ``D + (c D)^2``), the same standard-normal draws in every scenario, so scenario
   differences are paired and a scenario with no effect reproduces the status quo exactly.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from odforecast.errors import ScenarioError
from odforecast.mechanistic.latent import KNOT_STEP, continue_paths, interpolation
from odforecast.mechanistic.parameters import (
    FIXED,
    FREE_PARAMETERS,
    INITIAL_STOCKS,
    T0,
    with_derived,
)
from odforecast.mechanistic.simulator import build_drivers, month_times, simulate

__all__ = ["VARIANTS", "apply_variant", "fentanyl_share_of", "project_months"]

#: How an :class:`~odforecast.scenarios.Interdiction` acts on illicit lethality (spec §6).
VARIANTS: tuple[str, ...] = ("total", "excess", "penetration")


def fentanyl_share_of(lam: np.ndarray) -> np.ndarray:
    """The fentanyl share ``f`` of the illicit supply implied by lethality ``Lambda``.

    SOURCE's two channels (spec §2.3): fentanyl raises the overdose rate by ``M_OD`` = 2.0 and
    the fatality of an overdose by ``kappa / M_OD`` at full penetration (``kappa`` = 13.1
    [D]), so ``Lambda = (1 + f (M_OD - 1)) (1 + f (kappa / M_OD - 1))`` relative to the
    heroin era.  Lethality beyond ``kappa`` (purer or stronger products than SOURCE's
    fentanyl) counts as full penetration.

    Examples
    --------
    >>> fentanyl_share_of(np.array([1.0, 13.1, 40.0])).round(3)
    array([0., 1., 1.])
    """
    m = FIXED["fentanyl_od_multiplier"]
    k = FIXED["fentanyl_lethality"]
    a, b = m - 1.0, k / m - 1.0
    target = np.minimum(np.maximum(lam, 1.0), k)
    # (1 + a f)(1 + b f) = target  ->  a b f^2 + (a + b) f + 1 - target = 0
    disc = (a + b) ** 2 - 4.0 * a * b * (1.0 - target)
    return np.clip((-(a + b) + np.sqrt(disc)) / (2.0 * a * b), 0.0, 1.0)


def _lethality_of_share(f: np.ndarray) -> np.ndarray:
    m = FIXED["fentanyl_od_multiplier"]
    k = FIXED["fentanyl_lethality"]
    return (1.0 + f * (m - 1.0)) * (1.0 + f * (k / m - 1.0))


def apply_variant(lam: np.ndarray, multiplier: np.ndarray, variant: str) -> np.ndarray:
    """Illicit lethality after an interdiction with ``multiplier`` (1 = no effect).

    * ``total``: the whole illicit fatal hazard is scaled, ``Lambda m``;
    * ``excess``: only lethality above the heroin-era level (``Lambda`` = 1) is scaled,
      ``1 + (Lambda - 1) m`` (SOURCE's "Fent OD Risk"); a path below that level has no excess
      and is left as it is;
    * ``penetration``: the fentanyl share of the supply is scaled, ``f m``, through SOURCE's
      two channels (:func:`fentanyl_share_of`); lethality beyond full penetration is kept.

    Examples
    --------
    >>> lam = np.array([8.0])
    >>> [round(float(apply_variant(lam, np.array([0.8]), v)[0]), 2) for v in VARIANTS]
    [6.4, 6.6, 6.19]
    """
    if variant == "total":
        return lam * multiplier
    if variant == "excess":
        return np.minimum(lam, 1.0) + np.maximum(lam - 1.0, 0.0) * multiplier
    if variant == "penetration":
        f = fentanyl_share_of(lam)
        beyond = lam / _lethality_of_share(f)
        return _lethality_of_share(f * multiplier) * beyond
    raise ScenarioError(f"unknown interdiction variant {variant!r}; use one of "
                        f"{', '.join(VARIANTS)}")


def _part_rng(rng: np.random.Generator, name: str) -> np.random.Generator:
    entropy = [int(v) for v in rng.integers(0, 2**63, size=2)]
    return np.random.default_rng(np.random.SeedSequence(entropy,
                                                        spawn_key=(zlib.crc32(name.encode()),)))


def scenario_factors(scenario: Any, months: pd.DatetimeIndex, n: int,
                     rng: np.random.Generator) -> dict[str, Any]:
    """Per-path monthly factors of a scenario over the projected ``months``: ``leth``
    (a list of ``(multiplier, variant)`` interdictions, applied in order), ``nx`` and
    ``moud`` arrays ``(n, len(months))``."""
    from odforecast.scenarios import MOUD, Combined, Interdiction, Naloxone, StatusQuo

    factors: dict[str, Any] = {"leth": [], "nx": np.ones((n, len(months))),
                               "moud": np.ones((n, len(months)))}

    def apply(part: Any, part_rng: np.random.Generator) -> None:
        if part is None or isinstance(part, StatusQuo):
            return
        if isinstance(part, Combined):
            for sub in part.parts:
                apply(sub, _part_rng(part_rng, sub.name))
            return
        if isinstance(part, Interdiction):
            indicator = "synthetic_opioids"
        elif isinstance(part, Naloxone | MOUD):
            indicator = "opioids"
        else:
            raise ScenarioError(f"scenario {getattr(part, 'name', part)!r} of type "
                                f"{type(part).__name__} is not supported by the "
                                "mechanistic model (use Interdiction, Naloxone, MOUD, "
                                "Combined or StatusQuo)")
        mult = np.broadcast_to(np.asarray(part.effect_multiplier(
            months, location="US", indicator=indicator, n_samples=n, rng=part_rng,
            frequency="monthly"), dtype=float), (n, len(months)))
        if isinstance(part, Interdiction):
            factors["leth"].append((mult, part.variant))
        elif isinstance(part, Naloxone):
            factors["nx"] = factors["nx"] * mult
        else:  # effect = relative expansion of treatment entry (spec §7)
            factors["moud"] = factors["moud"] / np.maximum(mult, 1e-6)

    apply(scenario, rng)
    return factors


def _knot_paths(knots: np.ndarray, sigma: np.ndarray, phi: float, times: np.ndarray,
                rng: np.random.Generator, df: float | None = None) -> np.ndarray:
    """Monthly values at ``times`` of knot paths continued as far as needed."""
    knot_times = T0 + KNOT_STEP * np.arange(knots.shape[1])
    needed = math.ceil((times[-1] - knot_times[-1]) / KNOT_STEP - 1e-9)
    if needed > 0:
        knots = continue_paths(knots, sigma, phi, needed, rng, df)
        knot_times = T0 + KNOT_STEP * np.arange(knots.shape[1])
    return knots @ interpolation(knot_times, times).T


def project_months(fit: Any, idx: np.ndarray, end: pd.Period, scenarios: Sequence[Any],
                   seed_sequence: np.random.SeedSequence,
                   lethality: str = "data") -> dict[str, dict[str, np.ndarray]]:
    """Monthly deaths by bucket for every scenario, from the first projected month to ``end``.

    Returns
    -------
    dict
        ``{scenario name: {"rx": (n, months), "ill": (n, months)}}`` plus the key
        ``"_months"`` with the ``pd.PeriodIndex`` of the projected months.  Months observed in
        the fit are not included.
    """
    cal = fit.cal
    n = len(idx)
    first = cal.end + 1
    n_total = (end.year - int(T0)) * 12 + end.month
    times = month_times(end.year, end.month)
    months = pd.period_range(first, end, freq="M")
    future = slice(cal.n_months, n_total)
    latent_seq, noise_seq, scenario_seq = seed_sequence.spawn(3)
    latent_rng = np.random.default_rng(latent_seq)
    draws = fit.posterior.derived
    phi = fit.basis.phi
    log_lam = _knot_paths(draws["knots_lethality"][idx], draws["sigma_lethality"][idx], phi,
                          times, _part_rng(latent_rng, "lethality"),
                          fit.model.supply_innovation_df)
    log_rx = _knot_paths(draws["knots_rx"][idx], draws["sigma_rx"][idx], phi, times,
                         _part_rng(latent_rng, "rx"))
    if lethality == "rao_trend":
        t_end = times[cal.n_months - 1]
        growth = fit.model.rao_growth * np.clip(np.minimum(times, fit.model.rao_end_year)
                                                - t_end, 0.0, None)
        log_lam = np.where(times > t_end, log_lam[:, [cal.n_months - 1]] + growth, log_lam)
    drivers = build_drivers(fit.last_driver_year, end.year, end.month)
    params = with_derived({**{k: float(v) for k, v in FIXED.items()},
                           **{p.name: draws[p.name][idx] for p in FREE_PARAMETERS}})
    noise_rng = np.random.default_rng(noise_seq)
    z = {b: noise_rng.standard_normal((n, len(months))) for b in ("rx", "ill")}
    out: dict[str, Any] = {"_months": months}
    lam_base = np.exp(log_lam)
    for scenario in scenarios:
        name = getattr(scenario, "name", "status_quo") if scenario is not None else "status_quo"
        factors = scenario_factors(scenario, months.to_timestamp(how="end").normalize(), n,
                                   np.random.default_rng(scenario_seq))
        lam = lam_base.copy()
        for mult, variant in factors["leth"]:
            lam[:, future] = apply_variant(lam[:, future], mult, variant)
        d = dict(drivers)
        d["leth_x"] = lam
        d["rx_x"] = np.exp(log_rx)
        nx = np.ones((n, n_total))
        nx[:, future] = factors["nx"]
        moud = np.ones((n, n_total))
        moud[:, future] = factors["moud"]
        d["nx_x"], d["moud_x"] = nx, moud
        sim = simulate(params, d, INITIAL_STOCKS)
        paths = {}
        for bucket, values in (("rx", sim.deaths_rx), ("ill", sim.deaths_ill)):
            mean = values[:, future]
            c = draws[f"noise_{bucket}"][idx][:, None]
            s2 = np.log1p(1.0 / np.maximum(mean, 1e-9) + c**2)  # log-normal, var D + (cD)^2
            paths[bucket] = mean * np.exp(np.sqrt(s2) * z[bucket] - s2 / 2.0)
        out[name] = paths
    return out
