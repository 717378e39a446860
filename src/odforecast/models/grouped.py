"""A fit made of separate fits of groups of series, forecast as one: how
:class:`~odforecast.models.HierarchicalBayes` pools the locations of each indicator on their
own when the data hold several indicators."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from odforecast.models.base import FittedModel, ForecastRequest, Model, SampledPaths

__all__ = ["GroupedFit"]


class GroupedFit(FittedModel):
    """Separate fits of one model to groups of the series, forecast together.

    Each group's fit forecasts its own series with the request as given (the same seed), and
    the paths are put on one grid (the groups' locations and indicators, sorted, as every
    model's forecast has them; NaN where a group has no such series).

    Attributes
    ----------
    fits
        Group name (e.g. the indicator) -> that group's fit.

    Examples
    --------
    >>> import odforecast
    >>> from odforecast.models import HierarchicalBayes
    >>> states = odforecast.load_dataset("states_annual").query(
    ...     "indicator in ['opioids', 'all_drugs'] and estimate == 'reported' and "
    ...     "location in ['US-OH', 'US-KY', 'US-WV']")
    >>> fitted = HierarchicalBayes(random_seed=1).fit(states)  # doctest: +SKIP
    >>> list(fitted.fits)  # doctest: +SKIP
    ['all_drugs', 'opioids']
    """

    def __init__(self, model: Model, fits: Mapping[str, FittedModel],
                 data: pd.DataFrame) -> None:
        self.model = model
        self.fits = dict(fits)
        self.data = data
        self.series = tuple(s for fit in self.fits.values() for s in fit.series)

    def __repr__(self) -> str:
        parts = ", ".join(f"{name} ({len(fit.series)} series)" for name, fit in self.fits.items())
        return f"<GroupedFit of {self.model.name}, one fit per group: {parts}>"

    @property
    def diagnostics(self) -> pd.DataFrame:
        """The groups' diagnostics, one row per series."""
        return pd.concat([fit.diagnostics for fit in self.fits.values()], ignore_index=True)

    @property
    def exog_columns(self) -> list[str] | None:
        return next(iter(self.fits.values())).exog_columns

    def check_scenarios(self, scenario: Any, *, horizon: int | None = None,
                        exog_future: pd.DataFrame | None = None, **options: Any) -> None:
        for fit in self.fits.values():
            fit.check_scenarios(scenario, horizon=horizon, exog_future=exog_future, **options)

    def _sample_paths(self, request: ForecastRequest) -> SampledPaths:
        import xarray as xr

        from odforecast.models.ensemble.convergence import combine_convergence

        sampled = {name: fit._sample_paths(request) for name, fit in self.fits.items()}
        locations = sorted({str(v) for s in sampled.values() for v in s.samples["location"].values})
        parts = [s.samples.reindex(location=locations) for s in sampled.values()]
        samples = xr.concat(parts, dim="indicator", join="outer").sortby("indicator")
        metadata = dict(next(iter(sampled.values())).metadata)
        metadata["warnings"] = [f"{name}: {w}" for name, s in sampled.items()
                                for w in s.metadata.get("warnings", [])]
        convergence = combine_convergence({name: s.metadata.get("convergence")
                                           for name, s in sampled.items()})
        if convergence is not None:
            convergence["groups_checked"] = convergence.pop("members_checked")
            metadata["convergence"] = convergence
        metadata["groups"] = {name: {k: v for k, v in s.metadata.items()
                                     if k in ("fit_random_seed", "inference", "sampler_config",
                                              "convergence")}
                              for name, s in sampled.items()}
        first = next(iter(sampled.values()))
        return SampledPaths(samples.transpose(*first.samples.dims), first.frequency,
                            self.data, metadata)
