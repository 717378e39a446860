"""Readers for two annual national overdose series: NIDA's table of overdose deaths by drug
(1999-2019) and NCHS's "Drug Poisoning Mortality by State" (1999-2015).
"""

from __future__ import annotations

import re
from os import PathLike

import numpy as np
import pandas as pd

from odforecast.data._parsing import (
    annual_frame,
    check_vintage,
    parse_count,
    read_records,
    require_columns,
    validated,
)
from odforecast.data.locations import us_code_from_name
from odforecast.errors import DataError

__all__ = ["NIDA_INDICATORS", "NIDA_SKIPPED", "read_nchs_drug_poisoning", "read_nida_overdose"]

NIDA_SOURCE = "NIDA analysis of CDC WONDER Multiple Cause of Death 1999-2019 (overdose deaths)"
NCHS_SOURCE = "CDC NCHS, Drug Poisoning Mortality by State: United States (data.cdc.gov)"

#: NIDA row label (normalised: footnote digits and "(primarily ...)" removed, lower case) ->
#: schema indicator.
NIDA_INDICATORS: dict[str, str] = {
    "total overdose deaths": "all_drugs",
    "any opioid": "opioids",
    "prescription opioids": "natural_semisynthetic_methadone",
    "synthetic opioids other than methadone": "synthetic_opioids",
    "heroin": "heroin",
    "cocaine": "cocaine",
    "psychostimulants with abuse potential": "psychostimulants",
}

#: NIDA row labels (normalised) that are known and deliberately not read: they have no schema
#: indicator (benzodiazepines T42.4, antidepressants T43.0-T43.2, and the co-involvement rows).
NIDA_SKIPPED: frozenset[str] = frozenset({
    "prescription opioids and synthetic opioids other than methadone",
    "prescription opioids without synthetic opioids other than methadone",
    "heroin and synthetic opioids other than methadone",
    "heroin without synthetic opioids other than methadone",
    "cocaine and any opioid",
    "cocaine without any opioid",
    "cocaine and synthetic opioids other than methadone",
    "cocaine without synthetic opioids other than methadone",
    "psychostimulants with abuse potential and any opioid",
    "psychostimulants with abuse potential without any opioid",
    "psychostimulants with abuse potential and synthetic opioids other than methadone",
    "psychostimulants with abuse potential without synthetic opioids other than methadone",
    "benzodiazepines",
    "benzodiazepines and any opioid",
    "benzodiazepines without any opioid",
    "benzodiazepines and synthetic opioids other than methadone",
    "benzodiazepines without synthetic opioids other than methadone",
    "antidepressants",
    "antidepressants and any opioid",
    "antidepressants without any opioid",
    "antidepressants and synthetic opioids other than methadone",
    "antidepressants without synthetic opioids other than methadone",
})

_SEX_ROWS = {"female": "female", "male": "male"}
_LABEL_COLUMN = "label"
_MIN_YEAR, _MAX_YEAR = 1900, 2100


def _normalise(label: str) -> str:
    text = re.sub(r"\d+$", "", label.strip())
    text = re.sub(r"\s*\(primarily [^)]*\)\s*$", "", text)
    return re.sub(r"\s+", " ", text).strip().lower()


