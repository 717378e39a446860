"""The command line as a user runs it: real bundled data, real files written."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from odforecast.cli import main


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_data_show_prints_a_readable_wide_table(capsys):
    code, out, err = run(capsys, "data", "show", "us_annual", "--estimate", "reported")
    assert code == 0 and err == ""
    line_2015 = next(line for line in out.splitlines() if line.startswith("2015 "))
    assert "52,404" in line_2015 and "33,091" in line_2015  # all drugs, opioids (NCHS final)
    assert "p = provisional" in out and "Source:" in out


def test_data_show_csv_round_trips(capsys):
    code, out, _ = run(capsys, "data", "show", "states_annual", "--location", "US-VT",
                       "--indicator", "heroin", "--format", "csv")
    assert code == 0
    frame = pd.read_csv(io.StringIO(out))
    assert set(frame["location"]) == {"US-VT"} and set(frame["indicator"]) == {"heroin"}
    assert frame["censored"].any()  # Vermont heroin deaths are suppressed in some years
    assert frame.loc[frame["censored"], "value"].isna().all()


def test_unknown_indicator_and_location_are_named(capsys):
    code, out, err = run(capsys, "data", "show", "us_annual", "--indicator", "fentanyl")
    assert code == 2 and out == ""
    assert "has no indicator 'fentanyl'" in err and "synthetic_opioids" in err
    code, _, err = run(capsys, "forecast", "--dataset", "states_annual", "--indicator",
                       "opioids", "--location", "US-ZZ", "--horizon", "3")
    assert code == 2 and "has no location 'US-ZZ'" in err


def test_forecast_writes_table_hubverse_and_plot(capsys, tmp_path):
    out_csv, hub_csv, png = tmp_path / "f.csv", tmp_path / "hub.csv", tmp_path / "fan.png"
    code, out, _ = run(capsys, "forecast", "--dataset", "us_monthly_12m", "--indicator",
                       "opioids", "--location", "US", "--model", "arima", "--horizon", "12",
                       "--n-samples", "300", "--out", str(out_csv), "--plot", str(png),
                       "--hubverse", str(hub_csv))
    assert code == 0
    assert "12m to 2026-02" in out and "Fit diagnostics" in out
    table = pd.read_csv(out_csv)
    assert len(table) == 12 and (table["lower_95"] <= table["median"]).all()
    hub = pd.read_csv(hub_csv)
    assert len(hub) == 12 * 23 and (hub["value"] >= 0).all()
    assert (hub.groupby("horizon")["value"].apply(lambda v: v.is_monotonic_increasing)).all()
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5000


def test_forecast_with_the_default_ensemble_shows_its_members_and_weights(capsys):
    code, out, _ = run(capsys, "forecast", "--dataset", "us_monthly_12m", "--indicator",
                       "synthetic_opioids", "--location", "US", "--model", "ensemble",
                       "--horizon", "3", "--n-samples", "200")
    assert code == 0
    assert "weight arima" in out and "weight bayes" in out
    assert "max R-hat" in out  # the Bayesian member's checks
    assert "0.50" in out.split("Fit diagnostics")[1]
    assert "past WIS" not in out  # equal weights: no backtest, no empty columns


def test_forecast_with_named_ensemble_members_mixes_their_paths(capsys, tmp_path):
    """--members arima,bayes: the mixture's median lies between its members' (each forecast
    alone with the same flags), and both members are in the fit table."""
    series = ["--dataset", "us_monthly_12m", "--indicator", "opioids", "--location", "US",
              "--horizon", "12", "--n-samples", "600"]
    sampler = ["--draws", "300", "--tune", "300"]
    runs = {"arima": ["--model", "arima"], "bayes": ["--model", "bayes", *sampler],
            "ensemble": ["--model", "ensemble", "--members", "arima,bayes", *sampler]}
    medians = {}
    for label, flags in runs.items():
        out_csv = tmp_path / f"{label}.csv"
        code, out, _ = run(capsys, "forecast", *series, *flags, "--out", str(out_csv))
        assert code == 0, out
        medians[label] = pd.read_csv(out_csv)["median"].to_numpy()
    diagnostics = out.split("Fit diagnostics")[1]  # the ensemble's, run last
    assert "weight arima" in diagnostics and "weight bayes" in diagnostics
    low = np.minimum(medians["arima"], medians["bayes"])
    high = np.maximum(medians["arima"], medians["bayes"])
    assert (medians["ensemble"] >= 0.99 * low).all() and (medians["ensemble"] <= 1.01 * high).all()
    # the members disagree at h = 12, and the mixture is not one of them: its median is
    # well inside the gap (about 60 % of the way from ARIMA's to the Bayesian model's)
    gap = medians["bayes"][-1] - medians["arima"][-1]
    assert abs(gap) > 0.05 * medians["arima"][-1]
    assert 0.2 < (medians["ensemble"][-1] - medians["arima"][-1]) / gap < 0.8


def test_forecast_is_reproducible_from_the_seed(capsys, tmp_path):
    outputs = []
    for name in ("a.csv", "b.csv"):
        run(capsys, "forecast", "--dataset", "us_annual", "--indicator", "heroin", "--location",
            "US", "--model", "drift", "--horizon", "5", "--seed", "7", "--out",
            str(tmp_path / name))
        outputs.append((tmp_path / name).read_text())
    assert outputs[0] == outputs[1]


def test_bad_horizon_is_an_error_not_a_traceback(capsys):
    code, _, err = run(capsys, "forecast", "--dataset", "us_annual", "--indicator", "heroin",
                       "--location", "US", "--model", "naive", "--horizon", "0")
    assert code == 2 and "horizon must be a positive whole number" in err
    assert "Traceback" not in err


def test_backtest_prints_scores_with_relative_wis(capsys):
    code, out, _ = run(capsys, "backtest", "--dataset", "us_monthly_12m", "--indicator",
                       "synthetic_opioids", "--location", "US", "--model", "drift",
                       "--horizon", "3", "--origins", "2023-01:2023-12:6", "--n-samples", "200")
    assert code == 0
    assert "2 origins (2023-01-31 .. 2023-07-31)" in out
    assert "WIS vs naive" in out and "80% cov." in out
    naive_line = next(line for line in out.splitlines() if line.strip().startswith("naive"))
    assert " 1.00 " in f"{naive_line} "  # naive against itself
    assert "Posterior checks" not in out  # no model here has a posterior


def test_a_bayesian_backtest_shows_each_origins_posterior_checks_first(capsys):
    """Two origins of a deliberately short run: both fits are flagged in the table, which
    comes before the scores, with the flags to raise."""
    code, out, _ = run(capsys, "backtest", "--dataset", "us_annual", "--indicator", "opioids",
                       "--location", "US", "--model", "bayes", "--draws", "100", "--tune",
                       "100", "--horizon", "2", "--origins", "2014:2016:2", "--n-samples",
                       "200", "--quiet")
    assert code == 0
    assert out.index("Posterior checks per origin") < out.index("Mean scores")
    rows = [line.split() for line in out.splitlines() if line.startswith("bayes  20")]
    assert [row[1] for row in rows] == ["2014-12-31", "2016-12-31"]
    assert all(row[-1] == "no" and int(row[4]) < 400 for row in rows)  # min bulk ESS
    text = " ".join(out.split())  # the notes wrap at the terminal's width
    assert "0 of 2 fits pass" in text and "raise --draws and --tune" in text


def test_fetch_offline_without_cache_fails_cleanly(capsys, tmp_path):
    code, out, err = run(capsys, "data", "fetch", "vsrr", "--cache-dir", str(tmp_path),
                         "--base-url", "http://127.0.0.1:9")
    assert code == 1 and out == ""
    assert "odforecast: error:" in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("argv", [["data", "show"], ["forecast", "--dataset", "us_annual"]])
def test_missing_arguments_are_usage_errors(argv, capsys):
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2


def test_forecast_with_the_bayesian_model(capsys, tmp_path):
    # issue 13: the sampler flags reach the fit, and a short run's "not trustworthy" warning is
    # printed once, without internal file paths, saying which flags to change
    out_csv = tmp_path / "bayes.csv"
    code, out, err = run(capsys, "forecast", "--dataset", "us_monthly_12m", "--indicator",
                         "synthetic_opioids", "--location", "US", "--model", "bayes",
                         "--horizon", "6", "--n-samples", "300", "--out", str(out_csv),
                         "--draws", "100", "--tune", "150", "--chains", "2")
    assert code == 0
    assert "max R-hat" in out and "12m to 2025-08" in out
    assert "2 chains x 100 draws after 150 tuning steps" in err
    assert err.count("not trustworthy") == 1 and "odforecast: warning: " in err
    warning = next(line for line in err.splitlines() if "not trustworthy" in line)
    assert "--draws" in warning and ".py" not in warning
    assert ("--target-accept" in warning) == ("divergen" in warning)  # advised only then
    assert warning.lower().count("to fix it") == 1  # the model's advice, not a second one
    table = pd.read_csv(out_csv)
    assert len(table) == 6 and (table["lower_95"] < table["upper_95"]).all()


def test_seed_fixes_bayesian_fits_across_processes(tmp_path):
    # issue 13: the CLI built the Bayesian model without the seed, so two runs with --seed 3
    # wrote different files.  Two separate processes (run side by side: 2 cores).
    import os
    import subprocess
    import sys

    env = {**os.environ, "ODFORECAST_QUICK": "1"}
    outs = [tmp_path / f"{name}.csv" for name in ("a", "b")]
    runs = [subprocess.Popen([sys.executable, "-m", "odforecast.cli", "forecast", "--dataset",
                              "us_annual", "--indicator", "opioids", "--location", "US",
                              "--model", "bayes", "--horizon", "3", "--seed", "3", "--out",
                              str(out), "--quiet"], env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True) for out in outs]
    for process in runs:
        _, err = process.communicate(timeout=600)
        assert process.returncode == 0, err
    first, second = (out.read_bytes() for out in outs)
    assert first == second and len(first) > 200

