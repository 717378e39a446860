"""Model output in the hubverse format of the CDC forecast hubs
(:meth:`odforecast.Forecast.to_hubverse`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from odforecast.calendar import period_end_of_month
from odforecast.data.schema import INDICATORS
from odforecast.errors import DataError
from odforecast.forecast.summaries import sample_last
from odforecast.forecast.windows import day, window_bound
from odforecast.levels import HUBVERSE_QUANTILES, check_levels

if TYPE_CHECKING:  # pragma: no cover - for type checkers only
    from odforecast.forecast.container import Forecast

__all__ = ["default_reference_date", "targets", "to_hubverse"]


def to_hubverse(forecast: Forecast, *, reference_date: Any = None,
                output_types: Sequence[str] = ("quantile",),
                quantile_levels: Sequence[float] = HUBVERSE_QUANTILES,
                target: str | Mapping[str, str] | None = None) -> pd.DataFrame:
    """The hubverse table of ``forecast``: see :meth:`odforecast.Forecast.to_hubverse`.

    Examples
    --------
    >>> import numpy as np, pandas as pd, xarray as xr
    >>> from odforecast.forecast import Forecast
    >>> fc = Forecast(xr.DataArray(np.full((4, 1, 1, 2), 7.0),
    ...     dims=("sample", "location", "indicator", "time"),
    ...     coords={"location": ["US"], "indicator": ["opioids"],
    ...             "time": pd.date_range("2025-12-31", periods=2, freq="YE")}),
    ...     frequency="annual")
    >>> to_hubverse(fc, quantile_levels=[0.5])[["horizon", "target", "value"]].values.tolist()
    [[1, 'annual opioids deaths', 7], [2, 'annual opioids deaths', 7]]
    """
    kinds = list(output_types)
    if not kinds or any(k not in ("quantile", "sample") for k in kinds) or len(
            set(kinds)) != len(kinds):
        raise DataError(f"output_types must be 'quantile' and/or 'sample', got "
                        f"{output_types!r}")
    levels = sorted(check_levels(quantile_levels, "quantile_levels"))
    reference = (default_reference_date(forecast) if reference_date is None
                 else window_bound(reference_date, end=False, name="reference_date"))
    names = targets(forecast, target)

    samples = forecast.samples
    dims, values = sample_last(samples)
    end_dates = np.asarray([day(t) for t in forecast.time])
    parts = []
    for kind in kinds:
        if kind == "quantile":
            q = np.quantile(values, levels, axis=-1)  # (level, *dims)
            q = np.moveaxis(q, 0, -1)
            block = np.maximum.accumulate(np.rint(q), axis=-1)
            ids: np.ndarray = np.asarray(levels, dtype=np.float64)
        else:
            block = np.rint(values)
            ids = np.arange(forecast.n_samples, dtype=np.int64)
        flat = block.reshape(-1)
        keep = ~np.isnan(flat)
        index = np.indices(block.shape).reshape(block.ndim, -1)[:, keep]
        columns: dict[str, Any] = {}
        for dim, positions in zip(dims, index[:-1], strict=True):
            labels = samples.coords[dim].values
            if dim == "scenario":
                columns["scenario_id"] = labels[positions]
            elif dim == "time":
                columns["horizon"] = (positions + 1).astype(np.int64)
                columns["target_end_date"] = end_dates[positions]
            else:
                columns[dim] = labels[positions]
        columns["target"] = np.asarray([names[i] for i in forecast.indicators])[
            index[dims.index("indicator")]]
        columns["output_type"] = np.full(keep.sum(), kind)
        columns["output_type_id"] = ids[index[-1]]
        columns["value"] = flat[keep].astype(np.int64)
        parts.append(pd.DataFrame(columns))
    frame = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    frame["reference_date"] = day(reference)
    order = (["scenario_id"] if forecast.scenarios else []) + [
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


def default_reference_date(forecast: Forecast) -> pd.Timestamp:
    """The ``period_end`` of the last observed period (this frequency and estimate) before the
    forecast, else the day before the first forecast period (for a 12-month-ending forecast,
    the end of the month before its first window ends).

    Examples
    --------
    >>> import numpy as np, pandas as pd, xarray as xr
    >>> from odforecast.forecast import Forecast
    >>> fc = Forecast(xr.DataArray(np.ones((2, 1, 1, 1)),
    ...     dims=("sample", "location", "indicator", "time"),
    ...     coords={"location": ["US"], "indicator": ["opioids"],
    ...             "time": pd.DatetimeIndex(["2025-06-30"])}), frequency="12m_ending")
    >>> default_reference_date(fc).date()
    datetime.date(2025, 5, 31)
    """
    # Compare period *ends*: 12-month-ending periods overlap, so the last observed window
    # starts long before the first forecast window does.
    first_end = forecast.time[0]
    obs = forecast.observed
    if obs is not None:
        rows = obs[obs["location"].isin(forecast.locations)
                   & obs["indicator"].isin(forecast.indicators)
                   & (obs["frequency"] == forecast.frequency)
                   & (obs["estimate"] == forecast.estimate)
                   & (obs["period_end"] < first_end)]
        if len(rows):
            return pd.Timestamp(rows["period_end"].max())
    if forecast.frequency == "12m_ending":
        return period_end_of_month([first_end.to_period("M") - 1])[0]
    return forecast.period_start[0] - pd.Timedelta(1, "D")


def targets(forecast: Forecast, target: str | Mapping[str, str] | None) -> dict[str, str]:
    """Target name of each indicator: from a mapping, or a template formatted with
    ``{indicator}``, ``{frequency}`` and ``{unit}`` (default ``"{frequency} {indicator}
    {unit}"``).

    Examples
    --------
    >>> import numpy as np, pandas as pd, xarray as xr
    >>> from odforecast.forecast import Forecast
    >>> fc = Forecast(xr.DataArray(np.ones((2, 1, 1, 1)),
    ...     dims=("sample", "location", "indicator", "time"),
    ...     coords={"location": ["US"], "indicator": ["opioids"],
    ...             "time": pd.DatetimeIndex(["2025-06-30"])}), frequency="monthly")
    >>> targets(fc, "{indicator} {unit}")
    {'opioids': 'opioids deaths'}
    """
    if isinstance(target, Mapping):
        missing = [i for i in forecast.indicators if i not in target]
        if missing:
            raise DataError(f"target has no entry for indicator(s) {missing}")
        out = {i: str(target[i]) for i in forecast.indicators}
    else:
        template = "{frequency} {indicator} {unit}" if target is None else target
        if not isinstance(template, str):
            raise DataError(f"target must be a string or a mapping, got {target!r}")
        out = {}
        for i in forecast.indicators:
            unit = INDICATORS[i].unit if i in INDICATORS else "deaths"
            try:
                out[i] = template.format(indicator=i, frequency=forecast.frequency, unit=unit)
            except (KeyError, IndexError) as exc:
                raise DataError(f"target template {template!r} uses an unknown field "
                                f"{exc}", hint="use {indicator}, {frequency}, {unit}") from None
    if len(set(out.values())) != len(out):
        raise DataError(f"target gives several indicators the same name: {out}",
                        hint="use a mapping or a template with {indicator}")
    return out
