"""The argument parser of the ``odforecast`` command line."""

from __future__ import annotations

import argparse

from odforecast._version import __version__

__all__ = ["build_parser"]

_FORECAST_EPILOG = """\
examples:
  odforecast forecast --dataset us_annual --indicator opioids --location US --horizon 6
  odforecast forecast --data vsrr_2025-07-16.csv --indicator synthetic_opioids \\
      --location US-OH --start 2016 --horizon 12 --out oh.csv --plot oh.png
  odforecast forecast --dataset us_annual --indicator opioids --location US --horizon 6 \\
      --scenario source_low_fentanyl --scenario my_interdiction.json
  odforecast forecast --dataset states_monthly_12m --indicator all_drugs --location all \\
      --model hierarchical --horizon 12 --draws 2000 --tune 2000

Errors exit with status 2 (bad input) or 1 (other errors), without a traceback (--debug
shows it).  Output files are checked before fitting and written at the end, all or none.
"""


def _add_common(parser: argparse.ArgumentParser, *, top: bool = False) -> None:
    """--debug and --quiet, accepted before or after any subcommand."""
    default = False if top else argparse.SUPPRESS  # a subcommand must not reset the top's
    parser.add_argument("--debug", action="store_true", default=default,
                        help="show tracebacks on errors")
    parser.add_argument("--quiet", action="store_true", default=default,
                        help="no progress messages (they go to stderr)")


