"""The model contract every odforecast model follows, and the orchestration shared by all.

``model.fit(data)`` returns a fitted object; ``fitted.forecast(horizon, scenario=None,
n_samples=..., random_seed=...)`` returns a :class:`~odforecast.forecast.Forecast` of sample
paths.  ``__init__`` only stores parameters (scikit-learn's rule); fitted state lives on the
fitted object.  Per-series models (ARIMA, the baselines) implement three small methods on plain
arrays and inherit multi-series handling, executors, fallbacks, diagnostics, scenarios and seeds
from :class:`PerSeriesModel` (statsforecast's "one orchestrator, many small models").
"""

from __future__ import annotations

import copy
import inspect
import math
import traceback
import warnings
import zlib
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from os import PathLike
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pandas as pd

from odforecast import calendar
from odforecast._version import __version__
from odforecast.errors import DataError, FitError, ParameterError, ScenarioError
from odforecast.models.series import Series, future_periods, prepare_series
from odforecast.scenarios import RegressorProvider, Scenario, evaluate_multiplier

if TYPE_CHECKING:
    from odforecast.forecast import Forecast

__all__ = [
    "CONVERGENCE_COLUMNS",
    "FittedModel",
    "ForecastRequest",
    "MemberData",
    "Model",
    "PerSeriesFit",
    "PerSeriesModel",
    "SampledPaths",
    "SeriesResult",
    "assemble_paths",
    "check_count",
    "check_horizon",
    "resolve_seed",
    "run_tasks",
    "scenario_items",
    "series_seed",
]


#: The posterior checks a Bayesian model reports: per series in its fit's ``diagnostics``,
#: and over the fit in its forecasts' ``metadata["convergence"]`` (R-hat <= 1.01, bulk and tail
#: ESS >= 400 and no divergence make ``trustworthy``); what a backtest reports per origin.
CONVERGENCE_COLUMNS = ("r_hat_max", "ess_bulk_min", "ess_tail_min", "divergences",
                       "trustworthy")


def check_horizon(horizon: object) -> int:
    """Return ``horizon`` as a positive int or raise a ParameterError naming the parameter."""
    return check_count(horizon, "horizon", "a positive whole number of periods")


def check_count(value: object, parameter: str, what: str = "a positive integer") -> int:
    """Return ``value`` as a positive int (Python or NumPy integer, not bool) or raise a
    :class:`~odforecast.errors.ParameterError` naming ``parameter``.

    Examples
    --------
    >>> import numpy as np
    >>> check_count(np.int64(500), "n_samples")
    500
    >>> check_count(0, "n_samples")
    Traceback (most recent call last):
    ...
    odforecast.errors.ParameterError: n_samples must be a positive integer; got 0
    """
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value <= 0:
        raise ParameterError(f"must be {what}; got {value!r}", parameter=parameter)
    return int(value)


def resolve_seed(random_seed: int | None) -> int:
    """A concrete seed: the user's, or fresh entropy that is then recorded so a run reproduces."""
    if random_seed is None:
        return int(np.random.SeedSequence().entropy % (2**63))
    if isinstance(random_seed, bool) or not isinstance(random_seed, int | np.integer) \
            or random_seed < 0:
        raise ParameterError(f"must be a non-negative integer or None; got {random_seed!r}",
                             parameter="random_seed")
    return int(random_seed)


def series_seed(seed: int, location: str, indicator: str) -> np.random.SeedSequence:
    """The seed of one series: depends only on the run seed and the series, so results are the
    same whichever executor runs them and whatever other series are in the batch."""
    tag = zlib.crc32(f"{location}|{indicator}".encode())
    return np.random.SeedSequence(seed, spawn_key=(tag,))


def proportional_counts(weights: np.ndarray, n: int) -> np.ndarray:
    """``n`` whole items split in proportion to ``weights`` (which sum to 1): ``floor(n w)``
    each, and the items left over to the largest remainders, so the counts follow the weights
    as closely as whole items can (used for sample paths split between members or models).

    Examples
    --------
    >>> proportional_counts(np.array([0.61, 0.25, 0.14]), 10).tolist()
    [6, 3, 1]
    """
    exact = np.asarray(weights, dtype=float) * n
    counts = np.floor(exact).astype(int)
    short = n - counts.sum()
    if short:
        counts[np.argsort(-(exact - counts), kind="stable")[:short]] += 1
    return counts


