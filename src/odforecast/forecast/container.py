"""The :class:`~odforecast.Forecast` container: validation, properties, selection and combination.

The summaries, the hubverse export, netCDF storage and the display live in the sibling modules
(:mod:`~odforecast.forecast.summaries`, :mod:`~odforecast.forecast.windows`,
:mod:`~odforecast.forecast.hubverse`, :mod:`~odforecast.forecast.io`,
:mod:`~odforecast.forecast.display`); the methods here forward to them.  matplotlib is imported
only by :meth:`~odforecast.Forecast.plot` and its siblings.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from os import PathLike
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import xarray as xr

from odforecast import calendar
from odforecast._version import __version__
from odforecast.data.display import period_label
from odforecast.data.schema import ESTIMATES, FREQUENCIES, validate
from odforecast.errors import DataError
from odforecast.forecast import display, hubverse, io, summaries, windows
from odforecast.forecast.io import dump_metadata
from odforecast.levels import HUBVERSE_QUANTILES, check_levels

if TYPE_CHECKING:  # pragma: no cover - for type checkers only
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["Forecast"]

_DIMS = ("sample", "location", "indicator", "time")
_SCENARIO_DIMS = ("scenario", *_DIMS)
_UNSET: Any = object()
_day = windows.day


def _as_list(value: str | Sequence[str] | None, name: str) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return [value]
    items = list(value)
    if not all(isinstance(v, str) for v in items):
        raise DataError(f"{name} must be a string or a list of strings, got {value!r}")
    return items



def _canonical(samples: xr.DataArray, values: Any) -> xr.DataArray:
    """``values`` with the dimensions of ``samples`` and its coordinates in canonical form:
    ``sample`` numbered 0..n-1, labels as numpy strings, ``time`` as datetime64[ns]; attributes
    and non-dimension coordinates dropped.  The one place both constructors build the array,
    so a trusted and a validated Forecast hold identical samples."""
    coords: dict[str, Any] = {"sample": np.arange(samples.sizes["sample"], dtype=np.int64)}
    for dim in ("scenario", "location", "indicator"):
        if dim in samples.dims:
            coords[dim] = np.asarray([str(v) for v in samples.coords[dim].values], dtype=str)
    coords["time"] = pd.DatetimeIndex(samples.coords["time"].values).astype(
        "datetime64[ns]").rename("time")
    return xr.DataArray(values, dims=samples.dims, coords=coords, name="samples")


# --------------------------------------------------------------------------------------------
# Forecast
# --------------------------------------------------------------------------------------------

class Forecast:
    """Sample paths of a forecast: the one result type every odforecast model returns.

    Parameters
    ----------
    samples
        Sample paths with dimensions ``("sample", "location", "indicator", "time")`` or
        ``("scenario", "sample", "location", "indicator", "time")`` (the same dimensions in
        another order are transposed).  ``location``, ``indicator`` and ``scenario`` coordinates
        are unique strings; ``time`` is the last day (``period_end``) of each forecast period,
        strictly increasing, one period apart, aligned with ``frequency``.  Values are numbers
        ``>= 0``, or NaN for a series with no forecast at a time (then NaN in every sample of
        that slice).  The ``sample`` coordinate is always set to ``0 .. n_samples - 1``;
        attributes and non-dimension coordinates are dropped.
    frequency
        One of :data:`odforecast.data.schema.FREQUENCIES`.
    observed
        Tidy frame (:mod:`odforecast.data.schema`) of the history the model was fitted on, or
        None.  Used by :meth:`plot`, :meth:`cumulative` and :meth:`to_hubverse`.
    metadata
        Stored as given (deep copy) and saved with :meth:`to_netcdf` as JSON.  Conventional keys:
        ``odforecast_version``, ``model``, ``model_config`` (dict), ``data_vintage``,
        ``random_seed``, ``estimate`` (``reported``/``predicted``: which observed series the
        model was fitted on), ``created`` (ISO UTC) and ``warnings`` (list of str).
        ``odforecast_version`` and ``created`` are filled in when missing.

    Raises
    ------
    odforecast.DataError
        If the samples, frequency, observed frame or metadata are invalid.

    Examples
    --------
    >>> import numpy as np, pandas as pd, xarray as xr
    >>> from odforecast.forecast import Forecast
    >>> rng = np.random.default_rng(0)
    >>> samples = xr.DataArray(rng.poisson(900.0, (100, 1, 2, 6)).astype(float),
    ...     dims=("sample", "location", "indicator", "time"),
    ...     coords={"location": ["US"], "indicator": ["opioids", "cocaine"],
    ...             "time": pd.date_range("2025-03-31", periods=6, freq="ME")})
    >>> fc = Forecast(samples, frequency="monthly", metadata={"model": "ARIMA", "random_seed": 0})
    >>> fc  # doctest: +NORMALIZE_WHITESPACE
    <Forecast ARIMA: 1 location x 2 indicators x 6 monthly periods (2025-03..2025-08),
    100 sample paths; seed 0>
    """

    def __init__(self, samples: xr.DataArray, *, frequency: str,
                 observed: pd.DataFrame | None = None,
                 metadata: Mapping[str, Any] | None = None) -> None:
        if not isinstance(frequency, str) or frequency not in FREQUENCIES:
            raise DataError(f"unknown frequency {frequency!r}; expected one of "
                            f"{', '.join(FREQUENCIES)}")
        self._frequency = frequency
        self._samples = self._check_samples(samples, frequency)
        self._observed = self._check_observed(observed)
        self._metadata = self._check_metadata(metadata)

    @classmethod
    def _trusted(cls, samples: xr.DataArray, frequency: str, observed: pd.DataFrame | None,
                 metadata: dict[str, Any]) -> Forecast:
        """A Forecast of parts that are already valid, without checking them again.

        For code inside :mod:`odforecast.forecast` that holds the parts of a valid Forecast
        (a selection of its samples, its observed frame and metadata): ``samples`` has the
        canonical dimensions and float64 values that passed :meth:`_check_values`,
        ``observed`` passed :func:`~odforecast.data.schema.validate` (or is None) and
        ``metadata`` passed :meth:`_check_metadata`.  The array is shared, not copied (a
        Forecast never changes its samples); the observed frame gets a new (copy-on-write)
        frame object; ``metadata`` is kept as given, so pass a copy.
        """
        out = cls.__new__(cls)
        out._frequency = frequency
        out._samples = _canonical(samples, samples.data)
        out._observed = None if observed is None else observed.copy(deep=False)
        out._metadata = metadata
        return out

    # ---------------------------------------------------------------- validation

    @staticmethod
    def _check_samples(samples: xr.DataArray, frequency: str) -> xr.DataArray:
        if not isinstance(samples, xr.DataArray):
            raise DataError(f"samples must be an xarray.DataArray, got {type(samples).__name__}")
        dims = tuple(samples.dims)
        if set(dims) == set(_DIMS) and len(dims) == len(_DIMS):
            target = _DIMS
        elif set(dims) == set(_SCENARIO_DIMS) and len(dims) == len(_SCENARIO_DIMS):
            target = _SCENARIO_DIMS
        else:
            raise DataError(f"samples must have dimensions {_DIMS} or {_SCENARIO_DIMS}, got "
                            f"{dims}")
        samples = samples.transpose(*target)
        for dim in target:
            if samples.sizes[dim] == 0:
                raise DataError(f"samples has an empty {dim!r} dimension")
        for dim in ("scenario", "location", "indicator"):
            if dim not in target:
                continue
            if dim not in samples.coords:
                raise DataError(f"samples needs a {dim!r} coordinate (strings)")
            labels = list(samples.coords[dim].values)
            if not all(isinstance(v, str) and v for v in labels):
                raise DataError(f"the {dim!r} coordinate must hold non-empty strings, got "
                                f"{labels[:5]!r}")
            if len(set(labels)) != len(labels):
                raise DataError(f"the {dim!r} coordinate has duplicate labels: "
                                f"{[str(v) for v in labels]}")
        if "time" not in samples.coords:
            raise DataError("samples needs a 'time' coordinate (the period_end dates)")
        try:
            time = pd.DatetimeIndex(samples.coords["time"].values)
        except (TypeError, ValueError) as exc:
            raise DataError(f"the 'time' coordinate must hold dates ({exc})") from None
        Forecast._check_time(time, frequency)

        try:
            values = np.array(samples.values, dtype=np.float64, copy=True)
        except (TypeError, ValueError) as exc:
            raise DataError(f"samples must be numeric ({exc})") from None
        out = _canonical(samples, values)
        Forecast._check_values(out)
        return out

    @staticmethod
    def _check_time(time: pd.DatetimeIndex, frequency: str) -> None:
        hint = "time must be the period_end (last day of the month) of each forecast period"
        if time.hasnans:
            raise DataError("the 'time' coordinate has missing dates", hint=hint)
        if time.tz is not None:
            raise DataError("the 'time' coordinate must not have a time zone", hint=hint)
        bad = ~(time.is_month_end & (time == time.normalize()))
        if bad.any():
            raise DataError(f"time {time[bad][0]} is not the last day of a month", hint=hint)
        freq = calendar.frequency(frequency)
        wrong = ~freq.can_end(time)
        if wrong.any():
            raise DataError(f"time {_day(time[wrong][0])} cannot end a {frequency} period "
                            f"(it must end in month {freq.end_months})", hint=hint)
        diffs = np.diff(calendar.month_number(time))
        if (diffs <= 0).any():
            raise DataError("the 'time' coordinate must be strictly increasing", hint=hint)
        if (diffs != freq.step).any():
            pos = int(np.flatnonzero(diffs != freq.step)[0])
            raise DataError(f"{frequency} forecast times must be {freq.step} month(s) apart "
                            f"with no gaps; got {_day(time[pos])} then {_day(time[pos + 1])}",
                            hint=hint)

    @staticmethod
    def _check_values(samples: xr.DataArray) -> None:
        values = samples.values
        axis = samples.dims.index("sample")
        problem = ""
        if np.isinf(values).any():
            where, problem = np.argwhere(np.isinf(values))[0], "an infinite value"
        elif (values < 0).any():
            where = np.argwhere(values < 0)[0]
            problem = f"a negative value ({values[tuple(where)]:g})"
        else:
            nan = np.isnan(values)
            partial = nan.any(axis=axis) & ~nan.all(axis=axis)
            if partial.any():
                where = np.insert(np.argwhere(partial)[0], axis, -1)
                problem = "NaN in some but not all samples"
        if not problem:
            return
        described = []
        for dim, i in zip(samples.dims, where, strict=True):
            if i < 0:
                continue
            label = samples.coords[dim].values[i]
            if dim == "time":
                label = _day(pd.Timestamp(label))
            described.append(f"{dim} {label}")
        raise DataError(f"samples has {problem} at {', '.join(described)}",
                        hint="values must be >= 0, or NaN in every sample of a slice that has "
                             "no forecast")

    @staticmethod
    def _check_observed(observed: Any) -> pd.DataFrame | None:
        if observed is None:
            return None
        if isinstance(observed, pd.DataFrame):
            return validate(observed, origin="observed")
        raise DataError(f"observed must be a tidy pandas DataFrame or None, got "
                        f"{type(observed).__name__}")

    @staticmethod
    def _check_metadata(metadata: Mapping[str, Any] | None) -> dict[str, Any]:
        if metadata is None:
            metadata = {}
        if not isinstance(metadata, Mapping):
            raise DataError(f"metadata must be a mapping, got {type(metadata).__name__}")
        if not all(isinstance(k, str) for k in metadata):
            raise DataError("metadata keys must be strings")
        out = copy.deepcopy(dict(metadata))
        out.setdefault("odforecast_version", __version__)
        out.setdefault("created", datetime.now(UTC).isoformat(timespec="seconds"))
        warnings = out.get("warnings")
        if warnings is not None and (isinstance(warnings, str) or not all(
                isinstance(w, str) for w in warnings)):
            raise DataError("metadata['warnings'] must be a list of strings")
        estimate = out.get("estimate")
        if estimate is not None and estimate not in ESTIMATES:
            raise DataError(f"metadata['estimate'] must be 'reported' or 'predicted', got "
                            f"{estimate!r}")
        try:
            dump_metadata(out)
        except (TypeError, ValueError) as exc:
            raise DataError(f"metadata must be JSON serialisable ({exc})") from None
        return out

    # ---------------------------------------------------------------- properties

    @property
    def samples(self) -> xr.DataArray:
        """The sample paths (do not modify in place).

        Examples
        --------
        >>> import numpy as np, pandas as pd, xarray as xr
        >>> rng = np.random.default_rng(0)
        >>> fc = Forecast(xr.DataArray(rng.poisson(900.0, (100, 1, 1, 6)).astype(float),
        ...     dims=("sample", "location", "indicator", "time"),
        ...     coords={"location": ["US"], "indicator": ["opioids"],
        ...             "time": pd.date_range("2025-03-31", periods=6, freq="ME")}),
        ...     frequency="monthly")
        >>> fc.samples.dims
        ('sample', 'location', 'indicator', 'time')
        """
        return self._samples

    @property
    def frequency(self) -> str:
        """Frequency of the forecast periods (``monthly``, ``annual``...).

        Examples
        --------
        >>> import numpy as np, pandas as pd, xarray as xr
        >>> rng = np.random.default_rng(0)
        >>> fc = Forecast(xr.DataArray(rng.poisson(900.0, (100, 1, 1, 4)).astype(float),
        ...     dims=("sample", "location", "indicator", "time"),
        ...     coords={"location": ["US"], "indicator": ["opioids"],
        ...             "time": pd.date_range("2025-03-31", periods=4, freq="QE")}),
        ...     frequency="quarterly")
        >>> fc.frequency
        'quarterly'
        """
        return self._frequency

    @property
    def observed(self) -> pd.DataFrame | None:
        """Tidy frame of the history the model was fitted on, or None.

        Examples
        --------
        >>> import numpy as np, pandas as pd, xarray as xr
        >>> rng = np.random.default_rng(0)
        >>> fc = Forecast(xr.DataArray(rng.poisson(900.0, (100, 1, 1, 6)).astype(float),
        ...     dims=("sample", "location", "indicator", "time"),
        ...     coords={"location": ["US"], "indicator": ["opioids"],
        ...             "time": pd.date_range("2025-03-31", periods=6, freq="ME")}),
        ...     frequency="monthly")
        >>> fc.observed is None
        True
        """
        return self._observed

    @property
    def metadata(self) -> dict[str, Any]:
        """Provenance: model, configuration, data vintage, seed, warnings...

        Examples
        --------
        >>> import numpy as np, pandas as pd, xarray as xr
        >>> rng = np.random.default_rng(0)
        >>> fc = Forecast(xr.DataArray(rng.poisson(900.0, (100, 1, 1, 6)).astype(float),
        ...     dims=("sample", "location", "indicator", "time"),
        ...     coords={"location": ["US"], "indicator": ["opioids"],
        ...             "time": pd.date_range("2025-03-31", periods=6, freq="ME")}),
        ...     frequency="monthly", metadata={"model": "ARIMA"})
        >>> fc.metadata["model"], sorted(fc.metadata)
        ('ARIMA', ['created', 'model', 'odforecast_version'])
        """
        return self._metadata

    @property
    def locations(self) -> list[str]:
        """Location codes, in coordinate order.

        Examples
        --------
        >>> import numpy as np, pandas as pd, xarray as xr
        >>> rng = np.random.default_rng(0)
        >>> fc = Forecast(xr.DataArray(rng.poisson(900.0, (100, 2, 1, 6)).astype(float),
        ...     dims=("sample", "location", "indicator", "time"),
        ...     coords={"location": ["US-OH", "US-KY"], "indicator": ["opioids"],
        ...             "time": pd.date_range("2025-03-31", periods=6, freq="ME")}),
        ...     frequency="monthly")
        >>> fc.locations
        ['US-OH', 'US-KY']
        """
        return [str(v) for v in self._samples.coords["location"].values]

    @property
    def indicators(self) -> list[str]:
        """Indicator names, in coordinate order.

        Examples
        --------
        >>> import numpy as np, pandas as pd, xarray as xr
        >>> rng = np.random.default_rng(0)
        >>> fc = Forecast(xr.DataArray(rng.poisson(900.0, (100, 1, 2, 6)).astype(float),
        ...     dims=("sample", "location", "indicator", "time"),
        ...     coords={"location": ["US"], "indicator": ["opioids", "cocaine"],
        ...             "time": pd.date_range("2025-03-31", periods=6, freq="ME")}),
        ...     frequency="monthly")
        >>> fc.indicators
        ['opioids', 'cocaine']
        """
        return [str(v) for v in self._samples.coords["indicator"].values]

    @property
    def scenarios(self) -> list[str] | None:
        """Scenario names, or None when there is no ``scenario`` dimension.

        Examples
        --------
        >>> import numpy as np, pandas as pd, xarray as xr
        >>> rng = np.random.default_rng(0)
        >>> fc = Forecast(xr.DataArray(rng.poisson(900.0, (2, 100, 1, 1, 6)).astype(float),
        ...     dims=("scenario", "sample", "location", "indicator", "time"),
        ...     coords={"scenario": ["baseline", "interdiction"], "location": ["US"],
        ...             "indicator": ["opioids"],
        ...             "time": pd.date_range("2025-03-31", periods=6, freq="ME")}),
        ...     frequency="monthly")
        >>> fc.scenarios
        ['baseline', 'interdiction']
        """
        if "scenario" not in self._samples.dims:
            return None
        return [str(v) for v in self._samples.coords["scenario"].values]

    @property
    def time(self) -> pd.DatetimeIndex:
        """Last day (``period_end``) of each forecast period.

        Examples
        --------
        >>> import numpy as np, pandas as pd, xarray as xr
        >>> rng = np.random.default_rng(0)
        >>> fc = Forecast(xr.DataArray(rng.poisson(900.0, (100, 1, 1, 2)).astype(float),
        ...     dims=("sample", "location", "indicator", "time"),
        ...     coords={"location": ["US"], "indicator": ["opioids"],
        ...             "time": pd.date_range("2025-12-31", periods=2, freq="YE")}),
        ...     frequency="annual")
        >>> [str(d.date()) for d in fc.time]
        ['2025-12-31', '2026-12-31']
        """
        return pd.DatetimeIndex(self._samples.coords["time"].values, name="time")

    @property
    def period_start(self) -> pd.DatetimeIndex:
        """First day of each forecast period (computed from ``time`` and the frequency).

        Examples
        --------
        >>> import numpy as np, pandas as pd, xarray as xr
        >>> rng = np.random.default_rng(0)
        >>> fc = Forecast(xr.DataArray(rng.poisson(900.0, (100, 1, 1, 2)).astype(float),
        ...     dims=("sample", "location", "indicator", "time"),
        ...     coords={"location": ["US"], "indicator": ["opioids"],
        ...             "time": pd.date_range("2025-03-31", periods=2, freq="QE")}),
        ...     frequency="quarterly")
        >>> [str(d.date()) for d in fc.period_start]
        ['2025-01-01', '2025-04-01']
        """
        starts = calendar.frequency(self._frequency).starts(self.time)
        return pd.DatetimeIndex(starts, name="period_start")


    @property
    def n_samples(self) -> int:
        """Number of sample paths.

        Examples
        --------
        >>> import numpy as np, pandas as pd, xarray as xr
        >>> rng = np.random.default_rng(0)
        >>> fc = Forecast(xr.DataArray(rng.poisson(900.0, (100, 1, 1, 6)).astype(float),
        ...     dims=("sample", "location", "indicator", "time"),
        ...     coords={"location": ["US"], "indicator": ["opioids"],
        ...             "time": pd.date_range("2025-03-31", periods=6, freq="ME")}),
        ...     frequency="monthly")
        >>> fc.n_samples
        100
        """
        return int(self._samples.sizes["sample"])

    @property
    def horizon(self) -> int:
        """Number of forecast periods.

        Examples
        --------
        >>> import numpy as np, pandas as pd, xarray as xr
        >>> rng = np.random.default_rng(0)
        >>> fc = Forecast(xr.DataArray(rng.poisson(900.0, (100, 1, 1, 6)).astype(float),
        ...     dims=("sample", "location", "indicator", "time"),
        ...     coords={"location": ["US"], "indicator": ["opioids"],
        ...             "time": pd.date_range("2025-03-31", periods=6, freq="ME")}),
        ...     frequency="monthly")
        >>> fc.horizon
        6
        """
        return int(self._samples.sizes["time"])

    @property
    def period_labels(self) -> list[str]:
        """Short label of each forecast period (``2025-03``, ``2025-Q2``, ``2025``,
        ``12m to 2025-03``), as in messages and tables.

        Examples
        --------
        >>> import numpy as np, pandas as pd, xarray as xr
        >>> rng = np.random.default_rng(0)
        >>> fc = Forecast(xr.DataArray(rng.poisson(900.0, (100, 1, 2, 6)).astype(float),
        ...     dims=("sample", "location", "indicator", "time"),
        ...     coords={"location": ["US"], "indicator": ["opioids", "cocaine"],
        ...             "time": pd.date_range("2025-03-31", periods=6, freq="ME")}),
        ...     frequency="monthly")
        >>> fc.period_labels[:2]
        ['2025-03', '2025-04']
        """
        return [period_label(self._frequency, s, e)
                for s, e in zip(self.period_start, self.time, strict=True)]

    @property
    def estimate(self) -> str:
        """Which observed series the model was fitted on: ``metadata['estimate']``
        (``reported`` or ``predicted``), ``reported`` when not recorded.

        Examples
        --------
        >>> import numpy as np, pandas as pd, xarray as xr
        >>> rng = np.random.default_rng(0)
        >>> fc = Forecast(xr.DataArray(rng.poisson(900.0, (100, 1, 2, 6)).astype(float),
        ...     dims=("sample", "location", "indicator", "time"),
        ...     coords={"location": ["US"], "indicator": ["opioids", "cocaine"],
        ...             "time": pd.date_range("2025-03-31", periods=6, freq="ME")}),
        ...     frequency="monthly")
        >>> fc.estimate
        'reported'
        """
        return str(self._metadata.get("estimate") or "reported")

    @property
    def series_keys(self) -> list[tuple[str | None, str, str]]:
        """``(scenario, location, indicator)`` of every series, in coordinate order
        (scenario None when there is no scenario dimension).

        Examples
        --------
        >>> import numpy as np, pandas as pd, xarray as xr
        >>> rng = np.random.default_rng(0)
        >>> fc = Forecast(xr.DataArray(rng.poisson(900.0, (100, 1, 2, 6)).astype(float),
        ...     dims=("sample", "location", "indicator", "time"),
        ...     coords={"location": ["US"], "indicator": ["opioids", "cocaine"],
        ...             "time": pd.date_range("2025-03-31", periods=6, freq="ME")}),
        ...     frequency="monthly")
        >>> fc.series_keys
        [(None, 'US', 'opioids'), (None, 'US', 'cocaine')]
        """
        scenarios = self.scenarios or [None]
        return [(s, loc, ind) for s in scenarios for loc in self.locations
                for ind in self.indicators]

    @property
    def paths(self) -> np.ndarray:
        """The sample paths as a read-only numpy array, dimensions in the canonical order
        ``([scenario,] sample, location, indicator, time)`` (those of :attr:`samples`).

        Examples
        --------
        >>> import numpy as np, pandas as pd, xarray as xr
        >>> rng = np.random.default_rng(0)
        >>> fc = Forecast(xr.DataArray(rng.poisson(900.0, (100, 1, 2, 6)).astype(float),
        ...     dims=("sample", "location", "indicator", "time"),
        ...     coords={"location": ["US"], "indicator": ["opioids", "cocaine"],
        ...             "time": pd.date_range("2025-03-31", periods=6, freq="ME")}),
        ...     frequency="monthly")
        >>> fc.paths.shape, fc.paths.flags.writeable
        ((100, 1, 2, 6), False)
        """
        view = self._samples.values.view()
        view.flags.writeable = False
        return view

    def series_paths(self, location: str, indicator: str, *,
                     scenario: str | None = None) -> np.ndarray:
        """The sample paths of one series: a read-only array ``(sample, time)``.

        Parameters
        ----------
        location, indicator
            The series.
        scenario
            Its scenario; required when the forecast has a scenario dimension, else None.

        Raises
        ------
        odforecast.DataError
            If the series is not in the forecast.

        Examples
        --------
        >>> import numpy as np, pandas as pd, xarray as xr
        >>> rng = np.random.default_rng(0)
        >>> fc = Forecast(xr.DataArray(rng.poisson(900.0, (100, 1, 2, 6)).astype(float),
        ...     dims=("sample", "location", "indicator", "time"),
        ...     coords={"location": ["US"], "indicator": ["opioids", "cocaine"],
        ...             "time": pd.date_range("2025-03-31", periods=6, freq="ME")}),
        ...     frequency="monthly")
        >>> fc.series_paths("US", "cocaine").shape
        (100, 6)
        """
        scenarios = self.scenarios
        if (scenario is None) != (scenarios is None):
            raise DataError("this forecast has no scenario dimension" if scenarios is None
                            else f"choose a scenario: one of {scenarios}")
        wanted = [("location", location, self.locations),
                  ("indicator", indicator, self.indicators)]
        if scenarios is not None:
            wanted.insert(0, ("scenario", scenario, scenarios))
        index = []
        for dim, value, available in wanted:
            if value not in available:
                raise DataError(f"unknown {dim} {value!r}; available: {available}")
            index.append(available.index(value))
        dims = self._samples.dims
        positions = {dim: i for (dim, _, _), i in zip(wanted, index, strict=True)}
        key = tuple(positions.get(d, slice(None)) for d in dims)  # sample and time stay
        view = self._samples.values[key].view()
        view.flags.writeable = False
        return view

    def observed_series(self, location: str, indicator: str) -> pd.DataFrame:
        """The observed rows of one series at this forecast's frequency and :attr:`estimate`,
        sorted by ``period_end``, one row per period.

        Raises
        ------
        odforecast.DataError
            If the forecast has no observed frame, or the frame has several rows for one
            period of the series.

        Examples
        --------
        >>> import odforecast
        >>> from odforecast.models import Naive
        >>> us = odforecast.load_dataset("us_annual").query(
        ...     "indicator == 'opioids' and estimate == 'reported'")
        >>> fc = Naive().fit(us).forecast(2, n_samples=50, random_seed=0)
        >>> rows = fc.observed_series("US", "opioids")
        >>> bool(rows["period_end"].is_monotonic_increasing), len(rows) == len(us)
        (True, True)
        """
        obs = self._observed
        if obs is None:
            raise DataError("this forecast has no observed data")
        estimate = self.estimate
        rows = obs[(obs["location"] == location) & (obs["indicator"] == indicator)
                   & (obs["frequency"] == self._frequency) & (obs["estimate"] == estimate)]
        rows = rows.sort_values("period_end", kind="stable")
        dup = rows["period_end"].duplicated()
        if dup.any():
            when = rows.loc[dup.to_numpy(), "period_end"].iloc[0]
            raise DataError(f"observed has several {estimate} rows for {location} "
                            f"{indicator} period ending {_day(when)} (dimension columns?)",
                            hint="pass an observed frame with one row per period")
        return rows

    # ---------------------------------------------------------------- summaries

    def quantiles(self, levels: Sequence[float] = (0.025, 0.1, 0.25, 0.5, 0.75, 0.9, 0.975)
                  ) -> xr.DataArray:
        """Quantiles of the sample paths at each period (linear interpolation, as numpy).

        Parameters
        ----------
        levels
            Quantile levels, each strictly between 0 and 1.

        Returns
        -------
        xarray.DataArray
            Dimensions ``("quantile", [scenario,] location, indicator, time)``; NaN where the
            series has no forecast.

        Examples
        --------
        >>> import numpy as np, pandas as pd, xarray as xr
        >>> rng = np.random.default_rng(0)
        >>> fc = Forecast(xr.DataArray(rng.poisson(900.0, (100, 1, 1, 6)).astype(float),
        ...     dims=("sample", "location", "indicator", "time"),
        ...     coords={"location": ["US"], "indicator": ["opioids"],
        ...             "time": pd.date_range("2025-03-31", periods=6, freq="ME")}),
        ...     frequency="monthly")
        >>> q = fc.quantiles([0.1, 0.5, 0.9])
        >>> q.dims, q.sizes["quantile"]
        (('quantile', 'location', 'indicator', 'time'), 3)
        >>> bool((q.sel(quantile=0.1) <= q.sel(quantile=0.9)).all())
        True
        """
        checked = check_levels(levels, "levels")
        return summaries.quantiles(self._samples, checked)

    def to_frame(self, intervals: Sequence[float] = (0.5, 0.8, 0.95)) -> pd.DataFrame:
        """Tidy summary: mean, median and central intervals of every series and period.

        Parameters
        ----------
        intervals
            Central interval probabilities; interval ``p`` spans the quantiles ``(1 - p) / 2``
            and ``(1 + p) / 2`` and gives the columns ``lower_<100p>`` and ``upper_<100p>``.

        Returns
        -------
        pandas.DataFrame
            Columns ``[scenario,] location, indicator, frequency, period_start, period_end,
            mean, median, lower_50, upper_50, ...``; one row per series and period, rows with
            no forecast (NaN) omitted.

        Examples
        --------
        >>> import numpy as np, pandas as pd, xarray as xr
        >>> rng = np.random.default_rng(0)
        >>> fc = Forecast(xr.DataArray(rng.poisson(900.0, (100, 1, 1, 6)).astype(float),
        ...     dims=("sample", "location", "indicator", "time"),
        ...     coords={"location": ["US"], "indicator": ["opioids"],
        ...             "time": pd.date_range("2025-03-31", periods=6, freq="ME")}),
        ...     frequency="monthly")
        >>> frame = fc.to_frame(intervals=(0.9,))
        >>> list(frame.columns)[3:]
        ['period_start', 'period_end', 'mean', 'median', 'lower_90', 'upper_90']
        >>> len(frame)
        6
        """
        probs = check_levels(intervals, "intervals")
        return summaries.summary_frame(self._samples, probs, frequency=self._frequency,
                                       period_start=self.period_start)

    def cumulative(self, start: Any, end: Any, *, intervals: Sequence[float] = (0.95,),
                   include_observed: bool = False) -> pd.DataFrame:
        """Total over a window of periods, computed path by path.

        Each sample path is summed over the periods in the window, then the mean, median and
        intervals of those totals are reported (never a sum of quantiles).

        Parameters
        ----------
        start, end
            Window bounds: dates, or strings naming a period (``"2025"`` is 2025-01-01 as a start
            and 2025-12-31 as an end; ``"2025-06"``, ``"2025Q2"`` and ``"2025-06-30"`` work too).
            Periods with ``period_start >= start`` and ``period_end <= end`` are included, and
            they must tile the window exactly.
        intervals
            Central interval probabilities (columns ``lower_95``, ``upper_95``...).
        include_observed
            Add the observed periods of the window that precede the forecast (``observed``
            rows of the same location, indicator, frequency and ``metadata['estimate']``,
            default ``reported``) as fixed amounts to every path.

        Returns
        -------
        pandas.DataFrame
            One row per ``[scenario,] location, indicator`` with columns ``start`` (first
            ``period_start`` included), ``end`` (last ``period_end`` included), ``n_periods``
            (observed plus forecast periods), ``mean``, ``median``, ``lower_95``, ``upper_95``...
            A series with no forecast (NaN) in any period of the window is omitted.

        Raises
        ------
        odforecast.DataError
            If the frequency is ``12m_ending`` (overlapping windows cannot be summed); if the
            window contains no forecast period; if it is not exactly covered (it starts before
            the forecast without ``include_observed``, observed periods are missing, it ends
            after the forecast or inside a period); if an observed value in the window is
            censored or missing; if a series has a forecast for only part of the window.

        Examples
        --------
        >>> import numpy as np, pandas as pd, xarray as xr
        >>> rng = np.random.default_rng(0)
        >>> fc = Forecast(xr.DataArray(rng.poisson(900.0, (100, 1, 1, 12)).astype(float),
        ...     dims=("sample", "location", "indicator", "time"),
        ...     coords={"location": ["US"], "indicator": ["opioids"],
        ...             "time": pd.date_range("2025-01-31", periods=12, freq="ME")}),
        ...     frequency="monthly")
        >>> total = fc.cumulative("2025", "2025")
        >>> int(total.loc[0, "n_periods"])
        12
        >>> bool(np.isclose(total.loc[0, "mean"], fc.samples.sum("time").mean()))
        True
        """
        return windows.cumulative(self, start, end, intervals=intervals,
                                  include_observed=include_observed)

    # ---------------------------------------------------------------- hubverse

    def to_hubverse(self, *, reference_date: Any = None,
                    output_types: Sequence[str] = ("quantile",),
                    quantile_levels: Sequence[float] = HUBVERSE_QUANTILES,
                    target: str | Mapping[str, str] | None = None) -> pd.DataFrame:
        """Model output in the hubverse format (CDC forecast hubs).

        Parameters
        ----------
        reference_date
            Date the forecast is made relative to.  Default: the ``period_end`` of the last
            observed period (this frequency and estimate) before the forecast, else the day
            before the first forecast period.
        output_types
            ``"quantile"`` (``output_type_id`` = level, a float) and/or ``"sample"``
            (``output_type_id`` = sample index, an int: sample ``i`` is the same path at every
            horizon, so the samples are joint).  With both, ``output_type_id`` is an object
            column.
        quantile_levels
            Quantile levels (sorted ascending in the output).
        target
            Target name: a mapping indicator -> target, or a template formatted with
            ``{indicator}``, ``{frequency}`` and ``{unit}``.  Default ``"{frequency}
            {indicator} {unit}"``, e.g. ``"monthly opioids deaths"``.

        Returns
        -------
        pandas.DataFrame
            Columns ``[scenario_id,] reference_date, location, target, horizon,
            target_end_date, output_type, output_type_id, value``.  Dates are ISO strings,
            ``horizon`` is 1..h, ``value`` is a non-negative integer (rounded half to even);
            quantile values never decrease with the level.  Series with no forecast are
            omitted.

        Examples
        --------
        >>> import numpy as np, pandas as pd, xarray as xr
        >>> rng = np.random.default_rng(0)
        >>> fc = Forecast(xr.DataArray(rng.poisson(900.0, (100, 1, 1, 6)).astype(float),
        ...     dims=("sample", "location", "indicator", "time"),
        ...     coords={"location": ["US"], "indicator": ["opioids"],
        ...             "time": pd.date_range("2025-03-31", periods=6, freq="ME")}),
        ...     frequency="monthly")
        >>> hub = fc.to_hubverse()
        >>> len(hub), hub.loc[0, "reference_date"], hub.loc[0, "target"]
        (138, '2025-02-28', 'monthly opioids deaths')
        >>> len(fc.to_hubverse(output_types=("sample",)))
        600
        """
        return hubverse.to_hubverse(self, reference_date=reference_date,
                                    output_types=output_types,
                                    quantile_levels=quantile_levels, target=target)

    # ---------------------------------------------------------------- selection & combination

    def sel(self, *, location: str | Sequence[str] | None = None,
            indicator: str | Sequence[str] | None = None,
            scenario: str | Sequence[str] | None = None) -> Forecast:
        """A new Forecast with a subset of locations, indicators or scenarios (dims kept).

        ``observed`` and ``metadata`` are carried over unchanged.

        Examples
        --------
        >>> import numpy as np, pandas as pd, xarray as xr
        >>> rng = np.random.default_rng(0)
        >>> fc = Forecast(xr.DataArray(rng.poisson(900.0, (100, 1, 2, 6)).astype(float),
        ...     dims=("sample", "location", "indicator", "time"),
        ...     coords={"location": ["US"], "indicator": ["opioids", "cocaine"],
        ...             "time": pd.date_range("2025-03-31", periods=6, freq="ME")}),
        ...     frequency="monthly")
        >>> sub = fc.sel(indicator="cocaine")
        >>> sub.indicators, sub.samples.dims
        (['cocaine'], ('sample', 'location', 'indicator', 'time'))
        """
        selection: dict[str, list[str]] = {}
        for dim, value in (("location", location), ("indicator", indicator),
                           ("scenario", scenario)):
            items = _as_list(value, dim)
            if items is None:
                continue
            available = {"location": self.locations, "indicator": self.indicators,
                         "scenario": self.scenarios}[dim]
            if available is None:
                raise DataError("this forecast has no scenario dimension")
            unknown = [v for v in items if v not in available]
            if unknown or not items:
                raise DataError(f"unknown {dim} {unknown or items!r}; available: {available}")
            selection[dim] = items
        # a selection of a valid forecast is valid: no need to check the values again
        return Forecast._trusted(self._samples.sel(selection), self._frequency, self._observed,
                                 copy.deepcopy(self._metadata))

    @classmethod
    def combine(cls, forecasts: Mapping[str, Forecast], *, observed: Any = _UNSET,
                metadata: Mapping[str, Any] | None = None) -> Forecast:
        """Stack forecasts of several scenarios into one Forecast with a ``scenario`` dimension.

        Parameters
        ----------
        forecasts
            Scenario name -> Forecast without a scenario dimension.  All must share frequency,
            time, locations, indicators (same order) and number of samples.
        observed
            Observed frame of the result.  Default: the inputs' observed frame (they must be
            equal or None).
        metadata
            Entries added to (and overriding) the combined metadata.  By default the combined
            metadata holds the entries equal in every input, ``scenario_metadata`` (scenario ->
            the entries that differ), and every input's warnings prefixed with its scenario.

        Examples
        --------
        >>> import numpy as np, pandas as pd, xarray as xr
        >>> rng = np.random.default_rng(0)
        >>> def one(rate):
        ...     return Forecast(xr.DataArray(rng.poisson(rate, (100, 1, 1, 6)).astype(float),
        ...         dims=("sample", "location", "indicator", "time"),
        ...         coords={"location": ["US"], "indicator": ["opioids"],
        ...                 "time": pd.date_range("2025-03-31", periods=6, freq="ME")}),
        ...         frequency="monthly")
        >>> both = Forecast.combine({"baseline": one(900.0), "interdiction": one(700.0)})
        >>> both.scenarios, both.samples.dims[0]
        (['baseline', 'interdiction'], 'scenario')
        """
        if not isinstance(forecasts, Mapping) or not forecasts:
            raise DataError("combine needs a non-empty mapping of scenario name -> Forecast")
        names = list(forecasts)
        items = list(forecasts.values())
        for name, fc in zip(names, items, strict=True):
            if not isinstance(name, str) or not name:
                raise DataError(f"scenario names must be non-empty strings, got {name!r}")
            if not isinstance(fc, Forecast):
                raise DataError(f"scenario {name!r} is a {type(fc).__name__}, not a Forecast")
            if fc.scenarios is not None:
                raise DataError(f"scenario {name!r} already has a scenario dimension")
        first = items[0]
        for name, fc in zip(names[1:], items[1:], strict=True):
            checks = [("frequency", fc.frequency == first.frequency),
                      ("time", fc.time.equals(first.time)),
                      ("locations", fc.locations == first.locations),
                      ("indicators", fc.indicators == first.indicators),
                      ("n_samples", fc.n_samples == first.n_samples)]
            for what, ok in checks:
                if not ok:
                    raise DataError(f"scenario {name!r} differs from scenario {names[0]!r} in "
                                    f"{what}: {getattr(fc, what)!r} vs {getattr(first, what)!r}",
                                    hint="all scenarios must share frequency, time, locations, "
                                         "indicators and n_samples")
        if observed is _UNSET:  # the inputs' frame, validated when they were made
            frames = [fc.observed for fc in items if fc.observed is not None]
            observed = frames[0] if frames else None
            if any(not f.equals(observed) for f in frames[1:]):
                raise DataError("the scenarios' observed frames differ",
                                hint="pass observed= to combine")
        else:
            observed = cls._check_observed(observed)
        stacked = xr.concat([fc.samples for fc in items],
                            dim=pd.Index(names, name="scenario"), join="exact")
        metas = [json.loads(dump_metadata(fc.metadata)) for fc in items]
        skip = {"warnings", "created"}
        shared = {k: v for k, v in metas[0].items()
                  if k not in skip and all(k in m and m[k] == v for m in metas[1:])}
        combined: dict[str, Any] = dict(shared)
        combined["scenario_metadata"] = {
            name: {k: v for k, v in m.items() if k not in shared and k != "warnings"}
            for name, m in zip(names, metas, strict=True)}
        warnings = [f"scenario {name}: {w}" for name, m in zip(names, metas, strict=True)
                    for w in m.get("warnings") or []]
        if warnings:
            combined["warnings"] = warnings
        combined.update(metadata or {})
        # the stacked samples of valid forecasts are valid; the metadata is new: check it
        return cls._trusted(stacked.transpose(*_SCENARIO_DIMS), first.frequency, observed,
                            cls._check_metadata(combined))

    def equals(self, other: object) -> bool:
        """True if ``other`` is a Forecast with the same samples, frequency, observed frame and
        metadata (compared in their JSON form).

        Examples
        --------
        >>> import numpy as np, pandas as pd, xarray as xr
        >>> rng = np.random.default_rng(0)
        >>> fc = Forecast(xr.DataArray(rng.poisson(900.0, (100, 1, 1, 6)).astype(float),
        ...     dims=("sample", "location", "indicator", "time"),
        ...     coords={"location": ["US"], "indicator": ["opioids"],
        ...             "time": pd.date_range("2025-03-31", periods=6, freq="ME")}),
        ...     frequency="monthly")
        >>> fc.equals(fc.sel(location="US"))
        True
        >>> fc.equals(Forecast(fc.samples * 2, frequency="monthly"))
        False
        """
        if not isinstance(other, Forecast):
            return False
        if self._frequency != other._frequency or not self._samples.identical(other._samples):
            return False
        if (self._observed is None) != (other._observed is None):
            return False
        if self._observed is not None and not self._observed.equals(other._observed):
            return False
        return (dump_metadata(self._metadata, sort_keys=True)
                == dump_metadata(other._metadata, sort_keys=True))

    # ---------------------------------------------------------------- storage

    def to_netcdf(self, path: str | PathLike[str]) -> None:
        """Save to a netCDF file (samples, frequency, observed frame, metadata).

        Uses the ``h5netcdf`` engine when it is importable (with h5py), else xarray's default.

        Examples
        --------
        >>> import tempfile, pathlib
        >>> import numpy as np, pandas as pd, xarray as xr
        >>> rng = np.random.default_rng(0)
        >>> fc = Forecast(xr.DataArray(rng.poisson(900.0, (100, 1, 1, 6)).astype(float),
        ...     dims=("sample", "location", "indicator", "time"),
        ...     coords={"location": ["US"], "indicator": ["opioids"],
        ...             "time": pd.date_range("2025-03-31", periods=6, freq="ME")}),
        ...     frequency="monthly",
        ...     metadata={"model": "ARIMA", "model_config": {"order": [1, 1, 1]}})
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     path = pathlib.Path(tmp) / "forecast.nc"
        ...     fc.to_netcdf(path)
        ...     back = Forecast.from_netcdf(path)
        >>> back.equals(fc), back.metadata["model_config"]
        (True, {'order': [1, 1, 1]})
        """
        io.to_netcdf(self, path)

    @classmethod
    def from_netcdf(cls, path: str | PathLike[str]) -> Forecast:
        """Read a Forecast written by :meth:`to_netcdf`.

        Examples
        --------
        >>> import tempfile, pathlib
        >>> import numpy as np, pandas as pd, xarray as xr
        >>> rng = np.random.default_rng(0)
        >>> fc = Forecast(xr.DataArray(rng.poisson(900.0, (100, 1, 1, 6)).astype(float),
        ...     dims=("sample", "location", "indicator", "time"),
        ...     coords={"location": ["US"], "indicator": ["opioids"],
        ...             "time": pd.date_range("2025-03-31", periods=6, freq="ME")}),
        ...     frequency="monthly")
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     fc.to_netcdf(pathlib.Path(tmp) / "f.nc")
        ...     back = Forecast.from_netcdf(pathlib.Path(tmp) / "f.nc")
        >>> back.horizon, back.n_samples
        (6, 100)
        """
        return io.from_netcdf(cls, path)

    # ---------------------------------------------------------------- display

    def __repr__(self) -> str:
        return display.forecast_repr(self)

    def plot(self, *, location: str | Sequence[str] | None = None,
             indicator: str | Sequence[str] | None = None,
             scenario: str | Sequence[str] | None = None,
             intervals: Sequence[float] = (0.5, 0.8, 0.95), ax: Axes | None = None,
             show_observed: bool = True, title: str | None = None,
             start: Any = None) -> Figure:
        """Fan chart: nested central intervals and the median, with the observed series.

        See :func:`odforecast.plotting.plot_forecast`; :mod:`odforecast.plotting` also draws
        scenario comparisons (:meth:`plot_scenarios`), one panel per state
        (:meth:`plot_locations`) and backtest scores.

        Parameters
        ----------
        location, indicator, scenario
            Selection (a name or a list; default all).  One panel per (location, indicator),
            in a grid of at most 4 columns; one colour per scenario.
        intervals
            Central interval probabilities drawn as nested shaded bands.
        ax
            Draw into this Axes (only when a single panel is selected).
        show_observed
            Draw the observed series (``metadata['estimate']``, default ``reported``) as
            black points and line; censored values as open markers at their upper bound.
        title
            Figure title.
        start
            First date of observed data shown (e.g. ``"2019"``); default all of it.

        Returns
        -------
        matplotlib.figure.Figure
            The figure (created without pyplot, so it works headless).

        Examples
        --------
        >>> import numpy as np, pandas as pd, xarray as xr
        >>> rng = np.random.default_rng(0)
        >>> fc = Forecast(xr.DataArray(rng.poisson(900.0, (100, 1, 2, 6)).astype(float),
        ...     dims=("sample", "location", "indicator", "time"),
        ...     coords={"location": ["US"], "indicator": ["opioids", "cocaine"],
        ...             "time": pd.date_range("2025-03-31", periods=6, freq="ME")}),
        ...     frequency="monthly", metadata={"model": "ARIMA"})
        >>> fig = fc.plot()
        >>> len(fig.axes)
        2
        """
        from odforecast.plotting.fan import plot_forecast

        return plot_forecast(self, location=location, indicator=indicator, scenario=scenario,
                             intervals=intervals, ax=ax, show_observed=show_observed,
                             title=title, start=start)

    def plot_scenarios(self, **kwargs: Any) -> Figure:
        """Scenarios against the baseline, optionally with cumulative totals.

        Takes the keyword arguments of :func:`odforecast.plotting.plot_scenarios`
        (``location``, ``indicator``, ``baseline``, ``interval``, ``cumulative``...).

        Examples
        --------
        >>> fc = fitted.forecast(5, [StatusQuo(), preset("source_low_fentanyl")])  # doctest: +SKIP
        >>> fig = fc.plot_scenarios(cumulative=("2025", "2029"))  # doctest: +SKIP
        """
        from odforecast.plotting.scenarios import plot_scenarios

        return plot_scenarios(self, **kwargs)

    def plot_locations(self, **kwargs: Any) -> Figure:
        """Small multiples: one compact fan chart per location (e.g. every state).

        Takes the keyword arguments of :func:`odforecast.plotting.plot_locations`
        (``indicator``, ``locations``, ``sharey``, ``ncols``, ``start``...).

        Examples
        --------
        >>> fig = states_forecast.plot_locations(indicator="opioids")  # doctest: +SKIP
        """
        from odforecast.plotting.locations import plot_locations

        return plot_locations(self, **kwargs)

    def _repr_html_(self) -> str:
        """Notebook display: the repr line and a table of medians and 95 % intervals."""
        return display.forecast_html(self)
