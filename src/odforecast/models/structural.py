"""A structural trend model of the monthly deaths behind CDC's 12-month-ending counts.

CDC publishes provisional overdose deaths as 12-month-ending sums: each window shares 11
months with the one before, and its change is the difference of two months a year apart,
``y_t - y_{t-1} = x_t - x_{t-12}``.  A model of the published series (ARIMA, exponential
smoothing) extrapolates the window's own slope; it does not know that a window ending in
January 2024 still holds the high months of early 2023 that the next windows will drop.
:class:`StructuralTrend` models the months: a structural time-series model of the monthly
count (a level that moves as a random walk, optionally with a slope, plus noise) observed
exactly through the 12-month sums (Harvey 1989, *Forecasting, Structural Time Series Models
and the Kalman Filter*, section 6.3 on temporal aggregation).  The Kalman filter recovers the
monthly level at the origin from the windows, and each forecast window sums the months still
in it with forecast months: a year ahead the window is about 12 times the latest monthly level,
whatever the window's own slope was.  Given the choice, the data chose no slope (a slope
estimated with free damping died within a month on 97 % of the benchmark's fits), so the
default is the local level.

On the forecast-accuracy benchmark (90 VSRR series, 13 origins, h 1-12) it was the most
accurate single model, ahead of statsforecast's AutoARIMA and of odforecast's ARIMA and
Bayesian models, most of all where the trend turned (the 2023-24 fall):
``benchmarks/forecast_accuracy/structural.py``.

Only 12-month-ending series are accepted: on annual counts the same model (a window of one
period) is a random walk that cannot follow a decade-long rise (decade backtest on US opioid
deaths: 2.9 x Drift's WIS; 2.1-2.3 x with a slope), and monthly or quarterly counts would need
seasonality, which it does not have.  ``window`` in the state space stays general.

Disturbances.  Level, slope and month noise are Gaussian with standard deviations proportional
to the series' level to the power ``level_power`` (default 0.5: variances proportional to the
level, as for counts; the level of each period is the previous published value).  The
forecast of every window is that Gaussian's mean and variance; sample paths have log-normal
margins with exactly that mean and variance (a count cannot be negative; nothing is clipped)
and the dependence across horizons of the Gaussian paths (a Gaussian copula).

Missing values.  A series starts at its first shown value; a later withheld or censored window
is a missing observation, which the Kalman filter skips; when the last windows are withheld,
the filter predicts through them and the forecast starts after the series' last period.  At a
censored cell the smoothed value is checked against the bound
(:func:`odforecast.models.missing.check_censored`).
"""

from __future__ import annotations

import warnings
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from odforecast.errors import DataError, ParameterError
from odforecast.models.arima_paths import covariance_root
from odforecast.models.base import PerSeriesModel
from odforecast.models.baselines import Drift, Naive
from odforecast.models.missing import check_censored
from odforecast.models.params import check_choice, check_number
from odforecast.models.series import Series
from odforecast.models.transforms import Transform

__all__ = ["StructuralTrend"]

#: Periods summed by one published value, by frequency (1 for the others).
WINDOWS = {"12m_ending": 12}


class StructuralState(NamedTuple):
    """What sampling needs from a fit (all on the scaled count scale)."""

    label: str
    window: int
    scale: float
    state: np.ndarray
    state_cov: np.ndarray
    transition: np.ndarray
    disturbance_cov: np.ndarray
    selection: np.ndarray
    last_time: pd.Timestamp


