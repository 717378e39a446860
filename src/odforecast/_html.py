"""Notebook (HTML) display of a :class:`~odforecast.forecast.Forecast`.

A small table, first and last forecast period of each series with the median and 95 %
interval, under the one-line repr; warnings in red.  Only numpy and the standard library.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # pragma: no cover - for type checkers only
    from odforecast.forecast import Forecast

__all__ = ["forecast_html"]

_MAX_ROWS = 20  # series shown before "... N more"


def _cell(paths: np.ndarray) -> str:
    if np.isnan(paths).all():
        return "—"
    low, median, high = np.quantile(paths, [0.025, 0.5, 0.975])
    return f"{median:,.0f} <span style='color:#666'>({low:,.0f} – {high:,.0f})</span>"


def forecast_html(forecast: Forecast) -> str:
    """The HTML shown for a forecast in Jupyter.

    Examples
    --------
    >>> import numpy as np, pandas as pd, xarray as xr
    >>> from odforecast.forecast import Forecast
    >>> fc = Forecast(xr.DataArray(np.full((10, 1, 1, 3), 100.0),
    ...     dims=("sample", "location", "indicator", "time"),
    ...     coords={"location": ["US"], "indicator": ["opioids"],
    ...             "time": pd.date_range("2025-01-31", periods=3, freq="ME")}),
    ...     frequency="monthly")
    >>> "<td>US</td><td>opioids</td>" in forecast_html(fc)
    True
    """
    lines = repr(forecast).splitlines()
    head = html.escape(lines[0].strip("<>"))
    starts, ends = forecast.period_start, forecast.time
    first = forecast._label(starts[0], ends[0])
    last = forecast._label(starts[-1], ends[-1])
    keys = forecast._series_keys()
    scenario_column = forecast.scenarios is not None
    header = ("<tr>" + ("<th>scenario</th>" if scenario_column else "")
              + f"<th>location</th><th>indicator</th><th>{html.escape(first)}</th>"
              + (f"<th>{html.escape(last)}</th>" if forecast.horizon > 1 else "") + "</tr>")
    rows = []
    for scenario, location, indicator in keys[:_MAX_ROWS]:
        paths = forecast._paths(scenario, location, indicator)
        cells = ([html.escape(str(scenario))] if scenario_column else []) + [
            html.escape(location), html.escape(indicator)]
        values = [_cell(paths[:, 0])] + ([_cell(paths[:, -1])] if forecast.horizon > 1 else [])
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells)
                    + "".join(f"<td style='text-align:right'>{v}</td>" for v in values)
                    + "</tr>")
    more = (f"<p>... and {len(keys) - _MAX_ROWS:,} more series</p>"
            if len(keys) > _MAX_ROWS else "")
    warnings = forecast.metadata.get("warnings") or []
    warning_html = "".join(f"<p style='color:#b42318'>warning: {html.escape(str(w))}</p>"
                           for w in warnings)
    return (f"<div class='odforecast-forecast'><p><strong>{head}</strong></p>{warning_html}"
            f"<table><thead>{header}</thead><tbody>{''.join(rows)}</tbody></table>{more}"
            "<p style='color:#666;font-size:smaller'>median (95% interval) of the sample "
            "paths; .to_frame() has every period, .plot() draws them</p></div>")
