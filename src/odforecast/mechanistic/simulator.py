"""The monthly difference equations of the compact mechanistic model (spec §3-§4).

One step function, written once against a tiny array namespace (``numpy`` or
``pytensor.tensor``), is used both by the vectorised NumPy projection (parameters of shape
``(n_draws,)``) and by the PyMC calibration (a ``pytensor.scan`` over months).  Outflows use the
competing-risks discretisation ``pi_j = r_j / h (1 - exp(-h dt)) X``, so stocks stay
non-negative whatever the rates.
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
    "step",
]

#: Compartments, in state-vector order (spec §3).
STATES: tuple[str, ...] = ("M", "P", "H", "T", "R")

#: Monthly driver arrays the step function reads (all exogenous to the parameters).
DRIVER_NAMES: tuple[str, ...] = (
    "misuse_init",   # Rx misuse initiation, persons/yr
    "t_H",           # min(t - 2002, Y_H - 2002): exponent of illicit-initiation growth
    "s_ratio",       # Rx supply relative to 2012
    "fentanyl",      # fentanyl penetration f(t)
    "nal_ill",       # (1 - a(t)) / (1 - a(2012)): naloxone factor on illicit fatal hazard
    "covid_on",      # 1 in the COVID window, else 0
    "capacity",      # MOUD capacity relative to 2019
    "leth_x",        # extra illicit-lethality factor (Rao trend x interdiction), 1 = none
    "nx_x",          # naloxone-scenario factor on every fatal overdose hazard, 1 = none
    "moud_x",        # MOUD-scenario factor on treatment entry, 1 = none
)

DT = 1.0 / 12.0


def _outflows(x: Any, rates: list[Any], xp: ModuleType) -> list[Any]:
    total = rates[0]
    for r in rates[1:]:
        total = total + r
    frac = (1.0 - xp.exp(-total * DT)) / total
    return [r * frac * x for r in rates]


def step(state: tuple[Any, ...], p: Mapping[str, Any], d: Mapping[str, Any],
         xp: ModuleType = np) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """Advance the stocks by one month (spec §4).

    Parameters
    ----------
    state
        ``(M, P, H, T, R)`` at the start of the month (arrays or tensors).
    p
        Parameters: the free ones of :data:`~odforecast.mechanistic.parameters.FREE_PARAMETERS`
        and the fixed ones of :data:`~odforecast.mechanistic.parameters.FIXED`.
    d
        Driver values for the month (keys :data:`DRIVER_NAMES`).
    xp
        Array namespace: ``numpy`` or ``pytensor.tensor``.

    Returns
    -------
    tuple
        The new state and a dict of the month's flows: ``rx`` and ``ill`` (overdose deaths by
        bucket), ``oth`` (non-overdose deaths), ``inflow`` (initiation) and ``exit`` (every
        flow leaving the modelled population: deaths, quitting misuse, stable remission).
    """
    m, pp, h, t, r = state
    c = 1.0 + (p["covid"] - 1.0) * d["covid_on"]
    m_m = p["m_M0"] * c * d["nx_x"]
    m_p = p["m_P0"] * d["s_ratio"] ** p["beta_S"] * c * d["nx_x"]
    lethality = 1.0 + d["fentanyl"] * (p["kappa"] - 1.0)
    m_h = p["m_H0"] * lethality * d["nal_ill"] * c * d["leth_x"] * d["nx_x"]
    s_ph = p["sigma_PH0"] * d["s_ratio"] ** (-p["eps_esc"])
    tau_h = p["tau_H0"] * d["capacity"] * d["moud_x"]
    tau_p = p["tau_P0"] * d["capacity"] * d["moud_x"]
    iota_m = p["lambda_M"] * d["misuse_init"]
    iota_h = p["iota_H0"] * xp.exp(p["g_H"] * d["t_H"])

    m_q, m_p_, m_h_, m_d, m_o = _outflows(m, [p["q_M"], p["sigma_MP"], p["sigma_MH"], m_m,
                                               p["mu"]], xp)
    p_h, p_t, p_r, p_d, p_o = _outflows(pp, [s_ph, tau_p, p["r_P"], m_p, p["mu"]], xp)
    h_t, h_r, h_d, h_o = _outflows(h, [tau_h, p["r_H"], m_h, p["mu"]], xp)
    t_end, t_d, t_o = _outflows(t, [p["d_T"], p["theta_T"] * m_h, p["mu_T"]], xp)
    r_rel, r_s, r_o = _outflows(r, [p["rho"], p["s_R"], p["mu"]], xp)

    new_m = m + iota_m * DT - (m_q + m_p_ + m_h_ + m_d + m_o)
    new_p = pp + m_p_ + (1.0 - p["phi_H"]) * r_rel - (p_h + p_t + p_r + p_d + p_o)
    new_h = (h + iota_h * DT + m_h_ + p_h + p["phi_H"] * r_rel + (1.0 - p["chi"]) * t_end
             - (h_t + h_r + h_d + h_o))
    new_t = t + p_t + h_t - (t_end + t_d + t_o)
    new_r = r + p_r + h_r + p["chi"] * t_end - (r_rel + r_s + r_o)
    rx = m_d + p_d
    ill = h_d + t_d
    oth = m_o + p_o + h_o + t_o + r_o
    flows = {"rx": rx, "ill": ill, "oth": oth, "inflow": (iota_m + iota_h) * DT,
             "exit": rx + ill + oth + m_q + r_s}
    return (new_m, new_p, new_h, new_t, new_r), flows


def month_times(end_year: int) -> np.ndarray:
    """Mid-month decimal times from January 2002 to December ``end_year``."""
    n = 12 * (end_year - int(T0) + 1)
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


def build_drivers(last_data_year: int, end_year: int, lethality: str = "data", *,
                  rao_growth: float = FIXED["g_L"],
                  rao_end_year: float = FIXED["Y_L"]) -> dict[str, np.ndarray]:
    """Monthly driver arrays from January 2002 to December ``end_year``.

    Data years up to ``last_data_year`` (what was available at the vintage) are interpolated
    at mid-year; later months follow the projection rules of spec §4 and §6.

    Parameters
    ----------
    last_data_year
        Last calendar year of driver data usable at the vintage.
    end_year
        Last simulated year.
    lethality
        ``"data"``: fentanyl penetration approaches the SOURCE Base end value ``E_f`` by
        ``T_f`` (95 % of the gap, exponential approach: levelling off); ``"rao_trend"``:
        penetration held at its last value and the illicit fatal hazard multiplied by
        ``exp(g_L (min(t, Y_L) - t_last)^+)`` with ``g_L = rao_growth``,
        ``Y_L = rao_end_year`` (spec §6 P-RaoTrend, §10.3).
    rao_growth, rao_end_year
        Rao-trend growth ``g_L`` (/yr, log scale) and end year ``Y_L``.

    Returns
    -------
    dict
        ``t`` (decimal times) and one array per name in :data:`DRIVER_NAMES`.

    Examples
    --------
    >>> from odforecast.mechanistic import build_drivers
    >>> drivers = build_drivers(2019, 2029, "rao_trend")
    >>> len(drivers["t"]) // 12  # months from 2002 to 2029
    28
    >>> round(float(drivers["leth_x"][-1]), 2)  # illicit lethality multiplier reached
    3.0
    """
    t = month_times(end_year)
    s, t_last, s_last = _interp(DRIVER_DATA["rx_supply"], t, last_data_year)
    future = t > t_last
    s = np.where(future, s_last * (1.0 - FIXED["rx_supply_decline"]) ** (t - t_last), s)
    s_2012 = DRIVER_DATA["rx_supply"][2012]

    misuse_data = {y: v * (FIXED["misuse_redefinition"] if y >= 2015 else 1.0)
                   for y, v in DRIVER_DATA["misuse_initiation"].items()}
    a_m, t_am, a_last = _interp(misuse_data, t, last_data_year)
    s_at = np.interp(t_am, t, s)
    a_m = np.where(t > t_am, a_last * (s / s_at) ** FIXED["beta_M"], a_m)

    f, t_f, f_last = _interp(DRIVER_DATA["fentanyl_share"], t, last_data_year)
    leth_x = np.ones_like(t)
    if lethality == "data":
        k = np.log(20.0) / max(FIXED["T_f"] - t_f, 1.0)
        f = np.where(t > t_f, FIXED["E_f"] - (FIXED["E_f"] - f_last) * np.exp(-k * (t - t_f)),
                     f)
    elif lethality == "rao_trend":
        f = np.where(t > t_f, f_last, f)
        leth_x = np.exp(rao_growth * np.clip(np.minimum(t, rao_end_year) - t_f, 0.0, None))
    else:  # validated by the model; kept for direct callers
        raise ValueError(f"unknown lethality {lethality!r}")

    pop, t_pop, pop_last = _interp(DRIVER_DATA["population"], t, last_data_year)
    pop = np.where(t > t_pop, pop_last * (1.0 + FIXED["pop_growth"]) ** (t - t_pop), pop)
    kits, _, _ = _interp(DRIVER_DATA["naloxone_kits"], t, last_data_year)
    averted = _naloxone_averted(kits, pop)
    a_2012 = _naloxone_averted(np.array([DRIVER_DATA["naloxone_kits"][2012]]),
                               np.interp([2012.5], t, pop))[0]
    cap, _, _ = _interp(DRIVER_DATA["moud_capacity"], t, last_data_year)
    cap_2019 = DRIVER_DATA["moud_capacity"][2019] if last_data_year >= 2019 \
        else float(np.interp(2019.5, t, cap))
    covid_on = ((t >= FIXED["covid_start"]) & (t < FIXED["covid_end"])).astype(float)
    return {
        "t": t,
        "misuse_init": a_m,
        "t_H": np.minimum(t - T0, FIXED["Y_H"] - T0),
        "s_ratio": s / s_2012,
        "fentanyl": f,
        "nal_ill": (1.0 - averted) / (1.0 - a_2012),
        "covid_on": covid_on,
        "capacity": cap / cap_2019,
        "leth_x": leth_x,
        "nx_x": np.ones_like(t),
        "moud_x": np.ones_like(t),
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
    >>> from odforecast.mechanistic.parameters import FIXED, FREE_PARAMETERS, INITIAL_STOCKS
    >>> params = {**FIXED, **{p.name: p.to_natural(p.mu) for p in FREE_PARAMETERS}}
    >>> sim = simulate(params, build_drivers(2019, 2019, "data"), INITIAL_STOCKS)
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
        """Calendar-year sums of a monthly flow: frame ``(n_draws, years)``."""
        values = getattr(self, name)
        years = np.floor(self.t).astype(int)
        n_years = len(self.t) // 12
        summed = values.reshape(values.shape[0], n_years, 12).sum(axis=2)
        return pd.DataFrame(summed, columns=years[::12])


def simulate(params: Mapping[str, Any], drivers: Mapping[str, np.ndarray],
             initial: Mapping[str, Any]) -> Simulation:
    """Run the monthly model with NumPy, vectorised over parameter draws.

    Parameters
    ----------
    params
        Every parameter the step uses; each a scalar or an array of shape ``(n_draws,)``.
    drivers
        Output of :func:`build_drivers`; any driver may instead be ``(n_draws, n_months)``
        (scenario factors drawn per path).
    initial
        Initial stocks by name (:data:`STATES`), scalars or ``(n_draws,)``.

    Returns
    -------
    Simulation

    Examples
    --------
    The prior medians of the free parameters, one draw, 2002-2019:

    >>> from odforecast.mechanistic import build_drivers, simulate
    >>> from odforecast.mechanistic.parameters import FIXED, FREE_PARAMETERS, INITIAL_STOCKS
    >>> params = {**FIXED, **{p.name: p.to_natural(p.mu) for p in FREE_PARAMETERS}}
    >>> sim = simulate(params, build_drivers(2019, 2019, "data"), INITIAL_STOCKS)
    >>> sim.deaths_ill.shape  # (draws, months)
    (1, 216)
    >>> list(sim.annual("deaths_ill").columns[[0, -1]])
    [2002, 2019]
    """
    n = max([np.size(v) for v in params.values()] + [np.size(v) for v in initial.values()]
            + [np.shape(drivers[k])[0] for k in DRIVER_NAMES if np.ndim(drivers[k]) == 2])
    t = np.asarray(drivers["t"])
    k_months = len(t)
    p = {k: np.broadcast_to(np.asarray(v, dtype=float), (n,)) for k, v in params.items()}
    d_arrays = {k: np.broadcast_to(np.asarray(drivers[k], dtype=float), (n, k_months))
                for k in DRIVER_NAMES}
    state = tuple(np.broadcast_to(np.asarray(initial[s], dtype=float), (n,)).copy()
                  for s in STATES)
    out = {k: np.empty((n, k_months)) for k in ("rx", "ill", "oth", "inflow", "exit")}
    stocks = np.empty((len(STATES), n, k_months + 1))
    stocks[:, :, 0] = state
    for k in range(k_months):
        d = {name: arr[:, k] for name, arr in d_arrays.items()}
        state, flows = step(state, p, d, np)
        for name, value in flows.items():
            out[name][:, k] = value
        stocks[:, :, k + 1] = state
    return Simulation(t, out["rx"], out["ill"], out["oth"], out["inflow"], out["exit"], stocks)
