"""read_vsrr on the real VSRR files: known values, markers, both CSV dialects, located errors."""

from __future__ import annotations

import csv
import functools
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from odforecast import DataError
from odforecast.data import schema
from odforecast.data.vsrr import INDICATOR_LABELS, SOURCE, UNPREDICTED, read_vsrr

FULL = "vsrr_provisional_drug_overdose_death_counts_2025-07-16.csv"
NATIONAL = "vsrr_national_US_2025-07-16.csv"
OLD = "vsrr_number_of_drug_overdose_deaths_2024-vintage.csv"

TITLES = ["State", "Year", "Month", "Period", "Indicator", "Data Value", "Percent Complete",
          "Percent Pending Investigation", "State Name", "Footnote", "Footnote Symbol",
          "Predicted Value"]
MONTH_NAMES = ["January", "February", "March", "April", "May", "June", "July", "August",
               "September", "October", "November", "December"]
FINAL_NOTE = "Numbers may differ from published reports using final data. See Technical Notes."
SUPPRESSED_NOTE = "Data suppressed (<10)."
NOT_SHOWN_NOTE = "Data not shown due to low data quality."
UNDER_NOTE = "Underreported due to incomplete data."
PREDICTED_LABELS = [label for label, name in INDICATOR_LABELS.items() if name not in UNPREDICTED]


@functools.cache
def _read(path: Path) -> pd.DataFrame:
    """The full file takes ~2 s to read; read it once per test session."""
    return read_vsrr(path)


