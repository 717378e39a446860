"""``StructuralTrend`` on run.py's 90 series, 13 origins and 12 horizons, beside the saved peers.

The structural model (a damped local linear trend of the monthly deaths, observed through the
12-month-ending sums; ``odforecast.models.structural``) is backtested with
``odforecast.evaluate.backtest`` at its defaults and, with ``--variants``, with the settings
its defaults were chosen from; every row is compared with run.py's saved models on the same
cells (``results/scores.csv.gz``), all 90 series and the 87 below the national level.

    .venv/bin/python benchmarks/forecast_accuracy/structural.py               # ~3 min
    .venv/bin/python benchmarks/forecast_accuracy/structural.py --variants    # ~15 min

Writes ``results/scores_structural.csv.gz`` (every row of this run) and prints the tables.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import run  # noqa: E402
from bayes import compare_with_run  # noqa: E402

from odforecast import OdforecastWarning  # noqa: E402
from odforecast.evaluate.backtesting import BacktestResult  # noqa: E402
from odforecast.models import StructuralTrend  # noqa: E402

#: label -> settings; the first is the default.
VARIANTS = {
    "structural": {},
    "structural_power0": {"level_power": 0.0},
    "structural_power1": {"level_power": 1.0},
    "structural_persistent": {"slope": "persistent"},
    "structural_damped0.5": {"slope": "damped", "min_damping": 0.5},
    "structural_damped0.8": {"slope": "damped", "min_damping": 0.8},
    "structural_damped": {"slope": "damped"},
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw", type=Path, default=run.ROOT.parent / "shared" / "data")
    parser.add_argument("--variants", nargs="?", const="all", default=None,
                        help="also the settings the defaults were chosen from: all, or "
                             "comma-separated labels of VARIANTS")
    parser.add_argument("--n-origins", type=int, default=None,
                        help="keep only the last N of run.py's 13 origins (smoke runs)")
    args = parser.parse_args(argv)
    data, origins = run.series_and_origins(args.raw, args.n_origins)
    labels = ["structural"]
    if args.variants:
        labels = list(VARIANTS) if args.variants == "all" else ["structural",
                                                                  *args.variants.split(",")]
    results = []
    clock = run.FitClock()
    with ProcessPoolExecutor(2) as executor:
        for label in labels:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", OdforecastWarning)
                result, _fit_seconds, total = run.run_ours(
                    StructuralTrend(**VARIANTS[label]), data, origins, executor, clock, label)
            results.append(result)
            fallbacks = int(result.fits["warnings"].str.contains("fallback").sum())
            print(f"{label}: {VARIANTS[label] or 'defaults'}; {total:.0f} s "
                  f"(fit + forecast + scoring, 2 processes); fits warning of a fallback: "
                  f"{fallbacks}", flush=True)
    out = HERE / "results"
    suffix = f"_last{args.n_origins}" if args.n_origins else ""
    run.write_scores(results, out / f"scores_structural{suffix}.csv.gz")
    print("\nAll 90 series:")
    compare_with_run(results, out, "", origins)
    sub = [BacktestResult(r.scores[r.scores["location"] != "US"], r.model) for r in results]
    print("\nThe 87 sub-national series:")
    compare_with_run(sub, out, "", origins)
    national = [BacktestResult(r.scores[r.scores["location"] == "US"], r.model)
                for r in results]
    print("\nThe 3 national series:")
    compare_with_run(national, out, "", origins)


if __name__ == "__main__":
    t0 = time.perf_counter()
    main()
    print(f"\nwall time {time.perf_counter() - t0:.0f} s")