def run_tasks(executor: Executor | None, fn: Callable[..., Any],
              tasks: Sequence[tuple[Any, ...]], *,
              on_done: Callable[[int, Any], None] | None = None) -> list[Any]:
    """Run ``fn(*task)`` for every task, in order, on ``executor`` (sequentially if None).

    Any :class:`concurrent.futures.Executor` works — a ``ProcessPoolExecutor``, or a
    ``dask.distributed.Client(...).get_executor()`` for a cluster.  ``fn`` and the task arguments
    must be picklable for process- or cluster-based executors.  ``on_done(index, result)`` is
    called in the caller's process as each result arrives, in task order (progress reports).
    """
    if executor is None:
        results = []
        for index, task in enumerate(tasks):
            results.append(fn(*task))
            if on_done is not None:
                on_done(index, results[-1])
        return results
    futures = [executor.submit(fn, *task) for task in tasks]
    results = []
    for index, future in enumerate(futures):
        results.append(future.result())
        if on_done is not None:
            on_done(index, results[-1])
    return results


class Model(ABC):
    """Base class of every model.  Subclasses store their parameters in ``__init__`` only.

    ``fit(data)`` returns a :class:`FittedModel`; fitting never changes the model object.

    Examples
    --------
    >>> import odforecast
    >>> from odforecast.models import Model
    >>> model = odforecast.ARIMA(order=(0, 1, 1))
    >>> isinstance(model, Model), model.name
    (True, 'arima')
    >>> model.get_params()["order"]
    (0, 1, 1)
    """

    #: Short name used in outputs and the CLI.
    name: ClassVar[str] = "model"

    def get_params(self) -> dict[str, Any]:
        """The constructor parameters, as given (used in metadata and reprs)."""
        params = inspect.signature(type(self).__init__).parameters
        return {name: getattr(self, name) for name in params
                if name != "self" and hasattr(self, name)}

    def seeded(self, random_seed: int) -> Model:
        """This model, or a copy whose fit is seeded with ``random_seed`` when the model has a
        ``random_seed`` parameter left at None: how the CLI and backtests make a run's seed fix
        the fits too (a Bayesian fit without a seed draws fresh entropy).

        Examples
        --------
        >>> import odforecast
        >>> odforecast.BayesianTrend().seeded(3).random_seed
        3
        >>> odforecast.BayesianTrend(random_seed=1).seeded(3).random_seed  # the user's seed
        1
        >>> odforecast.Naive().seeded(3)  # no seed to set
        Naive()
        """
        if self.get_params().get("random_seed", 0) is not None:
            return self
        clone = copy.copy(self)
        clone.random_seed = random_seed  # type: ignore[attr-defined]
        return clone

    def __repr__(self) -> str:
        """The class and the parameters that differ from their defaults (as scikit-learn)."""
        defaults = {name: p.default for name, p in
                    inspect.signature(type(self).__init__).parameters.items()}
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items()
                         if _differs(v, defaults.get(k, inspect.Parameter.empty)))
        return f"{type(self).__name__}({args})"

    @abstractmethod
    def fit(self, data: pd.DataFrame, *, exog: pd.DataFrame | None = None,
            executor: Executor | None = None) -> FittedModel:
        """Fit to a tidy frame with one or many series; returns a fitted model."""

    def check_params(self) -> None:  # noqa: B027 - optional hook: models without checks
        """Check the parameters; raise :class:`~odforecast.errors.ParameterError` naming the
        first bad one.  ``fit`` calls it first, before any work (scikit-learn's rule)."""

    def member_data(self, data: pd.DataFrame) -> MemberData:
        """What this model fits and forecasts as one member of an
        :class:`~odforecast.Ensemble` of ``data``: every series (the default).  A model that
        can forecast only some series of a panel (:class:`~odforecast.models.HierarchicalBayes`
        pools the states, not the national total beside them) returns the rows it fits and
        the series its forecast is used for; the ensemble mixes the other members alone
        elsewhere.

        Examples
        --------
        >>> import odforecast
        >>> us = odforecast.load_dataset("us_annual").query("estimate == 'reported'")
        >>> odforecast.Drift().member_data(us).covers is None
        True
        """
        return MemberData(data)

    def forecast(self, *args: Any, **kwargs: Any) -> Forecast:
        """Models forecast only once fitted: ``model.fit(data).forecast(...)``."""
        raise FitError(f"{type(self).__name__} is not fitted: call .fit(data) first and "
                       "forecast from the fitted object it returns")


@dataclass(frozen=True)
class MemberData:
    """What a model fits and forecasts as one member of an ensemble
    (:meth:`Model.member_data`).

    Attributes
    ----------
    data
        The rows the member is fitted to (they may be combined, e.g. New York City added into
        New York State).
    covers
        The ``(location, indicator)`` series of the ensemble's data that the member's forecast
        is used for; None: every series.
    note
        Why the member leaves the other series out.
    reasons
        Location -> why the member is not used for that location's series (shown in the
        ensemble's diagnostics; ``note`` for a location without one).

    Examples
    --------
    >>> import odforecast
    >>> states = odforecast.load_dataset("states_annual").query(
    ...     "indicator == 'opioids' and estimate == 'reported' and "
    ...     "location in ['US-OH', 'US-KY']")
    >>> part = odforecast.HierarchicalBayes().member_data(states)
    >>> sorted(part.covers), part.reasons
    ([('US-KY', 'opioids'), ('US-OH', 'opioids')], {})
    """

    data: pd.DataFrame
    covers: frozenset[tuple[str, str]] | None = None
    note: str = ""
    reasons: dict[str, str] = field(default_factory=dict)

    def reason(self, location: str) -> str:
        """Why the member is not used for ``location``'s series: its own reason, else
        ``note``."""
        return self.reasons.get(location, self.note)


