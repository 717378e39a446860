"""Figures on real data: the drawn lines are the forecast's quantiles, labels say what they are.

Each figure was also checked by eye (saved as PNG and opened) when it was written; these tests
pin down its content so it stays right.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

import odforecast
from odforecast import DataError
from odforecast.evaluate import backtest
from odforecast.models import ARIMA, Drift, Naive
from odforecast.plotting import plot_backtest, plot_forecast, plot_locations, plot_scenarios
from odforecast.scenarios import StatusQuo, preset


def gid(ax, name: str):
    """The artist with this gid (medians, bands, observed...)."""
    found = [a for a in ax.get_children() if a.get_gid() == name]
    assert len(found) == 1, f"{len(found)} artists with gid {name!r}"
    return found[0]


def band_limits(band) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper edge of a fill_between band (its polygon: lower out, upper back)."""
    vertices = band.get_paths()[0].vertices
    n = (len(vertices) - 1) // 2 - 1  # start point, n lower, end, n upper (reversed), close
    return vertices[1:n + 1, 1], vertices[n + 2:2 * n + 2, 1][::-1]


@pytest.fixture(scope="module")
def annual():
    us = odforecast.load_dataset("us_annual")
    return us[(us["indicator"] == "opioids") & (us["estimate"] == "reported")]


@pytest.fixture(scope="module")
def annual_fit(annual):
    return ARIMA(order=(1, 1, 0)).fit(annual)


def test_fan_chart_draws_the_quantiles_at_mid_period(annual_fit, annual):
    fc = annual_fit.forecast(6, n_samples=400, random_seed=1)
    fig = fc.plot(start="2010")
    (ax,) = fig.axes
    q = fc.quantiles([0.025, 0.5, 0.975]).sel(location="US", indicator="opioids")
    median = gid(ax, "median")
    np.testing.assert_allclose(median.get_ydata(), q.sel(quantile=0.5).values)
    lower, upper = band_limits(gid(ax, "median:band95"))
    np.testing.assert_allclose(lower, q.sel(quantile=0.025).values)
    np.testing.assert_allclose(upper, q.sel(quantile=0.975).values)
    # a year's total sits over the middle of that year, not on 31 December
    x = pd.DatetimeIndex(median.get_xdata())
    assert list(x.month) == [7] * 6 and list(x.year) == list(range(2025, 2031))
    observed = gid(ax, "observed")
    shown = annual[annual["period_end"] >= "2010-01-01"].sort_values("period_end")
    np.testing.assert_array_equal(observed.get_ydata(), shown["value"].to_numpy())
    join = gid(ax, "join")  # the last observation is joined to the first median
    assert join.get_ydata()[0] == shown["value"].iloc[-1]
    assert ax.get_ylabel() == "deaths per year" and ax.get_title() == "US · opioids"
    assert ax.get_ylim()[0] == 0
    assert ax.yaxis.get_major_formatter()(40000, 0) == "40,000"
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert labels == ["median", "50% interval", "80% interval", "95% interval",
                      "observed (reported)"]
    assert "Model: arima" in fig._supxlabel.get_text()


def test_twelve_month_ending_values_are_labelled_as_such():
    us = odforecast.load_dataset("us_monthly_12m")
    data = us[(us["indicator"] == "opioids") & (us["estimate"] == "reported")]
    fc = Naive().fit(data).forecast(6, n_samples=100, random_seed=0)
    (ax,) = fc.plot().axes
    assert ax.get_ylabel() == "deaths in the 12 months ending"
    assert ax.get_xlabel() == "end of the 12-month period"
    x = pd.DatetimeIndex(gid(ax, "median").get_xdata())
    assert (x == fc.time).all()  # drawn at the end of each window


