"""Scenarios: what-if multipliers applied to a model's latent rate paths.

The interface every model relies on is small: a scenario has a ``name`` and a method
:meth:`Scenario.multiplier` that, given the forecast's time axis, returns a multiplicative effect
on the latent death rate — one row per sample path, so uncertainty about the effect flows into the
paths.  Statistical models multiply their paths by it; mechanistic models may instead read the
scenario's parameters.  A multiplier of exactly 1 leaves the baseline paths unchanged, path for
path, for the same seed: scenario randomness uses its own random stream.

On top of that interface this module provides plain, serialisable scenario types (frozen
dataclasses with ``to_dict()`` / ``from_dict()``):

* parameter distributions :class:`Fixed`, :class:`Uniform`, :class:`Normal`, :class:`Beta` and
  :class:`Triangular`, usable for any numeric scenario parameter (one draw per sample path);
* :class:`Interdiction` (illicit-supply shocks: onset, linear ramp, half-life, substitution),
  :class:`Naloxone` and :class:`MOUD` (programme expansions), :class:`CovariateScenario`
  (future values of a model's regressor), and :class:`Combined` (a product of parts);
* evidence-based :data:`PRESETS` (see :func:`preset`), :func:`load_scenarios` for JSON / YAML
  scenario files, and :func:`validate_for` to check scenarios against a fitted model before any
  sampling.

Every invalid input raises :class:`~odforecast.errors.ScenarioError` naming the parameter and its
allowed range.  See ``docs/scenarios.md`` for the maths and the evidence behind the presets.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import inspect
import json
import math
import zlib
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from types import MappingProxyType
from typing import Any, ClassVar, Protocol, runtime_checkable

import numpy as np
import pandas as pd

from odforecast.errors import ScenarioError

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
    "ConstantMultiplier",
    "CovariateScenario",
    "Diluted",
    "Distribution",
    "Fixed",
    "Interdiction",
    "Naloxone",
    "Normal",
    "Scenario",
    "StatusQuo",
    "Triangular",
    "Uniform",
    "describe_presets",
    "evaluate_multiplier",
    "from_dict",
    "load_scenarios",
    "preset",
    "profile",
    "save_scenarios",
    "validate_for",
]

#: Indicators an illicit-supply :class:`Interdiction` acts on by default: the series whose deaths
#: are dominated by illicitly manufactured fentanyl and heroin.  Prescription-type series
#: (``natural_semisynthetic``, ``methadone``, ``natural_semisynthetic_methadone``), stimulants and
#: ``all_drugs`` get a multiplier of exactly 1 unless listed explicitly (see ``docs/scenarios.md``).
ILLICIT_OPIOID_INDICATORS: tuple[str, ...] = (
    "opioids", "synthetic_opioids", "heroin", "natural_semisynthetic_synthetic_methadone")

#: How an :class:`Interdiction` acts on the mechanistic model's illicit lethality ``Lambda``
#: (``mechanistic-model.md`` §6): ``total`` scales it, ``excess`` scales only its part above
#: the heroin-era level, ``penetration`` scales the fentanyl share of the supply.
INTERDICTION_VARIANTS: tuple[str, ...] = ("total", "excess", "penetration")

#: Every opioid indicator: where :class:`Naloxone` and :class:`MOUD` act by default (naloxone
#: reverses any opioid overdose; MOUD treats opioid use disorder whatever the opioid).
OPIOID_INDICATORS: tuple[str, ...] = (
    *ILLICIT_OPIOID_INDICATORS, "natural_semisynthetic", "methadone",
    "natural_semisynthetic_methadone")


# -- the interface every model uses -------------------------------------------------------------

@runtime_checkable
class Scenario(Protocol):
    """What every scenario provides: a ``name`` and a ``multiplier`` method.

    Any object with these two is a scenario (a structural protocol); models multiply their
    latent rate by the multiplier, path by path.

    Examples
    --------
    A scenario that halves deaths from 2026:

    >>> import numpy as np, pandas as pd
    >>> import odforecast
    >>> from odforecast.scenarios import Scenario
    >>> class HalfFrom2026:
    ...     name = "half_from_2026"
    ...     def multiplier(self, time, *, location, indicator, n_samples, rng):
    ...         return np.where(time >= pd.Timestamp("2026-01-01"), 0.5, 1.0)
    >>> isinstance(HalfFrom2026(), Scenario)
    True
    >>> us = odforecast.load_dataset("us_annual").query(
    ...     "indicator == 'opioids' and estimate == 'reported'")
    >>> fc = odforecast.Naive().fit(us).forecast(
    ...     3, [odforecast.preset("status_quo"), HalfFrom2026()], n_samples=100, random_seed=1)
    >>> ratio = fc.samples.sel(scenario="half_from_2026") / fc.samples.sel(scenario="status_quo")
    >>> ratio.mean(["sample", "location", "indicator"]).values  # 2025, 2026, 2027
    array([1. , 0.5, 0.5])
    """

    name: str

    def multiplier(self, time: pd.DatetimeIndex, *, location: str, indicator: str,
                   n_samples: int, rng: np.random.Generator) -> np.ndarray:
        """Multiplicative effect on the latent rate, shape ``(n_samples, len(time))`` or
        ``(len(time),)``; values must be finite and non-negative."""
        ...


@dataclass(frozen=True)
class StatusQuo:
    """No change: the model's own projection.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> StatusQuo().multiplier(pd.DatetimeIndex(["2025-12-31"]), location="US",
    ...                        indicator="opioids", n_samples=2, rng=np.random.default_rng(0))
    array([1.])
    """

    name: str = "status_quo"
    source = "No intervention: the fitted model's own projection."

    def multiplier(self, time: pd.DatetimeIndex, *, location: str, indicator: str,
                   n_samples: int, rng: np.random.Generator) -> np.ndarray:
        return np.ones(len(time))

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form (see :func:`from_dict`)."""
        return {"type": "status_quo", "name": self.name}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> StatusQuo:
        """Inverse of :meth:`to_dict`."""
        return _build(cls, data)


