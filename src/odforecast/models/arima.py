"""ARIMA on statsmodels' SARIMAX, with automatic order selection and sample paths.

Order selection follows Hyndman & Khandakar (2008), the algorithm behind R's
``forecast::auto.arima``: the number of differences ``d`` from repeated KPSS tests, seasonal
differencing ``D`` from the strength of seasonality, then a stepwise search over ``(p, q)(P, Q)``
and the constant, minimising AICc.  Counts are modelled on the log scale (square root if the
series has zeros); sample paths are simulated on that scale and transformed back, so every path
is non-negative and the mean is not biased by the back-transform.  Parameter uncertainty is not
propagated (as in ``auto.arima``); the backtest measures whether the intervals are calibrated.

For CDC's 12-month-ending series the model sees a moving annual sum: consecutive values overlap
by 11 months, so the series is smooth and has no seasonality left.  ARIMA treats it as an ordinary
series (no seasonal terms); the strong autocorrelation induced by the overlap is absorbed by the
differencing and the MA terms, and forecasts are again 12-month-ending counts.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from odforecast.errors import DataError
from odforecast.models.base import PerSeriesModel
from odforecast.models.baselines import Drift, Naive
from odforecast.models.series import Series
from odforecast.models.transforms import Transform, choose_transform

__all__ = ["ARIMA"]

_SEASON = {"monthly": 12, "quarterly": 4}


class ARIMA(PerSeriesModel):
    """(Seasonal) ARIMA with automatic or fixed orders.

    Parameters
    ----------
    order
        ``(p, d, q)`` to fix the orders; None selects them automatically.
    seasonal_order
        ``(P, D, Q)`` (the period comes from the frequency) when ``order`` is fixed.
    seasonal
        Whether to consider seasonal terms; default True for monthly and quarterly series.
        12-month-ending and annual series are never seasonal.
    transform
        ``"auto"`` (log, or square root if the series has zeros), ``"log"``, ``"sqrt"``, ``"none"``.
    max_p, max_q, max_P, max_Q, max_d, max_D
        Limits of the automatic search.
    max_models
        Most candidate models the stepwise search fits per series.
    fallback
        ``"drift"``, ``"naive"`` or None: model used (and recorded in the diagnostics) when a
        series cannot be fitted.

    Examples
    --------
    >>> import odforecast
    >>> from odforecast.models import ARIMA
    >>> us = odforecast.load_dataset("us_monthly_12m").query(
    ...     "indicator == 'opioids' and estimate == 'reported'")
    >>> fitted = ARIMA().fit(us)
    >>> fc = fitted.forecast(12, n_samples=500, random_seed=42)
    >>> fc.to_frame()[["period_end", "median", "lower_95", "upper_95"]].shape
    (12, 4)
    """

    name = "arima"
    supports_exog = True

    def __init__(self, order: tuple[int, int, int] | None = None,
                 seasonal_order: tuple[int, int, int] | None = None, *,
                 seasonal: bool | None = None, transform: str = "auto", max_p: int = 3,
                 max_q: int = 3, max_P: int = 1, max_Q: int = 1, max_d: int = 2,  # noqa: N803
                 max_D: int = 1, max_models: int = 30, fallback: str | None = "drift") -> None:  # noqa: N803
        self.order = order
        self.seasonal_order = seasonal_order
        self.seasonal = seasonal
        self.transform = transform
        self.max_p = max_p
        self.max_q = max_q
        self.max_P = max_P
        self.max_Q = max_Q
        self.max_d = max_d
        self.max_D = max_D
        self.max_models = max_models
        self.fallback = fallback

    # -- contract -------------------------------------------------------------------------------
    def _season(self, frequency: str) -> int:
        if frequency not in _SEASON or self.seasonal is False:
            return 1
        return _SEASON[frequency]

    def _min_length(self, frequency: str) -> int:
        if self.order is not None:
            p, d, q = self.order
            return max(p + d + q + 2, 4)
        return 6

    def _fallback(self) -> PerSeriesModel | None:
        if self.fallback is None:
            return None
        if self.fallback not in {"drift", "naive"}:
            raise DataError(f"fallback must be 'drift', 'naive' or None; got {self.fallback!r}",
                            column="fallback")
        return Drift(self.transform) if self.fallback == "drift" else Naive(self.transform)

    def _fit_series(self, series: Series, exog: np.ndarray | None) -> tuple[Any, dict[str, Any]]:
        transform = choose_transform(self.transform, series.values, series.label)
        z = transform.forward(series.values)
        m = self._season(series.frequency)
        if self.order is not None:
            seasonal = tuple(self.seasonal_order or (0, 0, 0))
            if m == 1 and any(seasonal):
                raise DataError(f"series {series.label} is {series.frequency}: it has no "
                                "seasonal period, so seasonal_order must be (0, 0, 0)",
                                column="seasonal_order")
            d, D = self.order[1], seasonal[1]  # noqa: N806
            spec = (tuple(self.order), (*seasonal, m if any(seasonal) else 0),
                    "c" if d + D <= 1 else "n")
            result = _fit_sarimax(z, exog, *spec)
            tried = 1
        else:
            result, spec, tried = self._search(z, exog, m)
        order, seasonal_order, trend = spec
        diag = {
            "transform": transform.kind,
            "order": str(order),
            "seasonal_order": str(seasonal_order),
            "constant": trend == "c",
            "converged": bool(result.mle_retvals.get("converged", True))
            if result.mle_retvals else True,
            "aicc": float(result.aicc),
            "ljung_box_p": _ljung_box_p(result, order[1] + seasonal_order[1] * max(m, 1)),
            "models_tried": tried,
        }
        state = (transform, z, exog, spec, np.asarray(result.params))
        return state, diag

    def _sample_series(self, state: Any, horizon: int, n_samples: int,
                       rng: np.random.Generator, exog_future: np.ndarray | None) -> np.ndarray:
        transform, z, exog, spec, params = state
        transform: Transform
        model = _sarimax(z, exog, *spec)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = model.smooth(params)
            sims = result.simulate(horizon, repetitions=n_samples, anchor="end",
                                   exog=exog_future, rng=rng)
        sims = np.asarray(sims).reshape(horizon, n_samples).T
        return transform.inverse(sims)

    # -- automatic order selection --------------------------------------------------------------
    def _search(self, z: np.ndarray, exog: np.ndarray | None, m: int):
        d = _ndiffs(z, self.max_d)
        D = _nsdiffs(z, m, self.max_D) if m > 1 else 0  # noqa: N806
        if D and d:
            d = min(d, _ndiffs(_seasonal_difference(z, m), self.max_d))
        fitted: dict[tuple, Any] = {}

        def score(p: int, q: int, P: int, Q: int, constant: bool) -> float:  # noqa: N803
            key = (p, q, P, Q, constant)
            if key in fitted:
                return fitted[key][0]
            if len(fitted) >= self.max_models:
                return np.inf
            spec = ((p, d, q), (P, D, Q, m if (P or D or Q) else 0), "c" if constant else "n")
            try:
                result = _fit_sarimax(z, exog, *spec)
                value = float(result.aicc)
                value = value if np.isfinite(value) else np.inf
            except (ValueError, np.linalg.LinAlgError):
                result, value = None, np.inf
            fitted[key] = (value, result, spec)
            return value

        allow_constant = d + D <= 1
        seasonal = m > 1
        start = [(2, 2, 1, 1), (0, 0, 0, 0), (1, 0, 1, 0), (0, 1, 0, 1)]
        best = None
        for p, q, P, Q in start:  # noqa: N806
            p, q = min(p, self.max_p), min(q, self.max_q)
            P, Q = (min(P, self.max_P), min(Q, self.max_Q)) if seasonal else (0, 0)  # noqa: N806
            cand = (p, q, P, Q, allow_constant)
            s = score(*cand)
            if best is None or s < best[0]:
                best = (s, cand)
        improved = True
        while improved and len(fitted) < self.max_models:
            improved = False
            p, q, P, Q, c = best[1]  # noqa: N806
            moves = [(p + dp, q + dq, P, Q, c) for dp, dq in
                     [(-1, 0), (1, 0), (0, -1), (0, 1), (-1, -1), (1, 1), (-1, 1), (1, -1)]]
            if seasonal:
                moves += [(p, q, P + dP, Q + dQ, c) for dP, dQ in
                          [(-1, 0), (1, 0), (0, -1), (0, 1), (-1, -1), (1, 1)]]
            if allow_constant:
                moves.append((p, q, P, Q, not c))
            for cand in moves:
                cp, cq, cP, cQ, _ = cand  # noqa: N806
                if not (0 <= cp <= self.max_p and 0 <= cq <= self.max_q
                        and 0 <= cP <= self.max_P and 0 <= cQ <= self.max_Q):
                    continue
                s = score(*cand)
                if s < best[0]:
                    best = (s, cand)
                    improved = True
                    break
        value, result, spec = fitted[best[1]]
        if result is None or not np.isfinite(value):
            raise RuntimeError("no candidate ARIMA model could be fitted")
        return result, spec, len(fitted)


def _sarimax(z, exog, order, seasonal_order, trend):
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    return SARIMAX(z, exog=exog, order=order, seasonal_order=seasonal_order, trend=trend)


def _fit_sarimax(z, exog, order, seasonal_order, trend):
    model = _sarimax(z, exog, order, seasonal_order, trend)
    # cov_type="none": parameter standard errors are not used, and skipping the numerical
    # Hessian makes each candidate fit several times faster.
    return model.fit(disp=False, method="lbfgs", maxiter=200, cov_type="none")


def _ndiffs(z: np.ndarray, max_d: int, alpha: float = 0.05) -> int:
    """Number of first differences until the KPSS test no longer rejects stationarity."""
    from statsmodels.tsa.stattools import kpss

    d, x = 0, np.asarray(z, dtype=float)
    while d < max_d and len(x) > 4:
        if np.ptp(x) == 0:
            break
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # InterpolationWarning at the table's ends
            p_value = kpss(x, regression="c", nlags="auto")[1]
        if p_value >= alpha:
            break
        x = np.diff(x)
        d += 1
    return d


def _seasonal_difference(z: np.ndarray, m: int) -> np.ndarray:
    return z[m:] - z[:-m]


def _nsdiffs(z: np.ndarray, m: int, max_D: int) -> int:  # noqa: N803
    """Seasonal differences (0 or 1) from the seasonal strength of an STL decomposition, the
    default rule of R's ``forecast::nsdiffs`` (difference when strength > 0.64)."""
    if max_D < 1 or len(z) < 2 * m + 1:
        return 0
    from statsmodels.tsa.seasonal import STL

    fit = STL(z, period=m, robust=True).fit()
    remainder, seasonal = fit.resid, fit.seasonal
    strength = max(0.0, 1 - np.var(remainder) / np.var(remainder + seasonal))
    return int(strength > 0.64)


def _ljung_box_p(result, burn: int) -> float:
    from statsmodels.stats.diagnostic import acorr_ljungbox

    resid = np.asarray(result.resid)[burn:]
    lags = min(10, max(1, len(resid) // 5))
    if len(resid) <= lags + 1 or np.ptp(resid) == 0:
        return float("nan")
    return float(acorr_ljungbox(resid, lags=[lags])["lb_pvalue"].iloc[0])
