"""The command line's outputs (issue 13): checked before fitting, written atomically, the CSV's
intervals and rounding, warnings once each, and clean errors for bad flags.  Cheap models."""

from __future__ import annotations

import os

import pandas as pd
import pytest

import odforecast
from odforecast._output import AtomicFiles, atomic_folder
from odforecast.cli import main
from odforecast.cli._commands import fetch_summary
from odforecast.cli._messages import warning_lines


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# ARIMA prints "[odforecast] arima: fitting ..." when its fit starts: a check that runs after
# the fit would leave that line in stderr
ARIMA = ("forecast", "--dataset", "us_annual", "--indicator", "heroin", "--location", "US",
         "--model", "arima", "--horizon", "2")
NAIVE = ("--dataset", "us_annual", "--indicator", "heroin", "--location", "US", "--model",
         "naive", "--horizon", "2")


@pytest.mark.parametrize(("flag", "where", "needle"), [
    ("--out", "missing/f.csv", "does not exist; create it first"),
    ("--out", ".", "is a folder; give a file name such as"),
    ("--save", "missing/f.nc", "does not exist; create it first"),
    ("--hubverse", "missing/h.csv", "does not exist"),
    ("--plot", "fan.pgn", "cannot tell the image format"),
])
def test_forecast_output_paths_are_checked_before_fitting(flag, where, needle, capsys,
                                                          tmp_path):
    code, out, err = run(capsys, *ARIMA, flag, str(tmp_path / where))
    assert code == 2 and out == ""
    assert f"parameter '{flag}'" in err and needle in err and str(tmp_path) in err
    assert "[odforecast] arima" not in err and "Traceback" not in err
    assert "Permission denied" not in err


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_unwritable_output_folder_is_named(capsys, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    code, _, err = run(capsys, *ARIMA, "--out", str(locked / "f.csv"))
    assert code == 2 and "no permission to write" in err


def test_one_file_for_two_outputs_is_refused(capsys, tmp_path):
    same = str(tmp_path / "f.csv")
    code, _, err = run(capsys, *ARIMA, "--out", same, "--hubverse", same)
    assert code == 2 and "is also given to --out" in err


def test_backtest_and_reproduce_outputs_are_checked_first(capsys, tmp_path):
    code, _, err = run(capsys, "backtest", *NAIVE, "--origins", "2015:2016", "--out",
                       str(tmp_path / "missing" / "s.csv"))
    assert code == 2 and "parameter '--out'" in err and "does not exist" in err
    existing = tmp_path / "results.csv"
    existing.write_text("keep me\n")
    code, _, err = run(capsys, "reproduce", "stanford-lancet", "--models", "arima", "--out",
                       str(existing))
    assert code == 2 and "is a file, not a folder" in err and "Traceback" not in err
    assert existing.read_text() == "keep me\n"


@pytest.mark.parametrize(("origins", "needle"), [
    ("garbage", "'garbage' in 'garbage' is not a date"),
    ("2015:2018:abc", "the step must be a positive whole number of periods; got 'abc'"),
    ("2015:2018:0", "the step must be a positive whole number of periods; got '0'"),
    ("2015:2018:1:2", "must be START:END[:STEP]"),
])
def test_bad_origins_are_parameter_errors(origins, needle, capsys):
    code, out, err = run(capsys, "backtest", *NAIVE, "--origins", origins)
    assert code == 2 and out == ""
    assert "--origins" in err and needle in err and "Traceback" not in err


def test_forecast_csv_has_the_50_percent_interval_and_whole_deaths(capsys, tmp_path):
    out = tmp_path / "f.csv"
    code, printed, _ = run(capsys, "forecast", *NAIVE, "--out", str(out), "--quiet")
    assert code == 0 and "50% interval" in printed
    text = out.read_text()
    header = text.splitlines()[0].split(",")
    assert header[header.index("lower_50"):] == ["lower_50", "upper_50", "lower_80",
                                                  "upper_80", "lower_95", "upper_95"]
    table = pd.read_csv(out)
    for column in ("mean", "median", "lower_50", "upper_50", "lower_95", "upper_95"):
        assert table[column].dtype == "int64", column  # whole deaths
    assert table["period_end"].tolist() == ["2025-12-31", "2026-12-31"]  # exact dates
    assert (table["lower_50"] < table["median"]).all()
    assert (table["lower_80"] <= table["lower_50"]).all()


def test_outputs_appear_together_and_replace_old_ones_at_the_end(capsys, tmp_path):
    out, hub = tmp_path / "f.csv", tmp_path / "hub.csv"
    out.write_text("previous run\n")
    code, _, _ = run(capsys, "forecast", *NAIVE, "--out", str(out), "--hubverse", str(hub),
                     "--quiet")
    assert code == 0 and out.read_text() != "previous run\n" and hub.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.csv", "hub.csv"]  # no temp left


def test_atomic_files_keep_the_previous_output_when_writing_fails(tmp_path):
    us = odforecast.load_dataset("us_monthly_12m").query(
        "indicator == 'opioids' and estimate == 'reported' and location == 'US'")
    fc = odforecast.Naive().fit(us).forecast(2, n_samples=50, random_seed=1)
    table = tmp_path / "f.csv"
    table.write_text("previous run\n")
    def write() -> None:
        with AtomicFiles() as files:
            fc.to_frame().to_csv(files.path(table), index=False)
            fc.cumulative("2025-03", "2025-04")  # a real failure after the first file

    with pytest.raises(odforecast.DataError, match="overlap"):
        write()
    assert table.read_text() == "previous run\n"
    assert [p.name for p in tmp_path.iterdir()] == ["f.csv"]


def test_atomic_folder_replaces_a_run_whole_or_not_at_all(tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    (out / "old.png").write_text("previous figure")
    def interrupted() -> None:
        with atomic_folder(out) as tmp:
            (tmp / "comparison.csv").write_text("header only\n")
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        interrupted()
    assert [p.name for p in out.iterdir()] == ["old.png"]
    with atomic_folder(out) as tmp:
        (tmp / "comparison.csv").write_text("a,b\n1,2\n")
    assert [p.name for p in out.iterdir()] == ["comparison.csv"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_warnings_print_once_without_paths_and_say_which_flags():
    fit_warning = ("/work/main/src/odforecast/models/bayes/fit.py:173: OdforecastWarning: "
                   "bayes fit is not trustworthy: min tail ESS 212 < 400")
    lines = warning_lines([fit_warning, "posterior not trustworthy: min tail ESS 212 < 400",
                           "US heroin: fitted with fallback naive (too short)",
                           "US heroin: fitted with fallback naive (too short)"])
    assert len(lines) == 2
    assert lines[0].startswith("odforecast: warning: bayes fit is not trustworthy")
    assert "fit.py" not in lines[0] and "/work" not in lines[0]
    assert "--draws" in lines[0] and "--tune" in lines[0] and "--target-accept" in lines[0]
    assert lines[1] == "odforecast: warning: US heroin: fitted with fallback naive (too short)"


def test_data_alone_prints_the_data_help(capsys):
    code, out, err = run(capsys, "data")
    assert code == 2 and out == ""
    assert "usage: odforecast data" in err and "fetch" in err and "COMMAND" not in err


def test_fetch_summary_prints_no_placeholder():
    frame = odforecast.load_dataset("us_annual")
    frame.attrs["cache"] = {"vintage": "2025-07-16"}  # a sidecar without the path
    assert fetch_summary(frame) == "VSRR: 247 rows, vintage 2025-07-16"
    assert "?" not in fetch_summary(frame)


def test_a_folder_that_refuses_the_file_is_a_parameter_error(tmp_path):
    # the check before fitting catches this; a folder removed (or made read-only) meanwhile
    # still gives a message naming the flag, not an OSError traceback
    with AtomicFiles() as files, pytest.raises(odforecast.ParameterError,
                                               match=r"--plot.*cannot write there"):
        files.path(tmp_path / "gone" / "fan.png", flag="--plot")
