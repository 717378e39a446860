"""The tidy schema's validation: known good frames pass, every kind of bad frame is named."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from odforecast import DataError
from odforecast.data import schema
from odforecast.data.locations import is_valid_location


def _row(**overrides):
    row = {"location": "US", "indicator": "opioids", "frequency": "annual",
           "period_start": "2019-01-01", "period_end": "2019-12-31", "value": 49860.0,
           "unit": "deaths", "source": "NIDA", "vintage": "2021-10-27"}
    row.update(overrides)
    return row


def test_from_records_fills_defaults_and_orders_columns():
    frame = schema.from_records([_row()])
    assert list(frame.columns) == list(schema.COLUMNS)
    assert frame.loc[0, "estimate"] == "reported"
    assert not frame.loc[0, "censored"]
    assert frame.loc[0, "period_end"] == pd.Timestamp("2019-12-31")


@pytest.mark.parametrize(
    ("overrides", "column", "needle"),
    [
        ({"location": "Ohio"}, "location", "location code"),
        ({"indicator": "fentanyl"}, "indicator", "unknown indicator"),
        ({"frequency": "weekly"}, "frequency", "unknown frequency"),
        ({"value": -1.0}, "value", "negative"),
        ({"value": np.inf}, "value", "non-finite"),
        ({"value": np.nan}, "value", "neither censored"),
        ({"unit": "lbs"}, "unit", "measured in 'deaths'"),
        ({"period_end": "2019-06-30"}, "period_end", "must end on 2019-12-31"),
        ({"period_start": "2019-03-01", "period_end": "2020-02-29"}, "period_start",
         "annual period cannot start"),
        ({"period_start": "2019-01-15"}, "period_start", "first day of a month"),
        ({"censored": True}, "value", "censored row must have value NaN"),
        ({"flag": "bogus"}, "flag", "unknown flag"),
        ({"estimate": "nowcast"}, "estimate", "reported' or 'predicted"),
    ],
)
def test_bad_rows_are_named(overrides, column, needle):
    rows = [_row(period_start="2018-01-01", period_end="2018-12-31"), _row(**overrides)]
    with pytest.raises(DataError) as info:
        schema.from_records(rows, origin="mine.csv")
    assert info.value.path == "mine.csv"
    assert info.value.column == column
    assert info.value.row == 1
    assert needle in str(info.value)


def test_censored_row_needs_upper_bound_and_keeps_nan():
    ok = schema.from_records([_row(value=np.nan, censored=True, censor_upper=9.0,
                                   location="US-VT")])
    assert np.isnan(ok.loc[0, "value"]) and ok.loc[0, "censor_upper"] == 9.0
    with pytest.raises(DataError, match="positive censor_upper"):
        schema.from_records([_row(value=np.nan, censored=True)])


def test_partial_period_must_be_flagged():
    partial = _row(period_start="2025-01-01", period_end="2025-09-30", flag="partial_period")
    assert schema.from_records([partial]).loc[0, "flag"] == "partial_period"


def test_duplicate_key_names_both_rows():
    with pytest.raises(DataError, match="same key as row 0") as info:
        schema.from_records([_row(), _row(value=1.0)])
    assert info.value.row == 1


def test_dimension_columns_are_part_of_the_key():
    rows = [_row(sex="Female", value=1.0), _row(sex="Male", value=2.0)]
    frame = schema.from_records(rows)
    assert schema.dimensions(frame) == ["sex"]
    assert len(frame) == 2


def test_missing_column_is_reported():
    frame = schema.from_records([_row()]).drop(columns="vintage")
    with pytest.raises(DataError, match="missing required column") as info:
        schema.validate(frame)
    assert info.value.column == "vintage"


@pytest.mark.parametrize(
    ("frequency", "year", "month", "start", "end"),
    [("12m_ending", 2022, 12, "2022-01-01", "2022-12-31"),
     ("12m_ending", 2024, 2, "2023-03-01", "2024-02-29"),
     ("monthly", 2024, 2, "2024-02-01", "2024-02-29"),
     ("semiannual", 2021, 7, "2021-07-01", "2021-12-31"),
     ("annual", 1999, 1, "1999-01-01", "1999-12-31")],
)
def test_period_bounds(frequency, year, month, start, end):
    assert schema.period_bounds(frequency, year, month) == (pd.Timestamp(start),
                                                            pd.Timestamp(end))


_frequencies = st.sampled_from(sorted(schema.FREQUENCIES))


@settings(max_examples=60, deadline=None)
@given(frequency=_frequencies, year=st.integers(1999, 2030), month=st.integers(1, 12),
       value=st.one_of(st.floats(0, 1e7, allow_nan=False), st.none()))
def test_any_well_formed_period_validates(frequency, year, month, value):
    """period_bounds always yields a period the validator accepts, for every frequency."""
    aligned = {"annual": 1, "semiannual": 1 + 6 * ((month - 1) // 6),
               "quarterly": 1 + 3 * ((month - 1) // 3)}.get(frequency, month)
    start, end = schema.period_bounds(frequency, year, aligned)
    row = _row(frequency=frequency, period_start=start, period_end=end)
    if value is None:
        row.update(value=np.nan, censored=True, censor_upper=9.0)
    else:
        row["value"] = value
    frame = schema.from_records([row])
    assert len(frame) == 1
    assert frame.loc[0, "censored"] == (value is None)


@settings(max_examples=60, deadline=None)
@given(text=st.text(min_size=1, max_size=8))
def test_random_location_strings_are_accepted_only_if_well_formed(text):
    ok = is_valid_location(text)
    if ok:
        assert schema.from_records([_row(location=text)]).loc[0, "location"] == text
    else:
        with pytest.raises(DataError) as info:
            schema.from_records([_row(location=text)])
        assert info.value.column == "location"


@settings(max_examples=40, deadline=None)
@given(values=st.lists(st.floats(0, 1e6, allow_nan=False), min_size=1, max_size=30),
       bad_at=st.integers(0, 29), bad=st.sampled_from([-1.0, np.inf, -np.inf]))
def test_first_bad_value_is_located_exactly(values, bad_at, bad):
    """Whatever the frame, the error points at the first bad row, never a later one."""
    rows = [_row(period_start=f"{1990 + i}-01-01", period_end=f"{1990 + i}-12-31", value=v)
            for i, v in enumerate(values)]
    position = bad_at % len(rows)
    rows[position]["value"] = bad
    with pytest.raises(DataError) as info:
        schema.from_records(rows)
    assert info.value.row == position
    assert info.value.column == "value"
