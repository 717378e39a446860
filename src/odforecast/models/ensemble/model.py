"""The :class:`Ensemble` model: its parameters, their checks, and the fit (members + weights)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from odforecast.errors import DataError, ParameterError
from odforecast.models.base import MemberData, Model, resolve_seed
from odforecast.models.ensemble.fit import EnsembleFit
from odforecast.models.ensemble.weights import (
    PastScores,
    default_horizon,
    inverse_wis_weights,
    member_backtests,
    stacking_weights,
    weight_origins,
)
from odforecast.models.params import check_int
from odforecast.models.series import Series, prepare_series

__all__ = ["DEFAULT_MEMBERS", "DEFAULT_WEIGHTS", "WEIGHT_METHODS", "Ensemble"]

#: The members used when ``members`` is None, as (registry name, parameters): the automatic ARIMA
#: and ``BayesianTrend``, mixed with equal weights.  ARIMA is the better on the national series,
#: the Bayesian model below them and on gappy state series. On CDC's
#: 12-month-ending series (90 series x 13 origins, benchmarks/forecast_accuracy, ensemble_hier.py
#: --members arima,bayes) their mixture scored WIS 132.2 with 80 % coverage 0.78, against 145.8 /
#: 0.68 for ARIMA alone, 139.4 / 0.74 for BayesianTrend and 150.4 for statsforecast's AutoARIMA;
#: on every state series with data (139, all_states.py) 78.7, against 75.8 for BayesianTrend
#: and 91.2 for ARIMA.  The previous default, ARIMA on the log and the square-root scales
#: (until 2026-12-06), scored 146.9 / 0.72 and 92.4: no better than ARIMA alone once ARIMA
#: averaged its candidate orders.  The Bayesian member costs a posterior sampling per fit
#: (about 5 s for one monthly series, 30 s for 90 jointly).
DEFAULT_MEMBERS: tuple[tuple[str, dict[str, Any]], ...] = (("arima", {}), ("bayes", {}))

#: The weighting used when ``weights`` is not given (see DEFAULT_MEMBERS).
DEFAULT_WEIGHTS = "equal"

#: The learnt or fixed weightings ``weights=`` accepts by name.
WEIGHT_METHODS = ("equal", "inverse_wis", "stacking")


class Ensemble(Model):
    """A weighted mixture of other models' forecasts.

    Every member is fitted to the data; the forecast draws each sample path of each series
    from one member, chosen by the series' weights (with the forecast's ``random_seed``), so
    the result is the mixture of the members' predictive distributions, in sample paths like
    any other odforecast forecast.  Learnt weights come from backtests **on the training data
    only**: each member is refitted at ``weight_origins`` origins before the end of the data
    and scored on the ``weight_horizon`` periods after each, all inside the data, so nothing
    after the forecast origin is seen.  Weights are learnt per series.

    Parameters
    ----------
    members
        The member models: :class:`~odforecast.models.Model` instances or registry names
        (``"arima"``, ``"bayes"``, ...; see :data:`odforecast.models.MODELS`).  None: the
        automatic :class:`~odforecast.ARIMA` and :class:`~odforecast.BayesianTrend`
        (``DEFAULT_MEMBERS``; labelled ``arima`` and ``bayes``), the best mixture measured on
        CDC's monthly series that needs no pooling of locations; add ``"hierarchical"`` for
        state series (see ``docs/models.md``).  Learnt weights refit
        every member at each weight origin: a Bayesian member such as ``"bayes"`` then samples
        ``weight_origins + 1`` posteriors per fit.
    weights
        ``"equal"`` (the default); ``"inverse_wis"`` (proportional to 1 / the member's mean
        WIS on the backtest cells); ``"stacking"`` (the weights on the simplex minimising the
        mean CRPS of the mixture of sample paths on those cells; exact, see
        :func:`~odforecast.models.ensemble.weights.stacking_weights`); or explicit numbers,
        one per member (a sequence in member order, or a dict keyed by member label),
        non-negative with a positive sum (they are normalised).  ``"equal"`` and explicit
        weights need no backtest.
    weight_origins
        Number of backtest origins (spaced ``max(1, weight_horizon // 2)`` periods apart, the
        last ``weight_horizon`` periods before the end of the shortest series), or their dates.
    weight_horizon
        Periods scored after each origin; None: a year (12 months, 4 quarters, 2 years).
    weight_samples
        Sample paths per backtest forecast.
    random_seed
        Seed of the fit (the backtests and any member with a seed of its own left at None);
        None draws one and records it.  The weights reproduce from it.

    Examples
    --------
    >>> import odforecast
    >>> us = odforecast.load_dataset("us_annual").query(
    ...     "indicator == 'opioids' and estimate == 'reported'")
    >>> ensemble = odforecast.Ensemble(["naive", "drift"], weights="inverse_wis",
    ...                                weight_origins=2, weight_samples=300, random_seed=1)
    >>> fitted = ensemble.fit(us)
    >>> fitted.weight_table[["member", "weight", "past_wis"]].round(3)
      member  weight   past_wis
    0  naive   0.702   6506.416
    1  drift   0.298  15360.269
    >>> fc = fitted.forecast(3, n_samples=1000, random_seed=2)
    >>> fc.metadata["ensemble"]["members"]
    ['naive', 'drift']
    """

    name = "ensemble"

    def __init__(self, members: Sequence[Model | str] | None = None,
                 weights: str | Sequence[float] | Mapping[str, float] = DEFAULT_WEIGHTS, *,
                 weight_origins: int | Sequence[Any] = 3, weight_horizon: int | None = None,
                 weight_samples: int = 500, random_seed: int | None = None) -> None:
        self.members = members
        self.weights = weights
        self.weight_origins = weight_origins
        self.weight_horizon = weight_horizon
        self.weight_samples = weight_samples
        self.random_seed = random_seed

    # -- parameters --------------------------------------------------------------------------
    def member_models(self) -> tuple[list[Model], list[str]]:
        """The member models (names resolved through the registry) and their labels: each
        member's name, with ``_2``, ``_3`` ... added to repeats.

        Examples
        --------
        >>> import odforecast
        >>> Ensemble(["naive", odforecast.ARIMA(order=(0, 1, 1)), "naive"]).member_models()[1]
        ['naive', 'arima', 'naive_2']
        >>> Ensemble().member_models()[1]
        ['arima', 'bayes']
        """
        import odforecast.models as registry  # the package: no import cycle with its registry

        if self.members is None:
            given = [registry.get_model(name, **params) for name, params in DEFAULT_MEMBERS]
        else:
            given = self.members
        if isinstance(given, str | Model) or not isinstance(given, Sequence) or not given:
            raise ParameterError(f"must be a non-empty list of models or model names; got "
                                 f"{given!r}", parameter="members")
        models: list[Model] = []
        for item in given:
            if isinstance(item, str):
                if item not in registry.MODELS:
                    raise ParameterError(f"has an unknown model name {item!r}; known names: "
                                         f"{', '.join(registry.MODELS)}", parameter="members")
                models.append(registry.get_model(item))
            elif isinstance(item, Model):
                models.append(item)
            else:
                raise ParameterError(f"must hold unfitted models or model names; got "
                                     f"{type(item).__name__} {item!r}", parameter="members",
                                     hint="give the model, e.g. odforecast.ARIMA(), not its "
                                          "fit")
        labels: list[str] = []
        for model in models:
            base = model.name
            if getattr(model, "transform", "auto") != "auto":  # e.g. arima_log, arima_sqrt
                base = f"{model.name}_{model.transform}"
            label, n = base, 2
            while label in labels:
                label, n = f"{base}_{n}", n + 1
            labels.append(label)
        return models, labels

    def check_params(self) -> None:
        """Check every parameter (and each member's) before any work."""
        models, labels = self.member_models()
        for model in models:
            model.check_params()
        self._fixed_weights(labels)
        origins = self.weight_origins
        if isinstance(origins, bool) or not isinstance(origins, int | np.integer | Sequence) \
                or isinstance(origins, str):
            raise ParameterError(f"must be a positive number of origins or a list of dates; "
                                 f"got {origins!r}", parameter="weight_origins")
        if isinstance(origins, int | np.integer):
            check_int(origins, "weight_origins", minimum=1)
        else:
            if not origins:
                raise ParameterError("must not be an empty list", parameter="weight_origins")
            try:
                dates = pd.DatetimeIndex(pd.to_datetime(list(origins)))
            except (TypeError, ValueError) as exc:
                raise ParameterError(f"must be dates such as '2023-06-30'; got {origins!r} "
                                     f"({exc})", parameter="weight_origins") from None
            if dates.has_duplicates:
                raise ParameterError(f"repeats a date: {origins!r}", parameter="weight_origins")
        check_int(self.weight_horizon, "weight_horizon", minimum=1, allow_none=True)
        check_int(self.weight_samples, "weight_samples", minimum=1)
        if self.random_seed is not None:
            resolve_seed(self.random_seed)

    def _fixed_weights(self, labels: list[str]) -> np.ndarray | None:
        """The normalised weights when they are equal or given; None when they are learnt."""
        weights = self.weights
        if isinstance(weights, str):
            if weights not in WEIGHT_METHODS:
                raise ParameterError(f"must be one of {', '.join(map(repr, WEIGHT_METHODS))} "
                                     f"or one number per member; got {weights!r}",
                                     parameter="weights")
            return np.full(len(labels), 1.0 / len(labels)) if weights == "equal" else None
        if isinstance(weights, Mapping):
            unknown = [k for k in weights if k not in labels]
            missing = [k for k in labels if k not in weights]
            if unknown or missing:
                raise ParameterError(f"must have one entry per member label {labels}; "
                                     + (f"unknown {unknown}" if unknown else
                                        f"missing {missing}"), parameter="weights")
            values = [weights[k] for k in labels]
        elif isinstance(weights, Sequence | np.ndarray):
            values = list(weights)
            if len(values) != len(labels):
                raise ParameterError(f"must have one number per member ({len(labels)}: "
                                     f"{', '.join(labels)}); got {len(values)}",
                                     parameter="weights")
        else:
            raise ParameterError(f"must be a method name or one number per member; got "
                                 f"{weights!r}", parameter="weights")
        for label, value in zip(labels, values, strict=True):
            if isinstance(value, bool) or not isinstance(value, int | float | np.integer
                                                         | np.floating) \
                    or not math.isfinite(value) or value < 0:
                raise ParameterError(f"of member {label} must be a finite non-negative "
                                     f"number; got {value!r}", parameter="weights")
        total = float(sum(values))
        if total <= 0:
            raise ParameterError(f"must have a positive sum; got {values!r}",
                                 parameter="weights")
        return np.asarray(values, dtype=float) / total

    # -- fitting -----------------------------------------------------------------------------
    def fit(self, data: pd.DataFrame, *, exog: pd.DataFrame | None = None,
            executor: Executor | None = None) -> EnsembleFit:
        """Fit every member to ``data`` and learn the weights from backtests inside it.

        Parameters
        ----------
        data
            Tidy frame (one estimate per series); each member applies its own checks.
        exog
            Not supported: the members are backtested without regressors.
        executor
            Any :class:`concurrent.futures.Executor`: the members' fits and the backtest
            origins run on it.

        Returns
        -------
        EnsembleFit
        """
        from odforecast._progress import Progress

        self.check_params()
        if exog is not None:
            raise DataError("an ensemble takes no exogenous regressors (its members are "
                            "backtested without them)", column="exog",
                            hint="fit the member with regressors on its own")
        series = tuple(prepare_series(data, allow_censored=True, allow_missing=True,
                                      model_name=self.name))
        seed = resolve_seed(self.random_seed)
        models, labels = self.member_models()
        fixed = self._fixed_weights(labels)
        horizon = self.weight_horizon or default_horizon(series[0].frequency)
        # checked before any fit: too short a series fails at once
        origins = None if fixed is not None else weight_origins(series, self.weight_origins,
                                                                horizon)
        shares = _member_shares(models, labels, data, series)
        # the members whose forecast is used for each series
        taking_part = {s.key: np.array([s.key in shares[label].covers for label in labels])
                       for s in series}
        weights = {} if fixed is None else {  # given weights checked before any fit
            s.key: _renormalised(fixed * taking_part[s.key], s, labels) for s in series}
        with Progress(self.name, total=len(models) + (fixed is None), delay=2.0) as report:
            report.start(f"fitting {len(models)} members ({', '.join(labels)}) to "
                         f"{len(series)} series")
            fits = []
            for model, label in zip(models, labels, strict=True):
                fits.append(model.seeded(seed).fit(shares[label].data, executor=executor))
                report.step(f"fitted {label}")
            past = None
            if origins is not None:
                past = member_backtests(models, labels, data, origins, horizon,
                                        self.weight_samples, seed, executor)
                report.step(f"backtested the members at {len(origins)} origins")
        if past is not None:
            table = past.mean_scores(labels)  # once, not per series
            weights = {s.key: self._learnt_weights(s, past, table, labels, taking_part[s.key])
                       for s in series}
        method = self.weights if isinstance(self.weights, str) else "fixed"
        return EnsembleFit(self, series, data, labels, fits, weights, method=method,
                           seed=seed, past=past, horizon=horizon, shares=shares)

    def _learnt_weights(self, s: Series, past: PastScores, table: pd.DataFrame,
                        labels: Sequence[str], taking_part: np.ndarray) -> np.ndarray:
        """Series ``s``'s weights from the members' backtests (``table``: their
        ``past.mean_scores``): of the members taking part in it and backtested on it at every
        origin (the others 0)."""
        if s.key not in past.crps_terms:
            raise DataError(f"series {s.label} has no observed value after any weight "
                            f"origin ({', '.join(str(d.date()) for d in past.origins)}) to "
                            "learn weights from", column="weight_origins",
                            hint="choose earlier origins or weights='equal'")
        a, b = past.crps_terms[s.key]
        scored = taking_part & np.isfinite(a)
        w = np.zeros(len(labels))
        if self.weights == "stacking":
            w[scored] = stacking_weights(a[scored], b[np.ix_(scored, scored)])
        else:
            rows = table[(table["location"] == s.location)
                         & (table["indicator"] == s.indicator)].set_index("model")
            w[scored] = inverse_wis_weights(
                rows.loc[[label for label, ok in zip(labels, scored, strict=True) if ok],
                         "past_wis"].to_numpy())
        return _renormalised(w, s, labels)


def _member_shares(models: Sequence[Model], labels: Sequence[str], data: pd.DataFrame,
                  series: Sequence[Series]) -> dict[str, MemberData]:
    """Each member's part of the ensemble (:meth:`~odforecast.models.Model.member_data`), with
    ``covers`` the series of ``series`` the member's forecast is used for (never None).

    Raises
    ------
    odforecast.DataError
        If a member takes part in no series, or a series has no member.
    """
    keys = [s.key for s in series]
    shares = {}
    for model, label in zip(models, labels, strict=True):
        part = model.member_data(data)
        covers = frozenset(keys) if part.covers is None else frozenset(keys) & part.covers
        if not covers:
            raise DataError(f"ensemble member {label} forecasts none of the series "
                            f"({part.note or 'its data share none with the ensemble'})",
                            column="members", hint=f"leave {label} out of the members")
        shares[label] = replace(part, covers=covers)
    for s in series:
        if not any(s.key in share.covers for share in shares.values()):
            raise DataError(f"no ensemble member forecasts series {s.label}: "
                            + "; ".join(f"{label} {share.note}" for label, share in
                                        shares.items() if share.note),
                            column="members", hint="add a member that forecasts every "
                                                   "series, such as 'arima'")
    return shares


def _renormalised(weights: np.ndarray, s: Series, labels: Sequence[str]) -> np.ndarray:
    """``weights`` of the members taking part in series ``s`` (the others 0), summing to 1."""
    total = weights.sum()
    if total <= 0:
        raise ParameterError(f"are 0 for every member that forecasts series {s.label} "
                             f"(members {', '.join(labels)}: {weights.round(6).tolist()})",
                             parameter="weights",
                             hint="give a positive weight to a member that forecasts it")
    return weights / total
