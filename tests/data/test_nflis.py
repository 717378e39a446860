"""read_nflis on the real NFLIS-Drug query exports, and on broken copies of them."""

from __future__ import annotations

import functools
from pathlib import Path

import pandas as pd
import pytest

from odforecast.data.nflis import UNKNOWN_STATE, read_nflis

HALF = "nflis_fentanyl_reports_by_state_halfyear_2017_2025.csv"
YEAR = "nflis_fentanyl_reports_by_state_year_1998_2024.csv"
NATIONAL_2026_03 = {2017: 82238, 2018: 105835, 2019: 131404, 2020: 143465, 2021: 206797,
                    2022: 225807, 2023: 223635, 2024: 190367, 2025: 136404}


@functools.cache
def _read(path: Path) -> pd.DataFrame:
    return read_nflis(path)


def _per_year(df: pd.DataFrame) -> dict[int, float]:
    return df.groupby(df.period_start.dt.year).value.sum().to_dict()


def test_national_fentanyl_reports_from_the_half_year_file(raw):
    df = _read(raw(HALF))
    assert len(df) == 8923
    assert set(df.frequency) == {"semiannual"}
    assert set(df.drug_category) == {"Fentanyl and Fentanyl-related"}
    # Every row (states, DC, PR, GU, VI and the unknown-state rows) reproduces NFLIS's totals.
    assert _per_year(df) == NATIONAL_2026_03
    states = df[~df.location.isin(["US-PR", "US-GU", "US-VI", UNKNOWN_STATE])]
    assert states.location.nunique() == 51
    assert _per_year(states)[2017] == 82198
    assert set(df.location) - set(states.location) == {"US-PR", "US-GU", "US-VI", "US-XX"}


def test_half_years_vintage_and_reporting_lag(raw):
    df = _read(raw(HALF))
    first_half = df[df.period_start.dt.month == 1]
    second_half = df[df.period_start.dt.month == 7]
    assert len(first_half) == 4538 and len(second_half) == 4385
    assert (first_half.period_end.dt.strftime("%m-%d") == "06-30").all()
    assert (second_half.period_end.dt.strftime("%m-%d") == "12-31").all()
    assert set(df.vintage) == {"2026-03-03"}
    lagged = df[df.flag == "reporting_lag"]
    assert set(lagged.period_start.dt.year) == {2024, 2025}
    assert (lagged.provisional).all() and not df[df.flag == ""].provisional.any()
    assert df.flag.isin(["", "reporting_lag"]).all()


def test_annual_file(raw):
    df = _read(raw(YEAR))
    assert len(df) == 6472 and set(df.frequency) == {"annual"}
    per_year = _per_year(df)
    assert per_year[2017] == 82238
    assert (per_year[2022], per_year[2023], per_year[2024]) == (225017, 218303, 172143)
    assert min(per_year) == 1998
    assert set(df.vintage) == {"2025-08-10"}
    assert set(df[df.flag == "reporting_lag"].period_start.dt.year) == {2023, 2024}
    salt = df[df.substance == "FENTANYL SALT UNDETERMINED"]
    assert set(salt.base) == {"Fentanyl"}


# --- broken copies -----------------------------------------------------------------------------

#: Lines of the real file kept in a broken copy.
KEEP = 300


@pytest.mark.parametrize(
    ("line", "old", "new", "column", "needle"),
    [
        (1, "DRUG_REPORTS", "REPORTS", "DRUG_REPORTS", "missing column 'DRUG_REPORTS'"),
        (2, '"4514"', '"many"', "DRUG_REPORTS", "expected a number"),
        (2, '"4514"', '"-4514"', "DRUG_REPORTS", "non-negative"),
        (2, '"2019","SA2', '"1812","SA2', "YYYY", "within 1990-2100"),
        (2, "SA2 (JUL - DEC)", "SA3 (JUL - DEC)", "PERIOD", "SA1 (JAN - JUN)"),
        (2, "SA2 (JUL - DEC)", "SA2 (JAN - JUN)", "PERIOD", "SA2 (JUL - DEC)"),
        (2, '"PA"', '"ZZ"', "STATE", "unknown state 'ZZ'"),
        (2, "DrugReport  ", "Case", "RPTAGGR", "expected 'DrugReport'"),
        (2, '"2026-03-03 13:26:55"', '"03/03/2026"', "QUERY_RUN_DATE", "expected a date"),
        (2, '"FENTANYL"', '""', "SUBSTANCE_DESCRIPTION", "empty cell"),
    ],
)
def test_broken_copy_names_line_and_column(raw, broken_copy, data_error_at, line, old, new,
                                           column, needle):
    path = broken_copy(raw(HALF), line=line, old=old, new=new, keep=KEEP)
    data_error_at(read_nflis, path, row=line, column=column, needle=needle)


def test_duplicated_row_is_an_error(raw, broken_copy, data_error_at):
    path = broken_copy(raw(HALF), duplicate=2, keep=KEEP)
    data_error_at(read_nflis, path, row=3, column=None, match="same key as line 2")


def test_annual_period_must_equal_the_year(raw, broken_copy, data_error_at):
    path = broken_copy(raw(YEAR), line=2, old=",2022,2022,", new=",2022,2021,", keep=KEEP)
    data_error_at(read_nflis, path, row=2, column="PERIOD")