def test_scenario_comparison_with_cumulative_totals(annual_fit):
    scenarios = [StatusQuo(), preset("source_low_fentanyl"), preset("source_high_fentanyl")]
    fc = annual_fit.forecast(5, scenarios, n_samples=400, random_seed=2)
    fig = plot_scenarios(fc, cumulative=("2025", "2029"), interval=0.9)
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    fan, totals = fig.axes
    for name in fc.scenarios:
        median = gid(fan, f"median:{name}")
        expected = fc.quantiles([0.5]).sel(scenario=name, location="US",
                                           indicator="opioids", quantile=0.5).values
        np.testing.assert_allclose(median.get_ydata(), expected)
        lower, _ = band_limits(gid(fan, f"median:{name}:band90"))
        np.testing.assert_allclose(lower, fc.quantiles([0.05]).sel(
            scenario=name, location="US", indicator="opioids", quantile=0.05).values)
    table = fc.cumulative("2025", "2029").set_index("scenario")
    for name in fc.scenarios:
        assert gid(totals, f"total:{name}").get_xdata()[0] == pytest.approx(
            table.loc[name, "median"])
    assert [t.get_text() for t in totals.get_yticklabels()] == fc.scenarios  # baseline first
    notes = [t.get_text() for t in totals.texts]
    low = fc.samples.sel(scenario="source_low_fentanyl").sum("time")
    base = fc.samples.sel(scenario="status_quo").sum("time")
    change = float(np.median(low / base - 1))
    assert any(f"{change:+.0%}".replace("-", "\N{MINUS SIGN}") in n for n in notes)
    assert totals.get_title() == "Total 2025-2029" and fan.get_title() == "Deaths per year"
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend[:3] == ["status_quo (baseline)", "source_low_fentanyl", "source_high_fentanyl"]
    assert len(plot_scenarios(fc).axes) == 1  # without totals


def test_scenario_comparison_errors_are_explained(annual_fit):
    with pytest.raises(DataError, match="needs a forecast with scenarios"):
        plot_scenarios(annual_fit.forecast(3, n_samples=50, random_seed=0))
    fc = annual_fit.forecast(3, [StatusQuo(), preset("source_low_fentanyl")], n_samples=50,
                             random_seed=0)
    with pytest.raises(DataError, match="baseline 'nope' is not a scenario"):
        plot_scenarios(fc, baseline="nope")


def test_backtest_scores_by_horizon():
    us = odforecast.load_dataset("us_monthly_12m")
    data = us[(us["indicator"] == "opioids") & (us["estimate"] == "reported")]
    origins = ["2022-06-30", "2022-12-31", "2023-06-30", "2023-12-31"]
    runs = [backtest(m, data, origins=origins, horizon=4, n_samples=200, progress=False)
            for m in (Drift(), Naive())]
    fig = plot_backtest(runs)
    assert len(fig.axes) == 5
    wis, relative, *coverage = fig.axes
    scores = pd.concat([r.scores for r in runs])
    means = scores.groupby(["model", "horizon"])[["wis", "cover_50", "cover_95"]].mean()
    np.testing.assert_allclose(gid(wis, "wis:drift").get_ydata(), means.loc["drift", "wis"])
    np.testing.assert_allclose(gid(relative, "relative:naive").get_ydata(), 1.0)
    np.testing.assert_allclose(gid(coverage[0], "coverage50:drift").get_ydata(),
                               means.loc["drift", "cover_50"])
    np.testing.assert_allclose(gid(coverage[2], "coverage95:naive").get_ydata(),
                               means.loc["naive", "cover_95"])
    assert [ax.get_title() for ax in fig.axes] == [
        "Mean WIS (lower is better)", "WIS relative to naive", "50% interval coverage",
        "80% interval coverage", "95% interval coverage"]
    assert wis.get_xlabel() == "horizon (months ahead)"
    assert gid(coverage[2], "nominal").get_ydata()[0] == 0.95  # dashed reference line
    # a single model, or a plain score table, works too
    assert len(runs[0].plot().axes) == 4
    assert len(plot_backtest(scores, baseline="drift").axes) == 5


def test_state_small_multiples():
    states = odforecast.load_dataset("states_monthly_12m")
    rows = states[(states["indicator"] == "opioids") & (states["estimate"] == "predicted")
                  & (states["period_end"] >= "2021-01-01")
                  & states["location"].isin(["US-OH", "US-KY", "US-WV", "US-TN", "US-VT",
                                             "US-NH", "US-ME"])]
    fc = Naive().fit(rows).forecast(6, n_samples=200, random_seed=0)
    fig = plot_locations(fc, start="2022")
    assert len(fig.axes) == 7
    assert [ax.get_title() for ax in fig.axes] == fc.locations
    ohio = fig.axes[fc.locations.index("US-OH")]
    expected = fc.quantiles([0.5]).sel(location="US-OH", indicator="opioids",
                                       quantile=0.5).values
    np.testing.assert_allclose(gid(ohio, "median").get_ydata(), expected)
    assert fig.legends[0].get_title().get_text() == (
        "opioids: deaths in the 12 months ending each month")
    tops = {ax.get_ylim()[1] for ax in fig.axes}
    assert len(tops) > 1  # each state on its own scale by default
    shared = fc.plot_locations(locations=["US-VT", "US-OH"], sharey=True)
    assert [ax.get_title() for ax in shared.axes] == ["US-VT", "US-OH"]
    assert shared.axes[0].get_ylim() == shared.axes[1].get_ylim()
    assert shared.axes[0].get_ylim()[1] > expected.max()  # Ohio fits on the shared scale
    with pytest.raises(DataError, match="no location 'US-XX'"):
        plot_locations(fc, locations=["US-XX"])


