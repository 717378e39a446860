"""Scenario presets estimated from a calibrated mechanistic model.

* ``supply_shock_like_2023``: "a supply shock like 2023-24" at any future onset: illicit
  lethality falls by the fitted fall of ``Lambda`` from July 2023 to December 2024 (a per-draw
  posterior quantity; its posterior is summarised as a Beta distribution, so the preset is
  plain data that any model can apply), over the same 18 months, and then persists or fades
  with ``half_life_months`` (the Science 2026 authors warn such reductions may not last).
* ``supply_rebound``: the opposite: illicit lethality returns to its mid-2023 level over
  ``rebound_years`` and stays there.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from odforecast.errors import ScenarioError

__all__ = ["EMPIRICAL_PRESETS", "SHOCK_END", "SHOCK_START", "empirical_presets"]

#: Names of the presets :func:`empirical_presets` returns.
EMPIRICAL_PRESETS: tuple[str, ...] = ("supply_shock_like_2023", "supply_rebound")

#: The window of the observed shock: onset of the fall and the end of the measured fall.
SHOCK_START = "2023-07-01"
SHOCK_END = "2024-12-31"


def _beta_from_draws(values: np.ndarray, low: float, high: float) -> Any:
    """A Beta distribution with the draws' mean and variance, on the interval of six
    standard deviations either side of the mean, inside ``[low, high]``."""
    from odforecast.scenarios import Beta

    values = np.asarray(values, dtype=float)
    mean, sd = float(np.mean(values)), float(np.std(values))
    lo, hi = max(low, mean - 6 * sd), min(high, mean + 6 * sd)
    x_mean, x_var = (mean - lo) / (hi - lo), (sd / (hi - lo)) ** 2
    common = x_mean * (1.0 - x_mean) / max(x_var, 1e-12) - 1.0
    return Beta(max(x_mean * common, 1e-3), max((1.0 - x_mean) * common, 1e-3), low=lo,
                high=hi)


def empirical_presets(fit: Any, *, onset: str | None = None,
                      half_life_months: Any = None, rebound_years: float = 3.0) -> list[Any]:
    """The two supply presets estimated from ``fit`` (see the module docstring).

    Parameters
    ----------
    fit
        A :class:`~odforecast.mechanistic.MechanisticFit` whose data reach December 2024.
    onset
        Start of both scenarios; None = the forecast start.
    half_life_months
        Persistence of the shock after its 18-month fall: None (persistent), a number, or a
        distribution (:class:`~odforecast.scenarios.Uniform`, ...).
    rebound_years
        Years over which lethality returns to its mid-2023 level in ``supply_rebound``.

    Returns
    -------
    list of Interdiction
        ``[supply_shock_like_2023, supply_rebound]``, with the estimate in ``source``.

    Raises
    ------
    odforecast.ScenarioError
        If the fit does not cover the 2023-24 shock, or bad settings.

    Examples
    --------
    >>> from odforecast.mechanistic import MechanisticOpioidModel, calibration_frame
    >>> fit = MechanisticOpioidModel("latest").fit(calibration_frame())  # doctest: +SKIP
    >>> shock, rebound = empirical_presets(fit, half_life_months=36)  # doctest: +SKIP
    """
    from odforecast.scenarios import Interdiction

    if fit.cal.end < pd.Period(SHOCK_END, freq="M"):
        raise ScenarioError(f"the empirical supply presets need a fit to data through "
                            f"{SHOCK_END[:7]} (this fit ends {fit.cal.end}): the 2023-24 shock "
                            "is estimated from it")
    if isinstance(rebound_years, bool) or not isinstance(rebound_years, int | float) \
            or not rebound_years > 0:
        raise ScenarioError(f"parameter 'rebound_years' must be a positive number; got "
                            f"{rebound_years!r}")
    start = fit.lethality_at(SHOCK_START)
    end = fit.lethality_at(SHOCK_END)
    latest = fit.lethality_at(fit.cal.end.to_timestamp(how="start"))
    drop = 1.0 - end / start
    rise = 1.0 - start / latest   # negative: an increase of lethality
    q = np.quantile(drop, [0.05, 0.5, 0.95])
    shock = Interdiction(
        "supply_shock_like_2023", effect=_beta_from_draws(drop, 0.0, 0.99), onset=onset,
        ramp_months=18.0, half_life_months=half_life_months,
        source=(f"Estimated from the fitted illicit-lethality process (vintage "
                f"{fit.vintage.date()}): Lambda fell {q[1]:.0%} (90 % {q[0]:.0%}-{q[2]:.0%}) "
                f"from {SHOCK_START[:7]} to {SHOCK_END[:7]}; the US/Canada fentanyl supply "
                "shock of mid-2023 (Vangelov, Humphreys, Reuter, Caulkins et al., Science, "
                "Jan 2026; evidence.md sec. 4.1). Beta distribution with the posterior's mean "
                "and variance."))
    r = np.quantile(-rise, [0.05, 0.5, 0.95])
    rebound = Interdiction(
        "supply_rebound", effect=_beta_from_draws(rise, -2.99, 0.0), onset=onset,
        ramp_months=12.0 * float(rebound_years),
        source=(f"Illicit lethality returns to its {SHOCK_START[:7]} level over "
                f"{rebound_years:g} years: +{r[1]:.0%} (90 % +{r[0]:.0%} to +{r[2]:.0%}) on "
                f"its level at {fit.cal.end} (fitted process, vintage {fit.vintage.date()})."))
    return [shock, rebound]
