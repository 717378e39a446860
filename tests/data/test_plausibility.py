"""The x1000-outlier plausibility warning of the readers, on real files with one value edited,
and its absence on every real raw file and bundled dataset (a false alarm is a defect)."""

from __future__ import annotations

import csv
import warnings
from pathlib import Path

import pytest

from odforecast import OdforecastWarning
from odforecast.data import schema
from odforecast.data.bundled import list_datasets, load_dataset
from odforecast.data.cbp import read_cbp_seizures
from odforecast.data.census import read_census_population
from odforecast.data.nflis import read_nflis
from odforecast.data.nida import read_nchs_drug_poisoning, read_nida_overdose
from odforecast.data.phac import read_phac
from odforecast.data.vsrr import read_vsrr
from odforecast.data.wonder import read_wonder

NATIONAL = "vsrr_national_US_2025-07-16.csv"
FULL = "vsrr_provisional_drug_overdose_death_counts_2025-07-16.csv"
FENTANYL_MONTHLY = "wonder_mcd_od_fentanyl_monthly_10_16_national.txt"


def test_x1000_typo_in_a_vsrr_file_is_warned_and_kept(raw, tmp_path):
    with raw(NATIONAL).open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    header = rows[0]
    at = next(i for i, r in enumerate(rows) if r[0] == "US" and r[1] == "2022"
              and r[2] == "December" and r[4] == "Number of Drug Overdose Deaths")
    assert rows[at][header.index("Data Value")] == "109413"
    rows[at][header.index("Data Value")] = "109413000"
    path = tmp_path / "vsrr_typo_2025-07-16.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)

    with pytest.warns(OdforecastWarning, match="1 implausible value") as record:
        frame = read_vsrr(path)
    message = str(record[0].message)
    assert (f"{path}, row {at + 1}, column 'Data Value': US all_drugs (reported), 2022-01-01 "
            "to 2022-12-31: 109,413,000 deaths is ") in message
    assert "times the median of its neighbouring periods" in message
    assert "typo" in message and "kept as read" in message
    assert record[0].filename == __file__  # points at the caller, not at odforecast
    # nothing dropped or changed
    kept = frame[(frame.location == "US") & (frame.indicator == "all_drugs")
                 & (frame.period_end == "2022-12-31") & (frame.estimate == "reported")]
    assert kept["value"].tolist() == [109_413_000.0]
    assert len(frame) == len(read_vsrr(raw(NATIONAL)))


def test_x1000_typo_in_a_wonder_export_is_warned(raw, tmp_path):
    lines = raw(FENTANYL_MONTHLY).read_bytes().decode("utf-8").splitlines()
    fields = lines[79].split("\t")  # line 80: January 2016, 1,038 deaths
    assert fields[3] == '"Jan., 2016"' and fields[5] == "1038"
    fields[5] = "1038000"
    lines[79] = "\t".join(fields)
    path = tmp_path / "typo.txt"
    path.write_bytes("\r\n".join(lines).encode("utf-8"))
    with pytest.warns(OdforecastWarning, match=r"row 80, column 'Deaths': US synthetic_opioids "
                                               r"\(reported\), 2016-01-01 to 2016-01-31: "
                                               r"1,038,000 deaths"):
        frame = read_wonder(path)
    assert frame["value"].max() == 1_038_000


def _no_warning(read, path: Path, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("error", OdforecastWarning)
        return read(path, **kwargs)


def test_no_false_alarm_on_the_real_raw_files_and_bundled_datasets(raw):
    # (the full 14 MB VSRR release is checked in test_vsrr.py, where it is read anyway)
    data = raw(NATIONAL).parent
    read = {"vsrr_": read_vsrr, "cbp_": read_cbp_seizures, "census_": read_census_population,
            "nflis_": read_nflis}
    seen = 0
    for path in sorted(data.iterdir()):
        reader = next((r for prefix, r in read.items() if path.name.startswith(prefix)), None)
        if reader is not None and path.name != FULL:
            _no_warning(reader, path)
            seen += 1
        elif path.name.startswith("wonder_") and "cocaine_fentanyl" not in path.name:
            _no_warning(read_wonder, path, vintage="2025-10-25")
            seen += 1
    assert seen == 30
    _no_warning(read_nida_overdose, data / "nida_national_od_deaths_by_drug_1999_2019.csv")
    _no_warning(read_nchs_drug_poisoning,
                data / "nchs_drug_poisoning_mortality_by_state_1999_2015.csv")
    _no_warning(read_phac, data / "canada_opioid_stimulant_harms_SubstanceHarmsData_2016_2025Q3"
                                  ".csv")
    for name in list_datasets()["name"]:
        assert schema.implausible(load_dataset(name)).empty, name


def test_real_bursts_are_not_outliers_but_a_typo_among_them_is(raw):
    # NFLIS: Illinois' 2006 fentanyl outbreak is 39x its neighbours, a real burst
    frame = read_nflis(raw("nflis_fentanyl_reports_by_state_year_1998_2024.csv"))
    il = frame[(frame.location == "US-IL") & (frame.period_end == "2006-12-31")]
    assert il["value"].max() > 20 * 36
    assert schema.implausible(frame).empty
    edited = frame.copy()
    edited.loc[il["value"].idxmax(), "value"] *= 1000
    found = schema.implausible(edited)
    assert found["position"].tolist() == [il["value"].idxmax()]
