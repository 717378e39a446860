"""Readable text tables of tidy frames, for the CLI and reprs."""

from __future__ import annotations

import pandas as pd

from odforecast.data.schema import dimensions

__all__ = ["format_cell", "format_wide_table", "period_label"]


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


def format_wide_table(frame: pd.DataFrame, *, title: str = "") -> str:
    """One row per location x period x estimate (x dimensions), one column per indicator."""
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
    columns = list(wide.columns)
    body = [[str(v) for v in row] for row in wide.itertuples(index=False)]
    widths = [max(len(str(c)), *(len(r[i]) for r in body)) for i, c in enumerate(columns)]
    numeric = [c in set(frame["indicator"]) for c in columns]

    def line(values: list[str]) -> str:
        return "  ".join(v.rjust(w) if num else v.ljust(w)
                         for v, w, num in zip(values, widths, numeric, strict=True)).rstrip()

    out = [title] if title else []
    out += [line([str(c) for c in columns]), line(["-" * w for w in widths])]
    out += [line(r) for r in body]
    legend = ["p = provisional"]
    if frame["censored"].any():
        legend.append("<=9 = suppressed small count (censored)")
    if frame["flag"].str.contains("not_shown").any():
        legend.append("n/s = not shown by the publisher (low data quality)")
    out.append("")
    out.append("; ".join(legend) + ".")
    vintages = frame.groupby("source")["vintage"].agg(lambda v: ", ".join(sorted(set(v))))
    out.append("Source: " + " | ".join(f"{s} (vintage {v})" for s, v in vintages.items()))
    return "\n".join(out)

