"""Saving a :class:`~odforecast.Forecast` to netCDF and reading it back, and the JSON form of
its metadata.

The file holds the samples (variable ``samples``), the frequency and the metadata (JSON) as
attributes, and the observed frame column by column (``observed_0``, ``observed_1``... along
``observed_row``, with the column names and dtypes as JSON attributes).  Since format version 2
the attribute ``samples_sha256`` holds a SHA-256 checksum of the sample values, verified on
reading, so a damaged file is refused instead of loading altered paths.
"""

from __future__ import annotations

import hashlib
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
_FORMAT_VERSION = 2  # 2: samples checksum


def _checksum(values: np.ndarray) -> str:
    """SHA-256 of the sample values (float64, C order): the file's integrity check."""
    return hashlib.sha256(np.ascontiguousarray(values, dtype=np.float64).tobytes()).hexdigest()


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
                "has_observed": int(observed is not None),
                "samples_sha256": _checksum(forecast.samples.values)}
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
    try:
        version = int(ds.attrs.get("format_version", 0))
        if version > _FORMAT_VERSION:
            raise DataError(f"file format version {version} is newer than this odforecast "
                            f"supports ({_FORMAT_VERSION})", path=path,
                            hint="upgrade odforecast")
        if version >= 2:
            stored = ds.attrs.get("samples_sha256")
            if not isinstance(stored, str) or _checksum(ds["samples"].values) != stored:
                raise DataError("the sample values do not match the file's checksum: the file "
                                "is damaged or was changed after it was written", path=path,
                                hint="write the forecast again with Forecast.to_netcdf")
        observed = _read_observed(ds)
        metadata = json.loads(ds.attrs["metadata"])
        if not isinstance(metadata, dict):
            raise TypeError("the metadata is not a JSON object")
        frequency = str(ds.attrs["frequency"])
    except DataError:
        raise
    except (KeyError, ValueError, TypeError, AttributeError) as exc:  # json: ValueError
        what = f"attribute {exc.args[0]!r} is missing" if isinstance(exc, KeyError) else exc
        raise DataError(f"the forecast file is marked as odforecast's but its metadata is "
                        f"malformed ({what})", path=path,
                        hint="write the forecast again with Forecast.to_netcdf") from None
    try:
        return cls(ds["samples"], frequency=frequency, observed=observed, metadata=metadata)
    except DataError as exc:
        if exc.path is not None:
            raise
        raise DataError(exc.reason, path=path, row=exc.row, column=exc.column,
                        hint=exc.hint) from None


def _read_observed(ds: xr.Dataset) -> pd.DataFrame | None:
    """The observed frame stored column by column (None when the forecast had none)."""
    if not int(ds.attrs.get("has_observed", 0)):
        return None
    names = json.loads(ds.attrs["observed_columns"])
    dtypes = json.loads(ds.attrs["observed_dtypes"])
    columns: dict[str, pd.Series] = {}
    for i, (name, dtype) in enumerate(zip(names, dtypes, strict=True)):
        data = ds[f"observed_{i}"].values
        if dtype in ("object", "str", "string") or dtype.startswith("string"):
            columns[name] = pd.Series([str(v) for v in data], dtype=object)
        else:
            columns[name] = pd.Series(data).astype(dtype)
    return pd.DataFrame(columns) if columns else None
