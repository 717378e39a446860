"""Reader for the Census Bureau's state population estimate tables (spreadsheet-style CSVs).

Two layouts are handled: Vintage 2019 ``NST-EST2019-01`` (April 1 2010 Census, Estimates Base,
then July 1 2010 ... 2019, with the 2016 header cell reading ``2016t`` on the first line) and
Vintage 2024 ``NST-EST2024-POP`` (April 1 2020 Estimates Base, then July 1 2020 ... 2024).
"""

from __future__ import annotations

import re
from os import PathLike

import numpy as np
import pandas as pd

from odforecast.data._parsing import (
    MONTHS,
    annual_frame,
    check_vintage,
    parse_count,
    read_records,
    validated,
)
from odforecast.data.locations import us_code_from_name
from odforecast.errors import DataError

__all__ = ["REGIONS", "read_census_population"]

#: Census regions in the tables; they are not schema locations and are skipped.
REGIONS = frozenset({"Northeast", "Midwest", "South", "West"})

_JULY_BLOCK = "population estimate (as of july 1)"
_YEAR_CELL = re.compile(r"^(\d{4})[a-z]?$")
_RELEASE = re.compile(r"^Release Date:\s*([A-Za-z]+)\s+(\d{4})\s*$")
_TABLE_CODE = re.compile(r"\((NST-EST\d{4}-[A-Z0-9]+)\)")
_MIN_YEAR, _MAX_YEAR = 1900, 2100


def read_census_population(path: str | PathLike[str], *,
                           vintage: str | None = None) -> pd.DataFrame:
    """Read a Census state population estimates table into the tidy schema.

    Parameters
    ----------
    path
        ``census_state_population_2010_2019.csv`` (NST-EST2019-01) or
        ``census_state_population_2020_2024.csv`` (NST-EST2024-POP).
    vintage
        ISO date of the release.  By default it is read from the footer line
        ``Release Date: December 2019`` as the first day of that month (``2019-12-01``): the
        footer gives only the month.  A file without that line needs ``vintage``.

    Returns
    -------
    pandas.DataFrame
        Tidy frame, indicator ``population`` (unit ``persons``), frequency ``annual``: one row
        per area and year whose value is the **July 1** resident population estimate of that
        year.  Locations are ``US``, the 50 states and DC (``US-AL`` ...) and Puerto Rico
        (``US-PR``; not part of the US total).

    Raises
    ------
    odforecast.DataError
        If the "Population Estimate (as of July 1)" block or its year row is missing, a year
        header is not a year within 1900-2100, two year rows disagree, a row names an area that
        is neither the US, a region, a state, DC nor Puerto Rico, a number is not a
        non-negative whole count (``"4,779,736"`` is fine), an area appears twice, or the
        release date is missing and ``vintage`` is not given (or is not an ISO date).
        ``row`` is the 1-based line in the file (line 1 is the first line) and ``column`` the
        header of the cell.

    Notes
    -----
    Skipped on purpose: the April 1 columns (the decennial Census count and the "Estimates
    Base"; they are not July 1 estimates and would give two values for one year), the four
    Census regions (Northeast, Midwest, South, West: not schema locations), blank lines, and
    text-only lines (titles and footnotes, whose value cells are all empty).  Any other line
    with numbers must be a known area, so a changed layout raises instead of losing rows.
    A header cell such as ``2016t`` (a footnote letter after the year) is read as 2016.

    The estimates are revised every vintage (and the 2010-2019 series was replaced by
    intercensal estimates); ``provisional`` is False because each file is a final release of its
    vintage.

    Examples
    --------
    >>> df = read_census_population("census_state_population_2010_2019.csv")  # doctest: +SKIP
    >>> int(df[(df.location == "US") & (df.period_start.dt.year == 2019)].value.iloc[0])
    ... # doctest: +SKIP
    328239523
    """
    if vintage is not None:
        check_vintage(vintage, path)
    records, lines = read_records(path)
    first_data = next((k for k, rec in enumerate(records) if _area(rec) is not None), None)
    if first_data is None:
        raise DataError("no 'United States' or state row found", path=path,
                        hint="is this a Census NST-EST state population table?")
    columns = _year_columns(records[:first_data], lines[:first_data], path)
    label_name = records[0][0].strip() or "Geographic Area"
    for rec in records[:first_data]:
        if rec and rec[0].strip().lower().startswith("geographic area"):
            label_name = rec[0].strip()

    rows: list[dict[str, object]] = []
    row_lines: list[int] = []
    seen: dict[str, int] = {}
    notes: list[str] = []
    for rec, line in zip(records[first_data:], lines[first_data:], strict=True):
        label = rec[0].strip() if rec else ""
        area = _area(rec)
        if area is None:
            if any(cell.strip() for cell in rec[1:]):
                raise DataError(f"unknown geographic area {label!r}; expected United States, a "
                                "region, a state, District of Columbia or Puerto Rico",
                                path=path, row=line, column=label_name)
            notes.extend(cell.strip() for cell in rec if cell.strip())
            continue
        if area == "region":
            continue
        if area in seen:
            raise DataError(f"{label!r} appears twice (first on line {seen[area]})", path=path,
                            row=line, column=label_name)
        seen[area] = line
        for column, (year, name) in columns.items():
            cell = rec[column] if column < len(rec) else ""
            value = parse_count(cell, path=path, row=line, column=name)
            rows.append({"location": area, "year": year, "value": value})
            row_lines.append(line)

    if vintage is None:
        vintage = _release_date(notes, path)
    code = next((m.group(1) for note in notes if (m := _TABLE_CODE.search(note))), None)
    source = "US Census Bureau, Population Division, annual state population estimates"
    if code:
        source += f" ({code})"

    frame = annual_frame(rows, indicator="population", unit="persons", source=source,
                         vintage=vintage)
    return validated(frame, np.asarray(row_lines, dtype=int), path)


