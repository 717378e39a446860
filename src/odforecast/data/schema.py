"""The one tidy schema every odforecast data frame follows, and its validation.

One row is one value of one indicator, for one location, over one period.  Columns
(:data:`COLUMNS`, in this order):

============== ============ ================================================================
column         dtype        meaning
============== ============ ================================================================
location       str          ``US``, ``CA`` (ISO 3166-1) or ``US-OH``, ``CA-BC`` (ISO 3166-2)
indicator      str          a name from :data:`INDICATORS` (``opioids``, ``synthetic_opioids``)
frequency      str          ``annual``, ``semiannual``, ``quarterly``, ``monthly`` or
                            ``12m_ending`` (CDC's rolling 12-month-ending counts)
period_start   datetime64   first day covered by the value
period_end     datetime64   last day covered by the value
estimate       str          ``reported`` (as published) or ``predicted`` (CDC's
                            reporting-delay-adjusted value)
value          float64      the number; NaN only when ``censored`` or flagged ``not_shown``
unit           str          ``deaths``, ``percent``, ``lbs``, ``events``, ``reports``, ``persons``
censored       bool         suppressed small count: the true value is an integer in
                            ``[0, censor_upper]`` (never 0 by assumption)
censor_upper   float64      inclusive upper bound of a censored value (9 for CDC's "<10")
provisional    bool         provisional data that will still change
flag           str          ``;``-separated quality flags, "" if none (:data:`FLAGS`)
source         str          publisher and product, e.g. ``CDC NCHS VSRR (data.cdc.gov xkb8-kh2a)``
vintage        str          ISO date of the release or query the value comes from
============== ============ ================================================================

Any further column is a *dimension* (``sex``, ``region``, ``drug``...): a string column that is
part of the row key.  The key is ``location, indicator, frequency, period_end, estimate`` plus
the dimensions; it must be unique.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from odforecast import calendar
from odforecast.calendar import FREQUENCIES as _CALENDAR
from odforecast.data.locations import is_valid_location
from odforecast.errors import DataError

__all__ = [
    "COLUMNS",
    "FLAGS",
    "FREQUENCIES",
    "INDICATORS",
    "KEY",
    "UNITS",
    "Indicator",
    "dimensions",
    "from_records",
    "implausible",
    "period_bounds",
    "validate",
]


@dataclass(frozen=True)
class Indicator:
    """A named quantity in the schema.

    Attributes
    ----------
    name
        Standard name used in the ``indicator`` column.
    description
        What is counted.
    unit
        Unit of ``value``.
    icd10
        ICD-10 multiple-cause codes for death indicators ("" otherwise).

    Examples
    --------
    >>> from odforecast.data.schema import INDICATORS
    >>> fentanyl = INDICATORS["synthetic_opioids"]
    >>> fentanyl.icd10, fentanyl.unit
    ('T40.4', 'deaths')
    """

    name: str
    description: str
    unit: str
    icd10: str = ""


_INDICATOR_LIST = [
    # The eight standard overdose indicators (deaths with the drug among the multiple causes).
    Indicator("all_drugs", "Drug overdose deaths, all drugs", "deaths",
              "UCD X40-X44, X60-X64, X85, Y10-Y14"),
    Indicator("opioids", "Opioid overdose deaths", "deaths", "T40.0-T40.4, T40.6"),
    Indicator("synthetic_opioids", "Synthetic opioids other than methadone (mostly fentanyl)",
              "deaths", "T40.4"),
    Indicator("heroin", "Heroin overdose deaths", "deaths", "T40.1"),
    Indicator("natural_semisynthetic", "Natural and semi-synthetic opioids (prescription "
              "opioids such as oxycodone)", "deaths", "T40.2"),
    Indicator("methadone", "Methadone overdose deaths", "deaths", "T40.3"),
    Indicator("cocaine", "Cocaine overdose deaths", "deaths", "T40.5"),
    Indicator("psychostimulants", "Psychostimulants with abuse potential (mostly "
              "methamphetamine)", "deaths", "T43.6"),
    # Further groupings CDC and NIDA publish.
    Indicator("natural_semisynthetic_methadone", "Natural, semi-synthetic opioids or methadone "
              "(NIDA's 'prescription opioids')", "deaths", "T40.2, T40.3"),
    Indicator("natural_semisynthetic_synthetic_methadone", "Natural, semi-synthetic, synthetic "
              "opioids or methadone", "deaths", "T40.2-T40.4"),
    Indicator("all_cause_deaths", "Deaths from all causes", "deaths", ""),
    Indicator("percent_drugs_specified", "Percent of overdose death records with at least one "
              "drug specified", "percent", ""),
    # Supply-side and denominator series.
    Indicator("drug_seized_lbs", "CBP drug seizures, pounds (by drug)", "lbs"),
    Indicator("drug_seizure_events", "CBP drug seizure events (by drug)", "events"),
    Indicator("fentanyl_seized_lbs", "CBP fentanyl seizures, pounds", "lbs"),
    Indicator("fentanyl_seizure_events", "CBP fentanyl seizure events", "events"),
    Indicator("drug_reports", "DEA NFLIS forensic laboratory drug reports (by substance)",
              "reports"),
    Indicator("fentanyl_reports", "DEA NFLIS fentanyl and fentanyl-related drug reports",
              "reports"),
    Indicator("population", "Resident population (July 1 estimate)", "persons"),
]

#: Every indicator name the schema accepts.
INDICATORS: dict[str, Indicator] = {ind.name: ind for ind in _INDICATOR_LIST}

#: Frequencies, with the number of months one period spans.
FREQUENCIES: dict[str, int] = {name: f.span for name, f in _CALENDAR.items()}

UNITS = frozenset({"deaths", "percent", "lbs", "events", "reports", "persons"})

#: Quality flags. ``not_shown`` rows have no value (withheld for quality, not small counts).
FLAGS = frozenset({
    "unreliable",  # CDC WONDER: rate based on fewer than 20 deaths
    "not_shown",  # VSRR: "Data not shown due to low data quality"
    "underreported",  # VSRR: "Underreported due to incomplete data"
    "partial_period",  # the period is not yet complete (e.g. PHAC "2025 (Jan to Sep)")
    "reporting_lag",  # NFLIS: recent years still incomplete because of laboratory lag
    "no_rows_reported",  # CBP: no seizure row for the month, which CBP uses for zero
})

ESTIMATES = frozenset({"reported", "predicted"})

COLUMNS: dict[str, str] = {
    "location": "str",
    "indicator": "str",
    "frequency": "str",
    "period_start": "datetime64[ns]",
    "period_end": "datetime64[ns]",
    "estimate": "str",
    "value": "float64",
    "unit": "str",
    "censored": "bool",
    "censor_upper": "float64",
    "provisional": "bool",
    "flag": "str",
    "source": "str",
    "vintage": "str",
}

KEY = ("location", "indicator", "frequency", "period_end", "estimate")

_DEFAULTS: dict[str, Any] = {
    "estimate": "reported",
    "censored": False,
    "censor_upper": np.nan,
    "provisional": False,
    "flag": "",
}


def period_bounds(frequency: str, year: int, month: int) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First and last day of a period.

    For ``12m_ending`` the period *ends* in (``year``, ``month``); for every other frequency it
    *starts* there.

    Examples
    --------
    >>> [str(d.date()) for d in period_bounds("12m_ending", 2022, 12)]
    ['2022-01-01', '2022-12-31']
    >>> [str(d.date()) for d in period_bounds("quarterly", 2023, 4)]
    ['2023-04-01', '2023-06-30']
    """
    return calendar.frequency(frequency).bounds(year, month)


