"""The one result type of every odforecast model: :class:`~odforecast.Forecast`, a set of
sample paths.

Every model (ARIMA, the Bayesian PyMC models, the mechanistic model) returns a
:class:`~odforecast.Forecast`.  Sample paths are the currency: every summary is computed from
the paths, so a total over several periods is the sum of each path (never a sum of quantiles),
and paths keep their index across periods so they stay joint.

The samples are an :class:`xarray.DataArray` with dimensions ``("sample", "location",
"indicator", "time")``, or ``("scenario", "sample", "location", "indicator", "time")`` for
scenario projections.  ``time`` is the last day (``period_end``) of each forecast period.

The package, one job per module:

* :mod:`~odforecast.forecast.container` — the :class:`~odforecast.Forecast` class:
  validation, properties, selection (:meth:`~odforecast.Forecast.sel`) and combination
  (:meth:`~odforecast.Forecast.combine`);
* :mod:`~odforecast.forecast.summaries` — quantiles, intervals and path totals of arrays;
* :mod:`~odforecast.forecast.windows` — totals over a window of periods
  (:meth:`~odforecast.Forecast.cumulative`);
* :mod:`~odforecast.forecast.hubverse` — the hubverse export
  (:meth:`~odforecast.Forecast.to_hubverse`);
* :mod:`~odforecast.forecast.io` — netCDF files (:meth:`~odforecast.Forecast.to_netcdf`,
  :meth:`~odforecast.Forecast.from_netcdf`);
* :mod:`~odforecast.forecast.display` — the repr and the notebook HTML.

Only numpy, pandas and xarray are imported here; matplotlib is imported by
:meth:`~odforecast.Forecast.plot`.  The quantile levels
(:data:`~odforecast.levels.HUBVERSE_QUANTILES`) live in :mod:`odforecast.levels`.
"""

from odforecast.forecast.container import Forecast
from odforecast.levels import HUBVERSE_QUANTILES

__all__ = ["HUBVERSE_QUANTILES", "Forecast"]
