"""read_cbp_seizures on the real CBP files, broken copies, and generated files."""

from __future__ import annotations

import csv
import functools
import io
import math
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from odforecast import DataError
from odforecast.data._parsing import parse_count
from odforecast.data.cbp import read_cbp_seizures

OLD = "cbp_nationwide_drug_seizures_fy19_fy22.csv"
NEW = "cbp_nationwide_drug_seizures_fy23_fy26apr.csv"
HEADER = ["FY", "Month (abbv)", "Component", "Region", "Land Filter", "Area of Responsibility",
          "Drug Type", "Count of Event", "Sum Qty (lbs)"]


@functools.cache
def _read_both(old: Path, new: Path) -> pd.DataFrame:
    return read_cbp_seizures([old, new])


def _fiscal_year(df: pd.DataFrame) -> pd.Series:
    return df.period_start.dt.year + (df.period_start.dt.month >= 10)


def test_fentanyl_pounds_by_fiscal_year(raw):
    df = _read_both(raw(OLD), raw(NEW))
    fent = df[(df.indicator == "drug_seized_lbs") & (df.drug == "Fentanyl")]
    by_fy = fent.groupby(_fiscal_year(fent)).value.sum()
    assert by_fy[2023] == pytest.approx(27023, abs=0.5)
    assert round(by_fy[2023]) == 27023
    assert round(by_fy[2019]) == 2804
    assert round(by_fy[2024]) == 21889
    assert round(by_fy[2026]) == 6726  # FY26 through April
    swb = fent[fent.region == "Southwest Border"]
    assert round(swb.groupby(_fiscal_year(swb)).value.sum()[2023]) == 26718


def test_shape_units_and_provisional_rows(raw):
    df = _read_both(raw(OLD), raw(NEW))
    assert len(df) == 2 * (10092 + 8673)
    assert df.indicator.value_counts().to_dict() == {"drug_seized_lbs": 18765,
                                                     "drug_seizure_events": 18765}
    assert set(df.location) == {"US"} and set(df.frequency) == {"monthly"}
    events = df[df.indicator == "drug_seizure_events"]
    assert (events.unit == "events").all() and (events.value % 1 == 0).all()
    assert (events.value >= 1).all()
    assert df.provisional.sum() == 2 * 1336  # the "2026 (FYTD)" rows
    assert (_fiscal_year(df[df.provisional]) == 2026).all()
    assert df.groupby("vintage").size().to_dict() == {"2022-09-30": 20184, "2026-04-30": 17346}
    assert [c for c in df.columns[-5:]] == ["drug", "component", "region", "land_filter", "area"]


def test_fiscal_months_map_to_calendar_months(raw):
    df = read_cbp_seizures(raw(NEW))
    khat = df[(df.drug == "Khat (Catha Edulis)") & (df.area == "ATLANTA FIELD OFFICE")
              & (df.indicator == "drug_seized_lbs")]
    # line 3325: FY 2023, OCT -> October 2022
    oct22 = khat[khat.period_start == "2022-10-01"]
    assert len(oct22) == 1
    assert str(oct22.period_end.iloc[0].date()) == "2022-10-31"
    assert oct22.value.iloc[0] == pytest.approx(379.32075412934)
    fy23 = df[_fiscal_year(df) == 2023]
    assert str(fy23.period_start.min().date()) == "2022-10-01"
    assert str(fy23.period_end.max().date()) == "2023-09-30"


def test_same_key_in_two_files_is_an_error(raw):
    path = raw(OLD)
    with pytest.raises(DataError, match=r"same key as .*fy19_fy22\.csv line 2") as info:
        read_cbp_seizures((path, path))
    assert (info.value.path, info.value.row, info.value.column) == (str(path), 2, None)


# --- broken copies -----------------------------------------------------------------------------

#: Lines of the real file kept in a broken copy.
KEEP = 400


@pytest.mark.parametrize(
    ("line", "old", "new", "column", "needle"),
    [
        (1, "Drug Type", "Drug", "Drug Type", "missing column 'Drug Type'"),
        (2, "Cocaine,1,", "Cocaine,one,", "Count of Event", "expected a number"),
        (2, "Cocaine,1,", "Cocaine,-1,", "Count of Event", "non-negative"),
        (2, "Cocaine,1,", "Cocaine,1.5,", "Count of Event", "whole count"),
        (2, ",0.000661386786", ",-0.5", "Sum Qty (lbs)", "non-negative"),
        (2, ",0.000661386786", ",N/A", "Sum Qty (lbs)", "expected a number"),
        (2, "APR", "FOO", "Month (abbv)", "unknown month code 'FOO'"),
        (2, "2026 (FYTD)", "1812", "FY", "within 2000-2100"),
        (2, "2026 (FYTD)", "FY26", "FY", "expected a fiscal year"),
        (2, ",Cocaine,", ",,", "Drug Type", "empty cell"),
    ],
)
def test_broken_copy_names_line_and_column(raw, broken_copy, data_error_at, line, old, new,
                                           column, needle):
    path = broken_copy(raw(NEW), line=line, old=old, new=new, keep=KEEP)
    data_error_at(read_cbp_seizures, path, row=line, column=column, needle=needle)


