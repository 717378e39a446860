"""Reader for the Public Health Agency of Canada's opioid- and stimulant-harms data.

The file is the ``SubstanceHarmsData.csv`` download of the Health Infobase page "Opioid- and
Stimulant-related Harms in Canada": one row per substance x source x measure x region x period x
unit, with columns Substance, Source, Specific_Measure, Region, PRUID, Time_Period, Year_Quarter,
Aggregator, Disaggregator, Unit, Value.
"""

from __future__ import annotations

import re
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
from odforecast.data.locations import canada_code
from odforecast.errors import DataError

__all__ = ["FALLBACK_CENSOR_UPPER", "SUPPORTED", "read_phac"]

SOURCE = ("Public Health Agency of Canada, Opioid- and Stimulant-related Harms in Canada "
          "(Health Infobase)")

#: (Substance, Source) pairs of the PHAC file that map onto a schema indicator.  Apparent
#: *stimulant* toxicity deaths are not ICD-10 T43.6 (``psychostimulants``: they include cocaine),
#: and hospitalizations, ED visits and EMS responses are not deaths, so only opioid deaths map.
SUPPORTED: dict[tuple[str, str], str] = {("Opioids", "Deaths"): "opioids"}

_COLUMNS = ["Substance", "Source", "Specific_Measure", "Region", "PRUID", "Time_Period",
            "Year_Quarter", "Aggregator", "Disaggregator", "Unit", "Value"]

#: Statistics Canada SGC code (PHAC's ``PRUID``) of each location; a mismatch with ``Region``
#: means a shifted or edited row.
_PRUID = {"CA": "1", "CA-NL": "10", "CA-PE": "11", "CA-NS": "12", "CA-NB": "13", "CA-QC": "24",
          "CA-ON": "35", "CA-MB": "46", "CA-SK": "47", "CA-AB": "48", "CA-BC": "59",
          "CA-YT": "60", "CA-NT": "61", "CA-NU": "62"}

#: Measures whose cells for one region and year are disjoint parts of the region's total.
_PARTITIONS = frozenset({"Overall numbers", "Sex and age group", "Sex", "Age group"})

#: Upper bound used for a suppressed cell when no published total bounds it (see read_phac).
FALLBACK_CENSOR_UPPER = 4.0

_MIN_YEAR, _MAX_YEAR = 2000, 2100
_YEAR = re.compile(r"^(\d{4})$")
_PARTIAL_YEAR = re.compile(r"^(\d{4}) \(([A-Za-z]+) to ([A-Za-z]+)\)$")
_QUARTER = re.compile(r"^(\d{4}) Q(\d)$")
_FAST_COUNT = r"\d+"


