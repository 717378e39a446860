"""The ``odforecast`` command line: a thin shell over the Python API.

Errors go to stderr with exit code 2 (bad input) or 1 (other odforecast errors) and no traceback,
unless ``--debug`` is given.
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from collections.abc import Sequence

from odforecast._version import __version__
from odforecast.errors import DataError, OdforecastError

__all__ = ["main"]


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="odforecast",
        description="Statistical forecasting of overdose mortality on real public data.",
    )
    parser.add_argument("--version", action="version", version=f"odforecast {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    data = commands.add_parser("data", help="bundled datasets and downloads")
    data_commands = data.add_subparsers(dest="data_command", metavar="ACTION")
    data_commands.add_parser("list", help="list the bundled datasets")

    show = data_commands.add_parser("show", help="print a bundled dataset")
    show.add_argument("name", help="dataset name (see `odforecast data list`)")
    show.add_argument("--indicator", action="append",
                      help="keep this indicator (repeatable), e.g. opioids")
    show.add_argument("--location", action="append",
                      help="keep this location (repeatable), e.g. US or US-OH")
    show.add_argument("--estimate", choices=["reported", "predicted", "all"], default="all",
                      help="reported counts, CDC's delay-adjusted predictions, or both")
    show.add_argument("--format", choices=["table", "csv"], default="table",
                      help="a readable table (wide: one column per indicator) or tidy CSV")

    fetch = data_commands.add_parser("fetch", help="download a dataset into the local cache")
    fetch.add_argument("source", choices=["vsrr"], help="vsrr: CDC VSRR provisional counts")
    fetch.add_argument("--cache-dir", help="cache folder (default: the platform cache dir)")
    fetch.add_argument("--base-url", default="https://data.cdc.gov", help=argparse.SUPPRESS)

    forecast = commands.add_parser("forecast", help="forecast a bundled series")
    _add_series_arguments(forecast)
    forecast.add_argument("--out", help="write the forecast table (mean, median, intervals) "
                                        "to this CSV")
    forecast.add_argument("--plot", help="write a fan chart to this PNG")
    forecast.add_argument("--hubverse", help="write hubverse model-output (23 quantiles) to "
                                             "this CSV")
    forecast.add_argument("--save", help="write the sample paths to this NetCDF file")
    forecast.add_argument("--quiet", action="store_true",
                          help="no progress messages (they go to stderr)")

    backtest = commands.add_parser("backtest", help="rolling-origin backtest with scores")
    _add_series_arguments(backtest)
    backtest.add_argument("--origins", required=True,
                          help="START:END[:STEP] in months, e.g. 2022-01:2024-01:3, or a "
                               "comma-separated list of dates")
    backtest.add_argument("--baseline", default="naive",
                          help="model the relative WIS is computed against (default naive)")
    backtest.add_argument("--out", help="write the full score table to this CSV")
    backtest.add_argument("--quiet", action="store_true",
                          help="no progress messages (they go to stderr)")

    repro = commands.add_parser("reproduce", help="reproduce a published projection")
    repro.add_argument("projection", help="e.g. stanford-lancet (see odforecast.reproduction)")
    repro.add_argument("--vintage", default="anchor",
                       help="anchor (the authors' data), latest (all bundled data) or a date")
    repro.add_argument("--models", default="mechanistic,arima,bayes",
                       help="comma-separated: mechanistic, arima, bayes")
    repro.add_argument("--out", default="out", help="folder for the CSVs and the figure")
    repro.add_argument("--n-samples", type=int, default=2000, help="sample paths")
    repro.add_argument("--seed", type=int, default=0,
                       help="random seed (the same seed gives the same numbers)")
    repro.add_argument("--quiet", action="store_true",
                       help="no progress messages (they go to stderr)")
    _add_project_parser(commands)
    return parser


def _add_project_parser(commands) -> None:
    project = commands.add_parser(
        "project", help="today's projection: US opioid deaths for the next years, every model, "
                        "status quo and interdiction scenarios")
    project.add_argument("--out", required=True,
                         help="folder for projection.csv, annual.csv, hubverse.csv and "
                              "projection.png (checked before fitting; written at the end)")
    project.add_argument("--models", default="mechanistic,arima,bayes",
                         help="comma-separated: mechanistic, arima, bayes")
    project.add_argument("--scenario", action="append", default=None, metavar="NAME|FILE",
                         help="a preset name or a scenario file (.json/.yaml), repeatable; "
                              "default: the supply presets estimated from the mechanistic fit "
                              "and the SOURCE and Australian analogues")
    project.add_argument("--years", type=int, default=10, help="years to project (default 10)")
    project.add_argument("--n-samples", type=int, default=2000, help="sample paths")
    project.add_argument("--seed", type=int, default=0,
                         help="random seed (the same seed gives the same numbers)")
    project.add_argument("--quiet", action="store_true",
                         help="no progress messages (they go to stderr)")


def _add_series_arguments(sub: argparse.ArgumentParser) -> None:
    from odforecast.models.registry import MODELS

    sub.add_argument("--dataset", required=True, help="bundled dataset, e.g. us_monthly_12m")
    sub.add_argument("--indicator", action="append", required=True,
                     help="indicator to model (repeatable), e.g. opioids")
    sub.add_argument("--location", action="append", required=True,
                     help="location (repeatable), e.g. US or US-OH")
    sub.add_argument("--estimate", choices=["reported", "predicted"], default="reported",
                     help="use reported counts or CDC's delay-adjusted predictions")
    sub.add_argument("--model", choices=sorted(MODELS), default="arima", help="model")
    sub.add_argument("--horizon", type=int, required=True, help="periods ahead")
    sub.add_argument("--n-samples", type=int, default=1000, help="sample paths")
    sub.add_argument("--seed", type=int, default=0,
                     help="random seed (the same seed gives the same numbers)")


def _terminal_width() -> int:
    import shutil

    return shutil.get_terminal_size((100, 24)).columns


def _cmd_data_list() -> None:
    from odforecast.data.bundled import list_datasets
    from odforecast.data.display import format_table

    table = list_datasets()[["name", "rows", "vintage", "description"]]
    fixed = sum(max(len(str(v)) for v in table[c]) + 2 for c in ("name", "rows", "vintage"))
    width = max(40, _terminal_width() - fixed)
    print(format_table(table, wrap={"description": width}, notes=[
        "Show one with `odforecast data show NAME`; load it in Python with "
        "odforecast.load_dataset(NAME);",
        "licences and sources: odforecast.dataset_info(NAME)."]))


def _select(frame, column: str, wanted: list[str] | None, dataset: str):
    if not wanted:
        return frame
    known = sorted(frame[column].unique())
    unknown = [w for w in wanted if w not in known]
    if unknown:
        raise DataError(f"dataset {dataset!r} has no {column} {unknown[0]!r}; it has: "
                        f"{', '.join(known)}", column=column)
    return frame[frame[column].isin(wanted)]


def _cmd_data_show(args: argparse.Namespace) -> None:
    from odforecast.data.bundled import load_dataset
    from odforecast.data.display import format_wide_table

    frame = load_dataset(args.name)
    frame = _select(frame, "indicator", args.indicator, args.name)
    frame = _select(frame, "location", args.location, args.name)
    if args.estimate != "all":
        frame = frame[frame["estimate"] == args.estimate]
    if args.format == "csv":
        frame.to_csv(sys.stdout, index=False, date_format="%Y-%m-%d")
        return
    title = textwrap.fill(f"{args.name}: {frame.attrs['dataset']['description']}",
                          max(60, min(_terminal_width(), 100)), break_on_hyphens=False)
    print(format_wide_table(frame, title=title + "\n"))


def _cmd_data_fetch(args: argparse.Namespace) -> None:
    from odforecast.data.fetch import fetch_vsrr

    frame = fetch_vsrr(cache_dir=args.cache_dir, base_url=args.base_url)
    info = frame.attrs.get("cache", {})
    print(f"VSRR: {len(frame):,} rows, vintage {info.get('vintage', '?')}, cached at "
          f"{info.get('path', '?')}")


def _series_frame(args: argparse.Namespace):
    from odforecast.data.bundled import load_dataset

    frame = load_dataset(args.dataset)
    frame = _select(frame, "indicator", args.indicator, args.dataset)
    frame = _select(frame, "location", args.location, args.dataset)
    return frame[frame["estimate"] == args.estimate]


#: Friendlier headers for the diagnostics columns the CLI prints.
_DIAGNOSTIC_HEADERS = {"aicc": "AICc", "ljung_box_p": "Ljung-Box p", "r_hat_max": "max R-hat",
                       "ess_bulk_min": "min bulk ESS", "ess_tail_min": "min tail ESS",
                       "trustworthy": "converged"}


def _forecast_table(forecast) -> str:
    """Median and 80 % / 95 % intervals per period; location and indicator columns only when
    there are several."""
    from odforecast.data.display import format_table, period_label, value_label

    table = forecast.to_frame(intervals=(0.8, 0.95))
    shown = table.assign(period=[period_label(f, s, e) for f, s, e in zip(
        table["frequency"], table["period_start"], table["period_end"], strict=True)])
    for p in (80, 95):
        shown[f"{p}% interval"] = [f"{lo:,.0f} – {hi:,.0f}" for lo, hi in
                                   zip(shown[f"lower_{p}"], shown[f"upper_{p}"], strict=True)]
    keys = [c for c in ("scenario", "location", "indicator") if c in shown
            and shown[c].nunique() > 1]
    columns = [*keys, "period", "median", "80% interval", "95% interval"]
    series = ", ".join(f"{loc} {ind}" for loc in forecast.locations
                       for ind in forecast.indicators) if not keys else "by series"
    title = (f"Forecast ({series}), {value_label(forecast.frequency)}: median and central "
             "intervals")
    return format_table(shown[columns], numeric=["median", "80% interval", "95% interval"],
                        formats={"median": "{:,.0f}".format}, title=title)


def _cmd_forecast(args: argparse.Namespace) -> None:
    from odforecast.data.display import format_table
    from odforecast.models.registry import get_model

    data = _series_frame(args)
    model = get_model(args.model).seeded(args.seed)  # --seed fixes the fit as well
    fitted = model.fit(data)
    forecast = fitted.forecast(args.horizon, n_samples=args.n_samples, random_seed=args.seed)
    table = forecast.to_frame(intervals=(0.8, 0.95))
    print(f"{forecast!r}\n")
    print(_forecast_table(forecast))
    diag = fitted.diagnostics
    keep = [c for c in ("location", "indicator", "model", "transform", "order", "aicc",
                        "ljung_box_p", "fallback", "r_hat_max", "ess_bulk_min", "ess_tail_min",
                        "divergences", "trustworthy") if c in diag.columns]
    print()
    print(format_table(diag[keep], headers=_DIAGNOSTIC_HEADERS, title="Fit diagnostics",
                       formats={"r_hat_max": "{:.3f}".format}))  # 1.01 is the threshold
    for warning in forecast.metadata.get("warnings", []):
        print(f"warning: {warning}", file=sys.stderr)
    if args.out:
        table.to_csv(args.out, index=False, date_format="%Y-%m-%d")
        print(f"\nwrote {args.out}")
    if args.hubverse:
        forecast.to_hubverse().to_csv(args.hubverse, index=False)
        print(f"wrote {args.hubverse}")
    if args.plot:
        figure = forecast.plot()
        figure.savefig(args.plot, dpi=120, bbox_inches="tight")
        print(f"wrote {args.plot}")
    if args.save:
        forecast.to_netcdf(args.save)
        print(f"wrote {args.save}")


def _parse_origins(text: str, data) -> list[str]:
    from odforecast.evaluate import rolling_origins

    if ":" in text:
        parts = text.split(":")
        if len(parts) not in (2, 3):
            raise DataError(f"--origins must be START:END[:STEP]; got {text!r}",
                            column="origins")
        step = int(parts[2]) if len(parts) == 3 else 1
        return rolling_origins(data, parts[0], parts[1], step=step)
    return [part.strip() for part in text.split(",") if part.strip()]


def _score_table(frame, baseline: str, title: str, notes: Sequence[str] = ()) -> str:
    """A ``compare`` table with readable headers: coverage in per cent, ratios to 2 decimals."""
    from odforecast.data.display import format_table

    percent = "{:.0%}".format
    rel = f"rel_wis_vs_{baseline}"
    width = max(60, min(_terminal_width(), 100))
    notes = [textwrap.fill(note, width, subsequent_indent="  ") for note in notes]
    return format_table(
        frame, title=title, notes=notes,
        formats={"cover_50": percent, "cover_80": percent, "cover_95": percent,
                 rel: "{:.2f}".format, "mase": "{:.2f}".format, "mape": "{:.1f}%".format},
        headers={"n": "n", "wis": "WIS", rel: f"WIS vs {baseline}", "crps": "CRPS",
                 "mae": "MAE", "mape": "MAPE", "mase": "MASE", "cover_50": "50% cov.",
                 "cover_80": "80% cov.", "cover_95": "95% cov."})


def _cmd_backtest(args: argparse.Namespace) -> None:
    from odforecast.evaluate import backtest, compare
    from odforecast.models.registry import get_model

    data = _series_frame(args)
    origins = _parse_origins(args.origins, data)
    names = [args.model] + ([args.baseline] if args.baseline != args.model else [])
    results = [backtest(get_model(name), data, origins=origins, horizon=args.horizon,
                        n_samples=args.n_samples, random_seed=args.seed) for name in names]
    print(f"Backtest: {len(origins)} origins ({origins[0]} .. {origins[-1]}), horizon "
          f"{args.horizon}, {args.n_samples:,} sample paths, seed {args.seed}\n")
    overall = compare(results, baseline=args.baseline).sort_values("wis")
    print(_score_table(overall, args.baseline, "Mean scores over all origins and horizons"))
    print()
    notes = [f"WIS: weighted interval score, in deaths (lower is better); WIS vs {args.baseline}:"
             f" ratio to {args.baseline}'s WIS on the same cells (below 1 is better).",
             "CRPS, MAE: in deaths; MAPE: per cent; MASE: error relative to the in-sample "
             "seasonal naive error.",
             "50/80/95% cov.: share of observed values inside the central interval (ideal: "
             "50/80/95%)."]
    print(_score_table(compare(results, baseline=args.baseline, by=("model", "horizon")),
                       args.baseline, "By horizon", notes))
    if args.out:
        import pandas as pd

        pd.concat([r.scores for r in results]).to_csv(args.out, index=False)
        print(f"\nwrote {args.out}")


def _cmd_reproduce(args: argparse.Namespace) -> None:
    from odforecast.reproduction import reproduce

    models = [m.strip() for m in args.models.split(",") if m.strip()]
    result = reproduce(args.projection, vintage=args.vintage, models=models,
                       n_samples=args.n_samples, random_seed=args.seed)
    p = result.projection
    print(f"\n{p.citation}\n")
    print(f"Cumulative US opioid deaths, median (95 % interval); models fitted to data through "
          f"{result.last_data_year} (vintage {result.vintage}), seed {args.seed}:\n")
    print(result.format_table())
    paths = result.write(args.out)
    print("\nwrote " + ", ".join(str(path) for path in paths))


def _cmd_project(args: argparse.Namespace) -> None:
    from odforecast.outlook import DEFAULT_SCENARIOS, check_output_folder, project

    check_output_folder(args.out)  # before any fitting
    models = [m.strip() for m in args.models.split(",") if m.strip()]
    result = project(models=models, scenarios=args.scenario or DEFAULT_SCENARIOS,
                     years=args.years, n_samples=args.n_samples, random_seed=args.seed)
    print()
    print(result.format_table())
    paths = result.write(args.out)
    print("\nwrote " + ", ".join(str(path) for path in paths))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit code.

    Examples
    --------
    >>> main(["--version"])  # doctest: +SKIP
    odforecast 0.1.0
    """
    parser = _build_parser()
    args = parser.parse_args(argv)
    from odforecast.options import set_options

    # --quiet turns progress off for everything the command runs (fits, backtests, sampling)
    quiet = set_options(progress=False) if getattr(args, "quiet", False) else set_options()
    try:
        with quiet:
            return _dispatch(parser, args)
    except OdforecastError as err:
        if args.debug:
            raise
        print(f"odforecast: error: {err}", file=sys.stderr)
        return 2 if isinstance(err, DataError) else 1
    except BrokenPipeError:  # e.g. `odforecast data show us_annual | head`
        return 0


def _dispatch(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    """Run the chosen command; 2 (and the help) when none was chosen."""
    if args.command == "data" and args.data_command == "list":
        _cmd_data_list()
    elif args.command == "data" and args.data_command == "show":
        _cmd_data_show(args)
    elif args.command == "data" and args.data_command == "fetch":
        _cmd_data_fetch(args)
    elif args.command == "forecast":
        _cmd_forecast(args)
    elif args.command == "backtest":
        _cmd_backtest(args)
    elif args.command == "reproduce":
        _cmd_reproduce(args)
    elif args.command == "project":
        _cmd_project(args)
    else:
        parser.print_help(sys.stderr)
        return 2
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
