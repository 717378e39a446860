"""How a :class:`~odforecast.Forecast` shows itself: the one-line repr and the notebook HTML.

The HTML is a small table, first and last forecast period of each series with the median and
95 % interval, under the one-line repr; warnings in red.  Only numpy and the standard library.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # pragma: no cover - for type checkers only
    from odforecast.forecast.container import Forecast

__all__ = ["forecast_html", "forecast_repr"]

_MAX_ROWS = 20  # series shown before "... N more"


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")


def forecast_repr(forecast: Forecast) -> str:
    """The repr of a forecast: model, sizes, periods, sample paths, vintage, seed, warnings.

    Examples
    --------
    >>> import numpy as np, pandas as pd, xarray as xr
    >>> from odforecast.forecast import Forecast
    >>> fc = Forecast(xr.DataArray(np.full((10, 1, 1, 3), 100.0),
    ...     dims=("sample", "location", "indicator", "time"),
    ...     coords={"location": ["US"], "indicator": ["opioids"],
    ...             "time": pd.date_range("2025-01-31", periods=3, freq="ME")}),
    ...     frequency="monthly", metadata={"warnings": ["short history"]})
    >>> print(forecast_repr(fc))
    <Forecast: 1 location x 1 indicator x 3 monthly periods (2025-01..2025-03), 10 sample paths>
      warnings: short history
    """
    md = forecast.metadata
    model = f" {md['model']}" if md.get("model") else ""
    parts = []
    if forecast.scenarios:
        parts.append(_plural(len(forecast.scenarios), "scenario"))
    parts.append(_plural(len(forecast.locations), "location"))
    parts.append(_plural(len(forecast.indicators), "indicator"))
    ends, labels = forecast.time, forecast.period_labels
    if forecast.frequency == "12m_ending":
        span = f"ending {ends[0].strftime('%Y-%m')}..{ends[-1].strftime('%Y-%m')}"
    else:
        span = f"{labels[0]}..{labels[-1]}"
    kind = "rolling 12-month" if forecast.frequency == "12m_ending" else forecast.frequency
    horizon = forecast.horizon
    parts.append(f"{horizon} {kind} period" + ("" if horizon == 1 else "s") + f" ({span})")
    n = forecast.n_samples
    paths = f"{n} sample path" + ("" if n == 1 else "s")
    text = f"<Forecast{model}: {' x '.join(parts)}, {paths}"
    if md.get("data_vintage"):
        text += f"; data vintage {md['data_vintage']}"
    if md.get("random_seed") is not None:
        text += f"; seed {md['random_seed']}"
    text += ">"
    if md.get("warnings"):
        text += f"\n  warnings: {'; '.join(md['warnings'])}"
    return text


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
    labels = forecast.period_labels
    first, last = labels[0], labels[-1]
    keys = forecast.series_keys
    scenario_column = forecast.scenarios is not None
    header = ("<tr>" + ("<th>scenario</th>" if scenario_column else "")
              + f"<th>location</th><th>indicator</th><th>{html.escape(first)}</th>"
              + (f"<th>{html.escape(last)}</th>" if forecast.horizon > 1 else "") + "</tr>")
    rows = []
    for scenario, location, indicator in keys[:_MAX_ROWS]:
        paths = forecast.series_paths(location, indicator, scenario=scenario)
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
