"""ARIMA on statsmodels' SARIMAX, with automatic order selection and sample paths.

Order selection follows Hyndman & Khandakar (2008), the algorithm behind R's
``forecast::auto.arima``: the number of differences ``d`` from repeated KPSS tests, seasonal
differencing ``D`` from the strength of seasonality, then a stepwise search over ``(p, q)(P, Q)``
and the constant, minimising AICc.  Counts are modelled on the log scale (the square root for
12-month-ending series and for series with zeros); sample paths are simulated on that scale
and transformed back, so every path is non-negative and the mean is not biased by the
back-transform.  Unlike ``auto.arima``, the paths include the uncertainty of the estimated
parameters: each block of paths has its own parameter vector
(:mod:`odforecast.models.parameter_draws`), and all paths are simulated at once in NumPy from
the state-space form (:mod:`odforecast.models.arima_paths`).

For CDC's 12-month-ending series the model sees a moving annual sum: consecutive values overlap
by 11 months, so the series is smooth and has no seasonality left.  ARIMA treats it as an ordinary
series (no seasonal terms); the strong autocorrelation induced by the overlap is absorbed by the
differencing and the MA terms, and forecasts are again 12-month-ending counts.  Its default
transform is the square root, not the log (``transform="auto"``,
:data:`~odforecast.models.arima.AUTO_TRANSFORM`): on the 13-origin, 90-series benchmark
(``benchmarks/forecast_accuracy``) the log made the mean WIS 7 % worse (157.4 against 146.5),
because the log scale extrapolates a rise or fall of a smooth annual sum exponentially over
the 12 months ahead; annual series keep the log, which the decade backtest needs
(``benchmarks/decade_backtest``: the square root made its WIS 1.5x worse).

Speed. The search ranks candidates by the same SARIMAX Gaussian likelihood, computed in a
cheaper but equivalent form: the scale is concentrated out (``concentrate_scale=True``, whose
maximum is the full MLE) and the differencing is applied before filtering
(``simple_differencing=True``; SARIMAX's default burns the ``d + m*D`` diffuse periods, so the
likelihood, the effective number of observations and the AICc are the same to about 1e-4). Each
candidate starts from its neighbour's estimates when those are valid and fit better than the
default start, and the optimiser stops at a slightly looser tolerance. The ranking likelihood is
evaluated by a Kalman filter compiled with numba (:mod:`odforecast.models.arma_likelihood`: the
same numbers as statsmodels' filter, without its ~1 ms of Python per evaluation). Candidates
with an AR or MA root within 1.01 of the unit circle are rejected, as ``auto.arima`` does. The
selected model is then refitted exactly on the full SARIMAX state space (integrated states,
diffuse periods burned; the scale concentrated out, which gives the same MLE) and its
diagnostics (AICc, convergence, Ljung-Box) come from that fit; paths are simulated from the
plain SARIMAX with that sigma2. BLAS is limited to one thread while fitting and sampling: the
matrices are tiny, and OpenBLAS worker threads made each likelihood evaluation up to 100 times
slower on a busy two-core machine.

Missing values.  CDC withholds some windows and suppresses small counts.  As in R's
``auto.arima``, a series starts at its first shown value (earlier withheld or censored cells are
dropped); every later withheld or censored cell is NaN in the state-space model, whose Kalman
filter skips it: the likelihood uses the shown values only, and the AICc counts only them.  The
order tests see the shown values (the KPSS tests on the values without the gaps, as R's
``ndiffs`` does; the seasonal-strength test on the series interpolated across interior gaps).
Ljung-Box uses the residuals of the shown values.  When the last periods are withheld, the
forecast still starts after the series' last period: the filter predicts through the withheld
stretch, and the paths start from that prediction and its uncertainty.  At each censored cell
the smoothed level is compared with the cell's bound
(:func:`odforecast.models.missing.check_censored`).
"""

from __future__ import annotations

import warnings
from contextlib import AbstractContextManager, nullcontext
from typing import Any, NamedTuple

import numpy as np

