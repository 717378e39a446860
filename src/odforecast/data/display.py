"""Readable text tables of tidy frames, for the CLI and reprs.

One formatter, :func:`format_table`, lays out every table odforecast prints: text columns
left-aligned, numbers right-aligned with thousands separators and the same number of decimals
down a column, long headers wrapped at underscores.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Callable, Collection, Mapping
from typing import Any

import pandas as pd

from odforecast.data.schema import dimensions

__all__ = ["format_cell", "format_number", "format_table", "format_wide_table", "period_label",
           "value_label"]


def period_label(frequency: str, start: pd.Timestamp, end: pd.Timestamp) -> str:
    """Short label of a period.

    Examples
    --------
    >>> import pandas as pd
    >>> period_label("quarterly", pd.Timestamp("2023-04-01"), pd.Timestamp("2023-06-30"))
    '2023-Q2'
    >>> period_label("12m_ending", pd.Timestamp("2022-01-01"), pd.Timestamp("2022-12-31"))
    '12m to 2022-12'
    >>> period_label("annual", pd.Timestamp("2025-01-01"), pd.Timestamp("2025-09-30"))
    '2025 (Jan-Sep)'
    """
    if frequency == "annual":
        if end.month != 12:
            return f"{start.year} (Jan-{end.strftime('%b')})"
        return str(start.year)
    if frequency == "semiannual":
        return f"{start.year}-H{1 if start.month <= 6 else 2}"
    if frequency == "quarterly":
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    if frequency == "monthly":
        return start.strftime("%Y-%m")
    return f"12m to {end.strftime('%Y-%m')}"


def value_label(frequency: str, unit: str = "deaths") -> str:
    """What a value of this frequency counts, for table titles and axis labels.

    Examples
    --------
    >>> value_label("12m_ending")
    'deaths in the 12 months ending each month'
    >>> value_label("annual"), value_label("quarterly", "reports")
    ('deaths per year', 'reports per quarter')
    """
    if frequency == "12m_ending":
        return f"{unit} in the 12 months ending each month"
    per = {"annual": "year", "semiannual": "half-year", "quarterly": "quarter",
           "monthly": "month"}.get(frequency, "period")
    return f"{unit} per {per}"


def format_cell(value: float, censored: bool, censor_upper: float, flag: str,
                provisional: bool) -> str:
    """A value as printed: thousands separators, ``<=9`` for censored, ``n/s`` for not shown.

    Examples
    --------
    >>> format_cell(74829.0, False, float("nan"), "", True)
    '74,829 p'
    >>> format_cell(float("nan"), True, 9.0, "", False)
    '<=9'
    """
    if censored:
        text = f"<={censor_upper:,.0f}"
    elif "not_shown" in flag:
        text = "n/s"
    elif float(value).is_integer():
        text = f"{value:,.0f}"
    else:
        text = f"{value:,.2f}"
    return text + (" p" if provisional else "")


def format_number(value: Any, decimals: int | None = None) -> str:
    """A number as printed in tables: thousands separators; ``""`` for missing.

    Parameters
    ----------
    value
        A number, a bool (``yes`` / ``no``) or anything else (``str(value)``).
    decimals
        Digits after the point; None: none for whole numbers and values of 1,000 or more,
        else three significant digits.

    Examples
    --------
    >>> format_number(74829.4), format_number(0.7412), format_number(3, decimals=2)
    ('74,829', '0.741', '3.00')
    >>> format_number(float("nan")), format_number(True)
    ('', 'yes')
    """
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if not isinstance(value, int | float):
        try:
            if pd.isna(value):
                return ""
        except (TypeError, ValueError):
            pass
        if hasattr(value, "item"):  # numpy scalars
            return format_number(value.item(), decimals)
        return str(value)
    if decimals is not None:
        return f"{value:,.{decimals}f}"
    if float(value).is_integer() or abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def _column_decimals(values: pd.Series) -> int | None:
    """Decimals that give the largest value of a float column three significant digits, so
    a column reads 0.50, 0.74, 1.00 rather than 0.5, 0.741, 1."""
    finite = pd.to_numeric(values, errors="coerce").abs()
    finite = finite[finite.notna() & (finite != float("inf"))]
    if finite.empty or (finite == finite.round()).all():
        return 0 if not finite.empty else None
    top = float(finite.max())
    if top == 0:
        return 2
    return int(min(3, max(0, 2 - math.floor(math.log10(top)))))


def _wrap_header(name: str, width: int) -> list[str]:
    """Split a long header at underscores (kept at line ends) into lines of about ``width``."""
    if len(name) <= width or "_" not in name:
        return [name]
    parts = [p + "_" for p in name.split("_")[:-1]] + [name.split("_")[-1]]
    lines = [""]
    for part in parts:
        if lines[-1] and len(lines[-1]) + len(part) > width:
            lines.append("")
        lines[-1] += part
    return lines


def format_table(frame: pd.DataFrame, *, numeric: Collection[str] | None = None,
                 formats: Mapping[str, Callable[[Any], str]] | None = None,
                 headers: Mapping[str, str] | None = None, wrap: Mapping[str, int] | None = None,
                 header_width: int | None = None, title: str = "",
                 notes: Collection[str] = ()) -> str:
    """A frame as a plain-text table.

    Parameters
    ----------
    frame
        The rows to print (the index is ignored).
    numeric
        Columns to right-align; default: numeric and bool columns.  Text is left-aligned.
    formats
        Column -> function turning a value into its text (e.g. percentages); other numeric
        columns get :func:`format_number` with one number of decimals per column.
    headers
        Column -> header text (default: the column name).
    wrap
        Column -> width: long text in that column is wrapped onto several lines.
    header_width
        Wrap headers longer than this at underscores (narrow columns of long names).
    title
        A line printed above the table.
    notes
        Lines printed below the table, after a blank line.

    Returns
    -------
    str

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"model": ["arima", "naive"], "wis": [1164.2, 1529.0],
    ...                       "cover_95": [0.907, 0.778]})
    >>> print(format_table(frame, formats={"cover_95": "{:.0%}".format},
    ...                    headers={"cover_95": "95% coverage"}))
    model    wis  95% coverage
    -----  -----  ------------
    arima  1,164           91%
    naive  1,529           78%
    """
    formats = dict(formats or {})
    headers = dict(headers or {})
    wrap = dict(wrap or {})
    columns = [str(c) for c in frame.columns]
    if numeric is None:
        numeric = [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])
                   or pd.api.types.is_bool_dtype(frame[c])]
    right = {str(c) for c in numeric}
    cells: list[list[list[str]]] = [[] for _ in range(len(frame))]
    for name, column in zip(columns, frame.columns, strict=True):
        values = frame[column]
        if name in formats:
            texts = [formats[name](v) if not _missing(v) else "" for v in values]
        elif pd.api.types.is_float_dtype(values):
            decimals = _column_decimals(values)
            texts = [format_number(v, decimals) for v in values]
        else:
            texts = [format_number(v) for v in values]
        for row, text in zip(cells, texts, strict=True):
            if name in wrap:
                row.append(textwrap.wrap(text, wrap[name], break_on_hyphens=False) or [""])
            else:
                row.append(text.split("\n"))
    widths = [max([len(line) for row in cells for line in row[i]] or [0])
              for i in range(len(columns))]
    head_cells = []
    for i, name in enumerate(columns):
        label = headers.get(name, name)
        limit = max(widths[i], header_width) if header_width else len(label)
        head_cells.append(_wrap_header(label, limit))
        widths[i] = max(widths[i], *(len(line) for line in head_cells[-1]))

    def render(row: list[list[str]], top_pad: bool) -> list[str]:
        height = max(len(c) for c in row)
        padded = [([""] * (height - len(c)) + c) if top_pad else (c + [""] * (height - len(c)))
                  for c in row]
        out = []
        for k in range(height):
            parts = [(padded[i][k].rjust(w) if columns[i] in right else padded[i][k].ljust(w))
                     for i, w in enumerate(widths)]
            out.append("  ".join(parts).rstrip())
        return out

    lines = [title] if title else []
    lines += render(head_cells, top_pad=True)  # headers sit on the rule
    lines.append("  ".join("-" * w for w in widths))
    for row in cells:
        lines += render(row, top_pad=False)
    if notes:
        lines += ["", *notes]
    return "\n".join(lines)


def _missing(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def format_wide_table(frame: pd.DataFrame, *, title: str = "") -> str:
    """One row per location x period x estimate (x dimensions), one column per indicator.

    Examples
    --------
    >>> import odforecast
    >>> us = odforecast.load_dataset("us_annual")
    >>> opioids = us[(us["estimate"] == "reported") & (us["indicator"] == "opioids")]
    >>> text = format_wide_table(opioids)
    >>> for line in text.splitlines()[:3]:
    ...     print(line)
    period   opioids
    ------  --------
    1999     8,050
    """
    if frame.empty:
        return (title + "\n" if title else "") + "(no rows match)"
    cells = frame.assign(
        period=[period_label(f, s, e) for f, s, e in
                zip(frame["frequency"], frame["period_start"], frame["period_end"], strict=True)],
        cell=[format_cell(*args) for args in
              zip(frame["value"], frame["censored"], frame["censor_upper"], frame["flag"],
                  frame["provisional"], strict=True)],
    )
    dims = dimensions(frame)
    index = ["location", *dims, "period_start", "period", "estimate"]
    wide = cells.pivot_table(index=index, columns="indicator", values="cell", aggfunc="first",
                             sort=True)
    wide = wide.reset_index().drop(columns="period_start").fillna("")
    if wide["estimate"].nunique() == 1:
        wide = wide.drop(columns="estimate")
    if len(set(frame["location"])) == 1:
        wide = wide.drop(columns="location")
    indicators = [c for c in wide.columns if c in set(frame["indicator"])]
    for column in indicators:
        # keep digits aligned when some cells carry the " p" (provisional) mark
        if wide[column].str.endswith(" p").any():
            wide[column] = [v if v.endswith(" p") or not v else v + "  " for v in wide[column]]
    legend = ["p = provisional"]
    if frame["censored"].any():
        legend.append("<=9 = suppressed small count (censored)")
    if frame["flag"].str.contains("not_shown").any():
        legend.append("n/s = not shown by the publisher (low data quality)")
    vintages = frame.groupby("source")["vintage"].agg(lambda v: ", ".join(sorted(set(v))))
    notes = ["; ".join(legend) + ".",
             *(f"Source: {s} (vintage {v})" for s, v in vintages.items())]
    return format_table(wide, numeric=indicators, header_width=10, title=title, notes=notes)