LONG_TITLE = ("US opioid overdose deaths: ARIMA(1,1,0) projection from data through 2024, "
              "with 50/80/95 % intervals")  # 100 characters


@pytest.mark.parametrize("scenarios", [None, ["status_quo", "source_low_fentanyl",
                                              "australia_heroin_shortage_2001"]])
def test_a_long_title_stays_clear_of_the_legend(annual_fit, scenarios):
    """A suptitle longer than the panel is wide used to run under the legend on the right."""
    fc = annual_fit.forecast(4, None if scenarios is None else [preset(s) for s in scenarios],
                             n_samples=100, random_seed=0)
    fig = plot_forecast(fc, start="2010", title=LONG_TITLE)
    for dpi in (100, 200):  # as drawn on screen and as saved at a higher resolution
        fig.set_dpi(dpi)
        fig.draw_without_rendering()
        title = fig._suptitle.get_window_extent()
        legend = fig.legends[0].get_window_extent()
        assert not title.overlaps(legend), (title, legend)
        assert title.x1 < legend.x0 and title.x0 >= 0
    assert " ".join(fig._suptitle.get_text().split()) == LONG_TITLE  # wrapped, not cut
    assert "\n" in fig._suptitle.get_text()
    short = plot_forecast(fc, start="2010", title="US opioid deaths")
    assert short._suptitle.get_text() == "US opioid deaths"  # a short title is left alone


def test_figures_save_as_png(annual_fit, tmp_path):
    fc = annual_fit.forecast(3, n_samples=100, random_seed=0)
    path = tmp_path / "fan.png"
    plot_forecast(fc).savefig(path, dpi=60)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_an_ensemble_figure_names_its_members_and_weighting(annual):
    fitted = odforecast.Ensemble(["naive", "drift"], weights="equal").fit(annual)
    fig = plot_forecast(fitted.forecast(3, n_samples=100, random_seed=0))
    foot = fig._supxlabel.get_text()
    assert foot.startswith("Model: ensemble of naive + drift, equal weights · data vintage")


def test_importing_the_plotting_module_does_not_load_matplotlib():
    code = "import sys, odforecast.plotting; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


def test_plotting_reads_only_the_public_api_of_forecast(annual_fit, monkeypatch):
    """Every figure is drawn through Forecast's public API: reading a private member
    (``fc._anything``) from a module outside the odforecast.forecast package fails."""
    from odforecast.forecast import Forecast

    plain = annual_fit.forecast(3, n_samples=100, random_seed=1)
    scenarios = annual_fit.forecast(5, [StatusQuo(), preset("source_low_fentanyl")],
                                    n_samples=100, random_seed=1)
    read_by: list[str] = []
    original = Forecast.__getattribute__

    def guarded(self, name):
        if name.startswith("_") and not name.startswith("__"):
            caller = sys._getframe(1).f_globals.get("__name__", "")
            if not caller.startswith("odforecast.forecast"):
                read_by.append(f"{caller} read Forecast.{name}")
                raise AssertionError(read_by[-1])
        return original(self, name)

    monkeypatch.setattr(Forecast, "__getattribute__", guarded)
    with pytest.raises(AssertionError, match=r"read Forecast\._samples"):
        plain._samples  # noqa: B018 - the guard works
    read_by.clear()
    plot_forecast(plain, start="2015")
    plain.plot()
    plot_locations(plain)
    plot_scenarios(scenarios, cumulative=("2025", "2029"))
    plot_forecast(scenarios, intervals=(0.5, 0.9))
    assert read_by == []


def test_plotting_does_not_import_the_forecast_package():
    """Data flows one way: plotting draws any object with the Forecast API (duck-typed), so
    Forecast.plot can import plotting without an import cycle."""
    code = ("import sys, odforecast.plotting, odforecast.plotting.fan, "
            "odforecast.plotting.scenarios, odforecast.plotting.locations; "
            "print('odforecast.forecast' in sys.modules, "
            "'odforecast.evaluate.backtest' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.split() == ["False", "False"]