def dimensions(frame: pd.DataFrame) -> list[str]:
    """Names of the dimension columns (columns beyond :data:`COLUMNS`), in frame order.

    Examples
    --------
    >>> import pandas as pd
    >>> dimensions(pd.DataFrame(columns=[*COLUMNS, "sex"]))
    ['sex']
    """
    return [c for c in frame.columns if c not in COLUMNS]


def from_records(records: Iterable[Mapping[str, Any]] | pd.DataFrame, *,
                 origin: str = "<records>") -> pd.DataFrame:
    """Build a validated tidy frame, filling the optional flag columns with their defaults.

    ``estimate`` defaults to ``reported``, ``censored`` and ``provisional`` to False,
    ``censor_upper`` to NaN and ``flag`` to "".

    Examples
    --------
    >>> df = from_records([{"location": "US", "indicator": "opioids", "frequency": "annual",
    ...     "period_start": "2019-01-01", "period_end": "2019-12-31", "value": 49860.0,
    ...     "unit": "deaths", "source": "NIDA", "vintage": "2021-10-27"}])
    >>> print(df.loc[0, "location"], df.loc[0, "value"], df.loc[0, "censored"])
    US 49860.0 False
    """
    if isinstance(records, pd.DataFrame):
        frame = records.copy()
        for column, default in _DEFAULTS.items():
            if column not in frame.columns:
                frame[column] = default
    else:
        frame = pd.DataFrame([{**_DEFAULTS, **record} for record in records])
    return validate(frame, origin=origin)