def _differs(value: Any, default: Any) -> bool:
    if value is default:
        return False
    try:
        return not bool(value == default)
    except (TypeError, ValueError):  # arrays and frames have no single truth value
        return True


@dataclass(frozen=True)
class ForecastRequest:
    """A forecast call's arguments, checked: what a model family's sampling step receives.

    Attributes
    ----------
    horizon
        Periods ahead (positive).
    scenarios
        The scenarios, in order (``(None,)`` when the call named none).
    names
        Their names (``"status_quo"`` for None).
    compare
        Whether a list was given: the forecast then has a leading ``scenario`` dimension.
    n_samples
        Sample paths.
    seed
        The run's seed (the user's, or fresh entropy that is recorded).
    exog_future
        Future regressor values given by the user, if any.
    options
        The family's own forecast options (checked by its ``_check_options``).

    Examples
    --------
    >>> request = ForecastRequest(horizon=3, scenarios=(None,), names=("status_quo",),
    ...                           compare=False, n_samples=100, seed=1)
    >>> request.scenario_name is None, request.options
    (True, {})
    """

    horizon: int
    scenarios: tuple[Any, ...]
    names: tuple[str, ...]
    compare: bool
    n_samples: int
    seed: int
    exog_future: pd.DataFrame | None = None
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def scenario_name(self) -> str | None:
        """The single scenario's name for the metadata (None: no scenario, or a comparison)."""
        if self.compare or self.scenarios == (None,):
            return None
        return self.names[0]


@dataclass
class SampledPaths:
    """What a model family's sampling step returns to the forecast template.

    ``samples`` has dims ``(sample, location, indicator, time)``, with a leading ``scenario``
    when the request compares scenarios; ``metadata`` holds the family's own entries (they
    are added to, and may replace, the common ones).

    Examples
    --------
    >>> import numpy as np, pandas as pd, xarray as xr
    >>> paths = xr.DataArray(np.ones((2, 1, 1, 1)), dims=("sample", "location", "indicator",
    ...                      "time"), coords={"location": ["US"], "indicator": ["opioids"],
    ...                                       "time": pd.DatetimeIndex(["2025-12-31"])})
    >>> SampledPaths(paths, "annual", None, {"inference": "exact"}).frequency
    'annual'
    """

    samples: Any  # xarray.DataArray (xarray loads on first use)
    frequency: str
    observed: pd.DataFrame | None
    metadata: dict[str, Any] = field(default_factory=dict)