def read_nida_overdose(path: str | PathLike[str], *, vintage: str = "2021-10-27") -> pd.DataFrame:
    """Read NIDA's "Number Drug OD Deaths" sheet (national overdose deaths by drug, by sex).

    Parameters
    ----------
    path
        ``nida_national_od_deaths_by_drug_1999_2019.csv``, the CSV export of the workbook
        ``Overdose_data_1999-2019.xlsx``: title lines, then the year row (the first row whose
        third field is a year, ``1999``), then one row per drug followed by its ``Female`` and
        ``Male`` rows, then footnotes.  Latin-1 (the footnotes hold a mangled en dash).
    vintage
        ISO date of the release (default: 2021-10-27, when the file was last changed in the
        CORGIS repository it was taken from; NIDA's 2021 edition).

    Returns
    -------
    pandas.DataFrame
        Tidy frame, location ``US``, frequency ``annual`` (1999-2019), unit ``deaths``, with
        dimension ``sex``: ``all`` for the drug's own row, ``female`` and ``male`` for the rows
        under it.  Indicators (:data:`NIDA_INDICATORS`): Total Overdose Deaths ->
        ``all_drugs``, Any Opioid -> ``opioids``, Prescription Opioids (T40.2-T40.3) ->
        ``natural_semisynthetic_methadone``, Synthetic Opioids other than Methadone ->
        ``synthetic_opioids``, Heroin -> ``heroin``, Cocaine -> ``cocaine``, Psychostimulants
        With Abuse Potential -> ``psychostimulants``.

    Raises
    ------
    odforecast.DataError
        If the year row is missing, a year header is out of range, a label is neither mapped
        nor in :data:`NIDA_SKIPPED` (so a changed file cannot lose rows silently), a sex row
        comes before any drug row, a drug has two rows for one sex, a count is not a
        non-negative whole number (``"16,849"`` is fine), numbers appear below the table, or
        ``vintage`` is not an ISO date.
        ``row`` is the 1-based line in the file, ``column`` the year (or ``label``).

    Notes
    -----
    Left out, with their Female/Male rows (:data:`NIDA_SKIPPED`): Benzodiazepines (T42.4),
    Antidepressants (T43.0-T43.2), each with "AND/WITHOUT Any Opioid" and "AND/WITHOUT Synthetic
    Opioids other than Methadone", and the co-involvement rows "Prescription Opioids / Heroin
    AND/WITHOUT Synthetic Opioids other than Methadone", "Cocaine AND/WITHOUT Any Opioid",
    "Cocaine AND/WITHOUT Synthetic Opioids other than Methadone", "Psychostimulants With Abuse
    Potential AND/WITHOUT Any Opioid" and "... AND/WITHOUT Synthetic Opioids other than
    Methadone".  The "2010-2018 Fold Change" column is derived and not read.  There is no
    suppression in this table.

    Examples
    --------
    >>> df = read_nida_overdose("nida_national_od_deaths_by_drug_1999_2019.csv")
    ... # doctest: +SKIP
    >>> df[(df.indicator == "opioids") & (df.sex == "all")].value.iloc[-1]  # doctest: +SKIP
    np.float64(49860.0)
    """
    check_vintage(vintage, path)
    records, lines = read_records(path, skip_blank=False)
    start = next((k for k, rec in enumerate(records)
                  if len(rec) > 2 and re.fullmatch(r"\d{4}", rec[2].strip())), None)
    if start is None:
        raise DataError("no year row (a row whose third field is a year, 1999)", path=path,
                        hint="is this NIDA's 'Number Drug OD Deaths' sheet?")
    year_row, year_line = records[start], lines[start]
    years = _year_columns(year_row, path, year_line)
    blank = [j for j in range(2, len(year_row)) if not year_row[j].strip()]

    rows: list[dict[str, object]] = []
    row_lines: list[int] = []
    seen: dict[tuple[str, str], int] = {}
    current: str | None = None  # normalised label of the drug whose sex rows follow
    k = start + 1
    while k < len(records) and any(cell.strip() for cell in records[k]):
        rec, line = records[k], lines[k]
        k += 1
        label = rec[1].strip() if len(rec) > 1 else ""
        norm = _normalise(label)
        if norm in _SEX_ROWS:
            if current is None:
                raise DataError(f"{label!r} row before any drug row", path=path, row=line,
                                column=_LABEL_COLUMN)
            sex = _SEX_ROWS[norm]
        elif norm in NIDA_INDICATORS or norm in NIDA_SKIPPED:
            current, sex = norm, "all"
        else:
            raise DataError(f"unknown row label {label!r}; expected one of the drugs NIDA "
                            "publishes (mapped: " + ", ".join(NIDA_INDICATORS) + ") or a known "
                            "skipped row", path=path, row=line, column=_LABEL_COLUMN,
                            hint="add it to NIDA_INDICATORS or NIDA_SKIPPED")
        if (current, sex) in seen:
            raise DataError(f"second {sex!r} row for {current!r} (first on line "
                            f"{seen[(current, sex)]})", path=path, row=line,
                            column=_LABEL_COLUMN)
        seen[(current, sex)] = line
        for j in blank:  # a value under a blank header: a year header was deleted
            if j < len(rec) and rec[j].strip():
                raise DataError(f"value {rec[j].strip()!r} in a column without a year header "
                                f"(field {j + 1})", path=path, row=line, column=f"field {j + 1}",
                                hint="restore the year in the header row")
        if current not in NIDA_INDICATORS:
            continue
        for j, year in years.items():
            cell = rec[j] if j < len(rec) else ""
            value = parse_count(cell, path=path, row=line, column=str(year))
            rows.append({"indicator": NIDA_INDICATORS[current], "sex": sex, "year": year,
                         "value": value})
            row_lines.append(line)

    for rec, line in zip(records[k:], lines[k:], strict=True):
        for j in years:
            if j < len(rec) and rec[j].strip():
                raise DataError(f"value {rec[j].strip()!r} below the table (after the first "
                                "blank line)", path=path, row=line, column=str(years[j]))

    if not rows:
        raise DataError("no data rows under the year row", path=path, row=year_line)
    frame = annual_frame(rows, location="US", unit="deaths", source=NIDA_SOURCE, vintage=vintage)
    return validated(frame, np.asarray(row_lines, dtype=int), path)


