"""BayesianTrend: a negative-binomial local-linear-trend model per series, in PyMC."""

from __future__ import annotations

from odforecast.models.bayes.config import ANNUAL_MODEL_CONFIG, ANNUAL_SAMPLER_CONFIG
from odforecast.models.bayes.fit import BayesModel

__all__ = ["BayesianTrend"]


class BayesianTrend(BayesModel):
    """Bayesian trend model for one or many series.

    The log death rate follows a damped local linear trend (random-walk level and growth
    rate), with optional changepoints, regressors and a population offset.  Each series has its
    own level, growth, growth-rate scale and noise; the damping of the growth rate is one
    parameter shared by the series of a fit, so a series' forecast depends a little on which
    series are fitted with it (fit it alone for a fully separate model).  Counts are
    negative-binomial, suppressed cells are censored at CDC's bound, annual totals sum the latent
    steps, and 12-month-ending counts are observed in non-overlapping 12-month blocks (the
    default) or, with ``model_config={"twelve_month_likelihood": "windows"}``, every shown
    window as the sum of 12 latent months, each death once
    (``odforecast.models.bayes.twelve_month.window_loglik``).  See
    :mod:`odforecast.models.bayes.model` for the equations and ``docs/bayes.md`` for the priors.

    Parameters
    ----------
    model_config
        Prior settings overriding :data:`~odforecast.models.bayes.config.DEFAULT_MODEL_CONFIG`
        (for annual data with
        :data:`~odforecast.models.bayes.config.ANNUAL_MODEL_CONFIG` in place: growth reverting
        to the series' long-run growth, priors checked at decade horizons).
    sampler_config
        Sampler settings overriding
        :data:`~odforecast.models.bayes.config.DEFAULT_SAMPLER_CONFIG` (annual data:
        :data:`~odforecast.models.bayes.config.ANNUAL_SAMPLER_CONFIG`; ``draws``, ``tune``,
        ``chains``, ``cores``, ``target_accept``, ``nuts_sampler``, ``method="advi"`` for the
        fast approximate path, ...).  Unknown keys are errors.
    damped
        Damp the growth rate (default True) towards the series' own long-run growth
        (``model_config["growth_target"] = "mean"``, the default for annual data) or towards
        zero (``"zero"``, the default otherwise: the trend flattens out).  An undamped trend
        compounds its latest growth over the whole horizon.
    changepoints
        Dates at which the growth rate may shift (e.g. ``["2020-03-31"]``).
    population
        A tidy frame with ``population`` rows per location, ``"auto"`` (the bundled Census
        estimates for US states), or None (model counts, not rates).
    random_seed
        Seed of the sampler; the fit reproduces from it.

    Examples
    --------
    >>> import odforecast
    >>> from odforecast.models import BayesianTrend
    >>> us = odforecast.load_dataset("us_annual").query(
    ...     "indicator == 'opioids' and estimate == 'reported'")
    >>> model = BayesianTrend(sampler_config={"draws": 300, "tune": 300}, random_seed=1)
    >>> fitted = model.fit(us)  # doctest: +SKIP
    >>> fitted.forecast(5, random_seed=2).to_frame()  # doctest: +SKIP
    """

    name = "bayes"
    pooled = False
    annual_model_config = ANNUAL_MODEL_CONFIG
    annual_sampler_config = ANNUAL_SAMPLER_CONFIG