def _fail(origin: str, position: int | None, column: str | None, message: str) -> DataError:
    return DataError(message, path=origin, row=position, column=column)


def validate(frame: pd.DataFrame, *, origin: str = "<frame>") -> pd.DataFrame:
    """Check a frame against the tidy schema and return it with canonical column order and dtypes.

    Rows are never dropped or reordered.  ``row`` in an error is the 0-based position in the frame.

    Parameters
    ----------
    frame
        Frame to check.
    origin
        Name used in error messages (a file name or dataset name).

    Returns
    -------
    pandas.DataFrame
        A copy with the columns of :data:`COLUMNS` first, then the dimensions.

    Raises
    ------
    odforecast.DataError
        Naming the row and column of the first problem found.

    Examples
    --------
    >>> import pandas as pd
    >>> bad = pd.DataFrame({"location": ["Ohio"]})
    >>> try:  # doctest: +ELLIPSIS
    ...     validate(bad, origin="mine.csv")
    ... except DataError as err:
    ...     print(err.path, err.column, err.reason)
    mine.csv indicator missing required column (the tidy schema's columns are listed in ...)
    """
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise _fail(origin, None, missing[0],
                    "missing required column (the tidy schema's columns are listed in "
                    "odforecast.data.schema.COLUMNS)")
    out = frame.reset_index(drop=True).copy()
    dims = dimensions(out)

    for column in ("location", "indicator", "frequency", "estimate", "unit", "flag", "source",
                   "vintage", *dims):
        values = out[column]
        # One C-level pass over the column; the per-value check only locates a bad value.
        if pd.api.types.infer_dtype(values, skipna=False) in ("string", "empty"):
            out[column] = values.astype(object)
            continue
        bad = ~values.map(lambda v: isinstance(v, str))
        if bad.any():
            pos = int(np.flatnonzero(bad.to_numpy())[0])
            raise _fail(origin, pos, column, f"expected a string, got {values.iloc[pos]!r}")
        out[column] = values.astype(object)

    _check_members(out, "location", origin, is_valid_location,
                   "expected a location code such as 'US', 'US-OH' or 'CA-BC'")
    _check_members(out, "indicator", origin, INDICATORS.__contains__,
                   f"unknown indicator; known: {', '.join(INDICATORS)}")
    _check_members(out, "frequency", origin, FREQUENCIES.__contains__,
                   f"unknown frequency; expected one of {', '.join(FREQUENCIES)}")
    _check_members(out, "estimate", origin, ESTIMATES.__contains__,
                   "expected 'reported' or 'predicted'")
    _check_members(out, "unit", origin, UNITS.__contains__,
                   f"unknown unit; expected one of {', '.join(sorted(UNITS))}")
    _check_members(out, "flag", origin,
                   lambda f: f == "" or all(part in FLAGS for part in f.split(";")),
                   f"unknown flag; expected '' or ';'-joined names from {sorted(FLAGS)}")
    expected_unit = out["indicator"].map({name: spec.unit for name, spec in INDICATORS.items()})
    _check_mask(out, out["unit"] != expected_unit, "unit", origin,
                lambda pos: f"indicator {out.loc[pos, 'indicator']!r} is measured in "
                            f"{expected_unit.iloc[pos]!r}")

    for column in ("censored", "provisional"):
        if out[column].dtype != bool:
            bad = ~out[column].map(lambda v: isinstance(v, bool | np.bool_))
            if bad.any():
                pos = int(np.flatnonzero(bad.to_numpy())[0])
                raise _fail(origin, pos, column, f"expected True or False, got "
                                                 f"{out[column].iloc[pos]!r}")
            out[column] = out[column].astype(bool)

    for column in ("value", "censor_upper"):
        try:
            out[column] = pd.to_numeric(out[column], errors="raise").astype("float64")
        except (TypeError, ValueError) as exc:
            raise _fail(origin, None, column, f"expected numbers ({exc})") from None
    for column in ("period_start", "period_end"):
        try:
            out[column] = pd.to_datetime(out[column], errors="raise").astype("datetime64[ns]")
        except (TypeError, ValueError) as exc:
            raise _fail(origin, None, column, f"expected dates ({exc})") from None
        _check_mask(out, out[column].isna(), column, origin, lambda pos: "missing date")

    value, censored = out["value"], out["censored"]
    not_shown = out["flag"].str.contains("not_shown", regex=False)
    _check_mask(out, ~np.isfinite(value) & value.notna(), "value", origin,
                lambda pos: f"non-finite value {value.iloc[pos]}")
    _check_mask(out, value < 0, "value", origin,
                lambda pos: f"negative value {value.iloc[pos]}")
    _check_mask(out, value.isna() & ~censored & ~not_shown, "value", origin,
                lambda pos: "missing value on a row that is neither censored nor flagged "
                            "'not_shown'")
    _check_mask(out, censored & value.notna(), "value", origin,
                lambda pos: "a censored row must have value NaN (its true value is unknown)")
    upper = out["censor_upper"]
    _check_mask(out, censored & ~(upper > 0), "censor_upper", origin,
                lambda pos: "a censored row needs a positive censor_upper")
    _check_mask(out, ~censored & upper.notna(), "censor_upper", origin,
                lambda pos: "censor_upper is only for censored rows")

    _check_periods(out, origin)

    key = [*KEY, *dims]
    dup = out.duplicated(subset=key, keep="first")
    if dup.any():
        pos = int(np.flatnonzero(dup.to_numpy())[0])
        first = int(np.flatnonzero((out[key] == out.loc[pos, key]).all(axis=1).to_numpy())[0])
        described = ", ".join(f"{k}={out.loc[pos, k]}" for k in key)
        raise _fail(origin, pos, None, f"duplicate key ({described}); same key as row {first}")

    return out[[*COLUMNS, *dims]]


