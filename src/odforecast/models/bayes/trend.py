"""BayesianTrend: a negative-binomial local-linear-trend model per series, in PyMC."""

from __future__ import annotations

from odforecast.models.bayes.fit import BayesModel

__all__ = ["BayesianTrend"]


class BayesianTrend(BayesModel):
    """Bayesian trend model for one or many independent series.

    The log death rate follows a damped local linear trend (random-walk level and growth
    rate), with optional changepoints, regressors and a population offset; counts are
    negative-binomial, suppressed cells are censored at CDC's bound, annual totals sum the latent
    steps, and 12-month-ending counts are observed as non-overlapping 12-month sums.  See
    :mod:`odforecast.models.bayes.model` for the equations and ``docs/bayes.md`` for the priors.

    Parameters
    ----------
    model_config
        Prior settings overriding :data:`~odforecast.models.bayes.config.DEFAULT_MODEL_CONFIG`.
    sampler_config
        Sampler settings overriding
        :data:`~odforecast.models.bayes.config.DEFAULT_SAMPLER_CONFIG` (``draws``, ``tune``,
        ``chains``, ``cores``, ``target_accept``, ``nuts_sampler``, ``method="advi"`` for the
        fast approximate path, ...).  Unknown keys are errors.
    damped
        Damp the growth rate (default True); long-range forecasts of an undamped trend grow
        without bound.
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
