"""The PyMC model shared by :class:`BayesianTrend` (independent series) and
:class:`HierarchicalBayes` (partial pooling across locations).

For series :math:`s` and latent step :math:`t` (a month for monthly and 12-month-ending data):

.. math::

    \\beta_{s,t} &= g_s + \\phi\\,(\\beta_{s,t-1} - g_s) + \\sigma_s z_{s,t}
        + \\sum_k \\delta_{s,k}[t = c_k],
        \\qquad z_{s,t} \\sim N(0, 1)\\\\
    \\ell_{s,t} &= \\ell_{s,0} + \\sum_{j<t} \\beta_{s,j}\\\\
    \\lambda_{s,t} &= \\exp(\\ell_{s,t} + x_t^\\top b_s)\\, P_{s,t}\\\\
    y_{s,i} &\\sim \\mathrm{NegBin}\\Big(\\sum_{t \\in W_i} \\lambda_{s,t},\\ \\alpha_s\\Big)

a local linear trend on the log death rate (level :math:`\\ell`, growth :math:`\\beta`, damped by
:math:`\\phi` towards :math:`g_s`, the long-run growth with ``growth_target="mean"``,
else 0), optional regressors :math:`x` and changepoints :math:`c_k`, population
:math:`P` as offset, and a negative-binomial count for each observed window :math:`W_i`
(censored at CDC's bound for suppressed cells).  For 12-month-ending data the steps are
12-month blocks, observed directly by default; with
``model_config={"twelve_month_likelihood": "windows"}`` a latent monthly path interpolates
them and every shown window enters
``odforecast.models.bayes.twelve_month.window_loglik`` (each month once) instead.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from odforecast.models.bayes.config import SMALL_POOL
from odforecast.models.bayes.design import Design

__all__ = ["build_model"]


def _step_priors(config: dict[str, Any], design: Design) -> dict[str, float]:
    per_year = 12 / design.step
    damped = config["damping_alpha"] is not None and config["damping_beta"] is not None
    return {
        "per_year": per_year,
        "slope_sd": config["slope_sd"] / per_year,
        # growth-rate change of sigma_slope per year <=> sigma per step of this size
        "sigma": config["sigma_slope"] / per_year**1.5,
        "changepoint_sd": config["changepoint_sd"] / per_year,
        "damped": damped,
    }


def build_model(design: Design, config: dict[str, Any], *, pooled: bool,
                changepoints: list[int] | None = None):
    """The PyMC model for ``design``; ``pooled`` switches on partial pooling across series.

    ``config["parameterization"]`` chooses what NUTS samples: ``"levels"`` (the log-rate path
    itself, centred, with the trend as its prior — best when every step is observed directly,
    since the data then inform each level and the posterior is nearly diagonal), or
    ``"noncentered"`` / ``"centered"`` growth-rate innovations (best when steps are observed
    only through sums, as months inside 12-month windows).  ``"auto"`` picks levels for data
    observed step by step and non-centred innovations otherwise.
    """
    import pymc as pm
    import pytensor.tensor as pt

    prior = _step_priors(config, design)
    n_series, n_steps = design.n_series, design.n_steps
    coords = {"series": [f"{s.location}|{s.indicator}" for s in design.series],
              "step": np.arange(n_steps), "obs": np.arange(len(design.obs_value)),
              "innovation": np.arange(1, n_steps)}
    if design.exog is not None:
        coords["regressor"] = design.exog_columns
    changepoints = changepoints or []
    if changepoints:
        coords["changepoint"] = np.arange(len(changepoints))
    if design.windows is not None:
        coords["recent"] = np.arange(-23, 1)
    log_first = np.log(design.first_rate)
    parameterization = config["parameterization"]
    if parameterization == "auto":
        # 12-month-ending data: each 12-month step is seen by the windows ending in it
        direct = bool(np.all(design.obs_start == design.obs_end)) or design.windows is not None
        parameterization = "levels" if direct else "noncentered"

    with pm.Model(coords=coords) as model:
        # Priors of the initial level and growth: (mean, sd) per series, pooled or not.
        if pooled:
            level_mu = pm.Normal("level_mu", float(log_first.mean()), config["level_sd"])
            level_tau = _pooled_spread(pm, "level_tau", config["level_sd"], config, n_series)
            slope_mu = pm.Normal("slope_mu", 0, prior["slope_sd"])
            slope_tau = _pooled_spread(pm, "slope_tau", prior["slope_sd"], config, n_series)
            level_prior = (level_mu, level_tau)
            slope_prior = (slope_mu, slope_tau)
            log_sigma_mu = pm.Normal("log_sigma_mu", np.log(prior["sigma"]),
                                     config["sigma_slope_log_sd"])
            log_sigma_tau = pm.HalfNormal("log_sigma_tau", config["sigma_slope_spread"])
            log_sigma = log_sigma_mu + log_sigma_tau * pm.Normal("sigma_z", 0, 1, dims="series")
        else:
            level_prior = (log_first, config["level_sd"])
            slope_prior = (0.0, prior["slope_sd"])
            # log-normal scales, not half-normal: a prior with mass at 0 lets the sampler fall
            # into the funnel where a noise scale vanishes
            log_sigma = pm.Normal("log_sigma", np.log(prior["sigma"]),
                                  config["sigma_slope_log_sd"], dims="series")
        log_od = _log_overdispersion(pm, pt, config, pooled=pooled, n_series=n_series)
        sigma = pm.Deterministic("sigma", pm.math.exp(log_sigma), dims="series")
        pm.Deterministic("overdispersion", pm.math.exp(log_od), dims="series")

        target = None
        if prior["damped"]:
            phi_year = pm.Beta("damping", config["damping_alpha"], config["damping_beta"])
            phi = pm.Deterministic("phi_step", phi_year ** (1 / prior["per_year"]))
            if config["growth_target"] == "mean":
                # the growth rate reverts to the series' own long-run growth, not to zero
                target = pm.Normal("growth_mean", 0.0, prior["slope_sd"], dims="series")
        else:
            phi = pt.constant(1.0)

        common = _common_shock(pm, config, prior, n_steps) if pooled else None
        shift = None
        if changepoints:
            shift = pm.Normal("changepoint_shift", 0, prior["changepoint_sd"],
                              dims=("series", "changepoint"))
        if parameterization == "levels":
            level, first = _levels_parameterization(
                pm, pt, design, level_prior, slope_prior, sigma, phi, shift, changepoints,
                log_first, log_od, target, common)
        else:
            level = _shock_parameterization(pm, pt, design, level_prior, slope_prior, sigma, phi,
                                            shift, changepoints, pooled,
                                            centered=parameterization == "centered",
                                            target=target, common=common)
            first = design.start_step
        slope = pt.concatenate([level[:, 1:] - level[:, :-1],
                                pt.zeros((n_series, 1))], axis=1)
        # level and growth where each series' trend starts (its first count in the levels
        # parameterisation, the first step otherwise)
        first_rows = np.arange(n_series)
        pm.Deterministic("level0", level[first_rows, first], dims="series")
        pm.Deterministic("slope0", slope[first_rows, np.minimum(first, max(n_steps - 2, 0))],
                         dims="series")
        log_rate = level + np.log(design.exposure)
        if design.exog is not None:
            if pooled:
                b = pm.Normal("exog_effect", 0, config["exog_sd"], dims="regressor")
                log_rate = log_rate + pt.dot(np.nan_to_num(design.exog), b)[None, :]
            else:
                b = pm.Normal("exog_effect", 0, config["exog_sd"], dims=("series", "regressor"))
                log_rate = log_rate + pt.dot(b, np.nan_to_num(design.exog).T)
        rate = pt.exp(log_rate)
        if design.windows is not None:
            from odforecast.models.bayes.twelve_month import window_loglik

            # the latent monthly path: log rates interpolated between the 12-month steps
            w = design.windows
            log_monthly = pt.dot(log_rate - np.log(design.exposure), w.knots.T) + np.log(
                w.exposure)
            rate = pt.exp(log_monthly)  # expected deaths per month
            # every shown 12-month window, each death once (see window_loglik)
            pm.Potential("windows", window_loglik(w, rate, pt.exp(log_od)))
            # the latest 24 months: forecasts split and bridge the latest windows with them
            pm.Deterministic("monthly_recent", rate[:, -24:], dims=("series", "recent"))

        if len(design.obs_value):
            _observe_counts(pm, pt, design, rate, log_od)

        # What forecasting needs: the state at each series' last step.
        rows = np.arange(n_series)
        pm.Deterministic("level_last", level[rows, design.last_step], dims="series")
        # growth from the last-but-one to the last step; the forecast continues from there
        pm.Deterministic("slope_prev", slope[rows, np.maximum(design.last_step - 1, 0)],
                         dims="series")
    return model


def _pooled_spread(pm, name: str, scale: float, config: dict[str, Any], n_series: int):
    """The spread across locations of their initial levels (``level_tau``) or growth rates
    (``slope_tau``), whose half-normal prior has scale ``scale``.

    HalfNormal(``scale``) for a pool of ``SMALL_POOL`` locations or more (the state
    benchmarks).  With fewer, the data cannot rule out a spread near 0, and the half-normal's
    mass there is a funnel NUTS diverges in: on pools of 2-4 states at the newest data 13 of
    18 fits kept 28-257 divergences after two longer reruns, the divergent draws at a median
    ``slope_tau`` of 0.01 against 0.10 in all (three states), or at small ``level_tau`` (two
    states with similar rates).  A log-normal with median ``scale / 2`` and log sd 0.75 (95 %:
    0.12-2.2 x ``scale``) keeps the bulk of the half-normal and no mass at 0
    (``spread_prior``: ``"auto"``, ``"half_normal"`` or ``"log_normal"``).
    """
    choice = config.get("spread_prior", "half_normal")
    if choice == "log_normal" or (choice == "auto" and n_series < SMALL_POOL):
        return pm.LogNormal(name, np.log(scale / 2), 0.75)
    return pm.HalfNormal(name, scale)


def _log_overdispersion(pm, pt, config: dict[str, Any], *, pooled: bool, n_series: int):
    """Log overdispersion per series: one value shared by every series
    (``overdispersion_pooling="shared"``; with a few yearly blocks per series the per-series
    values and the growth scales trade off along a ridge), else one per series, partially
    pooled (non-centred) when ``pooled`` and independent otherwise."""
    median, log_sd = np.log(config["overdispersion_median"]), config["overdispersion_log_sd"]
    if config["overdispersion_pooling"] == "shared":
        return pm.Normal("log_overdispersion_mu", median, log_sd) * pt.ones(n_series)
    if not pooled:
        return pm.Normal("log_overdispersion", median, log_sd, dims="series")
    mu = pm.Normal("log_overdispersion_mu", median, log_sd)
    tau = pm.HalfNormal("log_overdispersion_tau", 0.5)
    return mu + tau * pm.Normal("od_z", 0, 1, dims="series")


def _common_shock(pm, config: dict[str, Any], prior: dict[str, float], n_steps: int):
    """The growth-rate shocks every location shares, one per innovation step (None when
    ``common_shock_sd`` is None or there is no innovation).

    Locations' growth rates move together: the 2020 surge and the 2023-24 fall reached most
    states within months.  Without a shared term the locations' innovations are
    independent, so a national total summed from them has a spread about sqrt(51) times too
    small (80 % intervals of the US sum of the states covered 15 % of the outcomes;
    benchmarks/forecast_accuracy).  Its scale is LogNormal(log(common_shock_sd), 0.5) per
    year, converted to the latent step like ``sigma_slope``; the shocks are centred (the
    locations' innovations inform each of them).
    """
    if config.get("common_shock_sd") is None:
        return None
    scale = config["common_shock_sd"] / prior["per_year"] ** 1.5
    sd = pm.LogNormal("common_shock_sd", np.log(scale), 0.5)
    if n_steps < 2:
        return None
    return pm.Normal("common_shock", 0.0, sd, dims="innovation")


def _observe_counts(pm, pt, design, rate, log_od) -> None:
    """Negative-binomial counts of the directly observed windows, censored where suppressed."""
    n_series = design.n_series
    cum = pt.concatenate([pt.zeros((n_series, 1)), pt.cumsum(rate, axis=1)], axis=1)
    mu = cum[design.obs_series, design.obs_end + 1] - cum[design.obs_series, design.obs_start]
    mu = pm.Deterministic("mu_obs", mu, dims="obs")
    # alpha = c^-2 written without a division: compiled graphs raise on 1/0 while the
    # sampler explores extreme values.
    alpha = pm.math.exp(-2.0 * log_od[design.obs_series])
    if design.obs_censored.any():
        dist = pm.NegativeBinomial.dist(mu=mu, alpha=alpha)
        pm.Censored("y", dist, lower=None, upper=design.obs_upper,
                    observed=design.obs_value, dims="obs")
    else:
        pm.NegativeBinomial("y", mu=mu, alpha=alpha, observed=design.obs_value, dims="obs")


def _shock_parameterization(pm, pt, design, level_prior, slope_prior, sigma, phi, shift,
                            changepoints, pooled, *, centered, target=None, common=None):
    """Sample the growth-rate innovations; the log-rate path is their double cumulative sum.
    ``common``: shocks added to every series' innovation at each step (or None)."""
    n_series, n_steps = design.n_series, design.n_steps
    if pooled:
        level0 = level_prior[0] + level_prior[1] * pm.Normal("level_z", 0, 1, dims="series")
        slope0 = slope_prior[0] + slope_prior[1] * pm.Normal("slope_z", 0, 1, dims="series")
    else:
        level0 = pm.Normal("level_init", level_prior[0], level_prior[1], dims="series")
        slope0 = pm.Normal("slope_init", slope_prior[0], slope_prior[1], dims="series")
    if centered:
        shocks = pm.Normal("shock", 0, sigma[:, None], dims=("series", "innovation"))
    else:
        shocks = sigma[:, None] * pm.Normal("z", 0, 1, dims=("series", "innovation"))
    if common is not None:
        shocks = shocks + common[None, :]
    if shift is not None:
        index = np.asarray(changepoints) - 1  # innovation k moves the growth rate at step k
        shocks = pt.inc_subtensor(shocks[:, index], shift)
    # The trend of series s starts at its start step a_s (0 but for 12-month-ending data, whose
    # months before a series' first window nothing informs): before it the level is held and
    # the innovations are unused.  slope_t = g + phi^(t-a) (slope_0 - g)
    # + sum_{a<j<=t} phi^(t-j) shock_j, as one matrix product (g: the growth the damping reverts
    # to, 0 unless growth_target is "mean")
    t = np.arange(n_steps)
    start = design.start_step
    active = (t[None, :] >= start[:, None]).astype(float)  # (series, steps)
    if start.any():
        shocks = shocks * active[:, 1:]  # innovation j moves the growth at step j > a_s
    lags = t[:, None] - t[None, 1:]
    mask = (lags >= 0).astype(float)
    decay = mask * phi ** pt.maximum(lags, 0)
    g = pt.zeros(n_series) if target is None else target
    slope = (g[:, None] + (slope0 - g)[:, None] * phi ** np.maximum(t[None, :] - start[:, None], 0)
             + pt.dot(shocks, decay.T))
    if start.any():
        slope = slope * active
    return level0[:, None] + pt.concatenate(
        [pt.zeros((n_series, 1)), pt.cumsum(slope[:, :-1], axis=1)], axis=1)


def _levels_parameterization(pm, pt, design, level_prior, slope_prior, sigma, phi, shift,
                             changepoints, log_first, log_od, target=None, common=None):
    """Sample the log-rate path itself, with the damped trend as its (Gaussian) prior.
    ``common``: shocks shared by every series' innovation at each step (or None).

    The path is written around the data, ``level_t = log(observed rate_t) + s_t u_t`` with
    ``s_t = sqrt(c^2 + 1/y_t)`` the approximate sampling sd of a log count, and NUTS samples
    ``u``.  The data then pin every ``u_t`` to about unit scale whatever the overdispersion
    ``c`` is, which removes the funnel between ``c`` and the levels (the Jacobian
    ``sum(log s_t)`` keeps the prior exact).
    """
    n_series, n_steps = design.n_series, design.n_steps
    center = np.tile(log_first[:, None], (1, n_steps))
    inv_count = np.ones((n_series, n_steps))  # steps without a direct count: scale ~ 1
    for j in range(len(design.obs_value)):
        if not design.obs_censored[j]:
            width = design.obs_end[j] - design.obs_start[j] + 1
            count = max(design.obs_value[j], 0.5)
            s = design.obs_series[j]
            steps = slice(design.obs_start[j], design.obs_end[j] + 1)
            center[s, steps] = np.log(count / width / design.exposure[s, steps])
            inv_count[s, steps] = 1.0 / count
    if design.windows is not None:  # 12-month-ending data: the latest shown window of a step
        for i, s in enumerate(design.series):
            shown = np.flatnonzero(~np.isnan(s.values) & ~s.censored)
            steps = design.grid.searchsorted(s.time[shown])  # the step each window ends in
            for j, k in zip(shown, steps, strict=True):
                count = max(s.values[j], 0.5)
                center[i, k] = np.log(count / design.exposure[i, k])
                inv_count[i, k] = 1.0 / count
    observed = inv_count < 1
    t = np.arange(n_steps)
    # Steps without a count are centred on the interpolated observed log rate (nearest one at
    # the edges), not on the first observed rate.
    for i in range(n_series):
        have = np.flatnonzero(observed[i])
        if len(have):
            center[i] = np.interp(t, have, center[i, have])
    # Steps before a series' first count are not sampled: nothing informs them and forecasting
    # never uses them, but as free levels tied only by the trend prior they were the worst-mixing
    # parameters (level0 of states whose early years CDC did not show).  They are held at the
    # first observed level; the level prior applies at the first count, where log_first (the
    # first *observed* rate) already centres it.
    first = np.array([np.flatnonzero(row)[0] if row.any() else 0 for row in observed])
    free = t[None, :] >= first[:, None]
    rows_free, steps_free = np.nonzero(free)
    scale = pt.sqrt(pt.exp(2.0 * log_od)[:, None] + inv_count)
    values = pm.Flat("level_offset", shape=len(rows_free), initval=np.zeros(len(rows_free)))
    offset = pt.set_subtensor(pt.zeros((n_series, n_steps))[rows_free, steps_free], values)
    rows = np.arange(n_series)
    level = center + scale * offset
    level = pt.where(free, level, level[rows, first][:, None])
    growth = level[:, 1:] - level[:, :-1]
    innovation = growth[:, 1:] - phi * growth[:, :-1]
    if target is not None:  # damping towards the long-run growth: (g_t - m) - phi (g_t-1 - m)
        innovation = innovation - (1 - phi) * target[:, None]
    if shift is not None:
        index = np.asarray(changepoints) - 1
        innovation = pt.inc_subtensor(innovation[:, index], -shift)
    if common is not None:  # innovation k moves the growth at step k + 1
        innovation = innovation - common[None, : n_steps - 2]
    # innovation k links steps k, k+1, k+2: it counts once all three are sampled
    counted = (t[None, 1:-1] >= first[:, None] + 1).astype(float)
    logp = (pm.logp(pm.Normal.dist(level_prior[0], level_prior[1]), level[rows, first]).sum()
            + pm.logp(pm.Normal.dist(slope_prior[0], slope_prior[1]),
                      growth[rows, np.minimum(first, n_steps - 2)]).sum()
            + (counted * pm.logp(pm.Normal.dist(0.0, sigma[:, None]), innovation)).sum()
            + (free * pt.log(scale)).sum())
    pm.Potential("trend_prior", logp)
    return level, first
