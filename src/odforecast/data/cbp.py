"""Reader for US Customs and Border Protection's "Nationwide Drug Seizures" CSVs.

One row per fiscal year x month x component x region x land filter x area of responsibility x
drug type, with the number of seizure events and the pounds seized (columns FY, Month (abbv),
Component, Region, Land Filter, Area of Responsibility, Drug Type, Count of Event, Sum Qty (lbs)).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from datetime import date
from os import PathLike
from pathlib import Path

import numpy as np
import pandas as pd

from odforecast.data import schema
from odforecast.data._parsing import (
    MONTHS,
    open_text,
    parse_count,
    parse_number,
    require_columns,
)
from odforecast.errors import DataError

__all__ = ["read_cbp_seizures"]

SOURCE = "US Customs and Border Protection, Nationwide Drug Seizures (cbp.gov)"

_COLUMNS = ["FY", "Month (abbv)", "Component", "Region", "Land Filter",
            "Area of Responsibility", "Drug Type", "Count of Event", "Sum Qty (lbs)"]

#: Source column -> dimension column of the tidy frame.
DIMENSIONS = {"Drug Type": "drug", "Component": "component", "Region": "region",
              "Land Filter": "land_filter", "Area of Responsibility": "area"}

_MIN_YEAR, _MAX_YEAR = 2000, 2100
_FY = re.compile(r"^(\d{4})(\s*\(FYTD\))?$", re.IGNORECASE)
_FAST_NUMBER = r"\d+(?:\.\d+)?(?:[eE][-+]?\d+)?"

PathArg = str | PathLike[str]


def read_cbp_seizures(path: PathArg | Sequence[PathArg], *,
                      vintage: str | None = None) -> pd.DataFrame:
    """Read CBP Nationwide Drug Seizures CSVs into the tidy schema.

    Every source row gives two tidy rows: ``drug_seized_lbs`` (unit ``lbs``, from
    ``Sum Qty (lbs)``) and ``drug_seizure_events`` (unit ``events``, from ``Count of Event``).

    Parameters
    ----------
    path
        One CSV, or a list/tuple of CSVs (e.g. the FY19-FY22 and FY23-FY26 files) whose rows are
        concatenated.  The same key in two files raises :class:`DataError`.
    vintage
        ISO date of the release, used for every row.  CBP files carry no release date, so by
        default each file's vintage is the last day of its latest calendar month (the "data
        through" date: ``2022-09-30`` and ``2026-04-30`` for the two files).

    Returns
    -------
    pandas.DataFrame
        Tidy frame, location ``US``, frequency ``monthly``, with dimension columns ``drug``
        (Drug Type), ``component``, ``region``, ``land_filter`` and ``area`` (Area of
        Responsibility), all kept verbatim.

    Raises
    ------
    odforecast.DataError
        For a missing column, a fiscal year that is not ``YYYY`` or ``YYYY (FYTD)`` within
        2000-2100, an unknown month code, an empty dimension cell, a count that is not a
        non-negative whole number, a quantity that is not a non-negative number, or a repeated
        key, or a ``vintage`` that is not an ISO date.  ``row`` is the 1-based line in that
        file (header = line 1).

    Notes
    -----
    The federal fiscal year runs October to September, so ``FY 2023, OCT`` is October 2022
    (period 2022-10-01 to 2022-10-31) and ``FY 2023, SEP`` is September 2023.  Rows of
    ``2026 (FYTD)`` (the fiscal year to date) are ``provisional=True``.

    CBP publishes no suppression: a month with no seizure of a drug in an area simply has no
    row.  The reader does not invent those zero rows (the schema's ``no_rows_reported`` flag is
    for whoever fills them in after aggregating).  Files are read as UTF-8, or Latin-1 if they
    are not valid UTF-8.  Blank lines are skipped; extra columns are ignored.

    Examples
    --------
    >>> df = read_cbp_seizures(["cbp_nationwide_drug_seizures_fy19_fy22.csv",
    ...                         "cbp_nationwide_drug_seizures_fy23_fy26apr.csv"])
    ... # doctest: +SKIP
    >>> fent = df[(df.indicator == "drug_seized_lbs") & (df.drug == "Fentanyl")]
    ... # doctest: +SKIP
    >>> round(fent[(fent.period_start >= "2022-10-01")
    ...            & (fent.period_start <= "2023-09-01")].value.sum())  # doctest: +SKIP
    27023
    """
    if vintage is not None:
        _check_vintage(vintage, path if isinstance(path, str | PathLike) else None)
    paths = [path] if isinstance(path, str | PathLike) else list(path)
    if not paths:
        raise DataError("no CBP file given", hint="pass a path or a list of paths")
    frames, all_lines, origins = [], [], []
    for one in paths:
        frame, lines = _read_one(one, vintage)
        frames.append(frame)
        all_lines.append(lines)
        origins.extend([str(one)] * len(frame))
    frame = pd.concat(frames, ignore_index=True)
    lines = np.concatenate(all_lines)
    origin = np.asarray(origins, dtype=object)

    key = ["period_start", *DIMENSIONS.values()]
    later = frame.duplicated(subset=key, keep="first").to_numpy()
    if later.any():
        i = int(np.flatnonzero(later)[0])
        same = (frame[key] == frame.loc[i, key]).all(axis=1).to_numpy()
        j = int(np.flatnonzero(same)[0])
        described = ", ".join(f"{k}={frame.loc[i, k]}" for k in key)
        raise DataError(f"duplicate row ({described}); same key as {origin[j]} line "
                        f"{int(lines[j])}", path=origin[i], row=int(lines[i]))

    lbs = frame.assign(indicator="drug_seized_lbs", unit="lbs", value=frame["lbs"])
    events = frame.assign(indicator="drug_seizure_events", unit="events", value=frame["events"])
    tidy = pd.concat([lbs, events], ignore_index=True).drop(columns=["lbs", "events"])
    tidy_lines = np.concatenate([lines, lines])
    tidy_origin = np.concatenate([origin, origin])
    try:
        return schema.validate(tidy, origin=", ".join(dict.fromkeys(origins)))
    except DataError as err:
        if err.row is None:
            raise
        raise DataError(err.reason, path=tidy_origin[err.row], row=int(tidy_lines[err.row]),
                        column=err.column, hint=err.hint) from None


def _read_one(path: PathArg, vintage: str | None) -> tuple[pd.DataFrame, np.ndarray]:
    header, table, lines = _read_table(path)
    require_columns(header, _COLUMNS, path=path, what="CBP Nationwide Drug Seizures file")
    n = len(table)
    if n == 0:
        raise DataError("no data rows", path=path, row=1)

    fy_text = table["FY"].str.strip()
    fy_parts = fy_text.str.extract(_FY)
    fiscal_year = pd.to_numeric(fy_parts[0], errors="coerce")
    bad = (fy_parts[0].isna() | ~fiscal_year.between(_MIN_YEAR, _MAX_YEAR)).to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise DataError(f"expected a fiscal year such as '2023' or '2026 (FYTD)' within "
                        f"{_MIN_YEAR}-{_MAX_YEAR}, got {fy_text.iloc[i]!r}", path=path,
                        row=int(lines[i]), column="FY")
    fiscal_year = fiscal_year.to_numpy(dtype=int)
    to_date = fy_parts[1].notna().to_numpy()

    month_text = table["Month (abbv)"].str.strip()
    month = month_text.str.lower().map(MONTHS)
    bad = month.isna().to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise DataError(f"unknown month code {month_text.iloc[i]!r}; expected JAN ... DEC",
                        path=path, row=int(lines[i]), column="Month (abbv)")
    month = month.to_numpy(dtype=int)
    year = np.where(month >= 10, fiscal_year - 1, fiscal_year)
    start = pd.to_datetime(pd.DataFrame({"year": year, "month": month, "day": 1}))
    end = start + pd.offsets.MonthEnd(0)

    dims = {}
    for column, name in DIMENSIONS.items():
        values = table[column].str.strip()
        empty = (values == "").to_numpy()
        if empty.any():
            i = int(np.flatnonzero(empty)[0])
            raise DataError("empty cell; every row needs a value here", path=path,
                            row=int(lines[i]), column=column)
        dims[name] = values.to_numpy(dtype=object)

    events = _parse_numbers(table["Count of Event"], lines, path, "Count of Event", whole=True)
    lbs = _parse_numbers(table["Sum Qty (lbs)"], lines, path, "Sum Qty (lbs)", whole=False)

    frame = pd.DataFrame({
        "location": "US", "frequency": "monthly", "period_start": start, "period_end": end,
        "estimate": "reported", "censored": False, "censor_upper": np.nan,
        "provisional": to_date, "flag": "", "source": SOURCE,
        "vintage": vintage if vintage is not None else str(end.max().date()),
        "lbs": lbs, "events": events, **dims,
    })
    return frame, lines


def _check_vintage(vintage: str, path) -> str:
    """Return ``vintage`` if it is an ISO date (YYYY-MM-DD), else raise DataError."""
    try:
        ok = bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", vintage)) and bool(
            date.fromisoformat(vintage))
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise DataError(f"vintage must be an ISO date such as '2025-07-16', got {vintage!r}",
                        path=path)
    return vintage


# --- helpers shared in spirit with the other readers (candidates for _parsing) ---------------

def _read_table(path: PathArg) -> tuple[list[str], pd.DataFrame, np.ndarray]:
    """Header, string frame and 1-based start line of each record; blank lines are skipped."""
    try:
        text = open_text(path, "utf-8")
    except DataError:
        if not Path(path).is_file():
            raise
        text = open_text(path, "latin-1")
    text = text.removeprefix("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""))
    records: list[list[str]] = []
    lines: list[int] = []
    previous = 0
    try:
        for record in reader:
            start, previous = previous + 1, reader.line_num
            if any(cell.strip() for cell in record):
                records.append(record)
                lines.append(start)
    except csv.Error as exc:
        raise DataError(f"malformed CSV ({exc})", path=path, row=reader.line_num) from None
    if not records:
        raise DataError("empty file", path=path)
    header = [h.strip() for h in records[0]]
    for record, line in zip(records[1:], lines[1:], strict=True):
        if len(record) != len(header):
            raise DataError(f"expected {len(header)} fields like the header, got {len(record)}",
                            path=path, row=line)
    table = pd.DataFrame(records[1:], columns=header, dtype=object)
    return header, table, np.asarray(lines[1:], dtype=int)


def _parse_numbers(raw: pd.Series, lines: np.ndarray, path: PathArg, column: str, *,
                   whole: bool) -> np.ndarray:
    """Vectorised non-negative numbers; the first bad cell raises _parsing's located error."""
    text = raw.astype(str).str.strip()
    fast = text.str.fullmatch(_FAST_NUMBER).to_numpy(dtype=bool)
    out = np.full(len(text), np.nan)
    out[fast] = text[fast].astype(float).to_numpy()
    with np.errstate(invalid="ignore"):
        suspect = ~np.isfinite(out) | (np.mod(out, 1) != 0 if whole else False)
    parse = parse_count if whole else parse_number
    for i in np.flatnonzero(suspect):
        out[i] = parse(text.iloc[i], path=path, row=int(lines[i]), column=column)
    return out
