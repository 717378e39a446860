"""Model and sampler configuration: defaults merged with the user's dicts, checked up front.

As in pymc-marketing, priors and sampler options are data: a user overrides any of them by
passing a dict, without subclassing; unknown keys are errors, never silently ignored.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping
from typing import Any

from odforecast.errors import ParameterError
from odforecast.models.params import check_int, check_sampler_settings, merge_settings

__all__ = [
    "ANNUAL_MODEL_CONFIG",
    "ANNUAL_SAMPLER_CONFIG",
    "DEFAULT_MODEL_CONFIG",
    "DEFAULT_SAMPLER_CONFIG",
    "HIERARCHICAL_MODEL_CONFIG",
    "HIERARCHICAL_SAMPLER_CONFIG",
    "NUMPYRO_MAX_SERIES",
    "available_samplers",
    "merge_config",
    "resolve_sampler",
]

#: Priors, on yearly scales (converted to the latent step inside the model).
DEFAULT_MODEL_CONFIG: dict[str, Any] = {
    # initial log-rate: Normal(log(first observed rate), level_sd)
    "level_sd": 1.0,
    # initial growth of the log-rate per year: Normal(0, slope_sd) (0.3 ~ +-35 %/yr)
    "slope_sd": 0.3,
    # year-to-year change of the growth rate: LogNormal with median sigma_slope per year
    "sigma_slope": 0.15,
    # its spread: log(sigma) ~ Normal(log(sigma_slope), sigma_slope_log_sd) for independent
    # series (a log-normal keeps the sampler out of the sigma -> 0 funnel); in
    # HierarchicalBayes the prior sd of the pooled mean of log(sigma).  0.5 (95 %: 0.06-0.4 a
    # year), not 0.75: with a few yearly blocks a small series' sigma and overdispersion
    # trade off along a ridge the sampler crosses slowly (annual data too: see below)
    "sigma_slope_log_sd": 0.5,
    # damping of the growth rate per year: Beta(damping_alpha, damping_beta); None = undamped
    "damping_alpha": 8.0,
    "damping_beta": 2.0,
    # what the damping pulls the growth rate towards: "zero" (the trend flattens out) or
    # "mean" (the series' own long-run growth, Normal(0, slope_sd) per year)
    "growth_target": "zero",
    # negative-binomial overdispersion c = 1/sqrt(alpha) (the coefficient of variation of the
    # extra-Poisson noise): LogNormal(log(overdispersion_median), overdispersion_log_sd)
    "overdispersion_median": 0.05,
    "overdispersion_log_sd": 0.4,  # 95 %: 0.023-0.11 (was 0.75; the ridge above)
    # "per_series": each series its own overdispersion (pooled in HierarchicalBayes);
    # "shared": one value for all series
    "overdispersion_pooling": "per_series",
    # exogenous covariate effects: Normal(0, exog_sd) per standardised regressor
    "exog_sd": 0.5,
    # changepoints: extra shift of the growth rate Normal(0, changepoint_sd) at given dates
    "changepoint_sd": 0.5,
    # what NUTS samples: "levels" (the log-rate path, centred), "noncentered" or "centered"
    # growth-rate innovations; "auto": levels when every step is observed directly, else
    # non-centred innovations (see odforecast.models.bayes.model.build_model)
    "parameterization": "auto",
    # 12-month-ending data: "blocks" observes the non-overlapping windows ending every 12th
    # month before the latest one; "windows" every shown window, each death once, with a
    # latent monthly path (odforecast.models.bayes.twelve_month.window_loglik) — withheld
    # trailing windows are then bridged from the latest shown ones (see docs/bayes.md)
    "twelve_month_likelihood": "blocks",
}

#: Options of the NUTS run (passed to pymc.sample) and of the approximate path.
DEFAULT_SAMPLER_CONFIG: dict[str, Any] = {
    "draws": 1000,
    "tune": 1000,
    "chains": 2,
    "cores": 2,
    "target_accept": 0.99,  # the small national models diverge at 0.9-0.95 (measured here)
    # "auto": numpyro for up to NUMPYRO_MAX_SERIES series (its compiled programs are kept on
    # disk, so a fit in a new process skips most of the compiling), nutpie for more series
    # (it samples them ~2.4x faster) or for data with suppressed (censored) cells, then pymc;
    # see resolve_sampler, benchmarks/bayes_speed, docs/bayes.md "Sampler and compilation cache"
    "nuts_sampler": "auto",
    # the sampler's live bar: "auto" = on in a terminal when odforecast's progress option is
    # on (odforecast.set_options), off in logs; True / False force it
    "progressbar": "auto",
    # a NUTS run at the default length that misses the convergence thresholds is sampled
    # again, each time with twice the draws and tuning steps, up to this many times (0: never;
    # a user's draws or tune are kept as chosen): see odforecast.models.bayes.fit.rerun_config
    "reruns": 2,
    "method": "nuts",  # or "advi" (approximate, labelled as such)
    "advi_iterations": 20_000,
}

#: BayesianTrend's defaults for **annual** data (decade horizons; benchmarks/decade_backtest),
#: in place of the keys above.  The growth rate reverts to the series' own long-run growth
#: (not to zero: damped to zero, every origin from 2008 on under-predicted US opioid deaths
#: 1-10 years ahead); Beta(2, 2): a deviation of the growth from it halves in about a year
#: (posterior mean 0.45 on 1999-2020); growth swinging by 0.04 a year, not 0.15 (which made
#: 2020-2029 bands of 0.6-7.3 million deaths).  On CDC's 12-month-ending counts (12-month
#: latent steps too) the same priors made the 12-month WIS 34 % worse, so they stay annual.
ANNUAL_MODEL_CONFIG: dict[str, Any] = {"sigma_slope": 0.04, "damping_alpha": 2.0,
                                       "damping_beta": 2.0, "growth_target": "mean",
                                       # log sd of sigma 0.5, not 0.75: with 8-10 years
                                       # the lower tail (sigma ~ 0.008) is a funnel where
                                       # NUTS diverged (3 of 10 decade fits flagged after
                                       # reruns; 0.5: 10 of 10 converge in the first run)
                                       "sigma_slope_log_sd": 0.5,
                                       "overdispersion_log_sd": 0.75}

#: HierarchicalBayes's defaults in place of the keys above (every frequency).  With a few
#: 12-month blocks per state (the backtest origins 2018-2021: 3-6) the pooled growth-rate scale
#: and per-state overdispersions trade off along a ridge NUTS cannot cross (0 of 7 origins
#: converged; benchmarks/bayes_speed, "Convergence at the backtest origins"): one
#: overdispersion for all states, centred where the data put it whenever they can (posterior
#: 0.030-0.037 at every origin), and a pooled log growth scale of prior sd 0.5 (was 1.0)
#: remove it.
HIERARCHICAL_MODEL_CONFIG: dict[str, Any] = {"overdispersion_pooling": "shared",
                                             "overdispersion_median": 0.03,
                                             "overdispersion_log_sd": 0.3,
                                             "sigma_slope_log_sd": 0.5,
                                             # spread of log(sigma) across locations:
                                             # HalfNormal(sigma_slope_spread)
                                             "sigma_slope_spread": 0.1,
                                             # growth shocks shared by every location: sd
                                             # LogNormal(log(common_shock_sd), 0.5) per
                                             # year; None: the locations' shocks independent
                                             "common_shock_sd": 0.1,
                                             # prior of the spreads of the locations'
                                             # initial levels and growth (level_tau,
                                             # slope_tau): "half_normal", "log_normal", or
                                             # "auto" (log-normal below SMALL_POOL
                                             # locations; see model._pooled_spread)
                                             "spread_prior": "auto"}

#: Below this many locations a hierarchy's spreads of initial levels and growth rates get
#: log-normal priors instead of half-normal ones (``spread_prior="auto"``): the data of a few
#: locations cannot rule out a spread near 0, where NUTS diverges in the funnel.
SMALL_POOL = 10

#: HierarchicalBayes's sampler defaults (every frequency) in place of the keys above: 2 x
#: 2,000 draws after 1,000 tuning steps.  With the shared growth shock the spread of the
#: states' growth scales (``log_sigma_tau``) mixes at about 1 effective draw in 5: at 2 x 1,000
#: draws it missed bulk ESS 400 at every backtest origin and at the newest data (220), so each
#: fit sampled twice (the automatic rerun at 2 x 2,000 after 2,000 tuning steps); the
#: 49-state fit at the newest data took 47 s in a second process, and 20 s with these
#: defaults (benchmarks/bayes_speed, "2 x 2,000 draws by default").
HIERARCHICAL_SAMPLER_CONFIG: dict[str, Any] = {"draws": 2000}

#: BayesianTrend's sampler defaults for annual data: the growth-rate scale mixes slowly (about 1
#: effective draw in 10); from 2 x 2,000 draws the 1999-2020 US fit had tail ESS 381 after 1,000
#: tuning steps and 495 after 2,000.
ANNUAL_SAMPLER_CONFIG: dict[str, Any] = {"draws": 2000, "tune": 2000}

_SAMPLERS = ("nutpie", "numpyro", "pymc", "blackjax")


#: ``nuts_sampler="auto"`` uses numpyro for at most this many series, nutpie for more.  In a
#: second process (warm caches, 2 cores under load 2-3; benchmarks/bayes_speed) numpyro fitted
#: the national 12-month model in 14 s against nutpie's 23 s (compiling is most of it, and
#: numpyro's is cached on disk), but the 49-state hierarchical model in 106 s against 64 s:
#: same 63 leapfrog steps per draw, each ~2.4x dearer in JAX.  On the first 8 states (same
#: script, load ~3.5) numpyro was still ahead: 41 s against 48 s.
NUMPYRO_MAX_SERIES = 8


def available_samplers() -> list[str]:
    """NUTS implementations importable here, in the order ``nuts_sampler="auto"`` prefers them
    (see :func:`resolve_sampler` for when it passes over numpyro).

    numpyro leads: PyMC compiles the model to JAX for it, and odforecast keeps XLA's compiled
    programs on disk (:func:`odforecast._jax.jax_cache_dir`), so a fit of the same model shapes
    in a later process skips most of the compiling; nutpie's numba compilation is largely redone
    in every process (measured in benchmarks/bayes_speed).  ``"blackjax"`` is never picked
    automatically: PyMC's bridge to it fails with blackjax 1.6 and later (pymc issue #8367).

    Examples
    --------
    >>> available_samplers()[-1]  # PyMC's own NUTS, always there
    'pymc'
    """
    found = [name for name in ("numpyro", "nutpie") if importlib.util.find_spec(name)]
    return [*found, "pymc"]


def merge_config(defaults: Mapping[str, Any], user: Mapping[str, Any] | None, *,
                 name: str) -> dict[str, Any]:
    """``defaults`` updated with ``user`` (see :func:`odforecast.models.params.merge_settings`);
    a sampler configuration is checked as well."""
    merged = merge_settings(defaults, user, name=name)
    if name == "sampler_config":
        _check_sampler(merged)
    return merged


def _check_sampler(config: dict[str, Any]) -> None:
    if config["method"] not in {"nuts", "advi"}:
        raise ParameterError(f"sampler_config method must be 'nuts' or 'advi'; got "
                             f"{config['method']!r}", parameter="method")
    sampler = config["nuts_sampler"]
    if sampler == "auto":
        pass  # resolved by resolve_sampler once the data are known
    elif sampler not in _SAMPLERS:
        raise ParameterError(f"unknown nuts_sampler {sampler!r}; choose from "
                             f"{', '.join(('auto', *_SAMPLERS))}", parameter="nuts_sampler")
    elif sampler != "pymc" and importlib.util.find_spec(sampler) is None:
        raise ParameterError(f"nuts_sampler {sampler!r} is not installed; available here: "
                             f"{', '.join(available_samplers())}", parameter="nuts_sampler")
    check_sampler_settings(config, ("draws", "tune", "chains", "cores", "advi_iterations"))
    check_int(config["reruns"], "reruns", minimum=0)


def resolve_sampler(config: Mapping[str, Any], *, n_series: int,
                    censored: bool) -> dict[str, Any]:
    """``config`` with ``nuts_sampler="auto"`` replaced by the sampler that runs: the first of
    :func:`available_samplers`, passing over numpyro for more than :data:`NUMPYRO_MAX_SERIES`
    series or when the data have censored (suppressed) cells.

    A censored negative-binomial count enters the likelihood through its CDF, the regularised
    incomplete beta function, whose gradient in its shape parameters JAX does not implement
    ("Betainc gradient with respect to a and b not supported"), so such models go to nutpie
    (or PyMC's NUTS).  An explicit choice is kept as it is.

    Examples
    --------
    >>> resolve_sampler({"nuts_sampler": "auto"}, n_series=1, censored=False)["nuts_sampler"]
    'numpyro'
    >>> resolve_sampler({"nuts_sampler": "auto"}, n_series=49, censored=False)["nuts_sampler"]
    'nutpie'
    >>> resolve_sampler({"nuts_sampler": "auto"}, n_series=1, censored=True)["nuts_sampler"]
    'nutpie'
    >>> resolve_sampler({"nuts_sampler": "pymc"}, n_series=1, censored=False)["nuts_sampler"]
    'pymc'
    """
    resolved = dict(config)
    if resolved["nuts_sampler"] == "auto":
        skip_numpyro = censored or n_series > NUMPYRO_MAX_SERIES
        usable = [name for name in available_samplers()
                  if not (skip_numpyro and name == "numpyro")]
        resolved["nuts_sampler"] = usable[0]
    return resolved