from odforecast.calendar import FREQUENCIES
from odforecast.errors import DataError
from odforecast.models.arima_paths import simulate_paths
from odforecast.models.arma_likelihood import concentrated_loglike, fit_concentrated
from odforecast.models.base import PerSeriesModel, proportional_counts
from odforecast.models.baselines import Drift, Naive
from odforecast.models.missing import check_censored
from odforecast.models.parameter_draws import MIN_ROOT as _MIN_ROOT
from odforecast.models.parameter_draws import min_root as _min_root
from odforecast.models.parameter_draws import sampling_distribution
from odforecast.models.params import check_bool, check_choice, check_int, check_order
from odforecast.models.series import Series
from odforecast.models.transforms import Transform, choose_transform

__all__ = ["ARIMA", "AUTO_MAX_D", "LONG_HORIZON_YEARS", "MIN_AKAIKE_WEIGHT"]

_SEASON = {"monthly": 12, "quarterly": 4}

#: What ``transform="auto"`` means, by frequency, when every count is positive (a series with
#: zeros always gets the square root).  Chosen by benchmark: see the module docstring.
AUTO_TRANSFORM = {"12m_ending": "sqrt"}

#: What ``max_d=None`` means, by frequency (2 for the others, as ``auto.arima``).  Chosen by
#: benchmark: on annual series a second difference of the log is a random walk of the growth
#: rate, which compounds without bound over a decade (US synthetic-opioid deaths to 2006:
#: ARIMA(0,2,0), 97.5 % quantile ten years ahead 3 billion deaths); on the decade backtest over
#: seven US annual indicators the mean WIS was 15.8 x ``Drift``'s with 2, 0.997 x with 1
#: (``benchmarks/decade_backtest``).  12-month-ending series keep 2: over 1-12 months ahead it
#: scored 2 % better (``benchmarks/forecast_accuracy``, 90 series x 13 origins: 145.8 against
#: 148.7 with 1), though its intervals, too, grow without bound over years.
AUTO_MAX_D = {"annual": 1}

