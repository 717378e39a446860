"""read_census_population on the real Census tables, and on broken copies of them."""

from __future__ import annotations

import functools
from pathlib import Path

import pandas as pd
import pytest

from odforecast import DataError
from odforecast.data.census import read_census_population
from odforecast.data.locations import US_STATES

V2019 = "census_state_population_2010_2019.csv"
V2024 = "census_state_population_2020_2024.csv"


@functools.cache
def _read(path: Path) -> pd.DataFrame:
    return read_census_population(path)


def _value(df: pd.DataFrame, location: str, year: int) -> float:
    hit = df[(df.location == location) & (df.period_start.dt.year == year)]
    assert len(hit) == 1
    return hit.value.iloc[0]


def test_vintage_2019_table(raw):
    df = _read(raw(V2019))
    assert _value(df, "US", 2019) == 328_239_523
    assert _value(df, "US-AL", 2010) == 4_785_437  # July 1 2010, not the April 1 census count
    assert _value(df, "US", 2016) == 322_941_311  # the "2016t" column
    assert _value(df, "US-PR", 2016) == 3_406_672
    assert sorted(df.period_start.dt.year.unique()) == list(range(2010, 2020))
    assert set(df.vintage) == {"2019-12-01"}
    assert "NST-EST2019-01" in df.source.iloc[0]


def test_vintage_2024_table(raw):
    df = _read(raw(V2024))
    assert _value(df, "US", 2024) == 340_110_988
    assert _value(df, "US", 2020) == 331_577_720  # July 1 2020, not the estimates base
    assert sorted(df.period_start.dt.year.unique()) == list(range(2020, 2025))
    assert set(df.vintage) == {"2024-12-01"}
    assert "NST-EST2024-POP" in df.source.iloc[0]


@pytest.mark.parametrize("name", [V2019, V2024])
def test_states_regions_and_totals(raw, name):
    df = _read(raw(name))
    assert set(df.indicator) == {"population"} and set(df.unit) == {"persons"}
    assert set(df.frequency) == {"annual"} and not df.provisional.any()
    states = df[df.location.isin([f"US-{s}" for s in US_STATES])]
    year = states.period_start.dt.year
    assert (states.groupby(year).location.nunique() == 51).all()
    assert set(df.location) == {"US", "US-PR", *(f"US-{s}" for s in US_STATES)}
    us = df[df.location == "US"].set_index(df.period_start.dt.year[df.location == "US"]).value
    assert (states.groupby(year).value.sum() == us).all()  # regions skipped, PR not in US


# --- broken copies -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "line", "old", "new", "column", "needle"),
    [
        (V2019, 10, '"4,785,437"', '"4,78x,437"', "2010", "expected a number"),
        (V2019, 10, '"4,785,437"', '"-4,785,437"', "2010", "non-negative"),
        (V2019, 10, ".Alabama", ".Atlantis", "Geographic area", "unknown geographic area"),
        (V2024, 4, ",2024,", ",1812,", "1812", "outside 1900-2100"),
        (V2024, 10, '"5,157,699"', '"5,157,699.5"', "2024", "whole count"),
    ],
)
def test_broken_copy_names_line_and_column(raw, broken_copy, data_error_at, name, line, old, new,
                                           column, needle):
    path = broken_copy(raw(name), line=line, old=old, new=new)
    data_error_at(read_census_population, path, row=line, column=column, needle=needle)


def test_renamed_block_header_is_an_error(raw, broken_copy):
    path = broken_copy(raw(V2024), line=3, old="Population Estimate (as of July 1)",
                       new="Population Estimate")
    with pytest.raises(DataError, match="as of July 1"):
        read_census_population(path)


def test_year_rows_that_disagree(raw, broken_copy):
    path = broken_copy(raw(V2019), line=1, old="2016t", new="2015t")
    with pytest.raises(DataError, match="disagree") as info:
        read_census_population(path)
    assert info.value.row == 1


def test_duplicated_row_is_an_error(raw, broken_copy, data_error_at):
    path = broken_copy(raw(V2019), duplicate=10)
    data_error_at(read_census_population, path, row=11, column="Geographic area",
                  match="first on line 10")


def test_missing_release_date_needs_vintage(raw, broken_copy):
    path = broken_copy(raw(V2024), line=68, old="Release Date: December 2024", new="Released")
    with pytest.raises(DataError, match="Release Date"):
        read_census_population(path)
    df = read_census_population(path, vintage="2024-12-19")
    assert set(df.vintage) == {"2024-12-19"}
