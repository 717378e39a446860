"""Forecast: the sample-path result type every model returns."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import datetime

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from odforecast import DataError, __version__
from odforecast.data.schema import from_records
from odforecast.forecast import HUBVERSE_QUANTILES, Forecast

DIMS = ("sample", "location", "indicator", "time")
FREQ_ALIAS = {"monthly": "ME", "12m_ending": "ME", "quarterly": "QE", "semiannual": "6ME",
              "annual": "YE"}


def make_samples(*, n: int = 200, locations=("US",), indicators=("opioids",), h: int = 12,
                 frequency: str = "monthly", first: str = "2025-03-31", scenarios=None,
                 seed: int = 0, rate: float = 3000.0) -> xr.DataArray:
    rng = np.random.default_rng(seed)
    time = pd.date_range(first, periods=h, freq=FREQ_ALIAS[frequency])
    shape = (n, len(locations), len(indicators), h)
    coords = {"location": list(locations), "indicator": list(indicators), "time": time}
    dims = DIMS
    if scenarios is not None:
        shape = (len(scenarios), *shape)
        coords["scenario"] = list(scenarios)
        dims = ("scenario", *DIMS)
    values = rng.poisson(rate * rng.lognormal(0, 0.1, shape)).astype(float)
    return xr.DataArray(values, dims=dims, coords=coords)


def make_forecast(**kwargs) -> Forecast:
    frequency = kwargs.get("frequency", "monthly")
    observed = kwargs.pop("observed", None)
    metadata = kwargs.pop("metadata", None)
    return Forecast(make_samples(**kwargs), frequency=frequency, observed=observed,
                    metadata=metadata)


def monthly_observed(*, first="2023-01", last="2025-02", location="US", indicator="opioids",
                     censored=(), not_shown=(), estimate="reported", seed=1,
                     extra_columns=None) -> pd.DataFrame:
    """Real-looking VSRR-style monthly counts (declining, with seasonality)."""
    rng = np.random.default_rng(seed)
    ends = pd.date_range(pd.Period(first).end_time.normalize(),
                         pd.Period(last).end_time.normalize(), freq="ME")
    level = np.linspace(6800, 3200, len(ends)) * (1 + 0.04 * np.sin(np.arange(len(ends))))
    records = []
    for end, v in zip(ends, np.round(level + rng.normal(0, 80, len(ends))), strict=True):
        label = end.strftime("%Y-%m")
        rec = {"location": location, "indicator": indicator, "frequency": "monthly",
               "period_start": end.replace(day=1), "period_end": end, "estimate": estimate,
               "value": float(v), "unit": "deaths", "source": "CDC NCHS VSRR",
               "vintage": "2025-07-16", "provisional": end.year >= 2024}
        if label in censored:
            rec.update(value=np.nan, censored=True, censor_upper=9.0)
        if label in not_shown:
            rec.update(value=np.nan, flag="not_shown")
        rec.update(extra_columns or {})
        records.append(rec)
    return from_records(records)


# ------------------------------------------------------------------------------- construction

def test_properties_and_metadata_defaults():
    fc = make_forecast(locations=("US", "US-OH"), indicators=("opioids", "cocaine"), h=6,
                       metadata={"model": "ARIMA"})
    assert fc.samples.dims == DIMS
    assert fc.locations == ["US", "US-OH"]
    assert fc.indicators == ["opioids", "cocaine"]
    assert fc.scenarios is None
    assert fc.n_samples == 200 and fc.horizon == 6
    assert fc.frequency == "monthly"
    assert list(fc.time.strftime("%Y-%m-%d")) == ["2025-03-31", "2025-04-30", "2025-05-31",
                                                  "2025-06-30", "2025-07-31", "2025-08-31"]
    assert list(fc.period_start.strftime("%Y-%m-%d"))[:2] == ["2025-03-01", "2025-04-01"]
    assert fc.metadata["odforecast_version"] == __version__
    created = datetime.fromisoformat(fc.metadata["created"])
    assert created.utcoffset().total_seconds() == 0
    assert list(fc.samples.coords["sample"].values) == list(range(200))


@pytest.mark.parametrize(("frequency", "first", "starts"), [
    ("monthly", "2025-01-31", ["2025-01-01", "2025-02-01"]),
    ("quarterly", "2025-03-31", ["2025-01-01", "2025-04-01"]),
    ("semiannual", "2025-06-30", ["2025-01-01", "2025-07-01"]),
    ("annual", "2025-12-31", ["2025-01-01", "2026-01-01"]),
    ("12m_ending", "2025-03-31", ["2024-04-01", "2024-05-01"]),
])
def test_period_start_follows_frequency(frequency, first, starts):
    fc = make_forecast(frequency=frequency, first=first, h=2, n=5)
    assert list(fc.period_start.strftime("%Y-%m-%d")) == starts


def test_dims_in_another_order_are_transposed_and_input_is_copied():
    samples = make_samples(n=10, h=3)
    fc = Forecast(samples.transpose("time", "indicator", "sample", "location"),
                  frequency="monthly")
    assert fc.samples.dims == DIMS
    np.testing.assert_array_equal(fc.samples.values, samples.values)
    samples[0, 0, 0, 0] = 1e9
    assert fc.samples.values[0, 0, 0, 0] != 1e9


@pytest.mark.parametrize(("change", "message"), [
    (lambda s: s.rename({"location": "place"}), "dimensions"),
    (lambda s: s.isel(location=0), "dimensions"),
    (lambda s: s.where(s.sample != 3, -1.0), "negative value"),
    (lambda s: s.where(s.sample != 3, np.inf), "infinite"),
    (lambda s: s.where(~((s.sample == 3) & (s.time == s.time[2])), np.nan),
     "NaN in some but not all samples at location US, indicator opioids, time 2025-05-31"),
    (lambda s: s.assign_coords(time=pd.date_range("2025-03-01", periods=4, freq="MS")),
     "not the last day of a month"),
    (lambda s: s.assign_coords(time=pd.DatetimeIndex(
        ["2025-03-31", "2025-04-30", "2025-06-30", "2025-07-31"])), "no gaps"),
    (lambda s: s.assign_coords(time=s.time.values[::-1]), "strictly increasing"),
    (lambda s: s.assign_coords(location=[3]), "non-empty strings"),
    (lambda s: s.drop_vars("indicator"), "'indicator' coordinate"),
    (lambda s: s.isel(sample=slice(0, 0)), "empty 'sample'"),
])
def test_invalid_samples_raise_data_error(change, message):
    samples = change(make_samples(n=10, h=4))
    with pytest.raises(DataError, match=re.escape(message)):
        Forecast(samples, frequency="monthly")


def test_invalid_frequency_time_alignment_and_metadata():
    with pytest.raises(DataError, match="unknown frequency 'weekly'"):
        Forecast(make_samples(n=5, h=2), frequency="weekly")
    with pytest.raises(DataError, match="cannot end a quarterly period"):
        Forecast(make_samples(n=5, h=2, first="2025-04-30", frequency="monthly"),
                 frequency="quarterly")
    with pytest.raises(DataError, match="cannot end a annual period"):
        Forecast(make_samples(n=5, h=2, first="2025-06-30", frequency="semiannual"),
                 frequency="annual")
    with pytest.raises(DataError, match="list of strings"):
        make_forecast(n=5, h=2, metadata={"warnings": "not converged"})
    with pytest.raises(DataError, match="JSON serialisable"):
        make_forecast(n=5, h=2, metadata={"model_config": {"f": object()}})
    with pytest.raises(DataError, match="'reported' or 'predicted'"):
        make_forecast(n=5, h=2, metadata={"estimate": "nowcast"})
    bad = monthly_observed().assign(value=-1.0)
    with pytest.raises(DataError, match="negative value") as info:
        make_forecast(n=5, h=2, observed=bad)
    assert info.value.path == "observed"


def test_whole_nan_slices_are_allowed_and_omitted():
    samples = make_samples(n=50, locations=("US", "CA"), h=4)
    samples.loc[{"location": "CA", "time": samples.time[2:]}] = np.nan
    fc = Forecast(samples, frequency="monthly")
    frame = fc.to_frame()
    assert len(frame) == 4 + 2
    assert not frame.isna().any().any()
    hub = fc.to_hubverse(output_types=("quantile", "sample"))
    assert not hub.isna().any().any()
    assert (hub["location"] == "CA").sum() == 2 * (23 + 50)


# ------------------------------------------------------------------------------- summaries

def test_quantiles_match_numpy():
    fc = make_forecast(n=301, indicators=("opioids", "cocaine"), h=5)
    q = fc.quantiles([0.05, 0.5, 0.95])
    assert q.dims == ("quantile", "location", "indicator", "time")
    expected = np.quantile(fc.samples.values, [0.05, 0.5, 0.95], axis=0)
    np.testing.assert_allclose(q.values, expected)
    with pytest.raises(DataError, match="strictly between 0 and 1"):
        fc.quantiles([0.5, 1.0])
    with pytest.raises(DataError, match="strictly between 0 and 1"):
        fc.quantiles([0.0])


def test_to_frame_is_computed_from_the_paths():
    fc = make_forecast(n=400, locations=("US", "US-OH"), indicators=("opioids", "cocaine"), h=6)
    frame = fc.to_frame()
    assert list(frame.columns) == [
        "location", "indicator", "frequency", "period_start", "period_end", "mean", "median",
        "lower_50", "upper_50", "lower_80", "upper_80", "lower_95", "upper_95"]
    assert len(frame) == 2 * 2 * 6
    assert frame["period_end"].dtype == "datetime64[ns]"
    row = frame[(frame["location"] == "US-OH") & (frame["indicator"] == "cocaine")
                & (frame["period_end"] == "2025-05-31")].iloc[0]
    paths = fc.samples.sel(location="US-OH", indicator="cocaine", time="2025-05-31").values
    assert row["period_start"] == pd.Timestamp("2025-05-01")
    assert row["frequency"] == "monthly"
    assert row["median"] == np.median(paths)
    assert row["mean"] == pytest.approx(paths.mean(), rel=1e-12)
    assert row["lower_95"] == pytest.approx(np.quantile(paths, 0.025), rel=1e-12)
    assert row["upper_80"] == pytest.approx(np.quantile(paths, 0.9), rel=1e-12)
    medians = np.median(fc.samples.values, axis=0).reshape(-1)  # (loc, ind, time) row order
    np.testing.assert_array_equal(frame["median"].to_numpy(), medians)
    odd = fc.to_frame(intervals=(0.9, 0.999))
    assert list(odd.columns)[-4:] == ["lower_90", "upper_90", "lower_99.9", "upper_99.9"]


def test_to_frame_with_scenarios():
    fc = make_forecast(n=100, h=3, scenarios=("baseline", "interdiction"))
    frame = fc.to_frame(intervals=(0.95,))
    assert list(frame.columns)[:3] == ["scenario", "location", "indicator"]
    assert list(frame["scenario"]) == ["baseline"] * 3 + ["interdiction"] * 3
    expected = np.median(fc.samples.sel(scenario="interdiction").values, axis=0).ravel()
    np.testing.assert_array_equal(frame["median"].to_numpy()[3:], expected)


# ------------------------------------------------------------------------------- cumulative

def test_cumulative_totals_are_sums_of_paths():
    fc = make_forecast(n=500, indicators=("opioids", "cocaine"), h=22, first="2025-03-31")
    total = fc.cumulative("2025-04", "2026-03", intervals=(0.5, 0.95))
    assert list(total.columns) == ["location", "indicator", "start", "end", "n_periods", "mean",
                                   "median", "lower_50", "upper_50", "lower_95", "upper_95"]
    sums = fc.samples.sel(indicator="cocaine", time=slice("2025-04", "2026-03")).sum("time")
    sums = sums.values.ravel()
    row = total[total["indicator"] == "cocaine"].iloc[0]
    assert row["start"] == pd.Timestamp("2025-04-01") and row["end"] == pd.Timestamp("2026-03-31")
    assert row["n_periods"] == 12
    assert row["mean"] == pytest.approx(sums.mean(), rel=1e-12)
    assert row["median"] == np.median(sums)
    assert row["lower_95"] == pytest.approx(np.quantile(sums, 0.025), rel=1e-12)
    assert row["upper_50"] == pytest.approx(np.quantile(sums, 0.75), rel=1e-12)
    # the total of the medians is not the median of the totals: paths, not quantiles, are summed
    medians = np.median(fc.samples.sel(indicator="cocaine", time=slice("2025-04", "2026-03"))
                        .values, axis=0).sum()
    assert row["upper_95"] - row["lower_95"] < 12 * (
        np.quantile(fc.samples.sel(indicator="cocaine").values, 0.975, axis=0)
        - np.quantile(fc.samples.sel(indicator="cocaine").values, 0.025, axis=0)).mean()
    assert medians != row["median"]


def test_cumulative_annual_with_year_strings():
    fc = make_forecast(n=300, frequency="annual", first="2025-12-31", h=5, rate=80000)
    total = fc.cumulative("2026", "2029")
    sums = fc.samples.isel(time=slice(1, 5)).sum("time").values.ravel()
    assert total.loc[0, "n_periods"] == 4
    assert total.loc[0, "end"] == pd.Timestamp("2029-12-31")
    assert total.loc[0, "median"] == np.median(sums)
    same = fc.cumulative(pd.Timestamp("2026-01-01"), "2029-12-31")
    pd.testing.assert_frame_equal(total, same)


def test_cumulative_include_observed_adds_fixed_amounts():
    observed = monthly_observed(first="2023-01", last="2025-02")
    fc = make_forecast(n=400, h=12, first="2025-03-31", observed=observed)
    total = fc.cumulative("2025", "2025", include_observed=True)
    jan_feb = observed.loc[observed["period_end"] >= "2025-01-01", "value"].sum()
    sums = fc.samples.sel(time=slice("2025-03", "2025-12")).sum("time").values.ravel() + jan_feb
    row = total.iloc[0]
    assert row["start"] == pd.Timestamp("2025-01-01") and row["end"] == pd.Timestamp("2025-12-31")
    assert row["n_periods"] == 12
    assert row["mean"] == pytest.approx(sums.mean(), rel=1e-12)
    assert row["lower_95"] == pytest.approx(np.quantile(sums, 0.025), rel=1e-12)
    assert row["upper_95"] == pytest.approx(np.quantile(sums, 0.975), rel=1e-12)
    # the predicted series is used when the model was fitted on it
    predicted = monthly_observed(first="2025-01", last="2025-02", estimate="predicted", seed=9)
    both = pd.concat([observed, predicted], ignore_index=True)
    fc2 = make_forecast(n=400, h=12, observed=both, metadata={"estimate": "predicted"})
    total2 = fc2.cumulative("2025", "2025", include_observed=True)
    assert total2.loc[0, "mean"] - total.loc[0, "mean"] == pytest.approx(
        predicted["value"].sum() - jan_feb)


def test_cumulative_with_scenarios_and_nan_series():
    samples = make_samples(n=100, locations=("US", "CA"), h=6, scenarios=("a", "b"))
    samples.loc[{"location": "CA"}] = np.nan
    fc = Forecast(samples, frequency="monthly")
    total = fc.cumulative("2025-03", "2025-08")
    assert list(total["scenario"]) == ["a", "b"] and list(total["location"]) == ["US", "US"]
    sums = samples.sel(scenario="b", location="US").sum("time").values.ravel()
    assert total.loc[1, "median"] == np.median(sums)


@pytest.mark.parametrize(("start", "end", "message"), [
    ("2030", "2031", "contains no forecast period"),
    ("2025-03", "2026-06", "ends after the forecast's last period 2026-02"),
    ("2025-04", "2025-08-15", "ends inside the forecast period 2025-08"),
    ("2025-04-15", "2025-08", "starts inside the forecast period 2025-04"),
    ("2025", "2025", "starts before the forecast's first period 2025-03"),
    ("2025-06", "2025-04", "before its start"),
])
def test_cumulative_rejects_uncovered_windows(start, end, message):
    fc = make_forecast(n=20, h=12)
    with pytest.raises(DataError, match=re.escape(message)):
        fc.cumulative(start, end)


def test_cumulative_rejects_gaps_censored_and_missing_observed():
    base = dict(n=20, h=12, first="2025-03-31")
    gap = monthly_observed(first="2024-01", last="2025-01")
    with pytest.raises(DataError, match=r"not covered: .* no monthly value for 2025-02"):
        make_forecast(**base, observed=gap).cumulative("2024", "2025",
                                                       include_observed=True)
    censored = monthly_observed(first="2024-01", last="2025-02", censored=("2024-06",))
    with pytest.raises(DataError, match=r"US opioids for 2024-06 is censored"):
        make_forecast(**base, observed=censored).cumulative("2024", "2025",
                                                            include_observed=True)
    # the censored month outside the window does not matter
    total = make_forecast(**base, observed=censored).cumulative("2024-07", "2025-12",
                                                                include_observed=True)
    assert total.loc[0, "n_periods"] == 18
    missing = monthly_observed(first="2024-01", last="2025-02", not_shown=("2024-11",))
    with pytest.raises(DataError, match=r"for 2024-11 is missing"):
        make_forecast(**base, observed=missing).cumulative("2024", "2025",
                                                           include_observed=True)
    with pytest.raises(DataError, match="no observed data"):
        make_forecast(**base).cumulative("2024", "2025", include_observed=True)
    annual = from_records([
        {"location": "US", "indicator": "opioids", "frequency": "annual", "value": v,
         "period_start": f"{year}-01-01", "period_end": end, "unit": "deaths",
         "source": "CDC WONDER", "vintage": "2025-07-16", "flag": flag}
        for year, end, v, flag in [(2023, "2023-12-31", 79358.0, ""),
                                   (2024, "2024-09-30", 41520.0, "partial_period")]])
    fc = make_forecast(n=20, h=3, frequency="annual", first="2025-12-31", observed=annual)
    with pytest.raises(DataError, match=r"for 2024 \(Jan-Sep\) covers only part"):
        fc.cumulative("2023", "2026", include_observed=True)


def test_cumulative_rejects_12m_ending_and_partial_forecasts():
    fc = make_forecast(n=20, h=12, frequency="12m_ending")
    with pytest.raises(DataError, match=r"12m_ending.*overlap.*annual or monthly"):
        fc.cumulative("2025-03", "2025-12")
    samples = make_samples(n=20, h=6)
    samples.loc[{"time": samples.time[4:]}] = np.nan
    with pytest.raises(DataError, match="US opioids has no forecast for 2025-07"):
        Forecast(samples, frequency="monthly").cumulative("2025-03", "2025-08")


# ------------------------------------------------------------------------------- hubverse

def _check_hub_quantiles(hub: pd.DataFrame, group: list[str]) -> None:
    quant = hub[hub["output_type"] == "quantile"]
    for _, rows in quant.groupby(group):
        assert len(rows) == 23
        ordered = rows.sort_values("output_type_id")
        assert list(ordered["output_type_id"]) == list(HUBVERSE_QUANTILES)
        assert np.all(np.diff(ordered["value"].to_numpy()) >= 0)


def test_hubverse_quantiles():
    assert len(HUBVERSE_QUANTILES) == 23
    assert HUBVERSE_QUANTILES[:3] == (0.01, 0.025, 0.05) and HUBVERSE_QUANTILES[-1] == 0.99
    observed = monthly_observed(last="2025-02")
    fc = make_forecast(n=300, locations=("US", "US-OH"), indicators=("opioids", "cocaine"), h=4,
                       observed=observed)
    hub = fc.to_hubverse()
    assert list(hub.columns) == ["reference_date", "location", "target", "horizon",
                                 "target_end_date", "output_type", "output_type_id", "value"]
    assert len(hub) == 2 * 2 * 4 * 23
    assert hub["value"].dtype == np.int64 and (hub["value"] >= 0).all()
    assert hub["output_type_id"].dtype == np.float64
    assert set(hub["reference_date"]) == {"2025-02-28"}
    iso = re.compile(r"^\d{4}-\d{2}-\d{2}$")
    assert hub["target_end_date"].map(lambda d: bool(iso.match(d))).all()
    assert set(hub["target"]) == {"monthly opioids deaths", "monthly cocaine deaths"}
    assert sorted(set(hub["horizon"])) == [1, 2, 3, 4]
    h3 = hub[(hub["location"] == "US-OH") & (hub["target"] == "monthly cocaine deaths")
             & (hub["horizon"] == 3)]
    assert set(h3["target_end_date"]) == {"2025-05-31"}
    paths = fc.samples.sel(location="US-OH", indicator="cocaine").isel(time=2).values
    expected = np.maximum.accumulate(np.rint(np.quantile(paths, HUBVERSE_QUANTILES)))
    np.testing.assert_array_equal(h3.sort_values("output_type_id")["value"].to_numpy(), expected)
    _check_hub_quantiles(hub, ["location", "target", "horizon"])


def test_hubverse_quantiles_stay_monotone_after_rounding():
    # paths straddling x.5 make neighbouring quantiles round across each other unless enforced
    rng = np.random.default_rng(5)
    values = rng.choice([10.5, 10.49999999, 10.50000001, 11.5, 9.5], size=(1000, 1, 1, 3))
    samples = xr.DataArray(values, dims=DIMS, coords={
        "location": ["US-VT"], "indicator": ["opioids"],
        "time": pd.date_range("2025-03-31", periods=3, freq="ME")})
    hub = Forecast(samples, frequency="monthly").to_hubverse()
    _check_hub_quantiles(hub, ["location", "target", "horizon"])
    assert hub["value"].dtype == np.int64


def test_hubverse_samples_are_joint_paths():
    fc = make_forecast(n=50, locations=("US", "CA"), h=6)
    hub = fc.to_hubverse(output_types=("sample",))
    assert len(hub) == 2 * 50 * 6
    assert hub["output_type_id"].dtype == np.int64
    us = hub[hub["location"] == "US"]
    assert len(us) == 50 * 6
    assert us.groupby("horizon")["output_type_id"].apply(sorted).map(
        lambda ids: ids == list(range(50))).all()
    path7 = us[us["output_type_id"] == 7].sort_values("horizon")["value"].to_numpy()
    np.testing.assert_array_equal(path7, np.rint(fc.samples.sel(location="US").values[7, 0]))
    both = fc.to_hubverse(output_types=("quantile", "sample"))
    assert len(both) == 2 * 6 * (23 + 50)
    ids = both["output_type_id"]
    assert isinstance(ids[both["output_type"] == "sample"].iloc[0], int)
    assert isinstance(ids[both["output_type"] == "quantile"].iloc[0], float)


def test_hubverse_scenarios_reference_date_and_targets():
    fc = make_forecast(n=40, h=3, scenarios=("baseline", "interdiction"), frequency="quarterly",
                       first="2025-06-30")
    hub = fc.to_hubverse(output_types=("quantile", "sample"))
    assert hub.columns[0] == "scenario_id"
    assert set(hub["scenario_id"]) == {"baseline", "interdiction"}
    assert set(hub["reference_date"]) == {"2025-03-31"}  # the day before the first period
    assert set(hub["target"]) == {"quarterly opioids deaths"}
    for _, rows in hub[hub["output_type"] == "sample"].groupby(["scenario_id", "location"]):
        assert len(rows) == 40 * 3
    _check_hub_quantiles(hub, ["scenario_id", "location", "target", "horizon"])
    custom = fc.to_hubverse(reference_date="2025-04-12", target="{indicator} per quarter",
                            quantile_levels=(0.9, 0.1, 0.5))
    assert set(custom["reference_date"]) == {"2025-04-12"}
    assert set(custom["target"]) == {"opioids per quarter"}
    assert sorted(set(custom["output_type_id"])) == [0.1, 0.5, 0.9]
    two = make_forecast(n=10, h=2, indicators=("opioids", "heroin"))
    mapped = two.to_hubverse(target={"opioids": "inc opioid death", "heroin": "inc heroin death"})
    assert set(mapped["target"]) == {"inc opioid death", "inc heroin death"}
    with pytest.raises(DataError, match="same name"):
        two.to_hubverse(target="deaths")
    with pytest.raises(DataError, match="output_types"):
        two.to_hubverse(output_types=("mean",))


# ------------------------------------------------------------------------------- sel & combine

def test_sel_keeps_dims():
    fc = make_forecast(n=30, locations=("US", "US-OH", "US-KY"), indicators=("opioids", "heroin"),
                       h=3, metadata={"model": "ARIMA"})
    one = fc.sel(location="US-OH", indicator="heroin")
    assert one.samples.dims == DIMS and one.locations == ["US-OH"]
    np.testing.assert_array_equal(one.samples.values[:, 0, 0],
                                  fc.samples.sel(location="US-OH", indicator="heroin").values)
    assert fc.sel(location=["US-KY", "US"]).locations == ["US-KY", "US"]
    assert one.metadata == fc.metadata
    with pytest.raises(DataError, match=r"unknown location.*US-TX"):
        fc.sel(location="US-TX")
    with pytest.raises(DataError, match="no scenario dimension"):
        fc.sel(scenario="baseline")
    scen = make_forecast(n=30, h=3, scenarios=("a", "b", "c"))
    assert scen.sel(scenario="b").scenarios == ["b"]


def test_combine_builds_a_scenario_dimension():
    observed = monthly_observed()
    a = make_forecast(n=30, h=4, seed=1, observed=observed,
                      metadata={"model": "mechanistic", "random_seed": 1,
                                "warnings": ["slow mixing"]})
    b = make_forecast(n=30, h=4, seed=2, observed=observed,
                      metadata={"model": "mechanistic", "random_seed": 2})
    both = Forecast.combine({"baseline": a, "supply shock": b})
    assert both.samples.dims == ("scenario", *DIMS)
    assert both.scenarios == ["baseline", "supply shock"]
    np.testing.assert_array_equal(both.samples.sel(scenario="supply shock").values,
                                  b.samples.values)
    assert both.metadata["model"] == "mechanistic"
    assert both.metadata["scenario_metadata"]["supply shock"]["random_seed"] == 2
    assert both.metadata["warnings"] == ["scenario baseline: slow mixing"]
    pd.testing.assert_frame_equal(both.observed, observed)
    with pytest.raises(DataError, match="n_samples"):
        Forecast.combine({"a": a, "b": make_forecast(n=31, h=4)})
    with pytest.raises(DataError, match="time"):
        Forecast.combine({"a": a, "b": make_forecast(n=30, h=4, first="2025-04-30")})
    with pytest.raises(DataError, match="frequency"):
        Forecast.combine({"a": a, "b": make_forecast(n=30, h=4, frequency="12m_ending")})
    with pytest.raises(DataError, match="locations"):
        Forecast.combine({"a": a, "b": make_forecast(n=30, h=4, locations=("CA",))})
    with pytest.raises(DataError, match="already has a scenario"):
        Forecast.combine({"a": both})
    with pytest.raises(DataError, match="observed frames differ"):
        Forecast.combine({"a": a, "b": make_forecast(n=30, h=4, observed=monthly_observed(
            seed=7))})


# ------------------------------------------------------------------------------- storage

def test_netcdf_round_trip_is_exact(tmp_path):
    observed = pd.concat([
        monthly_observed(censored=("2023-05",), not_shown=("2023-07",),
                         extra_columns={"sex": "all"}),
        monthly_observed(seed=3, extra_columns={"sex": "female"}),
    ], ignore_index=True)
    observed = from_records(observed)
    samples = make_samples(n=40, locations=("US", "CA"), indicators=("opioids", "cocaine"), h=5,
                           scenarios=("baseline", "interdiction"))
    samples.loc[{"location": "CA", "indicator": "cocaine"}] = np.nan
    metadata = {"model": "ARIMA", "model_config": {"order": [1, 1, 1], "seasonal": None,
                                                   "nested": {"x": 1.5, "tags": ["a", "b"]}},
                "data_vintage": "2025-07-16", "random_seed": 42, "estimate": "reported",
                "warnings": ["fit not converged for CA cocaine"]}
    fc = Forecast(samples, frequency="monthly", observed=observed, metadata=metadata)
    path = tmp_path / "forecast.nc"
    fc.to_netcdf(path)
    back = Forecast.from_netcdf(path)
    assert back.equals(fc)
    assert back.samples.identical(fc.samples)
    assert back.samples.coords["location"].dtype == fc.samples.coords["location"].dtype
    pd.testing.assert_frame_equal(back.observed, fc.observed)
    assert list(back.observed.columns)[-1] == "sex"
    assert back.metadata == fc.metadata
    assert back.frequency == "monthly"
    assert repr(back) == repr(fc)

    plain = make_forecast(n=10, h=2, frequency="annual", first="2025-12-31")
    plain.to_netcdf(tmp_path / "plain.nc")
    again = Forecast.from_netcdf(tmp_path / "plain.nc")
    assert again.equals(plain) and again.observed is None and again.scenarios is None
    assert not again.equals(make_forecast(n=10, h=2, frequency="annual", first="2025-12-31",
                                          seed=1))
    (tmp_path / "other.nc").write_bytes(b"not netcdf")
    with pytest.raises(DataError, match="cannot read a forecast"):
        Forecast.from_netcdf(tmp_path / "other.nc")


@pytest.mark.parametrize(("change", "needle"), [
    (lambda ds: ds.attrs.pop("metadata"), "attribute 'metadata' is missing"),
    (lambda ds: ds.attrs.update(metadata="{not json"), "metadata is malformed"),
    (lambda ds: ds.attrs.update(metadata="[1, 2]"), "not a JSON object"),
    (lambda ds: ds.attrs.update(observed_dtypes="[3]"), "metadata is malformed"),
    (lambda ds: ds.attrs.pop("frequency"), "attribute 'frequency' is missing"),
    (lambda ds: ds.attrs.update(frequency="weekly"), "weekly"),
    # one sample value changed after writing: the checksum refuses it
    (lambda ds: ds["samples"].values.__setitem__((0, 0, 0, 0, 0), 12345.0), "checksum"),
])
def test_damaged_forecast_files_are_data_errors_naming_the_path(tmp_path, change, needle):
    # issue 13: KeyError / JSONDecodeError / TypeError without a path, and a flipped value
    # loaded silently
    import xarray as xr

    observed = from_records(monthly_observed())
    fc = Forecast(make_samples(n=20, h=3, scenarios=("a", "b")), frequency="monthly",
                  observed=observed, metadata={"model": "test"})
    good = tmp_path / "good.nc"
    fc.to_netcdf(good)
    with xr.open_dataset(good) as handle:
        ds = handle.load()
    change(ds)
    bad = tmp_path / "damaged.nc"
    ds.to_netcdf(bad)
    with pytest.raises(DataError, match=needle) as info:
        Forecast.from_netcdf(bad)
    assert info.value.path == str(bad)


# ------------------------------------------------------------------------------- display

def test_repr():
    fc = make_forecast(n=1000, indicators=("opioids", "synthetic_opioids"), h=12,
                       metadata={"model": "ARIMA", "data_vintage": "2025-07-16",
                                 "random_seed": 42})
    assert repr(fc) == ("<Forecast ARIMA: 1 location x 2 indicators x 12 monthly periods "
                        "(2025-03..2026-02), 1000 sample paths; data vintage 2025-07-16; seed 42>")
    warned = make_forecast(n=10, h=1, frequency="annual", first="2025-12-31",
                           scenarios=("a", "b"),
                           metadata={"warnings": ["fit did not converge", "short series"]})
    assert repr(warned) == ("<Forecast: 2 scenarios x 1 location x 1 indicator x 1 annual period "
                            "(2025..2025), 10 sample paths>\n"
                            "  warnings: fit did not converge; short series")


def test_plot_returns_a_figure_and_saves_png(tmp_path):
    from matplotlib.figure import Figure

    observed = pd.concat([monthly_observed(), monthly_observed(
        location="US-VT", censored=("2024-03", "2024-08"), seed=4)], ignore_index=True)
    observed.loc[observed["location"] == "US-VT", "value"] /= 400
    observed = from_records(observed.assign(value=observed["value"].round()))
    fc = make_forecast(n=200, locations=("US", "US-VT"), indicators=("opioids", "cocaine",
                       "heroin"), h=12, observed=observed,
                       metadata={"model": "ARIMA", "data_vintage": "2025-07-16"})
    fig = fc.plot()
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 6
    assert fig.axes[0].get_title() == "US · opioids"
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert labels[:4] == ["median", "50% interval", "80% interval", "95% interval"]
    assert "observed (reported)" in labels
    assert any("suppressed" in label for label in labels)
    path = tmp_path / "fan.png"
    fig.savefig(path, dpi=80)
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5_000

    one = fc.plot(location="US", indicator="opioids", title="US opioid deaths")
    assert len(one.axes) == 1
    five = make_forecast(n=20, locations=("US", "CA", "US-OH", "US-KY", "US-WV"), h=3).plot()
    assert len(five.axes) == 5
    scen = make_forecast(n=50, h=6, scenarios=("baseline", "interdiction")).plot()
    labels = [t.get_text() for t in scen.legends[0].get_texts()]
    assert labels[:2] == ["baseline (median)", "interdiction (median)"]

    target = Figure()
    ax = target.subplots()
    assert fc.plot(location="US-VT", indicator="heroin", ax=ax) is target
    with pytest.raises(DataError, match="single panel"):
        fc.plot(ax=ax)


def test_module_imports_no_matplotlib():
    code = ("import sys, odforecast.forecast; "
            "print('matplotlib' in sys.modules, 'pymc' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.split() == ["False", "False"]


def test_metadata_is_stored_as_given():
    config = {"order": (1, 1, 1)}
    fc = make_forecast(n=5, h=2, metadata={"model_config": config, "created": "2025-07-16"})
    config["order"] = (2, 2, 2)
    assert fc.metadata["model_config"] == {"order": (1, 1, 1)}
    assert fc.metadata["created"] == "2025-07-16"
    assert json.loads(json.dumps(fc.metadata["model_config"])) == {"order": [1, 1, 1]}


def test_hubverse_reference_date_of_a_real_12_month_ending_forecast():
    """The reference date is the last observed window's end, not a year earlier (the
    12-month windows overlap, so comparing period starts would be wrong)."""
    import odforecast
    from odforecast.models import Naive

    us = odforecast.load_dataset("us_monthly_12m")
    data = us[(us["indicator"] == "opioids") & (us["estimate"] == "reported")]
    fc = Naive().fit(data).forecast(3, n_samples=20, random_seed=0)
    hub = fc.to_hubverse()
    assert set(hub["reference_date"]) == {"2025-02-28"}
    assert sorted(set(hub["target_end_date"])) == ["2025-03-31", "2025-04-30", "2025-05-31"]
    assert hub.groupby("horizon")["target_end_date"].first().tolist() == [
        "2025-03-31", "2025-04-30", "2025-05-31"]


# ------------------------------------------------------------------------ package layout & API

def _same(a: Forecast, b: Forecast) -> None:
    """Identical in every part, coordinate dtypes included."""
    assert a.equals(b)
    assert a.samples.identical(b.samples)
    for dim in a.samples.dims:
        assert a.samples.coords[dim].dtype == b.samples.coords[dim].dtype, dim
    assert a.samples.dtype == b.samples.dtype == np.float64
    assert (a.observed is None) == (b.observed is None)
    if a.observed is not None:
        pd.testing.assert_frame_equal(a.observed, b.observed)
    assert a.metadata == b.metadata


@pytest.mark.parametrize("selection", [
    {"location": "US-OH"}, {"indicator": ["cocaine"]},
    {"location": ["US-KY", "US-OH"], "indicator": "opioids"}, {}])
def test_sel_without_revalidation_gives_the_validated_result(selection):
    observed = pd.concat([monthly_observed(location=loc, indicator=ind, seed=i)
                          for i, (loc, ind) in enumerate([("US-OH", "opioids"),
                                                          ("US-KY", "cocaine")])])
    fc = make_forecast(n=50, locations=("US-OH", "US-KY"), indicators=("opioids", "cocaine"),
                       h=6, observed=observed, metadata={"model": "ARIMA", "warnings": ["w"]})
    fast = fc.sel(**selection)
    validated = Forecast(fc.samples.sel({k: [v] if isinstance(v, str) else v
                                         for k, v in selection.items()}),
                         frequency=fc.frequency, observed=fc.observed, metadata=fc.metadata)
    _same(fast, validated)
    assert type(fast) is Forecast
    # the selection is independent of the original's mutable parts
    fast.metadata["model"] = "changed"
    assert fc.metadata["model"] == "ARIMA"
    assert fast.observed is not fc.observed


def test_sel_of_a_scenario_forecast_and_combine_match_the_validated_path():
    fc = make_forecast(n=30, h=4, indicators=("opioids", "cocaine"),
                       scenarios=("baseline", "interdiction"))
    _same(fc.sel(scenario="interdiction", indicator="cocaine"),
          Forecast(fc.samples.sel(scenario=["interdiction"], indicator=["cocaine"]),
                   frequency="monthly", metadata=fc.metadata))
    parts = {"a": make_forecast(n=30, h=4, seed=1, metadata={"model": "m", "created": "x"}),
             "b": make_forecast(n=30, h=4, seed=2, metadata={"model": "m", "created": "x"})}
    combined = Forecast.combine(parts, metadata={"note": "both"})
    assert combined.metadata["note"] == "both" and combined.metadata["model"] == "m"
    stacked = xr.concat([f.samples for f in parts.values()],
                        dim=pd.Index(["a", "b"], name="scenario")).transpose("scenario", *DIMS)
    _same(combined, Forecast(stacked, frequency="monthly", metadata=combined.metadata))
    with pytest.raises(DataError, match="observed must be a tidy pandas DataFrame"):
        Forecast.combine(parts, observed="not a frame")
    with pytest.raises(DataError, match="JSON serialisable"):
        Forecast.combine(parts, metadata={"bad": object()})


def test_public_read_only_api():
    observed = monthly_observed(location="US", indicator="opioids", estimate="predicted")
    fc = make_forecast(n=40, h=6, indicators=("opioids", "cocaine"), observed=observed,
                       metadata={"estimate": "predicted"})
    assert fc.estimate == "predicted"
    assert make_forecast(n=2, h=2).estimate == "reported"
    assert fc.series_keys == [(None, "US", "opioids"), (None, "US", "cocaine")]
    assert fc.period_labels == [f"2025-{m:02d}" for m in range(3, 9)]

    paths = fc.paths
    assert paths.shape == (40, 1, 2, 6) and not paths.flags.writeable
    np.testing.assert_array_equal(paths, fc.samples.values)
    with pytest.raises(ValueError, match="read-only"):
        paths[0, 0, 0, 0] = -1.0
    one = fc.series_paths("US", "cocaine")
    assert one.shape == (40, 6) and not one.flags.writeable
    np.testing.assert_array_equal(one, fc.samples.sel(location="US", indicator="cocaine")
                                  .transpose("sample", "time").values)
    with pytest.raises(DataError, match="unknown indicator 'heroin'"):
        fc.series_paths("US", "heroin")
    with pytest.raises(DataError, match="no scenario dimension"):
        fc.series_paths("US", "opioids", scenario="baseline")
    scen = make_forecast(n=5, h=2, scenarios=("baseline", "low"))
    np.testing.assert_array_equal(scen.series_paths("US", "opioids", scenario="low"),
                                  scen.samples.sel(scenario="low", location="US",
                                                   indicator="opioids").values)
    with pytest.raises(DataError, match="choose a scenario"):
        scen.series_paths("US", "opioids")

    rows = fc.observed_series("US", "opioids")
    assert len(rows) == len(observed) and rows["period_end"].is_monotonic_increasing
    assert fc.observed_series("US", "cocaine").empty
    with pytest.raises(DataError, match="no observed data"):
        make_forecast(n=2, h=2).observed_series("US", "opioids")


def test_package_reexports_and_module_layout():
    import odforecast
    import odforecast.forecast as package
    from odforecast import levels
    from odforecast.forecast import container, display, hubverse, io, summaries, windows

    assert package.Forecast is container.Forecast is odforecast.Forecast
    assert package.HUBVERSE_QUANTILES is levels.HUBVERSE_QUANTILES
    assert set(package.__all__) == {"Forecast", "HUBVERSE_QUANTILES"}
    for module in (display, hubverse, io, summaries, windows, levels):
        assert "odforecast.forecast.container" not in {
            getattr(v, "__module__", None) for v in vars(module).values() if isinstance(v, type)}
