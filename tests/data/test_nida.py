"""read_nida_overdose and read_nchs_drug_poisoning on the real files and broken copies."""

from __future__ import annotations

import functools
from pathlib import Path

import pandas as pd
import pytest

from odforecast import DataError
from odforecast.data.nida import (
    NIDA_INDICATORS,
    NIDA_SKIPPED,
    read_nchs_drug_poisoning,
    read_nida_overdose,
)

NIDA = "nida_national_od_deaths_by_drug_1999_2019.csv"
NCHS = "nchs_drug_poisoning_mortality_by_state_1999_2015.csv"


@functools.cache
def _nida(path: Path) -> pd.DataFrame:
    return read_nida_overdose(path)


@functools.cache
def _nchs(path: Path) -> pd.DataFrame:
    return read_nchs_drug_poisoning(path)


def _value(df: pd.DataFrame, indicator: str, year: int, sex: str = "all") -> float:
    hit = df[(df.indicator == indicator) & (df.period_start.dt.year == year) & (df.sex == sex)]
    assert len(hit) == 1
    return hit.value.iloc[0]


def test_nida_anchor_values(raw):
    df = _nida(raw(NIDA))
    assert _value(df, "opioids", 2019) == 49_860
    assert _value(df, "synthetic_opioids", 1999) == 730
    assert _value(df, "all_drugs", 2017) == 70_237
    assert _value(df, "all_drugs", 2015) == 52_404
    assert _value(df, "natural_semisynthetic_methadone", 2016) == 17_087
    assert _value(df, "psychostimulants", 2019) == 16_167
    assert _value(df, "synthetic_opioids", 2019, "female") == 10_076


def test_nida_shape_sexes_and_metadata(raw):
    df = _nida(raw(NIDA))
    assert len(df) == 7 * 3 * 21
    assert set(df.indicator) == set(NIDA_INDICATORS.values())
    assert set(df.sex) == {"all", "female", "male"}
    assert sorted(df.period_start.dt.year.unique()) == list(range(1999, 2020))
    assert set(df.location) == {"US"} and set(df.vintage) == {"2021-10-27"}
    wide = df.pivot_table(index=["indicator", "period_start"], columns="sex", values="value")
    assert (wide["female"] + wide["male"] == wide["all"]).all()
    assert len(NIDA_SKIPPED) == 22  # 29 drug rows in the file, 7 mapped


def test_nchs_drug_poisoning(raw):
    df = _nchs(raw(NCHS))
    assert len(df) == 2703
    total = (df.sex == "all") & (df.age == "all") & (df.race_ethnicity == "all")
    us = df[total & (df.location == "US")]
    assert us[us.period_start.dt.year == 2015].value.iloc[0] == 52_404
    assert us[us.period_start.dt.year == 1999].value.iloc[0] == 16_849
    states = df[df.location != "US"]
    assert states.location.nunique() == 51 and (states.sex == "all").all()
    per_year = states.groupby(states.period_start.dt.year).value.sum()
    assert (per_year.to_numpy() == us.value.to_numpy()).all()
    assert set(df.indicator) == {"all_drugs"}
    assert set(df.race_ethnicity) == {"all", "Hispanic", "Non-Hispanic Black",
                                      "Non-Hispanic White"}


# --- broken copies -----------------------------------------------------------------------------

#: Lines of the NCHS file kept in a broken copy (the NIDA copies are whole).
NCHS_KEEP = 60


@pytest.mark.parametrize(
    ("line", "old", "new", "column", "needle"),
    [
        (11, "Any Opioid1", "Any Fentanyl1", "label", "unknown row label 'Any Fentanyl1'"),
        (8, '"16,849"', '"16,8x9"', "1999", "expected a number"),
        (8, '"16,849"', "-5", "1999", "non-negative"),
        (7, ",1999,2000,", ",1812,2000,", "1812", "outside 1900-2100"),
        (129, ",,,", ",,12,", "1999", "below the table"),
        # issue 13: a malformed or blank year header dropped that year silently (441 -> 420 rows)
        (7, ",1999,2000,", ",1999,2000x,", "2000x", "not a year (more years follow: 2001)"),
        (7, ",1999,2000,", ",1999,,", "field 4", "not a year (more years follow: 2001)"),
        (7, ",2019,", ",2019x,", "2019x", "the header after 2018 is '2019x', not a year"),
        (7, ",1999,2000,", ",1999,2001,", "2001", "follows 1999"),
    ],
)
def test_broken_nida_copy_names_line_and_column(raw, broken_copy, data_error_at, line, old, new,
                                                column, needle):
    path = broken_copy(raw(NIDA), line=line, old=old, new=new)
    data_error_at(read_nida_overdose, path, row=line, column=column, needle=needle)


def test_nida_value_under_a_deleted_last_year_names_the_data_row(raw, broken_copy,
                                                                 data_error_at):
    path = broken_copy(raw(NIDA), line=7, old=",2019,", new=",,")
    data_error_at(read_nida_overdose, path, row=8, column="field 23",
                  needle="in a column without a year header")


def test_nida_duplicated_sex_row(raw, broken_copy, data_error_at):
    path = broken_copy(raw(NIDA), duplicate=9)  # a second "Female" row under the total
    data_error_at(read_nida_overdose, path, row=10, column="label", match="first on line 9")


@pytest.mark.parametrize("vintage", ["Oct 2021", "2021-02-30", "20211027"])
def test_vintage_must_be_an_iso_date(raw, vintage):
    with pytest.raises(DataError, match="ISO date"):
        read_nida_overdose(raw(NIDA), vintage=vintage)
    with pytest.raises(DataError, match="ISO date"):
        read_nchs_drug_poisoning(raw(NCHS), vintage=vintage)


def test_nida_skipped_rows_are_checked_too(raw, broken_copy):
    # A skipped drug's value is not read, but its label must still be known.
    path = broken_copy(raw(NIDA), line=65, old="Benzodiazepines7", new="Kratom7")
    with pytest.raises(DataError, match="Kratom7") as info:
        read_nida_overdose(path)
    assert info.value.row == 65


@pytest.mark.parametrize(
    ("line", "old", "new", "column", "needle"),
    [
        (1, ",Deaths,", ",Death count,", "Deaths", "missing column 'Deaths'"),
        (2, ",Alabama,169,", ",Alabama,n/a,", "Deaths", "expected a number"),
        (2, ",Alabama,169,", ",Alabama,-169,", "Deaths", "non-negative"),
        (2, "1999,Both", "1812,Both", "Year", "within 1900-2100"),
        (2, ",Alabama,", ",Atlantis,", "State", "unknown state 'Atlantis'"),
        (2, "Both Sexes", "Everyone", "Sex", "unknown sex"),
    ],
)
def test_broken_nchs_copy_names_line_and_column(raw, broken_copy, data_error_at, line, old, new,
                                                column, needle):
    path = broken_copy(raw(NCHS), line=line, old=old, new=new, keep=NCHS_KEEP)
    data_error_at(read_nchs_drug_poisoning, path, row=line, column=column, needle=needle)


def test_nchs_duplicated_row(raw, broken_copy, data_error_at):
    path = broken_copy(raw(NCHS), duplicate=2, keep=NCHS_KEEP)
    data_error_at(read_nchs_drug_poisoning, path, row=3, column=None, match="same key as line 2")
