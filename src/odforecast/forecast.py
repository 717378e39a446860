"""The one result type of every odforecast model: :class:`Forecast`, a set of sample paths.

Every model (ARIMA, the Bayesian PyMC models, the mechanistic model) returns a :class:`Forecast`.
Sample paths are the currency: every summary is computed from the paths, so a total over several
periods is the sum of each path (never a sum of quantiles), and paths keep their index across
periods so they stay joint.

The samples are an :class:`xarray.DataArray` with dimensions ``("sample", "location",
"indicator", "time")``, or ``("scenario", "sample", "location", "indicator", "time")`` for
scenario projections.  ``time`` is the last day (``period_end``) of each forecast period.

Only numpy, pandas and xarray are imported here; matplotlib is imported by :meth:`Forecast.plot`.
"""

from __future__ import annotations

import copy
import importlib.util
import json
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from os import PathLike
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import xarray as xr

from odforecast._version import __version__
from odforecast.data.display import period_label
from odforecast.data.schema import ESTIMATES, FREQUENCIES, INDICATORS, validate
from odforecast.errors import DataError

if TYPE_CHECKING:  # pragma: no cover - for type checkers only
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["HUBVERSE_QUANTILES", "Forecast"]

#: The 23 quantile levels of the hubverse (and CDC FluSight / COVID-19 Forecast Hub) standard.
HUBVERSE_QUANTILES: tuple[float, ...] = (
    0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5,
    0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 0.975, 0.99,
)

_DIMS = ("sample", "location", "indicator", "time")
_SCENARIO_DIMS = ("scenario", *_DIMS)
_FORMAT = "odforecast.Forecast"
_FORMAT_VERSION = 1
_UNSET: Any = object()


# --------------------------------------------------------------------------------------------
# small helpers
# --------------------------------------------------------------------------------------------