class FittedModel(ABC):
    """A fitted model: holds the fitted state and produces forecasts.

    :meth:`forecast` is implemented once, here: it checks the arguments, expands and checks
    the scenarios against the model (:meth:`check_scenarios`), records the metadata and builds
    the :class:`~odforecast.forecast.Forecast`.  A model family implements only its sampling
    step, ``_sample_paths``, and, if it has forecast options of its own,
    ``_check_options``.

    Examples
    --------
    >>> import odforecast
    >>> from odforecast.models import FittedModel
    >>> us = odforecast.load_dataset("us_annual").query(
    ...     "indicator == 'opioids' and estimate == 'reported'")
    >>> fitted = odforecast.Naive().fit(us)
    >>> isinstance(fitted, FittedModel)
    True
    >>> fitted.diagnostics[["location", "indicator", "model"]]
      location indicator  model
    0       US   opioids  naive
    >>> fitted.forecast(3, n_samples=100, random_seed=0).samples.dims
    ('sample', 'location', 'indicator', 'time')
    >>> str(fitted.forecast_end(3).date()), fitted.exog_columns
    ('2027-12-31', None)
    """

    model: Model
    series: tuple[Series, ...]
    data: pd.DataFrame

    @property
    @abstractmethod
    def diagnostics(self) -> pd.DataFrame:
        """One row per series describing the fit."""

    @property
    def exog_columns(self) -> list[str] | None:
        """Names of the regressors the model was fitted with (None: fitted without any)."""
        return None

    def forecast_end(self, horizon: int, **options: Any) -> pd.Timestamp:
        """The last period end that a forecast of ``horizon`` periods reaches for every series
        (the earliest over the series, which may end at different dates).

        ``options`` are the family's forecast options that change the time grid (e.g. the
        mechanistic model's ``frequency``).
        """
        horizon = check_horizon(horizon)
        try:
            return min(calendar.frequency(s.frequency).next_ends(s.time[-1], horizon)[-1]
                       for s in self.series)
        except pd.errors.OutOfBoundsDatetime:
            raise ParameterError(f"must end before the year 2262 (the last date pandas can "
                                 f"hold); {horizon} periods reach beyond it",
                                 parameter="horizon") from None

    #: Whether fits of this family can be written with :meth:`save` and read with :meth:`load`.
    can_save: ClassVar[bool] = False

    def save(self, path: str | PathLike[str]) -> None:
        """Write the fit to ``path`` (families with ``can_save``; others refit instead)."""
        raise FitError(f"{type(self).__name__} fits cannot be saved; refit from the data "
                       "(the fit is quick) or save the forecast with Forecast.to_netcdf")

    @classmethod
    def load(cls, path: str | PathLike[str]) -> FittedModel:
        """Read a fit written by :meth:`save`."""
        raise FitError(f"{cls.__name__} fits cannot be saved or loaded; refit from the data")

    def forecast(self, horizon: int, scenario: Scenario | Sequence[Scenario] | None = None, *,
                 n_samples: int = 1000, random_seed: int | None = None,
                 exog_future: pd.DataFrame | None = None) -> Forecast:
        """Sample paths for the next ``horizon`` periods of every series.

        Parameters
        ----------
        horizon
            Number of periods ahead.
        scenario
            A scenario (its multiplier scales the latent rate paths), or a list of scenarios
            to compare (the result gets a ``scenario`` dimension; names must be unique).
            Scenario randomness uses its own random stream: a multiplier of 1 reproduces the
            baseline paths exactly.
        n_samples
            Number of sample paths.
        random_seed
            Seed; the same seed gives the same paths.  None draws one and records it.
        exog_future
            Future regressor values (frame indexed by ``period_end``) for models fitted with
            ``exog``; a covariate scenario may supply them instead.

        Returns
        -------
        odforecast.forecast.Forecast
        """
        return self._forecast(horizon, scenario, n_samples=n_samples, random_seed=random_seed,
                              exog_future=exog_future)

    def _forecast(self, horizon: int, scenario: Any, *, n_samples: int,
                  random_seed: int | None, exog_future: pd.DataFrame | None,
                  **options: Any) -> Forecast:
        """The forecast template: checks, scenarios, the family's sampling step, metadata."""
        from odforecast.forecast import Forecast

        horizon = check_horizon(horizon)
        n_samples = check_count(n_samples, "n_samples")
        seed = resolve_seed(random_seed)
        options = self._check_options(horizon, options)
        self.forecast_end(horizon, **options)  # a horizon beyond the calendar fails here
        if exog_future is not None and self.exog_columns is None:
            raise ParameterError(f"{self.model.name} was fitted without regressors, so it "
                                 "takes no future regressor values", parameter="exog_future")
        self.check_scenarios(scenario, horizon=horizon, exog_future=exog_future, **options)
        items, compare = scenario_items(scenario)
        names = tuple("status_quo" if s is None else s.name for s in items)
        if len(set(names)) != len(names):
            raise ScenarioError(f"scenario names must be unique; got {list(names)}")
        request = ForecastRequest(horizon, items, names, compare, n_samples, seed, exog_future,
                                  options)
        sampled = self._sample_paths(request)
        metadata = {
            "odforecast_version": __version__,
            "model": self.model.name,
            "model_config": {k: _jsonable(v) for k, v in self.model.get_params().items()},
            **self._provenance(),
            "random_seed": seed,
            "warnings": [],
            "scenario": request.scenario_name,
            **sampled.metadata,
        }
        return Forecast(sampled.samples, frequency=sampled.frequency, observed=sampled.observed,
                        metadata=metadata)

    def _provenance(self) -> dict[str, Any]:
        """Metadata on the data the model saw: the vintages and the estimate."""
        return {"data_vintage": ", ".join(sorted(set(self.data["vintage"]))),
                "estimate": self.series[0].estimate}

    def _check_options(self, horizon: int, options: dict[str, Any]) -> dict[str, Any]:
        """Check the family's own forecast options (none by default) and return them."""
        if options:
            name = next(iter(options))
            raise ParameterError(f"{self.model.name} forecasts take no option {name!r}",
                                 parameter=name)
        return {}

    @abstractmethod
    def _sample_paths(self, request: ForecastRequest) -> SampledPaths:
        """The family's sampling step: paths for every series and scenario of ``request``."""

    def check_scenarios(self, scenario: Any, *, horizon: int | None = None,
                        exog_future: pd.DataFrame | None = None, **options: Any) -> None:
        """Check scenarios against this fitted model before any sampling.

        Checks that every item is a scenario; that a scenario supplying regressor paths (a
        :class:`~odforecast.scenarios.CovariateScenario`, also inside a
        :class:`~odforecast.scenarios.Combined`) is neither compared with other scenarios in
        one call (the regressor paths are sampled once per call, so every scenario in the list
        would get them) nor given together with ``exog_future=`` (which would override it);
        each scenario's own check against the model (a covariate scenario must name one of
        :attr:`exog_columns`); and, when ``horizon`` is given, that every onset is before
        :meth:`forecast_end`.  ``forecast`` calls it; :func:`odforecast.scenarios.validate_for`
        is the same check as a function.

        Raises
        ------
        odforecast.errors.ScenarioError
            Naming the scenario and what is wrong.

        Examples
        --------
        >>> import odforecast
        >>> from odforecast.scenarios import Interdiction
        >>> us = odforecast.load_dataset("us_annual").query(
        ...     "indicator == 'opioids' and estimate == 'reported'")
        >>> fitted = odforecast.Drift().fit(us)
        >>> fitted.check_scenarios(Interdiction("cut", 0.3, "2026-01-01"), horizon=5)
        >>> fitted.check_scenarios(Interdiction("late", 0.3, "2040-01-01"), horizon=5)
        Traceback (most recent call last):
        ...
        odforecast.errors.ScenarioError: Interdiction 'late': parameter 'onset' (2040-01-01) is \
not before the end of the forecast horizon (2029-12-31), so the scenario would have no effect; \
choose an earlier onset or a longer horizon
        """
        from odforecast.scenarios.protocols import (
            ModelChecked,
            check_horizon,
            provides_regressors,
        )

        if scenario is None:
            return
        items = [s for s in scenario_items(scenario)[0] if s is not None]
        for s in items:
            if not isinstance(s, Scenario):
                raise ScenarioError(f"scenario must provide .name and .multiplier(time, ...); "
                                    f"got {type(s).__name__}")
        providers = [s.name for s in items if provides_regressors(s)]
        if providers and len(items) > 1:
            raise ScenarioError(f"scenario {providers[0]!r} changes regressor paths, which are "
                                "sampled once per forecast call and would be shared by every "
                                "scenario in the list; forecast it in a separate call")
        if providers and exog_future is not None:
            raise ScenarioError(f"scenario {providers[0]!r} supplies the regressors' future "
                                "values but exog_future= was also given (and would override "
                                "it); give one or the other")
        end = None if horizon is None else self.forecast_end(horizon, **options)
        for s in items:
            if isinstance(s, ModelChecked):
                s.check_model(self)
            if end is not None:
                check_horizon(s, end)


