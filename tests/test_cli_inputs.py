"""The command line's inputs (issue 13): your own file (--data, --format), scenarios, series and
sampler control, New York City, honest messages.  Real data, cheap models (naive, drift)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd
import pytest

import odforecast
from odforecast.cli import main
from odforecast.cli._models import build_model

SHARED = Path("/work/shared/data")
VSRR = SHARED / "vsrr_provisional_drug_overdose_death_counts_2025-07-16.csv"
WONDER = SHARED / "wonder_mcd_od_fentanyl_monthly_10_16_national.txt"
needs_shared = pytest.mark.skipif(not VSRR.exists(), reason="needs /work/shared/data")


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture(scope="module")
def ohio_vsrr(tmp_path_factory) -> Path:
    """Ohio's rows of the real VSRR release of 2025-07-16, as a user would cut them."""
    path = tmp_path_factory.mktemp("vsrr") / "vsrr_ohio_2025-07-16.csv"
    with VSRR.open(encoding="utf-8") as source, path.open("w", encoding="utf-8") as out:
        out.write(next(source))
        out.writelines(line for line in source if line.startswith("OH,"))
    return path


SERIES = ("--dataset", "us_annual", "--indicator", "heroin", "--location", "US")


# -- --data FILE ---------------------------------------------------------------------------


@needs_shared
def test_data_reads_a_vsrr_download_for_one_state(capsys, ohio_vsrr, tmp_path):
    out = tmp_path / "oh.csv"
    # Ohio's synthetic-opioid windows of Jan-Mar 2015 are withheld ("not shown"): --start
    # leaves them out; location and indicator need no flag when the choice is forced
    code, printed, err = run(capsys, "forecast", "--data", str(ohio_vsrr), "--indicator",
                             "synthetic_opioids", "--start", "2015-04", "--model", "naive",
                             "--horizon", "3", "--out", str(out), "--quiet")
    assert code == 0, err
    assert "US-OH synthetic_opioids" in printed and "data vintage 2025-07-16" in printed
    table = pd.read_csv(out)
    assert table["period_end"].tolist() == ["2025-03-31", "2025-04-30", "2025-05-31"]
    # naive: centred on the last window, 1,903 deaths in the 12 months to Feb 2025 (VSRR)
    assert abs(table.loc[0, "median"] - 1903) <= 10


@needs_shared
def test_data_with_withheld_leading_months_starts_at_the_first_shown_and_says_so(capsys,
                                                                               ohio_vsrr):
    """Ohio's synthetic-opioid windows to March 2015 are withheld: the series starts at the
    first shown window, and the diagnostics table says so (it was refused before)."""
    code, printed, err = run(capsys, "forecast", "--data", str(ohio_vsrr), "--indicator",
                             "synthetic_opioids", "--model", "naive", "--horizon", "3",
                             "--quiet")
    assert code == 0, err
    diagnostics = printed.split("Fit diagnostics")[1]
    assert "from" in diagnostics and "2015-04-30" in diagnostics


@needs_shared
def test_data_detects_a_wonder_export_and_format_overrides(capsys):
    code, printed, err = run(capsys, "forecast", "--data", str(WONDER), "--model", "naive",
                             "--horizon", "2", "--quiet")
    assert code == 0, err
    assert "US synthetic_opioids" in printed and "2017-01" in printed  # monthly 2010-2016
    code, _, err = run(capsys, "forecast", "--data", str(WONDER), "--format", "vsrr",
                       "--model", "naive", "--horizon", "2")
    assert code == 2 and str(WONDER) in err and "Traceback" not in err  # read as VSRR


def test_data_reads_a_tidy_csv_like_the_bundled_dataset(capsys, tmp_path):
    tidy = tmp_path / "us_annual.csv"
    code, text, _ = run(capsys, "data", "show", "us_annual", "--format", "csv")
    tidy.write_text(text)
    outs = []
    for source in (("--data", str(tidy)), ("--dataset", "us_annual")):
        outs.append(tmp_path / f"{len(outs)}.csv")
        code, _, err = run(capsys, "forecast", *source, "--indicator", "heroin", "--location",
                           "US", "--model", "drift", "--horizon", "3", "--seed", "7", "--out",
                           str(outs[-1]), "--quiet")
        assert code == 0, err
    assert outs[0].read_bytes() == outs[1].read_bytes()


def test_dataset_that_names_a_file_points_to_data(capsys):
    code, _, err = run(capsys, "forecast", "--dataset", "ohio_vsrr.csv", "--horizon", "3")
    assert code == 2
    assert "no bundled dataset named 'ohio_vsrr.csv'" in err
    assert "to read your own file use --data ohio_vsrr.csv" in err


