"""Reader for DEA NFLIS-Drug public data query exports (forensic laboratory drug reports).

One row per state x period x substance, with columns LABTYPE, RPTAGGR, YYYY, PERIOD,
DRUG_REPORTS, QUERY_RUN_DATE, SUBSTANCE_ID, SUBSTANCE_DESCRIPTION, BASE_ID, BASE_DESCRIPTION,
DRUG_CATEGORY_CODE, DRUG_CATEGORY_DESCRIPTION, STATE, STATE_LONG_NAME, STATE_FIPS.
"""

from __future__ import annotations

import re
from os import PathLike

import numpy as np
import pandas as pd

from odforecast.data._parsing import (
    check_duplicates,
    parse_numbers,
    raise_first,
    read_table,
    require_columns,
    validated,
)
from odforecast.data.locations import us_code_from_abbrev
from odforecast.errors import DataError

__all__ = ["UNKNOWN_STATE", "read_nflis"]

SOURCE = "US DEA Diversion Control Division, NFLIS-Drug public data query (drug reports)"

_COLUMNS = ["RPTAGGR", "YYYY", "PERIOD", "DRUG_REPORTS", "QUERY_RUN_DATE",
            "SUBSTANCE_DESCRIPTION", "BASE_DESCRIPTION", "DRUG_CATEGORY_DESCRIPTION", "STATE",
            "STATE_LONG_NAME"]

#: Source column -> dimension column of the tidy frame.
DIMENSIONS = {"SUBSTANCE_DESCRIPTION": "substance", "BASE_DESCRIPTION": "base",
              "DRUG_CATEGORY_DESCRIPTION": "drug_category"}

#: Location code given to NFLIS's ``STATE == "XX"`` ("Unknown"): reports whose state is not
#: known.  It is not a jurisdiction; it exists so that summing every row reproduces the NFLIS
#: national totals.
UNKNOWN_STATE = "US-XX"

_MIN_YEAR, _MAX_YEAR = 1990, 2100
_HALF = re.compile(r"^SA([12])\s*\((JAN\s*-\s*JUN|JUL\s*-\s*DEC)\)$", re.IGNORECASE)
_RUN_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[ T]\d{2}:\d{2}(?::\d{2})?)?$")


