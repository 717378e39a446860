"""Checking scenarios against a fitted model before any sampling (:func:`validate_for`).

The fitted-model side of these checks (which regressors a model has, its forecast time grid)
reads the fitted object's attributes; it is kept here, as it was, until the models declare them
in their contract.  The scenario side asks :mod:`odforecast.scenarios.protocols`.

Examples
--------
>>> import odforecast
>>> from odforecast.scenarios import CovariateScenario
>>> us = odforecast.load_dataset("us_annual").query(
...     "indicator == 'opioids' and estimate == 'reported'")
>>> validate_for(odforecast.Drift().fit(us), CovariateScenario("up", "seized", 0.5, "2026-01-01"))
Traceback (most recent call last):
...
odforecast.errors.ScenarioError: CovariateScenario 'up': the model was fitted without \
regressors, so a change in 'seized' cannot affect it; fit with exog= holding 'seized'
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from odforecast import calendar
from odforecast.errors import ScenarioError
from odforecast.scenarios.protocols import (
    ModelChecked,
    Scenario,
    check_horizon,
    provides_regressors,
)

__all__ = ["validate_for"]


def _exog_columns(fitted: object) -> list[str] | None:
    """The regressors a fitted model was fitted with (None: none)."""
    columns = getattr(fitted, "exog_columns", None)
    if columns is None:
        columns = getattr(getattr(fitted, "design", None), "exog_columns", None)
    return None if columns is None else list(columns)


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
    >>> from odforecast.scenarios import Interdiction, preset
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
    providers = [s.name for s in items if provides_regressors(s)]
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
        end = min(calendar.frequency(s.frequency).next_ends(s.time[-1], horizon)[-1]
                  for s in fitted.series)
    for s in items:
        if isinstance(s, ModelChecked):
            s.check_model(fitted)
        if end is not None:
            check_horizon(s, end)