#: Forecasts from a model with two differences reaching further than this many years carry a
#: warning (their 97.5 % quantile ten years ahead of the US opioid windows to February 2025
#: was 2 million deaths a year).
LONG_HORIZON_YEARS = 2


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
        ``"auto"``: the square root for 12-month-ending series, the log for others (square
        root if the series has zeros) — chosen by benchmark, see the module docstring and
        :data:`~odforecast.models.arima.AUTO_TRANSFORM`; or ``"log"``, ``"sqrt"``, ``"none"``
        (counts modelled as they are; paths below zero are set to zero, see
        :class:`~odforecast.models.transforms.Transform`).
    max_p, max_q, max_P, max_Q, max_D
        Limits of the automatic search.
    max_d
        Most non-seasonal differences of the automatic search.  None (default): 1 for annual
        series, 2 for the others (:data:`~odforecast.models.arima.AUTO_MAX_D`).  A second
        difference makes the growth rate itself a random walk: good for the months ahead of
        a 12-month-ending series, explosive over years; pass ``max_d=1`` for projections
        of several years from monthly or 12-month-ending data.
    max_models
        Most candidate models the stepwise search fits per series.
    fallback
        ``"drift"``, ``"naive"`` or None: model used (and recorded in the diagnostics) when a
        series cannot be fitted.
    parameter_uncertainty
        Propagate the uncertainty of the estimated parameters into the sample paths (default
        True): each block of paths is simulated with its own parameter vector drawn from the
        sampling distribution of the estimates (:mod:`odforecast.models.parameter_draws`).
        False plugs in the estimates, as ``auto.arima`` does; its intervals are too narrow at
        long horizons.
    parameter_draws
        Parameter vectors drawn per series and forecast (default 100); the sample paths are
        split evenly between them.  Each costs one Kalman filter pass.
    model_averaging
        With automatic orders (default True): the sample paths come from every candidate
        of the search whose Akaike weight, ``exp(-ΔAICc / 2)`` normalised over the fitted
        candidates, is at least
        :data:`~odforecast.models.arima.MIN_AKAIKE_WEIGHT`, in proportion to those weights
        (Burnham & Anderson 2002), not from the selected model alone; the selected model's
        order is still the one reported.  Selecting one order and forecasting as if it were
        known makes long-horizon intervals too narrow: on the decade backtest (US annual
        opioid deaths, 10 origins) the 80 % intervals 6-10 years ahead covered 0.68 of the
        outcomes from the selected model and 0.74 averaged (``benchmarks/decade_backtest``).
        False: the selected model only, as ``auto.arima``.

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
    handles_missing = True

    def __init__(self, order: tuple[int, int, int] | None = None,
                 seasonal_order: tuple[int, int, int] | None = None, *,
                 seasonal: bool | None = None, transform: str = "auto", max_p: int = 3,
                 max_q: int = 3, max_P: int = 1, max_Q: int = 1,  # noqa: N803
                 max_d: int | None = None,
                 max_D: int = 1, max_models: int = 30, fallback: str | None = "drift",  # noqa: N803
                 parameter_uncertainty: bool = True, parameter_draws: int = 100,
                 model_averaging: bool = True) -> None:
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
        self.parameter_uncertainty = parameter_uncertainty
        self.parameter_draws = parameter_draws
        self.model_averaging = model_averaging

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

    def check_params(self) -> None:
        """Check every setting before any series is fitted (a bad setting is never a reason
        to fall back)."""
        check_order(self.order, "order")
        check_order(self.seasonal_order, "seasonal_order")
        check_bool(self.seasonal, "seasonal", allow_none=True)
        check_choice(self.transform, "transform", ("auto", "log", "sqrt", "none"))
        for name in ("max_p", "max_q", "max_P", "max_Q", "max_D"):
            check_int(getattr(self, name), name)
        if self.max_d is not None:
            check_int(self.max_d, "max_d")
        check_int(self.max_models, "max_models", minimum=1)
        check_choice(self.fallback, "fallback", ("drift", "naive", None))
        check_bool(self.parameter_uncertainty, "parameter_uncertainty")
        check_int(self.parameter_draws, "parameter_draws", minimum=1)
        check_bool(self.model_averaging, "model_averaging")

    def _fallback(self) -> PerSeriesModel | None:
        if self.fallback is None:
            return None
        return Drift(self.transform) if self.fallback == "drift" else Naive(self.transform)

    def _simpler_models(self) -> list[PerSeriesModel]:
        return [Drift(self.transform), Naive(self.transform)]

    def _fit_series(self, series: Series, exog: np.ndarray | None) -> tuple[Any, dict[str, Any]]:
        kind = self.transform
        if kind == "auto":
            kind = AUTO_TRANSFORM.get(series.frequency, "auto")
        transform = choose_transform(kind, series.values, series.label)
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
            with _one_blas_thread():
                result = _fit_sarimax(z, exog, *spec)
            tried, others, ranking_aicc = 1, [], np.nan
        else:
            with _one_blas_thread():
                max_d = (self.max_d if self.max_d is not None
                         else AUTO_MAX_D.get(series.frequency, 2))
                result, spec, tried, others, ranking_aicc = self._search(z, exog, m, max_d)
        order, seasonal_order, trend = spec
        diag = {
            "transform": transform.kind,
            "order": str(order),
            "seasonal_order": str(seasonal_order),
            "constant": trend == "c",
            "converged": _converged(result),
            "aicc": _aicc(result),
            # what the search ranked the orders by, and the model average weighs them by
            # (the exact refit's AICc above can differ from it on series with withheld values)
            "search_aicc": float(ranking_aicc),
            "ljung_box_p": _ljung_box_p(result, order[1] + seasonal_order[1] * max(m, 1)),
            "models_tried": tried,
        }
        params = _full_params(result)
        diag["censor_check"] = ""
        if series.censored.any():
            with _one_blas_thread():
                diag["censor_check"] = self._censor_check(series, transform, z, exog, spec,
                                                          params)
        draws = None
        if self.parameter_uncertainty:
            with _one_blas_thread():
                draws = sampling_distribution(z, exog, spec, params)
        diag["parameter_uncertainty"] = (
            "none" if draws is None else "all" if draws.includes_mean_parameters
            else "variance")
        components = [(spec, params, draws, 1.0)]
        if self.model_averaging and others:
            with _one_blas_thread():
                components = self._averaged(z, exog, components[0], ranking_aicc, others)
        diag["averaged_models"] = "; ".join(f"{_spec_text(c[0])} {c[3]:.2f}"
                                            for c in components)
        return ArimaState(transform, z, exog, components), diag

    def _averaged(self, z, exog, selected: tuple, selected_aicc: float,
                  others: list[_Candidate]) -> list[tuple]:
        """The components ``(spec, params, draws, weight)`` of the model average: the selected
        model and every other candidate with an Akaike weight of at least
        :data:`~odforecast.models.arima.MIN_AKAIKE_WEIGHT` (weights over all fitted
        candidates, renormalised over the kept ones), with the estimates of their ranking
        fits.  ``selected_aicc`` is the selected model's *ranking* AICc: the weights compare
        likelihoods computed the same way (with withheld values the exact refit's AICc differs
        from it by up to about 5, which had given the selected model a fraction of its
        weight)."""
        aicc = np.array([selected_aicc, *(c.aicc for c in others)])
        weight = np.exp(-(aicc - aicc.min()) / 2)
        weight /= weight.sum()
        # the selected model first (it has the smallest ranking AICc; ties keep it first)
        keep = [0, *(k for k in np.argsort(aicc, kind="stable")
                     if k != 0 and weight[k] >= MIN_AKAIKE_WEIGHT)]
        components = []
        for k in keep:
            if k == 0:
                spec, params, draws = selected[:3]
            else:
                # the ranking fit's estimates: the same MLE as an exact refit (module
                # docstring), which took two thirds of the averaging's time
                cand = others[k - 1]
                spec, params = cand.spec, np.append(cand.params, cand.scale)
                if not np.all(np.isfinite(params)):
                    continue
                draws = (sampling_distribution(z, exog, spec, params)
                         if self.parameter_uncertainty else None)
            components.append((spec, params, draws, float(weight[k])))
        total = sum(c[3] for c in components)
        return [(*c[:3], c[3] / total) for c in components]

    def _censor_check(self, series: Series, transform: Transform, z: np.ndarray,
                      exog: np.ndarray | None, spec: tuple, params: np.ndarray) -> str:
        """Smoothed level (and its standard deviation) at the censored cells, from the plain
        SARIMAX that forecasts use, checked against the bounds."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            smoothed = _sarimax(z, exog, *spec).smooth(params, cov_type="none")
        smoother = smoothed.smoother_results
        mean = np.asarray(smoother.smoothed_forecasts, dtype=float)[0]
        sd = np.sqrt(np.asarray(smoother.smoothed_forecasts_error_cov, dtype=float)[0, 0])
        return check_censored(series, transform, mean, sd, model_name=self.name)

    def _forecast_notes(self, series: Series, diagnostics: dict[str, Any],
                        horizon: int) -> list[str]:
        """A second difference compounds the growth rate: say so past
        :data:`LONG_HORIZON_YEARS`."""
        d = int(str(diagnostics.get("order", "(0, 0, 0)")).strip("()").split(",")[1])
        years = horizon * FREQUENCIES[series.frequency].step / 12
        if d < 2 or years <= LONG_HORIZON_YEARS:
            return []
        also = "" if series.frequency == "annual" else " or on annual data"
        return [f"{series.label}: ARIMA{diagnostics['order']} has two differences, so its "
                f"growth rate is a random walk and its intervals grow without bound over "
                f"{years:g} years; for projections beyond {LONG_HORIZON_YEARS} years refit "
                f"with one difference (ARIMA(max_d=1)){also}"]

    def _sample_series(self, state: Any, horizon: int, n_samples: int,
                       rng: np.random.Generator, exog_future: np.ndarray | None) -> np.ndarray:
        transform, z, exog, components = state
        weights = np.array([c[3] for c in components])
        counts = proportional_counts(weights, n_samples)
        blocks = proportional_counts(weights, min(self.parameter_draws, n_samples))
        parts = []
        for (spec, params, draws, _weight), n, n_blocks in zip(components, counts, blocks,
                                                                strict=True):
            if n == 0:
                continue
            model = _sarimax(z, exog, *spec)
            if draws is None:
                thetas, sizes = params[None, :], [n]
            else:
                n_blocks = min(max(n_blocks, 1), n)
                thetas = draws.sample(n_blocks, rng)
                sizes = [len(part) for part in np.array_split(np.arange(n), n_blocks)]
            with warnings.catch_warnings(), _one_blas_thread():
                warnings.simplefilter("ignore")
                parts.append(simulate_paths(model, thetas, sizes, horizon, rng, exog_future))
        paths = parts[0] if len(parts) == 1 else rng.permutation(np.concatenate(parts))
        return transform.inverse(paths)

    # -- automatic order selection --------------------------------------------------------------
    def _search(self, z: np.ndarray, exog: np.ndarray | None, m: int, max_d: int):
        """Hyndman-Khandakar stepwise search; returns (exact fit of the winner, spec, number of
        candidates tried, the other candidates fitted, the winner's ranking AICc)."""
        d = _ndiffs(z, max_d)
        D = _nsdiffs(z, m, self.max_D) if m > 1 else 0  # noqa: N806
        if D and d:
            d = min(d, _ndiffs(_seasonal_difference(z, m), max_d))
        fitted: dict[tuple, _Candidate | None] = {}
        best: list[Any] = [np.inf, None]  # (AICc, key) of the best candidate so far

        def score(p: int, q: int, P: int, Q: int, constant: bool) -> float:  # noqa: N803
            key = (p, q, P, Q, constant)
            if key in fitted:
                cand = fitted[key]
                return np.inf if cand is None else cand.aicc
            if len(fitted) >= self.max_models:
                return np.inf
            spec = ((p, d, q), (P, D, Q, m if (P or D or Q) else 0), "c" if constant else "n")
            warm = fitted[best[1]] if best[1] is not None else None
            try:
                cand = _rank_fit(z, exog, spec, warm)
            except (ValueError, np.linalg.LinAlgError):
                cand = None
            fitted[key] = cand
            value = np.inf if cand is None else cand.aicc
            if value < best[0]:
                best[:] = [value, key]
            return value

        allow_constant = d + D <= 1
        seasonal = m > 1
        start = [(2, 2, 1, 1), (0, 0, 0, 0), (1, 0, 1, 0), (0, 1, 0, 1)]
        current = None
        for p, q, P, Q in start:  # noqa: N806
            p, q = min(p, self.max_p), min(q, self.max_q)
            P, Q = (min(P, self.max_P), min(Q, self.max_Q)) if seasonal else (0, 0)  # noqa: N806
            cand = (p, q, P, Q, allow_constant)
            s = score(*cand)
            if current is None or s < current[0]:
                current = (s, cand)
        improved = True
        while improved and len(fitted) < self.max_models:
            improved = False
            p, q, P, Q, c = current[1]  # noqa: N806
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
                if s < current[0]:
                    current = (s, cand)
                    improved = True
                    break
        chosen = fitted.get(current[1])
        if chosen is None or not np.isfinite(current[0]):
            raise RuntimeError("no candidate ARIMA model could be fitted")
        # The ranking fits are exact likelihoods in a cheaper form; the winner is refitted on
        # the full SARIMAX state space (integrated states, diffuse periods burned) that forecasts
        # are drawn from, starting at the ranking estimates.  The scale stays concentrated out:
        # the maximum is the same MLE, and the optimiser does not have to rescale sigma2 (a
        # poorly scaled parameter that made L-BFGS stop at the start with a false
        # non-convergence flag).
        result = _exact_fit(z, exog, chosen.spec, chosen.params)
        others = [c for c in fitted.values() if c is not None and c is not chosen]
        return result, chosen.spec, len(fitted), others, chosen.aicc


#: Candidates of the order search with a smaller Akaike weight are left out of the model
#: average (``ARIMA(model_averaging=True)``); the weights of the rest are renormalised.  Each
#: kept candidate costs its parameter covariance and its own paths; on the decade backtest
#: the candidates between 0.01 and 0.05 (random walks without drift among them) carried most
#: of the gain in calibration (a cut at 0.05 left the coverage at 0.68), so the cut is low.
MIN_AKAIKE_WEIGHT = 0.01


def _spec_text(spec: tuple) -> str:
    """``(p, d, q)(P, D, Q, m)`` with ``+c`` for a constant, as the diagnostics show a model.

    Examples
    --------
    >>> _spec_text(((0, 1, 1), (0, 0, 0, 0), "c"))
    '(0, 1, 1)+c'
    """
    order, seasonal, trend = spec
    text = str(tuple(order)) + (str(tuple(seasonal)) if any(seasonal[:3]) else "")
    return text + ("+c" if trend == "c" else "")


class ArimaState(NamedTuple):
    """What a fitted series keeps for forecasting: the transform, the transformed values
    ``z`` and regressors, and the model-average ``components`` ``(spec, params, draws,
    weight)``, the selected model first (only it without model averaging or with fixed
    orders).  ``spec``, ``params`` and ``draws`` are the selected model's."""

    transform: Transform
    z: np.ndarray
    exog: np.ndarray | None
    components: list[tuple]

    @property
    def spec(self) -> tuple:
        return self.components[0][0]

    @property
    def params(self) -> np.ndarray:
        return self.components[0][1]

    @property
    def draws(self):
        return self.components[0][2]


class _Candidate:
    """A ranking fit: its spec, AICc, parameter estimates by name, and the scale."""

    __slots__ = ("aicc", "names", "params", "scale", "spec")

    def __init__(self, spec: tuple, aicc: float, names: list[str], params: np.ndarray,
                 scale: float) -> None:
        self.spec = spec
        self.aicc = aicc
        self.names = names
        self.params = params
        self.scale = scale


def _rank_fit(z, exog, spec, warm: _Candidate | None) -> _Candidate | None:
    """Fit one candidate for ranking: the exact Gaussian likelihood with the scale concentrated
    out and the differencing done up front; None if it yields no finite AICc."""
    order, seasonal_order, trend = spec
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    model = SARIMAX(z, exog=exog, order=order, seasonal_order=seasonal_order, trend=trend,
                    concentrate_scale=True, simple_differencing=True)
    names = list(model.param_names)
    if names:
        start = _start_params(model, names, warm)
        # the same optimiser and likelihood as model.fit(method="lbfgs"), the likelihood
        # evaluated by a compiled Kalman filter (about 4x faster: arma_likelihood)
        params = fit_concentrated(model, start, maxiter=200, factr=_RANK_FACTR)
    else:  # e.g. (0, d, 0) without constant: nothing to estimate
        params = np.empty(0)
    if _min_root(names, params) < _MIN_ROOT:
        return None  # (nearly) non-stationary or non-invertible: rejected, as in auto.arima
    llf, scale = concentrated_loglike(model, params)
    # + 1: the concentrated scale is estimated too (statsmodels' df_model counts it)
    aicc = _aicc_of(llf, len(names) + 1, int(np.isfinite(model.endog).sum()))
    if not np.isfinite(aicc):
        return None
    return _Candidate(spec, aicc, names, np.asarray(params, dtype=float), scale)


#: L-BFGS-B ``factr`` of the ranking fits (scipy's default is 1e7): stops when the relative
#: improvement of the log-likelihood falls below ``factr * 2.2e-16`` (about 2e-7 here, i.e.
#: ~5e-5 in log-likelihood for these series, far below the AICc differences that decide a step).
_RANK_FACTR = 1e9


def _start_params(model, names: list[str], warm: _Candidate | None) -> np.ndarray:
    """The better (by log-likelihood) of statsmodels' default start and the best neighbour's
    estimates mapped by parameter name (new lags start at 0)."""
    default = np.asarray(model.start_params, dtype=float)
    if warm is None:
        return default
    values = dict(zip(warm.names, warm.params, strict=True))
    guess = np.array([values.get(name, 0.0) for name in names])
    if not _admissible(names, guess):
        return default
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # the likelihood the ranking fit then maximises (arma_likelihood: statsmodels' numbers)
        ll_guess = concentrated_loglike(model, guess)[0]
        ll_default = (concentrated_loglike(model, default)[0] if _admissible(names, default)
                      else -np.inf)
    return guess if np.isfinite(ll_guess) and ll_guess > ll_default else default


def _admissible(names: list[str], params: np.ndarray) -> bool:
    """Whether ``params`` (named ``names``) are stationary and invertible, as statsmodels
    requires of starting values (it enforces both)."""
    from statsmodels.tsa.statespace.tools import is_invertible

    if not np.all(np.isfinite(params)):
        return False
    for prefix in ("ar.L", "ma.L", "ar.S.L", "ma.S.L"):
        coefs = [v for n, v in zip(names, params, strict=True) if n.startswith(prefix)]
        sign = -1.0 if prefix.startswith("ar") else 1.0
        if coefs and not is_invertible(np.r_[1.0, sign * np.asarray(coefs)]):
            return False
    return True


def _exact_fit(z, exog, spec, start_params: np.ndarray):
    """Exact SARIMAX MLE of the selected model (scale concentrated out)."""
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    order, seasonal_order, trend = spec
    model = SARIMAX(z, exog=exog, order=order, seasonal_order=seasonal_order, trend=trend,
                    concentrate_scale=True)
    if model.k_params == 0:
        return model.smooth(np.empty(0), cov_type="none")
    return model.fit(start_params=start_params, disp=False, method="lbfgs", maxiter=200,
                     cov_type="none")


def _aicc(result) -> float:
    """AICc counting only the observations that entered the likelihood: statsmodels' ``aicc``
    counts every period after the burned ones, missing values included (the same number when
    nothing is missing).

    Examples
    --------
    >>> from statsmodels.tsa.statespace.sarimax import SARIMAX
    >>> z = np.log([8050., 8407, 9496, 11920, 12940, 13756, 14918, 17545, 18516, 19582])
    >>> full = SARIMAX(z, order=(0, 1, 0), trend="c").fit(disp=False)
    >>> bool(np.isclose(_aicc(full), full.aicc))
    True
    >>> z[4] = np.nan
    >>> gappy = SARIMAX(z, order=(0, 1, 0), trend="c").fit(disp=False)
    >>> bool(_aicc(gappy) > gappy.aicc)  # 8 values after the burned one, not 9
    True
    """
    endog = np.asarray(result.model.endog, dtype=float).ravel()
    n = int(np.isfinite(endog[int(result.loglikelihood_burn):]).sum())
    return _aicc_of(float(result.llf), int(result.df_model), n)


def _aicc_of(llf: float, k: int, n: int) -> float:
    """AICc of a log-likelihood ``llf`` with ``k`` estimated parameters (the concentrated scale
    included, as statsmodels counts it) from ``n`` observations."""
    if n - k - 1 <= 0 or not np.isfinite(llf):
        return float("inf")
    return float(-2 * llf + 2 * k + 2 * k * (k + 1) / (n - k - 1))


def _converged(result) -> bool:
    """The optimiser's convergence flag (True when there was nothing to estimate)."""
    retvals = getattr(result, "mle_retvals", None)
    return bool(retvals.get("converged", True)) if retvals else True


def _full_params(result) -> np.ndarray:
    """Parameters of the plain SARIMAX: a concentrated scale is appended as sigma2."""
    params = np.asarray(result.params, dtype=float)
    if result.model.concentrate_scale:
        params = np.append(params, float(result.scale))
    return params


def _sarimax(z, exog, order, seasonal_order, trend):
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    return SARIMAX(z, exog=exog, order=order, seasonal_order=seasonal_order, trend=trend)


def _fit_sarimax(z, exog, order, seasonal_order, trend):
    model = _sarimax(z, exog, order, seasonal_order, trend)
    # cov_type="none": parameter standard errors are not used, and skipping the numerical
    # Hessian makes each candidate fit several times faster.
    return model.fit(disp=False, method="lbfgs", maxiter=200, cov_type="none")


_BLAS = None


def _one_blas_thread() -> AbstractContextManager:
    """Limit BLAS to one thread (a no-op without threadpoolctl, a dependency of PyMC)."""
    global _BLAS
    if _BLAS is None:
        try:
            import scipy.linalg  # noqa: F401  (load scipy's BLAS before taking stock)
            from statsmodels.tsa.statespace import sarimax  # noqa: F401
            from threadpoolctl import ThreadpoolController
        except ImportError:
            _BLAS = False
        else:
            _BLAS = ThreadpoolController()
    if _BLAS is False:
        return nullcontext()
    return _BLAS.limit(limits=1, user_api="blas")


def _ndiffs(z: np.ndarray, max_d: int, alpha: float = 0.05) -> int:
    """Number of first differences until the KPSS test no longer rejects stationarity.

    A series too short for the test to reject stationarity of even a straight line (7 values
    or fewer) is differenced once: there the test's verdict says nothing, and a level model
    (d = 0) would pull a decade forecast back to the mean of a few years.

    Examples
    --------
    >>> _ndiffs(np.log([8050., 8407, 9496, 11920, 12940, 13756, 14918]), 2)
    1
    >>> _ndiffs(np.array([3.0, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9, 3]), 2)
    0
    """
    d, x = 0, np.asarray(z, dtype=float)
    x = x[np.isfinite(x)]  # the shown values, gaps closed (R's ndiffs does na.omit)
    while d < max_d and len(x) > 4:
        if np.ptp(x) == 0:
            break
        if _kpss_p(x) >= alpha:
            if d == 0 and _kpss_p(np.arange(len(x), dtype=float)) >= alpha:
                d = 1  # the test cannot detect even a perfect trend at this length
            break
        x = np.diff(x)
        d += 1
    return d


def _kpss_p(x: np.ndarray) -> float:
    """p-value of the KPSS test of level stationarity (automatic lags)."""
    from statsmodels.tsa.stattools import kpss

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # InterpolationWarning at the table's ends
        return float(kpss(x, regression="c", nlags="auto")[1])


def _seasonal_difference(z: np.ndarray, m: int) -> np.ndarray:
    return z[m:] - z[:-m]


def _nsdiffs(z: np.ndarray, m: int, max_D: int) -> int:  # noqa: N803
    """Seasonal differences (0 or 1) from the seasonal strength of an STL decomposition, the
    default rule of R's ``forecast::nsdiffs`` (difference when strength > 0.64)."""
    z = _interpolate(z)
    if max_D < 1 or len(z) < 2 * m + 1:
        return 0
    from statsmodels.tsa.seasonal import STL

    fit = STL(z, period=m, robust=True).fit()
    remainder, seasonal = fit.resid, fit.seasonal
    strength = max(0.0, 1 - np.var(remainder) / np.var(remainder + seasonal))
    return int(strength > 0.64)


def _interpolate(z: np.ndarray) -> np.ndarray:
    """``z`` from its first to its last finite value, interior NaN interpolated linearly (only
    for the seasonal-strength test, which needs a complete series).

    Examples
    --------
    >>> _interpolate(np.array([1.0, np.nan, 3.0, np.nan])).tolist()
    [1.0, 2.0, 3.0]
    """
    z = np.asarray(z, dtype=float)
    shown = np.flatnonzero(np.isfinite(z))
    if shown.size == 0:
        return z[:0]
    z = z[shown[0]:shown[-1] + 1]
    gaps = ~np.isfinite(z)
    if gaps.any():
        index = np.arange(len(z))
        z = z.copy()
        z[gaps] = np.interp(index[gaps], index[~gaps], z[~gaps])
    return z


def _ljung_box_p(result, burn: int) -> float:
    from statsmodels.stats.diagnostic import acorr_ljungbox

    endog = np.asarray(result.model.endog, dtype=float).ravel()
    # residuals of the shown values: the model has none at a missing value
    resid = np.asarray(result.resid)[burn:][np.isfinite(endog[burn:])]
    lags = min(10, max(1, len(resid) // 5))
    if len(resid) <= lags + 1 or np.ptp(resid) == 0:
        return float("nan")
    return float(acorr_ljungbox(resid, lags=[lags])["lb_pvalue"].iloc[0])