def scenario_items(scenario: Any) -> tuple[tuple[Any, ...], bool]:
    """The scenarios a forecast call names, and whether a list was given (a comparison,
    with a ``scenario`` dimension); None stands for the status quo.

    Examples
    --------
    >>> scenario_items(None)
    ((None,), False)
    >>> scenario_items(["a", "b"])
    (('a', 'b'), True)
    """
    compare = isinstance(scenario, Sequence) and not isinstance(scenario, str)
    return (tuple(scenario) if compare else (scenario,)), compare


@dataclass
class SeriesResult:
    """What fitting one series produced: the state to forecast from, and its diagnostics row."""

    state: Any
    diagnostics: dict[str, Any]
    sampler: PerSeriesModel  # the model whose _sample_series uses ``state`` (maybe the fallback)
    warnings: list[str] = field(default_factory=list)


class PerSeriesModel(Model):
    """A model fitted to each series independently.

    Subclasses implement :meth:`_fit_series`, :meth:`_sample_series` and :meth:`_min_length`;
    everything else (checks, executors, fallback, seeds, scenarios, diagnostics) is shared.

    Examples
    --------
    A model whose future values are the last observation with Poisson noise; it passes the
    contract's checks (:func:`odforecast.testing.check_model`):

    >>> import odforecast
    >>> from odforecast.models import PerSeriesModel
    >>> from odforecast.testing import check_model
    >>> class LastValue(PerSeriesModel):
    ...     name = "last_value"
    ...     def __init__(self, scale=1.0):
    ...         self.scale = scale
    ...     def _fit_series(self, series, exog):
    ...         return float(series.values[-1]), {"last": float(series.values[-1])}
    ...     def _sample_series(self, state, horizon, n_samples, rng, exog_future):
    ...         return rng.poisson(self.scale * state, (n_samples, horizon)).astype(float)
    >>> us = odforecast.load_dataset("us_annual").query(
    ...     "indicator == 'opioids' and estimate == 'reported'")
    >>> float(LastValue().fit(us).diagnostics.loc[0, "last"])
    54924.0
    >>> check_model(LastValue(), us, horizon=3)
    """

    #: Whether the model can take exogenous regressors.
    supports_exog: ClassVar[bool] = False

    #: Whether the model takes missing values: withheld (``not_shown``) and censored cells
    #: after a series' first shown value reach ``_fit_series`` as NaN (``Series.values``;
    #: ``Series.censored`` and ``censor_upper`` say which are censored).  Without it such
    #: cells are refused with a DataError.  Cells before the first shown value are always
    #: dropped (the series starts there); the diagnostics and forecast metadata say so.
    handles_missing: ClassVar[bool] = False

    def _min_length(self, frequency: str) -> int:
        """Fewest observations a series of this ``frequency`` needs (default 2)."""
        return 2

    def _fallback(self) -> PerSeriesModel | None:
        """Model used when a fit fails (None: the error propagates)."""
        return None

    def _simpler_models(self) -> list[PerSeriesModel]:
        """Models needing fewer values, suggested when a series is too short (best first)."""
        return []

    @abstractmethod
    def _fit_series(self, series: Series, exog: np.ndarray | None) -> tuple[Any, dict[str, Any]]:
        """Fit one series; return (state, diagnostics dict)."""

    @abstractmethod
    def _sample_series(self, state: Any, horizon: int, n_samples: int,
                       rng: np.random.Generator, exog_future: np.ndarray | None) -> np.ndarray:
        """Sample paths ``(n_samples, horizon)`` on the count scale, all >= 0."""

    def _forecast_notes(self, series: Series, diagnostics: dict[str, Any],
                        horizon: int) -> list[str]:
        """Warnings about one series' forecast at this horizon, for the forecast's
        ``metadata["warnings"]`` (none by default)."""
        return []

    def fit(self, data: pd.DataFrame, *, exog: pd.DataFrame | None = None,
            executor: Executor | None = None) -> PerSeriesFit:
        """Fit every series in ``data``.

        Parameters
        ----------
        data
            Tidy frame (one estimate per series; see
            :func:`odforecast.models.series.prepare_series`).
        exog
            Regressors: a frame indexed by ``period_end`` dates with one numeric column per
            regressor, covering every observed period.  Only for models with ``supports_exog``.
        executor
            Any :class:`concurrent.futures.Executor` to fit series in parallel.

        Returns
        -------
        PerSeriesFit
        """
        self.check_params()
        series = self._prepare(data)
        if exog is not None and not self.supports_exog:
            raise DataError(f"{self.name} does not take exogenous regressors", column="exog")
        exogs = [None if exog is None else align_exog(exog, s.time, s.label, "exog")
                 for s in series]
        from odforecast._progress import Progress

        # delay: a fit of a few series takes a second and prints nothing; many states do not
        with Progress(self.name, total=len(series), delay=2.0, min_interval=5.0) as report:
            report.start(f"fitting {len(series):,} series ...")
            results = run_tasks(executor, _fit_one, [(self, s, x) for s, x in
                                                     zip(series, exogs, strict=True)],
                                on_done=lambda index, _result: report.step(
                                    f"fitted {series[index].location} "
                                    f"{series[index].indicator}"))
            n_fallback = sum(r.sampler is not self for r in results)
            report.finish(f"{len(series):,} series" + (f", {n_fallback} on fallback"
                                                       if n_fallback else ""))
        return PerSeriesFit(self, tuple(series), data, results,
                            None if exog is None else list(exog.columns))

    def _prepare(self, data: pd.DataFrame) -> list[Series]:
        series = prepare_series(data, min_length=0, allow_censored=self.handles_missing,
                                allow_missing=self.handles_missing, drop_leading=True,
                                model_name=self.name)
        for s in series:
            need = self._min_length(s.frequency)
            shown = int(s.shown.sum())
            if shown < need:
                raise DataError(f"series {s.label} has {_shown_text(s)}; {self.name} needs "
                                f"at least {need}", hint=_too_short_hint(self, s, shown))
        return series


