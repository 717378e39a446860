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
from odforecast.data._parsing import MONTHS, parse_count, validated
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


_FOOTER = re.compile(rb'^[ \t]*"?[ \t]*---[ \t]*"?[ \t]*(?:[\t,]|\r?$)', re.MULTILINE)


class _Table:
    """The table of an export, parsed at once: one categorical column per field position.

    Cells are kept as codes into their column's distinct values (stripped of white space), so
    a check or a conversion runs once per distinct value (or combination of values), not once
    per row; a 200 MB export has a few thousand distinct values per column.
    """

    def __init__(self, frame: pd.DataFrame) -> None:
        self.n = len(frame)
        self.codes: list[np.ndarray] = []
        self.uniques: list[np.ndarray] = []
        for j in frame.columns:
            categorical = frame[j].astype("category")
            values = [str(v).strip() for v in categorical.cat.categories]
            codes = categorical.cat.codes.to_numpy()
            if (codes < 0).any():  # a field missing from a short row reads as ""
                codes = np.where(codes < 0, len(values), codes)
                values.append("")
            self.uniques.append(np.asarray(values, dtype=object))
            self.codes.append(codes)

    def is_empty(self, j: int) -> np.ndarray:
        return (self.uniques[j] == "")[self.codes[j]]

    def strings(self, j: int, rows: np.ndarray) -> np.ndarray:
        return self.uniques[j][self.codes[j][rows]]

    def row(self, i: int) -> list[str]:
        return [u[c[i]] for u, c in zip(self.uniques, self.codes, strict=True)]


def _find_footer(data: bytes, start: int) -> re.Match[bytes] | None:
    """The footer's first ``---`` line at or after ``start``; :meth:`bytes.find` skips ahead
    to each ``---`` (a regular expression tried at every line start is slow on 200 MB)."""
    at = data.find(b"---", start)
    while at >= 0:
        line_start = data.rfind(b"\n", start, at) + 1 if at > start else start
        line_start = max(line_start, start)
        match = _FOOTER.match(data, line_start)
        if match:
            return match
        at = data.find(b"---", at + 3)
    return None


def _read_bytes(path: Path) -> tuple[bytes, str]:
    """The file's bytes (without a byte order mark, line ends ``\n`` or ``\r\n``) and encoding."""
    if not path.is_file():
        raise DataError("file not found", path=path, hint="check the path")
    data = path.read_bytes()
    try:
        data.decode("utf-8")  # checked only; the table is decoded by the CSV parser
        encoding = "utf-8"
    except UnicodeDecodeError:
        try:
            data.decode("cp1252")
        except UnicodeDecodeError as exc:
            raise DataError(f"not a cp1252 text file ({exc.reason} at byte {exc.start})",
                            path=path) from None
        encoding = "cp1252"
    data = data.removeprefix(b"\xef\xbb\xbf")
    if b"\r" in data and data.count(b"\r") != data.count(b"\r\n"):  # old Mac line ends
        data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    return data, encoding


