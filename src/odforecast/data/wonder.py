"""Reader for CDC WONDER Multiple Cause of Death exports (tab-delimited text or CSV).

A WONDER export is a table (``Notes``, the grouping columns with their ``... Code`` twins,
``Deaths``, ``Population``, rates) optionally followed, after a line ``"---"``, by a footer with
the dataset name, the query parameters, the query date and caveats.  :func:`read_wonder` turns
the table into the tidy schema of :mod:`odforecast.data.schema` and the footer into
``frame.attrs["wonder"]``.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from odforecast.data import schema
from odforecast.data._parsing import MONTHS, open_text, parse_count, validated
from odforecast.data.locations import us_code_from_fips, us_code_from_name
from odforecast.errors import DataError

__all__ = ["CASE_DEFINITIONS", "MCD_INDICATORS", "read_wonder"]

#: Case definitions: how the underlying cause of death (UCD) was restricted by the query.
CASE_DEFINITIONS: dict[str, str] = {
    "overdose": "overdose deaths",  # UCD X40-X44, X60-X64, X85, Y10-Y14
    "drug-induced": "drug-induced deaths",  # UCD = WONDER's "Drug-induced causes"
    "any-cause": "deaths from any underlying cause",  # no UCD restriction
    "other": "deaths with another underlying-cause restriction",
    "unknown": "case definition unknown",  # no footer and no case_definition= keyword
}

#: Set of MCD (multiple cause) ICD-10 codes of a query -> schema indicator.
MCD_INDICATORS: dict[frozenset[str], str] = {
    frozenset({"T40.4"}): "synthetic_opioids",
    frozenset({"T40.1"}): "heroin",
    frozenset({"T40.2"}): "natural_semisynthetic",
    frozenset({"T40.3"}): "methadone",
    frozenset({"T40.5"}): "cocaine",
    frozenset({"T43.6"}): "psychostimulants",
    frozenset({"T40.0", "T40.1", "T40.2", "T40.3", "T40.4", "T40.6"}): "opioids",
    frozenset({"T40.2", "T40.3"}): "natural_semisynthetic_methadone",
    frozenset({"T40.2", "T40.3", "T40.4"}): "natural_semisynthetic_synthetic_methadone",
}

_OVERDOSE_UCD = frozenset(
    [f"X{i}" for i in range(40, 45)] + [f"X{i}" for i in range(60, 65)] + ["X85"]
    + [f"Y{i}" for i in range(10, 15)]
)
_CODE = re.compile(r"\b([A-Z][0-9]{2}(?:\.[0-9])?)\b")
_PARAM = re.compile(r"^([A-Za-z0-9][^:()\[\]]{0,79}?):\s*(.*)$")
_LOCATION_COLUMNS = ("Residence State", "State", "Occurrence State")
_TIME_COLUMNS = {"Year", "Year Code", "Month", "Month Code"}
_MCD_COLUMNS = {"Multiple Cause of death", "Multiple Cause of death Code"}
_DIMENSION_NAMES = {"Gender": "sex", "Sex": "sex"}
_CENSOR_UPPER = 9.0


def _is_measure(name: str) -> bool:
    """Population, rates, intervals and percentages: not kept."""
    lowered = name.lower()
    return (name == "Population" or "rate" in lowered or "confidence interval" in lowered
            or "standard error" in lowered or "%" in name or "percent" in lowered)


def _is_all(value: str) -> bool:
    return value.strip().strip("*").lower().startswith("all") or value.strip() == ""


def _snake(name: str) -> str:
    return re.sub(r"[^0-9a-z]+", "_", name.lower()).strip("_")


def _unquote(line: str, delimiter: str) -> str:
    line = line.rstrip("\r\n").rstrip("\t" if delimiter == "\t" else ",\t").strip()
    if len(line) >= 2 and line.startswith('"') and line.endswith('"'):
        line = line[1:-1].replace('""', '"')
    return line.strip()


def _codes(value: str) -> list[str]:
    """ICD-10 codes in a WONDER parameter value, ignoring the parenthesised descriptions."""
    without = value
    while True:
        stripped = re.sub(r"\([^()]*\)", " ", without)
        if stripped == without:
            break
        without = stripped
    return _CODE.findall(without)


def _query_date(text: str) -> datetime | None:
    for fmt in ("%b %d, %Y %I:%M:%S %p", "%B %d, %Y %I:%M:%S %p", "%b %d, %Y", "%B %d, %Y"):
        try:
            return datetime.strptime(text.strip(), fmt)
        except ValueError:
            continue
    try:
        stamp = pd.Timestamp(text.strip())
    except (TypeError, ValueError):
        return None
    return None if pd.isna(stamp) else stamp.to_pydatetime()


def _parse_footer(lines: list[str], delimiter: str) -> dict[str, Any]:
    """Dataset, query parameters, group-by list and query date from the footer lines.

    Only the first occurrence of each part is used, so a footer pasted twice reads the same.
    """
    dataset: str | None = None
    query_date: datetime | None = None
    query_date_text: str | None = None
    parameters: dict[str, str] = {}
    in_parameters = False
    parameters_done = False
    last: str | None = None
    for raw_line in lines:
        line = _unquote(raw_line, delimiter)
        if line.strip('"') == "---":
            if in_parameters:
                parameters_done = True
            in_parameters = False
            last = None
            continue
        if not line:
            continue
        if line.startswith("Dataset:") and dataset is None:
            dataset = line.split(":", 1)[1].strip()
            continue
        if line.startswith("Query Parameters:"):
            in_parameters = not parameters_done
            continue
        if line.startswith("Query Date:") and query_date_text is None:
            query_date_text = line.split(":", 1)[1].strip()
            query_date = _query_date(query_date_text)
            continue
        if in_parameters:
            match = _PARAM.match(line)
            if match:
                name, value = match.group(1).strip(), match.group(2).strip()
                # a repeated name (MCD code AND MCD code) continues the same parameter
                parameters[name] = f"{parameters[name]} {value}" if name in parameters else value
                last = name
            elif last is not None:
                parameters[last] = f"{parameters[last]} {line}"
    group_by = [g.strip() for g in re.split(r"[;,]", parameters.get("Group By", "")) if g.strip()]
    return {
        "dataset": dataset,
        "query_date": None if query_date is None else query_date.isoformat(),
        "query_date_text": query_date_text,
        "_query_date": query_date,
        "parameters": parameters,
        "group_by": group_by,
    }


def _case_definition(parameters: dict[str, str]) -> str:
    """Classify the underlying-cause restriction of a query."""
    restrictions = [(name, value) for name, value in parameters.items()
                    if name.upper().startswith("UCD") and not _is_all(value)]
    if not restrictions:
        return "any-cause"
    kinds = set()
    for name, value in restrictions:
        if "drug/alcohol induced" in name.lower() and value.lower().startswith("drug-induced"):
            kinds.add("drug-induced")
        elif "icd-10 codes" in name.lower() and frozenset(_codes(value)) == _OVERDOSE_UCD:
            kinds.add("overdose")
        else:
            kinds.add("other")
    return kinds.pop() if len(kinds) == 1 else "other"


def _mcd_value(parameters: dict[str, str]) -> str | None:
    values = [value for name, value in parameters.items()
              if name.upper().startswith("MCD") and "icd-10 codes" in name.lower()
              and not _is_all(value)]
    return " ".join(values) if values else None


def _read_text(path: Path) -> str:
    try:
        return open_text(path, encoding="utf-8-sig")
    except DataError as err:
        if "not a utf-8" not in err.reason:
            raise
        return open_text(path, encoding="cp1252")


def read_wonder(
    path: str | PathLike[str],
    *,
    indicator: str | None = None,
    vintage: str | None = None,
    case_definition: str | None = None,
) -> pd.DataFrame:
    """Read a CDC WONDER Multiple Cause of Death export into the tidy schema.

    Reads the tab-delimited text export (quoted or unquoted fields, CRLF line endings, a
    trailing tab, extra unnamed columns, a footer after a ``"---"`` line that may be repeated)
    and the CSV variant (comma-separated, footer possibly stripped).

    Parameters
    ----------
    path
        The export file.
    indicator
        Schema indicator of the counts (``"synthetic_opioids"``...).  If None it is inferred
        from the ``Multiple Cause of death Code`` column, else from the footer's
        ``MCD - ICD-10 Codes`` (T40.4 -> ``synthetic_opioids``, T40.1 -> ``heroin``, T40.2 ->
        ``natural_semisynthetic``, T40.3 -> ``methadone``, T40.5 -> ``cocaine``, T43.6 ->
        ``psychostimulants``, T40.0-T40.4 + T40.6 -> ``opioids``, T40.2 + T40.3 and
        T40.2-T40.4 -> the combined groupings); with no MCD restriction, an overdose query
        (UCD X40-X44, X60-X64, X85, Y10-Y14) gives ``all_drugs`` and an unrestricted query
        ``all_cause_deaths``.
    vintage
        ISO date used as ``vintage`` when the footer has no ``Query Date`` (the footer's
        query date, as ``YYYY-MM-DD``, takes precedence when present).
    case_definition
        ``"overdose"``, ``"drug-induced"`` or ``"any-cause"``, for files without a footer (the
        footer's UCD parameters decide otherwise; a keyword contradicting them is an error).

    Returns
    -------
    pandas.DataFrame
        A frame validated by :func:`odforecast.data.schema.validate`, one row per data row of
        the export, ``estimate = "reported"``, ``unit = "deaths"``:

        * time: grouped by Month (``Month Code`` ``2010/01``, checked against ``Jan., 2010``)
          -> ``frequency = "monthly"``; by Year only -> ``"annual"``.  A Year or Month label
          containing "(provisional" sets ``provisional = True``.
        * location: ``State`` / ``Residence State`` (via the FIPS ``... Code``, falling back
          to the name) -> ``US-XX``; no state column -> ``US``.
        * other grouping columns become string dimension columns in snake_case (``Gender`` ->
          ``sex``, ``Hispanic Origin`` -> ``hispanic_origin``); their ``... Code`` twins are
          dropped.
        * ``Deaths`` = "Suppressed" -> ``censored = True``, value NaN, ``censor_upper = 9``;
          "Unreliable" in a rate column -> flag ``unreliable`` (the count itself is kept).
        * ``Population``, rates, confidence intervals and unnamed columns are not kept
          (population and rates are "Not Applicable" on monthly rows anyway).
        * rows whose ``Notes`` is "Total" are WONDER's subtotals and grand total, computed from
          the data rows, and are excluded; other notes are ignored.

        ``frame.attrs["wonder"]`` holds ``{"dataset", "query_date", "parameters",
        "group_by", "case_definition"}`` with ``case_definition`` one of ``"overdose"`` (UCD
        restricted to X40-X44, X60-X64, X85, Y10-Y14), ``"drug-induced"`` (UCD "Drug-induced
        causes"), ``"any-cause"`` (no UCD restriction), ``"other"`` (another UCD
        restriction) or ``"unknown"`` (no footer and no keyword).  ``source`` reads e.g.
        "CDC WONDER Multiple Cause of Death, 1999-2016 (overdose deaths, MCD T40.4)".

    Raises
    ------
    odforecast.DataError
        With ``row`` = 1-based file line and ``column`` = the file's column name, for a
        missing ``Deaths`` column, a count that is neither a whole number nor "Suppressed",
        an impossible year or month, an unknown state, duplicated rows; and when the indicator
        or the vintage cannot be determined, or the query combines MCD codes with AND
        (co-involvement such as cocaine AND fentanyl has no schema indicator).

    Examples
    --------
    >>> frame = read_wonder("wonder_mcd_od_fentanyl_monthly_10_16_national.txt")
    ... # doctest: +SKIP
    >>> frame.attrs["wonder"]["case_definition"]  # doctest: +SKIP
    'overdose'
    >>> int(frame[frame.period_start.dt.year == 2016].value.sum())  # doctest: +SKIP
    19413
    """
    path = Path(path)
    origin = str(path)
    if indicator is not None and (indicator not in schema.INDICATORS
                                  or schema.INDICATORS[indicator].unit != "deaths"):
        deaths = [k for k, v in schema.INDICATORS.items() if v.unit == "deaths"]
        raise DataError(f"indicator={indicator!r} is not a death-count indicator; expected one "
                        f"of {', '.join(deaths)}", path=origin)
    if case_definition is not None and case_definition not in ("overdose", "drug-induced",
                                                                "any-cause"):
        raise DataError(f"case_definition={case_definition!r}; expected 'overdose', "
                        "'drug-induced' or 'any-cause'", path=origin)
    if vintage is not None and not _valid_iso(vintage):
        raise DataError(f"vintage must be an ISO date 'YYYY-MM-DD', got {vintage!r}",
                        path=origin)

    text = _read_text(path)
    raw_lines = text.splitlines()
    if not raw_lines or not raw_lines[0].strip():
        raise DataError("empty file; expected a WONDER export with a header line",
                        path=origin, row=1)
    delimiter = "\t" if "\t" in raw_lines[0] else ","

    # -- table ----------------------------------------------------------------------------
    reader = csv.reader(io.StringIO("\n".join(raw_lines)), delimiter=delimiter)
    header = [h.strip() for h in next(reader)]
    rows: list[list[str]] = []
    row_lines: list[int] = []
    footer_start = len(raw_lines)
    previous = 1
    for record in reader:
        start = previous + 1
        previous = reader.line_num
        cells = [c.strip() for c in record]
        if cells and cells[0].strip('"') == "---":
            footer_start = start - 1
            break
        if not any(cells):
            continue
        if len(cells) > len(header) and any(cells[len(header):]):
            raise DataError(f"{len(cells)} fields but the header has {len(header)}",
                            path=origin, row=start)
        rows.append(cells + [""] * (len(header) - len(cells)))
        row_lines.append(start)
    footer = (_parse_footer(raw_lines[footer_start + 1:], delimiter)
              if footer_start < len(raw_lines) else None)

    named = {name: i for i, name in reversed(list(enumerate(header))) if name}
    if "Deaths" not in named:
        raise DataError(f"missing column 'Deaths'; this file has {', '.join(map(repr, header))}",
                        path=origin, row=1, column="Deaths",
                        hint="expected a CDC WONDER export (Notes, grouping columns, Deaths, "
                             "Population, rates)")

    def cell(row: list[str], name: str) -> str:
        return row[named[name]] if name in named else ""

    # drop WONDER totals
    data = [(r, line) for r, line in zip(rows, row_lines, strict=True)
            if cell(r, "Notes") != "Total"]

    # -- footer-derived metadata ------------------------------------------------------------
    parameters = footer["parameters"] if footer else {}
    if footer:
        found_case = _case_definition(parameters)
        if (case_definition is not None and found_case in ("overdose", "drug-induced",
                                                           "any-cause")
                and case_definition != found_case):
            raise DataError(f"case_definition={case_definition!r} contradicts the footer's "
                            f"query parameters, which say {found_case!r}", path=origin)
        case = case_definition if found_case == "other" and case_definition else found_case
    else:
        case = case_definition or "unknown"

    if footer and footer["_query_date"] is not None:
        vintage = footer["_query_date"].date().isoformat()
    if vintage is None:
        raise DataError("no 'Query Date' in the file (no footer after a \"---\" line), so the "
                        "vintage is unknown", path=origin,
                        hint="pass vintage='YYYY-MM-DD' (the date the query was run)")

    mcd_value = _mcd_value(parameters)
    mcd_column = "Multiple Cause of death Code" if "Multiple Cause of death Code" in named else None
    if mcd_value is not None and re.search(r"\bAND\b", mcd_value):
        raise DataError(
            f"the query combines multiple-cause codes with AND ({mcd_value}): these are deaths "
            "involving all of the drugs together (co-involvement), which no schema indicator "
            "describes, so the file cannot be read into the tidy schema",
            path=origin, column="MCD - ICD-10 Codes",
            hint="export one query per drug (a single MCD code or an OR list) instead")

    row_indicators: list[str]
    if indicator is not None:
        if mcd_column is not None:
            distinct = {cell(r, mcd_column) for r, _ in data}
            if len(distinct) > 1:
                raise DataError(f"indicator={indicator!r} given, but the file has several MCD "
                                f"codes ({', '.join(sorted(distinct))})", path=origin,
                                column=mcd_column, hint="leave indicator=None to map each code")
        row_indicators = [indicator] * len(data)
        mcd_label = mcd_value and ",".join(_codes(mcd_value))
    elif mcd_column is not None:
        row_indicators = []
        for r, line in data:
            code = cell(r, mcd_column)
            mapped = MCD_INDICATORS.get(frozenset(_codes(code)))
            if mapped is None:
                raise DataError(f"multiple-cause code {code!r} has no schema indicator; known: "
                                f"{_known_codes()}", path=origin, row=line, column=mcd_column,
                                hint="pass indicator= to name the counts")
            row_indicators.append(mapped)
        mcd_label = ",".join(sorted({c for r, _ in data for c in _codes(cell(r, mcd_column))}))
    else:
        mcd_label = None
        if mcd_value is not None:
            codes = _codes(mcd_value)
            inferred = MCD_INDICATORS.get(frozenset(codes))
            mcd_label = ",".join(codes)
            if inferred is None:
                raise DataError(f"cannot infer the indicator from 'MCD - ICD-10 Codes: "
                                f"{mcd_value}'; known code sets: {_known_codes()}", path=origin,
                                column="MCD - ICD-10 Codes",
                                hint="pass indicator= (e.g. indicator='opioids')")
        elif footer is not None and case == "overdose":
            inferred = "all_drugs"
        elif footer is not None and case == "any-cause":
            inferred = "all_cause_deaths"
        else:
            raise DataError("cannot infer the indicator: no 'Multiple Cause of death Code' "
                            "column and no MCD or overdose restriction in a footer",
                            path=origin, hint="pass indicator= (e.g. indicator='heroin')")
        row_indicators = [inferred] * len(data)

    # -- columns --------------------------------------------------------------------------
    location_column = next((c for c in _LOCATION_COLUMNS if c in named), None)
    handled = set(_TIME_COLUMNS) | _MCD_COLUMNS | {"Notes", "Deaths"}
    if location_column:
        handled |= {location_column, f"{location_column} Code"}
    rate_columns = [name for name in named if name not in handled and _is_measure(name)]
    dimension_columns: dict[str, str] = {}  # tidy name -> file column
    for name in named:
        if name in handled or _is_measure(name):
            continue
        if name.endswith(" Code") and name[:-5] in named:
            continue
        tidy = _DIMENSION_NAMES.get(name, _snake(name))
        if tidy in schema.COLUMNS or tidy in dimension_columns:
            tidy = f"wonder_{tidy}"
        dimension_columns[tidy] = name

    has_month = "Month" in named or "Month Code" in named
    has_year = "Year" in named or "Year Code" in named
    if not (has_month or has_year):
        raise DataError("no Year or Month column; expected a query grouped by Year or Month",
                        path=origin, row=1, column="Year",
                        hint="re-run the WONDER query with Group By Year (or Month)")
    frequency = "monthly" if has_month else "annual"

    records: list[dict[str, Any]] = []
    lines_out: list[int] = []
    for (r, line), row_indicator in zip(data, row_indicators, strict=True):
        year, month = _row_period(r, line, cell, named, has_month, origin)
        start, end = schema.period_bounds(frequency, year, month)
        labels = f"{cell(r, 'Year')} {cell(r, 'Month')}".lower()
        deaths_text = cell(r, "Deaths")
        censored = deaths_text.lower() == "suppressed"
        value = np.nan if censored else parse_count(deaths_text, path=origin, row=line,
                                                    column="Deaths")
        unreliable = any(cell(r, c).lower() == "unreliable" for c in rate_columns)
        record: dict[str, Any] = {
            "location": _row_location(r, line, cell, location_column, origin),
            "indicator": row_indicator,
            "frequency": frequency,
            "period_start": start,
            "period_end": end,
            "estimate": "reported",
            "value": value,
            "unit": "deaths",
            "censored": censored,
            "censor_upper": _CENSOR_UPPER if censored else np.nan,
            "provisional": "(provisional" in labels,
            "flag": "unreliable" if unreliable else "",
        }
        for tidy, name in dimension_columns.items():
            record[tidy] = cell(r, name)
        records.append(record)
        lines_out.append(line)

    dataset = footer["dataset"] if footer else None
    described = CASE_DEFINITIONS[case] + (f", MCD {mcd_label}" if mcd_label else "")
    source = f"CDC WONDER {dataset or 'Multiple Cause of Death'} ({described})"
    columns = [*schema.COLUMNS, *dimension_columns]
    frame = pd.DataFrame.from_records(records, columns=columns) if records else pd.DataFrame(
        {c: pd.Series(dtype=object) for c in columns})
    frame["source"] = source
    frame["vintage"] = vintage

    key = [*schema.KEY, *dimension_columns]
    dup = frame.duplicated(subset=key, keep="first").to_numpy()
    if dup.any():
        pos = int(np.flatnonzero(dup)[0])
        first = int(np.flatnonzero((frame[key] == frame.loc[pos, key]).all(axis=1).to_numpy())[0])
        raise DataError(f"duplicate row: same grouping values as line {lines_out[first]}",
                        path=origin, row=lines_out[pos],
                        hint="each combination of the grouping columns must appear once")
    out = validated(frame, lines_out, origin, columns={"value": "Deaths"})
    out.attrs["wonder"] = {
        "dataset": dataset,
        "query_date": footer["query_date"] if footer else None,
        "parameters": dict(parameters),
        "group_by": list(footer["group_by"]) if footer else [
            c for c in header if c and c not in ("Notes", "Deaths") and not c.endswith(" Code")
            and not _is_measure(c)],
        "case_definition": case,
    }
    return out


def _valid_iso(text: str) -> bool:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return False
    try:
        return pd.Timestamp(text).strftime("%Y-%m-%d") == text
    except ValueError:
        return False


def _known_codes() -> str:
    return "; ".join(f"{'+'.join(sorted(k))} -> {v}" for k, v in MCD_INDICATORS.items())


def _year(text: str) -> int | None:
    match = re.match(r"^([0-9]{4})(?![0-9])", text.strip())
    if match and 1900 <= int(match.group(1)) <= 2100:
        return int(match.group(1))
    return None


def _row_period(row: list[str], line: int, cell, named: dict[str, int], has_month: bool,
                origin: str) -> tuple[int, int]:
    """(year, month) of a data row, from the codes and checked against the labels."""
    if has_month:
        parsed: dict[str, tuple[int, int]] = {}
        if "Month Code" in named:
            code = cell(row, "Month Code")
            match = re.fullmatch(r"([0-9]{4})/([0-9]{2})", code)
            if not match or _year(match.group(1)) is None or not 1 <= int(match.group(2)) <= 12:
                raise DataError(f"expected a month code 'YYYY/MM' (year 1900-2100), got "
                                f"{code!r}", path=origin, row=line, column="Month Code")
            parsed["Month Code"] = (int(match.group(1)), int(match.group(2)))
        if "Month" in named:
            label = cell(row, "Month")
            match = re.match(r"^([A-Za-z]+)\.?,?\s*([0-9]{4})\b", label)
            month = MONTHS.get(match.group(1).lower()) if match else None
            year = _year(match.group(2)) if match else None
            if month is None or year is None:
                raise DataError(f"expected a month such as 'Jan., 2010' (year 1900-2100), got "
                                f"{label!r}", path=origin, row=line, column="Month")
            parsed["Month"] = (year, month)
        values = set(parsed.values())
        if len(values) > 1:
            raise DataError(f"Month {cell(row, 'Month')!r} and Month Code "
                            f"{cell(row, 'Month Code')!r} disagree", path=origin, row=line,
                            column="Month")
        return values.pop()
    name = "Year Code" if "Year Code" in named else "Year"
    year = _year(cell(row, name))
    if year is None:
        raise DataError(f"expected a year between 1900 and 2100, got {cell(row, name)!r}",
                        path=origin, row=line, column=name)
    if name == "Year Code" and "Year" in named:
        label_year = _year(cell(row, "Year"))
        if label_year != year:
            raise DataError(f"Year {cell(row, 'Year')!r} and Year Code {cell(row, name)!r} "
                            "disagree", path=origin, row=line, column="Year")
    return year, 1


def _row_location(row: list[str], line: int, cell, column: str | None, origin: str) -> str:
    if column is None:
        return "US"
    code = cell(row, f"{column} Code")
    location = us_code_from_fips(code) if code else None
    if location is None:
        location = us_code_from_name(cell(row, column))
    if location is None:
        raise DataError(f"unknown state {cell(row, column)!r} (code {code!r}); expected a US "
                        "state name and its two-digit FIPS code", path=origin, row=line,
                        column=f"{column} Code" if code else column)
    return location