def _year_columns(year_row: list[str], path: str | PathLike[str],
                  line: int) -> dict[int, int]:
    """The year of each year column: consecutive years in consecutive fields from the third,
    then labels (NIDA's "2010-2018 Fold Change").  A malformed or missing year header is an
    error, never a silently dropped year."""
    years: dict[int, int] = {}
    j = 2
    while j < len(year_row) and re.fullmatch(r"\d{4}", year_row[j].strip()):
        year = int(year_row[j].strip())
        if not _MIN_YEAR <= year <= _MAX_YEAR:
            raise DataError(f"year {year} outside {_MIN_YEAR}-{_MAX_YEAR}", path=path, row=line,
                            column=str(year))
        if years and year != max(years.values()) + 1:
            raise DataError(f"year {year} follows {max(years.values())}: the year columns must "
                            "be consecutive years", path=path, row=line, column=str(year))
        years[j] = year
        j += 1
    after = [cell.strip() for cell in year_row[j:]]
    later = [text for text in after if re.fullmatch(r"\d{4}", text)]
    if j < len(year_row) and (later or re.fullmatch(r"\d{1,5}\D{0,2}", after[0])):
        previous = max(years.values())
        raise DataError(f"the header after {previous} is {after[0]!r}, not a year"
                        + (f" (more years follow: {later[0]})" if later else ""), path=path,
                        row=line, column=after[0] or f"field {j + 1}",
                        hint=f"the header row must list consecutive years; expected {previous + 1}")
    return years


_NCHS_COLUMNS = ["Year", "Sex", "Age", "Race and Hispanic Origin", "State", "Deaths"]
_NCHS_SEX = {"Both Sexes": "all", "Female": "female", "Male": "male"}