def build_parser() -> tuple[argparse.ArgumentParser, dict[str, argparse.ArgumentParser]]:
    """The parser and its subparsers by command (``data`` prints its own help when bare).

    Examples
    --------
    >>> parser, commands = build_parser()
    >>> args = parser.parse_args(["data", "list", "--quiet"])
    >>> args.command, args.data_command, args.quiet, args.debug
    ('data', 'list', True, False)
    """
    parser = argparse.ArgumentParser(
        prog="odforecast",
        description="Statistical forecasting of overdose mortality on real public data.")
    parser.add_argument("--version", action="version", version=f"odforecast {__version__}")
    _add_common(parser, top=True)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    data = commands.add_parser("data", help="bundled datasets and downloads",
                               description="Bundled datasets and downloads.")
    _add_common(data)
    data_commands = data.add_subparsers(dest="data_command", metavar="ACTION")
    _add_common(data_commands.add_parser("list", help="list the bundled datasets"))

    show = data_commands.add_parser("show", help="print a bundled dataset")
    _add_common(show)
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
    _add_common(fetch)
    fetch.add_argument("source", choices=["vsrr"], help="vsrr: CDC VSRR provisional counts")
    fetch.add_argument("--cache-dir", help="cache folder (default: the platform cache dir)")
    fetch.add_argument("--base-url", default="https://data.cdc.gov", help=argparse.SUPPRESS)

    forecast = commands.add_parser(
        "forecast", help="forecast a bundled series or your own file",
        description="Fit a model to a series (a bundled dataset or your own VSRR, WONDER or\n"
                    "tidy CSV file) and forecast it, optionally under scenarios.",
        epilog=_FORECAST_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    _add_series_arguments(forecast)
    what_if = forecast.add_argument_group("scenarios")
    what_if.add_argument("--scenario", action="append", metavar="NAME|FILE",
                         help="also forecast under this scenario (repeatable): a preset name "
                              "(e.g. source_low_fentanyl; see odforecast.scenarios.PRESETS) or "
                              "a scenario file (.json/.yaml); prints each scenario's total "
                              "over the horizon and its change against the status quo, path "
                              "by path")
    outputs = forecast.add_argument_group(
        "outputs (checked before fitting; written at the end, all or none)")
    outputs.add_argument("--out", metavar="CSV",
                         help="the forecast table: mean, median, 50/80/95%% intervals per "
                              "period (and scenario), counts rounded to whole deaths")
    outputs.add_argument("--plot", metavar="PNG", help="a fan chart")
    outputs.add_argument("--hubverse", metavar="CSV",
                         help="hubverse model-output (23 quantiles per period)")
    outputs.add_argument("--save", metavar="NC",
                         help="the sample paths with their provenance (NetCDF; read back "
                              "with odforecast.Forecast.from_netcdf)")

    backtest = commands.add_parser(
        "backtest", help="rolling-origin backtest with scores",
        description="Refit at each origin on the data up to it, forecast, and score against "
                    "what happened (WIS, CRPS, coverage), relative to a baseline model.")
    _add_series_arguments(backtest)
    backtest.add_argument("--origins", required=True,
                          help="START:END[:STEP] (STEP in periods), e.g. 2022-01:2024-01:3, "
                               "or a comma-separated list of dates")
    backtest.add_argument("--baseline", default="naive",
                          help="model the relative WIS is computed against (default naive)")
    backtest.add_argument("--out", metavar="CSV",
                          help="write the full score table to this CSV (checked before "
                               "fitting)")

    repro = commands.add_parser("reproduce", help="reproduce a published projection")
    _add_common(repro)
    repro.add_argument("projection", help="e.g. stanford-lancet (see odforecast.reproduction)")
    repro.add_argument("--vintage", default="anchor",
                       help="anchor (the authors' data), latest (all bundled data) or a date")
    repro.add_argument("--models", default="mechanistic,arima,bayes",
                       help="comma-separated: mechanistic, arima, bayes")
    repro.add_argument("--out", default="out",
                       help="folder for the CSVs and the figure (checked before fitting; "
                            "replaced at the end, all files or none)")
    repro.add_argument("--n-samples", type=int, default=2000, help="sample paths")
    repro.add_argument("--seed", type=int, default=0,
                       help="random seed (the same seed gives the same numbers)")
    _add_project_parser(commands)
    return parser, {"data": data}


def _add_project_parser(commands) -> None:
    project = commands.add_parser(
        "project", help="today's projection: US opioid deaths for the next years, every model, "
                        "status quo and interdiction scenarios")
    _add_common(project)
    project.add_argument("--out", required=True,
                         help="folder for projection.csv, annual.csv, hubverse.csv and "
                              "projection.png (checked before fitting; written at the end)")
    project.add_argument("--models", default="mechanistic,arima,bayes",
                         help="comma-separated: mechanistic, arima, bayes")
    project.add_argument("--scenario", action="append", default=None, metavar="NAME|FILE",
                         help="a preset name or a scenario file (.json/.yaml), repeatable; "
                              "default: the supply presets estimated from the mechanistic fit "
                              "and the SOURCE and Australian analogues")
    project.add_argument("--no-ensemble", action="store_true",
                         help="leave out the ensemble rows (the equal mixture of the models' "
                              "sample paths)")
    project.add_argument("--years", type=int, default=10, help="years to project (default 10)")
    project.add_argument("--n-samples", type=int, default=2000, help="sample paths")
    project.add_argument("--seed", type=int, default=0,
                         help="random seed (the same seed gives the same numbers)")


def _add_series_arguments(sub: argparse.ArgumentParser) -> None:
    from odforecast.cli._series import FORMATS
    from odforecast.models.ensemble.model import WEIGHT_METHODS
    from odforecast.models.registry import MODELS

    _add_common(sub)
    source = sub.add_argument_group("data (one of --dataset and --data)")
    which = source.add_mutually_exclusive_group(required=True)
    which.add_argument("--dataset", metavar="NAME", action="append",
                       help="bundled dataset, e.g. us_monthly_12m (see odforecast data list); "
                            "repeatable to model them together, e.g. us_monthly_12m and "
                            "states_monthly_12m for the nation and the states")
    which.add_argument("--data", metavar="FILE",
                       help="your own file: a CDC VSRR download (data.cdc.gov xkb8-kh2a CSV), "
                            "a CDC WONDER export (.txt or .csv) or a CSV in odforecast's tidy "
                            "schema")
    source.add_argument("--format", choices=FORMATS, default="auto",
                        help="format of --data (default auto: told from the header line)")
    source.add_argument("--vintage", metavar="DATE",
                        help="release or query date of --data, when the file does not say "
                             "(YYYY-MM-DD)")

    series = sub.add_argument_group("series")
    series.add_argument("--indicator", action="append",
                        help="indicator to model (repeatable), e.g. opioids or "
                             "synthetic_opioids; may be left out when the data have only one")
    series.add_argument("--location", action="append",
                        help="location (repeatable), e.g. US or US-OH, or all (every location "
                             "that has the indicators); may be left out when the data have "
                             "only one")
    series.add_argument("--estimate", choices=["reported", "predicted"], default="reported",
                        help="use reported counts or CDC's delay-adjusted predictions")
    series.add_argument("--start", metavar="DATE",
                        help="use periods ending on or after this date (2018, 2018-01 or "
                             "2018-01-31)")
    series.add_argument("--end", metavar="DATE",
                        help="use periods ending on or before this date (2023-12 means up to "
                             "2023-12-31)")
    series.add_argument("--keep-nyc", action="store_true",
                        help="keep New York City (US-NYC) apart from New York (US-NY); by "
                             "default it is added into US-NY when both are in the data")

    model = sub.add_argument_group("model")
    model.add_argument("--model", choices=sorted(MODELS), default="arima",
                       help="model (default arima)")
    model.add_argument("--members", metavar="NAMES",
                       help="with --model ensemble: its member models, comma-separated, e.g. "
                            "arima,bayes,hierarchical (default: arima,bayes)")
    model.add_argument("--weights", choices=WEIGHT_METHODS,
                       help="with --model ensemble: equal (default), or weights learnt per "
                            "series from backtests inside the data (inverse_wis, stacking)")
    model.add_argument("--horizon", type=int, required=True, help="periods ahead")
    model.add_argument("--n-samples", type=int, default=1000, help="sample paths")
    model.add_argument("--seed", type=int, default=0,
                       help="random seed (the same seed gives the same numbers)")

    sampler = sub.add_argument_group(
        "sampler (Bayesian models: --model bayes or hierarchical)")
    sampler.add_argument("--draws", type=int, help="posterior draws per chain")
    sampler.add_argument("--tune", type=int, help="tuning steps per chain")
    sampler.add_argument("--chains", type=int, help="chains")
    sampler.add_argument("--target-accept", type=float, metavar="P",
                         help="NUTS target acceptance in [0.5, 1) (higher: smaller steps, "
                              "fewer divergences)")