@pytest.mark.parametrize("argv", [["--horizon", "2"],
                                  ["--dataset", "us_annual", "--data", "x.csv", "--horizon", "2"]])
def test_exactly_one_of_dataset_and_data(argv, capsys):
    with pytest.raises(SystemExit) as info:
        main(["forecast", *argv])
    assert info.value.code == 2
    assert "--dataset" in capsys.readouterr().err


def test_data_that_is_missing_or_a_folder_is_named(capsys, tmp_path):
    code, _, err = run(capsys, "forecast", "--data", str(tmp_path / "nope.csv"), "--horizon",
                       "2")
    assert code == 2 and "--data" in err and "does not exist" in err
    code, _, err = run(capsys, "forecast", "--data", str(tmp_path), "--horizon", "2")
    assert code == 2 and "is a folder" in err


# -- scenarios -----------------------------------------------------------------------------


def test_scenarios_print_paired_totals(capsys, tmp_path):
    cut = tmp_path / "cut.json"
    cut.write_text(json.dumps([{"type": "interdiction", "name": "cut30", "effect": 0.3,
                                "onset": None}]))
    out = tmp_path / "f.csv"
    code, printed, err = run(capsys, "forecast", "--dataset", "us_annual", "--indicator",
                             "opioids", "--location", "US", "--model", "drift", "--horizon",
                             "3", "--n-samples", "400", "--scenario", str(cut), "--scenario",
                             "source_low_fentanyl", "--out", str(out), "--quiet")
    assert code == 0, err
    assert "Scenarios: total deaths 2025 .. 2027" in printed
    section = printed[printed.index("Scenarios:"):]
    line = next(x for x in section.splitlines() if x.startswith("cut30"))
    assert "(-30.0%)" in line  # 30 % fewer on every path, so the paired change is exact
    table = pd.read_csv(out)
    assert table["scenario"].unique().tolist() == ["status_quo", "cut30",
                                                   "source_low_fentanyl"]

    from odforecast.cli._forecast import scenario_totals, scenarios_for

    data = odforecast.load_dataset("us_annual").query(
        "indicator == 'opioids' and estimate == 'reported' and location == 'US'")
    fc = odforecast.Drift().fit(data).forecast(3, scenarios_for([str(cut)], data),
                                               n_samples=400, random_seed=0)
    totals = scenario_totals(fc).set_index("scenario")
    # path by path: the change's interval is -30 % of the status quo's, mirrored
    assert totals.loc["cut30", "diff_lower_95"] == pytest.approx(
        -0.3 * totals.loc["status_quo", "upper_95"])
    assert totals.loc["cut30", "diff_upper_95"] == pytest.approx(
        -0.3 * totals.loc["status_quo", "lower_95"])


def test_unknown_scenario_is_named(capsys):
    code, out, err = run(capsys, "forecast", *SERIES, "--model", "naive", "--horizon", "2",
                         "--scenario", "no_such_preset")
    assert code == 1 and out == ""
    assert "unknown scenario 'no_such_preset'" in err and "source_low_fentanyl" in err


# -- series and sampler control -------------------------------------------------------------


def test_start_and_end_trim_the_series(capsys, tmp_path):
    out = tmp_path / "f.csv"
    code, _, err = run(capsys, "forecast", *SERIES, "--start", "2010", "--end", "2015-12",
                       "--model", "naive", "--horizon", "1", "--out", str(out), "--quiet")
    assert code == 0, err
    table = pd.read_csv(out)
    assert table["period_end"].tolist() == ["2016-12-31"]
    # naive: centred on the last year kept, 2015: 12,989 deaths (NCHS final); 2016: 15,469
    assert abs(table.loc[0, "median"] - 12989) < 130


@pytest.mark.parametrize(("flags", "needle"), [
    (["--start", "soon"], "--start must be a date such as 2018"),
    (["--start", "2016", "--end", "2015"], "--end must not be before --start 2016"),
    (["--start", "2030"], "has no periods ending between 2030 and the end"),
])
def test_bad_start_and_end_are_named(flags, needle, capsys):
    code, _, err = run(capsys, "forecast", *SERIES, "--model", "naive", "--horizon", "1",
                       *flags)
    assert code == 2 and needle in err


def test_sampler_flags_reach_the_bayesian_config_and_refuse_others(capsys):
    args = argparse.Namespace(seed=5, draws=300, tune=150, chains=3, target_accept=0.97)
    model = build_model("hierarchical", args)
    assert model.sampler_config == {"draws": 300, "tune": 150, "chains": 3,
                                    "target_accept": 0.97}
    assert model.random_seed == 5
    _, sampler = model._configs("12m_ending")  # the merged settings the fit would use
    assert (sampler["draws"], sampler["tune"], sampler["chains"]) == (300, 150, 3)
    code, _, err = run(capsys, "forecast", *SERIES, "--model", "naive", "--horizon", "1",
                       "--tune", "100")
    assert code == 2 and "--tune" in err and "Bayesian models" in err
    code, _, err = run(capsys, "forecast", *SERIES, "--model", "bayes", "--horizon", "1",
                       "--target-accept", "1.5")
    assert code == 2 and "--target-accept must be in [0.5, 1); got 1.5" in err


