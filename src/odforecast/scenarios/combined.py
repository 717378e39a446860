"""Scenarios built from other scenarios: :class:`Combined` (several at once, the product of
their multipliers) and :class:`Diluted` (one acting on a share of the deaths only).

Examples
--------
>>> import numpy as np, pandas as pd
>>> from odforecast.scenarios import Combined, ConstantMultiplier, Diluted
>>> both = Combined("both", [ConstantMultiplier(0.8, name="a"), ConstantMultiplier(0.5, name="b")])
>>> Diluted(both, share=0.5).multiplier(pd.DatetimeIndex(["2026-12-31"]), location="US",
...     indicator="opioids", n_samples=1, rng=np.random.default_rng(0))
array([[0.7]])
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from odforecast.errors import ScenarioError
from odforecast.scenarios.covariates import CovariateScenario
from odforecast.scenarios.distributions import _finite, _Streams
from odforecast.scenarios.io import from_dict
from odforecast.scenarios.params import _check_name
from odforecast.scenarios.protocols import (
    ModelChecked,
    RegressorProvider,
    Scenario,
    Serialisable,
    check_horizon,
    evaluate_multiplier,
    onset_of,
)
from odforecast.scenarios.registry import _build, register

__all__ = ["Combined", "Diluted"]


@register("combined")
@dataclass(frozen=True)
class Combined:
    """Several scenarios at once: the product of their multipliers.

    Each part draws from its own random stream, derived from the scenario rng and keyed by the
    part's name, so adding or removing a part does not change the other parts' draws.  Part
    names must be unique.  A :class:`CovariateScenario` part supplies the regressors.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from odforecast.scenarios import Interdiction, Naloxone
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
        providers = [p for p in self.parts if isinstance(p, RegressorProvider)]
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
            if isinstance(part, ModelChecked):
                part.check_model(fitted)

    def check_horizon(self, end: pd.Timestamp) -> None:
        """Check every part's onset against the last forecast time."""
        for part in self.parts:
            check_horizon(part, end)

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form, with every part's own ``to_dict()``."""
        parts = []
        for part in self.parts:
            if not isinstance(part, Serialisable):
                raise ScenarioError(f"Combined {self.name!r}: part {part.name!r} "
                                    f"({type(part).__name__}) cannot be serialised")
            parts.append(part.to_dict())
        return {"type": self.kind, "name": self.name, "parts": parts, "source": self.source}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Combined:
        """Inverse of :meth:`to_dict`."""
        return _build(cls, data)


@register("diluted")
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
    >>> from odforecast.scenarios import Interdiction
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
        return onset_of(self.scenario)

    def multiplier(self, time: pd.DatetimeIndex, *, location: str, indicator: str,
                   n_samples: int, rng: np.random.Generator,
                   frequency: str | None = None) -> np.ndarray:
        """``1 - share x (1 - m)`` with ``m`` the scenario's multiplier."""
        m = evaluate_multiplier(self.scenario, time, location=location, indicator=indicator,
                                n_samples=n_samples, rng=rng, frequency=frequency)
        return 1.0 - self.share * (1.0 - m)

    def check_horizon(self, end: pd.Timestamp) -> None:
        """Check the scenario's onset against the last forecast time."""
        check_horizon(self.scenario, end)

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form (see :func:`from_dict`)."""
        return {"type": self.kind, "name": self.name, "share": self.share,
                "scenario": self.scenario.to_dict()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Diluted:
        """Inverse of :meth:`to_dict`."""
        return _build(cls, data)
