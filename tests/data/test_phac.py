"""read_phac on the real PHAC Health Infobase file, and on broken copies of it."""

from __future__ import annotations

import csv
import functools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from odforecast import DataError
from odforecast.data import schema
from odforecast.data.phac import FALLBACK_CENSOR_UPPER, read_phac

NAME = "canada_opioid_stimulant_harms_SubstanceHarmsData_2016_2025Q3.csv"


@functools.cache
def _read(path: Path) -> pd.DataFrame:
    return read_phac(path)


def _headline(df: pd.DataFrame, location: str = "CA", frequency: str = "annual") -> pd.DataFrame:
    return df[(df.location == location) & (df.frequency == frequency)
              & (df.measure == "Overall numbers") & (df.aggregator == "")
              & (df.disaggregator == "")]


def test_canada_annual_apparent_opioid_toxicity_deaths(raw):
    df = _read(raw(NAME))
    head = _headline(df)
    years = head.period_start.dt.year.tolist()
    assert years == list(range(2016, 2026))
    assert head.value.tolist() == [2832, 3928, 4253, 3585, 6166, 7546, 7227, 8020, 7313, 4162]
    last = head.iloc[-1]
    assert last.flag == "partial_period"
    assert str(last.period_start.date()) == "2025-01-01"
    assert str(last.period_end.date()) == "2025-09-30"
    assert (head.flag.iloc[:-1] == "").all()
    assert head.provisional.tolist() == [False] * 8 + [True, True]
    assert set(df.indicator) == {"opioids"} and set(df.unit) == {"deaths"}
    assert set(df.vintage) == {"2025-09-30"}
    assert schema.dimensions(df) == ["measure", "aggregator", "disaggregator"]


def test_quarters_and_provinces_against_canada(raw):
    df = _read(raw(NAME))
    annual = df[(df.frequency == "annual") & (df.measure == "Overall numbers")]
    year = annual.period_start.dt.year
    canada = annual[annual.location == "CA"].set_index(year[annual.location == "CA"]).value
    provinces = annual[annual.location != "CA"]
    assert provinces.location.nunique() == 13
    # The Canada figure is the sum of the *shown* provincial values: suppressed cells
    # (Nunavut 2019-2022) are in no total.
    shown_sum = provinces.groupby(year[annual.location != "CA"]).value.sum()
    assert (shown_sum == canada).all()
    # Canada's quarters leave out the suppressed provincial quarters: 2017 is 5 short.
    quarters = _headline(df, frequency="quarterly")
    q2017 = quarters[quarters.period_start.dt.year == 2017]
    assert q2017.value.sum() == 3923 and canada[2017] == 3928
    assert q2017.value.tolist() == [921, 1022, 1057, 923]


def test_markers_counted_exactly_as_in_the_raw_file(raw):
    path = raw(NAME)
    with path.open(newline="", encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r["Substance"] == "Opioids"
                and r["Source"] == "Deaths" and r["Unit"] == "Number"]
    df = _read(path)
    assert len(df) == len(rows) == 2030
    suppressed = sum(r["Value"] == "Suppr." for r in rows)
    not_available = sum(r["Value"] in {"n/a", ""} for r in rows)
    assert (suppressed, not_available) == (328, 123)
    assert df.censored.sum() == suppressed
    assert df.flag.str.contains("not_shown").sum() == not_available
    assert df.value.isna().sum() == suppressed + not_available
    assert not (df.value[df.censored] == 0).any()
    assert (df.censor_upper[df.censored] >= 1).all()
    assert df.censor_upper[~df.censored].isna().all()


def test_censor_bounds_come_from_the_regions_own_totals(raw):
    df = _read(raw(NAME))

    def upper(location, start, frequency, aggregator="", disaggregator=""):
        hit = df[(df.location == location) & (df.period_start == start)
                 & (df.frequency == frequency) & (df.aggregator == aggregator)
                 & (df.disaggregator == disaggregator)]
        assert len(hit) == 1 and hit.censored.iloc[0]
        return hit.censor_upper.iloc[0]

    # PEI 2017: 5 deaths in the year, Q4 shown as 0, Q1-Q3 suppressed.
    assert upper("CA-PE", "2017-01-01", "quarterly") == 5
    # Quebec 2024: 645 deaths, 506 in the shown sex-and-age cells; the 60+ cells are suppressed
    # although they are not small counts.
    assert upper("CA-QC", "2024-01-01", "annual", "60 years or more", "Female") == 139
    # Nunavut 2019: the annual total is itself suppressed, so the documented fallback applies.
    assert upper("CA-NU", "2019-01-01", "annual") == FALLBACK_CENSOR_UPPER == 4


@pytest.mark.parametrize(("substance", "source"),
                         [("Stimulants", "Deaths"), ("Opioids", "Hospitalizations")])
def test_unsupported_substance_or_source(raw, substance, source):
    with pytest.raises(DataError, match="supported: substance='Opioids', source='Deaths'"):
        read_phac(raw(NAME), substance=substance, source=source)


# --- broken copies -----------------------------------------------------------------------------

#: Lines of the real file kept in a broken copy.
KEEP = 900


def test_truncated_copy_reads(raw, broken_copy):
    df = read_phac(broken_copy(raw(NAME), keep=KEEP))
    assert len(df) > 100


@pytest.mark.parametrize(
    ("line", "old", "new", "column", "needle"),
    [
        (1, "Value", "Val", "Value", "missing column 'Value'"),
        (12, ",2832", ",abc", "Value", "expected a number"),
        (12, ",2832", ",-3", "Value", "non-negative"),
        (12, ",2832", ",28.5", "Value", "whole count"),
        (12, "By year,2016", "By year,1812", "Year_Quarter", "outside 2000-2100"),
        (22, "2016 Q1", "2016 Q5", "Year_Quarter", "Q1-Q4"),
        (22, "By quarter", "By month", "Time_Period", "unknown Time_Period"),
        (12, "Canada,1", "Atlantis,1", "Region", "unknown region 'Atlantis'"),
        (12, "Canada,1,", "Canada,59,", "PRUID", "does not match"),
    ],
)
def test_broken_copy_names_line_and_column(raw, broken_copy, data_error_at, line, old, new,
                                           column, needle):
    path = broken_copy(raw(NAME), line=line, old=old, new=new, keep=KEEP)
    data_error_at(read_phac, path, row=line, column=column, needle=needle)


def test_duplicated_row_is_an_error(raw, broken_copy, data_error_at):
    path = broken_copy(raw(NAME), duplicate=12, keep=KEEP)
    data_error_at(read_phac, path, row=13, column=None, match="same key as line 12")


def test_blank_value_is_not_shown_and_suppressed_is_censored(raw, broken_copy):
    path = broken_copy(raw(NAME), line=12, old=",2832", new=",", keep=KEEP)
    df = read_phac(path)
    first = df.iloc[0]
    assert np.isnan(first.value) and first.flag == "not_shown" and not first.censored
