"""The ``odforecast`` command line: a thin shell over the Python API.

Errors go to stderr with exit code 2 (bad input) or 1 (other odforecast errors) and no traceback,
unless ``--debug`` is given.  Warnings are printed once each, as ``odforecast: warning: ...``.
``--debug`` and ``--quiet`` are accepted before or after the subcommand.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Sequence

from odforecast.errors import DataError, OdforecastError

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit code.

    Examples
    --------
    >>> main(["--version"])  # doctest: +SKIP
    odforecast 0.1.0
    """
    from contextlib import nullcontext

    from odforecast._warnings import command_line_flags
    from odforecast.cli._messages import print_warnings
    from odforecast.cli._models import SAMPLER_FLAGS
    from odforecast.cli._parser import build_parser
    from odforecast.options import set_options

    parser, subparsers = build_parser()
    args = parser.parse_args(argv)
    # --quiet turns progress off for everything the command runs (fits, backtests, sampling)
    quiet = set_options(progress=False) if args.quiet else set_options()
    # only these commands have the sampler flags: a fit's advice names them there, and the
    # settings (sampler_config) elsewhere
    flags = args.command in ("forecast", "backtest")
    advice = (command_line_flags({key: flag for flag, key in SAMPLER_FLAGS.items()}) if flags
              else nullcontext())
    notices: list[str] = []  # the forecast's own warnings (metadata["warnings"])
    with warnings.catch_warnings(record=True) as caught:
        try:
            with quiet, advice:
                code = _dispatch(parser, subparsers, args, notices)
        except OdforecastError as err:
            if args.debug:
                raise
            print(f"odforecast: error: {err}", file=sys.stderr)
            code = 2 if isinstance(err, DataError) else 1
        except BrokenPipeError:  # e.g. `odforecast data show us_annual | head`
            return 0
        finally:
            print_warnings([str(w.message) for w in caught] + notices, sampler_flags=flags)
    return code


def _dispatch(parser, subparsers, args, notices: list[str]) -> int:
    """Run the chosen command; 2 (and the help of the command) when none was chosen."""
    from odforecast.cli import _commands as commands

    if args.command == "data" and args.data_command == "list":
        commands.cmd_data_list()
    elif args.command == "data" and args.data_command == "show":
        commands.cmd_data_show(args)
    elif args.command == "data" and args.data_command == "fetch":
        commands.cmd_data_fetch(args)
    elif args.command == "data":
        subparsers["data"].print_help(sys.stderr)
        return 2
    elif args.command == "forecast":
        from odforecast.cli._forecast import cmd_forecast

        cmd_forecast(args, notices)
    elif args.command == "backtest":
        commands.cmd_backtest(args)
    elif args.command == "reproduce":
        commands.cmd_reproduce(args)
    elif args.command == "project":
        commands.cmd_project(args)
    else:
        parser.print_help(sys.stderr)
        return 2
    return 0
