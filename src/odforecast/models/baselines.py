"""Baseline forecasters: naive persistence, drift and seasonal naive, with sample paths.

They work on a transformed scale (log, or square root for series with zeros; unlike ARIMA's,
their ``"auto"`` is the log for 12-month-ending series too) so their paths are non-negative,
and their noise is Gaussian with the residual standard deviation
(Hyndman & Athanasopoulos, *Forecasting: Principles and Practice*, 3rd ed., section 5.5).

Withheld and censored cells after a series' first shown value are missing values
(:mod:`odforecast.models.missing`): the baselines are random walks, so a change over ``k``
periods has ``k`` times the variance of a one-period change, and the estimates use the changes
between consecutive shown values scaled accordingly.  Naive and seasonal naive persist the
last shown value (of each season); drift's slope is the change between the first and last shown
values over the periods between them.  Forecasts start after the series' last period: when the
last periods are withheld, the paths walk through them from the last shown value, so their
spread includes the withheld stretch.  The fitted level at a censored cell (the random walk's
bridge between its shown neighbours) is checked against the cell's bound.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from odforecast.errors import DataError
from odforecast.models.base import PerSeriesModel
from odforecast.models.missing import bridge, check_censored, increments
from odforecast.models.params import check_choice, check_int
from odforecast.models.series import Series
from odforecast.models.transforms import Transform, choose_transform

__all__ = ["Drift", "Naive", "SeasonalNaive"]


def _walk_sigma(steps: np.ndarray, spans: np.ndarray, slope: float | None = None) -> float:
    """Standard deviation of a one-period step from changes over ``spans`` periods each.

    Without ``slope`` (persistence: a walk whose steps have mean 0), the root mean square of the
    scaled changes ``steps / sqrt(spans)``, the maximum-likelihood estimate under that model
    (as ``forecast::naive`` and ``snaive``); with it (drift), the root mean square of
    ``(steps - slope * spans) / sqrt(spans)`` on ``n - 1`` degrees of freedom.  Both are the
    usual estimates when every span is 1.

    Examples
    --------
    A series that rises by 2 every period, give or take 1: persistence must count the rise
    as part of its spread (it forecasts no rise), the drift does not.

    >>> steps, spans = np.array([1.0, 3.0, 1.0, 3.0]), np.ones(4)
    >>> round(_walk_sigma(steps, spans), 3), round(_walk_sigma(steps, spans, slope=2.0), 3)
    (2.236, 1.155)
    """
    scaled = steps / np.sqrt(spans)
    if slope is None:
        # centring the changes on their mean would estimate the spread of a walk *with* a
        # drift that persistence then leaves out: intervals too narrow wherever the series
        # trends (decade backtest: 80 % intervals covered 0 of 50 outcomes at h 6-10)
        return float(np.sqrt(np.mean(scaled**2)))
    resid = (steps - slope * spans) / np.sqrt(spans)
    return float(np.sqrt(np.sum(resid**2) / max(len(resid) - 1, 1)))


def _gap(z: np.ndarray) -> int:
    """Periods after the last shown value (withheld at the end of the series)."""
    return len(z) - 1 - int(np.flatnonzero(np.isfinite(z))[-1])


class _Baseline(PerSeriesModel):
    """What the baselines share: the transform parameter and its check, missing values."""

    transform: str
    handles_missing = True

    def check_params(self) -> None:
        check_choice(self.transform, "transform", ("auto", "log", "sqrt", "none"))

    def _censor_check(self, series: Series, t: Transform, z: np.ndarray, sigma: float,
                      slope: float = 0.0, period: int = 1) -> str:
        """Check censored cells against the walk's bridge (of each season) between shown
        values."""
        if not series.censored.any():
            return ""
        mean, sd = np.full(len(z), np.nan), np.full(len(z), np.nan)
        for start in range(period):
            mean[start::period], sd[start::period] = bridge(z[start::period], sigma, slope)
        return check_censored(series, t, mean, sd, model_name=self.name)


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
        sigma = _walk_sigma(*increments(z))
        last = float(z[np.isfinite(z)][-1])
        gap = _gap(z)
        check = self._censor_check(series, t, z, sigma)
        return (t, last, sigma, gap), {"transform": t.kind, "sigma": sigma,
                                       "censor_check": check}

    def _sample_series(self, state: Any, horizon: int, n_samples: int,
                       rng: np.random.Generator, exog_future: np.ndarray | None) -> np.ndarray:
        t, last, sigma, gap = state
        # the walk goes on from the last shown value through the withheld periods at the end
        steps = rng.normal(0.0, sigma, size=(n_samples, gap + horizon))
        return t.inverse(last + np.cumsum(steps, axis=1)[:, gap:])


class Drift(_Baseline):
    """Random walk with drift: the average historical change continues.

    Parameter uncertainty is included: each path draws its own spread and slope from their
    posterior under a flat prior (the spread from its chi-squared distribution, the slope given
    the spread), so the forecast intervals are Student-t ones, wider than the plug-in normal
    ones on short series.

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

    def _simpler_models(self) -> list[PerSeriesModel]:
        return [Naive(self.transform)]

    def _fit_series(self, series: Series, exog: np.ndarray | None) -> tuple[Any, dict[str, Any]]:
        t = choose_transform(self.transform, series.values, series.label)
        z = t.forward(series.values)
        steps, spans = increments(z)
        elapsed = int(spans.sum())  # periods from the first to the last shown value
        # the maximum-likelihood slope of a walk seen at uneven times: total change over the
        # elapsed time (the mean change when nothing is missing)
        slope = float(steps.sum() / elapsed)
        sigma = _walk_sigma(steps, spans, slope)
        last = float(z[np.isfinite(z)][-1])
        check = self._censor_check(series, t, z, sigma, slope)
        dof = max(len(steps) - 1, 1)  # the slope is estimated from the changes
        return (t, last, slope, sigma, elapsed, dof, _gap(z)), {
            "transform": t.kind, "slope": slope, "sigma": sigma, "censor_check": check}

    def _sample_series(self, state: Any, horizon: int, n_samples: int,
                       rng: np.random.Generator, exog_future: np.ndarray | None) -> np.ndarray:
        t, last, slope, sigma, elapsed, dof, gap = state
        # the exact predictive of a random walk with drift under the flat prior on (slope,
        # log sigma): each path draws its spread, sigma^2 = SSR / chi2(dof), then its slope
        # given that spread; plugging in the estimated spread left out its own uncertainty
        # (decade backtest: 80 % intervals covered 0.66 of the outcomes at horizons 6-10)
        sigmas = sigma * np.sqrt(dof / rng.chisquare(dof, size=(n_samples, 1)))
        slopes = rng.normal(slope, sigmas / np.sqrt(elapsed))
        steps = rng.normal(0.0, 1.0, size=(n_samples, gap + horizon)) * sigmas
        h = np.arange(gap + 1, gap + horizon + 1)  # periods after the last shown value
        return t.inverse(last + slopes * h + np.cumsum(steps, axis=1)[:, gap:])


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

    def _simpler_models(self) -> list[PerSeriesModel]:
        return [Drift(self.transform), Naive(self.transform)]

    def _fit_series(self, series: Series, exog: np.ndarray | None) -> tuple[Any, dict[str, Any]]:
        t = choose_transform(self.transform, series.values, series.label)
        z = t.forward(series.values)
        m = self._period(series.frequency)
        empty = [start for start in range(m) if not np.isfinite(z[start::m]).any()]
        if empty:
            raise DataError(f"series {series.label} shows no value for the season of the "
                            f"period ending {series.time[empty[0]].date()} (nor of any period "
                            f"{m} periods before or after), so {self.name} has nothing to "
                            "continue that season from", hint="use model 'naive' or 'drift'")
        # each season is its own walk: changes between its consecutive shown values
        parts = [increments(z[start::m]) for start in range(m)]
        steps = np.concatenate([p[0] for p in parts])
        spans = np.concatenate([p[1] for p in parts])
        if steps.size == 0:
            raise DataError(f"series {series.label} has no season with two shown values; "
                            f"{self.name} cannot estimate its spread",
                            hint="use model 'naive' or a longer series")
        sigma = _walk_sigma(steps, spans)
        check = self._censor_check(series, t, z, sigma, period=m)
        return (t, z, m, sigma), {"transform": t.kind, "season_length": m, "sigma": sigma,
                                  "censor_check": check}

    def _sample_series(self, state: Any, horizon: int, n_samples: int,
                       rng: np.random.Generator, exog_future: np.ndarray | None) -> np.ndarray:
        t, z, m, sigma = state
        n = len(z)
        # Each future period continues its season's walk from that season's last shown value;
        # withheld periods in between (at the end of the series) are walked through first.
        fill = []
        for start in sorted({(n + h) % m for h in range(horizon)}):
            last = int(np.flatnonzero(np.isfinite(z[start::m]))[-1])  # fit checked there is one
            fill.extend(range(start + (last + 1) * m, n, m))
        order = sorted(fill) + list(range(n, n + horizon))
        noise = rng.normal(0.0, sigma, size=(n_samples, len(order)))
        paths = np.empty((n_samples, n + horizon))
        paths[:, :n] = z
        for column, index in enumerate(order):
            paths[:, index] = paths[:, index - m] + noise[:, column]
        return t.inverse(paths[:, n:])
