"""Covariate scenarios: a change in the future values of a model's regressor.

A :class:`CovariateScenario` acts through a regressor the model was fitted with (its
``exog_future`` supplies the regressor's future path); its multiplier is 1.

Examples
--------
>>> import pandas as pd
>>> from odforecast.scenarios import CovariateScenario
>>> seized = pd.Series([10.0, 12.0], index=pd.to_datetime(["2024-12-31", "2025-12-31"]))
>>> down = CovariateScenario("down", "seized", change=-0.5, start="2026-01-01", baseline=seized)
>>> down.exog_future(pd.DatetimeIndex(["2026-12-31"]))["seized"].tolist()
[6.0]
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from odforecast.errors import ScenarioError
from odforecast.scenarios.distributions import Distribution
from odforecast.scenarios.params import _check_name, _param, _Range, _timestamp
from odforecast.scenarios.registry import _build, register

__all__ = ["CovariateScenario"]


@register("covariate")
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
        """Raise ScenarioError unless ``fitted`` was fitted with the regressor ``column``
        (its ``exog_columns``, part of the fitted-model contract)."""
        columns = fitted.exog_columns
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
