"""The series a ``forecast`` or ``backtest`` runs on: a bundled dataset or the user's own file
(``--data``), narrowed to the indicators, locations, estimate and dates asked for, with New York
City added into New York State unless ``--keep-nyc``.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import pandas as pd

from odforecast.errors import DataError, ParameterError

__all__ = ["FORMATS", "detect_format", "read_data_file", "read_tidy", "series_frame"]

#: What ``--format`` accepts (``auto``: told from the file's first line).
FORMATS = ("auto", "vsrr", "wonder", "tidy")

_FILE_SUFFIXES = (".csv", ".txt", ".tsv", ".tab")


def _canonical(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.strip().strip('"').lower()).strip("_")


def _first_line(path: Path) -> str:
    if not path.is_file():
        where = "is a folder" if path.is_dir() else "does not exist"
        raise ParameterError(f"{path} {where}; give a CSV or WONDER export file",
                             parameter="--data")
    with path.open("r", encoding="utf-8-sig", errors="replace") as handle:
        for line in handle:
            if line.strip():
                return line.rstrip("\r\n")
    raise DataError("empty file; expected a VSRR CSV, a CDC WONDER export or a tidy CSV",
                    path=path, row=1)


def detect_format(path: str | Path) -> str:
    """``"vsrr"``, ``"wonder"`` or ``"tidy"``, told from the file's header line.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "v.csv").write_text("State,Year,Month,Period,Indicator,Data Value\\n")
    >>> detect_format(folder / "v.csv")
    'vsrr'
    >>> _ = (folder / "w.txt").write_text('"Notes"\\t"Year"\\t"Year Code"\\tDeaths\\n')
    >>> detect_format(folder / "w.txt")
    'wonder'
    """
    path = Path(path)
    header = _first_line(path)
    delimiter = "\t" if "\t" in header else ","
    columns = {_canonical(c) for c in header.split(delimiter)}
    if {"state", "indicator", "data_value"} <= columns:
        return "vsrr"
    if "deaths" in columns and ("notes" in columns or delimiter == "\t"
                                or columns & {"year", "year_code", "month_code"}):
        return "wonder"
    if {"location", "indicator", "period_end", "value"} <= columns:
        return "tidy"
    shown = header if len(header) <= 120 else header[:117] + "..."
    raise DataError(f"cannot tell the format from the header line {shown!r}: expected a "
                    "CDC VSRR CSV (State, Year, Month, Indicator, Data Value ...), a CDC WONDER "
                    "export (Notes, ..., Deaths) or a tidy CSV (location, indicator, "
                    "period_end, value ...)", path=path, row=1,
                    hint="give --format vsrr, wonder or tidy if it is one of them")


def read_tidy(path: str | Path) -> pd.DataFrame:
    """Read a CSV in the library's tidy schema (as ``odforecast data show NAME --format csv``
    writes), filling the optional columns (``estimate``, ``censored``, ``censor_upper``,
    ``provisional``, ``flag``) with their defaults and validating every row.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "mine.csv"
    >>> _ = path.write_text("location,indicator,frequency,period_start,period_end,value,unit,"
    ...                     "source,vintage\\nUS-OH,opioids,annual,2022-01-01,2022-12-31,4500,"
    ...                     "deaths,Ohio DoH,2023-06-01\\n")
    >>> frame = read_tidy(path)
    >>> frame.loc[0, "location"], frame.loc[0, "estimate"], float(frame.loc[0, "value"])
    ('US-OH', 'reported', 4500.0)
    """
    from odforecast.data.schema import COLUMNS, from_records

    path = Path(path)
    header = pd.read_csv(path, nrows=0).columns
    numbers = {"value", "censor_upper", "censored", "provisional", "period_start", "period_end"}
    dtypes = {c: "string" for c in header if c not in numbers}
    try:
        frame = pd.read_csv(path, dtype=dtypes, keep_default_na=False,
                            na_values={"value": [""], "censor_upper": [""]})
    except (ValueError, pd.errors.ParserError) as exc:
        raise DataError(f"not a readable CSV file ({str(exc).strip()})", path=path) from None
    for column in dtypes:
        frame[column] = frame[column].astype(object)
    for column in ("censored", "provisional"):
        if column in frame and frame[column].dtype != bool:
            truth = {"true": True, "false": False, "1": True, "0": False}
            frame[column] = [truth.get(str(v).strip().lower(), v) for v in frame[column]]
    extra = [c for c in frame.columns if c not in COLUMNS]
    return from_records(frame[[c for c in COLUMNS if c in frame] + extra], origin=str(path))


def read_data_file(path: str | Path, file_format: str = "auto", *,
                   indicators: list[str] | None = None, vintage: str | None = None
                   ) -> pd.DataFrame:
    """Read ``--data FILE`` with the library's reader for its format.

    A WONDER export whose indicator cannot be inferred (no footer, no MCD column) takes it from
    a single ``--indicator``.

    Examples
    --------
    >>> read_data_file("no/such/file.csv")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    odforecast.errors.ParameterError: parameter '--data': no/such/file.csv does not exist; ...
    """
    path = Path(path)
    chosen = detect_format(path) if file_format == "auto" else file_format
    if file_format != "auto":
        _first_line(path)  # a missing or empty file says so, whatever the format
    if chosen == "vsrr":
        from odforecast.data.vsrr import read_vsrr

        return read_vsrr(path, vintage=vintage)
    if chosen == "wonder":
        from odforecast.data.wonder import read_wonder

        try:
            return read_wonder(path, vintage=vintage)
        except DataError as err:
            if not err.reason.startswith("cannot infer the indicator"):
                raise
            if indicators and len(indicators) == 1:
                return read_wonder(path, vintage=vintage, indicator=indicators[0])
            raise DataError(err.reason, path=path, column=err.column,
                            hint="name the counts with one --indicator, e.g. --indicator "
                                 "heroin") from None
    if vintage is not None:
        raise ParameterError("applies to VSRR and WONDER files only (a tidy CSV has a vintage "
                             "column)", parameter="--vintage")
    return read_tidy(path)


def _load(args: argparse.Namespace) -> tuple[pd.DataFrame, str]:
    """The whole frame and its name for messages."""
    if args.data is not None:
        frame = read_data_file(args.data, args.format, indicators=args.indicator,
                               vintage=args.vintage)
        return frame, str(args.data)
    if args.format != "auto" or args.vintage is not None:
        flag = "--format" if args.format != "auto" else "--vintage"
        raise ParameterError("applies to --data FILE only (a bundled dataset has its own "
                             "format and vintage)", parameter=flag)
    from odforecast.data.bundled import list_datasets, load_dataset

    names = [args.dataset] if isinstance(args.dataset, str) else list(dict.fromkeys(
        args.dataset))
    for name in names:
        if Path(name).exists() or name.lower().endswith(_FILE_SUFFIXES):
            known = ", ".join(list_datasets()["name"])
            raise DataError(f"no bundled dataset named {name!r}; to read your own file use "
                            f"--data {name} (a VSRR or WONDER download or a tidy CSV); "
                            f"bundled datasets: {known}")
    frames = [load_dataset(name) for name in names]
    if len(frames) == 1:
        return frames[0], repr(names[0])
    return _combined(frames, names), " + ".join(map(repr, names))


def _combined(frames: list[pd.DataFrame], names: list[str]) -> pd.DataFrame:
    """Bundled datasets modelled together: one frequency, and no series in two of them."""
    from odforecast.data.schema import KEY

    kinds = {name: ", ".join(sorted(f["frequency"].unique())) for name, f in
             zip(names, frames, strict=True)}
    if len(set(kinds.values())) > 1:
        raise ParameterError("must name datasets of one frequency to model them together; "
                             + ", ".join(f"{name} is {kind}" for name, kind in kinds.items()),
                             parameter="--dataset")
    whole = pd.concat(frames, ignore_index=True)
    twice = whole.duplicated(list(KEY), keep=False)
    if twice.any():
        row = whole[twice].iloc[0]
        raise DataError(f"{row['location']} {row['indicator']} is in more than one of "
                        f"{', '.join(names)} (period ending {row['period_end'].date()})",
                        column="location", hint="name each series' dataset once")
    whole.attrs = {"datasets": [f.attrs.get("dataset") for f in frames]}
    return whole


def _pick(frame: pd.DataFrame, column: str, wanted: list[str] | None, name: str) -> list[str]:
    """The values of ``column`` asked for: all of them for ``all``, the only one when none was
    asked for and there is just one; an error naming the known values otherwise."""
    known = sorted(frame[column].unique())
    if not wanted:
        if len(known) == 1:
            return known
        raise ParameterError(f"{name} has several: {', '.join(known)}; choose with --{column} "
                             f"(repeatable{', or all' if column == 'location' else ''})",
                             parameter=f"--{column}")
    if column == "location" and wanted == ["all"]:
        return known
    unknown = [w for w in wanted if w not in known]
    if unknown:
        raise DataError(f"{name} has no {column} {unknown[0]!r}; it has: {', '.join(known)}",
                        column=column)
    return list(dict.fromkeys(wanted))


def _with_indicators(frame: pd.DataFrame, locations: list[str],
                     indicators: list[str]) -> tuple[list[str], list[str]]:
    """The locations that have every indicator, and the ones that do not."""
    have = frame.groupby("location")["indicator"].unique()
    complete = [loc for loc in locations if set(indicators) <= set(have[loc])]
    if not complete:
        raise DataError(f"no location has {' and '.join(indicators)}", column="indicator")
    return complete, [loc for loc in locations if loc not in complete]


def _check_pairs(frame: pd.DataFrame, locations: list[str], indicators: list[str],
                 name: str, *, bundled: bool) -> None:
    """Every location must have every indicator asked for; say so when the publisher withheld
    it (VSRR shows drug-specific counts only where enough death certificates name the drugs)."""
    have = frame.groupby("location")["indicator"].unique()
    for location in locations:
        missing = [i for i in indicators if i not in set(have[location])]
        if not missing:
            continue
        others = ", ".join(sorted(have[location]))
        cdc = frame.loc[frame["location"] == location, "source"].str.contains("CDC").any()
        # only a bundled dataset is known to hold every published series; a user's file may be
        # a filtered download, so there the withholding is a possibility, not a fact
        if cdc and bundled:
            why = (f"CDC withholds {missing[0]} for {location} (VSRR publishes drug-specific "
                   "counts only where enough death certificates name the drugs involved)")
        elif cdc:
            why = (f"the file has no {missing[0]} rows for {location} (CDC withholds "
                   "drug-specific counts where too few death certificates name the drugs; if "
                   "your download was filtered, include that indicator)")
        else:
            why = f"there are no {missing[0]} rows for {location}"
        raise DataError(f"{name} has no {missing[0]} series for {location}: {why}; "
                        f"{location} has only: {others}",
                        hint="choose one of those indicators, or drop this location")


def _bound(text: str | None, *, end: bool, flag: str) -> pd.Timestamp | None:
    if text is None:
        return None
    try:
        period = pd.Period(text.strip())
        if len(text.strip()) > 10:
            raise ValueError("too long")
    except (TypeError, ValueError):
        raise ParameterError(f"must be a date such as 2018, 2018-01 or 2018-01-31; got "
                             f"{text!r}", parameter=flag) from None
    stamp = period.end_time if end else period.start_time
    return stamp.normalize()


def _trim(frame: pd.DataFrame, start: str | None, end: str | None, name: str) -> pd.DataFrame:
    lo = _bound(start, end=False, flag="--start")
    hi = _bound(end, end=True, flag="--end")
    if lo is not None and hi is not None and hi < lo:
        raise ParameterError(f"must not be before --start {start}; got {end}",
                             parameter="--end")
    keep = pd.Series(True, index=frame.index)
    if lo is not None:
        keep &= frame["period_end"] >= lo
    if hi is not None:
        keep &= frame["period_end"] <= hi
    if not keep.any():
        first, last = frame["period_end"].min(), frame["period_end"].max()
        raise DataError(f"{name} has no periods ending between {start or 'the start'} and "
                        f"{end or 'the end'}; its periods end {first.date()} .. {last.date()}",
                        column="period_end", hint="widen --start/--end")
    return frame[keep]


def _merge_nyc(frame: pd.DataFrame, whole: pd.DataFrame, locations: list[str],
               keep_nyc: bool) -> tuple[pd.DataFrame, str | None]:
    """New York City added into New York State when both are there, with the note to print."""
    if keep_nyc or "US-NY" not in locations or "US-NYC" not in set(whole["location"]):
        return frame, None
    from odforecast.data.transform import merge_nyc

    city = whole[(whole["location"] == "US-NYC")
                 & whole["indicator"].isin(frame["indicator"].unique())
                 & (whole["estimate"].isin(frame["estimate"].unique()))
                 & whole["period_end"].isin(frame["period_end"].unique())]
    if city.empty:
        return frame, None
    others = frame[frame["location"] != "US-NYC"]
    merged = merge_nyc(pd.concat([others, city], ignore_index=True))
    note = ("New York City (US-NYC, reported apart) added into New York (US-NY), as Census "
            "populations and CDC WONDER count it; --keep-nyc keeps them apart")
    return merged, note


def series_frame(args: argparse.Namespace) -> pd.DataFrame:
    """The rows to model, per the command line; notes go to stderr.

    Examples
    --------
    >>> args = argparse.Namespace(data=None, dataset="us_annual", format="auto", vintage=None,
    ...     indicator=["heroin"], location=["US"], estimate="reported", start="2010",
    ...     end="2015-12", keep_nyc=False)
    >>> frame = series_frame(args)
    >>> len(frame), str(frame["period_end"].min().date()), str(frame["period_end"].max().date())
    (6, '2010-12-31', '2015-12-31')
    """
    whole, name = _load(args)
    estimate = whole[whole["estimate"] == args.estimate]
    if estimate.empty:
        have = ", ".join(sorted(whole["estimate"].unique()))
        raise DataError(f"{name} has no {args.estimate} values (it has: {have})",
                        column="estimate", hint=f"use --estimate {have.split(', ')[0]}")
    indicators = _pick(estimate, "indicator", args.indicator, name)
    locations = _pick(estimate, "location", args.location, name)
    if args.location == ["all"]:  # all = every location that has the indicators asked for
        locations, left_out = _with_indicators(estimate, locations, indicators)
        if left_out:
            print(f"odforecast: note: --location all: {len(left_out)} location"
                  f"{'s' if len(left_out) > 1 else ''} without {' and '.join(indicators)} "
                  f"left out ({', '.join(left_out)})", file=sys.stderr)
    _check_pairs(estimate, locations, indicators, name, bundled=args.data is None)
    frame = estimate[estimate["indicator"].isin(indicators)
                     & estimate["location"].isin(locations)]
    frame = _trim(frame, args.start, args.end, name)
    frame, note = _merge_nyc(frame, _trim(estimate, args.start, args.end, name), locations,
                             args.keep_nyc)
    if note:
        print(f"odforecast: note: {note}", file=sys.stderr)
    frame = frame.reset_index(drop=True)
    frame.attrs = dict(whole.attrs)
    return frame

