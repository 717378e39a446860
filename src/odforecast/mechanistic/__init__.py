"""Compact mechanistic (compartmental) model of US opioid overdose deaths.

See ``docs/mechanistic.md`` and the design specification ``mechanistic-model.md``.

Examples
--------
>>> from odforecast.mechanistic import MechanisticOpioidModel
>>> MechanisticOpioidModel(lethality="rao_trend").lethality
'rao_trend'
"""

from __future__ import annotations

from odforecast.mechanistic.model import (
    LETHALITY,
    MechanisticFit,
    MechanisticOpioidModel,
    availability,
    bucket_targets,
    period_totals,
)
from odforecast.mechanistic.simulator import STATES, Simulation, build_drivers, simulate

__all__ = [
    "LETHALITY",
    "STATES",
    "MechanisticFit",
    "MechanisticOpioidModel",
    "Simulation",
    "availability",
    "bucket_targets",
    "build_drivers",
    "period_totals",
    "simulate",
]