def read_phac(path: str | PathLike[str], *, substance: str = "Opioids", source: str = "Deaths",
              vintage: str | None = None) -> pd.DataFrame:
    """Read PHAC's SubstanceHarmsData.csv into the tidy schema (apparent opioid toxicity deaths).

    Only the rows with ``Substance == substance``, ``Source == source`` and ``Unit == "Number"``
    are read; the crude rates and percentages in the same file are derived from these counts and
    the other substance/source pairs have no schema indicator (see :data:`SUPPORTED`).

    Parameters
    ----------
    path
        The PHAC CSV (``canada_opioid_stimulant_harms_SubstanceHarmsData_2016_2025Q3.csv``).
    substance, source
        PHAC ``Substance`` and ``Source``; only ``("Opioids", "Deaths")`` maps to a schema
        indicator (``opioids``, unit ``deaths``).  Anything else raises :class:`DataError`.
    vintage
        ISO date of the release.  The file carries no release date, so the default is the last
        day of the latest period in the file (the "data through" date, ``2025-09-30`` for the
        2025 Q3 file).

    Returns
    -------
    pandas.DataFrame
        Tidy frame (:mod:`odforecast.data.schema`) with locations ``CA`` and ``CA-XX``, frequency
        ``annual`` (``Time_Period == "By year"``) or ``quarterly`` (``"By quarter"``), and three
        dimension columns kept verbatim so the key stays unique:

        ``measure``
            ``Specific_Measure`` (``Overall numbers`` or ``Sex and age group`` for deaths).
        ``aggregator``
            ``Aggregator`` ("" for overall numbers, the age group for sex-and-age cells).
        ``disaggregator``
            ``Disaggregator`` ("" or ``Female``/``Male``).

        The headline series is ``measure == "Overall numbers"`` with ``aggregator == ""`` and
        ``disaggregator == ""``.

    Raises
    ------
    odforecast.DataError
        For an unsupported ``substance``/``source``, a missing column, an unknown region, a
        ``PRUID`` that does not match the region, an unknown ``Time_Period`` or unparseable
        ``Year_Quarter`` (e.g. ``2017 Q5``), a value that is not a non-negative whole count,
        ``Suppr.`` or ``n/a``, two rows with the same key, or a ``vintage`` that is not an ISO
        date.  ``row`` is the 1-based line in the file (header = line 1).

    Notes
    -----
    Periods: ``2016`` is the calendar year; ``2025 (Jan to Sep)`` is 2025-01-01 to 2025-09-30
    with flag ``partial_period``; ``2017 Q1`` is the quarter.

    Markers: ``Suppr.`` (suppressed for confidentiality) -> ``censored=True``, value NaN.
    ``n/a`` ("data not available at the time of publication") and a blank value -> value NaN,
    flag ``not_shown``.  Nothing becomes 0.

    Censor bounds: PHAC's Health Infobase notes say only that data "may be suppressed in provinces
    or territories with low numbers of cases".  The file shows that suppression is *not* only of
    counts 1-4: provinces differ (Yukon, NWT and New Brunswick publish 1-4; PEI and NL never
    do), and whole blocks of sex-and-age cells are suppressed, including Quebec's 60+ cells in
    2024 (645 deaths, 506 in the shown cells).  So ``censor_upper`` is derived from the same
    region's published annual total: total minus the shown cells that partition it (the other
    quarters of the year, or the other sex-and-age cells of the year).  That bound is always
    valid.  Where no total is published (the total itself is suppressed: Nunavut 2019-2022),
    ``censor_upper`` is :data:`FALLBACK_CENSOR_UPPER` = 4, an *assumption* (the usual
    small-cell threshold "fewer than 5"), not a published rule: Nunavut publishes no non-zero
    count at all, so its suppressed values are not bounded by the data.

    Canada totals: in this file the Canada value equals the sum of the *shown* provincial values
    exactly, so suppressed provincial cells are not in the Canada figure: Canada's four
    quarters of 2017 sum to 3,923 against 3,928 for the year (the 5 PEI deaths of Q1-Q3 2017
    are suppressed), and Nunavut's suppressed annual counts for 2019-2022 are in no total.

    Provisional: PHAC says coroner and medical-examiner investigations take about 3 to 24
    months and counts for ongoing investigations are preliminary, so periods in the last two
    calendar years of the file (2024 and 2025 for the 2025 Q3 file) are ``provisional=True``.

    Examples
    --------
    >>> df = read_phac("canada_opioid_stimulant_harms_SubstanceHarmsData_2016_2025Q3.csv")
    ... # doctest: +SKIP
    >>> head = df[(df.location == "CA") & (df.frequency == "annual")
    ...           & (df.measure == "Overall numbers")]  # doctest: +SKIP
    >>> head.value.tolist()[:3]  # doctest: +SKIP
    [2832.0, 3928.0, 4253.0]
    """
    if vintage is not None:
        check_vintage(vintage, path)
    indicator = SUPPORTED.get((substance, source))
    if indicator is None:
        supported = ", ".join(f"substance={s!r}, source={o!r}" for s, o in SUPPORTED)
        raise DataError(
            f"substance={substance!r}, source={source!r} has no schema indicator; supported: "
            f"{supported}", path=path,
            hint="stimulant toxicity deaths are not T43.6, and hospitalizations, ED visits and "
                 "EMS responses are not deaths")

    header, table, lines = read_table(path)
    require_columns(header, _COLUMNS, path=path, what="PHAC SubstanceHarmsData file")
    for column in _COLUMNS:
        table[column] = table[column].str.strip()
    keep = ((table["Substance"] == substance) & (table["Source"] == source)
            & (table["Unit"] == "Number")).to_numpy()
    if not keep.any():
        raise DataError(f"no rows with Substance={substance!r}, Source={source!r} and "
                        "Unit='Number'", path=path, hint="is this a PHAC SubstanceHarmsData file?")
    table = table[keep].reset_index(drop=True)
    lines = lines[keep]
    n = len(table)

    location = _map_regions(table, lines, path)
    year, first, last, frequency, flag = _parse_periods(table, lines, path)

    raw_value = table["Value"]
    censored = (raw_value == "Suppr.").to_numpy()
    not_shown = raw_value.isin(["n/a", ""]).to_numpy()
    value = np.full(n, np.nan)
    numeric = ~censored & ~not_shown
    value[numeric] = parse_numbers(raw_value[numeric], lines[numeric], path, "Value", whole=True)
    flag = np.where(not_shown, np.where(flag == "", "not_shown", flag + ";not_shown"), flag)

    ones = np.ones(n, dtype=int)
    start = pd.to_datetime(pd.DataFrame({"year": year, "month": first, "day": ones}))
    end = (pd.to_datetime(pd.DataFrame({"year": year, "month": last, "day": ones}))
           + pd.offsets.MonthEnd(0))

    frame = pd.DataFrame({
        "location": location, "indicator": indicator, "frequency": frequency,
        "period_start": start, "period_end": end, "estimate": "reported", "value": value,
        "unit": "deaths", "censored": censored, "censor_upper": np.nan,
        "provisional": year >= year.max() - 1, "flag": flag, "source": SOURCE,
        "vintage": vintage if vintage is not None else str(end.max().date()),
        "measure": table["Specific_Measure"].to_numpy(dtype=object),
        "aggregator": table["Aggregator"].to_numpy(dtype=object),
        "disaggregator": table["Disaggregator"].to_numpy(dtype=object),
    })
    check_duplicates(frame, ["location", "frequency", "period_end", "measure", "aggregator",
                              "disaggregator"], lines, path)
    frame["censor_upper"] = _censor_bounds(frame, year, lines, path)
    return validated(frame, lines, path)