def _rows(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def _write(path: Path, rows: list[list[str]], **kwargs) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n", **kwargs).writerows(rows)
    return path


def _at(frame: pd.DataFrame, location: str, indicator: str, end: str, estimate: str) -> float:
    hit = frame[(frame.location == location) & (frame.indicator == indicator)
                & (frame.period_end == pd.Timestamp(end)) & (frame.estimate == estimate)]
    assert len(hit) == 1
    return float(hit["value"].iloc[0])


# -- the full 2025-07-16 release ----------------------------------------------------------------

def test_full_file_known_values(raw):
    frame = _read(raw(FULL))
    assert schema.implausible(frame).empty  # no false x1000-outlier alarm on the real release
    assert _at(frame, "US", "synthetic_opioids", "2022-12-31", "reported") == 74_829
    assert _at(frame, "US", "all_drugs", "2022-12-31", "reported") == 109_413
    assert _at(frame, "US", "synthetic_opioids", "2022-12-31", "predicted") == 75_845
    assert _at(frame, "US", "all_drugs", "2022-12-31", "predicted") == 110_942
    assert _at(frame, "US", "opioids", "2022-12-31", "reported") == 82_851
    assert _at(frame, "US", "all_drugs", "2025-02-28", "reported") == 76_298
    # 76,860 source rows; VSRR publishes no predicted value for "Number of Deaths" and
    # "Percent with drugs specified" (2 x 6,588 rows), so 76,860 - 13,176 predicted rows.
    assert (frame.estimate == "reported").sum() == 76_860
    assert (frame.estimate == "predicted").sum() == 63_684
    assert set(frame.frequency) == {"12m_ending"}
    assert set(frame.source) == {SOURCE}
    assert set(frame.vintage) == {"2025-07-16"}
    assert frame.location.nunique() == 54
    assert {"US", "US-NYC", "US-PR", "US-NY"} <= set(frame.location)
    assert set(frame.indicator) == set(INDICATOR_LABELS.values())
    pct = frame[frame.indicator == "percent_drugs_specified"]
    assert set(pct.unit) == {"percent"} and set(pct.estimate) == {"reported"}
    assert frame.period_end.min() == pd.Timestamp("2015-01-31")
    assert frame.period_start.min() == pd.Timestamp("2014-02-01")
    assert frame.period_end.max() == pd.Timestamp("2025-02-28")
    assert list(frame.columns) == list(schema.COLUMNS)


def test_full_file_censored_cells(raw):
    frame = _read(raw(FULL))
    censored = frame[frame.censored]
    # raw file: 1,341 + 384 = 1,725 rows "Data suppressed (<10)", all with a blank Data Value;
    # 1,674 of them also have a blank Predicted Value, 51 have a predicted value of 10 or 11.
    assert (censored.estimate == "reported").sum() == 1_725
    assert (censored.estimate == "predicted").sum() == 1_674
    assert len(censored) == 3_399
    assert censored.value.isna().all()
    assert (censored.censor_upper == 9).all()
    assert not censored.location.eq("US").any()
    suppressed_keys = censored[censored.estimate == "reported"][["location", "indicator",
                                                                 "period_end"]]
    predicted = frame[frame.estimate == "predicted"].merge(suppressed_keys)
    kept = predicted[~predicted.censored]
    assert len(kept) == 51
    assert set(kept.value) <= {10.0, 11.0}
    assert (frame[~frame.censored].censor_upper.isna()).all()


def test_full_file_not_shown_and_underreported(raw):
    frame = _read(raw(FULL))
    not_shown = frame[frame.flag.str.contains("not_shown")]
    # raw: 12,177 + 270 = 12,447 "Data not shown due to low data quality" rows, both values blank
    assert len(not_shown) == 2 * 12_447
    assert not_shown.value.isna().all() and not not_shown.censored.any()
    assert (frame.flag == "underreported;not_shown").sum() == 2 * 270
    # raw: 8,820 rows with Footnote Symbol "*"; 1,512 of them have no predicted value
    assert frame.provisional.sum() == 8_820 + 8_820 - 1_512
    assert (frame.provisional == frame.flag.str.contains("underreported")).all()
    assert frame.value.notna().sum() == len(frame) - 3_399 - 24_894


def test_national_subset_matches_full_file(raw):
    full = _read(raw(FULL))
    national = read_vsrr(raw(NATIONAL))
    assert len(national) == 1_464 + 1_464 - 2 * 122
    us = full[full.location == "US"]
    key = ["indicator", "period_end", "estimate"]
    pd.testing.assert_frame_equal(national.sort_values(key).reset_index(drop=True),
                                  us.sort_values(key).reset_index(drop=True))


def test_older_vintage_without_footnotes_unsorted(raw):
    frame = read_vsrr(raw(OLD))
    assert _at(frame, "US", "all_drugs", "2023-11-30", "reported") == 105_384
    assert _at(frame, "US", "all_drugs", "2023-11-30", "predicted") == 109_527
    assert len(frame) == 2 * 5_671
    assert set(frame.indicator) == {"all_drugs"}
    # no date in the file name: the vintage is the end of the latest period in the file
    assert set(frame.vintage) == {"2023-11-30"}
    assert not frame.censored.any() and not frame.provisional.any()
    assert set(frame.flag) == {""}
    assert read_vsrr(raw(OLD), vintage="2024-05-07").vintage.iloc[0] == "2024-05-07"


def test_soda_lower_case_dialect_gives_the_same_frame(raw, tmp_path):
    header, *body = _rows(raw(FULL))
    page = body[:200]
    assert header == TITLES
    titled = _write(tmp_path / "titled_2025-07-16.csv", [header, *page])
    soda_names = [re.sub(r"\W+", "_", name.lower()) for name in header]
    assert soda_names[5] == "data_value" and soda_names[-1] == "predicted_value"
    # SODA leaves out columns that are empty on the whole page, and quotes every field
    keep = [i for i in range(len(header)) if any(row[i] for row in page)]
    soda_rows = [[soda_names[i] for i in keep], *[[row[i] for i in keep] for row in page]]
    soda = _write(tmp_path / "soda_2025-07-16.csv", soda_rows, quoting=csv.QUOTE_ALL)
    assert soda.read_text().startswith('"state","year","month"')
    expected = read_vsrr(titled)
    assert len(expected) == 400
    assert expected.flag.str.contains("not_shown").any() and expected.value.notna().any()
    pd.testing.assert_frame_equal(read_vsrr(soda), expected)


def test_soda_page_without_footnote_columns(raw, tmp_path):
    header, *body = _rows(raw(NATIONAL))
    page = body[:150]
    drop = {"Footnote", "Footnote Symbol", "Percent Complete", "Percent Pending Investigation"}
    keep = [i for i, name in enumerate(header) if name not in drop]
    soda_rows = [[re.sub(r"\W+", "_", header[i].lower()) for i in keep],
                 *[[row[i] for i in keep] for row in page]]
    frame = read_vsrr(_write(tmp_path / "page.csv", soda_rows, quoting=csv.QUOTE_ALL),
                      vintage="2025-07-16")
    titled = read_vsrr(_write(tmp_path / "titled.csv", [header, *page]), vintage="2025-07-16")
    np.testing.assert_array_equal(frame.value.to_numpy(), titled.value.to_numpy())
    assert set(frame.flag) == {""}


# -- malformed input: errors name the file line and the column --------------------------------

def _broken(raw, tmp_path: Path, edit) -> Path:
    rows = _rows(raw(NATIONAL))
    edit(rows)
    return _write(tmp_path / "broken_2025-07-16.csv", rows)


@pytest.mark.parametrize(("edit", "line", "column", "words"), [
    (lambda rows: rows[0].__setitem__(5, "Value"), 1, "Data Value", "missing column"),
    (lambda rows: rows[0].__setitem__(4, "Measure"), 1, "Indicator", "missing column"),
    (lambda rows: rows[9].__setitem__(5, "abc"), 10, "Data Value", "expected a number"),
    (lambda rows: rows[9].__setitem__(11, "12x"), 10, "Predicted Value", "expected a number"),
    (lambda rows: rows[20].__setitem__(5, "-5"), 21, "Data Value", "non-negative"),
    (lambda rows: rows[30].__setitem__(4, "Fentanyl (T40.4)"), 31, "Indicator",
     "unknown indicator"),
    (lambda rows: rows[40].__setitem__(2, "Smarch"), 41, "Month", "unknown month"),
    (lambda rows: rows[50].__setitem__(1, "1850"), 51, "Year", "year"),
    (lambda rows: rows[60].__setitem__(0, "XX"), 61, "State", "jurisdiction"),
    (lambda rows: rows[70].__setitem__(3, "3 month-ending"), 71, "Period", "12 month-ending"),
    (lambda rows: rows[80].__setitem__(5, ""), 81, "Data Value", "blank value"),
    (lambda rows: rows.append(list(rows[10])), 1_466, None, "line 11"),
    (lambda rows: rows[1].append("extra"), 2, None, "expected 12 fields"),
    (lambda rows: rows[10].append("extra"), 11, None, "expected 12 fields"),
])
def test_malformed_national_file(raw, tmp_path, data_error_at, edit, line, column, words):
    data_error_at(read_vsrr, _broken(raw, tmp_path, edit), row=line, column=column, needle=words)


def test_blank_count_without_footnote_column_is_an_error(raw, tmp_path, data_error_at):
    rows = _rows(raw(OLD))
    rows[100][5] = ""
    data_error_at(read_vsrr, _write(tmp_path / "old.csv", rows), row=101, column="Data Value",
                  match="no Footnote column")


def test_line_numbers_follow_quoted_multiline_fields(raw, tmp_path):
    rows = _rows(raw(NATIONAL))
    rows[1][8] = "United\nStates"  # a quoted field spanning two lines
    rows[5][5] = "abc"
    with pytest.raises(DataError) as info:
        read_vsrr(_write(tmp_path / "multi.csv", rows))
    assert info.value.row == 7


def test_header_only_file_is_an_error(raw, tmp_path, data_error_at):
    # issue 13: a header-only file returned an empty frame
    header = raw(NATIONAL).read_text(encoding="utf-8").splitlines()[0]
    for text in (header + "\n", header + "\n\n\n", header):
        path = tmp_path / "vsrr_header_only_2025-07-16.csv"
        path.write_text(text, encoding="utf-8")
        data_error_at(read_vsrr, path, row=1, column=None, needle="no data rows")


def test_bad_vintage_and_missing_file(raw, tmp_path):
    with pytest.raises(DataError, match="ISO date"):
        read_vsrr(raw(NATIONAL), vintage="July 2025")
    with pytest.raises(DataError, match="not found"):
        read_vsrr(tmp_path / "nope.csv")


# -- properties -----------------------------------------------------------------------------

_KIND = st.one_of(st.integers(0, 200_000), st.sampled_from(["suppressed", "not_shown"]))
_ROW = st.tuples(
    st.sampled_from(["US", "OH", "YC", "PR", "WV"]), st.integers(2015, 2025),
    st.integers(1, 12), st.sampled_from(PREDICTED_LABELS), _KIND, _KIND, st.booleans(),
).filter(lambda r: {r[4], r[5]} != {"suppressed", "not_shown"})  # one marker per source row


def _vsrr_rows(specs) -> list[list[str]]:
    rows = [TITLES]
    for state, year, month, label, reported, predicted, under in specs:
        notes = [UNDER_NOTE if under else FINAL_NOTE]
        notes += [SUPPRESSED_NOTE for kind in (reported, predicted) if kind == "suppressed"][:1]
        notes += [NOT_SHOWN_NOTE for kind in (reported, predicted) if kind == "not_shown"][:1]
        cells = ["" if isinstance(kind, str) else str(kind) for kind in (reported, predicted)]
        rows.append([state, str(year), MONTH_NAMES[month - 1], "12 month-ending", label,
                     cells[0], "100", "0", state, "  ".join(notes), "*" if under else "**",
                     cells[1]])
    return rows


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(specs=st.lists(_ROW, min_size=1, max_size=25, unique_by=lambda r: r[:4]))
def test_property_two_rows_per_source_row(tmp_path, specs):
    frame = read_vsrr(_write(tmp_path / "prop.csv", _vsrr_rows(specs)), vintage="2025-07-16")
    assert len(frame) == 2 * len(specs)
    assert list(frame.estimate) == ["reported", "predicted"] * len(specs)
    for i, (_state, year, month, label, reported, predicted, under) in enumerate(specs):
        for j, kind in enumerate((reported, predicted)):
            row = frame.iloc[2 * i + j]
            assert row.indicator == INDICATOR_LABELS[label]
            assert row.period_end == pd.Timestamp(year, month, 1) + pd.offsets.MonthEnd(0)
            assert bool(row.censored) == (kind == "suppressed")
            assert bool(row.provisional) == under
            assert ("not_shown" in row.flag) == (kind == "not_shown")
            if isinstance(kind, int):
                assert row.value == kind
            else:
                assert np.isnan(row.value)
    censored = frame[frame.censored]
    assert censored.value.isna().all() and (censored.censor_upper == 9).all()
    assert not (frame.censored & (frame.value == 0)).any()


_NUMBER = re.compile(r"-?\d{1,3}(,\d{3})+(\.\d+)?|-?\d+(\.\d+)?([eE][-+]?\d+)?")
_TOKEN = st.text(st.characters(exclude_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1,
                 max_size=8).filter(lambda s: s.strip() != ""
                                    and not _NUMBER.fullmatch(s.strip()))


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(token=_TOKEN, where=st.integers(0, 4))
def test_property_non_numeric_count_is_rejected(tmp_path, data_error_at, token, where):
    specs = [("OH", 2020, m, PREDICTED_LABELS[0], 100 + m, 110 + m, False) for m in range(1, 6)]
    rows = _vsrr_rows(specs)
    rows[1 + where][5] = token
    data_error_at(read_vsrr, _write(tmp_path / "token.csv", rows), row=2 + where,
                  column="Data Value", vintage="2025-07-16")