def _shown_text(s: Series) -> str:
    """How many values a series shows, and what it does not (for a too-short error)."""
    gaps = s.gaps()
    n = gaps["n_shown"]
    if not n:
        return "no shown value (every period is withheld or censored)"
    hidden = [f"{gaps[k]} {what}" for k, what in (
        ("n_leading_dropped", "withheld or censored before them"),
        ("n_missing", "withheld among or after them"), ("n_censored", "censored")) if gaps[k]]
    detail = (f" ({gaps['first_period']} to {gaps['last_shown']}; {', '.join(hidden)})"
              if hidden else "")
    return f"{n} observation{'s' if n != 1 else ''}{detail}"


def _too_short_hint(model: PerSeriesModel, s: Series, shown: int) -> str:
    """Which model would work on a short series: a simpler one that needs fewer values, or
    the hierarchical Bayesian model, which pools the locations and uses censored cells."""
    for other in model._simpler_models():
        need = other._min_length(s.frequency)
        if shown >= need:
            return (f"use model '{other.name}' (needs {need} shown values), or 'hierarchical', "
                    "which pools the locations and uses censored counts")
    return ("use model 'hierarchical', which pools the locations and uses censored counts, or "
            "a longer series")


def align_exog(exog: pd.DataFrame, time: pd.DatetimeIndex, label: str,
               parameter: str) -> np.ndarray:
    """Regressor values at ``time`` as a float array, or a DataError naming what is missing."""
    if not isinstance(exog, pd.DataFrame) or not isinstance(exog.index, pd.DatetimeIndex):
        raise DataError(f"{parameter} must be a DataFrame indexed by period_end dates",
                        column=parameter)
    if exog.index.has_duplicates:
        raise DataError(f"{parameter} has duplicated dates", column=parameter)
    aligned = exog.reindex(time)
    values = aligned.to_numpy(dtype=float)
    bad = ~np.isfinite(values)
    if bad.any():
        row, col = np.argwhere(bad)[0]
        raise DataError(f"{parameter} has no finite value of {exog.columns[col]!r} for the "
                        f"period ending {time[row].date()} needed by series {label}",
                        column=str(exog.columns[col]),
                        hint="supply regressor values for every observed and forecast period")
    return values