def _check_members(out: pd.DataFrame, column: str, origin: str, ok, message: str) -> None:
    uniques = out[column].unique()
    bad_values = {v for v in uniques if not ok(v)}
    if bad_values:
        pos = int(np.flatnonzero(out[column].isin(bad_values).to_numpy())[0])
        raise _fail(origin, pos, column, f"{message}; got {out[column].iloc[pos]!r}")


def _check_mask(out: pd.DataFrame, mask: pd.Series, column: str, origin: str, describe) -> None:
    mask = np.asarray(mask, dtype=bool)
    if mask.any():
        pos = int(np.flatnonzero(mask)[0])
        raise _fail(origin, pos, column, describe(pos))


def _check_periods(out: pd.DataFrame, origin: str) -> None:
    start, end, freq = out["period_start"], out["period_end"], out["frequency"]
    partial = out["flag"].str.contains("partial_period", regex=False)
    months = freq.map(FREQUENCIES)
    expected_end = ((start.dt.to_period("M") + (months - 1))
                    .dt.to_timestamp(how="end").dt.normalize())
    _check_mask(out, start.dt.day != 1, "period_start", origin,
                lambda pos: f"a period must start on the first day of a month, got "
                            f"{start.iloc[pos].date()}")
    _check_mask(out, end < start, "period_end", origin,
                lambda pos: f"period_end {end.iloc[pos].date()} is before period_start "
                            f"{start.iloc[pos].date()}")
    aligned = {f.name: start.dt.month.isin(f.start_months) for f in _CALENDAR.values()
               if f.start_months is not None}
    for name, ok in aligned.items():
        _check_mask(out, (freq == name) & ~ok, "period_start", origin,
                    lambda pos, name=name: f"a {name} period cannot start on "
                                           f"{start.iloc[pos].date()}")
    complete = end == expected_end
    short_partial = partial & (end < expected_end) & (end.dt.is_month_end)
    _check_mask(out, ~complete & ~short_partial, "period_end", origin,
                lambda pos: f"a {freq.iloc[pos]} period starting {start.iloc[pos].date()} must "
                            f"end on {expected_end.iloc[pos].date()}, got {end.iloc[pos].date()} "
                            "(flag 'partial_period' marks a period that is not yet complete)")