def _read_table(path: Path, origin: str) -> tuple[list[str], str, _Table, np.ndarray,
                                                   np.ndarray, list[str] | None]:
    """Header, delimiter, the table, its non-blank rows, each table row's file line, and the
    footer lines (None without a footer)."""
    data, encoding = _read_bytes(path)
    end = data.find(b"\n")
    first = (data if end < 0 else data[:end]).decode(encoding).rstrip("\r")
    if not first.strip():
        raise DataError("empty file; expected a WONDER export with a header line",
                        path=origin, row=1)
    delimiter = "\t" if "\t" in first else ","
    header = [h.strip() for h in next(csv.reader([first], delimiter=delimiter))]
    body_start = len(data) if end < 0 else end + 1
    match = _find_footer(data, body_start)
    body_end = match.start() if match else len(data)
    footer = (data[body_end:].decode(encoding).splitlines()[1:] if match else None)
    body = data[body_start:body_end]
    del data

    width = len(header)
    while True:
        try:
            frame = pd.read_csv(
                io.BytesIO(body), sep=delimiter, header=None, names=range(width),
                dtype="category", na_filter=False, keep_default_na=False,
                skip_blank_lines=False, encoding=encoding, engine="c", index_col=False)
            break
        except pd.errors.EmptyDataError:
            frame = pd.DataFrame({j: pd.Series(dtype="category") for j in range(width)})
            break
        except pd.errors.ParserError as exc:
            wider = re.search(r"Expected \d+ fields in line \d+, saw (\d+)", str(exc))
            if wider is None or int(wider.group(1)) <= width:
                raise DataError(f"not a readable export ({str(exc).strip()})",
                                path=origin) from None
            width = max(line.count(delimiter.encode()) for line in body.split(b"\n")) + 1
    table = _Table(frame)

    def records() -> list[list[str]]:
        return list(csv.reader(io.StringIO(body.decode(encoding), newline=""),
                               delimiter=delimiter))

    n_lines = body.count(b"\n") + (1 if body and not body.endswith(b"\n") else 0)
    if table.n == n_lines:
        lines = np.arange(2, table.n + 2)
    else:  # a quoted field spans lines: find where each record starts
        reader = csv.reader(io.StringIO(body.decode(encoding), newline=""), delimiter=delimiter)
        starts, previous = [], 0
        for _record in reader:
            starts.append(previous + 2)
            previous = reader.line_num
        lines = np.asarray(starts[:table.n], dtype=int)

    blank = np.ones(table.n, dtype=bool)
    for j in range(len(table.codes)):
        blank &= table.is_empty(j)
    extra = np.zeros(table.n, dtype=bool)
    for j in range(len(header), len(table.codes)):
        extra |= ~table.is_empty(j)
    extra &= ~blank
    if extra.any():  # rare: count the fields of the offending record as the csv module does
        i = int(np.flatnonzero(extra)[0])
        fields = len(records()[i])
        raise DataError(f"{fields} fields but the header has {len(header)}", path=origin,
                        row=int(lines[i]))
    keep = np.flatnonzero(~blank)
    return header, delimiter, table, keep, lines, footer


def _per_combo(table: _Table, columns: list[int], rows: np.ndarray,
               func) -> tuple[np.ndarray, np.ndarray]:
    """``func(*cells)`` called once per distinct combination of the cells in ``columns`` on
    ``rows``: the results (an object array) and, for each row, the index of its result."""
    key = np.zeros(len(rows), dtype=np.int64)
    bound = 1
    for j in columns:
        size = len(table.uniques[j])
        if bound * size >= 2**62:  # renumber the combinations seen so far
            key = pd.factorize(key)[0].astype(np.int64)
            bound = int(key.max()) + 1
        key = key * size + table.codes[j][rows]
        bound *= size
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    results = np.empty(len(first), dtype=object)
    for u, i in enumerate(first):
        results[u] = func(*(table.uniques[j][table.codes[j][rows[i]]] for j in columns))
    return results, inverse.reshape(-1)


