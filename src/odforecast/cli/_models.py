"""Models as the command line builds them: by name, seeded from ``--seed``, with the sampler
flags (``--draws``, ``--tune``, ``--chains``, ``--target-accept``) in their sampler settings."""

from __future__ import annotations

import argparse
from typing import Any

from odforecast.errors import ParameterError

__all__ = ["SAMPLER_FLAGS", "build_model", "sampler_settings"]

#: Flag -> key of a Bayesian model's ``sampler_config``.
SAMPLER_FLAGS: dict[str, str] = {"--draws": "draws", "--tune": "tune", "--chains": "chains",
                                 "--target-accept": "target_accept"}


def sampler_settings(args: argparse.Namespace) -> dict[str, Any]:
    """The sampler settings given on the command line (only those given).

    Examples
    --------
    >>> sampler_settings(argparse.Namespace(draws=500, tune=None, chains=4,
    ...                                     target_accept=None))
    {'draws': 500, 'chains': 4}
    """
    return {key: getattr(args, key) for key in SAMPLER_FLAGS.values()
            if getattr(args, key, None) is not None}


def build_model(name: str, args: argparse.Namespace, *, sampler: bool = True) -> Any:
    """The model ``name`` seeded with ``--seed``; with ``sampler``, the sampler flags go into a
    Bayesian model's ``sampler_config`` (checked here, before any data is read or fitted).

    Examples
    --------
    >>> args = argparse.Namespace(seed=3, draws=400, tune=None, chains=None,
    ...                           target_accept=0.95)
    >>> model = build_model("bayes", args)
    >>> model.sampler_config, model.random_seed
    ({'draws': 400, 'target_accept': 0.95}, 3)
    >>> build_model("arima", args)  # doctest: +NORMALIZE_WHITESPACE
    Traceback (most recent call last):
    ...
    odforecast.errors.ParameterError: parameter '--draws': applies only to the Bayesian models
    (--model bayes or hierarchical), which sample a posterior; arima has no sampler
    """
    from odforecast.models.registry import get_model

    settings = sampler_settings(args) if sampler else {}
    model = get_model(name)
    if settings:
        if "sampler_config" not in model.get_params():
            flag = next(f for f, key in SAMPLER_FLAGS.items() if key in settings)
            raise ParameterError(f"applies only to the Bayesian models (--model bayes or "
                                 f"hierarchical), which sample a posterior; {name} has no "
                                 "sampler", parameter=flag)
        model = get_model(name, sampler_config=settings)
        try:
            model.check_params()
        except ParameterError as err:
            flags = {key: flag for flag, key in SAMPLER_FLAGS.items()}
            if err.parameter not in flags:
                raise
            raise ParameterError(err.reason, parameter=flags[err.parameter]) from None
    return model.seeded(args.seed)  # --seed fixes the fit as well as the forecast
