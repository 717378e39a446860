"""The baselines on series with withheld windows and suppressed counts (issue 12, item 1)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import odforecast
from odforecast.models import Drift, Naive, SeasonalNaive


@pytest.fixture(scope="module")
def states():
    data = odforecast.load_dataset("states_monthly_12m")
    return data[(data["estimate"] == "reported")
                & data["indicator"].isin(["opioids", "synthetic_opioids"])]


@pytest.mark.parametrize("model", [Naive(), Drift()], ids=lambda m: m.name)
def test_every_state_with_the_indicator_is_accepted(model, states):
    """All 51 locations x 2 indicators (only 17 of 51 per indicator were accepted before)."""
    fitted = model.fit(states)
    diag = fitted.diagnostics
    assert len(diag) == 102 and not diag["fallback"].any()
    shown = (states["value"].notna() & ~states["censored"]).groupby(
        [states["location"], states["indicator"]]).sum()
    assert diag.set_index(["location", "indicator"])["n_obs"].sort_index().equals(
        shown.sort_index().rename("n_obs"))
    # Ohio: three windows withheld before the first shown; North Carolina: 12 inside
    by_key = diag.set_index(["location", "indicator"])
    assert by_key.loc[("US-OH", "synthetic_opioids"), "n_leading_dropped"] == 3
    assert by_key.loc[("US-NC", "opioids"), "n_missing"] == 12
    assert (diag["n_leading_dropped"] > 0).sum() == 61
    fc = fitted.forecast(2, n_samples=50, random_seed=1)
    assert fc.time[0] == pd.Timestamp("2025-03-31")
    assert np.isfinite(fc.samples.values).all() and (fc.samples.values >= 0).all()
    assert len(fc.metadata["data_used"]) == 102


@pytest.fixture(scope="module")
def florida(states):
    return states[(states["location"] == "US-FL") & (states["indicator"] == "synthetic_opioids")]


@pytest.mark.parametrize("model", [Naive(), Drift()], ids=lambda m: m.name)
def test_withheld_last_windows_are_walked_through_from_the_last_shown_value(model, florida):
    """Florida's windows ending Oct 2024 - Feb 2025 are withheld: the forecast from the full
    series is, path for path, the forecast from September 2024 five periods on."""
    fitted = model.fit(florida)
    diag = fitted.diagnostics.iloc[0]
    assert (diag["last_shown"], diag["last_period"], diag["n_trailing_missing"]) == (
        "2024-09-30", "2025-02-28", 5)
    fc = fitted.forecast(12, n_samples=200, random_seed=4)
    assert fc.time[0] == pd.Timestamp("2025-03-31")
    early = model.fit(florida[florida["period_end"] <= "2024-09-30"])
    reference = early.forecast(17, n_samples=200, random_seed=4)
    np.testing.assert_allclose(fc.samples.values, reference.samples.values[..., 5:])
    assert any("US-FL" in w and "withheld" in w for w in fc.metadata["warnings"])
    assert not any("withheld" in w for w in reference.metadata["warnings"])


def test_drift_is_the_change_between_the_shown_endpoints_over_the_elapsed_time(states):
    # North Carolina's opioid deaths: 12 windows withheld inside the series
    nc = states[(states["location"] == "US-NC") & (states["indicator"] == "opioids")]
    values = nc.sort_values("period_end")["value"].to_numpy()
    assert np.isnan(values).sum() == 12 and np.isfinite(values[[0, -1]]).all()
    diag = Drift().fit(nc).diagnostics.iloc[0]
    assert diag["slope"] == pytest.approx(np.log(values[-1] / values[0]) / (len(values) - 1))
    # naive and drift estimate the one-period spread from changes across gaps scaled by the
    # gap's length: the same spread for both when the drift is small
    naive = Naive().fit(nc).diagnostics.iloc[0]
    assert naive["sigma"] == pytest.approx(diag["sigma"], rel=0.05)


def test_censored_bound_check_fires_on_a_real_case():
    """Kansas' methadone deaths were suppressed (<= 9) in 2020 and 2021, between shown years
    with about twice that: the drift walk's fitted level there is clearly above the bound."""
    annual = odforecast.load_dataset("states_annual")
    kansas = annual[(annual["location"] == "US-KS") & (annual["indicator"] == "methadone")
                    & (annual["estimate"] == "reported")]
    assert kansas["censored"].sum() == 2
    diag = Drift().fit(kansas).diagnostics.iloc[0]
    assert diag["n_censored"] == 2
    assert "2020-12-31" in diag["censor_check"] and "2021-12-31" in diag["censor_check"]
    assert "OdforecastWarning" in diag["warnings"]


def test_seasonal_naive_continues_each_season_from_its_last_shown_value():
    """Canadian quarterly opioid deaths with the last quarter's value deliberately withheld:
    that season continues from the same quarter a year earlier, two steps of its walk."""
    canada = odforecast.load_dataset("canada_quarterly")
    canada = canada[canada["location"] == "CA"].sort_values("period_end").reset_index(drop=True)
    altered = canada.copy()
    altered.loc[altered.index[-1], ["value", "flag"]] = [np.nan, "not_shown"]
    fitted = SeasonalNaive().fit(altered)
    assert fitted.diagnostics.loc[0, "n_trailing_missing"] == 1
    fc = fitted.forecast(4, n_samples=2000, random_seed=1)
    median = fc.samples.median("sample").values.ravel()
    values = canada["value"].to_numpy()
    # quarters 1-3 ahead continue from the last three shown quarters; quarter 4 from the
    # withheld quarter's value a year before it (two seasons back)
    np.testing.assert_allclose(median[:3], values[-4:-1], rtol=0.06)
    assert median[3] == pytest.approx(values[-5], rel=0.08)


def test_persistence_counts_the_trend_it_does_not_forecast_in_its_spread():
    """Naive forecasts no change, so a steady rise belongs in its spread: sigma is the root
    mean square of the log changes (the walk's maximum-likelihood estimate, forecast::naive),
    not their standard deviation around the mean rise, which is the drift's spread.  US
    opioid deaths 1999-2014 rose 8.5 % a year, against a spread around that of 5.6 %."""
    us = odforecast.load_dataset("us_annual").query(
        "indicator == 'opioids' and estimate == 'reported' and period_end <= '2014-12-31'")
    changes = np.diff(np.log(us.sort_values("period_end")["value"].to_numpy()))
    naive = Naive().fit(us)
    sigma = naive.diagnostics.iloc[0]["sigma"]
    assert sigma == pytest.approx(np.sqrt(np.mean(changes**2)))
    assert sigma > 1.5 * np.std(changes, ddof=1)
    # the paths carry it: one year ahead, the 80 % interval spans +-1.28 sigma on the log scale
    paths = naive.forecast(1, n_samples=20_000, random_seed=0).samples.values.ravel()
    lo, hi = np.log(np.quantile(paths, [0.1, 0.9]))
    assert (hi - lo) / 2 == pytest.approx(1.2816 * sigma, rel=0.03)