def _json_default(value: Any) -> Any:
    """Convert the non-JSON values models commonly put in metadata."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, pd.Timestamp | datetime | date):
        return value.isoformat()
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _dump_metadata(metadata: Mapping[str, Any], *, sort_keys: bool = False) -> str:
    return json.dumps(metadata, default=_json_default, sort_keys=sort_keys)


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")


def _percent(p: float) -> str:
    return f"{round(p * 100, 6):g}"


def _check_levels(levels: float | Sequence[float], name: str) -> list[float]:
    values = np.atleast_1d(np.asarray(levels, dtype=float))
    if values.ndim != 1 or values.size == 0:
        raise DataError(f"{name} must be a non-empty sequence of numbers, got {levels!r}")
    if not (np.all(np.isfinite(values)) and np.all((values > 0) & (values < 1))):
        raise DataError(f"every value of {name} must lie strictly between 0 and 1, got "
                        f"{values.tolist()}")
    if len(set(values.tolist())) != values.size:
        raise DataError(f"{name} has duplicate values: {values.tolist()}")
    return [float(v) for v in values]


def _as_list(value: str | Sequence[str] | None, name: str) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return [value]
    items = list(value)
    if not all(isinstance(v, str) for v in items):
        raise DataError(f"{name} must be a string or a list of strings, got {value!r}")
    return items


def _window_bound(value: Any, *, end: bool, name: str) -> pd.Timestamp:
    """Parse a window bound: a string is a period ("2029", "2029-06", "2029Q3", "2029-12-31")."""
    try:
        if isinstance(value, str):
            period = pd.Period(value)
            stamp = period.end_time if end else period.start_time
        else:
            stamp = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{name} must be a date or a string such as '2029' or '2029-12-31', "
                        f"got {value!r} ({exc})") from None
    if stamp is pd.NaT or pd.isna(stamp):
        raise DataError(f"{name} is missing (got {value!r})")
    if stamp.tz is not None:
        raise DataError(f"{name} must be a date without time zone, got {value!r}")
    return stamp.normalize()


def _day(stamp: pd.Timestamp) -> str:
    return stamp.strftime("%Y-%m-%d")


def _optional_engine() -> str | None:
    """``h5netcdf`` when it (and h5py, its HDF5 backend) can be imported, else xarray's default."""
    if importlib.util.find_spec("h5netcdf") and importlib.util.find_spec("h5py"):
        return "h5netcdf"
    return None


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
        if observed is None:
            self._observed = None
        elif isinstance(observed, pd.DataFrame):
            self._observed = validate(observed, origin="observed")
        else:
            raise DataError(f"observed must be a tidy pandas DataFrame or None, got "
                            f"{type(observed).__name__}")
        self._metadata = self._check_metadata(metadata)

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
        coords: dict[str, Any] = {"sample": np.arange(samples.sizes["sample"], dtype=np.int64)}
        for dim in ("scenario", "location", "indicator"):
            if dim not in target:
                continue
            if dim not in samples.coords:
                raise DataError(f"samples needs a {dim!r} coordinate (strings)")
            labels = list(samples.coords[dim].values)
            if not all(isinstance(v, str) and v for v in labels):
                raise DataError(f"the {dim!r} coordinate must hold non-empty strings, got "
                                f"{labels[:5]!r}")
            labels = [str(v) for v in labels]
            if len(set(labels)) != len(labels):
                raise DataError(f"the {dim!r} coordinate has duplicate labels: {labels}")
            coords[dim] = np.asarray(labels, dtype=str)
        if "time" not in samples.coords:
            raise DataError("samples needs a 'time' coordinate (the period_end dates)")
        try:
            time = pd.DatetimeIndex(samples.coords["time"].values)
        except (TypeError, ValueError) as exc:
            raise DataError(f"the 'time' coordinate must hold dates ({exc})") from None
        Forecast._check_time(time, frequency)
        coords["time"] = time.astype("datetime64[ns]").rename("time")

        try:
            values = np.array(samples.values, dtype=np.float64, copy=True)
        except (TypeError, ValueError) as exc:
            raise DataError(f"samples must be numeric ({exc})") from None
        out = xr.DataArray(values, dims=target, coords=coords, name="samples")
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
        months = np.asarray(time.year * 12 + time.month - 1)
        step = 1 if frequency in ("monthly", "12m_ending") else FREQUENCIES[frequency]
        end_month = {"annual": (12,), "semiannual": (6, 12), "quarterly": (3, 6, 9, 12)}
        if frequency in end_month:
            wrong = ~np.isin(time.month, end_month[frequency])
            if wrong.any():
                raise DataError(f"time {_day(time[wrong][0])} cannot end a {frequency} period "
                                f"(it must end in month {end_month[frequency]})", hint=hint)
        diffs = np.diff(months)
        if (diffs <= 0).any():
            raise DataError("the 'time' coordinate must be strictly increasing", hint=hint)
        if (diffs != step).any():
            pos = int(np.flatnonzero(diffs != step)[0])
            raise DataError(f"{frequency} forecast times must be {step} month(s) apart with no "
                            f"gaps; got {_day(time[pos])} then {_day(time[pos + 1])}", hint=hint)

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
            _dump_metadata(out)
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
        span = FREQUENCIES[self._frequency]
        start = (self.time.to_period("M") - (span - 1)).to_timestamp()
        return pd.DatetimeIndex(start.astype("datetime64[ns]"), name="period_start")

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

    # ---------------------------------------------------------------- internals

    @property
    def _estimate(self) -> str:
        return str(self._metadata.get("estimate") or "reported")

    def _series_keys(self) -> list[tuple[str | None, str, str]]:
        scenarios = self.scenarios or [None]
        return [(s, loc, ind) for s in scenarios for loc in self.locations
                for ind in self.indicators]

    def _paths(self, scenario: str | None, location: str, indicator: str) -> np.ndarray:
        """Array (sample, time) of one series."""
        selection: dict[str, str] = {"location": location, "indicator": indicator}
        if scenario is not None:
            selection["scenario"] = scenario
        return self._samples.sel(selection).transpose("sample", "time").values

    def _observed_series(self, location: str, indicator: str) -> pd.DataFrame:
        """Observed rows of one series (this frequency and estimate), sorted, one per period."""
        obs = self._observed
        assert obs is not None
        rows = obs[(obs["location"] == location) & (obs["indicator"] == indicator)
                   & (obs["frequency"] == self._frequency) & (obs["estimate"] == self._estimate)]
        rows = rows.sort_values("period_end", kind="stable")
        dup = rows["period_end"].duplicated()
        if dup.any():
            when = rows.loc[dup.to_numpy(), "period_end"].iloc[0]
            raise DataError(f"observed has several {self._estimate} rows for {location} "
                            f"{indicator} period ending {_day(when)} (dimension columns?)",
                            hint="pass an observed frame with one row per period")
        return rows

    def _label(self, start: pd.Timestamp, end: pd.Timestamp) -> str:
        return period_label(self._frequency, start, end)

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
        checked = _check_levels(levels, "levels")
        out = self._samples.quantile(checked, dim="sample", skipna=False)
        return out.rename(None)

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
        probs = _check_levels(intervals, "intervals")
        levels = [0.5]
        for p in probs:
            levels += [round((1 - p) / 2, 12), round((1 + p) / 2, 12)]
        dims = [d for d in self._samples.dims if d != "sample"]
        values = self._samples.transpose(*dims, "sample").values
        flat = values.reshape(-1, self.n_samples)
        keep = ~np.isnan(flat[:, 0])
        stats = np.quantile(flat[keep], levels, axis=1) if keep.any() else np.empty((len(levels),
                                                                                     0))
        index = np.indices(values.shape[:-1]).reshape(len(dims), -1)[:, keep]
        frame = self._key_frame(dims, index)
        frame["mean"] = flat[keep].mean(axis=1)
        frame["median"] = stats[0]
        for k, p in enumerate(probs):
            frame[f"lower_{_percent(p)}"] = stats[1 + 2 * k]
            frame[f"upper_{_percent(p)}"] = stats[2 + 2 * k]
        return frame

    def _key_frame(self, dims: list[str], index: np.ndarray) -> pd.DataFrame:
        """Key columns for the flattened positions ``index`` (one row per dim) of ``dims``."""
        columns: dict[str, Any] = {}
        starts = self.period_start
        for dim, positions in zip(dims, index, strict=True):
            if dim == "time":
                columns["frequency"] = pd.Series([self._frequency] * len(positions),
                                                 dtype=object)
                columns["period_start"] = pd.Series(starts.values[positions],
                                                    dtype="datetime64[ns]")
                columns["period_end"] = pd.Series(self.time.values[positions],
                                                  dtype="datetime64[ns]")
            else:
                labels = self._samples.coords[dim].values
                columns[dim] = pd.Series([str(v) for v in labels[positions]], dtype=object)
        return pd.DataFrame(columns)

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
        if self._frequency == "12m_ending":
            raise DataError("cannot sum 12m_ending values: consecutive 12-month-ending windows "
                            "overlap", hint="forecast an annual or monthly series instead")
        probs = _check_levels(intervals, "intervals")
        lo = _window_bound(start, end=False, name="start")
        hi = _window_bound(end, end=True, name="end")
        if hi < lo:
            raise DataError(f"window end {_day(hi)} is before its start {_day(lo)}")
        starts, ends = self.period_start, self.time
        first_label = self._label(starts[0], ends[0])
        last_label = self._label(starts[-1], ends[-1])
        inside = np.flatnonzero(np.asarray((starts >= lo) & (ends <= hi)))
        if inside.size == 0:
            raise DataError(f"the window {_day(lo)}..{_day(hi)} contains no forecast period "
                            f"(the forecast covers {first_label}..{last_label})")
        window = f"the window {_day(lo)}..{_day(hi)}"
        if hi > ends[-1]:
            raise DataError(f"{window} ends after the forecast's last period {last_label}",
                            hint=f"end the window on or before {_day(ends[-1])}")
        if ends[inside[-1]] != hi:
            after = inside[-1] + 1
            raise DataError(f"{window} ends inside the forecast period "
                            f"{self._label(starts[after], ends[after])}",
                            hint=f"end it on {_day(ends[inside[-1]])} or {_day(ends[after])}")
        if inside[0] > 0 and starts[inside[0]] != lo:
            before = inside[0] - 1
            raise DataError(f"{window} starts inside the forecast period "
                            f"{self._label(starts[before], ends[before])}",
                            hint=f"start it on {_day(starts[before])} or "
                                 f"{_day(starts[inside[0]])}")
        needs_observed = starts[0] > lo
        if needs_observed and not include_observed:
            raise DataError(f"{window} starts before the forecast's first period {first_label}",
                            hint="pass include_observed=True to add the observed periods, or "
                                 f"start the window on {_day(starts[0])}")

        rows: list[dict[str, Any]] = []
        totals: list[np.ndarray] = []
        fixed_cache: dict[tuple[str, str], tuple[float, int]] = {}
        for scenario, location, indicator in self._series_keys():
            paths = self._paths(scenario, location, indicator)[:, inside]
            missing = np.isnan(paths[0])
            if missing.all():
                continue
            name = f"{location} {indicator}" + (f" (scenario {scenario})" if scenario else "")
            if missing.any():
                t = inside[int(np.argmax(missing))]
                raise DataError(f"{name} has no forecast for {self._label(starts[t], ends[t])}, "
                                f"inside {window}")
            fixed, n_fixed = 0.0, 0
            if needs_observed:
                if (location, indicator) not in fixed_cache:
                    fixed_cache[location, indicator] = self._observed_total(
                        location, indicator, lo, starts[0], window)
                fixed, n_fixed = fixed_cache[location, indicator]
            totals.append(paths.sum(axis=1) + fixed)
            row: dict[str, Any] = {} if scenario is None else {"scenario": scenario}
            row.update(location=location, indicator=indicator,
                       start=lo if needs_observed else starts[inside[0]], end=hi,
                       n_periods=n_fixed + inside.size)
            rows.append(row)

        key = (["scenario"] if self.scenarios else []) + ["location", "indicator"]
        columns = [*key, "start", "end", "n_periods", "mean", "median"]
        for p in probs:
            columns += [f"lower_{_percent(p)}", f"upper_{_percent(p)}"]
        if not rows:
            return pd.DataFrame({c: [] for c in columns})
        frame = pd.DataFrame(rows)
        for column in key:
            frame[column] = frame[column].astype(object)
        frame["start"] = frame["start"].astype("datetime64[ns]")
        frame["end"] = frame["end"].astype("datetime64[ns]")
        frame["n_periods"] = frame["n_periods"].astype(np.int64)
        stacked = np.vstack(totals)
        frame["mean"] = stacked.mean(axis=1)
        frame["median"] = np.quantile(stacked, 0.5, axis=1)
        for p in probs:
            lower, upper = round((1 - p) / 2, 12), round((1 + p) / 2, 12)
            frame[f"lower_{_percent(p)}"] = np.quantile(stacked, lower, axis=1)
            frame[f"upper_{_percent(p)}"] = np.quantile(stacked, upper, axis=1)
        return frame[columns]

    def _observed_total(self, location: str, indicator: str, lo: pd.Timestamp,
                        forecast_start: pd.Timestamp, window: str) -> tuple[float, int]:
        """Sum of the observed periods tiling ``[lo, forecast_start)``, and their number."""
        name = f"{location} {indicator}"
        if self._observed is None:
            raise DataError(f"{window} starts before the forecast but the forecast has no "
                            "observed data", hint=f"start the window on {_day(forecast_start)}")
        rows = self._observed_series(location, indicator)
        rows = rows[(rows["period_start"] >= lo) & (rows["period_end"] < forecast_start)]
        expected = lo
        for row in rows.itertuples(index=False):
            label = self._label(row.period_start, row.period_end)
            if row.period_start != expected:
                break
            if row.censored:
                raise DataError(f"observed {self._estimate} {name} for {label} is censored "
                                f"(<= {row.censor_upper:g}), inside {window}",
                                hint="a suppressed count cannot be summed; choose a window "
                                     "without it")
            if "partial_period" in row.flag:
                raise DataError(f"observed {self._estimate} {name} for {label} covers only part "
                                f"of its period, inside {window}",
                                hint="choose a window without it")
            if not np.isfinite(row.value):
                raise DataError(f"observed {self._estimate} {name} for {label} is missing "
                                f"(flag {row.flag!r}), inside {window}",
                                hint="choose a window without it")
            expected = row.period_end + pd.Timedelta(1, "D")
        if expected != forecast_start:
            span = FREQUENCIES[self._frequency]
            gap_end = expected + pd.DateOffset(months=span) - pd.Timedelta(1, "D")
            raise DataError(f"{window} is not covered: observed {self._estimate} {name} has no "
                            f"{self._frequency} value for {self._label(expected, gap_end)}",
                            hint=f"observed periods must run from {_day(lo)} up to the "
                                 f"forecast's first period starting {_day(forecast_start)}")
        inside = rows[rows["period_start"] < forecast_start]
        return float(inside["value"].sum()), len(inside)

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
        kinds = list(output_types)
        if not kinds or any(k not in ("quantile", "sample") for k in kinds) or len(
                set(kinds)) != len(kinds):
            raise DataError(f"output_types must be 'quantile' and/or 'sample', got "
                            f"{output_types!r}")
        levels = sorted(_check_levels(quantile_levels, "quantile_levels"))
        reference = (self._default_reference_date() if reference_date is None
                     else _window_bound(reference_date, end=False, name="reference_date"))
        targets = self._targets(target)

        dims = [d for d in self._samples.dims if d != "sample"]
        values = self._samples.transpose(*dims, "sample").values
        parts = []
        for kind in kinds:
            if kind == "quantile":
                q = np.quantile(values, levels, axis=-1)  # (level, *dims)
                q = np.moveaxis(q, 0, -1)
                q = np.maximum.accumulate(np.rint(q), axis=-1)
                ids: np.ndarray = np.asarray(levels, dtype=np.float64)
                block = q
            else:
                block = np.rint(values)
                ids = np.arange(self.n_samples, dtype=np.int64)
            flat = block.reshape(-1)
            keep = ~np.isnan(flat)
            index = np.indices(block.shape).reshape(block.ndim, -1)[:, keep]
            columns: dict[str, Any] = {}
            for dim, positions in zip(dims, index[:-1], strict=True):
                labels = self._samples.coords[dim].values
                if dim == "scenario":
                    columns["scenario_id"] = labels[positions]
                elif dim == "time":
                    columns["horizon"] = (positions + 1).astype(np.int64)
                    columns["target_end_date"] = np.asarray(
                        [_day(t) for t in self.time])[positions]
                else:
                    columns[dim] = labels[positions]
            columns["target"] = np.asarray([targets[i] for i in self.indicators])[
                index[dims.index("indicator")]]
            columns["output_type"] = np.full(keep.sum(), kind)
            columns["output_type_id"] = ids[index[-1]]
            columns["value"] = flat[keep].astype(np.int64)
            parts.append(pd.DataFrame(columns))
        frame = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
        frame["reference_date"] = _day(reference)
        order = (["scenario_id"] if self.scenarios else []) + [
            "reference_date", "location", "target", "horizon", "target_end_date", "output_type",
            "output_type_id", "value"]
        for column in order:
            if column not in ("horizon", "output_type_id", "value"):
                frame[column] = frame[column].astype(str).astype(object)
        if len(kinds) > 1:
            frame["output_type_id"] = pd.Series(
                [float(v) if k == "quantile" else int(v) for k, v in
                 zip(frame["output_type"], frame["output_type_id"], strict=True)], dtype=object)
        return frame[order]

    def _default_reference_date(self) -> pd.Timestamp:
        # Compare period *ends*: 12-month-ending periods overlap, so the last observed window
        # starts long before the first forecast window does.
        first_end = self.time[0]
        if self._observed is not None:
            obs = self._observed
            rows = obs[obs["location"].isin(self.locations)
                       & obs["indicator"].isin(self.indicators)
                       & (obs["frequency"] == self._frequency)
                       & (obs["estimate"] == self._estimate)
                       & (obs["period_end"] < first_end)]
            if len(rows):
                return pd.Timestamp(rows["period_end"].max())
        if self._frequency == "12m_ending":
            return (first_end.to_period("M") - 1).to_timestamp(how="end").normalize()
        return self.period_start[0] - pd.Timedelta(1, "D")

    def _targets(self, target: str | Mapping[str, str] | None) -> dict[str, str]:
        if isinstance(target, Mapping):
            missing = [i for i in self.indicators if i not in target]
            if missing:
                raise DataError(f"target has no entry for indicator(s) {missing}")
            out = {i: str(target[i]) for i in self.indicators}
        else:
            template = "{frequency} {indicator} {unit}" if target is None else target
            if not isinstance(template, str):
                raise DataError(f"target must be a string or a mapping, got {target!r}")
            out = {}
            for i in self.indicators:
                unit = INDICATORS[i].unit if i in INDICATORS else "deaths"
                try:
                    out[i] = template.format(indicator=i, frequency=self._frequency, unit=unit)
                except (KeyError, IndexError) as exc:
                    raise DataError(f"target template {template!r} uses an unknown field "
                                    f"{exc}", hint="use {indicator}, {frequency}, {unit}") from None
        if len(set(out.values())) != len(out):
            raise DataError(f"target gives several indicators the same name: {out}",
                            hint="use a mapping or a template with {indicator}")
        return out

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
        return Forecast(self._samples.sel(selection), frequency=self._frequency,
                        observed=self._observed, metadata=self._metadata)

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
        if observed is _UNSET:
            frames = [fc.observed for fc in items if fc.observed is not None]
            observed = frames[0] if frames else None
            if any(not f.equals(observed) for f in frames[1:]):
                raise DataError("the scenarios' observed frames differ",
                                hint="pass observed= to combine")
        stacked = xr.concat([fc.samples for fc in items],
                            dim=pd.Index(names, name="scenario"), join="exact")
        metas = [json.loads(_dump_metadata(fc.metadata)) for fc in items]
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
        return cls(stacked.transpose(*_SCENARIO_DIMS), frequency=first.frequency,
                   observed=observed, metadata=combined)

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
        return (_dump_metadata(self._metadata, sort_keys=True)
                == _dump_metadata(other._metadata, sort_keys=True))

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
        ds = self._samples.to_dataset()
        ds.attrs = {"odforecast_format": _FORMAT, "format_version": _FORMAT_VERSION,
                    "frequency": self._frequency, "metadata": _dump_metadata(self._metadata),
                    "has_observed": int(self._observed is not None)}
        if self._observed is not None:
            obs = self._observed
            ds.attrs["observed_columns"] = json.dumps([str(c) for c in obs.columns])
            ds.attrs["observed_dtypes"] = json.dumps([str(t) for t in obs.dtypes])
            for i, column in enumerate(obs.columns):
                series = obs[column]
                if series.dtype == object or pd.api.types.is_string_dtype(series.dtype):
                    data = np.asarray([str(v) for v in series], dtype=str)
                else:
                    data = series.to_numpy()
                ds[f"observed_{i}"] = xr.DataArray(data, dims=("observed_row",))
        ds.to_netcdf(path, engine=_optional_engine())

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
        try:
            with xr.open_dataset(path, engine=_optional_engine()) as handle:
                ds = handle.load()
        except (OSError, ValueError) as exc:
            raise DataError(f"cannot read a forecast from this file ({exc})", path=path) from None
        if ds.attrs.get("odforecast_format") != _FORMAT or "samples" not in ds:
            raise DataError("not an odforecast Forecast file (written by Forecast.to_netcdf)",
                            path=path)
        version = int(ds.attrs.get("format_version", 0))
        if version > _FORMAT_VERSION:
            raise DataError(f"file format version {version} is newer than this odforecast "
                            f"supports ({_FORMAT_VERSION})", path=path,
                            hint="upgrade odforecast")
        observed = None
        if int(ds.attrs.get("has_observed", 0)):
            names = json.loads(ds.attrs["observed_columns"])
            dtypes = json.loads(ds.attrs["observed_dtypes"])
            columns: dict[str, pd.Series] = {}
            for i, (name, dtype) in enumerate(zip(names, dtypes, strict=True)):
                data = ds[f"observed_{i}"].values
                if dtype in ("object", "str", "string") or dtype.startswith("string"):
                    columns[name] = pd.Series([str(v) for v in data], dtype=object)
                else:
                    columns[name] = pd.Series(data).astype(dtype)
            observed = pd.DataFrame(columns) if columns else None
        metadata = json.loads(ds.attrs["metadata"])
        return cls(ds["samples"], frequency=str(ds.attrs["frequency"]), observed=observed,
                   metadata=metadata)

    # ---------------------------------------------------------------- display

    def __repr__(self) -> str:
        md = self._metadata
        model = f" {md['model']}" if md.get("model") else ""
        parts = []
        if self.scenarios:
            parts.append(_plural(len(self.scenarios), "scenario"))
        parts.append(_plural(len(self.locations), "location"))
        parts.append(_plural(len(self.indicators), "indicator"))
        starts, ends = self.period_start, self.time
        if self._frequency == "12m_ending":
            span = f"ending {ends[0].strftime('%Y-%m')}..{ends[-1].strftime('%Y-%m')}"
        else:
            span = f"{self._label(starts[0], ends[0])}..{self._label(starts[-1], ends[-1])}"
        kind = "rolling 12-month" if self._frequency == "12m_ending" else self._frequency
        parts.append(f"{self.horizon} {kind} period" + ("" if self.horizon == 1
                                                       else "s") + f" ({span})")
        paths = f"{self.n_samples} sample path" + ("" if self.n_samples == 1 else "s")
        text = f"<Forecast{model}: {' x '.join(parts)}, {paths}"
        if md.get("data_vintage"):
            text += f"; data vintage {md['data_vintage']}"
        if md.get("random_seed") is not None:
            text += f"; seed {md['random_seed']}"
        text += ">"
        if md.get("warnings"):
            text += f"\n  warnings: {'; '.join(md['warnings'])}"
        return text

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
        from odforecast._html import forecast_html

        return forecast_html(self)

