"""HierarchicalBayes: partial pooling of levels, growth rates and noise across locations."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from odforecast.errors import DataError, ParameterError
from odforecast.models.base import MemberData
from odforecast.models.bayes.config import (
    DEFAULT_MODEL_CONFIG,
    DEFAULT_SAMPLER_CONFIG,
    HIERARCHICAL_MODEL_CONFIG,
    HIERARCHICAL_SAMPLER_CONFIG,
)
from odforecast.models.bayes.fit import BayesModel

__all__ = ["HierarchicalBayes"]


class HierarchicalBayes(BayesModel):
    """Hierarchical Bayesian trend model across locations (e.g. 50 states + DC).

    The same damped local-linear-trend negative-binomial model as
    :class:`~odforecast.models.BayesianTrend`, with the initial log rates, initial growth
    rates and innovation scales of the locations drawn from common distributions (non-centred
    partial pooling), one overdispersion for all, and a growth shock shared by every location
    at each step on top of each location's own, so that the locations' paths move together
    as they did in 2020 and 2023-24 (``common_shock_sd``).  With ``population`` the levels
    are death rates per person, so pooling compares like with like; ``population="auto"``
    (the default) uses the bundled Census estimates for US states.  Suppressed state cells are
    censored.  Forecasts include every location and, as location ``aggregate_location``, the
    sum of the location paths — a total whose uncertainty honours the correlation the shared
    parameters and shocks induce.  Data with several indicators get one hierarchy per
    indicator, fitted separately (a :class:`~odforecast.models.grouped.GroupedFit`): the
    locations of an indicator are pooled with each other, not with another indicator's, whose
    levels and growth differ in kind.  The indicators' forecasts share the seed, and with it
    the random stream of the shared growth shocks, so nested indicators (opioids within all
    drugs) move together in a path, as they do in the data.

    Parameters
    ----------
    aggregate_location
        Code of the summed series added to forecasts.  ``"auto"`` (the default) adds ``US``
        when the locations are exactly the 50 states and DC (New York City counted with New
        York), and no aggregate otherwise: the sum of a handful of states is not the US.  Give
        a code the data do not contain to add the sum anyway (``"US"`` for a deliberate
        subset, knowing what it is); ``None``: no aggregate.
    **kwargs
        As for :class:`~odforecast.models.BayesianTrend` (``model_config``, ``sampler_config``,
        ``damped``, ``changepoints``, ``population``, ``random_seed``).  The annual
        decade-horizon defaults of ``BayesianTrend`` do not apply: the hierarchical model keeps
        :data:`~odforecast.models.bayes.config.DEFAULT_MODEL_CONFIG` at every frequency (its
        state benchmarks were run with it), with
        :data:`~odforecast.models.bayes.config.HIERARCHICAL_MODEL_CONFIG` in place of its keys:
        one overdispersion shared by all locations and a tighter prior on the pooled
        growth-rate scale, without which the fits at the early backtest origins (3-6 years of
        data per state) did not converge, and the shared growth shock, without which a
        national total summed from the states was far too certain (80 % intervals covering
        15 % of the outcomes; ``{"common_shock_sd": None}`` removes it).  Its sampler runs
        2 x 2,000 draws by default
        (:data:`~odforecast.models.bayes.config.HIERARCHICAL_SAMPLER_CONFIG`): the spread of
        the locations' growth scales mixes slowly, and a 2 x 1,000-draw run needed the
        automatic longer rerun at every benchmark origin.

    Examples
    --------
    >>> import odforecast
    >>> from odforecast.models import HierarchicalBayes
    >>> states = odforecast.load_dataset("states_annual").query(
    ...     "indicator == 'opioids' and estimate == 'reported' and location != 'US-NYC'"
    ...     " and location != 'US-PR'")
    >>> fitted = HierarchicalBayes().fit(states)  # doctest: +SKIP
    """

    name = "hierarchical"
    pooled = True
    default_model_config: ClassVar[dict[str, Any]] = {**DEFAULT_MODEL_CONFIG,
                                                      **HIERARCHICAL_MODEL_CONFIG}
    default_sampler_config: ClassVar[dict[str, Any]] = {**DEFAULT_SAMPLER_CONFIG,
                                                        **HIERARCHICAL_SAMPLER_CONFIG}

    def __init__(self, *, aggregate_location: str | None = "auto", model_config=None,
                 sampler_config=None, damped: bool = True, changepoints=None,
                 population="auto", random_seed: int | None = None) -> None:
        super().__init__(model_config=model_config, sampler_config=sampler_config,
                         damped=damped, changepoints=changepoints, population=population,
                         random_seed=random_seed)
        self.aggregate_location = aggregate_location

    def check_params(self) -> None:
        super().check_params()
        if self.aggregate_location is not None and not isinstance(self.aggregate_location, str):
            raise ParameterError(f"must be a location code, 'auto' or None; got "
                                 f"{self.aggregate_location!r}", parameter="aggregate_location")

    def fit(self, data, *, exog=None, executor=None):
        locations = set(data["location"])
        if self.aggregate_location not in (None, "auto") and self.aggregate_location in locations:
            raise DataError(f"the data already contain {self.aggregate_location!r}; the "
                            "hierarchical model adds it as the sum of the locations",
                            column="location", hint="drop it, or set aggregate_location=None")
        if len(locations) < 2:
            raise DataError(f"a hierarchical model pools locations and needs at least two; "
                            f"got {', '.join(sorted(locations)) or 'none'}", column="location",
                            hint="add neighbouring locations (--location is repeatable), or "
                                 "use BayesianTrend (--model bayes) for one location")
        indicators = sorted(set(data["indicator"]))
        if len(indicators) == 1:
            return super().fit(data, exog=exog, executor=executor)
        # one hierarchy per indicator: the locations of an indicator are pooled with each
        # other, not with another indicator's (whose levels and growth differ in kind)
        self.check_params()
        from odforecast.models.grouped import GroupedFit

        return GroupedFit(self, {ind: self.fit(data[data["indicator"] == ind], exog=exog,
                                               executor=executor) for ind in indicators}, data)

    def member_data(self, data) -> MemberData:
        """As an :class:`~odforecast.Ensemble` member the model pools the sub-national series
        of ``data`` and is used for them only: a national total beside them (``US``, or the
        ``aggregate_location`` given) is their sum, not one of the pooled locations, so the
        other members forecast it alone (its summed paths, tried as a member for the US,
        scored worse than the others' mixture: benchmarks/forecast_accuracy).  With Census
        populations (``population="auto"``), New York City is added into New York, as Census
        counts it, and that pooled series is used for neither VSRR series; without New York,
        the city is left out.

        Raises
        ------
        odforecast.DataError
            If fewer than two locations are left to pool.

        Examples
        --------
        >>> import odforecast, pandas as pd
        >>> from odforecast.models import HierarchicalBayes
        >>> states = odforecast.load_dataset("states_annual").query(
        ...     "indicator == 'opioids' and estimate == 'reported' and "
        ...     "location in ['US-NY', 'US-NYC', 'US-OH', 'US-KY']")
        >>> us = odforecast.load_dataset("us_annual").query(
        ...     "indicator == 'opioids' and estimate == 'reported'")
        >>> member = HierarchicalBayes().member_data(pd.concat([us, states]))
        >>> sorted(member.covers), sorted(set(member.data["location"]))
        ([('US-KY', 'opioids'), ('US-OH', 'opioids')], ['US-KY', 'US-NY', 'US-OH'])
        >>> member.reasons["US"]
        'US is the total of the locations it pools'
        >>> print(member.reasons["US-NYC"])  # doctest: +NORMALIZE_WHITESPACE
        it pools US-NY and US-NYC as one (the city added into the state, as Census counts
        it), which is neither VSRR series
        """
        from odforecast.data.transform import merge_nyc
        from odforecast.errors import OdforecastError

        totals = {"US"} | ({self.aggregate_location}
                           if self.aggregate_location not in (None, "auto") else set())
        locations = set(data["location"])
        totals &= locations
        rows = data[~data["location"].isin(totals)] if locations - totals else data
        reasons = {loc: f"{loc} is the total of the locations it pools" for loc in totals
                   if len(rows) < len(data)}
        excluded: set[str] = set()
        if isinstance(self.population, str) and "US-NYC" in set(rows["location"]):
            try:
                if "US-NY" not in set(rows["location"]):
                    raise DataError("no US-NY to add the city into")
                merged = merge_nyc(rows)
            except OdforecastError as exc:  # the city cannot be added into the state
                rows = rows[~rows["location"].isin(["US-NY", "US-NYC"])]
                why = f"Census has no population of New York City alone ({exc})"
            else:
                rows = merged
                why = ("it pools US-NY and US-NYC as one (the city added into the state, as "
                       "Census counts it), which is neither VSRR series")
            excluded = {"US-NY", "US-NYC"} & locations
            reasons.update(dict.fromkeys(sorted(excluded), why))
        pooled = set(rows["location"])
        if len(pooled) < 2:
            raise DataError(f"as an ensemble member the hierarchical model pools sub-national "
                            f"locations and needs at least two; the data leave "
                            f"{', '.join(sorted(pooled)) or 'none'}", column="location",
                            hint="add state series to the data, or leave 'hierarchical' out "
                                 "of the members")
        covers = frozenset((loc, ind) for loc, ind in
                           rows[["location", "indicator"]].drop_duplicates().itertuples(
                               index=False) if loc not in excluded)
        note = ("pools the sub-national series only: "
                + "; ".join(f"{loc}: {why}" for loc, why in sorted(reasons.items()))
                if reasons else "")
        return MemberData(rows, covers, note, reasons)

    def _population(self, series):
        """The population table; ``"auto"`` (Census estimates by state) with a separate New
        York City is refused before any work: VSRR's US-NY excludes the city while Census's
        New York includes it, and Census has no row for the city itself."""
        if isinstance(self.population, str) and any(s.location == "US-NYC" for s in series):
            raise DataError(
                "population='auto' (Census estimates by state) has no US-NYC: VSRR reports New "
                "York City apart and its US-NY excludes the city, while Census counts the city "
                "within New York", column="population",
                hint="add the city into the state first: data = "
                     "odforecast.data.transform.merge_nyc(data), as the command line does "
                     "unless --keep-nyc; or pass a population table with US-NYC rows; or "
                     "population=None to model counts")
        return super()._population(series)

    def aggregate_code(self, locations: set[str]) -> str | None:
        """Code of the summed series added to forecasts of ``locations`` (None: no sum).

        Examples
        --------
        >>> HierarchicalBayes().aggregate_code({"US-OH", "US-KY"}) is None
        True
        >>> HierarchicalBayes(aggregate_location="OH+KY").aggregate_code({"US-OH", "US-KY"})
        'OH+KY'
        """
        if self.aggregate_location == "auto":
            return "US" if _is_states_and_dc(locations) else None
        return self.aggregate_location

    def add_aggregate(self, samples, series):
        """The location paths and, as location :meth:`aggregate_code`, their sum."""
        return _with_aggregate(samples, self.aggregate_code({s.location for s in series}))


def _is_states_and_dc(locations: set[str]) -> bool:
    """True when ``locations`` are the 50 states and DC (``US-NYC`` allowed with ``US-NY``)."""
    from odforecast.data.locations import US_STATES

    states = {f"US-{abbrev}" for abbrev in US_STATES}
    return locations - {"US-NYC"} == states


def _with_aggregate(samples, code: str | None):
    import xarray as xr

    if code is None:
        return samples
    total = samples.sum("location", skipna=False)
    if np.isnan(total.values).any():
        # locations end at different periods: the sum exists only where all have paths
        total = samples.sum("location", min_count=samples.sizes["location"])
    total = total.expand_dims(location=[code])
    return xr.concat([samples, total], dim="location")
