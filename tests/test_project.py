"""``odforecast.project`` and ``odforecast project``: today's projection on the bundled data."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest

import odforecast
from odforecast.cli import main
from odforecast.errors import DataError, ScenarioError
from odforecast.scenarios import Diluted, Interdiction

LAST_OBSERVED_2024 = 54_924


@pytest.fixture(scope="module")
def projection():
    """Every model, quick mode (the mechanistic model by Laplace, Bayesian short chains)."""
    import warnings

    with odforecast.set_options(quick=True), warnings.catch_warnings():
        # quick mode's short Bayesian chains are flagged as not converged, as they should be
        warnings.simplefilter("ignore", odforecast.OdforecastWarning)
        return odforecast.project(n_samples=400, random_seed=2, progress=False)


def test_table_has_every_model_and_scenario(projection):
    table = projection.table
    assert projection.first_year == 2025 and projection.last_year == 2034
    models = table["model"].unique().tolist()
    assert models == ["mechanistic", "arima", "bayes", "ensemble"]
    mech = table[table["model"] == "mechanistic"].set_index("scenario")
    assert mech.index.tolist() == ["status_quo", "supply_shock_like_2023", "supply_rebound",
                                   "source_low_fentanyl", "source_high_fentanyl",
                                   "australia_heroin_shortage_2001"]
    for key in ("2025", "2025_2029", "2025_2034"):
        assert (table[f"lower95_{key}"] <= table[f"lower80_{key}"]).all()
        assert (table[f"lower80_{key}"] <= table[f"median_{key}"]).all()
        assert (table[f"median_{key}"] <= table[f"upper80_{key}"]).all()
        assert (table[f"upper80_{key}"] <= table[f"upper95_{key}"]).all()
    # the decade total is the sum of the paths, not of the yearly medians
    sq = mech.loc["status_quo"]
    yearly = sum(sq[f"median_{y}"] for y in range(2025, 2035))
    assert sq["median_2025_2034"] != pytest.approx(yearly, rel=1e-9)
    # the mechanistic status quo starts near the last observed year (no jump up)
    assert 0.6 * LAST_OBSERVED_2024 < sq["median_2025"] < 1.1 * LAST_OBSERVED_2024
    # presets order the totals: shock < status quo < rebound
    assert mech.loc["supply_shock_like_2023", "median_2025_2034"] < sq["median_2025_2034"] \
        < mech.loc["supply_rebound", "median_2025_2034"]


def test_ensemble_is_an_equal_mixture_of_whole_paths_with_paired_scenarios(projection):
    members = ["mechanistic", "arima", "bayes"]
    mixed = projection.forecasts["ensemble"].samples.sel(location="US", indicator="opioids")
    assert mixed.sizes["sample"] == 400
    source = []
    for i in range(mixed.sizes["sample"]):
        path = mixed.isel(sample=i).values  # (scenario, time)
        found = [m for m in members if np.array_equal(
            projection.forecasts[m].samples.sel(location="US", indicator="opioids",
                                                scenario=mixed["scenario"].values)
            .isel(sample=i).values, path)]
        assert len(found) == 1  # every scenario of path i from one member: still paired
        source.append(found[0])
    counts = pd.Series(source).value_counts()
    assert sorted(counts.index) == sorted(members) and counts.max() - counts.min() <= 1
    # the ensemble's median lies between its members' medians
    table = projection.table.set_index(["model", "scenario"])["median_2025_2034"]
    medians = [table[m, "status_quo"] for m in members]
    assert min(medians) <= table["ensemble", "status_quo"] <= max(medians)


def test_statistical_models_get_the_interdiction_on_the_illicit_share(projection):
    arima = projection.table[projection.table["model"] == "arima"].set_index("scenario")
    cut = 1 - arima.loc["source_low_fentanyl", "median_2025_2034"] / \
        arima.loc["status_quo", "median_2025_2034"]
    assert 0.0 < cut < 0.4
    assert "supply_rebound" in arima.index  # a total-variant preset applies to every model


def test_outputs_are_written_atomically(projection, tmp_path):
    out = tmp_path / "today"
    paths = projection.write(out)
    assert [p.name for p in paths] == ["projection.csv", "annual.csv", "hubverse.csv",
                                       "projection.png"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["today"]  # no temporary left over
    umask = os.umask(0)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o777 & ~umask  # not the temporary folder's 0700
    annual = pd.read_csv(out / "annual.csv")
    assert set(annual["year"]) == set(range(2025, 2035))
    hub = pd.read_csv(out / "hubverse.csv")
    assert set(hub["model_id"]) == {"odforecast-mechanistic", "odforecast-arima",
                                    "odforecast-bayes", "odforecast-ensemble"}
    assert paths[3].read_bytes()[:4] == b"\x89PNG" and paths[3].stat().st_size > 30_000
    text = projection.format_table()
    assert "supply_shock_like_2023" in text and "2025-2034" in text


def test_projection_reproduces_from_its_seed():
    kwargs = {"models": ["arima"], "scenarios": ["source_low_fentanyl"], "n_samples": 200,
              "random_seed": 5, "progress": False}
    a, b = odforecast.project(**kwargs), odforecast.project(**kwargs)
    pd.testing.assert_frame_equal(a.table, b.table)


def test_diluted_scenario_scales_the_effect_by_the_share():
    cut = Interdiction("cut", effect=0.4, onset="2026-01-01", ramp_months=1)
    times = pd.DatetimeIndex(["2025-12-31", "2026-12-31"])
    rng = np.random.default_rng(0)
    full = cut.multiplier(times, location="US", indicator="opioids", n_samples=1, rng=rng,
                          frequency="annual")
    half = Diluted(cut, share=0.5).multiplier(times, location="US", indicator="opioids",
                                              n_samples=1, rng=np.random.default_rng(0),
                                              frequency="annual")
    np.testing.assert_allclose(1 - np.ravel(half), 0.5 * (1 - np.ravel(full)))
    assert np.ravel(full)[1] < 0.7  # the cut is in force in 2026
    with pytest.raises(ScenarioError, match="share"):
        Diluted(cut, share=1.5)


@pytest.mark.parametrize(("kwargs", "error", "needle"), [
    ({"models": ["prophet"]}, DataError, "unknown model 'prophet'"),
    ({"scenarios": ["nope"]}, ScenarioError, "unknown scenario 'nope'"),
    ({"scenarios": [Interdiction("past", 0.3, "2024-01-01")]}, ScenarioError,
     "already contain"),
    ({"years": 0}, DataError, "horizon"),
])
def test_bad_requests_are_named(kwargs, error, needle):
    with pytest.raises(error, match=needle):
        odforecast.project(**{"models": ["arima"], "n_samples": 50, "progress": False,
                              **kwargs})


def test_cli_project_checks_the_output_folder_before_fitting(capsys, tmp_path):
    blocker = tmp_path / "file.txt"
    blocker.write_text("x")
    code = main(["project", "--out", str(blocker), "--models", "arima"])
    err = capsys.readouterr().err
    assert code != 0 and "is a file" in err and "Traceback" not in err
    code = main(["project", "--out", str(tmp_path / "missing" / "out"), "--models", "arima"])
    assert code != 0 and "does not exist" in capsys.readouterr().err


def test_cli_project_writes_the_folder(capsys, tmp_path):
    out = tmp_path / "proj"
    code = main(["project", "--out", str(out), "--models", "arima", "--n-samples", "200",
                 "--scenario", "source_low_fentanyl", "--years", "5", "--quiet"])
    printed = capsys.readouterr().out
    assert code == 0 and "source_low_fentanyl" in printed and "2025-2029" in printed
    table = pd.read_csv(out / "projection.csv")
    assert table["scenario"].tolist() == ["status_quo", "source_low_fentanyl"]
    assert "ensemble" not in printed  # one model: nothing to mix