def _map_regions(table: pd.DataFrame, lines: np.ndarray, path) -> np.ndarray:
    regions = table["Region"]
    codes = {r: canada_code(r) for r in regions.unique()}
    location = regions.map(codes)
    raise_first(location.isna(), lines, path, "Region",
                lambda i: f"unknown region {regions.iloc[i]!r}; expected Canada or a province "
                          "or territory name")
    pruid = table["PRUID"]
    raise_first(pruid != location.map(_PRUID), lines, path, "PRUID",
                lambda i: f"PRUID {pruid.iloc[i]!r} does not match region {regions.iloc[i]!r} "
                          f"(expected {_PRUID[location.iloc[i]]!r})")
    return location.to_numpy(dtype=object)


def _parse_periods(table: pd.DataFrame, lines: np.ndarray, path):
    """Year, first and last month, frequency and flag of every row."""
    n = len(table)
    year, first, last = (np.zeros(n, dtype=int) for _ in range(3))
    frequency = np.empty(n, dtype=object)
    flag = np.full(n, "", dtype=object)
    cache: dict[tuple[str, str], tuple[int, int, int, str, str] | str] = {}
    for i, key in enumerate(zip(table["Time_Period"], table["Year_Quarter"], strict=True)):
        if key not in cache:
            cache[key] = _parse_period(*key)
        parsed = cache[key]
        if isinstance(parsed, str):
            column = "Time_Period" if parsed.startswith("unknown Time_Period") else "Year_Quarter"
            raise DataError(parsed, path=path, row=int(lines[i]), column=column)
        year[i], first[i], last[i], frequency[i], flag[i] = parsed
    return year, first, last, frequency, flag


def _parse_period(kind: str, label: str) -> tuple[int, int, int, str, str] | str:
    """(year, first month, last month, frequency, flag) or an error message."""
    if kind == "By year":
        if m := _YEAR.match(label):
            parsed = (int(m.group(1)), 1, 12, "annual", "")
        elif m := _PARTIAL_YEAR.match(label):
            first = MONTHS.get(m.group(2).lower())
            last = MONTHS.get(m.group(3).lower())
            if first != 1 or last is None:
                return (f"expected a year such as '2016' or a partial year starting in January "
                        f"such as '2025 (Jan to Sep)', got {label!r}")
            parsed = (int(m.group(1)), 1, last, "annual", "" if last == 12 else "partial_period")
        else:
            return f"expected a year such as '2016' or '2025 (Jan to Sep)', got {label!r}"
    elif kind == "By quarter":
        m = _QUARTER.match(label)
        if not m or not 1 <= int(m.group(2)) <= 4:
            return f"expected a quarter such as '2017 Q1' (Q1-Q4), got {label!r}"
        quarter = int(m.group(2))
        parsed = (int(m.group(1)), 3 * quarter - 2, 3 * quarter, "quarterly", "")
    else:
        return f"unknown Time_Period {kind!r}; expected 'By year' or 'By quarter'"
    if not _MIN_YEAR <= parsed[0] <= _MAX_YEAR:
        return f"year {parsed[0]} outside {_MIN_YEAR}-{_MAX_YEAR} in {label!r}"
    return parsed


def _censor_bounds(frame: pd.DataFrame, year: np.ndarray, lines: np.ndarray,
                   path) -> np.ndarray:
    """Upper bound of each suppressed cell from its region's published annual total."""
    censored = frame["censored"].to_numpy()
    upper = np.full(len(frame), np.nan)
    if not censored.any():
        return upper
    work = pd.DataFrame({"location": frame["location"], "measure": frame["measure"],
                         "frequency": frame["frequency"], "year": year,
                         "value": frame["value"]})
    is_total = ((frame["measure"] == "Overall numbers") & (frame["aggregator"] == "")
                & (frame["disaggregator"] == "") & (frame["frequency"] == "annual")).to_numpy()
    totals = work[is_total].set_index(["location", "year"])["value"]
    shown = work.groupby(["location", "measure", "frequency", "year"])["value"].sum()
    for i in np.flatnonzero(censored):
        row = work.iloc[i]
        total = np.nan if is_total[i] else totals.get((row["location"], row["year"]), np.nan)
        if np.isnan(total):
            upper[i] = FALLBACK_CENSOR_UPPER
            continue
        if row["measure"] in _PARTITIONS:
            total -= shown[(row["location"], row["measure"], row["frequency"], row["year"])]
        if total < 1:
            raise DataError(
                f"suppressed cell, but the region's {row['year']} total minus its shown cells "
                f"leaves {total:g} deaths for it; the file is inconsistent", path=path,
                row=int(lines[i]), column="Value")
        upper[i] = total
    return upper