@dataclass(frozen=True)
class ConstantMultiplier:
    """The same multiplicative effect in every forecast period (e.g. 0.8 = 20 % fewer deaths).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> ConstantMultiplier(0.8).multiplier(pd.DatetimeIndex(["2025-12-31"]), location="US",
    ...     indicator="opioids", n_samples=1, rng=np.random.default_rng(0))
    array([0.8])
    """

    factor: float
    name: str = "constant_multiplier"

    def __post_init__(self) -> None:
        if not np.isfinite(self.factor) or self.factor < 0:
            raise ScenarioError(f"ConstantMultiplier factor must be a finite number >= 0; got "
                                f"{self.factor!r}")

    def multiplier(self, time: pd.DatetimeIndex, *, location: str, indicator: str,
                   n_samples: int, rng: np.random.Generator) -> np.ndarray:
        return np.full(len(time), float(self.factor))

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form (see :func:`from_dict`)."""
        return {"type": "constant_multiplier", "name": self.name, "factor": float(self.factor)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ConstantMultiplier:
        """Inverse of :meth:`to_dict`."""
        return _build(cls, data)


def evaluate_multiplier(scenario: Scenario | None, time: pd.DatetimeIndex, *, location: str,
                        indicator: str, n_samples: int, rng: np.random.Generator,
                        frequency: str | None = None) -> np.ndarray:
    """A scenario's multiplier as a checked ``(n_samples, len(time))`` array (ones if None).

    ``frequency`` (optional) is the frequency of the periods ending at ``time`` (``"annual"``,
    ``"monthly"``, ``"12m_ending"``, ...); it is passed on to scenarios whose ``multiplier``
    accepts it, so they can average their effect over each period's months exactly (a
    12-month-ending value averages over its trailing 12 months).  Without it, the periods are
    taken to be the intervals between consecutive forecast times.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from odforecast.scenarios import Interdiction, evaluate_multiplier
    >>> cut = Interdiction("cut", effect=0.3, onset="2026-01-01")
    >>> time = pd.DatetimeIndex(["2025-12-31", "2026-12-31", "2027-12-31"])
    >>> evaluate_multiplier(cut, time, location="US", indicator="opioids", n_samples=2,
    ...                     rng=np.random.default_rng(0), frequency="annual")
    array([[1. , 0.7, 0.7],
           [1. , 0.7, 0.7]])
    """
    if scenario is None:
        return np.ones((n_samples, len(time)))
    if not isinstance(scenario, Scenario):
        raise ScenarioError(f"scenario must provide .name and .multiplier(time, ...); got "
                            f"{type(scenario).__name__}")
    kwargs: dict[str, Any] = {}
    if frequency is not None and _accepts_frequency(scenario):
        kwargs["frequency"] = frequency
    effect = np.asarray(scenario.multiplier(time, location=location, indicator=indicator,
                                            n_samples=n_samples, rng=rng, **kwargs), dtype=float)
    try:
        effect = np.broadcast_to(effect, (n_samples, len(time)))
    except ValueError:
        raise ScenarioError(f"scenario {scenario.name!r} returned a multiplier of shape "
                            f"{effect.shape}; expected ({n_samples}, {len(time)}) or "
                            f"({len(time)},)") from None
    if not np.all(np.isfinite(effect)) or np.any(effect < 0):
        raise ScenarioError(f"scenario {scenario.name!r} returned negative or non-finite "
                            "multipliers")
    return effect


def _accepts_frequency(scenario: object) -> bool:
    try:
        params = inspect.signature(scenario.multiplier).parameters  # type: ignore[attr-defined]
    except (TypeError, ValueError):
        return False
    return "frequency" in params or any(p.kind is inspect.Parameter.VAR_KEYWORD
                                        for p in params.values())


# -- allowed ranges ------------------------------------------------------------------------------

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


#: Allowed ``effect`` of an :class:`Interdiction`: the open interval (-3, 1).  1 would remove
#: every death; negative effects mean *more* deaths, down to -3 (a quadrupling), which covers the
#: largest local risk ratio after seizures in the evidence (upper 95 % bound 3.67).
EFFECT_RANGE = _Range(-3.0, 1.0, True, True)
#: Allowed ``effect`` of :class:`Naloxone` and :class:`MOUD`: (-1, 1); negative = a scale-back.
PROGRAMME_EFFECT_RANGE = _Range(-1.0, 1.0, True, True)
_RAMP_RANGE = _Range(0.0, math.inf, False, True)
_HALF_LIFE_RANGE = _Range(0.0, math.inf, True, False)
_SUBSTITUTION_RANGE = _Range(0.0, 1.0, False, False)


def _effect_hint(value: float) -> str:
    if value > 1:
        return f" (an effect of {value:g} would be a reduction above 100 %)"
    if value == 1:
        return " (an effect of 1 would remove every death)"
    if value <= -3:
        return f" (an effect of {value:g} would multiply deaths by {1 - value:g} or more)"
    if value <= -1:
        return f" (an effect of {value:g} would be an increase of {-value:.0%})"
    return ""


# -- parameter distributions ---------------------------------------------------------------------

class Distribution(ABC):
    """A distribution for a numeric scenario parameter: one draw per sample path.

    Subclasses are frozen dataclasses with ``support`` (the closed interval the draws lie in),
    ``expected_value``, ``sample(rng, n)`` and ``to_dict()``.

    Examples
    --------
    >>> import numpy as np
    >>> from odforecast.scenarios import Distribution, Uniform
    >>> effect = Uniform(0.2, 0.4)
    >>> isinstance(effect, Distribution), effect.support, round(effect.expected_value, 2)
    (True, (0.2, 0.4), 0.3)
    >>> draws = effect.sample(np.random.default_rng(0), 1000)
    >>> bool(draws.min() >= 0.2 and draws.max() <= 0.4)
    True
    >>> effect.to_dict()
    {'dist': 'uniform', 'low': 0.2, 'high': 0.4}
    """

    kind: ClassVar[str] = ""

    @property
    @abstractmethod
    def support(self) -> tuple[float, float]:
        """``(low, high)``: every draw lies in this closed interval."""

    @property
    @abstractmethod
    def expected_value(self) -> float:
        """The distribution's mean."""

    @abstractmethod
    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` independent draws (one per sample path)."""

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form: ``{"dist": kind, **parameters}``."""
        out: dict[str, Any] = {"dist": self.kind}
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            if isinstance(value, float) and math.isinf(value):
                continue  # open-ended bounds are the defaults
            out[f.name] = value
        return out


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise ScenarioError(f"{what} must be a number; got {value!r}")
    value = float(value)
    if math.isnan(value):
        raise ScenarioError(f"{what} must be a number; got nan")
    return value


def _finite(value: Any, what: str) -> float:
    value = _number(value, what)
    if not math.isfinite(value):
        raise ScenarioError(f"{what} must be finite; got {value!r}")
    return value


@dataclass(frozen=True)
class Fixed(Distribution):
    """A known value (every path gets it).

    Examples
    --------
    >>> import numpy as np
    >>> Fixed(0.3).sample(np.random.default_rng(0), 3)
    array([0.3, 0.3, 0.3])
    """

    value: float
    kind: ClassVar[str] = "fixed"

    def __post_init__(self) -> None:
        object.__setattr__(self, "value", _finite(self.value, "Fixed value"))

    @property
    def support(self) -> tuple[float, float]:
        return (self.value, self.value)

    @property
    def expected_value(self) -> float:
        return self.value

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return np.full(n, self.value)


@dataclass(frozen=True)
class Uniform(Distribution):
    """Uniform on ``[low, high]``.

    Examples
    --------
    >>> import numpy as np
    >>> draws = Uniform(0.2, 0.6).sample(np.random.default_rng(0), 1000)
    >>> bool(draws.min() >= 0.2 and draws.max() <= 0.6)
    True
    """

    low: float
    high: float
    kind: ClassVar[str] = "uniform"

    def __post_init__(self) -> None:
        low, high = _finite(self.low, "Uniform low"), _finite(self.high, "Uniform high")
        if not low < high:
            raise ScenarioError(f"Uniform needs low < high; got low={low:g}, high={high:g} "
                                "(use Fixed for a known value)")
        object.__setattr__(self, "low", low)
        object.__setattr__(self, "high", high)

    @property
    def support(self) -> tuple[float, float]:
        return (self.low, self.high)

    @property
    def expected_value(self) -> float:
        return (self.low + self.high) / 2

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.uniform(self.low, self.high, n)


@dataclass(frozen=True)
class Normal(Distribution):
    """Normal with mean ``mean`` and standard deviation ``sd``, optionally truncated to
    ``[low, high]``.

    Every scenario parameter has a bounded range, so an untruncated normal is rejected by the
    scenario; give ``low`` / ``high`` to truncate it (draws are exact, by the inverse CDF).

    Examples
    --------
    >>> import numpy as np
    >>> draws = Normal(0.3, 0.1, low=0.0, high=0.9).sample(np.random.default_rng(0), 1000)
    >>> bool(draws.min() >= 0.0 and draws.max() <= 0.9)
    True
    """

    mean: float
    sd: float
    low: float = -math.inf
    high: float = math.inf
    kind: ClassVar[str] = "normal"

    def __post_init__(self) -> None:
        object.__setattr__(self, "mean", _finite(self.mean, "Normal mean"))
        sd = _finite(self.sd, "Normal sd")
        if sd <= 0:
            raise ScenarioError(f"Normal sd must be > 0; got {sd:g}")
        low, high = _number(self.low, "Normal low"), _number(self.high, "Normal high")
        if not low < high:
            raise ScenarioError(f"Normal needs low < high; got low={low:g}, high={high:g}")
        object.__setattr__(self, "sd", sd)
        object.__setattr__(self, "low", low)
        object.__setattr__(self, "high", high)
        if self._mass() < 1e-12:
            raise ScenarioError(f"Normal({self.mean:g}, {sd:g}) has no probability in "
                                f"[{low:g}, {high:g}]")

    def _standard(self) -> tuple[float, float]:
        return ((self.low - self.mean) / self.sd, (self.high - self.mean) / self.sd)

    def _mass(self) -> float:
        from scipy.special import ndtr

        a, b = self._standard()
        return float(ndtr(b) - ndtr(a)) if a < 0 else float(ndtr(-a) - ndtr(-b))

    @property
    def support(self) -> tuple[float, float]:
        return (self.low, self.high)

    @property
    def expected_value(self) -> float:
        from scipy.stats import truncnorm

        a, b = self._standard()
        return float(truncnorm.mean(a, b, loc=self.mean, scale=self.sd))

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        if math.isinf(self.low) and math.isinf(self.high):
            return rng.normal(self.mean, self.sd, n)
        from scipy.special import ndtr, ndtri

        a, b = self._standard()
        if a > 0:  # sample the mirrored lower tail, which ndtr resolves accurately
            z = -ndtri(rng.uniform(ndtr(-b), ndtr(-a), n))
        else:
            z = ndtri(rng.uniform(ndtr(a), ndtr(b), n))
        return np.clip(self.mean + self.sd * z, self.low, self.high)


@dataclass(frozen=True)
class Beta(Distribution):
    """Beta(``a``, ``b``) rescaled to ``[low, high]`` (default ``[0, 1]``).

    Examples
    --------
    >>> import numpy as np
    >>> Beta(2, 5, high=0.9).support
    (0.0, 0.9)
    >>> round(Beta(2, 2).expected_value, 3)
    0.5
    """

    a: float
    b: float
    low: float = 0.0
    high: float = 1.0
    kind: ClassVar[str] = "beta"

    def __post_init__(self) -> None:
        for name in ("a", "b"):
            value = _finite(getattr(self, name), f"Beta {name}")
            if value <= 0:
                raise ScenarioError(f"Beta {name} must be > 0; got {value:g}")
            object.__setattr__(self, name, value)
        low, high = _finite(self.low, "Beta low"), _finite(self.high, "Beta high")
        if not low < high:
            raise ScenarioError(f"Beta needs low < high; got low={low:g}, high={high:g}")
        object.__setattr__(self, "low", low)
        object.__setattr__(self, "high", high)

    @property
    def support(self) -> tuple[float, float]:
        return (self.low, self.high)

    @property
    def expected_value(self) -> float:
        return self.low + (self.high - self.low) * self.a / (self.a + self.b)

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return self.low + (self.high - self.low) * rng.beta(self.a, self.b, n)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"dist": "beta", "a": self.a, "b": self.b}
        if (self.low, self.high) != (0.0, 1.0):
            out.update(low=self.low, high=self.high)
        return out


@dataclass(frozen=True)
class Triangular(Distribution):
    """Triangular on ``[low, high]`` with peak at ``mode``.

    Examples
    --------
    >>> Triangular(0.2, 0.35, 0.6).expected_value
    0.3833333333333333
    """

    low: float
    mode: float
    high: float
    kind: ClassVar[str] = "triangular"

    def __post_init__(self) -> None:
        low = _finite(self.low, "Triangular low")
        mode = _finite(self.mode, "Triangular mode")
        high = _finite(self.high, "Triangular high")
        if not (low <= mode <= high and low < high):
            raise ScenarioError(f"Triangular needs low <= mode <= high and low < high; got "
                                f"low={low:g}, mode={mode:g}, high={high:g}")
        object.__setattr__(self, "low", low)
        object.__setattr__(self, "mode", mode)
        object.__setattr__(self, "high", high)

    @property
    def support(self) -> tuple[float, float]:
        return (self.low, self.high)

    @property
    def expected_value(self) -> float:
        return (self.low + self.mode + self.high) / 3

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return rng.triangular(self.low, self.mode, self.high, n)


_DISTRIBUTIONS: dict[str, type[Distribution]] = {
    cls.kind: cls for cls in (Fixed, Uniform, Normal, Beta, Triangular)}

#: A scenario parameter: a number or a distribution.
Param = float | Distribution


def _distribution_from_dict(data: Mapping[str, Any]) -> Distribution:
    kind = data.get("dist")
    if kind not in _DISTRIBUTIONS:
        raise ScenarioError(f"unknown distribution {kind!r}; use one of "
                            f"{', '.join(sorted(_DISTRIBUTIONS))} (key 'dist')")
    args = {k: v for k, v in data.items() if k != "dist"}
    allowed = {f.name for f in dataclasses.fields(_DISTRIBUTIONS[kind])}  # type: ignore[arg-type]
    unknown = sorted(set(args) - allowed)
    if unknown:
        raise ScenarioError(f"{kind} distribution has no parameter {unknown[0]!r}; its "
                            f"parameters are {', '.join(sorted(allowed))}")
    try:
        return _DISTRIBUTIONS[kind](**args)
    except TypeError as exc:
        raise ScenarioError(f"{kind} distribution: {exc}") from None


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


# -- time axis -----------------------------------------------------------------------------------

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


def _months(t: Any, *, end_of_day: bool = False) -> np.ndarray:
    """Continuous calendar-month scale: the start of January 2000 is 24000.0, the start of
    February 2000 is 24001.0, and within a month time runs in proportion to its days.
    ``end_of_day`` takes the end of each date (a ``period_end`` date ends at midnight)."""
    t = pd.DatetimeIndex(t)
    if end_of_day:
        day = np.ones(len(t))
    else:
        day = (t.hour * 3600 + t.minute * 60 + t.second).to_numpy(dtype=float) / 86400
    whole = (t.year * 12 + t.month - 1).to_numpy(dtype=float)
    return whole + ((t.day - 1).to_numpy(dtype=float) + day) / t.days_in_month.to_numpy(float)


def _windows(time: pd.DatetimeIndex, frequency: str | None,
             owner: str) -> tuple[np.ndarray, np.ndarray, float]:
    """Start and end (month scale) of the period ending at each forecast time, and the forecast
    start (the first instant not yet observed)."""
    from odforecast.data.schema import FREQUENCIES

    time = pd.DatetimeIndex(time)
    if len(time) == 0:
        raise ScenarioError(f"{owner}: the forecast has no periods")
    ends = _months(time.normalize(), end_of_day=True)
    if np.any(np.diff(ends) <= 0):
        raise ScenarioError(f"{owner}: forecast times must be strictly increasing")
    if frequency is not None:
        if frequency not in FREQUENCIES:
            raise ScenarioError(f"{owner}: unknown frequency {frequency!r}; use one of "
                                f"{', '.join(FREQUENCIES)}")
        window = float(FREQUENCIES[frequency])
        step = 1.0 if frequency == "12m_ending" else window
        starts = ends - window
    else:
        step = float(ends[1] - ends[0]) if len(ends) > 1 else 1.0
        starts = np.concatenate([[ends[0] - step], ends[:-1]])
    return starts, ends, float(ends[0] - step)


# -- the effect profile --------------------------------------------------------------------------

def profile(months_since_onset: Any, ramp_months: Any = 0.0,
            half_life_months: Any = None) -> np.ndarray:
    """The effect profile: 0 before onset, a linear rise over ``ramp_months``, then exponential
    decay with ``half_life_months`` (None: persistent).

    .. math::

        p(x) = \\min\\left(1, \\frac{x}{r}\\right) 2^{-(x - r)^+ / h} \\quad (x \\ge 0),
        \\qquad p(x) = 0 \\quad (x < 0)

    with :math:`x` the months since onset, :math:`r` the ramp and :math:`h` the half-life.
    Arguments broadcast (NumPy rules).

    Examples
    --------
    >>> profile([-1, 0, 3, 6, 18], ramp_months=6, half_life_months=12)
    array([0. , 0. , 0.5, 1. , 0.5])
    """
    x = np.asarray(months_since_onset, dtype=float)
    r = np.asarray(ramp_months, dtype=float)
    h = np.asarray(math.inf if half_life_months is None else half_life_months, dtype=float)
    safe_r = np.where(r > 0, r, 1.0)
    rising = np.where(r > 0, np.clip(x / safe_r, 0.0, 1.0), (x >= 0).astype(float))
    decay = np.exp2(-np.maximum(x - r, 0.0) / h)
    return np.where(x < 0, 0.0, rising * decay)


def _profile_integral(x: np.ndarray, r: Any, h: Any) -> np.ndarray:
    """:math:`\\int_0^x p(u)\\,du` in closed form (``h`` may be inf)."""
    x = np.maximum(x, 0.0)
    r = np.asarray(r, dtype=float)
    h = np.asarray(h, dtype=float)
    xr = np.minimum(x, r)
    ramp_part = np.where(r > 0, xr * xr / (2 * np.where(r > 0, r, 1.0)), 0.0)
    y = np.maximum(x - r, 0.0)
    lam = np.where(np.isinf(h), 0.0, math.log(2) / np.where(np.isinf(h), 1.0, h))
    decay_part = np.where(lam > 0, -np.expm1(-lam * y) / np.where(lam > 0, lam, 1.0), y)
    return ramp_part + decay_part


def _period_means(starts: np.ndarray, ends: np.ndarray, onset: float, r: Any,
                  h: Any) -> np.ndarray:
    """Mean of the profile over each period (exactly 0 for periods ending by the onset)."""
    a, b = starts - onset, ends - onset
    return (_profile_integral(b, r, h) - _profile_integral(a, r, h)) / (b - a)


class _Streams:
    """Independent random streams keyed by name, derived from the scenario rng, so making one
    parameter uncertain (or adding a part) does not change the draws of the others."""

    def __init__(self, rng: np.random.Generator) -> None:
        self._rng = rng
        self._entropy: list[int] | None = None

    def __call__(self, key: str) -> np.random.Generator:
        if self._entropy is None:
            self._entropy = [int(v) for v in self._rng.integers(0, 2**63, size=2)]
        return np.random.default_rng(
            np.random.SeedSequence(self._entropy, spawn_key=(zlib.crc32(key.encode()),)))


def _draw(value: Param | None, key: str, streams: _Streams, n: int,
          default: float = 0.0) -> float | np.ndarray:
    if value is None:
        return default
    if isinstance(value, Fixed):
        return value.value
    if isinstance(value, Distribution):
        return value.sample(streams(key), n)[:, None]
    return float(value)


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


class _EffectScenario:
    """Shared machinery of :class:`Interdiction`, :class:`Naloxone` and :class:`MOUD`:
    multiplier = 1 - effect x (1 - substitution) x mean profile over each period."""

    name: str
    effect: Param
    onset: pd.Timestamp | None
    ramp_months: Param
    indicators: tuple[str, ...] | None
    locations: tuple[str, ...] | None
    kind: ClassVar[str] = ""
    default_indicators: ClassVar[tuple[str, ...]] = ()
    effect_range: ClassVar[_Range] = EFFECT_RANGE

    @property
    def _owner(self) -> str:
        return f"{type(self).__name__} {self.name!r}"

    def _half_life(self) -> Param | None:
        return None

    def _substitution(self) -> Param:
        return 0.0

    def _validate_common(self) -> None:
        object.__setattr__(self, "name", _check_name(type(self), self.name))
        owner = self._owner
        object.__setattr__(self, "effect", _param(owner, "effect", self.effect, self.effect_range,
                                                  _effect_hint))
        if self.onset is not None:
            object.__setattr__(self, "onset", _timestamp(owner, "onset", self.onset))
        object.__setattr__(self, "ramp_months",
                           _param(owner, "ramp_months", self.ramp_months, _RAMP_RANGE))
        object.__setattr__(self, "indicators", _labels(owner, "indicators", self.indicators,
                                                       check_indicators=True))
        object.__setattr__(self, "locations", _labels(owner, "locations", self.locations,
                                                      check_indicators=False))
        if not isinstance(getattr(self, "source", ""), str):
            raise ScenarioError(f"{owner}: parameter 'source' must be a string")

    def applies_to(self, location: str, indicator: str) -> bool:
        """Whether the scenario acts on this series (otherwise its multiplier is exactly 1)."""
        indicators = self.default_indicators if self.indicators is None else self.indicators
        return indicator in indicators and (self.locations is None or location in self.locations)

    def check_horizon(self, end: pd.Timestamp) -> None:
        """Raise ScenarioError if the onset is not before ``end`` (the last forecast time)."""
        if self.onset is not None and self.onset >= pd.Timestamp(end):
            raise ScenarioError(
                f"{self._owner}: parameter 'onset' ({self.onset.date()}) is not before the end "
                f"of the forecast horizon ({pd.Timestamp(end).date()}), so the scenario would "
                "have no effect; choose an earlier onset or a longer horizon")

    def multiplier(self, time: pd.DatetimeIndex, *, location: str, indicator: str,
                   n_samples: int, rng: np.random.Generator,
                   frequency: str | None = None) -> np.ndarray:
        """``1 - effect x (1 - substitution) x`` the mean profile over each forecast period.

        Periods that end by the onset get exactly 1, as do series the scenario does not apply
        to.  Each uncertain parameter is drawn once per sample path from its own stream derived
        from ``rng``.  ``frequency`` (optional) gives the period length; without it a period is
        the interval since the previous forecast time.
        """
        return self.effect_multiplier(time, location=location, indicator=indicator,
                                      n_samples=n_samples, rng=rng, frequency=frequency)

    def effect_multiplier(self, time: pd.DatetimeIndex, *, location: str, indicator: str,
                          n_samples: int, rng: np.random.Generator,
                          frequency: str | None = None) -> np.ndarray:
        """The multiplier of :meth:`multiplier` for a model that applies it itself (the
        mechanistic model reads an interdiction's ``variant``)."""
        time = pd.DatetimeIndex(time)
        starts, ends, start = _windows(time, frequency, self._owner)
        if self.onset is not None:
            self.check_horizon(time[-1])
        if not self.applies_to(location, indicator):
            return np.ones(len(time))
        onset = start if self.onset is None else float(_months(pd.DatetimeIndex([self.onset]))[0])
        streams = _Streams(rng)
        effect = _draw(self.effect, "effect", streams, n_samples)
        ramp = _draw(self.ramp_months, "ramp_months", streams, n_samples)
        half_life = _draw(self._half_life(), "half_life_months", streams, n_samples,
                          default=math.inf)
        substitution = _draw(self._substitution(), "substitution", streams, n_samples)
        mean_profile = _period_means(starts, ends, onset, ramp, half_life)
        return 1.0 - effect * (1.0 - substitution) * mean_profile

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form (JSON-compatible; see :func:`from_dict`)."""
        out: dict[str, Any] = {"type": self.kind}
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            if isinstance(value, pd.Timestamp):
                value = value.date().isoformat() if value == value.normalize() \
                    else value.isoformat()
            elif isinstance(value, tuple):
                value = list(value)
            out[f.name] = _param_to_data(value)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Any:
        """Inverse of :meth:`to_dict`."""
        return _build(cls, data)


@dataclass(frozen=True)
class Interdiction(_EffectScenario):
    """An illicit-supply shock (interdiction, supply disruption, or a rise in lethality).

    The multiplier on the latent death rate is, per sample path and forecast period,

    .. math::

        m = 1 - e\\,(1 - s)\\,\\bar p

    where :math:`\\bar p` is the mean over the period of the :func:`profile` (0 before ``onset``,
    a linear rise over ``ramp_months``, then decay with ``half_life_months``).  Every numeric
    parameter may be a :class:`Distribution` (or its dict form), drawn once per sample path.

    Parameters
    ----------
    name
        Scenario name (the label in the forecast's ``scenario`` dimension).
    effect
        Proportional reduction of illicit-opioid overdose deaths at full strength (0.3 = 30 %
        fewer deaths than the latent rate), in ``(-3, 1)``.  Negative values mean *more* deaths
        (local enforcement has been followed by more overdoses nearby): -1 doubles the rate.
    onset
        Date the effect starts (before it the multiplier is exactly 1), or None for the start
        of the forecast (the first period not observed).  An onset at or after the last
        forecast time raises :class:`~odforecast.errors.ScenarioError` when forecasting.
    ramp_months
        Months over which the effect rises linearly to full strength (>= 0; 0 = immediate).
    half_life_months
        Months for the effect to halve after the ramp (> 0), or None for a persistent effect.
    substitution
        Fraction of the effect lost to other drugs or routes, in ``[0, 1]``: the net effect is
        ``effect x (1 - substitution)``.
    indicators
        Indicators the scenario acts on; None = :data:`ILLICIT_OPIOID_INDICATORS`.  Others get a
        multiplier of exactly 1.
    locations
        Locations it acts on; None = all.
    source
        Free-text provenance (citation).
    variant
        How the mechanistic model applies it to illicit lethality ``Lambda``
        (``INTERDICTION_VARIANTS``): ``"total"`` (default; the whole illicit fatal hazard,
        ``Lambda x m``), ``"excess"`` (only lethality above the heroin era, ``1 + (Lambda - 1)
        x m``: SOURCE's "Fent OD Risk") or ``"penetration"`` (the fentanyl share of the supply
        times ``m``, through SOURCE's overdose-rate and fatality channels).  Statistical models
        apply only ``"total"``; they raise :class:`~odforecast.errors.ScenarioError` for the
        others.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> cut = Interdiction("cut", effect=0.3, onset="2026-01-01", ramp_months=12)
    >>> time = pd.DatetimeIndex(["2025-12-31", "2026-12-31", "2027-12-31"])
    >>> cut.multiplier(time, location="US", indicator="opioids", n_samples=1,
    ...                rng=np.random.default_rng(0)).round(3)
    array([1.  , 0.85, 0.7 ])
    >>> Interdiction("bad", effect=1.2, onset="2026-01-01")
    Traceback (most recent call last):
    ...
    odforecast.errors.ScenarioError: Interdiction 'bad': parameter 'effect' must be in (-3, 1); \
got 1.2 (an effect of 1.2 would be a reduction above 100 %)
    """

    name: str
    effect: Param
    onset: pd.Timestamp | None
    ramp_months: Param = 0.0
    half_life_months: Param | None = None
    substitution: Param = 0.0
    indicators: tuple[str, ...] | None = None
    locations: tuple[str, ...] | None = None
    source: str = dataclasses.field(default="", repr=False)  # long citations: not in repr
    variant: str = "total"
    kind: ClassVar[str] = "interdiction"
    default_indicators: ClassVar[tuple[str, ...]] = ILLICIT_OPIOID_INDICATORS
    effect_range: ClassVar[_Range] = EFFECT_RANGE

    def __post_init__(self) -> None:
        self._validate_common()
        owner = self._owner
        half_life = self.half_life_months
        if isinstance(half_life, int | float) and not isinstance(half_life, bool) \
                and half_life == math.inf:
            half_life = None  # infinite half-life = persistent
        if half_life is not None:
            half_life = _param(owner, "half_life_months", half_life, _HALF_LIFE_RANGE,
                               lambda v: " (use None for a persistent effect)")
        object.__setattr__(self, "half_life_months", half_life)
        object.__setattr__(self, "substitution", _param(owner, "substitution", self.substitution,
                                                        _SUBSTITUTION_RANGE))
        if self.variant not in INTERDICTION_VARIANTS:
            raise ScenarioError(f"{owner}: parameter 'variant' must be one of "
                                f"{', '.join(INTERDICTION_VARIANTS)}; got {self.variant!r}")

    def multiplier(self, time: pd.DatetimeIndex, *, location: str, indicator: str,
                   n_samples: int, rng: np.random.Generator,
                   frequency: str | None = None) -> np.ndarray:
        """The multiplier on a statistical model's latent death rate (``variant="total"``).

        The ``excess`` and ``penetration`` variants act on the lethality of the drug supply,
        which only :class:`~odforecast.mechanistic.MechanisticOpioidModel` represents; a
        statistical model refuses them rather than guess their effect on deaths.
        """
        if self.variant != "total":
            raise ScenarioError(
                f"{self._owner}: variant {self.variant!r} acts on the lethality of the illicit "
                "supply, which only the mechanistic model represents; statistical models "
                "apply interdictions to deaths (variant 'total')")
        return super().multiplier(time, location=location, indicator=indicator,
                                  n_samples=n_samples, rng=rng, frequency=frequency)

    def _half_life(self) -> Param | None:
        return self.half_life_months

    def _substitution(self) -> Param:
        return self.substitution


@dataclass(frozen=True)
class _Programme(_EffectScenario):
    """Fields shared by the programme expansions (:class:`Naloxone`, :class:`MOUD`)."""

    name: str
    effect: Param
    onset: pd.Timestamp | None
    ramp_months: Param = 0.0
    indicators: tuple[str, ...] | None = None
    locations: tuple[str, ...] | None = None
    source: str = dataclasses.field(default="", repr=False)  # long citations: not in repr
    default_indicators: ClassVar[tuple[str, ...]] = OPIOID_INDICATORS
    effect_range: ClassVar[_Range] = PROGRAMME_EFFECT_RANGE

    def __post_init__(self) -> None:
        self._validate_common()


@dataclass(frozen=True)
class Naloxone(_Programme):
    """Expanded naloxone distribution, as a multiplier on the latent rate of every opioid
    indicator (statistical models).

    ``effect`` is the proportional reduction of opioid overdose deaths at full scale-up, in
    ``(-1, 1)`` (negative = a scale-back).  Published sizes differ about ten-fold: Rao et al.
    2021 found +30 % naloxone availability averts about 25 % of opioid deaths over 2020-2029
    [S] (``PRESETS["naloxone_rao2021"]``), SOURCE found 2.7 % (default size) to 6.4 % ("Nx Kits
    50") over 2022-2032 [S] (``PRESETS["naloxone_source"]``).  The mechanistic model applies
    naloxone to its parameters instead (the share of overdoses reversed), not as a multiplier.

    Parameters
    ----------
    name, effect, onset, ramp_months, indicators, locations, source
        As for :class:`Interdiction` (indicators default to :data:`OPIOID_INDICATORS`); the
        effect is persistent (no half-life, no substitution).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> nx = Naloxone("naloxone", effect=0.25, onset="2026-01-01", ramp_months=12)
    >>> nx.multiplier(pd.DatetimeIndex(["2027-12-31"]), location="US", indicator="heroin",
    ...               n_samples=1, rng=np.random.default_rng(0), frequency="annual")
    array([0.75])
    """

    kind: ClassVar[str] = "naloxone"


@dataclass(frozen=True)
class MOUD(_Programme):
    """Expanded medication for opioid use disorder (buprenorphine, methadone, naltrexone), as a
    multiplier on the latent rate of every opioid indicator (statistical models).

    ``effect`` is the proportional reduction of opioid overdose deaths at full scale-up, in
    ``(-1, 1)``.  Rao et al. 2021 call MOUD expansion "uniformly beneficial" without a
    magnitude in the available text [S qualitative]; SOURCE's buprenorphine-capacity policy
    averted 0.4 % of 2022-2032 deaths [S].  ``PRESETS["moud_expansion"]`` spans 0.4 %-10 % (the
    upper bound is an [unverified] assumption).  The mechanistic model applies MOUD to its
    parameters instead (treatment entry and retention), not as a multiplier.

    Parameters
    ----------
    name, effect, onset, ramp_months, indicators, locations, source
        As for :class:`Naloxone`.

    Examples
    --------
    >>> MOUD("moud", effect=0.05, onset="2026-01-01", ramp_months=24).to_dict()["effect"]
    0.05
    """

    kind: ClassVar[str] = "moud"


# -- covariate-driven scenarios ------------------------------------------------------------------

def _exog_columns(fitted: object) -> list[str] | None:
    """The regressors a fitted model was fitted with (None: none)."""
    columns = getattr(fitted, "exog_columns", None)
    if columns is None:
        columns = getattr(getattr(fitted, "design", None), "exog_columns", None)
    return None if columns is None else list(columns)


@dataclass(frozen=True, eq=False)
class CovariateScenario:
    """A change in a regressor's future values, for models fitted with that regressor (e.g.
    "CBP fentanyl seizures +50 % from 2026").

    The future regressor is held at its last observed value, multiplied by ``1 + change`` for
    forecast periods ending on or after ``start``; with ``scale="log"`` (a log-transformed
    regressor) ``log(1 + change)`` is added instead.  The scenario's :meth:`multiplier` is 1:
    the effect flows through the fitted regressor coefficient.

    Parameters
    ----------
    name
        Scenario name.
    column
        The regressor's column name, as in the ``exog`` frame the model was fitted with.
    change
        Proportional change (0.5 = +50 %), a number: > -1 (>= -1 on the linear scale).
        Regressor paths are shared by all sample paths, so distributions are not accepted.
    start
        First date the change applies (periods ending on or after it).
    baseline
        Observed regressor history indexed by ``period_end`` (a Series for ``column``, or a
        DataFrame holding every regressor of the model: the others are held at their last
        values).  None: use the ``history`` the model passes to :meth:`exog_future`.
    scale
        ``"linear"`` or ``"log"``.
    source
        Free-text provenance.

    Notes
    -----
    A model fitted without regressors never asks a scenario for them, so call
    :func:`validate_for` (or :meth:`check_model`) before forecasting: it raises if the model
    lacks ``column``.

    Examples
    --------
    >>> import pandas as pd
    >>> seized = pd.Series([10.0, 12.0], index=pd.to_datetime(["2024-12-31", "2025-12-31"]))
    >>> up = CovariateScenario("seizures_up", "seized", change=0.5, start="2027-01-01",
    ...                        baseline=seized)
    >>> up.exog_future(pd.DatetimeIndex(["2026-12-31", "2027-12-31"]), columns=["seized"])
                seized
    2026-12-31    12.0
    2027-12-31    18.0
    """

    name: str
    column: str
    change: float
    start: pd.Timestamp
    baseline: pd.Series | pd.DataFrame | None = None
    scale: str = "linear"
    source: str = dataclasses.field(default="", repr=False)  # long citations: not in repr
    kind: ClassVar[str] = "covariate"

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", _check_name(type(self), self.name))
        owner = f"CovariateScenario {self.name!r}"
        if not isinstance(self.column, str) or not self.column:
            raise ScenarioError(f"{owner}: parameter 'column' must be a regressor name; got "
                                f"{self.column!r}")
        if self.scale not in ("linear", "log"):
            raise ScenarioError(f"{owner}: parameter 'scale' must be 'linear' or 'log'; got "
                                f"{self.scale!r}")
        if isinstance(self.change, Distribution | Mapping):
            raise ScenarioError(f"{owner}: parameter 'change' must be a number: a regressor's "
                                "future values are shared by every sample path")
        allowed = _Range(-1.0, math.inf, self.scale == "log", True)
        object.__setattr__(self, "change", _param(owner, "change", self.change, allowed))
        object.__setattr__(self, "start", _timestamp(owner, "start", self.start))
        if self.baseline is not None:
            object.__setattr__(self, "baseline", self._check_history(self.baseline, "baseline"))

    @property
    def _owner(self) -> str:
        return f"CovariateScenario {self.name!r}"

    def _check_history(self, history: Any, what: str) -> pd.DataFrame:
        owner = self._owner
        if isinstance(history, pd.Series):
            history = history.rename(self.column).to_frame()
        if not isinstance(history, pd.DataFrame):
            raise ScenarioError(f"{owner}: parameter {what!r} must be a pandas Series or "
                                f"DataFrame indexed by period_end; got {type(history).__name__}")
        try:
            index = pd.DatetimeIndex(pd.to_datetime(history.index))
        except (ValueError, TypeError):
            raise ScenarioError(f"{owner}: parameter {what!r} must be indexed by period_end "
                                "dates") from None
        if self.column not in history.columns:
            raise ScenarioError(f"{owner}: parameter {what!r} has no column {self.column!r} "
                                f"(columns: {list(history.columns)})")
        frame = history.set_axis(index).sort_index().astype(float)
        for col in frame.columns:
            if not np.isfinite(frame[col].to_numpy()).any():
                raise ScenarioError(f"{owner}: parameter {what!r} has no finite value of "
                                    f"{col!r}")
        return frame.copy()

    def multiplier(self, time: pd.DatetimeIndex, *, location: str, indicator: str,
                   n_samples: int, rng: np.random.Generator,
                   frequency: str | None = None) -> np.ndarray:
        """Ones: the scenario acts through the regressor, not on the rate directly."""
        return np.ones(len(time))

    def exog_future(self, time: pd.DatetimeIndex, columns: Sequence[str] | None = None,
                    history: pd.DataFrame | None = None) -> pd.DataFrame:
        """Future regressor values: a frame indexed by ``time`` with ``columns``.

        Raises
        ------
        ScenarioError
            If ``column`` is not among the model's ``columns``, or the baseline lacks a
            regressor the model needs.
        """
        owner = self._owner
        columns = [self.column] if columns is None else list(columns)
        if self.column not in columns:
            raise ScenarioError(f"{owner}: the model's regressors are {columns}, not "
                                f"{self.column!r}: it was fitted without the regressor this "
                                "scenario changes")
        if self.baseline is not None:
            base = self.baseline
        elif history is not None:
            base = self._check_history(history, "history")
        else:
            raise ScenarioError(f"{owner}: no regressor history: give baseline= (the observed "
                                f"values of {self.column!r} indexed by period_end)")
        missing = [c for c in columns if c not in base.columns]
        if missing:
            raise ScenarioError(f"{owner}: the model also needs regressor {missing[0]!r}; give "
                                "baseline= as a DataFrame holding every regressor")
        last = {c: float(base[c].dropna().iloc[-1]) for c in columns}
        out = pd.DataFrame({c: np.full(len(time), last[c]) for c in columns},
                           index=pd.DatetimeIndex(time))
        after = out.index >= self.start
        if self.scale == "log":
            out.loc[after, self.column] += math.log1p(self.change)
        else:
            out.loc[after, self.column] *= 1.0 + self.change
        return out

    def check_model(self, fitted: object) -> None:
        """Raise ScenarioError unless ``fitted`` was fitted with the regressor ``column``."""
        columns = _exog_columns(fitted)
        if not columns:
            raise ScenarioError(f"{self._owner}: the model was fitted without regressors, so a "
                                f"change in {self.column!r} cannot affect it; fit with "
                                f"exog= holding {self.column!r}")
        if self.column not in columns:
            raise ScenarioError(f"{self._owner}: the model was fitted with regressors "
                                f"{columns}, not {self.column!r}")

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form; the baseline becomes ``{"period_end": [...], column: [...]}``."""
        baseline = None
        if self.baseline is not None:
            baseline = {"period_end": [d.date().isoformat() for d in self.baseline.index]}
            baseline.update({str(c): [None if not math.isfinite(v) else v
                                      for v in self.baseline[c].tolist()]
                             for c in self.baseline.columns})
        return {"type": self.kind, "name": self.name, "column": self.column,
                "change": self.change, "start": self.start.date().isoformat(),
                "baseline": baseline, "scale": self.scale, "source": self.source}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CovariateScenario:
        """Inverse of :meth:`to_dict`."""
        data = dict(data)
        baseline = data.get("baseline")
        if isinstance(baseline, Mapping):
            owner = f"CovariateScenario {data.get('name')!r}"
            if "period_end" not in baseline:
                raise ScenarioError(f"{owner}: parameter 'baseline' needs a 'period_end' list "
                                    "and one list of values per regressor")
            try:
                frame = pd.DataFrame({k: v for k, v in baseline.items() if k != "period_end"},
                                     index=pd.to_datetime(baseline["period_end"]), dtype=float)
            except (ValueError, TypeError) as exc:
                raise ScenarioError(f"{owner}: parameter 'baseline': {exc}") from None
            data["baseline"] = frame
        return _build(cls, data)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CovariateScenario):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    __hash__ = object.__hash__


# -- combinations --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Combined:
    """Several scenarios at once: the product of their multipliers.

    Each part draws from its own random stream, derived from the scenario rng and keyed by the
    part's name, so adding or removing a part does not change the other parts' draws.  Part
    names must be unique.  A :class:`CovariateScenario` part supplies the regressors.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> both = Combined("both", [Interdiction("cut", 0.3, "2026-01-01"),
    ...                          Naloxone("nx", 0.1, "2026-01-01")])
    >>> both.multiplier(pd.DatetimeIndex(["2026-12-31"]), location="US", indicator="opioids",
    ...                 n_samples=1, rng=np.random.default_rng(0), frequency="annual")
    array([[0.63]])
    """

    name: str
    parts: tuple[Any, ...]
    source: str = dataclasses.field(default="", repr=False)  # long citations: not in repr
    kind: ClassVar[str] = "combined"

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", _check_name(type(self), self.name))
        owner = f"Combined {self.name!r}"
        if isinstance(self.parts, Mapping | str) or not isinstance(self.parts, Iterable):
            raise ScenarioError(f"{owner}: parameter 'parts' must be a list of scenarios")
        parts = []
        for i, part in enumerate(self.parts):
            if isinstance(part, Mapping):
                try:
                    part = from_dict(part)
                except ScenarioError as exc:
                    raise ScenarioError(f"{owner}: part {i}: {exc}") from None
            if not isinstance(part, Scenario):
                raise ScenarioError(f"{owner}: part {i} is not a scenario (needs .name and "
                                    f".multiplier); got {type(part).__name__}")
            parts.append(part)
        if not parts:
            raise ScenarioError(f"{owner}: parameter 'parts' must hold at least one scenario")
        names = [p.name for p in parts]
        duplicated = sorted({n for n in names if names.count(n) > 1})
        if duplicated:
            raise ScenarioError(f"{owner}: part names must be unique (they key the parts' "
                                f"random streams); {duplicated[0]!r} is repeated")
        columns = [p.column for p in parts if isinstance(p, CovariateScenario)]
        if len(set(columns)) != len(columns):
            raise ScenarioError(f"{owner}: two parts change the same regressor")
        object.__setattr__(self, "parts", tuple(parts))

    def multiplier(self, time: pd.DatetimeIndex, *, location: str, indicator: str,
                   n_samples: int, rng: np.random.Generator,
                   frequency: str | None = None) -> np.ndarray:
        """Product of the parts' multipliers, shape ``(n_samples, len(time))``."""
        streams = _Streams(rng)
        total = np.ones((n_samples, len(time)))
        for part in self.parts:
            total = total * evaluate_multiplier(part, time, location=location,
                                                indicator=indicator, n_samples=n_samples,
                                                rng=streams(f"part:{part.name}"),
                                                frequency=frequency)
        return total

    def exog_future(self, time: pd.DatetimeIndex, columns: Sequence[str] | None = None,
                    history: pd.DataFrame | None = None) -> pd.DataFrame:
        """Regressors from the :class:`CovariateScenario` parts (each changes its column)."""
        providers = [p for p in self.parts if hasattr(p, "exog_future")]
        if not providers:
            raise ScenarioError(f"Combined {self.name!r} has no covariate part: give the "
                                "regressors' future values with exog_future=")
        out = providers[0].exog_future(time, columns=columns, history=history)
        for p in providers[1:]:
            frame = p.exog_future(time, columns=columns, history=history)
            column = getattr(p, "column", None)
            for c in [column] if column is not None else list(frame.columns):
                out[c] = frame[c]
        return out

    def check_model(self, fitted: object) -> None:
        """Check every part that can be checked against ``fitted``."""
        for part in self.parts:
            if hasattr(part, "check_model"):
                part.check_model(fitted)

    def check_horizon(self, end: pd.Timestamp) -> None:
        """Check every part's onset against the last forecast time."""
        for part in self.parts:
            if hasattr(part, "check_horizon"):
                part.check_horizon(end)

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form, with every part's own ``to_dict()``."""
        parts = []
        for part in self.parts:
            if not hasattr(part, "to_dict"):
                raise ScenarioError(f"Combined {self.name!r}: part {part.name!r} "
                                    f"({type(part).__name__}) cannot be serialised")
            parts.append(part.to_dict())
        return {"type": self.kind, "name": self.name, "parts": parts, "source": self.source}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Combined:
        """Inverse of :meth:`to_dict`."""
        return _build(cls, data)


@dataclass(frozen=True)
class Diluted:
    """A scenario that acts on a share of the deaths only: ``1 - share x (1 - m)``.

    Interdiction effects are effects on illicit-involved deaths; a statistical model of all
    opioid deaths applies them to the illicit share of its series, so that every model family
    projects the same effect size (:func:`odforecast.project` does this with the illicit share
    of the last data year, about 85 % of opioid deaths in 2024).

    Parameters
    ----------
    scenario
        The scenario to dilute (a mapping is read with :func:`from_dict`).
    share
        Share of the series' deaths it acts on, in ``[0, 1]``.
    name
        Label; default: the scenario's name.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> cut = Interdiction("cut", effect=0.4, onset="2026-01-01")
    >>> Diluted(cut, share=0.5).multiplier(pd.DatetimeIndex(["2026-12-31"]), location="US",
    ...     indicator="opioids", n_samples=1, rng=np.random.default_rng(0), frequency="annual")
    array([[0.8]])
    >>> Diluted(cut, share=0.5).name
    'cut'
    """

    scenario: Any
    share: float
    name: str = ""
    kind: ClassVar[str] = "diluted"

    def __post_init__(self) -> None:
        scenario = from_dict(self.scenario) if isinstance(self.scenario, Mapping) \
            else self.scenario
        if not isinstance(scenario, Scenario):
            raise ScenarioError(f"Diluted: parameter 'scenario' must be a scenario; got "
                                f"{type(scenario).__name__}")
        share = _finite(self.share, "Diluted share")
        if not 0.0 <= share <= 1.0:
            raise ScenarioError(f"Diluted {scenario.name!r}: parameter 'share' must be in "
                                f"[0, 1]; got {share:g}")
        object.__setattr__(self, "scenario", scenario)
        object.__setattr__(self, "share", share)
        object.__setattr__(self, "name", self.name or scenario.name)

    @property
    def onset(self) -> pd.Timestamp | None:
        """The onset of the diluted scenario (None: the forecast start)."""
        return getattr(self.scenario, "onset", None)

    def multiplier(self, time: pd.DatetimeIndex, *, location: str, indicator: str,
                   n_samples: int, rng: np.random.Generator,
                   frequency: str | None = None) -> np.ndarray:
        """``1 - share x (1 - m)`` with ``m`` the scenario's multiplier."""
        m = evaluate_multiplier(self.scenario, time, location=location, indicator=indicator,
                                n_samples=n_samples, rng=rng, frequency=frequency)
        return 1.0 - self.share * (1.0 - m)

    def check_horizon(self, end: pd.Timestamp) -> None:
        """Check the scenario's onset against the last forecast time."""
        if hasattr(self.scenario, "check_horizon"):
            self.scenario.check_horizon(end)

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form (see :func:`from_dict`)."""
        return {"type": self.kind, "name": self.name, "share": self.share,
                "scenario": self.scenario.to_dict()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Diluted:
        """Inverse of :meth:`to_dict`."""
        return _build(cls, data)


# -- checking against a fitted model -------------------------------------------------------------

def _provides_exog(scenario: object) -> bool:
    if isinstance(scenario, Combined):
        return any(_provides_exog(p) for p in scenario.parts)
    return hasattr(scenario, "exog_future")


def validate_for(fitted: object, scenario: Any, *, horizon: int | None = None,
                 exog_future: pd.DataFrame | None = None) -> None:
    """Check scenarios against a fitted model before any sampling; raise ScenarioError.

    Checks that every :class:`CovariateScenario` (also inside :class:`Combined`) names a
    regressor the model was fitted with (``fitted.exog_columns`` or
    ``fitted.design.exog_columns``); that a covariate scenario is not compared with other
    scenarios in one call (the regressor paths are sampled once per call, so every scenario in
    the list would get them) nor given together with ``exog_future=`` (which would override
    it); and, when ``horizon`` is given, that every onset is before the end of the horizon.

    Parameters
    ----------
    fitted
        A fitted model (``PerSeriesFit``, ``BayesFit``, ...).
    scenario
        None, a scenario, or a list of scenarios (as passed to ``forecast``).
    horizon
        Forecast horizon in periods (optional).
    exog_future
        The ``exog_future`` frame passed to ``forecast``, if any.

    Examples
    --------
    >>> import odforecast
    >>> from odforecast.models import Drift
    >>> us = odforecast.load_dataset("us_annual").query(
    ...     "indicator == 'opioids' and estimate == 'reported'")
    >>> fitted = Drift().fit(us)
    >>> validate_for(fitted, [preset("status_quo"), preset("source_low_fentanyl")], horizon=5)
    >>> validate_for(fitted, Interdiction("late", 0.3, "2040-01-01"), horizon=5)
    Traceback (most recent call last):
    ...
    odforecast.errors.ScenarioError: Interdiction 'late': parameter 'onset' (2040-01-01) is not \
before the end of the forecast horizon (2029-12-31), so the scenario would have no effect; choose \
an earlier onset or a longer horizon
    """
    if scenario is None:
        return
    many = isinstance(scenario, Sequence) and not isinstance(scenario, str)
    items = [s for s in (list(scenario) if many else [scenario]) if s is not None]
    for s in items:
        if not isinstance(s, Scenario):
            raise ScenarioError(f"scenario must provide .name and .multiplier(time, ...); got "
                                f"{type(s).__name__}")
    providers = [s.name for s in items if _provides_exog(s)]
    if providers and len(items) > 1:
        raise ScenarioError(f"scenario {providers[0]!r} changes regressor paths, which are "
                            "sampled once per forecast call and would be shared by every "
                            "scenario in the list; forecast it in a separate call")
    if providers and exog_future is not None:
        raise ScenarioError(f"scenario {providers[0]!r} supplies the regressors' future values "
                            "but exog_future= was also given (and would override it); give "
                            "one or the other")
    end = None
    if horizon is not None and isinstance(horizon, int) and not isinstance(horizon, bool) \
            and horizon > 0 and getattr(fitted, "series", None):
        from odforecast.models.series import future_periods

        end = min(future_periods(s.time[-1], s.frequency, horizon)[-1] for s in fitted.series)
    for s in items:
        if hasattr(s, "check_model"):
            s.check_model(fitted)
        if end is not None and hasattr(s, "check_horizon"):
            s.check_horizon(end)


# -- serialisation -------------------------------------------------------------------------------

_TYPES: dict[str, type] = {
    "status_quo": StatusQuo,
    "constant_multiplier": ConstantMultiplier,
    "interdiction": Interdiction,
    "naloxone": Naloxone,
    "moud": MOUD,
    "covariate": CovariateScenario,
    "combined": Combined,
    "diluted": Diluted,
}


def _build(cls: type, data: Mapping[str, Any]) -> Any:
    """Construct ``cls`` from its dict form, with errors naming the bad or missing key."""
    label = f"{cls.__name__} {data.get('name')!r}" if isinstance(data, Mapping) else cls.__name__
    if not isinstance(data, Mapping):
        raise ScenarioError(f"{label}: expected a mapping of parameters; got "
                            f"{type(data).__name__}")
    names = [f.name for f in dataclasses.fields(cls)]
    required = [f.name for f in dataclasses.fields(cls)
                if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING]
    args = {k: v for k, v in data.items() if k != "type"}
    unknown = [k for k in args if k not in names]
    if unknown:
        raise ScenarioError(f"{label}: unknown parameter {unknown[0]!r}; its parameters are "
                            f"{', '.join(names)}")
    missing = [k for k in required if k not in args]
    if missing:
        raise ScenarioError(f"{label}: missing parameter {missing[0]!r} (required: "
                            f"{', '.join(required)})")
    return cls(**args)


def from_dict(data: Mapping[str, Any]) -> Any:
    """Build a scenario from its plain-data form.

    ``data`` has a ``"type"`` (``status_quo``, ``constant_multiplier``, ``interdiction``,
    ``naloxone``, ``moud``, ``covariate``, ``combined``) and the type's parameters, or a
    ``"preset"`` name plus optional overrides.  Numeric parameters may be numbers or
    distributions ``{"dist": "uniform", "low": 0.2, "high": 0.4}`` (``fixed``, ``uniform``,
    ``normal``, ``beta``, ``triangular``).

    Examples
    --------
    >>> s = from_dict({"type": "interdiction", "name": "cut", "onset": "2026-01-01",
    ...                "effect": {"dist": "uniform", "low": 0.2, "high": 0.4}})
    >>> s.effect
    Uniform(low=0.2, high=0.4)
    >>> from_dict(s.to_dict()) == s
    True
    >>> from_dict({"preset": "source_low_fentanyl", "name": "low"}).name
    'low'
    """
    if not isinstance(data, Mapping):
        raise ScenarioError(f"a scenario must be a mapping with a 'type' or 'preset' key; got "
                            f"{type(data).__name__}")
    if "preset" in data:
        if "type" in data:
            raise ScenarioError("give either 'type' or 'preset', not both")
        return preset(data["preset"], **{k: v for k, v in data.items() if k != "preset"})
    kind = data.get("type")
    if kind not in _TYPES:
        raise ScenarioError(f"parameter 'type' must be one of {', '.join(_TYPES)} (or give "
                            f"'preset'); got {kind!r}")
    return _TYPES[kind].from_dict(data)


def _read_file(path: Path) -> Any:
    suffix = path.suffix.lower()
    if suffix not in (".json", ".yaml", ".yml"):
        raise ScenarioError(f"{path}: unknown scenario file type {suffix!r}: use .json (always "
                            "supported) or .yaml / .yml (needs PyYAML)")
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read the scenario file: {exc.strerror or exc}") \
            from None
    if suffix == ".json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise ScenarioError(f"{path}: not valid JSON (line {exc.lineno}, column "
                                f"{exc.colno}): {exc.msg}") from None
    try:
        import yaml
    except ImportError:
        raise ScenarioError(f"{path}: reading YAML needs PyYAML, which is not installed "
                            "(pip install pyyaml); JSON scenario files always work") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ScenarioError(f"{path}: not valid YAML: {exc}") from None


def load_scenarios(path: str | PathLike[str]) -> list[Any]:
    """Read and validate scenarios from a JSON or YAML file (YAML needs PyYAML).

    The file holds one scenario (a mapping), a list of them, or ``{"scenarios": [...]}``;
    each is the plain-data form of :func:`from_dict`.  Every scenario is built — so validated —
    before this returns; errors name the file, the scenario's index and name, and the
    parameter.

    Returns
    -------
    list
        The scenarios, in file order (a one-scenario file gives a list of one).

    Examples
    --------
    >>> import json, tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "s.json"
    >>> _ = path.write_text(json.dumps([{"preset": "status_quo"},
    ...     {"type": "interdiction", "name": "cut", "effect": 0.3, "onset": "2026-01-01"}]))
    >>> [s.name for s in load_scenarios(path)]
    ['status_quo', 'cut']
    >>> _ = path.write_text(json.dumps([{"type": "interdiction", "name": "cut",
    ...                                  "effect": 1.2, "onset": "2026-01-01"}]))
    >>> load_scenarios(path)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    odforecast.errors.ScenarioError: ...s.json: scenario 0 ('cut'): Interdiction 'cut': \
parameter 'effect' must be in (-3, 1); got 1.2 (an effect of 1.2 would be a reduction above 100 %)
    """
    path = Path(path)
    data = _read_file(path)
    if isinstance(data, Mapping) and set(data) == {"scenarios"}:
        data = data["scenarios"]
    items = [data] if isinstance(data, Mapping) else data
    if not isinstance(items, list) or not items:
        raise ScenarioError(f"{path}: expected a scenario (mapping), a non-empty list of "
                            f"scenarios, or {{'scenarios': [...]}}; got {type(data).__name__}")
    scenarios = []
    for i, item in enumerate(items):
        name = item.get("name", item.get("preset")) if isinstance(item, Mapping) else None
        label = f"scenario {i}" + (f" ({name!r})" if name is not None else "")
        try:
            scenarios.append(from_dict(item))
        except ScenarioError as exc:
            raise ScenarioError(f"{path}: {label}: {exc}") from None
    names = [s.name for s in scenarios]
    for i, name in enumerate(names):
        if names.index(name) != i:
            raise ScenarioError(f"{path}: scenario {i} ({name!r}): parameter 'name' repeats "
                                f"scenario {names.index(name)}'s; names must be unique")
    return scenarios


def save_scenarios(scenarios: Any, path: str | PathLike[str]) -> None:
    """Write scenarios (one or a list) to a JSON file (or YAML for .yaml / .yml, with PyYAML)
    that :func:`load_scenarios` reads back.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from odforecast.scenarios import Interdiction, load_scenarios, preset, save_scenarios
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "runs.json"
    >>> save_scenarios([preset("status_quo"),
    ...                 Interdiction("cut", effect=0.3, onset="2026-01-01")], path)
    >>> [s.name for s in load_scenarios(path)]
    ['status_quo', 'cut']
    """
    path = Path(path)
    items = list(scenarios) if isinstance(scenarios, Sequence) else [scenarios]
    data = []
    for s in items:
        if not hasattr(s, "to_dict"):
            raise ScenarioError(f"scenario {getattr(s, 'name', s)!r} cannot be serialised "
                                "(no to_dict)")
        data.append(s.to_dict())
    if path.suffix.lower() in (".yaml", ".yml"):
        try:
            import yaml
        except ImportError:
            raise ScenarioError(f"{path}: writing YAML needs PyYAML, which is not installed "
                                "(pip install pyyaml); write .json instead") from None
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    else:
        path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


# -- presets -------------------------------------------------------------------------------------

_SOURCE_ENVELOPE = (
    "SOURCE model (Lim et al. PNAS 2022; Stringfellow et al. Sci Adv 2022; GitHub FDA/SOURCE "
    "X8_{Base,FentH,FentL}_PolTot.tab): 2022-2032 opioid deaths 541,754 (Base), 418,991 "
    "(FentL), 666,236 (FentH) [S]; {pct} vs Base [D]. A constant multiplier changes cumulative "
    "deaths over any horizon by exactly the effect. evidence.md sec. 3.1, 4.4.")

_PRESET_LIST: list[Any] = [
    StatusQuo(),
    Interdiction(
        "source_low_fentanyl", effect=0.227, onset=None,
        source=_SOURCE_ENVELOPE.replace("{pct}", "FentL -22.7%")),
    Interdiction(
        "source_high_fentanyl", effect=-0.230, onset=None,
        source=_SOURCE_ENVELOPE.replace("{pct}", "FentH +23.0%")),
    Interdiction(
        "us_supply_shock_2023", effect=Uniform(0.33, 0.40), onset="2023-07-01", ramp_months=12,
        source=(
            "US fentanyl supply shock from mid-2023 (Vangelov, Humphreys, Reuter, Caulkins et "
            "al., Science, Jan 2026): purity fell in H2 2023; synthetic-opioid deaths peaked at "
            "~76,000 (2023) and fell by more than one-third by end-2024 [S]; evidence.md sec. "
            "4.1, 4.4 (-33% to -40%). Onset 2023-07-01 and a 12-month ramp [D]: on a flat "
            "baseline they give annual 2024/2023 ratios 0.68-0.74 (observed opioid deaths "
            "81,083 -> 54,743: 0.675) and 12-month-ending Dec 2024 vs Jun 2023 ratios "
            "0.65-0.71; persistence unknown [unverified], taken as persistent.")),
    Interdiction(
        "australia_heroin_shortage_2001", effect=Uniform(0.60, 0.67), onset=None, ramp_months=3,
        half_life_months=Uniform(24.0, 60.0),
        source=(
            "Australian heroin shortage, Jan 2001 (Degenhardt, Day, Gilmour, Hall 2006, "
            "doi:10.1186/1747-597X-1-11): ~60% drop in opioid overdose mortality (Science 2026 "
            "summary) and NSW opiate deaths -67% 1999->2002 (Time) [S]; the effect lasted years "
            "[S]; half-life 2-5 years from the 0.3-5 y persistence prior [D]; 3-month ramp "
            "('abrupt') [unverified]. Applied as an analogue from the forecast start (set "
            "onset= to place it). evidence.md sec. 4.1, 4.4.")),
    Interdiction(
        "local_seizure_spike", effect=-1.4, onset=None, half_life_months=0.23,
        source=(
            "Local harm after opioid seizures: fatal overdoses ~2x expected within 7 days and "
            "500 m (Ray et al. AJPH 2023;113(7):750-758); nonfatal RR 2.62 / 2.17 / 1.83 at "
            "3 / 7 / 14 days within 250 m (J Epidemiol Community Health 2024) [S]. Effect -1.4 "
            "with a 7-day (0.23-month) half-life averages 2.0x over the first week and 1.75x "
            "over two weeks [D]. Local (<= 500 m) only: do not apply to state or national "
            "series. evidence.md sec. 4.3, 4.4 (lever C).")),
    Naloxone(
        "naloxone_rao2021", effect=0.263, onset=None, ramp_months=12,
        source=(
            "Rao, Humphreys, Brandeau, Lancet Reg Health Am 2021;3:100031: naloxone "
            "availability +30% averts ~25% of opioid deaths 2020-2029 [S]; effect 0.263 with a "
            "12-month ramp gives 0.263 x (1 - 6/120) = 25% over 120 months [D]; ramp "
            "[unverified]. evidence.md sec. 2; mechanistic-model.md sec. 7.")),
    Naloxone(
        "naloxone_source", effect=0.067, onset=None, ramp_months=12,
        source=(
            "SOURCE 'Nx Kits 50': 6.4% of 2022-2032 opioid deaths averted (default size: 2.7%) "
            "[S]; effect 0.067 with a 12-month ramp gives 0.067 x (1 - 6/132) = 6.4% over 132 "
            "months [D]. evidence.md sec. 3.1; mechanistic-model.md sec. 7.")),
    MOUD(
        "moud_expansion", effect=Uniform(0.004, 0.10), onset=None, ramp_months=24,
        source=(
            "SOURCE 'Bup Prov Capacity': 0.4% of 2022-2032 opioid deaths averted [S]; Rao 2021: "
            "'uniformly beneficial', magnitude not available [S qualitative]; upper bound 10% "
            "and 24-month ramp [unverified]. evidence.md sec. 2, 3.1; mechanistic-model.md "
            "sec. 7.")),
]

#: Evidence-based scenarios by name (read-only).  Use :func:`preset` to get one, optionally
#: with overrides, and :func:`describe_presets` for a table.
PRESETS: Mapping[str, Any] = MappingProxyType({s.name: s for s in _PRESET_LIST})


def preset(name: str, /, **overrides: Any) -> Any:
    """A preset scenario, optionally with some parameters replaced (re-validated).

    Parameters
    ----------
    name
        One of :data:`PRESETS`.
    **overrides
        Parameters to replace, e.g. ``onset="2026-01-01"`` or ``name="my_run"``.

    Examples
    --------
    >>> preset("australia_heroin_shortage_2001", onset="2026-01-01").onset.year
    2026
    >>> preset("nope")
    Traceback (most recent call last):
    ...
    odforecast.errors.ScenarioError: unknown preset 'nope'; available presets: \
australia_heroin_shortage_2001, local_seizure_spike, moud_expansion, naloxone_rao2021, \
naloxone_source, source_high_fentanyl, source_low_fentanyl, status_quo, us_supply_shock_2023
    """
    if name not in PRESETS:
        raise ScenarioError(f"unknown preset {name!r}; available presets: "
                            f"{', '.join(sorted(PRESETS))}")
    base = PRESETS[name]
    if not overrides:
        return base
    allowed = [f.name for f in dataclasses.fields(base)]
    unknown = [k for k in overrides if k not in allowed]
    if unknown:
        raise ScenarioError(f"preset {name!r}: unknown parameter {unknown[0]!r}; its "
                            f"parameters are {', '.join(allowed)}")
    return dataclasses.replace(base, **overrides)


def describe_presets() -> pd.DataFrame:
    """One row per preset: type, effect (central value and range), onset, ramp, half-life,
    substitution, indicators and source.

    Examples
    --------
    >>> float(describe_presets().loc["source_low_fentanyl", "effect"])
    0.227
    """
    rows = []
    for name, s in PRESETS.items():
        effect = getattr(s, "effect", None)
        half_life = getattr(s, "half_life_months", None)
        rows.append({
            "name": name,
            "type": s.to_dict()["type"],
            "effect": _central(effect),
            "effect_range": (effect.support if isinstance(effect, Distribution) else None),
            "onset": (None if not hasattr(s, "onset") else
                      "forecast start" if s.onset is None else s.onset.date().isoformat()),
            "ramp_months": _central(getattr(s, "ramp_months", None)),
            "half_life_months": (_central(half_life) if half_life is not None else
                                 "persistent" if hasattr(s, "onset") else None),
            "substitution": _central(getattr(s, "substitution", None)),
            "indicators": (None if not hasattr(s, "applies_to") else
                           list(s.indicators or s.default_indicators)),
            "source": getattr(s, "source", ""),
        })
    return pd.DataFrame(rows).set_index("name")