def read_nflis(path: str | PathLike[str]) -> pd.DataFrame:
    """Read an NFLIS-Drug query export (annual or semi-annual) into the tidy schema.

    Parameters
    ----------
    path
        The CSV, e.g. ``nflis_fentanyl_reports_by_state_year_1998_2024.csv`` (annual,
        ``PERIOD`` equal to ``YYYY``) or ``nflis_fentanyl_reports_by_state_halfyear_2017_2025.csv``
        (``PERIOD`` ``SA1 (JAN - JUN)`` / ``SA2 (JUL - DEC)``).  Fields may be quoted.

    Returns
    -------
    pandas.DataFrame
        Tidy frame, indicator ``drug_reports`` (unit ``reports``), frequency ``annual`` or
        ``semiannual``, location from ``STATE`` (``US-OH``; territories ``US-PR``, ``US-GU``,
        ``US-VI``; :data:`UNKNOWN_STATE` for ``XX``), vintage the date of ``QUERY_RUN_DATE``,
        and dimension columns ``substance`` (SUBSTANCE_DESCRIPTION, unique within a state and
        period in both real files), ``base`` (BASE_DESCRIPTION, the parent substance, e.g.
        ``FENTANYL SALT UNDETERMINED`` -> ``Fentanyl``) and ``drug_category``
        (DRUG_CATEGORY_DESCRIPTION).

    Raises
    ------
    odforecast.DataError
        For a missing column, ``RPTAGGR`` other than ``DrugReport`` (another aggregation would
        not count reports), a year outside 1990-2100, a ``PERIOD`` that is neither the year nor
        ``SA1 (JAN - JUN)``/``SA2 (JUL - DEC)``, an unknown ``STATE``, a count that is not a
        non-negative whole number, a bad ``QUERY_RUN_DATE``, or a repeated key.  ``row`` is the
        1-based line in the file (header = line 1).

    Notes
    -----
    National totals: summing every row of a period, including Puerto Rico, Guam, the Virgin
    Islands and the unknown-state rows, reproduces NFLIS's national counts: for the 2026-03-03
    semi-annual query, fentanyl-category reports per calendar year are 82,238 (2017) ...
    225,807 (2022) ... 190,367 (2024).  The 50 states + DC alone give 82,198 for 2017.

    Reporting lag: laboratories report with a delay, so the latest years keep growing between
    queries (2024: 172,143 in the 2025-08-10 annual query, 190,367 in the 2026-03-03 query;
    2023: 218,303 vs 223,635; even 2022 moved by 0.4 %).  Rows in the last two calendar years
    of the file get flag ``reporting_lag`` and ``provisional=True``.  Blank lines are skipped;
    other columns (LABTYPE, the IDs, STATE_FIPS) are not carried over.

    Examples
    --------
    >>> df = read_nflis("nflis_fentanyl_reports_by_state_halfyear_2017_2025.csv")
    ... # doctest: +SKIP
    >>> df.groupby(df.period_start.dt.year).value.sum().loc[2017]  # doctest: +SKIP
    np.float64(82238.0)
    """
    header, table, lines = read_table(path)
    require_columns(header, _COLUMNS, path=path, what="NFLIS-Drug query export")
    n = len(table)
    if n == 0:
        raise DataError("no data rows", path=path, row=1)
    for column in _COLUMNS:
        table[column] = table[column].str.strip()

    raise_first(table["RPTAGGR"] != "DrugReport", lines, path, "RPTAGGR",
                lambda i: f"expected 'DrugReport' (counts of drug reports), got "
                          f"{table['RPTAGGR'].iloc[i]!r}")

    year = pd.to_numeric(table["YYYY"].where(table["YYYY"].str.fullmatch(r"\d{4}")),
                         errors="coerce")
    raise_first(~year.between(_MIN_YEAR, _MAX_YEAR), lines, path, "YYYY",
                lambda i: f"expected a year within {_MIN_YEAR}-{_MAX_YEAR}, got "
                          f"{table['YYYY'].iloc[i]!r}")
    year = year.to_numpy(dtype=int)

    period = table["PERIOD"]
    half = period.str.extract(_HALF)
    annual = (period == table["YYYY"]).to_numpy()
    half_no = pd.to_numeric(half[0], errors="coerce")
    months = half[1].str.upper().str.replace(r"\s", "", regex=True)
    consistent = (((half_no == 1) & (months == "JAN-JUN"))
                  | ((half_no == 2) & (months == "JUL-DEC"))).fillna(False).to_numpy(dtype=bool)
    raise_first(~annual & ~consistent, lines, path, "PERIOD",
                lambda i: f"expected the year ({table['YYYY'].iloc[i]}) or 'SA1 (JAN - JUN)' / "
                          f"'SA2 (JUL - DEC)', got {period.iloc[i]!r}")
    frequency = np.where(annual, "annual", "semiannual")
    first = np.where(annual | (half_no.to_numpy() == 1), 1, 7)
    last = np.where(annual, 12, first + 5)
    start = pd.to_datetime(pd.DataFrame({"year": year, "month": first, "day": 1}))
    end = (pd.to_datetime(pd.DataFrame({"year": year, "month": last, "day": 1}))
           + pd.offsets.MonthEnd(0))

    state = table["STATE"]
    codes = {s: (UNKNOWN_STATE if s == "XX" else us_code_from_abbrev(s)) if s else None
             for s in state.unique()}
    location = state.map(codes)
    unknown_name = (state == "XX") & (table["STATE_LONG_NAME"] != "Unknown")
    raise_first(location.isna() | unknown_name, lines, path, "STATE",
                lambda i: f"unknown state {state.iloc[i]!r}; expected a postal abbreviation "
                          "(states, DC, PR, GU, VI, AS, MP) or 'XX' with STATE_LONG_NAME "
                          "'Unknown'")

    run = table["QUERY_RUN_DATE"].str.extract(_RUN_DATE)[0]
    run_date = pd.to_datetime(run, format="%Y-%m-%d", errors="coerce")
    raise_first(run_date.isna(), lines, path, "QUERY_RUN_DATE",
                lambda i: f"expected a date such as '2026-03-03 13:26:55', got "
                          f"{table['QUERY_RUN_DATE'].iloc[i]!r}")

    dims = {}
    for column, name in DIMENSIONS.items():
        raise_first(table[column] == "", lines, path, column,
                    lambda i: "empty cell; every row needs a value here")
        dims[name] = table[column].to_numpy(dtype=object)

    reports = parse_numbers(table["DRUG_REPORTS"], lines, path, "DRUG_REPORTS", whole=True)
    lag = year >= year.max() - 1

    frame = pd.DataFrame({
        "location": location.to_numpy(dtype=object), "indicator": "drug_reports",
        "frequency": frequency.astype(object), "period_start": start, "period_end": end,
        "estimate": "reported", "value": reports, "unit": "reports", "censored": False,
        "censor_upper": np.nan, "provisional": lag,
        "flag": np.where(lag, "reporting_lag", "").astype(object), "source": SOURCE,
        "vintage": run.to_numpy(dtype=object), **dims,
    })
    check_duplicates(frame, ["location", "frequency", "period_end", "substance"], lines, path)
    return validated(frame, lines, path)
