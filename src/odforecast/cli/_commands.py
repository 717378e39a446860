"""The commands besides ``forecast``: ``data list|show|fetch``, ``backtest``, ``reproduce`` and
``project``."""

from __future__ import annotations

import argparse
import sys
import textwrap
from collections.abc import Sequence

from odforecast.cli._text import terminal_width, wrap_notes
from odforecast.errors import DataError, ParameterError

__all__ = ["cmd_backtest", "cmd_data_fetch", "cmd_data_list", "cmd_data_show", "cmd_project",
           "cmd_reproduce", "parse_origins"]


def cmd_data_list() -> None:
    from odforecast.data.bundled import list_datasets
    from odforecast.data.display import format_table

    table = list_datasets()[["name", "rows", "vintage", "description"]]
    fixed = sum(max(len(str(v)) for v in table[c]) + 2 for c in ("name", "rows", "vintage"))
    width = max(40, terminal_width() - fixed)
    print(format_table(table, wrap={"description": width}, notes=[
        "Show one with `odforecast data show NAME`; load it in Python with "
        "odforecast.load_dataset(NAME);",
        "licences and sources: odforecast.dataset_info(NAME).",
        "Your own file (VSRR or WONDER download, tidy CSV): odforecast forecast --data FILE."]))


def _select(frame, column: str, wanted: list[str] | None, dataset: str):
    if not wanted:
        return frame
    known = sorted(frame[column].unique())
    unknown = [w for w in wanted if w not in known]
    if unknown:
        raise DataError(f"dataset {dataset!r} has no {column} {unknown[0]!r}; it has: "
                        f"{', '.join(known)}", column=column)
    return frame[frame[column].isin(wanted)]


def cmd_data_show(args: argparse.Namespace) -> None:
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
                          max(60, min(terminal_width(), 100)), break_on_hyphens=False)
    print(format_wide_table(frame, title=title + "\n"))


def cmd_data_fetch(args: argparse.Namespace) -> None:
    from odforecast.data.fetch import fetch_vsrr

    print(fetch_summary(fetch_vsrr(cache_dir=args.cache_dir, base_url=args.base_url)))


def fetch_summary(frame) -> str:
    """The line ``data fetch`` prints: rows, and the vintage and cache path when the fetcher
    recorded them (``frame.attrs["cache"]``); never a placeholder.

    Examples
    --------
    >>> import odforecast
    >>> frame = odforecast.load_dataset("us_annual")
    >>> fetch_summary(frame)
    'VSRR: 247 rows'
    >>> frame.attrs["cache"] = {"vintage": "2025-07-16", "path": "/cache/vsrr.csv"}
    >>> fetch_summary(frame)
    'VSRR: 247 rows, vintage 2025-07-16, cached at /cache/vsrr.csv'
    """
    info = frame.attrs.get("cache") or {}
    parts = [f"VSRR: {len(frame):,} rows"]
    if info.get("vintage"):
        parts.append(f"vintage {info['vintage']}")
    if info.get("path"):  # say where only when the fetcher says so
        parts.append(f"cached at {info['path']}")
    return ", ".join(parts)


def parse_origins(text: str, data) -> list[str]:
    """``--origins``: ``START:END[:STEP]`` (STEP a positive whole number of periods) or a
    comma-separated list of dates; anything else is a ParameterError naming the flag.

    Examples
    --------
    >>> import odforecast
    >>> us = odforecast.load_dataset("us_monthly_12m")
    >>> parse_origins("2023-01:2023-12:6", us)
    ['2023-01-31', '2023-07-31']
    >>> parse_origins("2015:2018:0", us)  # doctest: +NORMALIZE_WHITESPACE
    Traceback (most recent call last):
    ...
    odforecast.errors.ParameterError: parameter '--origins': the step must be a positive whole
    number of periods; got '0' in '2015:2018:0' (e.g. 2022-01:2024-01:3)
    """
    import pandas as pd

    from odforecast.evaluate import rolling_origins

    example = "e.g. 2022-01:2024-01:3 or 2023-06-30,2023-12-31"

    def date(part: str) -> str:
        try:
            pd.Period(part)
        except (TypeError, ValueError):
            raise ParameterError(f"{part!r} in {text!r} is not a date such as 2022, 2022-01 or "
                                 "2022-01-31", parameter="--origins", hint=example) from None
        return part

    if ":" in text:
        parts = [p.strip() for p in text.split(":")]
        if len(parts) not in (2, 3) or not all(parts):
            raise ParameterError(f"must be START:END[:STEP] or a comma-separated list of dates; "
                                 f"got {text!r}", parameter="--origins", hint=example)
        step = parts[2] if len(parts) == 3 else "1"
        if not step.isdigit() or int(step) < 1:
            raise ParameterError(f"the step must be a positive whole number of periods; got "
                                 f"{step!r} in {text!r}", parameter="--origins",
                                 hint="e.g. 2022-01:2024-01:3")
        try:
            return rolling_origins(data, date(parts[0]), date(parts[1]), step=int(step))
        except ParameterError:
            raise
        except DataError as err:
            raise ParameterError(err.reason, parameter="--origins", hint=err.hint) from None
    found = [date(part.strip()) for part in text.split(",") if part.strip()]
    if not found:
        raise ParameterError(f"no dates in {text!r}", parameter="--origins", hint=example)
    return found


