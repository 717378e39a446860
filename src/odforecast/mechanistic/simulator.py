"""The monthly difference equations of the compact mechanistic model (spec §3-§4).

Given the month's rates, the model is linear in its stocks: ``x[k+1] = A[k] x[k] + b[k]`` with
``x = (M, P, H, T, R)``.  :func:`transition` builds ``A``, ``b`` and the death coefficients for
every month at once, written once against a tiny array namespace (``numpy``, ``jax.numpy`` or
``pytensor.tensor``); only the five-dimensional recursion itself runs month by month
(:func:`simulate` in NumPy, vectorised over posterior draws; a ``lax.scan`` in the JAX
calibration).  Outflows use the competing-risks discretisation ``pi_j = r_j / h (1 - exp(-h
dt)) X``, so stocks stay non-negative whatever the rates.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd

from odforecast.mechanistic.parameters import DRIVER_DATA, FIXED, T0

__all__ = [
    "DRIVER_NAMES",
    "STATES",
    "Simulation",
    "build_drivers",
    "month_times",
    "simulate",
    "transition",
]

#: Compartments, in state-vector order (spec §3).
STATES: tuple[str, ...] = ("M", "P", "H", "T", "R")

#: Monthly driver arrays the transition reads.  The first five are exogenous data; ``leth_x``
#: and ``rx_x`` carry the model's latent processes (illicit-supply lethality and the
#: prescription-opioid hazard), and the last three carry scenario factors (1 = none).
DRIVER_NAMES: tuple[str, ...] = (
    "misuse_init",   # Rx misuse initiation, persons/yr
    "t_H",           # min(t - 2002, Y_H - 2002): exponent of illicit-initiation growth
    "s_ratio",       # Rx supply relative to 2012
    "nal_ill",       # (1 - a(t)) / (1 - a(2012)): naloxone factor on the illicit fatal hazard
    "capacity",      # MOUD capacity relative to 2019
    "leth_x",        # illicit lethality Lambda(t) (x interdiction), 1 = 2002 heroin-era level
    "rx_x",          # prescription-opioid fatal-hazard factor Psi(t), 1 = none
    "nx_x",          # naloxone-scenario factor on every fatal overdose hazard, 1 = none
    "moud_x",        # MOUD-scenario factor on treatment entry, 1 = none
)

DT = 1.0 / 12.0


def transition(p: Mapping[str, Any], d: Mapping[str, Any],
               xp: ModuleType = np) -> tuple[list[list[Any]], list[Any], dict[str, list[Any]]]:
    """The month's linear system: ``x[k+1] = A x[k] + b`` and the flows out of ``x[k]``.

    Parameters
    ----------
    p
        Parameters: the free ones of :data:`~odforecast.mechanistic.parameters.FREE_PARAMETERS`
        and the fixed ones of :data:`~odforecast.mechanistic.parameters.FIXED`; scalars or
        arrays broadcasting against the drivers.
    d
        Driver arrays (keys :data:`DRIVER_NAMES`); every driver may be ``(n_months,)`` or
        ``(n_draws, n_months)``.
    xp
        Array namespace: ``numpy``, ``jax.numpy`` or ``pytensor.tensor``.

    Returns
    -------
    A, b, flows
        ``A`` as 5 rows of 5 arrays and ``b`` as 5 arrays, each broadcast to the drivers'
        shape; ``flows`` maps ``rx``, ``ill``, ``oth`` and ``exit`` to 5 coefficient arrays:
        the month's flow is the dot product of those coefficients with ``x[k]``.  ``rx`` and
        ``ill`` are overdose deaths by bucket (prescription-only, illicit-involved), ``oth``
        non-overdose deaths, ``exit`` everything that leaves the modelled population (deaths,
        quitting misuse, stable remission).

    Examples
    --------
    One month at the prior medians: the stocks stay put to within a few per cent.

    >>> import numpy as np
    >>> from odforecast.mechanistic.parameters import prior_medians
    >>> from odforecast.mechanistic.simulator import build_drivers, transition
    >>> d = {k: v[:1] for k, v in build_drivers(2019, 2002).items()}
    >>> A, b, flows = transition(prior_medians(), d)
    >>> round(float(A[0][0][0]), 4)  # share of misusers still misusing a month later
    0.9819
    """
    m_m = p["m_M0"] * d["rx_x"] * d["nx_x"]
    m_p = p["m_P0"] * d["s_ratio"] ** p["beta_S"] * d["rx_x"] * d["nx_x"]
    m_h = p["m_H0"] * d["leth_x"] * d["nal_ill"] * d["nx_x"]
    s_ph = p["sigma_PH0"] * d["s_ratio"] ** (-p["eps_esc"])
    tau_h = p["tau_H0"] * d["capacity"] * d["moud_x"]
    tau_p = p["tau_P0"] * d["capacity"] * d["moud_x"]
    iota_m = p["lambda_M"] * d["misuse_init"]
    iota_h = p["iota_H0"] * xp.exp(p["g_H"] * d["t_H"])
    zero = 0.0 * (m_m + m_p + m_h + tau_h)  # the common shape of every entry

    def stay_and_out(total: Any) -> tuple[Any, Any]:
        stay = xp.exp(-total * DT)
        return stay + zero, (1.0 - stay) / total + zero

    e_m, f_m = stay_and_out(p["q_M"] + p["sigma_MP"] + p["sigma_MH"] + m_m + p["mu"])
    e_p, f_p = stay_and_out(s_ph + tau_p + p["r_P"] + m_p + p["mu"])
    e_h, f_h = stay_and_out(tau_h + p["r_H"] + m_h + p["mu"])
    e_t, f_t = stay_and_out(p["d_T"] + p["theta_T"] * m_h + p["mu_T"])
    e_r, f_r = stay_and_out(p["rho"] + p["s_R"] + p["mu"])
    relapse, ends = p["rho"] * f_r, p["d_T"] * f_t
    a = [[e_m, zero, zero, zero, zero],
         [p["sigma_MP"] * f_m, e_p, zero, zero, (1.0 - p["phi_H"]) * relapse],
         [p["sigma_MH"] * f_m, s_ph * f_p, e_h, (1.0 - p["chi"]) * ends, p["phi_H"] * relapse],
         [zero, tau_p * f_p, tau_h * f_h, e_t, zero],
         [zero, p["r_P"] * f_p, p["r_H"] * f_h, p["chi"] * ends, e_r]]
    b = [iota_m * DT + zero, zero, iota_h * DT + zero, zero, zero]
    rx = [m_m * f_m, m_p * f_p, zero, zero, zero]
    ill = [zero, zero, m_h * f_h, p["theta_T"] * m_h * f_t, zero]
    oth = [p["mu"] * f_m, p["mu"] * f_p, p["mu"] * f_h, p["mu_T"] * f_t, p["mu"] * f_r]
    exit_ = [rx[0] + oth[0] + p["q_M"] * f_m, rx[1] + oth[1], ill[2] + oth[2],
             ill[3] + oth[3], oth[4] + p["s_R"] * f_r]
    return a, b, {"rx": rx, "ill": ill, "oth": oth, "exit": exit_}


def month_times(end_year: int, end_month: int = 12) -> np.ndarray:
    """Mid-month decimal times from January 2002 to ``end_month`` of ``end_year``."""
    n = 12 * (end_year - int(T0)) + end_month
    return T0 + (np.arange(n) + 0.5) / 12.0


def _interp(series: Mapping[int, float], times: np.ndarray, last_year: int) -> tuple[np.ndarray,
                                                                                     float, float]:
    years = sorted(y for y in series if y <= last_year)
    xs = np.array(years, dtype=float) + 0.5
    ys = np.array([series[y] for y in years], dtype=float)
    return np.interp(times, xs, ys), float(xs[-1]), float(ys[-1])


def _naloxone_averted(kits: np.ndarray, pop: np.ndarray) -> np.ndarray:
    per_100k = FIXED["naloxone_illicit_share"] * kits / (pop / 1e5)
    b = 1.0 - np.exp(-FIXED["naloxone_eta"] * per_100k)
    return FIXED["naloxone_w"] * (1.0 - (1.0 - b) * (1.0 - FIXED["naloxone_ems"]))


def build_drivers(last_data_year: int, end_year: int, end_month: int = 12) -> dict[str,
                                                                                      np.ndarray]:
    """Monthly exogenous driver arrays from January 2002 to ``end_month`` of ``end_year``.

    Driver data up to ``last_data_year`` (what was available at the vintage) are interpolated
    at mid-year; later months follow the projection rules of spec §4: Rx supply falls 8.9 %/yr
    (Rao [S]), misuse initiation follows it, naloxone kits and MOUD capacity stay at their last
    values, and the population 12+ grows 0.4 %/yr.  ``leth_x``, ``rx_x`` (the latent processes)
    and the scenario factors are ones: the fit supplies them.

    Examples
    --------
    >>> from odforecast.mechanistic import build_drivers
    >>> drivers = build_drivers(2019, 2029)
    >>> len(drivers["t"]) // 12  # years from 2002 to 2029
    28
    >>> round(float(drivers["s_ratio"][-1]), 3)  # Rx supply in Dec 2029 relative to 2012
    0.222
    """
    t = month_times(end_year, end_month)
    s, t_last, s_last = _interp(DRIVER_DATA["rx_supply"], t, last_data_year)
    future = t > t_last
    s = np.where(future, s_last * (1.0 - FIXED["rx_supply_decline"]) ** (t - t_last), s)
    s_2012 = DRIVER_DATA["rx_supply"][2012]

    misuse_data = {y: v * (FIXED["misuse_redefinition"] if y >= 2015 else 1.0)
                   for y, v in DRIVER_DATA["misuse_initiation"].items()}
    a_m, t_am, a_last = _interp(misuse_data, t, last_data_year)
    s_at = np.interp(t_am, t, s) if t_am <= t[-1] else s_last
    a_m = np.where(t > t_am, a_last * (s / s_at) ** FIXED["beta_M"], a_m)

    pop, t_pop, pop_last = _interp(DRIVER_DATA["population"], t, last_data_year)
    pop = np.where(t > t_pop, pop_last * (1.0 + FIXED["pop_growth"]) ** (t - t_pop), pop)
    kits, _, _ = _interp(DRIVER_DATA["naloxone_kits"], t, last_data_year)
    averted = _naloxone_averted(kits, pop)
    pop_2012 = float(np.interp(2012.5, sorted(DRIVER_DATA["population"]),
                               [DRIVER_DATA["population"][y]
                                for y in sorted(DRIVER_DATA["population"])]))
    a_2012 = _naloxone_averted(np.array([DRIVER_DATA["naloxone_kits"][2012]]),
                               np.array([pop_2012]))[0]
    cap, _, _ = _interp(DRIVER_DATA["moud_capacity"], t, last_data_year)
    cap_2019 = DRIVER_DATA["moud_capacity"][2019]
    ones = np.ones_like(t)
    return {
        "t": t,
        "misuse_init": a_m,
        "t_H": np.minimum(t - T0, FIXED["Y_H"] - T0),
        "s_ratio": s / s_2012,
        "nal_ill": (1.0 - averted) / (1.0 - a_2012),
        "capacity": cap / cap_2019,
        "leth_x": ones.copy(),
        "rx_x": ones.copy(),
        "nx_x": ones.copy(),
        "moud_x": ones.copy(),
    }


@dataclass
class Simulation:
    """Monthly output of :func:`simulate` (arrays of shape ``(n_draws, n_months)``).

    Attributes
    ----------
    t
        Mid-month decimal times.
    deaths_rx, deaths_ill, deaths_oth
        Overdose deaths, prescription-only and illicit-involved, and non-overdose deaths.
    inflow, exit
        People entering (initiation) and leaving the modelled population each month.
    stocks
        Stocks at the start of each month and after the last one: ``(5, n_draws,
        n_months + 1)`` in :data:`STATES` order.

    Examples
    --------
    >>> from odforecast.mechanistic import build_drivers, simulate
    >>> from odforecast.mechanistic.parameters import INITIAL_STOCKS, prior_medians
    >>> sim = simulate(prior_medians(), build_drivers(2019, 2019), INITIAL_STOCKS)
    >>> sim.stocks.shape  # 5 compartments, 1 draw, 216 months + 1
    (5, 1, 217)
    >>> sim.annual("deaths_ill").shape  # 1 draw x 18 years
    (1, 18)
    """

    t: np.ndarray
    deaths_rx: np.ndarray
    deaths_ill: np.ndarray
    deaths_oth: np.ndarray
    inflow: np.ndarray
    exit: np.ndarray
    stocks: np.ndarray

    def annual(self, name: str) -> pd.DataFrame:
        """Calendar-year sums of a monthly flow: frame ``(n_draws, years)`` (whole years
        only)."""
        values = getattr(self, name)
        n_years = len(self.t) // 12
        summed = values[:, :12 * n_years].reshape(values.shape[0], n_years, 12).sum(axis=2)
        return pd.DataFrame(summed, columns=np.floor(self.t[::12][:n_years]).astype(int))


def simulate(params: Mapping[str, Any], drivers: Mapping[str, np.ndarray],
             initial: Mapping[str, Any]) -> Simulation:
    """Run the monthly model with NumPy, vectorised over parameter draws.

    Parameters
    ----------
    params
        Every parameter ``transition`` uses; each a scalar or an array ``(n_draws,)``.
    drivers
        Output of :func:`build_drivers`; any driver may instead be ``(n_draws, n_months)``
        (latent paths and scenario factors per draw).
    initial
        Initial stocks by name (:data:`STATES`), scalars or ``(n_draws,)``.

    Returns
    -------
    Simulation

    Examples
    --------
    The prior medians of the free parameters, one draw, 2002-2019:

    >>> from odforecast.mechanistic import build_drivers, simulate
    >>> from odforecast.mechanistic.parameters import INITIAL_STOCKS, prior_medians
    >>> sim = simulate(prior_medians(), build_drivers(2019, 2019), INITIAL_STOCKS)
    >>> sim.deaths_ill.shape  # (draws, months)
    (1, 216)
    >>> list(sim.annual("deaths_ill").columns[[0, -1]])
    [2002, 2019]
    """
    n = max([np.size(v) for v in params.values()] + [np.size(v) for v in initial.values()]
            + [np.shape(drivers[k])[0] for k in DRIVER_NAMES if np.ndim(drivers[k]) == 2])
    t = np.asarray(drivers["t"])
    k_months = len(t)
    p = {k: np.asarray(v, dtype=float).reshape(-1, 1) if np.ndim(v) else float(v)
         for k, v in params.items()}
    d = {k: np.broadcast_to(np.asarray(drivers[k], dtype=float), (n, k_months))
         for k in DRIVER_NAMES}
    a, b, flows = transition(p, d, np)
    a_arr = np.stack([np.stack([np.broadcast_to(x, (n, k_months)) for x in row], axis=-1)
                      for row in a], axis=-2)                       # (n, K, 5, 5)
    b_arr = np.stack([np.broadcast_to(x, (n, k_months)) for x in b], axis=-1)  # (n, K, 5)
    stocks = np.empty((n, k_months + 1, len(STATES)))
    stocks[:, 0] = np.stack([np.broadcast_to(np.asarray(initial[s], dtype=float), (n,))
                             for s in STATES], axis=-1)
    for k in range(k_months):
        stocks[:, k + 1] = np.einsum("nij,nj->ni", a_arr[:, k], stocks[:, k]) + b_arr[:, k]
    start = stocks[:, :-1]
    out = {name: sum(np.broadcast_to(c, (n, k_months)) * start[..., i]
                     for i, c in enumerate(coef))
           for name, coef in flows.items()}
    inflow = b_arr.sum(axis=-1)
    return Simulation(t, out["rx"], out["ill"], out["oth"], inflow, out["exit"],
                      np.moveaxis(stocks, -1, 0))