@pytest.mark.parametrize(("flags", "needle"), [
    (["--model", "arima", "--members", "arima,bayes"],
     "parameter '--members': applies only to --model ensemble"),
    (["--model", "drift", "--weights", "stacking"],
     "parameter '--weights': applies only to --model ensemble"),
    (["--model", "ensemble", "--members", "arima,prophet"],
     "parameter '--members': unknown model 'prophet'; choose from arima, bayes"),
    (["--model", "ensemble", "--members", "ensemble,arima"],
     "an ensemble cannot be a member of an ensemble"),
    (["--model", "ensemble", "--members", "arima,drift", "--draws", "500"],
     "parameter '--draws': applies only to the Bayesian models"),
])
def test_ensemble_flags_are_checked_before_fitting(flags, needle, capsys):
    code, out, err = run(capsys, "forecast", *SERIES, "--horizon", "1", *flags)
    assert code == 2 and needle in err and out == ""


def test_ensemble_members_weights_and_sampler_flags_build_the_ensemble():
    args = argparse.Namespace(seed=5, draws=300, tune=None, chains=None, target_accept=None,
                              members="drift, bayes", weights="inverse_wis")
    model = build_model("ensemble", args)
    assert [type(m).__name__ for m in model.members] == ["Drift", "BayesianTrend"]
    assert model.weights == "inverse_wis" and model.random_seed == 5
    # the sampler flags reach the Bayesian member only; members keep no seed of their own,
    # so the ensemble derives a different one for each from --seed
    assert model.members[1].sampler_config == {"draws": 300}
    assert model.members[1].random_seed is None


def test_debug_and_quiet_anywhere_on_the_line(capsys):
    code, out, _ = run(capsys, "data", "list", "--quiet")
    assert code == 0 and "us_annual" in out
    with pytest.raises(odforecast.DataError):  # --debug after the subcommand
        main(["forecast", "--dataset", "us_annual", "--indicator", "heroin", "--location",
              "US-ZZ", "--horizon", "1", "--debug"])
    backtest = ["backtest", *SERIES, "--model", "naive", "--horizon", "1", "--origins",
                "2015:2016", "--n-samples", "100"]
    code, _, err = run(capsys, *backtest)
    assert code == 0 and "[odforecast] backtest naive" in err  # progress lines by default
    for argv in ([*backtest, "--quiet"], ["--quiet", *backtest]):
        code, _, err = run(capsys, *argv)
        assert code == 0 and "[odforecast]" not in err


# -- New York City, withheld indicators --------------------------------------------------


NYC = ("--dataset", "states_monthly_12m", "--indicator", "all_drugs", "--location", "US-NY",
       "--location", "US-NJ", "--model", "naive", "--horizon", "1", "--quiet")


def test_new_york_city_is_added_into_new_york_by_default(capsys, tmp_path):
    merged, apart = tmp_path / "merged.csv", tmp_path / "apart.csv"
    code, _, err = run(capsys, "forecast", "--dataset", "states_monthly_12m", "--indicator",
                       "all_drugs", "--location", "all", "--model", "naive", "--horizon", "1",
                       "--n-samples", "200", "--quiet", "--out", str(merged))
    assert code == 0 and "New York City (US-NYC, reported apart) added into" in err
    assert "--keep-nyc" in err
    locations = set(pd.read_csv(merged)["location"])
    assert len(locations) == 52 and "US-NYC" not in locations  # 50 states, DC, PR
    code, _, err = run(capsys, "forecast", *NYC, "--keep-nyc", "--out", str(apart))
    assert code == 0 and "New York City" not in err
    ny = {name: pd.read_csv(path).set_index("location").loc["US-NY", "median"]
          for name, path in (("merged", merged), ("apart", apart))}
    # naive, centred on the 12 months to Feb 2025 (VSRR): New York 2,053 + the city 2,039
    assert abs(ny["merged"] - (2053 + 2039)) < 40 and abs(ny["apart"] - 2053) < 20