def _score_table(frame, baseline: str, title: str, notes: Sequence[str] = ()) -> str:
    """A ``compare`` table with readable headers: coverage in per cent, ratios to 2 decimals."""
    from odforecast.data.display import format_table

    percent = "{:.0%}".format
    rel = f"rel_wis_vs_{baseline}"
    return format_table(
        frame, title=title, notes=wrap_notes(notes),
        formats={"cover_50": percent, "cover_80": percent, "cover_95": percent,
                 rel: "{:.2f}".format, "mase": "{:.2f}".format, "mape": "{:.1f}%".format},
        headers={"n": "n", "wis": "WIS", rel: f"WIS vs {baseline}", "crps": "CRPS",
                 "mae": "MAE", "mape": "MAPE", "mase": "MASE", "cover_50": "50% cov.",
                 "cover_80": "80% cov.", "cover_95": "95% cov."})


def cmd_backtest(args: argparse.Namespace) -> None:
    import pandas as pd

    from odforecast._output import AtomicFiles
    from odforecast.cli._forecast import check_outputs
    from odforecast.cli._models import (
        SAMPLER_FLAGS,
        build_model,
        check_model_flags,
        sampler_settings,
        uses_sampler,
    )
    from odforecast.cli._series import series_frame
    from odforecast.evaluate import backtest, compare
    from odforecast.models.registry import MODELS

    check_outputs(args, {"--out": "out"})
    if args.baseline not in MODELS:
        raise ParameterError(f"unknown model {args.baseline!r}; choose from "
                             f"{', '.join(sorted(MODELS))}", parameter="--baseline")
    names = [args.model] + ([args.baseline] if args.baseline != args.model else [])
    check_model_flags(names, args)
    bayesian = [n for n in names if uses_sampler(n, args)]
    if sampler_settings(args) and not bayesian:
        flag = next(f for f, key in SAMPLER_FLAGS.items() if key in sampler_settings(args))
        raise ParameterError("applies only to the Bayesian models (--model or --baseline "
                             "bayes or hierarchical), which sample a posterior; "
                             f"{' and '.join(names)} have no sampler", parameter=flag)
    models = [build_model(n, args, sampler=n in bayesian) for n in names]
    data = series_frame(args)
    origins = parse_origins(args.origins, data)
    results = [backtest(model, data, origins=origins, horizon=args.horizon,
                        n_samples=args.n_samples, random_seed=args.seed) for model in models]
    print(f"Backtest: {len(origins)} origins ({origins[0]} .. {origins[-1]}), horizon "
          f"{args.horizon}, {args.n_samples:,} sample paths, seed {args.seed}\n")
    checks = _posterior_checks(results)
    if checks:  # a Bayesian backtest is only as good as its fits: shown before the scores
        print(checks + "\n")
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
        with AtomicFiles() as files:
            pd.concat([r.scores for r in results]).to_csv(files.path(args.out), index=False)
        print(f"\nwrote {args.out}")


def _posterior_checks(results) -> str:
    """The per-origin convergence of the results whose fits carry it (the Bayesian models and
    ensembles with a Bayesian member), as a table; '' when none does."""
    import pandas as pd

    from odforecast.data.display import format_table
    from odforecast.evaluate.backtesting import CONVERGENCE_COLUMNS

    frames = [r.fits for r in results if "trustworthy" in r.fits.columns]
    if not frames:
        return ""
    fits = pd.concat(frames, ignore_index=True)
    failed = int((~fits["trustworthy"].astype(bool)).sum())
    notes = [f"{len(fits) - failed} of {len(fits)} fits pass R-hat <= 1.01, bulk and tail ESS "
             ">= 400 and no divergence."]
    if failed:
        notes.append("The scores at the origins marked 'no' rest on a posterior that did not "
                     "converge: raise --draws and --tune (and --target-accept after "
                     "divergences).")
    return format_table(
        fits[["model", "origin", "seconds", *CONVERGENCE_COLUMNS]],
        title="Posterior checks per origin", notes=wrap_notes(notes),
        formats={"seconds": "{:.1f}".format, "r_hat_max": "{:.3f}".format,
                 "ess_bulk_min": "{:,.0f}".format, "ess_tail_min": "{:,.0f}".format},
        headers={"r_hat_max": "max R-hat", "ess_bulk_min": "min bulk ESS",
                 "ess_tail_min": "min tail ESS", "trustworthy": "converged"})


def cmd_reproduce(args: argparse.Namespace) -> None:
    from odforecast._output import check_output_folder
    from odforecast.reproduction import reproduce

    check_output_folder(args.out, flag="--out")  # before any fitting
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


def cmd_project(args: argparse.Namespace) -> None:
    from odforecast.outlook import DEFAULT_SCENARIOS, check_output_folder, project

    check_output_folder(args.out)  # before any fitting
    models = [m.strip() for m in args.models.split(",") if m.strip()]
    result = project(models=models, scenarios=args.scenario or DEFAULT_SCENARIOS,
                     years=args.years, n_samples=args.n_samples, random_seed=args.seed,
                     ensemble=not args.no_ensemble)
    print()
    print(result.format_table())
    paths = result.write(args.out)
    print("\nwrote " + ", ".join(str(path) for path in paths))
