"""Reader for CDC NCHS VSRR "Provisional Drug Overdose Death Counts" (data.cdc.gov ``xkb8-kh2a``).

The file has one row per jurisdiction x year x month x indicator; every value is a rolling
12-month-ending count (``frequency = "12m_ending"``).  :func:`read_vsrr` turns it into the tidy
schema of :mod:`odforecast.data.schema`, one tidy row per published number.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from os import PathLike
from pathlib import Path

import numpy as np
import pandas as pd

from odforecast.data import schema
from odforecast.data._parsing import MONTHS, open_text, parse_number, validated
from odforecast.data.locations import us_code_from_abbrev
from odforecast.errors import DataError

__all__ = ["INDICATOR_LABELS", "SOURCE", "UNPREDICTED", "read_vsrr"]

#: Value of the ``source`` column.
SOURCE = "CDC NCHS VSRR Provisional Drug Overdose Death Counts (data.cdc.gov xkb8-kh2a)"

#: VSRR ``Indicator`` label -> schema indicator name.
INDICATOR_LABELS: dict[str, str] = {
    "Number of Drug Overdose Deaths": "all_drugs",
    "Opioids (T40.0-T40.4,T40.6)": "opioids",
    "Synthetic opioids, excl. methadone (T40.4)": "synthetic_opioids",
    "Heroin (T40.1)": "heroin",
    "Natural & semi-synthetic opioids (T40.2)": "natural_semisynthetic",
    "Methadone (T40.3)": "methadone",
    "Cocaine (T40.5)": "cocaine",
    "Psychostimulants with abuse potential (T43.6)": "psychostimulants",
    "Natural & semi-synthetic opioids, incl. methadone (T40.2, T40.3)":
        "natural_semisynthetic_methadone",
    "Natural, semi-synthetic, & synthetic opioids, incl. methadone (T40.2-T40.4)":
        "natural_semisynthetic_synthetic_methadone",
    "Number of Deaths": "all_cause_deaths",
    "Percent with drugs specified": "percent_drugs_specified",
}

#: Indicators for which CDC publishes no ``Predicted Value`` (the column is blank on every row).
UNPREDICTED = frozenset({"all_cause_deaths", "percent_drugs_specified"})

# canonical (SODA) field name -> column title of the data.cdc.gov CSV export
_TITLES: dict[str, str] = {
    "state": "State",
    "year": "Year",
    "month": "Month",
    "period": "Period",
    "indicator": "Indicator",
    "data_value": "Data Value",
    "percent_complete": "Percent Complete",
    "percent_pending_investigation": "Percent Pending Investigation",
    "state_name": "State Name",
    "footnote": "Footnote",
    "footnote_symbol": "Footnote Symbol",
    "predicted_value": "Predicted Value",
}
_REQUIRED = ("state", "year", "month", "period", "indicator", "data_value")

_NUMBER = r"-?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?|-?[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?"
_SINGLE_STAR = r"(?<!\*)\*(?!\*)"
_DATE_IN_NAME = re.compile(r"(?<!\d)(\d{4}-\d{2}-\d{2})(?!\d)")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CENSOR_UPPER = 9.0


def _canonical(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")


def _norm_label(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip())


_LABELS = {_norm_label(k): v for k, v in INDICATOR_LABELS.items()}


class _Lines:
    """Map 0-based data-row positions to 1-based file lines (header = line 1), lazily.

    The fast path assumes one record per line; the exact map (needed only when a quoted field
    spans lines) is built with the csv module on first use in an error path.
    """

    def __init__(self, text: str, n_rows: int) -> None:
        self._text = text
        self._n = n_rows
        self._starts: list[int] | None = None

    def __call__(self, pos: int) -> int:
        if self._starts is None:
            starts: list[int] = []
            reader = csv.reader(io.StringIO(self._text))
            previous = 0
            for _record in reader:
                starts.append(previous + 1)
                previous = reader.line_num
            self._starts = starts[1:]  # drop the header
        if 0 <= pos < len(self._starts):
            return self._starts[pos]
        return pos + 2


def _check_iso_date(vintage: str, path: str) -> str:
    try:
        ok = (isinstance(vintage, str) and bool(_ISO_DATE.match(vintage))
              and pd.Timestamp(vintage).strftime("%Y-%m-%d") == vintage)
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise DataError(f"vintage must be an ISO date 'YYYY-MM-DD', got {vintage!r}", path=path,
                        hint="pass e.g. vintage='2025-07-16' (the release date)")
    return vintage


def _vintage_from_name(path: Path) -> str | None:
    for match in _DATE_IN_NAME.finditer(path.name):
        try:
            date = pd.Timestamp(match.group(1))
        except ValueError:
            continue
        if date.strftime("%Y-%m-%d") == match.group(1):
            return match.group(1)
    return None


def read_vsrr(path: str | PathLike[str], *, vintage: str | None = None) -> pd.DataFrame:
    """Read a VSRR "Provisional Drug Overdose Death Counts" CSV into the tidy schema.

    Accepts the data.cdc.gov CSV export (column titles ``State``, ``Year``, ``Month``,
    ``Period``, ``Indicator``, ``Data Value``, ..., ``Predicted Value``), the SODA API CSV
    (field names ``state``, ``year``, ..., ``predicted_value``, every field possibly quoted and
    columns that are empty on the whole page left out) and older extracts without the footnote
    columns.  Row order does not matter.

    Parameters
    ----------
    path
        The CSV file.
    vintage
        ISO date of the release (``"2025-07-16"``).  If None, the first ``YYYY-MM-DD`` in the
        file name is used; failing that, the last day of the latest 12-month-ending period in
        the file (a lower bound of the release date, e.g. ``"2023-11-30"`` for a file ending
        with November 2023).

    Returns
    -------
    pandas.DataFrame
        A frame validated by :func:`odforecast.data.schema.validate`, with
        ``frequency = "12m_ending"`` and, per source row, an ``estimate = "reported"`` row
        (``Data Value``) followed by an ``estimate = "predicted"`` row (``Predicted Value``)
        when the file has a predicted column.  VSRR publishes no predicted value for
        ``Number of Deaths`` and ``Percent with drugs specified``; those source rows give a
        reported row only (unless a predicted value is actually present).

        Locations: ``US`` -> ``US``, ``YC`` (New York City) -> ``US-NYC``, ``PR`` -> ``US-PR``,
        states -> ``US-XX`` (``US-NY`` excludes New York City).

        Markers, read from ``Footnote`` and ``Footnote Symbol``:

        * ``*`` / "Underreported due to incomplete data": ``provisional = True`` and flag
          ``underreported`` on both estimates;
        * "Data suppressed (<10)" with a blank value: ``censored = True``, value NaN,
          ``censor_upper = 9`` (a predicted value present on a suppressed row is kept as is);
        * "Data not shown due to low data quality" with a blank value: value NaN, flag
          ``not_shown``.

        ``Percent Complete``, ``Percent Pending Investigation``, ``State Name`` and the footnote
        texts are quality metadata, not values: they are dropped (the schema would treat any
        extra column as a key dimension).

    Raises
    ------
    odforecast.DataError
        With ``row`` = 1-based file line (header = line 1) and ``column`` = the file's column
        name, for: a missing or renamed column, a non-numeric or negative value, a blank value
        no footnote explains (files without a footnote column explain none), an unknown month
        name, a year outside 1900-2100, a period other than "12 month-ending", an unknown
        indicator label or state code, a duplicated state x month x indicator row, or a file
        with a header but no data rows.

    Examples
    --------
    >>> frame = read_vsrr("vsrr_provisional_drug_overdose_death_counts_2025-07-16.csv")
    ... # doctest: +SKIP
    >>> us = frame.query("location == 'US' and indicator == 'all_drugs'")  # doctest: +SKIP
    >>> us.loc[us.period_end == "2022-12-31", ["estimate", "value"]].to_numpy().tolist()
    ... # doctest: +SKIP
    [['reported', 109413.0], ['predicted', 110942.0]]
    """
    path = Path(path)
    origin = str(path)
    if vintage is not None:
        vintage = _check_iso_date(vintage, origin)
    text = open_text(path, encoding="utf-8-sig")
    if not text.strip():
        raise DataError("empty file; expected a VSRR CSV with a header line", path=origin, row=1)
    head = list(itertools.islice(csv.reader(io.StringIO(text)), 2))
    if len(head) == 2 and head[1] and len(head[1]) != len(head[0]):
        raise DataError(f"expected {len(head[0])} fields as in the header, got {len(head[1])}",
                        path=origin, row=2)
    try:
        raw = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False,
                          skip_blank_lines=False, index_col=False)
    except (pd.errors.ParserError, csv.Error) as exc:
        ragged = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
        if ragged:
            raise DataError(f"expected {ragged.group(1)} fields as in the header, got "
                            f"{ragged.group(3)}", path=origin, row=int(ragged.group(2))) from None
        raise DataError(f"not a readable CSV file ({str(exc).strip()})", path=origin,
                        hint="expected the VSRR CSV export or the SODA API CSV") from None

    # -- header ---------------------------------------------------------------------------
    names: dict[str, str] = {}  # canonical -> name in this file
    for column in raw.columns:
        key = _canonical(str(column))
        if key in _TITLES:
            if key in names:
                raise DataError(f"column {column!r} appears twice (also as {names[key]!r})",
                                path=origin, row=1, column=str(column))
            names[key] = str(column)
    for key in _REQUIRED:
        if key not in names:
            found = ", ".join(repr(str(c)) for c in raw.columns)
            raise DataError(
                f"missing column {_TITLES[key]!r} (SODA name {key!r}); a VSRR file has "
                f"{', '.join(_TITLES[k] for k in _REQUIRED)} and optionally Predicted Value, "
                f"Footnote, Footnote Symbol; this file has {found}",
                path=origin, row=1, column=_TITLES[key],
                hint="was the file edited or exported with different options?")

    def col(key: str) -> str:
        return names.get(key, _TITLES[key])

    # drop trailing blank lines; any other blank line is an error below
    blank_row = (raw.fillna("") == "").all(axis=1).to_numpy()
    n = len(raw)
    while n and blank_row[n - 1]:
        n -= 1
    raw = raw.iloc[:n].reset_index(drop=True)
    if n == 0:
        raise DataError("no data rows: the file has a header but no data", path=origin, row=1,
                        hint="download the file again, or check that the export is complete")
    lines = _Lines(text, n)

    def fail(mask: np.ndarray | pd.Series, key: str | None, message: str,
             hint: str | None = None) -> None:
        mask = np.asarray(mask, dtype=bool)
        if mask.any():
            pos = int(np.flatnonzero(mask)[0])
            value = None if key is None else raw[col(key)].iloc[pos]
            raise DataError(message.format(value=value), path=origin, row=lines(pos),
                            column=None if key is None else col(key), hint=hint)

    fail(blank_row[:n], None, "blank line inside the data")

    def field(key: str, func=None) -> np.ndarray:
        """Per-row result of ``func(stripped text)``, computed once per distinct value."""
        def apply(v: object) -> object:
            text_value = str(v).strip()
            return text_value if func is None else func(text_value)

        if key not in names:
            return np.full(n, apply(""), dtype=object)
        return _per_unique(raw[names[key]], apply)

    # -- keys -----------------------------------------------------------------------------
    location = field("state", us_code_from_abbrev)
    fail(pd.isna(location), "state",
         "unknown jurisdiction code {value!r}; expected a state or territory postal "
         "abbreviation, 'US' or 'YC' (New York City)")

    year = field("year", _parse_year).astype(float)
    fail(np.isnan(year), "year", "expected a 4-digit year between 1900 and 2100, got {value!r}")

    month = field("month", _parse_month).astype(float)
    fail(np.isnan(month), "month", "unknown month {value!r}; expected a month name such as "
                                   "'January' (or a number 1-12)")

    period_ok = field("period", lambda v: re.sub(r"[\s_-]+", " ", v.lower()) == "12 month ending")
    fail(~period_ok.astype(bool), "period",
         "expected '12 month-ending', got {value!r} (only 12-month-ending counts are published)")

    indicator = field("indicator", lambda v: _LABELS.get(_norm_label(v)))
    fail(pd.isna(indicator), "indicator",
         "unknown indicator label {value!r}; expected one of: " + "; ".join(INDICATOR_LABELS))

    ym = year.astype(int) * 100 + month.astype(int)
    bounds = {int(k): schema.period_bounds("12m_ending", int(k) // 100, int(k) % 100)
              for k in np.unique(ym)}
    codes, uniques = pd.factorize(ym)
    period_start = pd.Series(np.array([bounds[int(k)][0] for k in uniques],
                                      dtype="datetime64[ns]")[codes])
    period_end = pd.Series(np.array([bounds[int(k)][1] for k in uniques],
                                    dtype="datetime64[ns]")[codes])

    keys = pd.DataFrame({"l": location, "i": indicator, "p": ym})
    dup = keys.duplicated(keep="first").to_numpy()
    if dup.any():
        pos = int(np.flatnonzero(dup)[0])
        first = int(np.flatnonzero((keys == keys.iloc[pos]).all(axis=1).to_numpy())[0])
        described = ", ".join(f"{col(k)}={raw[col(k)].iloc[pos]!r}"
                              for k in ("state", "year", "month", "indicator"))
        raise DataError(f"duplicate row ({described}): the same key is on line {lines(first)}",
                        path=origin, row=lines(pos), column=None,
                        hint="each state x year x month x indicator must appear once")

    # -- markers --------------------------------------------------------------------------
    has_notes = "footnote" in names or "footnote_symbol" in names
    suppressed = field("footnote", lambda v: "suppressed" in v.lower()).astype(bool)
    not_shown = field("footnote", lambda v: "not shown" in v.lower()).astype(bool)
    underreported = (field("footnote", lambda v: "underreported" in v.lower()).astype(bool)
                     | field("footnote_symbol",
                             lambda v: re.search(_SINGLE_STAR, v) is not None).astype(bool))

    # -- values ---------------------------------------------------------------------------
    def numbers(key: str) -> tuple[np.ndarray, np.ndarray]:
        blank = field(key, lambda v: v == "").astype(bool)
        values = field(key, _parse_value)
        bad = ~blank & pd.isna(values)
        if bad.any():
            pos = int(np.flatnonzero(bad)[0])
            text_value = str(raw[col(key)].iloc[pos])
            parse_number(text_value, path=origin, row=lines(pos), column=col(key))
            raise DataError(f"expected a number, got {text_value.strip()!r}", path=origin,
                            row=lines(pos), column=col(key))
        values = values.astype(float)
        fail(values < 0, key, "expected a non-negative count, got {value!r}")
        return values, blank

    unit = pd.Series(indicator).map(lambda name: schema.INDICATORS[name].unit).to_numpy()
    if vintage is None:
        vintage = _vintage_from_name(path)
    if vintage is None:
        vintage = str(period_end.max().date())

    def explain_blank(blank: np.ndarray, key: str, skip: np.ndarray) -> None:
        unexplained = blank & ~suppressed & ~not_shown & ~skip
        if has_notes:
            message = ("blank value without a 'Data suppressed (<10)' or 'Data not shown due "
                       "to low data quality' footnote; expected a number")
        else:
            message = ("blank value, and the file has no Footnote column to explain it; "
                       "expected a number")
        fail(unexplained, key, message)

    parts = []
    order = np.arange(n)
    reported, blank_rep = numbers("data_value")
    explain_blank(blank_rep, "data_value", np.zeros(n, dtype=bool))
    parts.append(_part("reported", reported, blank_rep, np.ones(n, dtype=bool), suppressed,
                       not_shown, underreported, order))
    if "predicted_value" in names:
        predicted, blank_pred = numbers("predicted_value")
        unpredicted = pd.Series(indicator).isin(UNPREDICTED).to_numpy()
        explain_blank(blank_pred, "predicted_value", unpredicted)
        keep = ~(unpredicted & blank_pred)
        parts.append(_part("predicted", predicted, blank_pred, keep, suppressed, not_shown,
                           underreported, order))

    common = pd.DataFrame({
        "location": location,
        "indicator": indicator,
        "frequency": "12m_ending",
        "period_start": period_start,
        "period_end": period_end,
        "unit": unit,
        "source": SOURCE,
        "vintage": vintage,
    })
    stacked = pd.concat(parts, ignore_index=True).sort_values(["_pos", "_rank"], kind="stable")
    positions = stacked["_pos"].to_numpy()
    frame = common.iloc[positions].reset_index(drop=True)
    for column in ("estimate", "value", "censored", "censor_upper", "provisional", "flag"):
        frame[column] = stacked[column].to_numpy()

    def source_column(column: str | None, pos: int) -> str | None:
        return {
            "location": col("state"), "indicator": col("indicator"), "unit": col("indicator"),
            "period_start": col("month"), "period_end": col("month"),
            "value": col("data_value" if frame["estimate"].iloc[pos] == "reported"
                         else "predicted_value"),
        }.get(column or "", column)

    return validated(frame, lambda pos: lines(int(positions[pos])), origin,
                     columns=source_column)


def _per_unique(series: pd.Series, func) -> np.ndarray:
    """Apply ``func`` once per distinct value of ``series``; return the per-row results."""
    codes, uniques = pd.factorize(series.fillna(""), use_na_sentinel=False)
    results = np.empty(len(uniques), dtype=object)
    for i, unique in enumerate(uniques):
        results[i] = func(unique)
    return results[codes]


def _parse_year(text: str) -> float | None:
    if re.fullmatch(r"[0-9]{4}", text) and 1900 <= int(text) <= 2100:
        return float(text)
    return None


def _parse_month(text: str) -> float | None:
    key = text.lower().rstrip(".")
    if key in MONTHS:
        return float(MONTHS[key])
    if key.isascii() and key.isdigit() and 1 <= int(key) <= 12:
        return float(key)
    return None


def _parse_value(text: str) -> float | None:
    if text == "" or not re.fullmatch(_NUMBER, text):
        return None
    return float(text.replace(",", ""))


def _part(estimate: str, values: np.ndarray, blank: np.ndarray, keep: np.ndarray,
          suppressed: np.ndarray, not_shown: np.ndarray, underreported: np.ndarray,
          order: np.ndarray) -> pd.DataFrame:
    censored = blank & suppressed
    hidden = blank & not_shown & ~censored
    flag = np.where(underreported & hidden, "underreported;not_shown",
                    np.where(underreported, "underreported",
                             np.where(hidden, "not_shown", "")))
    part = pd.DataFrame({
        "_pos": order,
        "_rank": 0 if estimate == "reported" else 1,
        "estimate": estimate,
        "value": np.where(blank, np.nan, values),
        "censored": censored,
        "censor_upper": np.where(censored, _CENSOR_UPPER, np.nan),
        "provisional": underreported,
        "flag": flag.astype(object),
    })
    return part[keep]
