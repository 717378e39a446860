"""Model and sampler configuration: defaults merged with the user's dicts, checked up front.

As in pymc-marketing, priors and sampler options are data: a user overrides any of them by
passing a dict, without subclassing; unknown keys are errors, never silently ignored.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping
from typing import Any

from odforecast.errors import DataError

__all__ = [
    "DEFAULT_MODEL_CONFIG",
    "DEFAULT_SAMPLER_CONFIG",
    "available_samplers",
    "merge_config",
]

#: Priors, on yearly scales (converted to the latent step inside the model).
DEFAULT_MODEL_CONFIG: dict[str, Any] = {
    # initial log-rate: Normal(log(first observed rate), level_sd)
    "level_sd": 1.0,
    # initial growth of the log-rate per year: Normal(0, slope_sd) (0.3 ~ +-35 %/yr)
    "slope_sd": 0.3,
    # year-to-year change of the growth rate: HalfNormal(sigma_slope) per year
    "sigma_slope": 0.15,
    # damping of the growth rate per year: Beta(damping_alpha, damping_beta); None = undamped
    "damping_alpha": 8.0,
    "damping_beta": 2.0,
    # negative-binomial overdispersion c = 1/sqrt(alpha) (the coefficient of variation of the
    # extra-Poisson noise): LogNormal(log(overdispersion_median), overdispersion_log_sd)
    "overdispersion_median": 0.05,
    "overdispersion_log_sd": 0.75,
    # exogenous covariate effects: Normal(0, exog_sd) per standardised regressor
    "exog_sd": 0.5,
    # changepoints: extra shift of the growth rate Normal(0, changepoint_sd) at given dates
    "changepoint_sd": 0.5,
    # what NUTS samples: "levels" (the log-rate path, centred), "noncentered" or "centered"
    # growth-rate innovations; "auto": levels when every step is observed directly, else
    # non-centred innovations (see odforecast.models.bayes.model.build_model)
    "parameterization": "auto",
}

#: Options of the NUTS run (passed to pymc.sample) and of the approximate path.
DEFAULT_SAMPLER_CONFIG: dict[str, Any] = {
    "draws": 1000,
    "tune": 1000,
    "chains": 2,
    "cores": 2,
    "target_accept": 0.99,  # the small national models diverge at 0.9-0.95 (measured here)
    "nuts_sampler": "auto",  # the fastest installed: nutpie, then numpyro, then pymc
    # the sampler's live bar: "auto" = on in a terminal when odforecast's progress option is
    # on (odforecast.set_options), off in logs; True / False force it
    "progressbar": "auto",
    "method": "nuts",  # or "advi" (approximate, labelled as such)
    "advi_iterations": 20_000,
}

_SAMPLERS = ("nutpie", "numpyro", "pymc", "blackjax")


def available_samplers() -> list[str]:
    """NUTS implementations importable here, fastest first (nutpie measured fastest here)."""
    found = [name for name in ("nutpie", "numpyro") if importlib.util.find_spec(name)]
    return [*found, "pymc"]


def merge_config(defaults: Mapping[str, Any], user: Mapping[str, Any] | None, *,
                 name: str) -> dict[str, Any]:
    """``defaults`` updated with ``user``; an unknown key is a DataError naming it."""
    merged = dict(defaults)
    for key, value in (user or {}).items():
        if key not in defaults:
            raise DataError(f"unknown {name} option {key!r}; known options: "
                            f"{', '.join(sorted(defaults))}", column=name)
        merged[key] = value
    if name == "sampler_config":
        _check_sampler(merged)
    return merged


def _check_sampler(config: dict[str, Any]) -> None:
    if config["method"] not in {"nuts", "advi"}:
        raise DataError(f"sampler_config method must be 'nuts' or 'advi'; got "
                        f"{config['method']!r}", column="method")
    sampler = config["nuts_sampler"]
    if sampler == "auto":
        config["nuts_sampler"] = available_samplers()[0]
    elif sampler not in _SAMPLERS:
        raise DataError(f"unknown nuts_sampler {sampler!r}; choose from "
                        f"{', '.join(('auto', *_SAMPLERS))}", column="nuts_sampler")
    elif sampler != "pymc" and importlib.util.find_spec(sampler) is None:
        raise DataError(f"nuts_sampler {sampler!r} is not installed; available here: "
                        f"{', '.join(available_samplers())}", column="nuts_sampler")
    for key in ("draws", "tune", "chains", "cores", "advi_iterations"):
        value = config[key]
        if isinstance(value, bool) or not isinstance(value, int) or value < (
                0 if key == "tune" else 1):
            raise DataError(f"sampler_config {key} must be a positive integer; got {value!r}",
                            column=key)
    if not 0.5 <= float(config["target_accept"]) < 1:
        raise DataError(f"target_accept must be in [0.5, 1); got {config['target_accept']!r}",
                        column="target_accept")
