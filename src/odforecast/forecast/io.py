"""Saving a :class:`~odforecast.Forecast` to netCDF and reading it back, and the JSON form of
its metadata.

The file holds the samples (variable ``samples``), the frequency and the metadata (JSON) as
attributes, and the observed frame column by column (``observed_0``, ``observed_1``... along
``observed_row``, with the column names and dtypes as JSON attributes).
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Mapping
from datetime import date, datetime
from os import PathLike
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import xarray as xr

from odforecast.errors import DataError

if TYPE_CHECKING:  # pragma: no cover - for type checkers only
    from odforecast.forecast.container import Forecast

__all__ = ["dump_metadata", "from_netcdf", "to_netcdf"]

_FORMAT = "odforecast.Forecast"
_FORMAT_VERSION = 1


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


def dump_metadata(metadata: Mapping[str, Any], *, sort_keys: bool = False) -> str:
    """Metadata as JSON (numpy values, dates and sets converted), as saved in the file.

    Raises
    ------
    TypeError
        For a value JSON cannot hold.

    Examples
    --------
    >>> import numpy as np
    >>> dump_metadata({"seed": np.int64(3), "order": (1, 1, 0)})
    '{"seed": 3, "order": [1, 1, 0]}'
    """
    return json.dumps(metadata, default=_json_default, sort_keys=sort_keys)


def _optional_engine() -> str | None:
    """``h5netcdf`` when it (and h5py, its HDF5 backend) can be imported, else xarray's default."""
    if importlib.util.find_spec("h5netcdf") and importlib.util.find_spec("h5py"):
        return "h5netcdf"
    return None


def to_netcdf(forecast: Forecast, path: str | PathLike[str]) -> None:
    """Write ``forecast`` to a netCDF file (what :meth:`odforecast.Forecast.to_netcdf` does).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import numpy as np, pandas as pd, xarray as xr
    >>> from odforecast.forecast import Forecast
    >>> fc = Forecast(xr.DataArray(np.ones((5, 1, 1, 2)),
    ...     dims=("sample", "location", "indicator", "time"),
    ...     coords={"location": ["US"], "indicator": ["opioids"],
    ...             "time": pd.date_range("2025-01-31", periods=2, freq="ME")}),
    ...     frequency="monthly")
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     to_netcdf(fc, pathlib.Path(tmp) / "f.nc")
    ...     from_netcdf(Forecast, pathlib.Path(tmp) / "f.nc").equals(fc)
    True
    """
    ds = forecast.samples.to_dataset()
    observed = forecast.observed
    ds.attrs = {"odforecast_format": _FORMAT, "format_version": _FORMAT_VERSION,
                "frequency": forecast.frequency, "metadata": dump_metadata(forecast.metadata),
                "has_observed": int(observed is not None)}
    if observed is not None:
        ds.attrs["observed_columns"] = json.dumps([str(c) for c in observed.columns])
        ds.attrs["observed_dtypes"] = json.dumps([str(t) for t in observed.dtypes])
        for i, column in enumerate(observed.columns):
            series = observed[column]
            if series.dtype == object or pd.api.types.is_string_dtype(series.dtype):
                data = np.asarray([str(v) for v in series], dtype=str)
            else:
                data = series.to_numpy()
            ds[f"observed_{i}"] = xr.DataArray(data, dims=("observed_row",))
    ds.to_netcdf(path, engine=_optional_engine())


def from_netcdf(cls: type[Forecast], path: str | PathLike[str]) -> Forecast:
    """Read a forecast written by :func:`to_netcdf` as a ``cls`` (validated on the way in).

    Examples
    --------
    >>> from odforecast.forecast import Forecast
    >>> from_netcdf(Forecast, "no-such-file.nc")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    odforecast.errors.DataError: ...cannot read a forecast from this file...
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
