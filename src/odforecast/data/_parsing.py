"""Parsing helpers shared by the readers: CSV records with their file lines, numbers, and errors
located at the file line and source column.

Every reader reports a bad value as ``DataError(path=<file>, row=<1-based line>, column=<the
file's column name>)``; the helpers here keep the line of each record so that this holds after
parsing and after :func:`odforecast.data.schema.validate` (whose errors give frame positions).
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from os import PathLike
from pathlib import Path

import numpy as np
import pandas as pd

from odforecast.data import schema
from odforecast.errors import DataError

__all__ = [
    "MONTHS",
    "annual_frame",
    "check_duplicates",
    "check_vintage",
    "open_text",
    "parse_count",
    "parse_number",
    "parse_numbers",
    "raise_first",
    "read_records",
    "read_table",
    "require_columns",
    "validated",
    "warn_implausible",
]

PathArg = str | PathLike[str]

#: Month names and abbreviations -> month number (CBP uses ``OCT``, WONDER ``Jan.``).
MONTHS: dict[str, int] = {}
for _i, _name in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september",
     "october", "november", "december"], start=1):
    MONTHS[_name] = _i
    MONTHS[_name[:3]] = _i
MONTHS["sept"] = 9

_NUMBER = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d+)?$|^-?\d+(\.\d+)?([eE][-+]?\d+)?$")
#: Cells that ``float()`` reads exactly as :func:`parse_number` would (the vectorised path).
_FAST_NUMBER = r"\d+(?:\.\d+)?(?:[eE][-+]?\d+)?"


# --- Reading files -------------------------------------------------------------------------------

def open_text(path: str | PathLike[str], encoding: str = "utf-8") -> str:
    """Read a whole file as text, with a DataError (not a traceback) if it is missing or binary.

    Parameters
    ----------
    path
        The file.
    encoding
        Text encoding (``"utf-8-sig"`` drops a byte order mark).

    Returns
    -------
    str
        The file's text.

    Raises
    ------
    odforecast.DataError
        If the file does not exist or is not valid text in ``encoding``.
    """
    p = Path(path)
    if not p.is_file():
        raise DataError("file not found", path=p, hint="check the path")
    try:
        return p.read_text(encoding=encoding)
    except UnicodeDecodeError as exc:
        raise DataError(f"not a {encoding} text file ({exc.reason} at byte {exc.start})",
                        path=p) from None


def read_records(path: PathArg, *, skip_blank: bool = True) -> tuple[list[list[str]], list[int]]:
    """Read a CSV file into records, each with the file line it starts on.

    The file is decoded as UTF-8, or as Latin-1 if it is not valid UTF-8; a byte order mark is
    dropped.  A quoted field may span lines, so a record's line is where it *starts*.

    Parameters
    ----------
    path
        The CSV file.
    skip_blank
        Leave out records whose cells are all empty or white space (blank lines, ``,,,``).
        Pass False to keep them, e.g. where a blank line ends a table.

    Returns
    -------
    records : list of list of str
        The records, cells as in the file (not stripped).
    lines : list of int
        The 1-based line on which each record starts (the first line is line 1).

    Raises
    ------
    odforecast.DataError
        If the file is missing, is not text, is not valid CSV (``row`` is the line where the
        parser stopped), or has no non-blank record ("empty file").
    """
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
            if not skip_blank or any(cell.strip() for cell in record):
                records.append(record)
                lines.append(start)
    except csv.Error as exc:
        raise DataError(f"malformed CSV ({exc})", path=path, row=reader.line_num) from None
    if not any(any(cell.strip() for cell in record) for record in records):
        raise DataError("empty file", path=path)
    return records, lines


def read_table(path: PathArg) -> tuple[list[str], pd.DataFrame, np.ndarray]:
    """Read a CSV file with a header line into a frame of strings, keeping each row's line.

    Blank lines are skipped (see :func:`read_records`); the first non-blank record is the
    header and every other record must have as many fields.

    Parameters
    ----------
    path
        The CSV file.

    Returns
    -------
    header : list of str
        The column names, stripped of surrounding white space.
    table : pandas.DataFrame
        One row per data record, object columns holding the cells verbatim (not stripped).
    lines : numpy.ndarray
        The 1-based file line of each row of ``table`` (int).

    Raises
    ------
    odforecast.DataError
        As :func:`read_records`, and for a record whose number of fields differs from the
        header's (``row`` = its line).
    """
    records, lines = read_records(path)
    header = [h.strip() for h in records[0]]
    for record, line in zip(records[1:], lines[1:], strict=True):
        if len(record) != len(header):
            raise DataError(f"expected {len(header)} fields like the header, got {len(record)}",
                            path=path, row=line)
    table = pd.DataFrame(records[1:], columns=header, dtype=object)
    return header, table, np.asarray(lines[1:], dtype=int)


def require_columns(found: list[str], required: list[str], *, path: str | PathLike[str],
                    what: str, row: int = 1) -> None:
    """Raise a DataError naming the first required column missing from a header.

    Parameters
    ----------
    found
        The header of the file.
    required
        The columns the reader needs.
    path
        The file, named in the error.
    what
        What kind of file this should be ("CBP Nationwide Drug Seizures file"), for the message.
    row
        Line of the header.

    Raises
    ------
    odforecast.DataError
        With ``column`` the first missing column and a message listing both headers.
    """
    missing = [c for c in required if c not in found]
    if missing:
        raise DataError(
            f"missing column {missing[0]!r}; a {what} has columns {', '.join(required)}; "
            f"this file has {', '.join(map(repr, found))}",
            path=path, row=row, column=missing[0],
            hint="was the file edited or exported with different options?",
        )


# --- Numbers and checks, located at the file line ------------------------------------------------

def parse_number(text: object, *, path: str | PathLike[str] | None, row: int | None,
                 column: str, allow_negative: bool = False) -> float:
    """Parse a published number (``1234``, ``"1,234"``, ``12.5``) or raise a located DataError.

    Parameters
    ----------
    text
        The cell (surrounding white space is ignored), or a number.
    path, row, column
        Where the cell is (file, 1-based line, source column), named in the error.
    allow_negative
        Accept negative numbers.

    Returns
    -------
    float
        The value.

    Raises
    ------
    odforecast.DataError
        If ``text`` is not a number, is not finite, or is negative (unless allowed).
    """
    if isinstance(text, int | float) and not isinstance(text, bool):
        value = float(text)
    else:
        s = str(text).strip()
        if not _NUMBER.match(s):
            raise DataError(f"expected a number, got {s!r}", path=path, row=row, column=column)
        value = float(s.replace(",", ""))
    if not math.isfinite(value):
        raise DataError(f"expected a finite number, got {text!r}", path=path, row=row,
                        column=column)
    if value < 0 and not allow_negative:
        raise DataError(f"expected a non-negative number, got {text!r}", path=path, row=row,
                        column=column)
    return value


def parse_count(text: object, *, path: str | PathLike[str] | None, row: int | None,
                column: str) -> float:
    """Parse a non-negative whole count, rejecting fractions and negatives.

    Parameters
    ----------
    text
        The cell (``"16,849"`` is fine), or a number.
    path, row, column
        Where the cell is (file, 1-based line, source column), named in the error.

    Returns
    -------
    float
        The count.

    Raises
    ------
    odforecast.DataError
        As :func:`parse_number`, and for a fraction ("expected a whole count").
    """
    value = parse_number(text, path=path, row=row, column=column)
    if value != int(value):
        raise DataError(f"expected a whole count, got {text!r}", path=path, row=row,
                        column=column)
    return value


def parse_numbers(raw: pd.Series, lines: np.ndarray, path: PathArg, column: str, *,
                  whole: bool) -> np.ndarray:
    """Parse a column of published numbers at once, locating the first bad cell.

    Plain numbers (``12``, ``0.5``, ``1e3``) are converted in one vectorised step; any other cell
    (``"1,234"``, a fraction where a count is expected, text) goes through :func:`parse_count` or
    :func:`parse_number`, which accept it or raise.

    Parameters
    ----------
    raw
        The cells (strings), in file order.
    lines
        The 1-based file line of each cell.
    path
        File being read, named in the error.
    column
        Source column name, named in the error.
    whole
        True for non-negative whole counts, False for non-negative numbers.

    Returns
    -------
    numpy.ndarray
        The values (float).

    Raises
    ------
    odforecast.DataError
        At the first cell (in file order) that is not a non-negative finite number (whole if
        ``whole``), with ``row`` its line and ``column`` the source column.
    """
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


def check_vintage(vintage: str, path: PathArg | None) -> str:
    """Check that a ``vintage`` argument is an ISO date.

    Parameters
    ----------
    vintage
        The release date given by the caller, e.g. ``"2025-07-16"``.
    path
        File being read, named in the error.

    Returns
    -------
    str
        ``vintage`` unchanged.

    Raises
    ------
    odforecast.DataError
        If ``vintage`` is not a real date written ``YYYY-MM-DD``.
    """
    try:
        ok = bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", vintage)) and bool(
            date.fromisoformat(vintage))
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise DataError(f"vintage must be an ISO date such as '2025-07-16', got {vintage!r}",
                        path=path)
    return vintage


def raise_first(mask: pd.Series | np.ndarray, lines: np.ndarray, path: PathArg, column: str,
                describe: Callable[[int], str]) -> None:
    """Raise a DataError at the first row flagged by ``mask``, if any.

    Parameters
    ----------
    mask
        True for each bad row (in file order).
    lines
        The 1-based file line of each row.
    path
        File being read, named in the error.
    column
        Source column of the bad cell.
    describe
        Function of the row position returning the message (called only for the bad row).

    Raises
    ------
    odforecast.DataError
        With ``row`` the line of the first bad row and ``column`` the source column.
    """
    mask = np.asarray(mask, dtype=bool)
    if mask.any():
        i = int(np.flatnonzero(mask)[0])
        raise DataError(describe(i), path=path, row=int(lines[i]), column=column)


def check_duplicates(frame: pd.DataFrame, key: list[str], lines: np.ndarray,
                     path: PathArg | np.ndarray) -> None:
    """Raise a DataError at the first row whose ``key`` values repeat an earlier row's.

    Parameters
    ----------
    frame
        The rows, in file order.
    key
        Columns that must identify a row.
    lines
        The 1-based file line of each row.
    path
        File being read; or, for rows from several files, an array with each row's file, and
        the message then names the file of the earlier row too.

    Raises
    ------
    odforecast.DataError
        "duplicate row (k=v, ...); same key as line N" (or "as <file> line N"), with ``row``
        the line of the repeat and no column.
    """
    later = frame.duplicated(subset=key, keep="first").to_numpy()
    if later.any():
        i = int(np.flatnonzero(later)[0])
        same = (frame[key] == frame.loc[i, key]).all(axis=1).to_numpy()
        j = int(np.flatnonzero(same)[0])
        described = ", ".join(f"{k}={frame.loc[i, k]}" for k in key)
        first = (f"{path[j]} line {int(lines[j])}" if isinstance(path, np.ndarray)
                 else f"line {int(lines[j])}")
        raise DataError(f"duplicate row ({described}); same key as {first}",
                        path=_path_at(path, i), row=int(lines[i]))


# --- Building and validating the tidy frame ------------------------------------------------------

def annual_frame(rows: list[dict[str, object]], **columns: object) -> pd.DataFrame:
    """Build the tidy frame of a table of published annual values (not yet validated).

    Every row is a reported, uncensored, final value for one calendar year.

    Parameters
    ----------
    rows
        One dict per value, with ``year`` (int) and ``value``, plus the columns that vary from
        row to row (``location``, ``indicator``, dimensions such as ``sex``), keyed in the same
        order on every row.
    **columns
        Columns with one value for all rows: ``unit``, ``source`` and ``vintage``, and
        ``location`` or ``indicator`` where they do not vary.

    Returns
    -------
    pandas.DataFrame
        The columns of :data:`odforecast.data.schema.COLUMNS` (frequency ``annual``, periods
        January 1 to December 31, estimate ``reported``, ``censored`` and ``provisional``
        False, no flag), then the dimensions in the order of the rows' keys.
    """
    table = pd.DataFrame(rows)
    start = pd.to_datetime(pd.DataFrame({"year": table["year"].to_numpy(dtype=int), "month": 1,
                                         "day": 1}))
    data = {
        **{c: table[c].astype(object) for c in table.columns if c not in ("year", "value")},
        **columns,
        "frequency": "annual", "period_start": start,
        "period_end": start + pd.offsets.YearEnd(0), "estimate": "reported",
        "value": table["value"].astype(float), "censored": False, "censor_upper": np.nan,
        "provisional": False, "flag": "",
    }
    order = [*schema.COLUMNS, *(c for c in data if c not in schema.COLUMNS)]
    return pd.DataFrame({c: data[c] for c in order})


def validated(frame: pd.DataFrame, lines: np.ndarray | Sequence[int] | Callable[[int], int],
              path: PathArg | np.ndarray, *, origin: str | None = None,
              columns: Mapping[str, str] | Callable[[str | None, int], str | None] | None = None,
              ) -> pd.DataFrame:
    """Validate a reader's frame against the tidy schema, locating errors in the source file.

    :func:`odforecast.data.schema.validate` reports a bad row by its 0-based position in the
    frame and a bad column by its tidy name; this re-raises such an error with the file line of
    that row and, where given, the file's own column name.

    Parameters
    ----------
    frame
        The tidy frame built from the file.
    lines
        The 1-based file line of each frame row: a sequence, or a function of the position.
    path
        File named in a re-raised error; or an array with the file of each frame row (a frame
        built from several files).
    origin
        ``origin`` passed to ``schema.validate``, naming the file in errors that have no row
        (default: ``str(path)``).
    columns
        Tidy column -> source column, as a mapping or a function of (tidy column, position);
        columns it does not map keep their tidy name.

    Returns
    -------
    pandas.DataFrame
        The validated frame.

    Raises
    ------
    odforecast.DataError
        The schema's error, with ``row`` and ``column`` translated when it has a row.
    """
    try:
        out = schema.validate(frame, origin=str(path) if origin is None else origin)
    except DataError as err:
        if err.row is None:
            raise
        pos = err.row
        row = lines(pos) if callable(lines) else int(lines[pos])
        if callable(columns):
            column = columns(err.column, pos)
        elif columns is not None:
            column = columns.get(err.column or "", err.column)
        else:
            column = err.column
        raise DataError(err.reason, path=_path_at(path, pos), row=row, column=column,
                        hint=err.hint) from None
    warn_implausible(out, lines, path, columns=columns)
    return out


def warn_implausible(frame: pd.DataFrame,
                     lines: np.ndarray | Sequence[int] | Callable[[int], int],
                     path: PathArg | np.ndarray, *,
                     columns: Mapping[str, str] | Callable[[str | None, int], str | None]
                     | None = None, shown: int = 5) -> None:
    """Warn about values far outside their series' range (see :func:`schema.implausible`).

    Nothing is dropped or changed; the warning names the file, line, source column, location,
    indicator, period and value of each (the first ``shown`` of them) and says what to do.

    Parameters
    ----------
    frame
        The validated tidy frame read from the file.
    lines, path, columns
        As for :func:`validated`: each row's file line, the file (or each row's file) and the
        source column of ``value``.
    shown
        How many values the warning lists.

    Warns
    -----
    odforecast.OdforecastWarning
        If any value is implausible.
    """
    from odforecast._warnings import warn

    found = schema.implausible(frame)
    if found.empty:
        return
    described = []
    for pos, value, reference in found[["position", "value", "reference"]].head(shown).itertuples(
            index=False):
        pos = int(pos)
        row = frame.iloc[pos]
        line = lines(pos) if callable(lines) else int(lines[pos])
        column = (columns("value", pos) if callable(columns)
                  else (columns or {}).get("value", "value"))
        period = (f"{row['period_start']:%Y-%m-%d} to {row['period_end']:%Y-%m-%d}")
        described.append(
            f"{_path_at(path, pos)}, row {line}, column {column!r}: {row['location']} "
            f"{row['indicator']} ({row['estimate']}), {period}: {value:,.0f} {row['unit']} is "
            f"{value / max(reference, 1.0):,.0f} times the median of its neighbouring periods "
            f"({reference:,.0f})")
    if len(found) > shown:
        described.append(f"and {len(found) - shown} more")
    warn(
        f"{len(found)} implausible value{'s' if len(found) > 1 else ''}: "
        + "; ".join(described)
        + ". Check them against the publisher's data: a typo such as 4,123,000 for 4,123 "
          "looks like this. The values are kept as read; correct the file if they are wrong.")


def _path_at(path: PathArg | np.ndarray, pos: int) -> PathArg:
    """The file of frame row ``pos``: ``path`` itself, or its element for per-row files."""
    return path[pos] if isinstance(path, np.ndarray) else path
