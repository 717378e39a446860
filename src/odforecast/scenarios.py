"""Scenarios: what-if multipliers applied to a model's latent rate paths.

The interface every model relies on is small: a scenario has a ``name`` and a method
:meth:`Scenario.multiplier` that, given the forecast's time axis, returns a multiplicative effect
on the latent death rate — one row per sample path, so uncertainty about the effect flows into the
paths.  Statistical models multiply their paths by it; mechanistic models may instead read the
scenario's parameters.  A multiplier of exactly 1 leaves the baseline paths unchanged, path for
path, for the same seed: scenario randomness uses its own random stream.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
import pandas as pd

from odforecast.errors import ScenarioError

__all__ = ["ConstantMultiplier", "Scenario", "StatusQuo", "evaluate_multiplier"]


@runtime_checkable
class Scenario(Protocol):
    """What every scenario provides."""

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

    def multiplier(self, time: pd.DatetimeIndex, *, location: str, indicator: str,
                   n_samples: int, rng: np.random.Generator) -> np.ndarray:
        return np.ones(len(time))


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


def evaluate_multiplier(scenario: Scenario | None, time: pd.DatetimeIndex, *, location: str,
                        indicator: str, n_samples: int, rng: np.random.Generator) -> np.ndarray:
    """A scenario's multiplier as a checked ``(n_samples, len(time))`` array (ones if None)."""
    if scenario is None:
        return np.ones((n_samples, len(time)))
    if not isinstance(scenario, Scenario):
        raise ScenarioError(f"scenario must provide .name and .multiplier(time, ...); got "
                            f"{type(scenario).__name__}")
    effect = np.asarray(scenario.multiplier(time, location=location, indicator=indicator,
                                            n_samples=n_samples, rng=rng), dtype=float)
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