def _fit_one(model: PerSeriesModel, series: Series, exog: np.ndarray | None) -> SeriesResult:
    """Fit one series, capturing warnings; on failure use the model's fallback."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            state, diag = model._fit_series(series, exog)
            sampler, error = model, ""
        except DataError:  # the user's input or settings are wrong: say so, no fallback
            raise
        except Exception as exc:  # a failed fit must not crash the batch
            fallback = model._fallback()
            if fallback is None:
                raise FitError(f"{model.name} failed on series {series.label}: {exc}") from exc
            error = f"{type(exc).__name__}: {exc}"
            state, diag = fallback._fit_series(series, None)
            sampler = fallback
            tb = traceback.format_exception_only(exc)[-1].strip()
            diag = {**diag, "error": tb}
    messages = sorted({f"{w.category.__name__}: {w.message}" for w in caught})
    gaps = series.gaps()
    diag = {"model": sampler.name, "fallback": sampler is not model, "error": error, **diag,
            "n_obs": gaps.pop("n_shown"), **gaps, "warnings": "; ".join(messages)}
    return SeriesResult(state, diag, sampler, messages)


class PerSeriesFit(FittedModel):
    """The fitted state of a :class:`PerSeriesModel`: one result per series."""

    def __init__(self, model: PerSeriesModel, series: tuple[Series, ...], data: pd.DataFrame,
                 results: list[SeriesResult], exog_columns: list[str] | None) -> None:
        self.model = model
        self.series = series
        self.data = data
        self.results = results
        self._exog_columns = exog_columns

    def __repr__(self) -> str:
        from odforecast.models.report import per_series_repr

        return per_series_repr(self)

    @property
    def diagnostics(self) -> pd.DataFrame:
        """One row per series: model used, fallback, orders, convergence, AICc, Ljung-Box p,
        the values used and what was done with withheld and censored cells (``n_obs``,
        ``first_period``, ``last_shown``, ``last_period``, ``n_leading_dropped``,
        ``n_missing``, ``n_trailing_missing``, ``n_censored``, ``censor_check``; see
        :meth:`data_used`), captured warnings and errors."""
        rows = [{"location": s.location, "indicator": s.indicator, "frequency": s.frequency,
                 "estimate": s.estimate, **r.diagnostics}
                for s, r in zip(self.series, self.results, strict=True)]
        return pd.DataFrame(rows)

    @property
    def exog_columns(self) -> list[str] | None:
        """Names of the regressors the model was fitted with (None: fitted without any)."""
        return self._exog_columns

    def _sample_paths(self, request: ForecastRequest) -> SampledPaths:
        """Each series' paths from its own fitted state; scenarios scale them path by path."""
        blocks: list[np.ndarray] = []
        times: list[pd.DatetimeIndex] = []
        n_samples = request.n_samples
        for s, result in zip(self.series, self.results, strict=True):
            time = future_periods(s.time[-1], s.frequency, request.horizon)
            seq = series_seed(request.seed, s.location, s.indicator)
            path_seq, scenario_seq = seq.spawn(2)
            future = self._future_exog(s, time, request.exog_future, request.scenarios)
            paths = result.sampler._sample_series(result.state, request.horizon, n_samples,
                                                  np.random.default_rng(path_seq), future)
            per_scenario = []
            for scn in request.scenarios:
                effect = evaluate_multiplier(scn, time, location=s.location, indicator=s.indicator,
                                             n_samples=n_samples,
                                             rng=np.random.default_rng(scenario_seq),
                                             frequency=s.frequency)
                per_scenario.append(paths * effect)
            blocks.append(np.stack(per_scenario))
            times.append(time)
        samples = assemble_paths(self.series, blocks, times, request)
        warn = [f"{s.label}: fitted with fallback {r.sampler.name} ({r.diagnostics['error']})"
                for s, r in zip(self.series, self.results, strict=True)
                if r.sampler is not self.model]
        warn += [note for s, r in zip(self.series, self.results, strict=True)
                 for note in _gap_warnings(s, r.diagnostics)]
        warn += [note for s, r in zip(self.series, self.results, strict=True)
                 for note in r.sampler._forecast_notes(s, r.diagnostics, request.horizon)]
        return SampledPaths(samples, self.series[0].frequency, self.data,
                            {"warnings": warn, "data_used": self.data_used()})

    def data_used(self) -> list[dict[str, Any]]:
        """Per series, the periods the fit used and what it did with withheld and censored
        cells (also in :attr:`diagnostics`, and in every forecast's ``metadata["data_used"]``).

        ``first_period`` is where the series starts (``n_leading_dropped`` withheld or censored
        cells before it were dropped); ``last_shown`` is its last shown value and
        ``last_period`` its last period, after which the forecast starts; the
        ``n_missing`` withheld cells (``n_trailing_missing`` of them after ``last_shown``) and
        ``n_censored`` censored cells in between were missing values in the fit;
        ``censor_check`` names censored cells whose fitted level is clearly above the bound.

        Examples
        --------
        >>> import odforecast
        >>> fl = odforecast.load_dataset("states_monthly_12m").query(
        ...     "location == 'US-FL' and indicator == 'synthetic_opioids' "
        ...     "and estimate == 'reported'")
        >>> used = odforecast.Naive().fit(fl).data_used()[0]
        >>> used["first_period"], used["last_shown"], used["n_trailing_missing"]
        ('2019-10-31', '2024-09-30', 5)
        """
        keys = ("first_period", "last_shown", "last_period", "n_leading_dropped", "n_missing",
                "n_trailing_missing", "n_censored")
        return [{"location": s.location, "indicator": s.indicator, "n_obs": r.diagnostics["n_obs"],
                 **{k: r.diagnostics[k] for k in keys},
                 "censor_check": r.diagnostics.get("censor_check", "")}
                for s, r in zip(self.series, self.results, strict=True)]

    def _future_exog(self, s: Series, time: pd.DatetimeIndex, exog_future: pd.DataFrame | None,
                     scenarios: Sequence[Scenario | None]) -> np.ndarray | None:
        if self.exog_columns is None:  # the template refused exog_future already
            return None
        provider = next((scn for scn in scenarios if isinstance(scn, RegressorProvider)), None)
        if exog_future is None and provider is not None:
            exog_future = provider.exog_future(time, columns=self.exog_columns,
                                               history=None)
        if exog_future is None:
            raise DataError(f"the model was fitted with regressors {self.exog_columns}; give "
                            "their future values with exog_future= (or a covariate scenario)",
                            column="exog_future")
        missing = [c for c in self.exog_columns if c not in exog_future.columns]
        if missing:
            raise DataError(f"exog_future lacks regressor {missing[0]!r}", column=missing[0])
        return align_exog(exog_future[self.exog_columns], time, s.label, "exog_future")