def _distinct(table: _Table, j: int, rows: np.ndarray) -> list[str]:
    """The distinct cells of column ``j`` on ``rows``."""
    return list(table.uniques[j][np.unique(table.codes[j][rows])])


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
        an impossible year or month, an unknown state, a state name that is not the state of
        its FIPS code (both named), duplicated rows, a file with no data rows (a header only,
        or only WONDER's "Total" rows); and when the indicator
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

    header, _delimiter, table, keep, file_lines, footer_lines = _read_table(path, origin)
    footer = _parse_footer(footer_lines, _delimiter) if footer_lines is not None else None

    named = {name: i for i, name in reversed(list(enumerate(header))) if name}
    if "Deaths" not in named:
        raise DataError(f"missing column 'Deaths'; this file has {', '.join(map(repr, header))}",
                        path=origin, row=1, column="Deaths",
                        hint="expected a CDC WONDER export (Notes, grouping columns, Deaths, "
                             "Population, rates)")

    # drop WONDER totals
    if "Notes" in named:
        keep = keep[table.strings(named["Notes"], keep) != "Total"]
    if not len(keep):
        raise DataError("no data rows: the file has a header but no data (WONDER's 'Total' "
                        "rows are not data)", path=origin, row=1,
                        hint="re-run the WONDER query, or check that the export is complete")
    lines_out = file_lines[keep]

    def strings(name: str) -> np.ndarray:
        """The stripped cells of column ``name`` on the data rows ("" if there is none)."""
        if name not in named:
            return np.full(len(keep), "", dtype=object)
        return table.strings(named[name], keep)

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

    row_indicators: np.ndarray | str
    if indicator is not None:
        if mcd_column is not None:
            distinct = set(_distinct(table, named[mcd_column], keep))
            if len(distinct) > 1:
                raise DataError(f"indicator={indicator!r} given, but the file has several MCD "
                                f"codes ({', '.join(sorted(distinct))})", path=origin,
                                column=mcd_column, hint="leave indicator=None to map each code")
        row_indicators = indicator
        mcd_label = mcd_value and ",".join(_codes(mcd_value))
    elif mcd_column is not None:
        indicators, indicator_of = _per_combo(
            table, [named[mcd_column]], keep,
            lambda code: MCD_INDICATORS.get(frozenset(_codes(code))))
        mapped = indicators[indicator_of]
        unknown = pd.isna(mapped)
        if unknown.any():
            pos = int(np.flatnonzero(unknown)[0])
            code = strings(mcd_column)[pos]
            raise DataError(f"multiple-cause code {code!r} has no schema indicator; known: "
                            f"{_known_codes()}", path=origin, row=int(lines_out[pos]),
                            column=mcd_column, hint="pass indicator= to name the counts")
        row_indicators = mapped
        mcd_label = ",".join(sorted({c for v in _distinct(table, named[mcd_column], keep)
                                     for c in _codes(v)}))
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
        row_indicators = inferred

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

    # -- values, once per distinct cell or combination of cells -----------------------------
    # Each check is the row-by-row function of the previous reader, applied to every distinct
    # combination of the cells it reads; an error is raised at the first data row (in file
    # order) that has one, checking the period, then the count, then the location, as before.
    def positions(*names: str) -> list[int]:
        return [named[name] for name in names if name in named]

    def as_row(names: tuple[str, ...], values: tuple[str, ...]) -> tuple[list[str], Any]:
        row = dict(zip(names, values, strict=True))
        return [], lambda _row, name: row.get(name, "")

    time_names = tuple(n for n in ("Year", "Year Code", "Month", "Month Code") if n in named)

    def period(*values: str) -> tuple[int, int, bool] | DataError:
        row, cell = as_row(time_names, values)
        try:
            year, month = _row_period(row, 0, cell, named, has_month, origin)
        except DataError as err:
            return err
        labels = f"{cell(row, 'Year')} {cell(row, 'Month')}".lower()
        return year, month, "(provisional" in labels

    def count(text: str) -> float | DataError:
        if text.lower() == "suppressed":
            return np.nan
        try:
            return parse_count(text, path=origin, row=0, column="Deaths")
        except DataError as err:
            return err

    place_names = (() if location_column is None else
                   tuple(n for n in (location_column, f"{location_column} Code") if n in named))

    def place(*values: str) -> str | DataError:
        row, cell = as_row(place_names, values)
        try:
            return _row_location(row, 0, cell, location_column, origin)
        except DataError as err:
            return err

    periods, period_of = _per_combo(table, positions(*time_names), keep, period)
    deaths, count_of = _per_combo(table, positions("Deaths"), keep, count)
    places, place_of = (_per_combo(table, positions(*place_names), keep, place)
                        if location_column is not None
                        else (np.array(["US"], dtype=object), np.zeros(len(keep), dtype=int)))

    def failed(results: np.ndarray, of: np.ndarray) -> np.ndarray:
        return np.array([isinstance(v, DataError) for v in results], dtype=bool)[of]

    checks = [(periods, period_of), (deaths, count_of), (places, place_of)]
    bad = [failed(results, of) for results, of in checks]
    if (bad[0] | bad[1] | bad[2]).any():
        pos = int(np.flatnonzero(bad[0] | bad[1] | bad[2])[0])
        err = next(results[of[pos]] for (results, of), b in zip(checks, bad, strict=True)
                   if b[pos])
        raise DataError(err.reason, path=origin, row=int(lines_out[pos]), column=err.column,
                        hint=err.hint)

    year = np.array([p[0] for p in periods], dtype=int)[period_of]
    month = np.array([p[1] for p in periods], dtype=int)[period_of]
    provisional = np.array([p[2] for p in periods], dtype=bool)[period_of]
    ym = year * 100 + month
    month_keys, month_codes = np.unique(ym, return_inverse=True)
    bounds = [schema.period_bounds(frequency, int(k) // 100, int(k) % 100) for k in month_keys]
    period_start = np.array([b[0] for b in bounds], dtype="datetime64[ns]")[month_codes]
    period_end = np.array([b[1] for b in bounds], dtype="datetime64[ns]")[month_codes]
    deaths = deaths.astype(float)[count_of]
    places = places[place_of]
    value = deaths.astype(float)
    censored = np.isnan(value)
    unreliable = np.zeros(len(keep), dtype=bool)
    for name in rate_columns:
        j = named[name]
        marked = np.array([v.lower() == "unreliable" for v in table.uniques[j]], dtype=bool)
        unreliable |= marked[table.codes[j][keep]]

    data = {
        "location": places,
        "indicator": row_indicators,
        "frequency": frequency,
        "period_start": period_start,
        "period_end": period_end,
        "estimate": "reported",
        "value": value,
        "unit": "deaths",
        "censored": censored,
        "censor_upper": np.where(censored, _CENSOR_UPPER, np.nan),
        "provisional": provisional,
        "flag": np.where(unreliable, "unreliable", "").astype(object),
    }
    for tidy, name in dimension_columns.items():
        data[tidy] = strings(name)
    columns = [*schema.COLUMNS, *dimension_columns]
    frame = pd.DataFrame(data, columns=columns)

    dataset = footer["dataset"] if footer else None
    described = CASE_DEFINITIONS[case] + (f", MCD {mcd_label}" if mcd_label else "")
    source = f"CDC WONDER {dataset or 'Multiple Cause of Death'} ({described})"
    frame["source"] = source
    frame["vintage"] = vintage

    key = [*schema.KEY, *dimension_columns]
    dup = frame.duplicated(subset=key, keep="first").to_numpy()
    if dup.any():
        pos = int(np.flatnonzero(dup)[0])
        first = int(np.flatnonzero((frame[key] == frame.loc[pos, key]).all(axis=1).to_numpy())[0])
        raise DataError(f"duplicate row: same grouping values as line {int(lines_out[first])}",
                        path=origin, row=int(lines_out[pos]),
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
    name = cell(row, column)
    location = us_code_from_fips(code) if code else None
    if location is not None and name:
        named_as = us_code_from_name(name)
        if named_as != location:
            raise DataError(f"state {name!r} and {column} Code {code!r} disagree: code {code!r} "
                            f"is {location}, the name is "
                            f"{named_as or 'not a known state name'}",
                            path=origin, row=line, column=f"{column} Code",
                            hint="correct the name or the code (a state's two-digit FIPS "
                                 "code, e.g. 39 for Ohio)")
    if location is None:
        location = us_code_from_name(name)
    if location is None:
        raise DataError(f"unknown state {cell(row, column)!r} (code {code!r}); expected a US "
                        "state name and its two-digit FIPS code", path=origin, row=line,
                        column=f"{column} Code" if code else column)
    return location
