"""Checking scenario parameters: allowed ranges, numbers or distributions, dates, names and
indicator lists, each error naming the scenario, the parameter and what is allowed.

Examples
--------
>>> from odforecast.scenarios import Uniform
>>> from odforecast.scenarios.params import _param, _Range
>>> _param("Interdiction 'x'", "effect", Uniform(0.2, 0.4), _Range(-3.0, 1.0, True, True))
Uniform(low=0.2, high=0.4)
>>> _param("Interdiction 'x'", "substitution", 1.5, _Range(0.0, 1.0, False, False))
Traceback (most recent call last):
...
odforecast.errors.ScenarioError: Interdiction 'x': parameter 'substitution' must be in [0, 1]; \
got 1.5
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from odforecast.errors import ScenarioError
from odforecast.scenarios.distributions import (
    Beta,
    Distribution,
    Normal,
    Param,
    _distribution_from_dict,
    _number,
)

__all__: list[str] = []


@dataclass(frozen=True)
class _Range:
    """An interval of allowed parameter values, open or closed at each end."""

    low: float
    high: float
    low_open: bool
    high_open: bool

    def __str__(self) -> str:
        def fmt(x: float) -> str:
            return "inf" if x == math.inf else "-inf" if x == -math.inf else f"{x:g}"
        return (f"{'(' if self.low_open else '['}{fmt(self.low)}, {fmt(self.high)}"
                f"{')' if self.high_open else ']'}")

    def contains(self, x: float) -> bool:
        above = x > self.low if self.low_open else x >= self.low
        below = x < self.high if self.high_open else x <= self.high
        return bool(above and below)

    def contains_support(self, low: float, high: float) -> bool:
        return self.contains(low) and self.contains(high)


def _param(owner: str, name: str, value: Any, allowed: _Range,
           hint: Callable[[float], str] | None = None) -> Param:
    """Check one scenario parameter (number, distribution or its dict form) against its range."""
    if isinstance(value, Mapping):
        try:
            value = _distribution_from_dict(value)
        except ScenarioError as exc:
            raise ScenarioError(f"{owner}: parameter {name!r}: {exc}") from None
    if isinstance(value, Distribution):
        low, high = value.support
        if not allowed.contains_support(low, high):
            extra = ""
            if isinstance(value, Normal) and (math.isinf(low) or math.isinf(high)):
                extra = "; truncate it with Normal(mean, sd, low=..., high=...)"
            elif isinstance(value, Beta) and allowed.high == 1 and allowed.high_open:
                extra = "; rescale it, e.g. Beta(a, b, high=0.95)"
            raise ScenarioError(f"{owner}: parameter {name!r} must lie in {allowed}, but "
                                f"{value!r} can draw values in [{low:g}, {high:g}]{extra}")
        return value
    try:
        number = _number(value, f"{owner}: parameter {name!r}")
    except ScenarioError:
        raise ScenarioError(f"{owner}: parameter {name!r} must be a number or a distribution "
                            f"in {allowed}; got {value!r}") from None
    if not allowed.contains(number):
        raise ScenarioError(f"{owner}: parameter {name!r} must be in {allowed}; got "
                            f"{number:g}{hint(number) if hint else ''}")
    return number


def _param_to_data(value: Param | None) -> Any:
    return value.to_dict() if isinstance(value, Distribution) else value


def _central(value: Param | None) -> float | None:
    return value.expected_value if isinstance(value, Distribution) else value



def _timestamp(owner: str, name: str, value: Any) -> pd.Timestamp:
    if isinstance(value, bool) or not isinstance(value, str | _dt.date | np.datetime64):
        raise ScenarioError(f"{owner}: parameter {name!r} must be a date such as '2026-01-01'; "
                            f"got {value!r}")
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError):
        raise ScenarioError(f"{owner}: parameter {name!r} must be a date such as "
                            f"'2026-01-01'; got {value!r}") from None
    if stamp is pd.NaT:
        raise ScenarioError(f"{owner}: parameter {name!r} must be a date; got {value!r}")
    return stamp.tz_localize(None) if stamp.tzinfo is not None else stamp



def _labels(owner: str, name: str, value: Any, *, check_indicators: bool) -> tuple[str, ...] | None:
    if value is None:
        return None
    items = (value,) if isinstance(value, str) else tuple(value)
    if not items or not all(isinstance(v, str) and v for v in items):
        raise ScenarioError(f"{owner}: parameter {name!r} must be None or a non-empty list of "
                            f"names; got {value!r}")
    if check_indicators:
        from odforecast.data.schema import INDICATORS

        unknown = [v for v in items if v not in INDICATORS]
        if unknown:
            raise ScenarioError(f"{owner}: parameter {name!r}: unknown indicator "
                                f"{unknown[0]!r}; known indicators: {', '.join(INDICATORS)}")
    return items


def _check_name(cls: type, name: Any) -> str:
    if not isinstance(name, str) or not name.strip():
        raise ScenarioError(f"{cls.__name__}: parameter 'name' must be a non-empty string; got "
                            f"{name!r}")
    return name
