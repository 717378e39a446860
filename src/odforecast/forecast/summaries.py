"""Summaries of sample paths, as functions of arrays: quantiles, intervals, window totals.

Every summary of a :class:`~odforecast.Forecast` is computed from its sample paths; these are
the array-level pieces its methods (:meth:`~odforecast.Forecast.quantiles`,
:meth:`~odforecast.Forecast.to_frame`, :meth:`~odforecast.Forecast.cumulative`) forward to.
Levels and intervals are taken as already checked (:func:`odforecast.levels.check_levels`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from odforecast.levels import interval_levels, percent

__all__ = ["interval_summary", "key_frame", "quantiles", "sample_last", "summary_frame",
           "window_totals"]


def quantiles(samples: xr.DataArray, levels: Sequence[float]) -> xr.DataArray:
    """Quantiles over the ``sample`` dimension (linear interpolation, as numpy; NaN stays NaN).

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> samples = xr.DataArray(np.arange(5.0).reshape(5, 1), dims=("sample", "time"))
    >>> quantiles(samples, [0.5]).values.tolist()
    [[2.0]]
    """
    return samples.quantile(list(levels), dim="sample", skipna=False).rename(None)


def sample_last(samples: xr.DataArray) -> tuple[list[str], np.ndarray]:
    """The dimensions other than ``sample``, and the values with ``sample`` moved last.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> dims, values = sample_last(xr.DataArray(np.zeros((4, 3)), dims=("sample", "time")))
    >>> dims, values.shape
    (['time'], (3, 4))
    """
    dims = [str(d) for d in samples.dims if d != "sample"]
    return dims, samples.transpose(*dims, "sample").values


def interval_summary(rows: np.ndarray, intervals: Sequence[float]) -> dict[str, np.ndarray]:
    """Mean, median and central intervals of each row of ``rows`` (one row per series, one
    column per sample path).

    Returns
    -------
    dict of str to numpy.ndarray
        ``mean``, ``median``, then ``lower_<100p>`` and ``upper_<100p>`` for each interval
        ``p`` in the order given.

    Examples
    --------
    >>> import numpy as np
    >>> out = interval_summary(np.arange(101.0).reshape(1, 101), [0.9])
    >>> {k: v.tolist() for k, v in out.items()}
    {'mean': [50.0], 'median': [50.0], 'lower_90': [5.0], 'upper_90': [95.0]}
    """
    levels = interval_levels(intervals)
    stats = (np.quantile(rows, levels, axis=1) if rows.shape[0]
             else np.empty((len(levels), 0)))
    out = {"mean": rows.mean(axis=1) if rows.shape[0] else np.empty(0), "median": stats[0]}
    for k, p in enumerate(intervals):
        out[f"lower_{percent(p)}"] = stats[1 + 2 * k]
        out[f"upper_{percent(p)}"] = stats[2 + 2 * k]
    return out


def window_totals(paths: np.ndarray, positions: np.ndarray, fixed: float = 0.0) -> np.ndarray:
    """Each path's total over the periods at ``positions`` (paths: sample x time), plus a fixed
    amount (observed periods added to every path).

    Examples
    --------
    >>> import numpy as np
    >>> window_totals(np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]), np.array([1, 2]), 10.0)
    array([15., 21.])
    """
    return paths[:, positions].sum(axis=1) + fixed


def key_frame(samples: xr.DataArray, dims: Sequence[str], index: np.ndarray, *, frequency: str,
              period_start: pd.DatetimeIndex) -> pd.DataFrame:
    """Key columns (``[scenario,] location, indicator, frequency, period_start, period_end``)
    for the positions ``index`` (one row per dimension of ``dims``) of ``samples``.

    Examples
    --------
    >>> import numpy as np, pandas as pd, xarray as xr
    >>> samples = xr.DataArray(np.zeros((2, 2)), dims=("sample", "time"),
    ...     coords={"time": pd.DatetimeIndex(["2025-01-31", "2025-02-28"])})
    >>> key_frame(samples, ["time"], np.array([[1]]), frequency="monthly",
    ...           period_start=pd.DatetimeIndex(["2025-01-01", "2025-02-01"]))
      frequency period_start period_end
    0   monthly   2025-02-01 2025-02-28
    """
    columns: dict[str, Any] = {}
    for dim, positions in zip(dims, index, strict=True):
        if dim == "time":
            columns["frequency"] = pd.Series([frequency] * len(positions), dtype=object)
            columns["period_start"] = pd.Series(period_start.values[positions],
                                                dtype="datetime64[ns]")
            columns["period_end"] = pd.Series(samples.coords["time"].values[positions],
                                              dtype="datetime64[ns]")
        else:
            labels = samples.coords[dim].values
            columns[dim] = pd.Series([str(v) for v in labels[positions]], dtype=object)
    return pd.DataFrame(columns)


def summary_frame(samples: xr.DataArray, intervals: Sequence[float], *, frequency: str,
                  period_start: pd.DatetimeIndex) -> pd.DataFrame:
    """Tidy mean, median and central intervals of every series and period with a forecast
    (what :meth:`odforecast.Forecast.to_frame` returns).

    Examples
    --------
    >>> import numpy as np, pandas as pd, xarray as xr
    >>> samples = xr.DataArray(np.arange(11.0).reshape(11, 1, 1, 1),
    ...     dims=("sample", "location", "indicator", "time"),
    ...     coords={"location": ["US"], "indicator": ["opioids"],
    ...             "time": pd.DatetimeIndex(["2025-12-31"])})
    >>> frame = summary_frame(samples, [0.8], frequency="annual",
    ...                       period_start=pd.DatetimeIndex(["2025-01-01"]))
    >>> frame[["median", "lower_80", "upper_80"]].values.tolist()
    [[5.0, 1.0, 9.0]]
    """
    dims, values = sample_last(samples)
    flat = values.reshape(-1, values.shape[-1])
    keep = ~np.isnan(flat[:, 0])
    index = np.indices(values.shape[:-1]).reshape(len(dims), -1)[:, keep]
    frame = key_frame(samples, dims, index, frequency=frequency, period_start=period_start)
    for column, data in interval_summary(flat[keep], intervals).items():
        frame[column] = data
    return frame