def test_duplicated_row_is_an_error(raw, broken_copy, data_error_at):
    path = broken_copy(raw(NEW), duplicate=2, keep=KEEP)
    data_error_at(read_cbp_seizures, path, row=3, column=None, match=r"same key as .* line 2")


def test_latin1_file_is_read(raw, broken_copy):
    path = broken_copy(raw(NEW), line=3, old="ATLANTA", new="ATLANT\xc9", keep=KEEP)
    path.write_bytes(path.read_bytes().replace("ATLANT\xc9".encode(), "ATLANT\xc9".encode(
        "latin-1")))
    df = read_cbp_seizures(path)
    assert df.area.iloc[1] == "ATLANT\xc9 FIELD OFFICE"


# --- generated files (hypothesis) ----------------------------------------------------------------

SETTINGS = settings(max_examples=30, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])
_MONTHS = ["OCT", "NOV", "DEC", "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP"]
_row = st.tuples(
    st.integers(2019, 2026),                            # fiscal year
    st.sampled_from(_MONTHS),
    st.sampled_from(["Office of Field Operations", "U.S. Border Patrol"]),
    st.sampled_from(["Southwest Border", "Northern Border", "Coastal/Interior"]),
    st.sampled_from(["Fentanyl", "Cocaine", "Heroin", "Other Drugs**"]),
    st.integers(1, 500),                                # events
    st.floats(0, 1e5, allow_nan=False, allow_infinity=False),  # pounds
)


def _write(tmp_path: Path, rows: list[list[str]]) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    path = tmp_path / "generated.csv"
    path.write_text(buffer.getvalue(), encoding="latin-1", newline="")
    return path


def _calendar(fy: int, month: str) -> str:
    number = _MONTHS.index(month)  # 0 = OCT
    year = fy - 1 if number < 3 else fy
    return f"{year}-{(number + 9) % 12 + 1:02d}"


@SETTINGS
@given(rows=st.lists(_row, min_size=1, max_size=40,
                     unique_by=lambda r: (r[0], r[1], r[2], r[3], r[4])))
def test_generated_rows_keep_every_pound_per_calendar_month(tmp_path, rows):
    body = [[str(fy) if fy < 2026 else "2026 (FYTD)", month, component, region, "Other",
             "SOME FIELD OFFICE", drug, str(events), repr(lbs)]
            for fy, month, component, region, drug, events, lbs in rows]
    df = read_cbp_seizures(_write(tmp_path, body))
    assert len(df) == 2 * len(rows)
    expected: dict[str, list[float]] = {}
    for fy, month, *_rest, lbs in rows:
        expected.setdefault(_calendar(fy, month), []).append(lbs)
    lbs_rows = df[df.indicator == "drug_seized_lbs"]
    got = {key: sorted(group.value) for key, group in
           lbs_rows.groupby(lbs_rows.period_start.dt.strftime("%Y-%m"))}
    assert got.keys() == expected.keys()
    for key, values in expected.items():
        assert got[key] == sorted(values)  # every value exactly, none dropped
        assert math.fsum(got[key]) == math.fsum(values)
    events = df[df.indicator == "drug_seizure_events"].value
    assert events.sum() == sum(r[5] for r in rows)
    assert df.provisional.sum() == 2 * sum(r[0] == 2026 for r in rows)


def _is_garbage(token: str) -> bool:
    try:
        parse_count(token, path=None, row=None, column="x")
    except DataError:
        return True
    return False


@SETTINGS
@given(rows=st.lists(_row, min_size=1, max_size=15,
                     unique_by=lambda r: (r[0], r[1], r[2], r[3], r[4])),
       data=st.data())
def test_garbage_in_the_count_column_is_located(tmp_path, rows, data):
    token = data.draw(st.one_of(
        st.text(st.characters(codec="latin-1", exclude_characters="\r\n"), max_size=8),
        st.sampled_from(["-1", "1.5", "1e", "N/A", "Suppressed", "1,2", " ", "--", "nan"])))
    assume(_is_garbage(token))
    bad = data.draw(st.integers(0, len(rows) - 1))
    body = [[str(fy), month, component, region, "Land Only", "A SECTOR", drug, str(events),
             repr(lbs)] for fy, month, component, region, drug, events, lbs in rows]
    body[bad][7] = token
    with pytest.raises(DataError) as info:
        read_cbp_seizures(_write(tmp_path, body))
    assert (info.value.row, info.value.column) == (bad + 2, "Count of Event")
