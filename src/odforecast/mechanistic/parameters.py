"""Parameters, priors and exogenous driver data of the mechanistic opioid model.

Every number cites the design specification ``mechanistic-model.md`` (sections in brackets)
and keeps its evidence tag: **[S]** seen in the cited source, **[D]** derived by arithmetic,
**[unverified]** an assumption.  Rates are annual hazards; stocks are persons aged 12+.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np

__all__ = [
    "DRIVER_DATA",
    "FIXED",
    "FREE_PARAMETERS",
    "GROWTH_HALF_LIFE",
    "INITIAL_STOCKS",
    "LATENT_PRIORS",
    "NSDUH_TARGETS",
    "RX_SYNTHETIC_BASELINE",
    "SUPPLY_INNOVATION_DF",
    "Prior",
    "prior_medians",
    "with_derived",
]

#: Start of the simulation (decimal year; NSDUH redesign, spec §4).
T0: float = 2002.0

#: Default half-life (years) of the growth of the latent processes: chosen by the vintage
#: backtest (benchmarks/projection_vintages: WIS of the next five annual totals at five
#: vintages, 9,678 at 1 year against 10,881 at 2 and 12,867 at 3.4).  Here, not in
#: ``model``, so the prior predictive check (``checks``) and the model share it without
#: importing each other.
GROWTH_HALF_LIFE = 1.0

#: Default degrees of freedom of the Student-t innovations continuing the supply process in
#: projections (None: Gaussian); chosen by the same vintage backtest: 80 % coverage of the
#: next five annual totals 0.67 (Gaussian), 0.81 (6), 0.81 (4), 0.90 (3), WIS 9,755, 9,924,
#: 10,177, 10,505: 6 is the lightest tail that brings the coverage into [0.7, 0.9].
SUPPLY_INNOVATION_DF: float | None = 6.0


@dataclass(frozen=True)
class Prior:
    """A Normal prior on the *transformed* scale of a free parameter.

    Parameters
    ----------
    name
        Parameter name (as in :data:`FIXED` keys and the simulator).
    mu, sd
        Mean and standard deviation of the Normal prior on the transformed scale.
    log
        If True the parameter is ``exp(z)`` with ``z ~ Normal(mu, sd)`` (a LogNormal prior);
        otherwise it is ``z`` itself.
    source
        Provenance (spec section and tag).
    """

    name: str
    mu: float
    sd: float
    log: bool
    source: str

    def to_natural(self, z: float) -> float:
        """Map a value on the sampling scale to the parameter's natural scale."""
        return math.exp(z) if self.log else z


#: The free structural parameters (spec §5, reduced to the ones the death series identify; the
#: rest are fixed in :data:`FIXED`).  Illicit lethality is not a parameter but a latent monthly
#: process (:data:`LATENT_PRIORS`), so the spec's fentanyl multiplier ``kappa`` and COVID factor
#: are gone: the process carries both the fentanyl era and the 2020 surge, and a fixed-date COVID
#: factor was not identified beside it (its posterior equalled its prior).
FREE_PARAMETERS: tuple[Prior, ...] = (
    Prior("m_H0", math.log(0.003), 0.5, True,
          "fatal overdose hazard of illicit OUD at the 2002 (heroin-era) lethality and 2012 "
          "naloxone; spec §5 gives SOURCE 0.0051 and Chen 0.005 for SOURCE's wider illicit "
          "bucket; the spec §9.1 bucket used here (pre-fentanyl synthetic deaths moved to Rx) "
          "held 2,089 deaths in 2002 against H = 873k, i.e. 0.0024 [D]"),
    Prior("m_P0", math.log(0.006), 0.5, True,
          "fatal overdose hazard, Rx OUD at 2012 supply; spec §5: SOURCE 0.0067 [D]"),
    Prior("beta_S", 0.5, 0.5, False,
          "Rx-supply elasticity of m_P; spec §5 HalfNormal(0.5) replaced by Normal(0.5, 0.5) "
          "(no boundary for the sampler) [design]"),
    Prior("iota_H0", math.log(30_000.0), 0.7, True,
          "direct illicit initiation into H in 2002 (persons/yr); spec §5: Chen 13,489 [S], "
          "RAND-adjusted no-Rx initiation 122,504 [S]"),
    Prior("iota_H2016", math.log(52_500.0), 0.7, True,
          "direct illicit initiation into H in 2016, when its growth stops (persons/yr; "
          "log-linear from 2002).  Spec §5 has a growth rate g_H ~ N(0.08, 0.08) instead; "
          "sampled that way, NUTS diverged where fast growth made the level of initiation and "
          "illicit lethality trade off along a narrow curved ridge.  The level at both ends "
          "keeps that ridge straight.  Centre: 30,000 x exp(14 x 0.04), with NSDUH "
          "RAND-adjusted heroin initiation growing about 3 %/yr 2002-2013 (364,011 -> "
          "525,794, spec §9.3 [S/D]); the implied g_H has prior sd 0.07 [design]"),
    Prior("sigma_PH0", math.log(0.06), 0.4, True,
          "Rx OUD -> illicit OUD at 2012 supply (/yr); spec §5: Chen 0.071 [S], SOURCE "
          "0.057 [D]"),
)

