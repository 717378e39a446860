"""Checking scenarios against a fitted model before any sampling (:func:`validate_for`).

The check lives on the model side
(:meth:`FittedModel.check_scenarios <odforecast.models.FittedModel.check_scenarios>`), which
reads only the fitted-model contract (``exog_columns``, ``forecast_end``) and asks
:mod:`odforecast.scenarios.protocols` what each scenario can do; this module is its function
form, kept for code that calls ``validate_for``.

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

from typing import Any

import pandas as pd

__all__ = ["validate_for"]


def validate_for(fitted: Any, scenario: Any, *, horizon: int | None = None,
                 exog_future: pd.DataFrame | None = None) -> None:
    """Check scenarios against a fitted model before any sampling; raise ScenarioError.

    The same as ``fitted.check_scenarios(scenario, horizon=horizon, exog_future=exog_future)``
    (:meth:`odforecast.models.FittedModel.check_scenarios`): every item is a scenario; a
    covariate scenario names a regressor the model was fitted with, is not compared with other
    scenarios in one call nor given together with ``exog_future=``; and, when ``horizon`` is
    given, every onset is before the end of the horizon.

    Parameters
    ----------
    fitted
        A fitted model (any :class:`~odforecast.models.FittedModel`).
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
    fitted.check_scenarios(scenario, horizon=horizon, exog_future=exog_future)
