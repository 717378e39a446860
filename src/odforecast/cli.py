"""The ``odforecast`` command line: a thin shell over the Python API.

Errors go to stderr with exit code 2 (bad input) or 1 (other odforecast errors) and no traceback,
unless ``--debug`` is given.
"""

from __future__ import annotations

import argparse
import sys
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
    return parser


def _cmd_data_list() -> None:
    from odforecast.data.bundled import list_datasets

    table = list_datasets()
    width = max(len(n) for n in table["name"])
    print(f"{'name':{width}}  {'rows':>7}  {'vintage':23}  description")
    for row in table.itertuples():
        print(f"{row.name:{width}}  {row.rows:7,d}  {row.vintage:23}  {row.description}")
    print("\nLoad one in Python with odforecast.load_dataset(NAME); licences and sources: "
          "odforecast.dataset_info(NAME).")


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
    print(format_wide_table(frame, title=f"{args.name}: {frame.attrs['dataset']['description']}"))


def _cmd_data_fetch(args: argparse.Namespace) -> None:
    from odforecast.data.fetch import fetch_vsrr

    frame = fetch_vsrr(cache_dir=args.cache_dir, base_url=args.base_url)
    info = frame.attrs.get("cache", {})
    print(f"VSRR: {len(frame):,} rows, vintage {info.get('vintage', '?')}, cached at "
          f"{info.get('path', '?')}")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit code.

    Examples
    --------
    >>> main(["--version"])  # doctest: +SKIP
    odforecast 0.1.0
    """
    parser = _build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "data" and args.data_command == "list":
            _cmd_data_list()
        elif args.command == "data" and args.data_command == "show":
            _cmd_data_show(args)
        elif args.command == "data" and args.data_command == "fetch":
            _cmd_data_fetch(args)
        else:
            parser.print_help(sys.stderr)
            return 2
    except OdforecastError as err:
        if args.debug:
            raise
        print(f"odforecast: error: {err}", file=sys.stderr)
        return 2 if isinstance(err, DataError) else 1
    except BrokenPipeError:  # e.g. `odforecast data show us_annual | head`
        return 0
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