#: Priors of the latent processes and of the observation noise (all LogNormal).
#: ``sigma_lethality`` is the quarterly innovation sd of the growth of log illicit lethality
#: (how fast supply can change): 0.02 lets the growth rate change by about 0.16/yr over two
#: years at one sd, and the 90 % prior range 0.009-0.045 covers growth changes from a slow drift
#: to the 2023 supply shock (growth from +0.1/yr to -0.4/yr within about a year) [design].
#: ``sigma_rx`` is the same for the prescription-opioid hazard, a quarter as fast [design].
#: ``noise_rx`` / ``noise_ill`` are the coefficients of variation of monthly deaths around the
#: model beyond Poisson (seasonality, reporting) [design].
LATENT_PRIORS: tuple[Prior, ...] = (
    Prior("sigma_lethality", math.log(0.02), 0.5, True,
          "quarterly innovation sd of the growth of log illicit lethality [design]"),
    Prior("sigma_rx", math.log(0.005), 0.5, True,
          "quarterly innovation sd of the growth of the log Rx fatal-hazard factor [design]"),
    Prior("noise_rx", math.log(0.05), 0.7, True,
          "CV of monthly prescription-only deaths beyond Poisson [design]"),
    Prior("noise_ill", math.log(0.05), 0.7, True,
          "CV of monthly illicit-involved deaths beyond Poisson [design]"),
)


def with_derived(params: dict[str, Any]) -> dict[str, Any]:
    """Add the growth ``g_H`` of direct illicit initiation implied by its 2002 and 2016
    levels (the simulator's parameterisation).

    Examples
    --------
    >>> round(float(with_derived({"iota_H0": 30_000.0, "iota_H2016": 60_000.0})["g_H"]), 4)
    0.0495
    """
    out = dict(params)
    out["g_H"] = (np.log(out["iota_H2016"]) - np.log(out["iota_H0"])) / (FIXED["Y_H"] - T0)
    return out


def prior_medians() -> dict[str, float]:
    """Fixed parameters plus the prior medians of the free structural ones (natural scale).

    Examples
    --------
    >>> round(prior_medians()["m_H0"], 4)
    0.003
    """
    values = {k: float(v) for k, v in FIXED.items()}
    values.update({p.name: p.to_natural(p.mu) for p in FREE_PARAMETERS})
    return with_derived(values)


#: Fixed parameters (spec §4-§5 central values).
FIXED: Mapping[str, float] = MappingProxyType({
    "q_M": 0.16,            # quit misuse; SOURCE 0.143, Chen 0.177 [S]
    "sigma_MP": 0.04,       # misuse -> Rx OUD; SOURCE 0.0297, Chen 0.06 [S]
    "sigma_MH": 0.004,      # misuse -> illicit OUD; Chen 0.002 [S]
    "eps_esc": 0.3,         # escalation elasticity to Rx supply; value [unverified]
    "r_P": 0.10,            # Rx OUD -> remission; SOURCE 0.078 [D]
    "r_H": 0.08,            # illicit OUD -> remission; SOURCE 0.068 [S]
    "rho": 0.4,             # relapse from R; SOURCE HUD 0.568, Rx lower [S]
    "phi_H": 0.6,           # share of relapses to H; Beta(6, 4) mean [unverified]
    "s_R": 1.0 / 9.7,       # remission stabilises; SOURCE 9.74 yr [S]
    "tau_H0": 0.25,         # MOUD entry from H at 2019 capacity; prior centre [design]
    "tau_P0": 0.25 / 4.84,  # MOUD entry from P; SOURCE relative rate 4.84 [S]
    "d_T": 1.0 / 0.75,      # MOUD episode end; blend of 1.0 / 0.61 / 0.22 yr [D]
    "chi": 0.3,             # episode ends to remission; Beta(3, 7) mean [S bounds]
    "theta_T": 0.295,       # overdose multiplier in MOUD; SOURCE MMT/bup [S]
    "mu": 0.0143,           # non-overdose death in P, H, R, M; SOURCE [S]
    "mu_T": 0.0143 * 0.45,  # non-overdose death in MOUD [D]
    "m_M0": 3e-4,           # fatal overdose, misuse; SOURCE-derived [D]
    "lambda_M": 1.0,        # scale on Rx misuse initiation [design]
    "beta_M": 1.0,          # initiation elasticity to Rx supply (projection) [unverified]
    "naloxone_w": 0.764,    # overdose witnessed; SOURCE [S]
    "naloxone_ems": 0.424,  # EMS called; SOURCE [S]
    "naloxone_eta": 0.000343,  # kit effectiveness per kit/100k; SOURCE [S]
    "naloxone_illicit_share": 0.937,  # share of kits reaching illicit users; SOURCE [S]
    "Y_H": 2016.0,          # illicit initiation growth stops; spec §4 [design]
    "rx_supply_decline": 0.089,  # Rx supply decline /yr in projections; Rao 8.9 % [S]
    "pop_growth": 0.004,    # population 12+ growth /yr in projections [unverified]
    "misuse_redefinition": 0.75,  # factor on NSDUH misuse initiation from 2015 [design]
    "sigma_prevalence": 0.3,  # sd of log NSDUH prevalence targets; spec §5 [design]
    "provisional_sd_factor": 2.0,  # provisional annual deaths: sd doubled; spec §8 [S]
    "g_L": 0.22,            # Rao-trend lethality growth (/yr, log scale); spec §10.3 [D]
    "Y_L": 2024.5,          # Rao-trend growth stops; spec §10.3 [D]
    "fentanyl_od_multiplier": 2.0,  # SOURCE M_OD: overdose-rate multiplier at f = 1 [S]
    "fentanyl_lethality": 13.1,     # kappa: fatal hazard multiplier at f = 1; SOURCE [D]
})

