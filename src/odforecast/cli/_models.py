"""Models as the command line builds them: by name, seeded from ``--seed``, with the sampler
flags (``--draws``, ``--tune``, ``--chains``, ``--target-accept``) in their sampler settings,
and an ensemble's ``--members`` and ``--weights``."""

from __future__ import annotations

import argparse
from typing import Any

from odforecast.errors import ParameterError

__all__ = ["SAMPLER_FLAGS", "build_model", "check_model_flags", "ensemble_members",
           "sampler_settings", "uses_sampler"]

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


def ensemble_members(args: argparse.Namespace) -> list[str] | None:
    """The registry names given with ``--members`` (None when not given), checked.

    Examples
    --------
    >>> ensemble_members(argparse.Namespace(members=" arima, bayes "))
    ['arima', 'bayes']
    >>> ensemble_members(argparse.Namespace(members="arima,prophet"))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    odforecast.errors.ParameterError: parameter '--members': unknown model 'prophet'; ...
    """
    from odforecast.models.registry import MODELS

    text = getattr(args, "members", None)
    if text is None:
        return None
    names = [n.strip() for n in text.split(",") if n.strip()]
    choices = sorted(n for n in MODELS if n != "ensemble")
    if not names:
        raise ParameterError(f"name at least one model, e.g. arima,bayes; choose from "
                             f"{', '.join(choices)}", parameter="--members")
    for name in names:
        if name == "ensemble":
            raise ParameterError("an ensemble cannot be a member of an ensemble; list its "
                                 "models instead", parameter="--members")
        if name not in MODELS:
            raise ParameterError(f"unknown model {name!r}; choose from {', '.join(choices)}",
                                 parameter="--members")
    return names


def check_model_flags(names: list[str], args: argparse.Namespace) -> None:
    """``--members`` and ``--weights`` apply to ``--model ensemble`` only.

    Examples
    --------
    >>> check_model_flags(["arima"], argparse.Namespace(members="arima,bayes", weights=None))
    ... # doctest: +NORMALIZE_WHITESPACE
    Traceback (most recent call last):
    ...
    odforecast.errors.ParameterError: parameter '--members': applies only to --model ensemble
    (the model here is arima)
    """
    if "ensemble" in names:
        return
    for flag, key in (("--members", "members"), ("--weights", "weights")):
        if getattr(args, key, None) is not None:
            raise ParameterError(f"applies only to --model ensemble (the model here is "
                                 f"{' and '.join(names)})", parameter=flag)


def uses_sampler(name: str, args: argparse.Namespace) -> bool:
    """Whether the model ``name`` (an ensemble: any of its ``--members``) samples a posterior.

    Examples
    --------
    >>> uses_sampler("ensemble", argparse.Namespace(members="arima,bayes"))
    True
    >>> uses_sampler("ensemble", argparse.Namespace(members=None))
    False
    """
    from odforecast.models.registry import MODELS

    if name == "ensemble":
        return any(uses_sampler(m, args) for m in ensemble_members(args) or [])
    return "sampler_config" in MODELS[name]().get_params()


def build_model(name: str, args: argparse.Namespace, *, sampler: bool = True) -> Any:
    """The model ``name`` seeded with ``--seed``; with ``sampler``, the sampler flags go into a
    Bayesian model's ``sampler_config`` (an ensemble's: its Bayesian members'), checked here,
    before any data is read or fitted.

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

    An ensemble of named members; the sampler flags reach its Bayesian member:

    >>> args = argparse.Namespace(seed=3, draws=400, tune=None, chains=None,
    ...                           target_accept=None, members="arima,bayes", weights=None)
    >>> ensemble = build_model("ensemble", args)
    >>> [type(m).__name__ for m in ensemble.members], ensemble.members[1].sampler_config
    (['ARIMA', 'BayesianTrend'], {'draws': 400})
    """
    settings = sampler_settings(args) if sampler else {}
    if name == "ensemble":
        return _build_ensemble(args, settings).seeded(args.seed)
    return _build_single(name, settings).seeded(args.seed)  # --seed fixes the fit too


def _build_single(name: str, settings: dict[str, Any]) -> Any:
    from odforecast.models.registry import get_model

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
    return model


def _build_ensemble(args: argparse.Namespace, settings: dict[str, Any]) -> Any:
    """``Ensemble(members, weights=...)`` from ``--members`` and ``--weights``; the members are
    left unseeded, so the ensemble gives each its own seed derived from ``--seed``."""
    from odforecast.models.ensemble import Ensemble

    names = ensemble_members(args)
    if settings and not uses_sampler("ensemble", args):
        flag = next(f for f, key in SAMPLER_FLAGS.items() if key in settings)
        members = ", ".join(names) if names else "the default ARIMA members"
        raise ParameterError(f"applies only to the Bayesian models, which sample a posterior; "
                             f"the ensemble's members ({members}) have none: add bayes or "
                             "hierarchical to --members", parameter=flag)
    members = None if names is None else [
        _build_single(n, settings if uses_sampler(n, args) else {}) for n in names]
    weights = getattr(args, "weights", None) or "equal"
    return Ensemble(members, weights=weights)
