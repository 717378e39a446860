"""Baseline forecasters: naive persistence, drift and seasonal naive, with sample paths.

They work on the same transformed scale as ARIMA (log, or square root for series with zeros) so
their paths are non-negative, and their noise is Gaussian with the residual standard deviation
(Hyndman & Athanasopoulos, *Forecasting: Principles and Practice*, 3rd ed., section 5.5).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from odforecast.models.base import PerSeriesModel
from odforecast.models.params import check_choice, check_int
from odforecast.models.series import Series
from odforecast.models.transforms import choose_transform

__all__ = ["Drift", "Naive", "SeasonalNaive"]


def _sigma(residuals: np.ndarray) -> float:
    return float(np.std(residuals, ddof=1)) if len(residuals) > 1 else float(abs(residuals[0]))


class _Baseline(PerSeriesModel):
    """What the baselines share: the transform parameter and its check."""

    transform: str

    def check_params(self) -> None:
        check_choice(self.transform, "transform", ("auto", "log", "sqrt", "none"))


class Naive(_Baseline):
    """Persistence: every future value is the last observation (a random walk).

    Parameters
    ----------
    transform
        ``"auto"`` (log, or square root if the series has zeros), ``"log"``, ``"sqrt"``, ``"none"``.

    Examples
    --------
    >>> import odforecast
    >>> from odforecast.models import Naive
    >>> us = odforecast.load_dataset("us_annual").query(
    ...     "indicator == 'opioids' and estimate == 'reported'")
    >>> fc = Naive().fit(us).forecast(3, n_samples=200, random_seed=1)
    >>> fc.samples.sizes["time"]
    3
    """

    name = "naive"

    def __init__(self, transform: str = "auto") -> None:
        self.transform = transform

    def _fit_series(self, series: Series, exog: np.ndarray | None) -> tuple[Any, dict[str, Any]]:
        t = choose_transform(self.transform, series.values, series.label)
        z = t.forward(series.values)
        sigma = _sigma(np.diff(z))
        return (t, z[-1], sigma), {"transform": t.kind, "sigma": sigma}

    def _sample_series(self, state: Any, horizon: int, n_samples: int,
                       rng: np.random.Generator, exog_future: np.ndarray | None) -> np.ndarray:
        t, last, sigma = state
        steps = rng.normal(0.0, sigma, size=(n_samples, horizon))
        return t.inverse(last + np.cumsum(steps, axis=1))


class Drift(_Baseline):
    """Random walk with drift: the average historical change continues.

    Slope uncertainty is included: each path draws its own slope from its sampling distribution.

    Parameters
    ----------
    transform
        As for :class:`Naive`.

    Examples
    --------
    >>> import odforecast
    >>> us = odforecast.load_dataset("us_annual").query(
    ...     "indicator == 'opioids' and estimate == 'reported'")
    >>> fitted = odforecast.Drift().fit(us)
    >>> fitted.diagnostics.loc[0, "transform"]
    'log'
    >>> fc = fitted.forecast(5, n_samples=500, random_seed=1)
    >>> fc.horizon, bool((fc.samples >= 0).all())
    (5, True)
    """

    name = "drift"

    def __init__(self, transform: str = "auto") -> None:
        self.transform = transform

    def _min_length(self, frequency: str) -> int:
        # two changes: one estimates the drift, the second the spread around it (with one
        # change the spread would be 0 and every interval zero-width)
        return 3

    def _fit_series(self, series: Series, exog: np.ndarray | None) -> tuple[Any, dict[str, Any]]:
        t = choose_transform(self.transform, series.values, series.label)
        z = t.forward(series.values)
        steps = np.diff(z)
        slope = float(steps.mean())
        sigma = _sigma(steps - slope)
        return (t, z[-1], slope, sigma, len(steps)), {"transform": t.kind, "slope": slope,
                                                       "sigma": sigma}

    def _sample_series(self, state: Any, horizon: int, n_samples: int,
                       rng: np.random.Generator, exog_future: np.ndarray | None) -> np.ndarray:
        t, last, slope, sigma, n_steps = state
        slopes = rng.normal(slope, sigma / np.sqrt(n_steps), size=(n_samples, 1))
        steps = rng.normal(0.0, sigma, size=(n_samples, horizon))
        h = np.arange(1, horizon + 1)
        return t.inverse(last + slopes * h + np.cumsum(steps, axis=1))


class SeasonalNaive(_Baseline):
    """Each future value equals the value one season earlier.

    Parameters
    ----------
    season_length
        Periods per season; default 12 for monthly, 4 for quarterly and 1 otherwise (a
        12-month-ending series has no seasonality left, so it reduces to :class:`Naive`).
    transform
        As for :class:`Naive`.

    Examples
    --------
    Quarterly apparent opioid toxicity deaths in Canada (season length 4):

    >>> import odforecast
    >>> canada = odforecast.load_dataset("canada_quarterly").query("location == 'CA'")
    >>> fitted = odforecast.SeasonalNaive().fit(canada)
    >>> int(fitted.diagnostics.loc[0, "season_length"])
    4
    >>> fitted.forecast(4, n_samples=200, random_seed=1).horizon
    4
    """

    name = "seasonal_naive"

    def __init__(self, season_length: int | None = None, transform: str = "auto") -> None:
        self.season_length = season_length
        self.transform = transform

    def check_params(self) -> None:
        super().check_params()
        check_int(self.season_length, "season_length", minimum=1, allow_none=True)

    def _period(self, frequency: str) -> int:
        if self.season_length is not None:
            return int(self.season_length)
        return {"monthly": 12, "quarterly": 4, "semiannual": 2}.get(frequency, 1)

    def _min_length(self, frequency: str) -> int:
        return self._period(frequency) + 1

    def _fit_series(self, series: Series, exog: np.ndarray | None) -> tuple[Any, dict[str, Any]]:
        t = choose_transform(self.transform, series.values, series.label)
        z = t.forward(series.values)
        m = self._period(series.frequency)
        sigma = _sigma(z[m:] - z[:-m])
        return (t, z[-m:], m, sigma), {"transform": t.kind, "season_length": m, "sigma": sigma}

    def _sample_series(self, state: Any, horizon: int, n_samples: int,
                       rng: np.random.Generator, exog_future: np.ndarray | None) -> np.ndarray:
        t, last_season, m, sigma = state
        paths = np.empty((n_samples, m + horizon))
        paths[:, :m] = last_season
        noise = rng.normal(0.0, sigma, size=(n_samples, horizon))
        for h in range(horizon):
            paths[:, m + h] = paths[:, h] + noise[:, h]
        return t.inverse(paths[:, m:])
