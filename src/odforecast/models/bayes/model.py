"""The PyMC model shared by :class:`BayesianTrend` (independent series) and
:class:`HierarchicalBayes` (partial pooling across locations).

For series :math:`s` and latent step :math:`t` (a month for monthly and 12-month-ending data):

.. math::

    \\beta_{s,t} &= \\phi\\,\\beta_{s,t-1} + \\sigma_s z_{s,t} + \\sum_k \\delta_{s,k}[t = c_k],
        \\qquad z_{s,t} \\sim N(0, 1)\\\\
    \\ell_{s,t} &= \\ell_{s,0} + \\sum_{j<t} \\beta_{s,j}\\\\
    \\lambda_{s,t} &= \\exp(\\ell_{s,t} + x_t^\\top b_s)\\, P_{s,t}\\\\
    y_{s,i} &\\sim \\mathrm{NegBin}\\Big(\\sum_{t \\in W_i} \\lambda_{s,t},\\ \\alpha_s\\Big)

a local linear trend on the log death rate (level :math:`\\ell`, growth :math:`\\beta`, damped by
:math:`\\phi`), optional regressors :math:`x` and changepoints :math:`c_k`, population
:math:`P` as offset, and a negative-binomial count for each observed window :math:`W_i`
(censored at CDC's bound for suppressed cells).  All innovations are non-centred.
"""

from __future__ import annotations

from typing import Any

import numpy as np

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
    """The PyMC model for ``design``; ``pooled`` switches on partial pooling across series."""
    import pymc as pm
    import pytensor.tensor as pt

    prior = _step_priors(config, design)
    n_series, n_steps = design.n_series, design.n_steps
    coords = {"series": [f"{s.location}|{s.indicator}" for s in design.series],
              "step": np.arange(n_steps), "obs": np.arange(len(design.obs_value)),
              "innovation": np.arange(1, n_steps), "tail": np.arange(-11, 1)}
    if design.exog is not None:
        coords["regressor"] = design.exog_columns
    changepoints = changepoints or []
    if changepoints:
        coords["changepoint"] = np.arange(len(changepoints))
    log_first = np.log(design.first_rate)

    with pm.Model(coords=coords) as model:
        if pooled:
            level_mu = pm.Normal("level_mu", float(log_first.mean()), config["level_sd"])
            level_tau = pm.HalfNormal("level_tau", config["level_sd"])
            level0 = pm.Deterministic(
                "level0", level_mu + level_tau * pm.Normal("level_z", 0, 1, dims="series"),
                dims="series")
            slope_mu = pm.Normal("slope_mu", 0, prior["slope_sd"])
            slope_tau = pm.HalfNormal("slope_tau", prior["slope_sd"])
            slope0 = pm.Deterministic(
                "slope0", slope_mu + slope_tau * pm.Normal("slope_z", 0, 1, dims="series"),
                dims="series")
            log_sigma_mu = pm.Normal("log_sigma_mu", np.log(prior["sigma"]), 1.0)
            log_sigma_tau = pm.HalfNormal("log_sigma_tau", 0.5)
            sigma = pm.Deterministic(
                "sigma", pm.math.exp(log_sigma_mu + log_sigma_tau
                                     * pm.Normal("sigma_z", 0, 1, dims="series")),
                dims="series")
            log_od_mu = pm.Normal("log_overdispersion_mu",
                                  np.log(config["overdispersion_median"]),
                                  config["overdispersion_log_sd"])
            log_od_tau = pm.HalfNormal("log_overdispersion_tau", 0.5)
            overdispersion = pm.Deterministic(
                "overdispersion", pm.math.exp(log_od_mu + log_od_tau
                                              * pm.Normal("od_z", 0, 1, dims="series")),
                dims="series")
        else:
            level0 = pm.Normal("level0", log_first, config["level_sd"], dims="series")
            slope0 = pm.Normal("slope0", 0, prior["slope_sd"], dims="series")
            sigma = pm.HalfNormal("sigma", prior["sigma"], dims="series")
            # log-normal, not half-normal: a prior with mass at 0 lets the sampler fall into the
            # funnel where observation noise vanishes and the trend absorbs everything.
            overdispersion = pm.LogNormal("overdispersion",
                                          np.log(config["overdispersion_median"]),
                                          config["overdispersion_log_sd"], dims="series")

        if prior["damped"]:
            phi_year = pm.Beta("damping", config["damping_alpha"], config["damping_beta"])
            phi = pm.Deterministic("phi_step", phi_year ** (1 / prior["per_year"]))
        else:
            phi = pt.constant(1.0)

        z = pm.Normal("z", 0, 1, dims=("series", "innovation"))
        shocks = sigma[:, None] * z
        if changepoints:
            delta = pm.Normal("changepoint_shift", 0, prior["changepoint_sd"],
                              dims=("series", "changepoint"))
            index = np.asarray(changepoints) - 1  # innovation k moves slope at step k
            shocks = pt.inc_subtensor(shocks[:, index], delta)
        # slope_t = phi^t slope_0 + sum_{1<=j<=t} phi^(t-j) shock_j, as one matrix product
        t = np.arange(n_steps)
        lags = t[:, None] - t[None, 1:]
        mask = (lags >= 0).astype(float)
        decay = mask * phi ** pt.maximum(lags, 0)
        slope = slope0[:, None] * phi ** t[None, :] + pt.dot(shocks, decay.T)
        level = level0[:, None] + pt.concatenate(
            [pt.zeros((n_series, 1)), pt.cumsum(slope[:, :-1], axis=1)], axis=1)
        log_rate = level + np.log(design.exposure)
        if design.exog is not None:
            if pooled:
                b = pm.Normal("exog_effect", 0, config["exog_sd"], dims="regressor")
                log_rate = log_rate + pt.dot(np.nan_to_num(design.exog), b)[None, :]
            else:
                b = pm.Normal("exog_effect", 0, config["exog_sd"], dims=("series", "regressor"))
                log_rate = log_rate + pt.dot(b, np.nan_to_num(design.exog).T)
        rate = pt.exp(log_rate)
        cum = pt.concatenate([pt.zeros((n_series, 1)), pt.cumsum(rate, axis=1)], axis=1)
        mu = cum[design.obs_series, design.obs_end + 1] - cum[design.obs_series,
                                                              design.obs_start]
        mu = pm.Deterministic("mu_obs", mu, dims="obs")
        alpha = 1.0 / overdispersion[design.obs_series] ** 2

        # What forecasting needs: the state at each series' last step, and the rates of the
        # last 12 steps (to split the latest 12-month-ending count across its months).
        rows = np.arange(n_series)
        pm.Deterministic("level_last", level[rows, design.last_step], dims="series")
        pm.Deterministic("slope_last", slope[rows, design.last_step], dims="series")
        tail = design.last_step[:, None] + np.arange(-11, 1)[None, :]
        pm.Deterministic("log_rate_tail", log_rate[rows[:, None], np.maximum(tail, 0)],
                         dims=("series", "tail"))

        if design.obs_censored.any():
            dist = pm.NegativeBinomial.dist(mu=mu, alpha=alpha)
            pm.Censored("y", dist, lower=None, upper=design.obs_upper,
                        observed=design.obs_value, dims="obs")
        else:
            pm.NegativeBinomial("y", mu=mu, alpha=alpha, observed=design.obs_value,
                                dims="obs")
    return model