def read_nchs_drug_poisoning(path: str | PathLike[str], *,
                             vintage: str = "2017-12-16") -> pd.DataFrame:
    """Read NCHS "Drug Poisoning Mortality by State: United States" (1999-2015) into the schema.

    Parameters
    ----------
    path
        ``nchs_drug_poisoning_mortality_by_state_1999_2015.csv`` (data.cdc.gov).
    vintage
        ISO date of the release.  The file carries none; the default 2017-12-16 is the date of
        the copy the file comes from (the data.cdc.gov release is older, not later).

    Returns
    -------
    pandas.DataFrame
        Tidy frame, indicator ``all_drugs`` (drug poisoning deaths, the NCHS overdose
        definition), unit ``deaths``, frequency ``annual``, locations ``US`` and the 50 states +
        DC, with every row of the file kept and three dimensions:

        ``sex``
            ``all`` (Both Sexes), ``female``, ``male``.
        ``age``
            ``all`` (All Ages) or the published age group (``15-24 years`` ...).
        ``race_ethnicity``
            ``all`` (All Races-All Origins) or the published group (``Hispanic``,
            ``Non-Hispanic Black``, ``Non-Hispanic White``).

        The national total is ``location == "US"`` with all three dimensions ``all``.
        State rows exist only for the all/all/all combination.

    Raises
    ------
    odforecast.DataError
        For a missing column, a year outside 1900-2100, an unknown sex, an empty age or race
        cell, an unknown state name, a deaths count that is not a non-negative whole number,
        a repeated key, or a ``vintage`` that is not an ISO date.  ``row`` is the 1-based line
        in the file.

    Notes
    -----
    Population, crude and age-adjusted rates and their confidence limits are not read (rates
    can be recomputed from deaths and a population series).  There is no suppression.

    Examples
    --------
    >>> df = read_nchs_drug_poisoning("nchs_drug_poisoning_mortality_by_state_1999_2015.csv")
    ... # doctest: +SKIP
    >>> us = df[(df.location == "US") & (df.sex == "all") & (df.age == "all")
    ...         & (df.race_ethnicity == "all")]  # doctest: +SKIP
    >>> us.value.iloc[-1]  # doctest: +SKIP
    np.float64(52404.0)
    """
    check_vintage(vintage, path)
    records, lines = read_records(path)
    header = [h.strip() for h in records[0]]
    require_columns(header, _NCHS_COLUMNS, path=path, what="NCHS drug poisoning mortality file",
                    row=lines[0])
    col = {name: header.index(name) for name in _NCHS_COLUMNS}
    rows: list[dict[str, object]] = []
    row_lines: list[int] = []
    seen: dict[tuple[str, ...], int] = {}
    codes: dict[str, str | None] = {}
    for rec, line in zip(records[1:], lines[1:], strict=True):
        if len(rec) != len(header):
            raise DataError(f"expected {len(header)} fields like the header, got {len(rec)}",
                            path=path, row=line)
        cell = {name: rec[j].strip() for name, j in col.items()}
        if not re.fullmatch(r"\d{4}", cell["Year"]) or not (
                _MIN_YEAR <= int(cell["Year"]) <= _MAX_YEAR):
            raise DataError(f"expected a year within {_MIN_YEAR}-{_MAX_YEAR}, got "
                            f"{cell['Year']!r}", path=path, row=line, column="Year")
        sex = _NCHS_SEX.get(cell["Sex"])
        if sex is None:
            raise DataError(f"unknown sex {cell['Sex']!r}; expected one of "
                            f"{', '.join(_NCHS_SEX)}", path=path, row=line, column="Sex")
        for name in ("Age", "Race and Hispanic Origin"):
            if not cell[name]:
                raise DataError("empty cell; every row needs a value here", path=path,
                                row=line, column=name)
        age = "all" if cell["Age"] == "All Ages" else cell["Age"]
        race = ("all" if cell["Race and Hispanic Origin"] == "All Races-All Origins"
                else cell["Race and Hispanic Origin"])
        state = cell["State"]
        if state not in codes:
            codes[state] = us_code_from_name(state) if state else None
        location = codes[state]
        if location is None:
            raise DataError(f"unknown state {state!r}; expected 'United States' or a state "
                            "name", path=path, row=line, column="State")
        deaths = parse_count(cell["Deaths"], path=path, row=line, column="Deaths")
        key = (location, cell["Year"], sex, age, race)
        if key in seen:
            raise DataError(f"duplicate row ({', '.join(key)}); same key as line {seen[key]}",
                            path=path, row=line)
        seen[key] = line
        rows.append({"location": location, "year": int(cell["Year"]), "value": deaths,
                     "sex": sex, "age": age, "race_ethnicity": race})
        row_lines.append(line)
    if not rows:
        raise DataError("no data rows", path=path, row=lines[0])
    frame = annual_frame(rows, indicator="all_drugs", unit="deaths", source=NCHS_SOURCE,
                         vintage=vintage)
    return validated(frame, np.asarray(row_lines, dtype=int), path)
