"""Rolling-origin backtests on real VSRR series: no peeking, reproducible, any executor."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pandas as pd
import pytest

import odforecast
from odforecast import DataError, ParameterError
from odforecast.evaluate import HUB_LEVELS, backtest, compare, rolling_origins, scores
from odforecast.evaluate.backtesting import fit_record
from odforecast.models import ARIMA, Drift, Naive

ORIGINS = ["2022-06-30", "2022-12-31", "2023-06-30"]


@pytest.fixture(scope="module")
def series():
    us = odforecast.load_dataset("us_monthly_12m")
    keep = us["indicator"].isin(["opioids", "synthetic_opioids"]) & (us["estimate"] == "reported")
    return us[keep]


def test_hub_levels_are_the_23_standard_ones():
    assert len(HUB_LEVELS) == 23
    assert HUB_LEVELS[0] == 0.01 and HUB_LEVELS[-1] == 0.99 and 0.5 in HUB_LEVELS


def test_score_table_shape_and_values(series):
    result = backtest(Drift(), series, origins=ORIGINS, horizon=6, n_samples=400,
                      random_seed=3)
    table = result.scores
    assert len(table) == 2 * 3 * 6
    assert set(table["horizon"]) == set(range(1, 7))
    # The truth column is the observed value at that period.
    row = table[(table["indicator"] == "opioids") & (table["origin"] == "2022-12-31")
                & (table["horizon"] == 12 - 6)].iloc[0]
    observed = series[(series["indicator"] == "opioids")
                      & (series["period_end"] == row["period_end"])]["value"].iloc[0]
    assert row["truth"] == observed
    assert (table["wis"] >= 0).all() and table["pit"].between(0, 1).all()
    parts = table[["dispersion", "overprediction", "underprediction"]].sum(axis=1)
    np.testing.assert_allclose(parts, table["wis"], rtol=1e-12)
    assert table["lower_95"].le(table["lower_80"]).all()
    assert table["cover_95"].ge(table["cover_80"]).all()


def test_scores_match_the_scoring_functions_on_the_same_paths(series):
    one = series[series["indicator"] == "opioids"]
    result = backtest(Naive(), one, origins=["2023-06-30"], horizon=3, n_samples=500,
                      random_seed=11)
    fc = Naive().fit(one[one["period_end"] <= "2023-06-30"]).forecast(
        3, n_samples=500, random_seed=11)
    paths = fc.samples.sel(location="US", indicator="opioids").values
    truth = result.scores["truth"].to_numpy()
    q = np.quantile(paths.T, HUB_LEVELS, axis=1).T
    np.testing.assert_allclose(result.scores["wis"], scores.wis(truth, HUB_LEVELS, q))
    np.testing.assert_allclose(result.scores["crps"], scores.crps_sample(truth, paths.T))


def test_no_peeking_data_after_the_origin_cannot_reach_the_fit(series):
    """Poison everything after the origin: the forecasts must not move by one bit."""
    origin = "2022-12-31"
    poisoned = series.copy()
    later = poisoned["period_end"] > origin
    poisoned.loc[later, "value"] = poisoned.loc[later, "value"] * 50
    clean = backtest(ARIMA(order=(1, 2, 0)), series, origins=[origin], horizon=4,
                     n_samples=200, random_seed=5).scores
    dirty = backtest(ARIMA(order=(1, 2, 0)), poisoned, origins=[origin], horizon=4,
                     n_samples=200, random_seed=5).scores
    forecast_columns = ["mean", "median", "lower_50", "upper_50", "lower_95", "upper_95"]
    pd.testing.assert_frame_equal(clean[forecast_columns], dirty[forecast_columns])
    assert (dirty["truth"] == clean["truth"] * 50).all()  # only the truth changed


def test_backtest_reproduces_from_a_seed(series):
    a = backtest(Drift(), series, origins=ORIGINS, horizon=3, n_samples=300, random_seed=9)
    b = backtest(Drift(), series, origins=ORIGINS, horizon=3, n_samples=300, random_seed=9)
    pd.testing.assert_frame_equal(a.scores, b.scores)


def test_process_pool_gives_identical_results(series):
    seq = backtest(Drift(), series, origins=ORIGINS, horizon=3, n_samples=300, random_seed=4)
    # spawn, not fork: the test process already runs threads (BLAS, pytest plugins)
    with ProcessPoolExecutor(max_workers=2,
                             mp_context=multiprocessing.get_context("spawn")) as pool:
        par = backtest(Drift(), series, origins=ORIGINS, horizon=3, n_samples=300,
                       random_seed=4, executor=pool)
        fitted = Drift().fit(series, executor=pool)
    pd.testing.assert_frame_equal(seq.scores, par.scores)
    direct = Drift().fit(series).forecast(3, n_samples=50, random_seed=1)
    np.testing.assert_array_equal(fitted.forecast(3, n_samples=50, random_seed=1).samples,
                                  direct.samples)


def test_dask_local_cluster_gives_identical_results(series):
    distributed = pytest.importorskip("distributed")
    seq = backtest(Drift(), series, origins=ORIGINS[:2], horizon=3, n_samples=200,
                   random_seed=4)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        par = backtest(Drift(), series, origins=ORIGINS[:2], horizon=3, n_samples=200,
                       random_seed=4, executor=client.get_executor())
    pd.testing.assert_frame_equal(seq.scores, par.scores)


def test_compare_gives_relative_wis(series):
    naive = backtest(Naive(), series, origins=ORIGINS, horizon=3, n_samples=300, random_seed=1)
    drift = backtest(Drift(), series, origins=ORIGINS, horizon=3, n_samples=300, random_seed=1)
    table = compare([naive, drift], baseline="naive").set_index("model")
    assert table.loc["naive", "rel_wis_vs_naive"] == pytest.approx(1.0)
    expected = drift.scores["wis"].mean() / naive.scores["wis"].mean()
    assert table.loc["drift", "rel_wis_vs_naive"] == pytest.approx(expected)
    with pytest.raises(DataError, match="baseline 'arima'"):
        compare([naive], baseline="arima")


def test_rolling_origins_and_bad_origins(series):
    assert rolling_origins(series, "2024-01", "2024-03") == ["2024-01-31", "2024-02-29",
                                                             "2024-03-31"]
    with pytest.raises(DataError, match="leaves nothing to score"):
        backtest(Naive(), series, origins=["2025-02-28"], horizon=3)
    with pytest.raises(DataError, match="precedes all data"):
        backtest(Naive(), series, origins=["2010-01-31"], horizon=3)
    with pytest.raises(DataError, match="horizon"):
        backtest(Naive(), series, origins=ORIGINS, horizon=0)


def test_series_that_do_not_form_a_full_grid(series):
    """US opioids with Vermont all-drug deaths: the forecast grid has two empty cells."""
    states = odforecast.load_dataset("states_monthly_12m")
    vermont = states[(states["location"] == "US-VT") & (states["indicator"] == "all_drugs")
                     & (states["estimate"] == "reported")]
    us = series[series["indicator"] == "opioids"]
    result = backtest(Naive(), pd.concat([us, vermont]), origins=["2023-06-30"], horizon=2,
                      n_samples=100)
    pairs = set(map(tuple, result.scores[["location", "indicator"]].drop_duplicates().values))
    assert pairs == {("US", "opioids"), ("US-VT", "all_drugs")}


def test_summary_takes_one_column_name_or_a_list(series):
    # issue 13: summary(by="horizon") raised KeyError 'h' (the string taken as its letters)
    result = backtest(Drift(), series, origins=ORIGINS[:1], horizon=3, n_samples=200,
                      random_seed=1)
    by_name = result.summary(by="horizon")
    pd.testing.assert_frame_equal(by_name, result.summary(by=["horizon"]))
    assert list(by_name["horizon"]) == [1, 2, 3] and (by_name["n"] == 2).all()
    with pytest.raises(ParameterError, match=r"no score column 'horizn'.*horizon"):
        result.summary(by="horizn")


def test_series_with_withheld_windows_are_backtested_and_withheld_cells_not_scored():
    """Florida's synthetic-opioid windows ending 2024-10 … 2025-02 are withheld by CDC: the
    backtest runs (it refused the series before), scores only the shown windows, and the MASE
    scale ignores the changes across the gap."""
    data = odforecast.load_dataset("states_monthly_12m").query(
        "location == 'US-FL' and indicator == 'synthetic_opioids' and estimate == 'reported'")
    withheld = data.loc[data["value"].isna() & ~data["censored"], "period_end"]
    assert pd.Timestamp("2024-10-31") in set(withheld)
    result = backtest(Naive(), data, origins=["2024-08-31"], horizon=4, n_samples=200,
                      random_seed=1)
    scored = pd.to_datetime(result.scores["period_end"])
    assert list(scored) == [pd.Timestamp("2024-09-30")]  # Oct-Dec 2024 are withheld
    truth = data.set_index("period_end")["value"]
    assert result.scores["ae"].iloc[0] == pytest.approx(
        abs(truth[pd.Timestamp("2024-09-30")] - truth[pd.Timestamp("2024-08-31")]), rel=0.05)
    assert np.isfinite(result.scores["ase"]).all()


def test_fits_report_each_origins_time_warnings_and_convergence():
    """A short Bayesian run is flagged at every origin, and the table says why; a baseline's
    rows have no convergence columns and no warnings."""
    import warnings

    from odforecast.models import BayesianTrend

    us = odforecast.load_dataset("us_annual").query(
        "indicator == 'opioids' and estimate == 'reported'")
    origins = ["2012-12-31", "2016-12-31"]
    short = BayesianTrend(sampler_config={"draws": 100, "tune": 100, "reruns": 0})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the short runs warn; the table is what is checked
        fits = backtest(short, us, origins=origins, horizon=2, n_samples=100,
                        progress=False).fits
    assert list(fits["origin"]) == origins and (fits["seconds"] > 0).all()
    assert not fits["trustworthy"].any()
    # the flag follows the thresholds: 100 draws x 2 chains cannot reach ESS 400
    assert (fits["ess_bulk_min"] < 400).all()
    assert fits["warnings"].str.contains("posterior not trustworthy: ").all()
    assert fits["warnings"].str.contains("ESS").all()
    drift = backtest(Drift(), us, origins=origins, horizon=2, n_samples=100,
                     progress=False).fits
    assert list(drift.columns) == ["model", "origin", "seconds", "warnings"]
    assert (drift["warnings"] == "").all()


def test_an_ensembles_fits_report_its_bayesian_members_worst_convergence():
    """An ensemble with a Bayesian member carries that member's checks: in the backtest's
    fits, in the forecast's metadata and in the fit's diagnostics (what the CLI prints); a
    short run is flagged and the problem is attributed to the member."""
    import warnings

    from odforecast.models import BayesianTrend, Ensemble

    us = odforecast.load_dataset("us_annual").query(
        "indicator == 'opioids' and estimate == 'reported' and period_end <= '2016-12-31'")
    short = BayesianTrend(sampler_config={"draws": 100, "tune": 100, "reruns": 0},
                          random_seed=0)
    ensemble = Ensemble([Drift(), short], weights="equal", random_seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the short run warns; the records are checked
        fitted = ensemble.fit(us)
        forecast = fitted.forecast(2, n_samples=100, random_seed=0)
    member = forecast.metadata["members"][1]["convergence"]
    combined = forecast.metadata["convergence"]
    assert combined["members_checked"] == ["bayes"]
    assert combined["r_hat_max"] == member["r_hat_max"]
    assert combined["ess_bulk_min"] == member["ess_bulk_min"] < 400
    assert combined["trustworthy"] is False
    assert combined["problems"].startswith("bayes: ") and "ESS" in combined["problems"]
    diag = fitted.diagnostics.iloc[0]
    bayes_diag = fitted.members["bayes"].diagnostics.iloc[0]
    assert diag["r_hat_max"] == bayes_diag["r_hat_max"]
    assert diag["ess_bulk_min"] == bayes_diag["ess_bulk_min"]
    assert not diag["trustworthy"]
    record = fit_record(forecast, 1.0, pd.Timestamp("2016-12-31"), "ensemble")
    assert record["trustworthy"] is False
    assert record["ess_bulk_min"] == member["ess_bulk_min"]
    # an ensemble without a Bayesian member has no checks to report
    plain = Ensemble([Drift(), "naive"], weights="equal").fit(us)
    assert "convergence" not in plain.forecast(2, n_samples=50, random_seed=0).metadata
    assert "r_hat_max" not in plain.diagnostics.columns
