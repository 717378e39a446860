"""Bundled datasets: catalogued, valid, identical to a rebuild from the raw files, in the wheel."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import odforecast
from odforecast import DataError
from odforecast.data import schema
from odforecast.data.bundled import dataset_dir

REPO = Path(__file__).resolve().parents[2]
EXPECTED = {"us_annual", "us_monthly_12m", "states_annual", "states_monthly_12m",
            "canada_annual", "canada_quarterly",
            "cbp_fentanyl_seizures", "nflis_fentanyl", "states_population"}


def _builder():
    spec = importlib.util.spec_from_file_location("build_datasets",
                                                  REPO / "data" / "build_datasets.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being defined
    spec.loader.exec_module(module)
    return module


def test_list_datasets_describes_every_dataset():
    table = odforecast.list_datasets()
    assert set(table["name"]) >= EXPECTED
    assert list(table.columns) == ["name", "description", "source", "vintage", "rows", "licence"]
    assert (table["rows"] > 0).all()
    canada = odforecast.dataset_info("canada_annual")
    assert "Open Government Licence" in canada["licence"]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_dataset_loads_and_validates(name):
    frame = odforecast.load_dataset(name)
    assert len(frame) == odforecast.dataset_info(name)["rows"]
    pd.testing.assert_frame_equal(frame, schema.validate(frame))
    assert not (frame["censored"] & frame["value"].notna()).any()


def test_round_trip_bundled_files_match_a_rebuild_from_the_raw_files(raw):
    """Rebuild every dataset from ../shared/data and compare byte for byte."""
    raw("vsrr_provisional_drug_overdose_death_counts_2025-07-16.csv")  # skip/fail if absent
    build = _builder()
    raw_dir = Path(raw("SOURCES.md")).parent
    for spec in build.SPECS:
        frame, data = build.build(spec, raw_dir)
        stored = (dataset_dir() / f"{spec.name}.csv.gz").read_bytes()
        assert data == stored, f"{spec.name} differs from a rebuild from the raw files"
        pd.testing.assert_frame_equal(frame, odforecast.load_dataset(spec.name),
                                      check_dtype=False)


def test_known_values_in_the_bundled_tables():
    us = odforecast.load_dataset("us_annual")

    def value(indicator, year, estimate="reported"):
        row = us[(us["indicator"] == indicator) & (us["period_start"].dt.year == year)
                 & (us["estimate"] == estimate)]
        assert len(row) == 1
        return row.iloc[0]

    assert value("all_drugs", 2015)["value"] == 52404  # NCHS final
    assert value("synthetic_opioids", 2022)["value"] == 74829  # VSRR December 12m-ending
    assert value("all_drugs", 2022, "predicted")["value"] == 110942
    assert value("all_drugs", 2024)["provisional"] and not value("all_drugs", 2019)["provisional"]
    assert set(us["period_start"].dt.year) == set(range(1999, 2025))

    canada = odforecast.load_dataset("canada_annual")
    ca = canada[canada["location"] == "CA"].set_index(canada[canada["location"] == "CA"][
        "period_start"].dt.year)
    assert ca.loc[2023, "value"] == 8020 and ca.loc[2025, "flag"] == "partial_period"

    cbp = odforecast.load_dataset("cbp_fentanyl_seizures")
    lbs = cbp[(cbp["indicator"] == "fentanyl_seized_lbs") & (cbp["region"] == "all")]
    fy23 = lbs[(lbs["period_start"] >= "2022-10-01") & (lbs["period_start"] <= "2023-09-01")]
    assert round(fy23["value"].sum()) == 27023
    by_region = cbp[(cbp["indicator"] == "fentanyl_seized_lbs") & (cbp["region"] != "all")]
    national = lbs.set_index("period_start")["value"]
    summed = by_region.groupby("period_start")["value"].sum()
    np.testing.assert_allclose(summed.reindex(national.index), national, rtol=1e-9)

    states = odforecast.load_dataset("states_annual")
    assert states["censored"].any()
    assert np.isnan(states.loc[states["censored"], "value"]).all()
    assert (states.loc[states["censored"], "censor_upper"] == 9).all()


def test_unknown_dataset_is_a_clear_error():
    with pytest.raises(DataError, match="no bundled dataset named 'us_anual'"):
        odforecast.load_dataset("us_anual")


def test_a_damaged_bundled_file_is_detected(tmp_path, monkeypatch):
    damaged = tmp_path / "datasets"
    damaged.mkdir()
    for path in dataset_dir().iterdir():
        (damaged / path.name).write_bytes(path.read_bytes())
    target = damaged / "us_annual.csv.gz"
    target.write_bytes(target.read_bytes()[:-10])
    from odforecast.data import bundled

    monkeypatch.setattr(bundled, "dataset_dir", lambda: damaged)
    bundled._catalog.cache_clear()
    try:
        with pytest.raises(DataError, match="checksum"):
            bundled.load_dataset("us_annual")
    finally:
        bundled._catalog.cache_clear()


def test_the_wheel_carries_the_datasets(tmp_path):
    pytest.importorskip("hatchling")
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(REPO), "--no-deps",
                    "--no-build-isolation", "-q", "-w", str(tmp_path)], check=True)
    wheel = next(tmp_path.glob("odforecast-*.whl"))
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        assert "odforecast/py.typed" in names
        for path in dataset_dir().iterdir():
            member = f"odforecast/_datasets/{path.name}"
            assert member in names
            assert zf.read(member) == path.read_bytes()