class StructuralTrend(PerSeriesModel):
    """Structural model of the monthly counts, observed through the published windows.

    For CDC's 12-month-ending counts (the only frequency it accepts): the monthly count is a
    level that moves as a random walk (optionally with a slope) plus noise, and each published
    value is the exact sum of 12 months (see the module docstring).  Fitted by maximum
    likelihood (Kalman filter, exact diffuse start), in a fraction of a second per series.

    Parameters
    ----------
    slope
        ``"none"`` (default): a local level, no slope — the forecast windows move towards 12
        times the latest monthly level; ``"damped"``: a slope that decays,
        ``slope_t = phi * slope_{t-1} + noise``, ``phi`` estimated in ``[min_damping, 1]``;
        ``"persistent"``: ``phi = 1``, a local linear trend.  On the benchmark a damped slope
        with ``phi`` free in ``[0, 1]`` was estimated below 0.05 on 97 % of the fits, i.e. no
        slope, and no better; bounding ``phi`` at 0.8 (a slope that lasts) or 1 made the
        forecasts worse (module docstring).
    min_damping
        Lower bound of ``phi`` with ``slope="damped"`` (default 0).
    level_power
        Disturbance standard deviations proportional to the series' level to this power (0:
        constant, 0.5: variances proportional to the level, as for counts; 1: proportional
        standard deviations).  Default 0.5, chosen by benchmark.
    fallback
        ``"drift"``, ``"naive"`` or None: the model used (and recorded in the diagnostics)
        when a series cannot be fitted.

    Examples
    --------
    >>> import odforecast
    >>> us = odforecast.load_dataset("us_monthly_12m").query(
    ...     "indicator == 'opioids' and estimate == 'reported'")
    >>> fitted = odforecast.StructuralTrend().fit(us)
    >>> int(fitted.diagnostics.loc[0, "window"])
    12
    >>> fc = fitted.forecast(12, n_samples=500, random_seed=1)
    >>> table = fc.to_frame()
    >>> bool((table["lower_95"] > 0).all()), bool(table["median"].iloc[11] < 45_000)
    (True, True)
    """

    name = "structural"
    handles_missing = True

    def __init__(self, slope: str = "none", min_damping: float = 0.0,
                 level_power: float = 0.5, fallback: str | None = "drift") -> None:
        self.slope = slope
        self.min_damping = min_damping
        self.level_power = level_power
        self.fallback = fallback

    def check_params(self) -> None:
        check_choice(self.slope, "slope", ("none", "damped", "persistent"))
        for parameter in ("min_damping", "level_power"):
            value = check_number(getattr(self, parameter), parameter)
            if not 0.0 <= value <= 1.0:
                raise ParameterError(f"must be between 0 and 1; got {value!r}",
                                     parameter=parameter)
        check_choice(self.fallback, "fallback", ("drift", "naive", None))

    def _min_length(self, frequency: str) -> int:
        # the level (and slope) are diffuse and two to four parameters need a few values
        # more, and the months are told apart only with a year more (other frequencies are
        # refused by _prepare, after this check)
        return WINDOWS[frequency] + 11 if frequency in WINDOWS else 0

    def _prepare(self, data: pd.DataFrame) -> list[Series]:
        series = super()._prepare(data)
        for s in series:
            if s.frequency not in WINDOWS:
                # measured on annual US opioid deaths (benchmarks/decade_backtest): with a
                # window of one year the local level is a random walk, 2.9 x Drift's WIS ten
                # years ahead, 80 % intervals covering 2 % of the outcomes at 6-10 years
                raise DataError(
                    f"series {s.label} is {s.frequency}: {self.name} models the months behind "
                    "12-month-ending counts (CDC's provisional series) and is not made for "
                    f"{s.frequency} data", column="frequency",
                    hint="use model 'arima' or 'drift' (or 'bayes' for counts)")
        return series

    def _fallback(self) -> PerSeriesModel | None:
        return {"drift": Drift(), "naive": Naive(), None: None}[self.fallback]

    def _simpler_models(self) -> list[PerSeriesModel]:
        return [Drift(), Naive()]

    def _fit_series(self, series: Series, exog: np.ndarray | None) -> tuple[Any, dict[str, Any]]:
        from odforecast.models._structural_ssm import (
            WindowedTrend,
            standard_deviations,
            transition_matrix,
        )

        window = WINDOWS[series.frequency]  # _prepare refused the other frequencies
        values = np.asarray(series.values, dtype=float)
        shown = values[np.isfinite(values)]
        scale = float(np.mean(shown[-min(12, shown.size):])) / window
        if not scale > 0:
            raise DataError(f"series {series.label}: its latest shown values are all 0, so "
                            f"{self.name} has no level to scale its noise by",
                            hint="use model 'bayes' (counts) or 'naive'")
        z = values / scale

        def disturbance_scale(published: np.ndarray) -> np.ndarray:
            """s_t from the published value before period t (its level per period, at least
            one death)."""
            return np.maximum(published / window, 1.0 / scale) ** self.level_power

        # each period's disturbances scale with the previous published level per period
        disturbance = disturbance_scale(pd.Series(z).ffill().shift(1).bfill().to_numpy())
        endog = np.r_[np.full(window, np.nan), z]
        disturbance = np.r_[np.full(window, disturbance[0]), disturbance]
        model = WindowedTrend(endog, disturbance, window, self.slope, self.min_damping)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = model.fit(disp=False, maxiter=500)
        params = np.asarray(result.params, dtype=float)
        sds, phi = standard_deviations(self.slope, params)
        if not np.all(np.isfinite(params)) or not np.isfinite(result.llf):
            raise DataError(f"series {series.label}: the {self.name} likelihood did not "
                            "converge to finite estimates", hint="use model 'arima'")
        last_level = disturbance_scale(z[np.isfinite(z)][-1])  # for every forecast period
        state = StructuralState(
            label=series.label, window=window, scale=scale,
            state=np.asarray(result.predicted_state[:, -1], dtype=float),
            state_cov=np.asarray(result.predicted_state_cov[:, :, -1], dtype=float),
            transition=transition_matrix(window, phi),
            disturbance_cov=np.diag(sds**2) * last_level**2,
            selection=np.array(model["selection"], dtype=float),
            last_time=series.time[-1])
        diag = {
            "window": window,
            "slope": self.slope,
            "level_power": self.level_power,
            # per period, as fractions of the latest level per period
            "sigma_level": float(sds[0]),
            "sigma_slope": float(sds[1]),
            "sigma_month": float(sds[2]),
            "phi": phi,
            "loglik": float(result.llf),
            "converged": bool(result.mle_retvals.get("converged", False)),
            "censor_check": "",
        }
        if series.censored.any():
            smoother = result.smoother_results
            mean = np.asarray(smoother.smoothed_forecasts, dtype=float)[0, window:] * scale
            var = np.asarray(smoother.smoothed_forecasts_error_cov, dtype=float)[0, 0]
            sd = np.sqrt(np.maximum(var[window:], 0.0)) * scale
            diag["censor_check"] = check_censored(series, Transform("none"), mean, sd,
                                                  model_name=self.name)
        return state, diag

    def _sample_series(self, state: Any, horizon: int, n_samples: int,
                       rng: np.random.Generator, exog_future: np.ndarray | None) -> np.ndarray:
        return sample_windows(state, horizon, n_samples, rng)