#: Initial stocks at 2002.0 (spec §5): NSDUH 2002 via SOURCE [S]; T from MMT NSSATS [S];
#: R from NESARC via SOURCE [S].
INITIAL_STOCKS: Mapping[str, float] = MappingProxyType({
    "M": 9_225_312.0,
    "P": 1_665_919.0,
    "H": 764_684.0 + 108_749.0,
    "T": 225_500.0,
    "R": 1_180_000.0,
})

#: Exogenous driver data by calendar year (values at mid-year; linear interpolation between
#: points, constant before the first).  Years after the vintage's last data year are replaced by
#: the projection rule (see :mod:`odforecast.mechanistic.model`).
DRIVER_DATA: Mapping[str, Mapping[int, float]] = MappingProxyType({
    # Rx supply S(t), prescriptions dispensed (M); IQVIA via SOURCE [S] (1999, 2012, 2018-2020);
    # the other years are linear interpolation [D].
    "rx_supply": MappingProxyType({1999: 156.7, 2012: 263.1, 2018: 169.9, 2019: 154.7,
                                   2020: 144.2}),
    # Rx misuse initiation A_M(t) (persons/yr); SAMHSA via SOURCE [S].
    "misuse_initiation": MappingProxyType({
        1999: 1_910_000.0, 2002: 2_320_000.0, 2005: 2_193_000.0, 2010: 2_013_000.0,
        2013: 1_539_000.0, 2015: 2_126_000.0, 2016: 2_139_000.0, 2017: 2_010_000.0,
        2018: 1_908_000.0, 2019: 1_607_000.0, 2020: 1_140_337.0}),
    # Fentanyl penetration f(t) of NFLIS heroin + synthetic reports; SOURCE [S]; 0 before the
    # 2012.5 introduction [S].
    "fentanyl_share": MappingProxyType({
        1999: 0.0, 2012: 0.0, 2013: 0.0064, 2014: 0.028, 2015: 0.082, 2016: 0.185,
        2017: 0.322, 2018: 0.406, 2019: 0.473, 2020: 0.562}),
    # Naloxone kits K(t) distributed; SOURCE [S] 2015-2020; 2002 and 2012 [unverified].
    "naloxone_kits": MappingProxyType({
        2002: 10_000.0, 2012: 150_000.0, 2015: 325_800.0, 2016: 573_800.0, 2017: 916_300.0,
        2018: 1_500_000.0, 2019: 1_931_000.0, 2020: 2_304_000.0}),
    # MOUD capacity C(t) = MMT point patients + 0.61 x buprenorphine annual patients [S/D].
    "moud_capacity": MappingProxyType({
        2002: 225_500.0, 2015: 356_843.0 + 0.61 * 914_792.0,
        2019: 408_550.0 + 0.61 * 1_295_524.0, 2020: 311_531.0 + 0.61 * 1_361_265.0}),
    # Population aged 12+; SOURCE [S].
    "population": MappingProxyType({2002: 235.1e6, 2019: 275.2e6, 2020: 277.2e6}),
})

#: NSDUH prevalence targets (SOURCE processing, spec §9.3) [S]: year -> persons.  ``H`` is the
#: RAND-adjusted heroin use disorder (2019 plus Rx OUD with past-year heroin, 72,522 [S]).
NSDUH_TARGETS: Mapping[str, Mapping[int, float]] = MappingProxyType({
    "M": MappingProxyType({2002: 9_225_312.0, 2010: 9_823_494.0, 2015: 9_631_764.0,
                           2019: 7_798_728.0}),
    "P": MappingProxyType({2002: 1_665_919.0, 2010: 2_140_500.0, 2015: 2_181_670.0,
                           2019: 1_581_223.0}),
    "H": MappingProxyType({2010: 1_335_600.0, 2015: 1_923_866.0,
                           2019: 1_420_679.0 + 72_522.0}),
})

#: Pre-fentanyl synthetic-opioid (T40.4) deaths that are prescription synthetics (patches,
#: tramadol): moved into the prescription bucket (spec §9.1).  Mean of the bundled 2010-2012
#: NCHS final counts 3,007, 2,666, 2,628 [D].
RX_SYNTHETIC_BASELINE: float = (3007.0 + 2666.0 + 2628.0) / 3.0
