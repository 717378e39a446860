"""Scenarios: what-if multipliers applied to a model's latent rate paths.

The interface every model relies on is small: a scenario has a ``name`` and a method
:meth:`Scenario.multiplier` that, given the forecast's time axis, returns a multiplicative effect
on the latent death rate — one row per sample path, so uncertainty about the effect flows into the
paths.  Statistical models multiply their paths by it; mechanistic models may instead read the
scenario's parameters.  A multiplier of exactly 1 leaves the baseline paths unchanged, path for
path, for the same seed: scenario randomness uses its own random stream.

On top of that interface this package provides plain, serialisable scenario types (frozen
dataclasses with ``to_dict()`` / ``from_dict()``):

* parameter distributions :class:`Fixed`, :class:`Uniform`, :class:`Normal`, :class:`Beta` and
  :class:`Triangular`, usable for any numeric scenario parameter (one draw per sample path);
* :class:`Interdiction` (illicit-supply shocks: onset, linear ramp, half-life, substitution),
  :class:`Naloxone` and :class:`MOUD` (programme expansions), :class:`CovariateScenario`
  (future values of a model's regressor), :class:`Combined` (a product of parts) and
  :class:`Diluted` (an effect on a share of the deaths);
* evidence-based :data:`PRESETS` (see :func:`preset`), :func:`load_scenarios` for JSON / YAML
  scenario files, and :func:`validate_for` to check scenarios against a fitted model before any
  sampling.

Every invalid input raises :class:`~odforecast.errors.ScenarioError` naming the parameter and its
allowed range.  See ``docs/scenarios.md`` for the maths and the evidence behind the presets.

Every public name is importable from here.  The modules, each with one job, are:

* :mod:`~odforecast.scenarios.protocols`: the :class:`Scenario` protocol, the optional abilities
  (:class:`Timed`, :class:`HorizonChecked`, :class:`Composite`, :class:`RegressorProvider`, ...)
  and the functions that ask for them (:func:`parts_of`, :func:`provides_regressors`,
  :func:`check_horizon`, ...), and :func:`evaluate_multiplier`;
* :mod:`~odforecast.scenarios.distributions`: parameter distributions and per-path draws;
* :mod:`~odforecast.scenarios.params`: parameter checks (ranges, dates, names, indicators);
* :mod:`~odforecast.scenarios.profiles`: the effect :func:`profile` and its mean over each
  forecast period (periods from ``odforecast.calendar``);
* :mod:`~odforecast.scenarios.effects`: :class:`StatusQuo`, :class:`ConstantMultiplier`,
  :class:`Interdiction`, :class:`Naloxone`, :class:`MOUD`;
* :mod:`~odforecast.scenarios.covariates`: :class:`CovariateScenario`;
* :mod:`~odforecast.scenarios.combined`: :class:`Combined`, :class:`Diluted`;
* :mod:`~odforecast.scenarios.registry`, :mod:`~odforecast.scenarios.io`: the scenario types by
  their ``type`` key, :func:`from_dict`, scenario files;
* :mod:`~odforecast.scenarios.presets`: :data:`PRESETS`, :func:`preset`,
  :func:`describe_presets`;
* :mod:`~odforecast.scenarios.validation`: :func:`validate_for`.

No module of this package imports ``odforecast.models``.
"""

from __future__ import annotations

# isort: off
# Dependency order, which is also the order the scenario types register in (so the order
# from_dict's error message lists them): effects, then covariates, then combined.
from odforecast.scenarios.protocols import (
    Composite,
    FrequencyAware,
    HorizonChecked,
    ModelChecked,
    RegressorProvider,
    Scenario,
    Serialisable,
    Targeted,
    Timed,
    accepts_frequency,
    check_horizon,
    evaluate_multiplier,
    fixed_onsets,
    leaves,
    onset_of,
    parts_of,
    provides_regressors,
    walk,
)
from odforecast.scenarios.distributions import (
    Beta,
    Distribution,
    Fixed,
    Normal,
    Triangular,
    Uniform,
)
from odforecast.scenarios.profiles import profile
from odforecast.scenarios.effects import (
    EFFECT_RANGE,
    ILLICIT_OPIOID_INDICATORS,
    INTERDICTION_VARIANTS,
    MOUD,
    OPIOID_INDICATORS,
    PROGRAMME_EFFECT_RANGE,
    ConstantMultiplier,
    Interdiction,
    Naloxone,
    StatusQuo,
)
from odforecast.scenarios.covariates import CovariateScenario
from odforecast.scenarios.validation import validate_for
from odforecast.scenarios.presets import PRESETS, describe_presets, preset
from odforecast.scenarios.io import from_dict, load_scenarios, save_scenarios
from odforecast.scenarios.combined import Combined, Diluted
# isort: on

__all__ = [
    "EFFECT_RANGE",
    "ILLICIT_OPIOID_INDICATORS",
    "INTERDICTION_VARIANTS",
    "MOUD",
    "OPIOID_INDICATORS",
    "PRESETS",
    "PROGRAMME_EFFECT_RANGE",
    "Beta",
    "Combined",
    "Composite",
    "ConstantMultiplier",
    "CovariateScenario",
    "Diluted",
    "Distribution",
    "Fixed",
    "FrequencyAware",
    "HorizonChecked",
    "Interdiction",
    "ModelChecked",
    "Naloxone",
    "Normal",
    "RegressorProvider",
    "Scenario",
    "Serialisable",
    "StatusQuo",
    "Targeted",
    "Timed",
    "Triangular",
    "Uniform",
    "accepts_frequency",
    "check_horizon",
    "describe_presets",
    "evaluate_multiplier",
    "fixed_onsets",
    "from_dict",
    "leaves",
    "load_scenarios",
    "onset_of",
    "parts_of",
    "preset",
    "profile",
    "provides_regressors",
    "save_scenarios",
    "validate_for",
    "walk",
]
