"""Compact mechanistic (compartmental) model of US opioid overdose deaths, with a latent
illicit-supply lethality process estimated from the data.

See ``docs/mechanistic.md`` and the design specification ``mechanistic-model.md``.

Examples
--------
>>> from odforecast.mechanistic import MechanisticOpioidModel
>>> MechanisticOpioidModel(lethality="rao_trend").lethality
'rao_trend'
"""

from __future__ import annotations

from odforecast.mechanistic.checks import posterior_predictive_check, prior_predictive
from odforecast.mechanistic.model import (
    LETHALITY,
    MechanisticFit,
    MechanisticOpioidModel,
    calibration_frame,
    period_totals,
)
from odforecast.mechanistic.presets import empirical_presets
from odforecast.mechanistic.simulator import STATES, Simulation, build_drivers, simulate
from odforecast.mechanistic.targets import availability, bucket_targets, window_targets

__all__ = [
    "LETHALITY",
    "STATES",
    "MechanisticFit",
    "MechanisticOpioidModel",
    "Simulation",
    "availability",
    "bucket_targets",
    "build_drivers",
    "calibration_frame",
    "empirical_presets",
    "period_totals",
    "posterior_predictive_check",
    "prior_predictive",
    "simulate",
    "window_targets",
]