def sample_windows(state: StructuralState, horizon: int, n_samples: int,
                   rng: np.random.Generator) -> np.ndarray:
    """Sample paths ``(n_samples, horizon)`` of the published value (counts, > 0).

    The state is drawn from its filtered distribution at the first forecast period and
    propagated with fresh disturbances; the Gaussian paths of each window are mapped to a
    log-normal with the same mean and variance, rank for rank (a Gaussian copula).

    Examples
    --------
    >>> import odforecast
    >>> us = odforecast.load_dataset("us_monthly_12m").query(
    ...     "indicator == 'opioids' and estimate == 'reported'")
    >>> state = odforecast.StructuralTrend().fit(us).results[0].state
    >>> paths = sample_windows(state, 12, 1000, np.random.default_rng(0))
    >>> paths.shape, bool((paths > 0).all())
    ((1000, 12), True)
    """
    mean = state.state.copy()
    cov = state.state_cov.copy()
    noise_root = state.selection @ covariance_root(state.disturbance_cov)
    noise_cov = noise_root @ noise_root.T
    draws = mean + rng.standard_normal((n_samples, mean.size)) @ covariance_root(cov).T
    window = slice(2, 2 + state.window)
    gaussian = np.empty((n_samples, horizon))
    means, sds = np.empty(horizon), np.empty(horizon)
    for h in range(horizon):
        if h:
            mean = state.transition @ mean
            cov = state.transition @ cov @ state.transition.T + noise_cov
            draws = (draws @ state.transition.T
                     + rng.standard_normal((n_samples, noise_root.shape[1])) @ noise_root.T)
        gaussian[:, h] = draws[:, window].sum(axis=1)
        means[h] = mean[window].sum()
        sds[h] = np.sqrt(max(cov[window, window].sum(), 0.0))
    if np.any(means <= 0):
        h = int(np.argmax(means <= 0))
        raise DataError(f"series {state.label}: the structural trend's expected value "
                        f"{h + 1} periods after {state.last_time.date()} is not positive (the "
                        "fitted decline runs down to zero)",
                        hint="counts this small are for model 'bayes' (negative binomial)")
    spread = np.log1p((sds / means) ** 2)  # variance of the log
    with np.errstate(invalid="ignore", divide="ignore"):
        standard = np.where(sds > 0, (gaussian - means) / np.where(sds > 0, sds, 1.0), 0.0)
    return state.scale * means * np.exp(np.sqrt(spread) * standard - spread / 2)