#: A value more than this many times the median of its neighbouring periods is implausible,
#: by unit...  Deaths and populations change slowly; forensic lab reports and seizure events
#: have real bursts (NFLIS: Illinois' 2006 fentanyl outbreak is 39x its neighbours, Ohio's
#: 2017 analogue wave 84x).  Seizure weights (lbs) are not checked: one bust can weigh 20,000
#: times a month's usual total (CBP, April 2026), as large as any typo.
OUTLIER_RATIO: dict[str, float] = {"deaths": 20.0, "persons": 20.0, "reports": 200.0,
                                   "events": 200.0}
#: ...if it is also at least this large (a x1000 typo of any count of 1 or more reaches it; a
#: small series going from 0 or 1 to a few dozen is real).
OUTLIER_FLOOR = 1000.0
#: Neighbouring periods on each side whose median is the reference.
OUTLIER_NEIGHBOURS = 3


def implausible(frame: pd.DataFrame) -> pd.DataFrame:
    """Values far outside their own series' range, such as a x1000 typo (4,123,000 for 4,123).

    A series is one location, indicator, frequency, estimate and set of dimension values,
    ordered by period.  A value is implausible when it is at least :data:`OUTLIER_FLOOR` and
    more than :data:`OUTLIER_RATIO` times (20 for deaths and populations, 200 for lab reports
    and seizure events) the median of the (up to) :data:`OUTLIER_NEIGHBOURS` known values on
    each side of it, at least two of them known.  Percentages (bounded) and seizure weights
    (heavy-tailed) are not checked, nor are censored or missing values.
    Nothing is changed: this only finds them (the readers warn about them).

    Parameters
    ----------
    frame
        A frame in the tidy schema (validated).

    Returns
    -------
    pandas.DataFrame
        One row per implausible value, in frame order: ``position`` (0-based row of
        ``frame``), ``value``, ``reference`` (the neighbours' median) and ``ratio``.

    Examples
    --------
    >>> frame = from_records([{"location": "US-OH", "indicator": "all_drugs",
    ...     "frequency": "annual", "period_start": f"{y}-01-01", "period_end": f"{y}-12-31",
    ...     "value": v, "unit": "deaths", "source": "x", "vintage": "2025-01-01"}
    ...     for y, v in zip(range(2015, 2021), [3050, 4329, 5232, 3980000, 4028, 5204])])
    >>> implausible(frame)
       position      value  reference   ratio
    0         3  3980000.0     4329.0  919.38
    """
    empty = pd.DataFrame({"position": pd.Series(dtype=int), "value": pd.Series(dtype=float),
                          "reference": pd.Series(dtype=float), "ratio": pd.Series(dtype=float)})
    value = frame["value"].to_numpy(dtype=float)
    ratio = frame["unit"].map(OUTLIER_RATIO).to_numpy(dtype=float)
    checked = np.isfinite(value) & np.isfinite(ratio)
    if not (checked & (value >= OUTLIER_FLOOR)).any():
        return empty
    series = ["location", "indicator", "frequency", "estimate", "unit", *dimensions(frame)]
    group = frame.groupby(series, sort=False, dropna=False).ngroup().to_numpy()
    order = np.lexsort((frame["period_end"].to_numpy(), group))
    group, v, ratio = group[order], np.where(checked, value, np.nan)[order], ratio[order]
    n = len(v)
    neighbours = np.full((n, 2 * OUTLIER_NEIGHBOURS), np.nan)
    for k in range(1, OUTLIER_NEIGHBOURS + 1):
        same = group[k:] == group[:-k] if k < n else np.zeros(0, dtype=bool)
        neighbours[k:, 2 * k - 2] = np.where(same, v[:-k], np.nan)  # k periods before
        neighbours[:-k, 2 * k - 1] = np.where(same, v[k:], np.nan)  # k periods after
    known = np.isfinite(neighbours).sum(axis=1)
    candidate = (v >= OUTLIER_FLOOR) & (known >= 2)
    if not candidate.any():
        return empty
    reference = np.full(n, np.nan)
    reference[candidate] = np.nanmedian(neighbours[candidate], axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        flagged = candidate & (v > ratio * np.maximum(reference, 1.0))
    positions = order[flagged]
    out = pd.DataFrame({"position": positions, "value": v[flagged],
                        "reference": reference[flagged],
                        "ratio": np.round(v[flagged] / np.maximum(reference[flagged], 1.0), 2)})
    return out.sort_values("position", ignore_index=True)
