"""A fitted :class:`~odforecast.models.ensemble.Ensemble`: the members' fits, the weights, and
the mixture of the members' sample paths."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from odforecast.errors import FitError
from odforecast.models.base import (
    FittedModel,
    ForecastRequest,
    MemberData,
    SampledPaths,
    proportional_counts,
    series_seed,
)
from odforecast.models.ensemble.convergence import combine_convergence, series_convergence
from odforecast.models.series import Series

if TYPE_CHECKING:  # pragma: no cover - for type checkers only
    from odforecast.forecast import Forecast
    from odforecast.models.ensemble.model import Ensemble
    from odforecast.models.ensemble.weights import PastScores

__all__ = ["EnsembleFit", "allocate", "mix_forecasts"]


def allocate(weights: np.ndarray, n_samples: int, rng: np.random.Generator) -> np.ndarray:
    """Which member each of ``n_samples`` paths comes from: ``round(n * w)`` paths per member
    (largest remainders; the counts follow the weights as closely as whole paths can), in a
    random order.

    Examples
    --------
    >>> np.bincount(allocate(np.array([0.5, 0.25, 0.25]), 8, np.random.default_rng(0)))
    array([4, 2, 2])
    """
    counts = proportional_counts(weights, n_samples)
    return rng.permutation(np.repeat(np.arange(len(counts)), counts))


def mix_forecasts(forecasts: Sequence[Forecast], weights: Sequence[float] | None = None, *,
                  random_seed: int = 0, metadata: dict[str, Any] | None = None) -> Forecast:
    """A weighted mixture of forecasts of the same series and periods, path by path.

    Path ``i`` of the mixture is path ``i`` of one member, chosen by ``allocate``; with a
    ``scenario`` dimension the same member is chosen in every scenario, so the mixture's
    scenarios stay paired path by path as each member's are.  Scenarios not projected by
    every member are left out.

    Parameters
    ----------
    forecasts
        Forecasts with the same locations, indicators, periods and frequency.
    weights
        One non-negative weight per forecast (normalised); None: equal weights.
    random_seed
        Seed of the allocation of paths to members.
    metadata
        Metadata of the mixture (default: the weights).

    Returns
    -------
    Forecast
        As many paths as the smallest member has.

    Raises
    ------
    odforecast.FitError
        If the forecasts cover different series, periods or frequencies, or share no
        scenario.

    Examples
    --------
    >>> import odforecast
    >>> us = odforecast.load_dataset("us_annual").query(
    ...     "indicator == 'opioids' and estimate == 'reported'")
    >>> low = odforecast.Naive().fit(us).forecast(3, n_samples=100, random_seed=0)
    >>> high = odforecast.Drift().fit(us).forecast(3, n_samples=100, random_seed=0)
    >>> mixed = mix_forecasts([low, high], [0.75, 0.25], random_seed=0)
    >>> mixed.samples.sizes["sample"], mixed.metadata["weights"]
    (100, [0.75, 0.25])
    """
    from odforecast.forecast import Forecast

    if not forecasts:
        raise FitError("mix_forecasts needs at least one forecast")
    w = np.full(len(forecasts), 1.0) if weights is None else np.asarray(weights, dtype=float)
    if w.shape != (len(forecasts),) or not np.all(np.isfinite(w)) or np.any(w < 0) \
            or w.sum() <= 0:
        raise FitError(f"weights must be {len(forecasts)} non-negative numbers, not all 0; "
                       f"got {weights!r}")
    w = w / w.sum()
    first = forecasts[0].samples
    samples = [fc.samples for fc in forecasts]
    if "scenario" in first.dims:
        common = [s for s in first["scenario"].values
                  if all("scenario" in x.dims and s in x["scenario"].values for x in samples)]
        if not common:
            raise FitError("the forecasts share no scenario")
        samples = [x.sel(scenario=common) for x in samples]
    n = min(x.sizes["sample"] for x in samples)
    samples = [x.isel(sample=slice(0, n)) for x in samples]
    labels = [f"forecast {k}" for k in range(len(forecasts))]
    if any(fc.frequency != forecasts[0].frequency for fc in forecasts):
        raise FitError("the forecasts have different frequencies, so their paths cannot be "
                       "mixed")
    _check_same_cells(samples, labels)
    member = allocate(w, n, np.random.default_rng(random_seed))
    choice = np.broadcast_to(member[:, None, None],
                             (n, first.sizes["location"], first.sizes["indicator"]))
    mixed = samples[0].copy(data=_pick_paths(samples, choice))
    meta = {"weights": [round(float(v), 6) for v in w]} if metadata is None else metadata
    return Forecast(mixed, frequency=forecasts[0].frequency,
                    observed=forecasts[0].observed, metadata=meta)


def _check_same_cells(samples: Sequence[Any], labels: Sequence[str]) -> None:
    """Raise unless every sample array has the first one's dimensions and coordinates (the
    number of paths aside): paths of different series or periods cannot be mixed."""
    first = samples[0]
    for label, x in zip(labels[1:], samples[1:], strict=True):
        if x.dims != first.dims or any(not np.array_equal(x[d].values, first[d].values)
                                       for d in first.dims if d != "sample"):
            raise FitError(f"{labels[0]} and {label} forecast different series or periods, "
                           "so their paths cannot be mixed")


def _pick_paths(samples: Sequence[Any], choice: np.ndarray) -> np.ndarray:
    """Values of the mixture: path ``i`` of ``(location, indicator)`` from member
    ``choice[i, location, indicator]``, the same member at every time and in every scenario
    (the canonical dimensions: ``[scenario,] sample, location, indicator, time``)."""
    stacked = np.stack([x.values for x in samples])  # (member, [scenario,] sample, ...)
    index = choice[..., None]  # (sample, location, indicator, time=1)
    if samples[0].dims[0] == "scenario":
        index = index[None]
    return np.take_along_axis(stacked, index[None], axis=0)[0]


def member_seed(seed: int, index: int) -> int:
    """The forecast seed of member ``index``: derived from the ensemble's, distinct per member.

    Examples
    --------
    >>> member_seed(0, 0) == member_seed(0, 0) != member_seed(0, 1)
    True
    """
    return int(np.random.SeedSequence(seed, spawn_key=(index,)).generate_state(1)[0])


class EnsembleFit(FittedModel):
    """The fitted ensemble: one fit per member and the weights of every series.

    Attributes
    ----------
    members
        Member label -> its fitted model.
    weights
        ``(location, indicator)`` -> the members' weights (in member order, summing to 1).
    method
        How the weights were set: ``"equal"``, ``"inverse_wis"``, ``"stacking"`` or
        ``"fixed"`` (given).
    past
        The members' backtests the weights were learnt from (None for equal or given weights).

    Examples
    --------
    >>> import odforecast
    >>> us = odforecast.load_dataset("us_annual").query(
    ...     "indicator == 'opioids' and estimate == 'reported'")
    >>> fitted = odforecast.Ensemble([odforecast.Naive(), "drift"], weights=[3, 1]).fit(us)
    >>> fitted
    <EnsembleFit of naive, drift: 1 series, given weights
      US opioids: naive 0.75, drift 0.25>
    >>> fitted.diagnostics[["location", "members", "weight_naive", "weight_drift"]]
      location       members  weight_naive  weight_drift
    0       US  naive, drift          0.75          0.25
    """

    def __init__(self, model: Ensemble, series: tuple[Series, ...], data: pd.DataFrame,
                 labels: Sequence[str], fits: Sequence[FittedModel],
                 weights: dict[tuple[str, str], np.ndarray], *, method: str, seed: int,
                 past: PastScores | None, horizon: int,
                 shares: dict[str, MemberData] | None = None) -> None:
        self.model = model
        self.series = series
        self.data = data
        self.labels = list(labels)
        self.members = dict(zip(self.labels, fits, strict=True))
        self.weights = weights
        self.method = method
        self.seed = seed
        self.past = past
        self.horizon = horizon
        every = frozenset(s.key for s in series)
        #: member label -> the series its forecast is used for, and why it leaves any out
        self.shares = shares or {label: MemberData(data, every) for label in self.labels}

    def __repr__(self) -> str:
        how = {"equal": "equal weights", "fixed": "given weights"}.get(
            self.method, f"{self.method} weights from backtests at {self._origins_text()} "
                         f"(h = 1-{self.horizon})")
        lines = [f"<EnsembleFit of {', '.join(self.labels)}: {len(self.series)} series, {how}"]
        for s in self.series[:8]:
            shares = ", ".join(f"{label} {w:.2f}" for label, w in
                               zip(self.labels, self.weights[s.key], strict=True))
            lines.append(f"  {s.location} {s.indicator}: {shares}")
        if len(self.series) > 8:
            lines.append(f"  ... {len(self.series) - 8} more series")
        return "\n".join(lines) + ">"

    def _origins_text(self) -> str:
        origins = [] if self.past is None else self.past.origins
        return ", ".join(str(d.date()) for d in origins)

    # -- tables ------------------------------------------------------------------------------
    @property
    def weight_table(self) -> pd.DataFrame:
        """One row per series and member: the weight, the member's mean WIS and CRPS on the
        backtest cells and their number (NaN and 0 when the weights were not learnt)."""
        scores = None if self.past is None else self.past.mean_scores(self.labels)
        rows = []
        for s in self.series:
            for label, weight in zip(self.labels, self.weights[s.key], strict=True):
                row = {"location": s.location, "indicator": s.indicator, "member": label,
                       "weight": float(weight), "past_wis": np.nan, "past_crps": np.nan,
                       "n_cells": 0}
                if scores is not None:
                    hit = scores[(scores["location"] == s.location)
                                 & (scores["indicator"] == s.indicator)
                                 & (scores["model"] == label)]
                    if len(hit):
                        row.update(past_wis=float(hit["past_wis"].iloc[0]),
                                   past_crps=float(hit["past_crps"].iloc[0]),
                                   n_cells=int(hit["n_cells"].iloc[0]))
                rows.append(row)
        return pd.DataFrame(rows)

    @property
    def diagnostics(self) -> pd.DataFrame:
        """One row per series: the members, each one's weight and past WIS (columns
        ``weight_<member>`` and ``past_wis_<member>``), how the weights were set, whether any
        member fell back to a simpler model for the series, the members' warnings and, when
        a member is Bayesian, the worst of the members' convergence checks (``r_hat_max``,
        ``ess_bulk_min``, ``ess_tail_min``, ``divergences``, ``trustworthy``): a mixture is
        only as trustworthy as its least trustworthy member."""
        table = self.weight_table
        member_diag = {label: fit.diagnostics for label, fit in self.members.items()}
        rows = []
        for s in self.series:
            mine = table[(table["location"] == s.location) & (table["indicator"] == s.indicator)]
            row: dict[str, Any] = {"location": s.location, "indicator": s.indicator,
                                   "frequency": s.frequency, "estimate": s.estimate,
                                   "model": self.model.name, "members": ", ".join(self.labels),
                                   "weights": self.method}
            for r in mine.itertuples(index=False):
                row[f"weight_{r.member}"] = r.weight
            for r in mine.itertuples(index=False):
                row[f"past_wis_{r.member}"] = r.past_wis
            fallback = False
            notes = [f"{label}: not used for this series "
                     f"({share.reason(s.location)})"
                     for label, share in self.shares.items() if s.key not in share.covers]
            # the members used for this series only: a pooled member's fit may have a series
            # of the same name that it is not used for (New York with the city added)
            used = {label: diag for label, diag in member_diag.items()
                    if s.key in self.shares[label].covers}
            for label, diag in used.items():
                hit = diag[(diag["location"] == s.location) & (diag["indicator"] == s.indicator)]
                if hit.empty:
                    continue
                if "fallback" in hit and bool(hit["fallback"].iloc[0]):
                    fallback = True
                    notes.append(f"{label}: fell back to {hit['model'].iloc[0]}")
                if "warnings" in hit and hit["warnings"].iloc[0]:
                    notes.append(f"{label}: {hit['warnings'].iloc[0]}")
            row.update(fallback=fallback, n_obs=len(s), warnings="; ".join(notes))
            row.update(series_convergence(used, s.location, s.indicator))
            rows.append(row)
        return pd.DataFrame(rows)

    def members_not_used(self) -> list[str]:
        """One sentence per member and reason: the series its forecast is not used for, and
        why (empty when every member forecasts every series).

        Examples
        --------
        >>> import odforecast
        >>> us = odforecast.load_dataset("us_annual").query(
        ...     "indicator == 'opioids' and estimate == 'reported'")
        >>> odforecast.Ensemble(["naive", "drift"]).fit(us).members_not_used()
        []
        """
        groups: dict[tuple[str, str], list[str]] = {}
        for s in self.series:
            for label, share in self.shares.items():
                if s.key not in share.covers:
                    groups.setdefault((label, share.reason(s.location)), []).append(
                        f"{s.location} {s.indicator}")
        return [f"{label} is not used for {', '.join(names)}: {why}"
                for (label, why), names in groups.items()]

    # -- forecasting -------------------------------------------------------------------------
    def check_scenarios(self, scenario: Any, *, horizon: int | None = None,
                        exog_future: pd.DataFrame | None = None, **options: Any) -> None:
        """Every member must accept the scenario: each member's own check runs, and the first
        refusal is raised as that member's :class:`~odforecast.errors.ScenarioError`."""
        for fit in self.members.values():
            fit.check_scenarios(scenario, horizon=horizon, exog_future=exog_future, **options)

    def forecast(self, horizon: int, scenario: Any = None, *, n_samples: int = 1000,
                 random_seed: int | None = None,
                 exog_future: pd.DataFrame | None = None) -> Forecast:
        """Mixture sample paths for the next ``horizon`` periods of every series.

        Each member forecasts ``n_samples`` paths (with the scenario, and a seed derived from
        ``random_seed``); path ``i`` of series ``s`` is then path ``i`` of one member, chosen so
        that the share of paths from each member equals the series' weight (to the nearest
        path), in an order drawn from ``random_seed``.  The same members are chosen for every
        scenario of a comparison, so scenarios differ path by path only by their effect.
        Arguments as :meth:`odforecast.models.FittedModel.forecast`.

        Examples
        --------
        >>> import odforecast
        >>> us = odforecast.load_dataset("us_annual").query(
        ...     "indicator == 'opioids' and estimate == 'reported'")
        >>> fitted = odforecast.Ensemble(["naive", "drift"], weights="equal").fit(us)
        >>> fc = fitted.forecast(2, n_samples=100, random_seed=0)
        >>> fc.metadata["ensemble"]["weights"]
        {'US|opioids': {'naive': 0.5, 'drift': 0.5}}
        """
        return self._forecast(horizon, scenario, n_samples=n_samples, random_seed=random_seed,
                              exog_future=exog_future)

    def _sample_paths(self, request: ForecastRequest) -> SampledPaths:
        scenario = list(request.scenarios) if request.compare else request.scenarios[0]
        forecasts = [fit.forecast(request.horizon, scenario, n_samples=request.n_samples,
                                  random_seed=member_seed(request.seed, k),
                                  exog_future=request.exog_future)
                     for k, fit in enumerate(self.members.values())]
        samples = self._aligned_samples(forecasts)
        first = samples[0]
        choice = np.zeros((request.n_samples, first.sizes["location"],
                           first.sizes["indicator"]), dtype=int)
        locations = [str(v) for v in first["location"].values]
        indicators = [str(v) for v in first["indicator"].values]
        for s in self.series:
            rng = np.random.default_rng(series_seed(request.seed, s.location, s.indicator))
            choice[:, locations.index(s.location), indicators.index(s.indicator)] = \
                allocate(self.weights[s.key], request.n_samples, rng)
        mixed = first.copy(data=_pick_paths(samples, choice))
        return SampledPaths(mixed, forecasts[0].frequency, self.data,
                            self._metadata(forecasts))

    def _aligned_samples(self, forecasts: Sequence[Forecast]) -> list[Any]:
        """The members' paths on one grid: the ensemble's locations and indicators (sorted,
        as every model's forecast has them) and every member's periods, each member's paths
        kept only for the series it takes part in (NaN elsewhere: a weight of 0 there, so
        never drawn)."""
        import xarray as xr

        locations = sorted({s.location for s in self.series})
        indicators = sorted({s.indicator for s in self.series})
        aligned = []
        for label, fc in zip(self.labels, forecasts, strict=True):
            x = fc.samples
            missing = [f"{loc} {ind}" for loc, ind in sorted(self.shares[label].covers)
                       if loc not in x["location"].values or ind not in x["indicator"].values]
            if missing:
                raise FitError(f"ensemble member {label} did not forecast {missing[0]}, a "
                               "series it was fitted to")
            x = x.reindex(location=locations, indicator=indicators)
            used = xr.DataArray([[(loc, ind) in self.shares[label].covers for ind in indicators]
                                 for loc in locations], dims=("location", "indicator"))
            aligned.append(x.where(used))
        time = aligned[0]["time"].to_index()
        for x in aligned[1:]:
            time = time.union(x["time"].to_index())
        return [x.reindex(time=time).transpose(*aligned[0].dims) for x in aligned]

    def _metadata(self, forecasts: Sequence[Forecast]) -> dict[str, Any]:
        members = []
        warnings = []
        for label, fc in zip(self.labels, forecasts, strict=True):
            members.append({"label": label, **fc.metadata})
            warnings += [f"{label}: {w}" for w in fc.metadata.get("warnings", [])]
        # the Bayesian members' checks, worst first, where a backtest looks for them
        # (BacktestResult.fits)
        convergence = combine_convergence({label: fc.metadata.get("convergence") for label, fc
                                           in zip(self.labels, forecasts, strict=True)})
        weights = {f"{s.location}|{s.indicator}": {label: round(float(w), 6) for label, w in
                                                  zip(self.labels, self.weights[s.key],
                                                      strict=True)}
                   for s in self.series}
        ensemble = {"members": self.labels, "weights": weights, "weights_method": self.method,
                    "fit_random_seed": self.seed}
        if self.past is not None:
            table = self.weight_table
            ensemble.update(
                weight_origins=[str(d.date()) for d in self.past.origins],
                weight_horizon=self.horizon, weight_samples=self.model.weight_samples,
                weights_learnt_from=(
                    f"backtests of every member on the training data only: refitted at each "
                    f"weight origin, scored on horizons 1-{self.horizon} at periods inside "
                    f"the data"),
                past_wis={f"{r.location}|{r.indicator}|{r.member}": round(r.past_wis, 4)
                          for r in table.itertuples(index=False)})
        metadata = {"ensemble": ensemble, "members": members, "warnings": warnings}
        if convergence is not None:
            metadata["convergence"] = convergence
        return metadata
