"""Reader for US Customs and Border Protection's "Nationwide Drug Seizures" CSVs.

One row per fiscal year x month x component x region x land filter x area of responsibility x
drug type, with the number of seizure events and the pounds seized (columns FY, Month (abbv),
Component, Region, Land Filter, Area of Responsibility, Drug Type, Count of Event, Sum Qty (lbs)).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from os import PathLike

import numpy as np
import pandas as pd

from odforecast.data._parsing import (
    MONTHS,
    check_duplicates,
    check_vintage,
    parse_numbers,
    raise_first,
    read_table,
    require_columns,
    validated,
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
        check_vintage(vintage, path if isinstance(path, str | PathLike) else None)
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

    check_duplicates(frame, ["period_start", *DIMENSIONS.values()], lines, origin)

    lbs = frame.assign(indicator="drug_seized_lbs", unit="lbs", value=frame["lbs"])
    events = frame.assign(indicator="drug_seizure_events", unit="events", value=frame["events"])
    tidy = pd.concat([lbs, events], ignore_index=True).drop(columns=["lbs", "events"])
    return validated(tidy, np.concatenate([lines, lines]), np.concatenate([origin, origin]),
                     origin=", ".join(dict.fromkeys(origins)))


def _read_one(path: PathArg, vintage: str | None) -> tuple[pd.DataFrame, np.ndarray]:
    header, table, lines = read_table(path)
    require_columns(header, _COLUMNS, path=path, what="CBP Nationwide Drug Seizures file")
    n = len(table)
    if n == 0:
        raise DataError("no data rows", path=path, row=1)

    fy_text = table["FY"].str.strip()
    fy_parts = fy_text.str.extract(_FY)
    fiscal_year = pd.to_numeric(fy_parts[0], errors="coerce")
    raise_first(fy_parts[0].isna() | ~fiscal_year.between(_MIN_YEAR, _MAX_YEAR), lines, path,
                "FY", lambda i: f"expected a fiscal year such as '2023' or '2026 (FYTD)' within "
                                f"{_MIN_YEAR}-{_MAX_YEAR}, got {fy_text.iloc[i]!r}")
    fiscal_year = fiscal_year.to_numpy(dtype=int)
    to_date = fy_parts[1].notna().to_numpy()

    month_text = table["Month (abbv)"].str.strip()
    month = month_text.str.lower().map(MONTHS)
    raise_first(month.isna(), lines, path, "Month (abbv)",
                lambda i: f"unknown month code {month_text.iloc[i]!r}; expected JAN ... DEC")
    month = month.to_numpy(dtype=int)
    year = np.where(month >= 10, fiscal_year - 1, fiscal_year)
    start = pd.to_datetime(pd.DataFrame({"year": year, "month": month, "day": 1}))
    end = start + pd.offsets.MonthEnd(0)

    dims = {}
    for column, name in DIMENSIONS.items():
        values = table[column].str.strip()
        raise_first(values == "", lines, path, column,
                    lambda i: "empty cell; every row needs a value here")
        dims[name] = values.to_numpy(dtype=object)

    events = parse_numbers(table["Count of Event"], lines, path, "Count of Event", whole=True)
    lbs = parse_numbers(table["Sum Qty (lbs)"], lines, path, "Sum Qty (lbs)", whole=False)

    frame = pd.DataFrame({
        "location": "US", "frequency": "monthly", "period_start": start, "period_end": end,
        "estimate": "reported", "censored": False, "censor_upper": np.nan,
        "provisional": to_date, "flag": "", "source": SOURCE,
        "vintage": vintage if vintage is not None else str(end.max().date()),
        "lbs": lbs, "events": events, **dims,
    })
    return frame, lines
