"""Distributions for numeric scenario parameters, and the per-path random streams they draw
from.

A scenario parameter (an effect, a ramp, a half-life, a substitution) is a number or a
:class:`Distribution`: :class:`Fixed`, :class:`Uniform`, :class:`Normal` (optionally
truncated), :class:`Beta` (rescaled) or :class:`Triangular`.  A distribution is drawn once per
sample path, each parameter from its own stream keyed by its name, so making one parameter
uncertain does not change the draws of another.

Examples
--------
>>> import numpy as np
>>> from odforecast.scenarios import Triangular
>>> draws = Triangular(0.2, 0.35, 0.6).sample(np.random.default_rng(0), 1000)
>>> bool(0.2 <= draws.min() and draws.max() <= 0.6)
True
"""

from __future__ import annotations

import dataclasses
import math
import zlib
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from odforecast.errors import ScenarioError

__all__ = ["Beta", "Distribution", "Fixed", "Normal", "Param", "Triangular", "Uniform"]


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



# -- drawing per sample path -----------------------------------------------------------------------

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