def test_hierarchical_auto_population_refuses_a_separate_new_york_city():
    data = odforecast.load_dataset("states_monthly_12m").query(
        "indicator == 'all_drugs' and estimate == 'reported' and "
        "location in ['US-NY', 'US-NYC', 'US-NJ']")
    with pytest.raises(odforecast.DataError, match=r"population='auto'.*US-NYC") as info:
        odforecast.HierarchicalBayes(random_seed=1).fit(data)  # refused before sampling
    assert "merge_nyc" in str(info.value) and "--keep-nyc" in str(info.value)


def test_withheld_indicator_says_cdc_withholds_it(capsys):
    code, _, err = run(capsys, "forecast", "--dataset", "states_monthly_12m", "--indicator",
                       "synthetic_opioids", "--location", "US-PA", "--horizon", "3")
    assert code == 2
    assert "has no location" not in err
    assert "CDC withholds synthetic_opioids for US-PA" in err
    assert "US-PA has only: all_drugs" in err


def test_an_indicator_missing_from_a_users_file_is_not_blamed_on_cdc(capsys):
    """A user's file may be a filtered download: the message says the file lacks the rows and
    what to include, not that CDC withholds them (the shipped excerpt has Ohio's all_drugs
    series only)."""
    excerpt = (Path(__file__).resolve().parents[1] / "examples" / "data"
               / "vsrr_provisional_drug_overdose_death_counts_2025-07-16_excerpt.csv")
    code, _, err = run(capsys, "forecast", "--data", str(excerpt), "--indicator",
                       "synthetic_opioids", "--location", "US-OH", "--horizon", "3")
    assert code == 2
    assert "the file has no synthetic_opioids rows for US-OH" in err
    assert "CDC withholds synthetic_opioids for US-OH" not in err
    assert "if your download was filtered" in err


def test_location_all_takes_the_locations_that_have_the_indicator(capsys):
    """CDC withholds synthetic opioids for PA and LA: `--location all` leaves them out with a
    note instead of failing on them (the 12-month series of the other locations are kept)."""
    code, printed, err = run(capsys, "forecast", "--dataset", "states_monthly_12m",
                             "--indicator", "synthetic_opioids", "--location", "all",
                             "--model", "naive", "--horizon", "1", "--quiet")
    assert code == 0, err
    assert "left out (US-LA, US-PA)" in err
    diagnostics = printed.split("Fit diagnostics")[1]
    assert "US-OH" in diagnostics and "US-PA" not in diagnostics


# -- several bundled datasets ------------------------------------------------------------


def test_datasets_of_the_nation_and_the_states_are_modelled_together(capsys, tmp_path):
    out = tmp_path / "both.csv"
    code, _, err = run(capsys, "forecast", "--dataset", "us_monthly_12m", "--dataset",
                             "states_monthly_12m", "--indicator", "opioids", "--location", "US",
                             "--location", "US-OH", "--model", "naive", "--horizon", "1",
                             "--n-samples", "200", "--quiet", "--out", str(out))
    assert code == 0, err
    medians = pd.read_csv(out).set_index("location")["median"]
    # naive, centred on each series' last window (12 months to Feb 2025): the nation's from
    # the national dataset, Ohio's from the states'
    us = odforecast.load_dataset("us_monthly_12m").query(
        "indicator == 'opioids' and estimate == 'reported'")["value"].iloc[-1]
    ohio = odforecast.load_dataset("states_monthly_12m").query(
        "indicator == 'opioids' and estimate == 'reported' and location == 'US-OH'")
    assert abs(medians["US"] - us) / us < 0.01
    assert abs(medians["US-OH"] - ohio["value"].iloc[-1]) / ohio["value"].iloc[-1] < 0.01


def test_datasets_of_different_frequencies_are_refused(capsys):
    code, _, err = run(capsys, "forecast", "--dataset", "us_annual", "--dataset",
                       "states_monthly_12m", "--indicator", "opioids", "--location", "US",
                       "--horizon", "1")
    assert code == 2
    assert "--dataset" in err and "us_annual is annual, states_monthly_12m is 12m_ending" in err


def test_an_ensemble_says_which_series_its_pooled_member_leaves_to_the_others(capsys):
    code, printed, err = run(capsys, "forecast", "--dataset", "us_monthly_12m", "--dataset",
                             "states_monthly_12m", "--indicator", "opioids", "--location", "US",
                             "--location", "US-OH", "--location", "US-KY", "--model",
                             "ensemble", "--members", "naive,hierarchical", "--draws", "150",
                             "--tune", "150", "--horizon", "1", "--n-samples", "200",
                             "--quiet")
    assert code == 0, err
    diagnostics = printed.split("Fit diagnostics")[1]
    assert "hierarchical is not used for US opioids: US is the total of the locations it" \
        in diagnostics
    us_row = next(line for line in diagnostics.splitlines() if line.startswith("US "))
    assert us_row.split()[-2:] == ["1.00", "0.00"]  # weights: naive alone