def _area(record: list[str]) -> str | None:
    """Location code, ``"region"`` for a Census region, or None for anything else."""
    if not record:
        return None
    label = record[0].strip()
    if label.lstrip(".").strip() in REGIONS:
        return "region"
    if not label:
        return None
    return us_code_from_name(label)


def _year_columns(header: list[list[str]], lines: list[int],
                  path) -> dict[int, tuple[int, str]]:
    """Column index -> (year, header text) of the July 1 estimate columns."""
    block = None
    for rec in header:
        for j, cell in enumerate(rec):
            if cell.strip().lower() == _JULY_BLOCK:
                block = j if block is None else min(block, j)
    if block is None:
        raise DataError("no 'Population Estimate (as of July 1)' header cell before the first "
                        "data row", path=path, row=lines[0] if lines else 1,
                        hint="the reader needs it to tell July 1 estimates from April 1 counts")
    year_rows: list[tuple[int, dict[int, tuple[int, str]]]] = []
    for rec, line in zip(header, lines, strict=True):
        found: dict[int, tuple[int, str]] = {}
        for j in range(block, len(rec)):
            text = rec[j].strip()
            if m := _YEAR_CELL.match(text):
                found[j] = (int(m.group(1)), text)
        if found:
            year_rows.append((line, found))
    if not year_rows:
        raise DataError("no row of year headers (2010, 2011, ...) above the data", path=path,
                        row=lines[-1])
    line, columns = year_rows[-1]
    for other_line, other in year_rows[:-1]:
        if {j: y for j, (y, _) in other.items()} != {j: y for j, (y, _) in columns.items()}:
            raise DataError(f"the year headers on line {other_line} and line {line} disagree",
                            path=path, row=other_line)
    for year, text in columns.values():
        if not _MIN_YEAR <= year <= _MAX_YEAR:
            raise DataError(f"year {year} outside {_MIN_YEAR}-{_MAX_YEAR}", path=path,
                            row=line, column=text)
    # Any non-year text among the July 1 columns of the year row is a layout change.
    row = header[lines.index(line)]
    for j in range(block, len(row)):
        if row[j].strip() and j not in columns:
            raise DataError(f"expected a year header, got {row[j].strip()!r}", path=path,
                            row=line, column=row[j].strip())
    return columns


def _release_date(notes: list[str], path) -> str:
    for note in notes:
        if m := _RELEASE.match(note):
            month = MONTHS.get(m.group(1).lower())
            if month is not None:
                return f"{int(m.group(2)):04d}-{month:02d}-01"
    raise DataError("no 'Release Date: <Month> <Year>' line in the file", path=path,
                    hint="pass vintage='YYYY-MM-DD'")
