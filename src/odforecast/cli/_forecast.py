"""``odforecast forecast``: fit, forecast (under scenarios if asked), print the tables and write
the outputs (checked before fitting, written atomically at the end)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["cmd_forecast", "forecast_csv", "scenario_totals", "scenarios_for"]

#: Intervals of the forecast CSV (``--out``) and the printed table.
CSV_INTERVALS = (0.5, 0.8, 0.95)

#: Output flags of ``forecast`` -> the attribute holding the path.
OUTPUT_FLAGS = {"--out": "out", "--plot": "plot", "--hubverse": "hubverse", "--save": "save"}


def scenarios_for(names: list[str] | None, data: pd.DataFrame) -> list[Any] | None:
    """The status quo and the scenarios ``--scenario`` names (presets or scenario files), as
    :func:`odforecast.project` resolves them; None when none was given.

    Examples
    --------
    >>> import odforecast
    >>> us = odforecast.load_dataset("us_annual")
    >>> [s.name for s in scenarios_for(["source_low_fentanyl"], us)]
    ['status_quo', 'source_low_fentanyl']
    """
    if not names:
        return None
    from odforecast.outlook import _resolve_scenarios

    chosen, _ = _resolve_scenarios(names, {}, pd.to_datetime(data["period_end"]).max())
    return chosen


def _totals(paths: np.ndarray, frequency: str) -> np.ndarray:
    """Each path's deaths over the horizon: the sum of its periods, or for CDC's overlapping
    12-month-ending counts the last window (the 12 months ending with the horizon)."""
    return paths[:, -1] if frequency == "12m_ending" else paths.sum(axis=1)


def scenario_totals(forecast: Any) -> pd.DataFrame:
    """Per scenario and series: the total over the horizon (median, 95 % interval) and its
    difference from the status quo computed path by path (the scenario paths are the status
    quo's paths times the scenario's effect, so the pairs share their randomness).

    Examples
    --------
    >>> import odforecast
    >>> us = odforecast.load_dataset("us_annual").query(
    ...     "indicator == 'opioids' and estimate == 'reported'")
    >>> fitted = odforecast.Naive().fit(us)
    >>> fc = fitted.forecast(5, scenarios_for(["source_low_fentanyl"], us), n_samples=200,
    ...                      random_seed=1)
    >>> table = scenario_totals(fc)
    >>> table["scenario"].tolist(), float(table["diff_median"].iloc[0])
    (['status_quo', 'source_low_fentanyl'], 0.0)
    """
    from odforecast.forecast.summaries import interval_summary

    rows = []
    for location in forecast.locations:
        for indicator in forecast.indicators:
            base = _totals(forecast.series_paths(location, indicator, scenario="status_quo"),
                           forecast.frequency)
            for scenario in forecast.scenarios:
                total = _totals(forecast.series_paths(location, indicator, scenario=scenario),
                                forecast.frequency)
                if np.isnan(total).all():
                    continue
                stats = interval_summary(np.vstack([total, total - base]), (0.95,))
                rows.append({"scenario": scenario, "location": location, "indicator": indicator,
                             "median": stats["median"][0], "lower_95": stats["lower_95"][0],
                             "upper_95": stats["upper_95"][0],
                             "diff_median": stats["median"][1],
                             "diff_lower_95": stats["lower_95"][1],
                             "diff_upper_95": stats["upper_95"][1],
                             "diff_percent": 100 * float(np.median((total - base) / base))})
    return pd.DataFrame(rows)


def _scenario_text(forecast: Any) -> str:
    from odforecast.data.display import format_table, period_label

    table = scenario_totals(forecast)
    first, last = forecast.period_labels[0], forecast.period_labels[-1]
    if forecast.frequency == "12m_ending":
        end = forecast.time[-1]
        span = period_label("12m_ending", end - pd.DateOffset(years=1), end)
        what = f"deaths in the {span.replace('12m to', '12 months to')}"
    else:
        what = f"total deaths {first} .. {last}"

    def interval(lo: float, hi: float, sign: bool = False) -> str:
        fmt = "{:+,.0f}" if sign else "{:,.0f}"
        return f"{fmt.format(lo)} – {fmt.format(hi)}"

    shown = pd.DataFrame({
        "scenario": table["scenario"],
        "median": [f"{v:,.0f}" for v in table["median"]],
        "95% interval": [interval(lo, hi) for lo, hi in zip(table["lower_95"],
                                                             table["upper_95"], strict=True)],
        "vs status quo": ["—" if s == "status_quo" else f"{d:+,.0f} ({p:+.1f}%)"
                          for s, d, p in zip(table["scenario"], table["diff_median"],
                                             table["diff_percent"], strict=True)],
        "95% interval of the change": ["—" if s == "status_quo" else interval(lo, hi, True)
                                       for s, lo, hi in zip(table["scenario"],
                                                            table["diff_lower_95"],
                                                            table["diff_upper_95"],
                                                            strict=True)]})
    keys = [c for c in ("location", "indicator") if table[c].nunique() > 1]
    for key in reversed(keys):
        shown.insert(0, key, table[key])
    return format_table(
        shown, title=f"Scenarios: {what}, median and 95 % interval; change against the "
                     "status quo computed path by path",
        numeric=["median", "95% interval", "vs status quo", "95% interval of the change"])


def forecast_csv(forecast: Any) -> pd.DataFrame:
    """The ``--out`` table: mean, median and 50 / 80 / 95 % intervals per period, counts of
    deaths rounded to whole deaths (the sample paths themselves are not rounded).

    Examples
    --------
    >>> import odforecast
    >>> us = odforecast.load_dataset("us_annual").query(
    ...     "indicator == 'heroin' and estimate == 'reported'")
    >>> fc = odforecast.Drift().fit(us).forecast(2, n_samples=100, random_seed=1)
    >>> table = forecast_csv(fc)
    >>> [c for c in table.columns if c.startswith("lower")], str(table["median"].dtype)
    (['lower_50', 'lower_80', 'lower_95'], 'Int64')
    """
    from odforecast.data.schema import INDICATORS

    table = forecast.to_frame(intervals=CSV_INTERVALS)
    if all(INDICATORS[i].unit == "deaths" for i in forecast.indicators if i in INDICATORS):
        numbers = [c for c in table.columns if c in ("mean", "median")
                   or c.startswith(("lower_", "upper_"))]
        for column in numbers:
            table[column] = table[column].round().astype("Int64")
    return table


def _forecast_text(forecast: Any) -> str:
    """Median and 50 % / 80 % / 95 % intervals per period; location and indicator columns
    only when there are several."""
    from odforecast.data.display import format_table, period_label, value_label

    table = forecast.to_frame(intervals=CSV_INTERVALS)
    shown = table.assign(period=[period_label(f, s, e) for f, s, e in zip(
        table["frequency"], table["period_start"], table["period_end"], strict=True)])
    intervals = []
    for p in (50, 80, 95):
        intervals.append(f"{p}% interval")
        shown[intervals[-1]] = [f"{lo:,.0f} – {hi:,.0f}" for lo, hi in
                                zip(shown[f"lower_{p}"], shown[f"upper_{p}"], strict=True)]
    keys = [c for c in ("scenario", "location", "indicator") if c in shown
            and shown[c].nunique() > 1]
    columns = [*keys, "period", "median", *intervals]
    series = ", ".join(f"{loc} {ind}" for loc in forecast.locations
                       for ind in forecast.indicators) if not keys else "by series"
    title = (f"Forecast ({series}), {value_label(forecast.frequency)}: median and central "
             "intervals")
    return format_table(shown[columns], numeric=["median", *intervals],
                        formats={"median": "{:,.0f}".format}, title=title)


#: Friendlier headers for the diagnostics columns the CLI prints.
DIAGNOSTIC_HEADERS = {"aicc": "AICc", "ljung_box_p": "Ljung-Box p", "r_hat_max": "max R-hat",
                      "ess_bulk_min": "min bulk ESS", "ess_tail_min": "min tail ESS",
                      "trustworthy": "converged", "first_period": "from",
                      "last_shown": "last shown", "n_missing": "withheld",
                      "n_censored": "censored", "averaged_models": "paths from (Akaike weight)"}


def _diagnostics_text(fitted: Any) -> str:
    from odforecast.data.display import format_table

    diag = fitted.diagnostics
    # what was done with withheld and censored cells is shown, never silent (ARIMA, baselines)
    keep = [c for c in ("location", "indicator", "model", "first_period", "last_shown",
                        "n_missing", "n_censored", "transform", "order", "averaged_models",
                        "aicc",
                        "ljung_box_p", "fallback", "r_hat_max", "ess_bulk_min", "ess_tail_min",
                        "divergences", "trustworthy") if c in diag.columns]
    # an ensemble's weights and its members' past WIS, one column per member (no past WIS
    # when the weights were not learnt: equal or given)
    members = [c for c in diag.columns if c.startswith("weight_")
               or (c.startswith("past_wis_") and diag[c].notna().any())]
    headers = {**DIAGNOSTIC_HEADERS,
               **{c: c.replace("weight_", "weight ").replace("past_wis_", "past WIS ")
                  for c in members}}
    formats = {"r_hat_max": "{:.3f}".format,  # 1.01 is the threshold
               **{c: ("{:.2f}" if c.startswith("weight_") else "{:,.0f}").format
                  for c in members}}
    # an ensemble member that forecasts only some series (a pooled model beside a national
    # total) says which it leaves to the others, and why
    from odforecast.cli._text import wrap_notes

    notes = fitted.members_not_used() if hasattr(fitted, "members_not_used") else []
    return format_table(diag[keep + members], headers=headers, title="Fit diagnostics",
                        formats=formats, notes=wrap_notes(notes))


def check_outputs(args: argparse.Namespace, flags: dict[str, str]) -> None:
    """Every output path given, checked before any data is read or model fitted."""
    from odforecast._output import check_output_file
    from odforecast.errors import ParameterError

    given: dict[Path, str] = {}
    for flag, attribute in flags.items():
        path = getattr(args, attribute, None)
        if path is None:
            continue
        check_output_file(path, flag=flag)
        if flag == "--plot":
            _check_image_format(Path(path))
        resolved = Path(path).absolute()
        if resolved in given:
            raise ParameterError(f"{path} is also given to {given[resolved]}; give each output "
                                 "its own file", parameter=flag)
        given[resolved] = flag


def fit_with_hints(model: Any, data: pd.DataFrame) -> Any:
    """``model.fit(data)``; a missing value the model cannot take gets the flags that help."""
    from odforecast.errors import DataError

    try:
        return model.fit(data)
    except DataError as err:
        if "has no value for the period ending" not in err.reason:
            raise
        raise DataError(err.reason, hint="--start a later date leaves the period out; the "
                                         "Bayesian models (--model bayes) estimate missing "
                                         "periods") from None


def _check_image_format(path: Path) -> None:
    from matplotlib.backend_bases import FigureCanvasBase

    from odforecast.errors import ParameterError

    formats = FigureCanvasBase.get_supported_filetypes()
    if path.suffix.lstrip(".").lower() not in formats:
        raise ParameterError(f"{path}: cannot tell the image format from the name; end it "
                             f"with one of {', '.join('.' + f for f in sorted(formats))}",
                             parameter="--plot")


def cmd_forecast(args: argparse.Namespace, notices: list[str]) -> None:
    from odforecast._output import AtomicFiles
    from odforecast.cli._models import build_model, check_model_flags
    from odforecast.cli._series import series_frame

    check_outputs(args, OUTPUT_FLAGS)
    check_model_flags([args.model], args)
    model = build_model(args.model, args)
    data = series_frame(args)
    scenarios = scenarios_for(args.scenario, data)
    fitted = fit_with_hints(model, data)
    forecast = fitted.forecast(args.horizon, scenarios, n_samples=args.n_samples,
                               random_seed=args.seed)
    print(f"{forecast!r}\n")
    print(_forecast_text(forecast))
    if scenarios is not None:
        print()
        print(_scenario_text(forecast))
    print()
    print(_diagnostics_text(fitted))
    notices.extend(forecast.metadata.get("warnings", []))
    written = []
    with AtomicFiles() as files:  # every file appears at the end, or none does
        if args.out:
            forecast_csv(forecast).to_csv(files.path(args.out), index=False,
                                          date_format="%Y-%m-%d")
            written.append(args.out)
        if args.hubverse:
            forecast.to_hubverse().to_csv(files.path(args.hubverse, flag="--hubverse"), index=False)
            written.append(args.hubverse)
        if args.plot:
            figure = forecast.plot()  # one colour per scenario
            figure.savefig(files.path(args.plot, flag="--plot"), dpi=120, bbox_inches="tight")
            written.append(args.plot)
        if args.save:
            forecast.to_netcdf(files.path(args.save, flag="--save"))
            written.append(args.save)
    if written:
        print()
        for path in written:
            print(f"wrote {path}")