def _gap_warnings(s: Series, diagnostics: dict[str, Any]) -> list[str]:
    """What a forecast's user must know about the data behind one series: periods the
    publisher withheld at its end (the forecast bridges them) and censored cells the fit
    contradicts."""
    notes = []
    trailing = diagnostics.get("n_trailing_missing", 0)
    if trailing:
        notes.append(f"{s.label}: the last {trailing} period{'s' if trailing > 1 else ''} "
                     f"(to {diagnostics['last_period']}) are withheld by the publisher; the "
                     f"forecast starts after {diagnostics['last_period']} and the model "
                     f"bridges them from the last shown value ({diagnostics['last_shown']})")
    if diagnostics.get("censor_check"):
        notes.append(f"{s.label}: {diagnostics['censor_check']}")
    return notes


def assemble_paths(series: Sequence[Series], blocks: list[np.ndarray],
                   times: list[pd.DatetimeIndex], request: ForecastRequest):
    """One array of every series' paths: ``blocks[i]`` is series ``i``'s
    ``(scenario, sample, time)`` array on ``times[i]``; periods a series does not reach are NaN.
    The ``scenario`` dimension is kept only when the request compares scenarios."""
    import xarray as xr

    locations = sorted({s.location for s in series})
    indicators = sorted({s.indicator for s in series})
    time = times[0]
    for t in times[1:]:
        time = time.union(t)
    n_scn, n_samples = len(request.scenarios), blocks[0].shape[1]
    data = np.full((n_scn, n_samples, len(locations), len(indicators), len(time)), np.nan)
    for s, block, t in zip(series, blocks, times, strict=True):
        data[:, :, locations.index(s.location), indicators.index(s.indicator),
             time.get_indexer(t)] = block
    coords = {"sample": np.arange(n_samples), "location": locations, "indicator": indicators,
              "time": time}
    if not request.compare:
        return xr.DataArray(data[0], dims=("sample", "location", "indicator", "time"),
                            coords=coords, name="deaths")
    coords["scenario"] = list(request.names)
    return xr.DataArray(data, dims=("scenario", "sample", "location", "indicator", "time"),
                        coords=coords, name="deaths")


def _jsonable(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return repr(value)
