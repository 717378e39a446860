"""The best measured ensemble as a user runs it: ``Ensemble([ARIMA(), BayesianTrend(),
HierarchicalBayes()])`` backtested with ``odforecast.evaluate.backtest`` on run.py's 90 series,
origins and horizons, every member at the library's defaults.

``HierarchicalBayes`` takes part in the sub-national series only (``Model.member_data``: the
national total is the states' sum, not one of them; New York City is pooled into New York, so
neither of those two series uses it) and pools each indicator's locations on their own; every
other series mixes ARIMA and ``BayesianTrend`` alone.  ``ensemble_bayes.py --step 6
--hierarchical`` measured the same mixture assembled by hand from the members' forecasts;
this script checks the product gives it, and reports every fit's convergence per origin.

    .venv/bin/python benchmarks/forecast_accuracy/ensemble_hier.py              # ~21 min
    .venv/bin/python benchmarks/forecast_accuracy/ensemble_hier.py --n-origins 1  # smoke
    .venv/bin/python benchmarks/forecast_accuracy/ensemble_hier.py --members arima,bayes
        # the default Ensemble() (scores_ensemble_arima_bayes.csv.gz)
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import run  # noqa: E402
from bayes import compare_with_run  # noqa: E402

from odforecast import OdforecastWarning  # noqa: E402
from odforecast.evaluate import backtest  # noqa: E402
from odforecast.evaluate.backtesting import BacktestResult  # noqa: E402
from odforecast.models import Ensemble  # noqa: E402

LABEL = "ensemble_arima_bayes_hier"
#: The same mixture assembled by hand (ensemble_bayes.py --step 6 --hierarchical).
BY_HAND = "scores_ensemble_bayes_step6_hier.csv.gz"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw", type=Path, default=run.ROOT.parent / "shared" / "data")
    parser.add_argument("--n-origins", type=int, default=None,
                        help="keep only the last N of run.py's 13 origins (smoke runs)")
    parser.add_argument("--members", default="arima,bayes,hierarchical",
                        help="comma-separated registry names (default: the three-member "
                             "mixture; arima,bayes is the default Ensemble())")
    args = parser.parse_args(argv)
    members = args.members.split(",")
    model = Ensemble(members, weights="equal", random_seed=run.SEED)  # registry names
    model.check_params()  # an unknown name fails here, before the data are read
    three = members == ["arima", "bayes", "hierarchical"]
    label = LABEL if three else f"ensemble_{'_'.join(members)}"
    stem = "scores_ensemble_hier" if three else f"scores_{label}"
    if len(members) == 1:  # one member's own backtest; not ensemble_bayes.py's file
        stem += "_alone"
    data, origins = run.series_and_origins(args.raw, args.n_origins)
    started = time.perf_counter()
    with warnings.catch_warnings():
        # each untrustworthy fit is in the convergence table below
        warnings.simplefilter("ignore", OdforecastWarning)
        result = backtest(model, data, origins=origins, horizon=run.HORIZON,
                          n_samples=run.N_SAMPLES, random_seed=run.SEED, model_name=label)
    wall = time.perf_counter() - started
    out = HERE / "results"
    suffix = f"_last{args.n_origins}" if args.n_origins else ""
    run.write_scores([result], out / f"{stem}{suffix}.csv.gz")

    fits = result.fits
    if "trustworthy" in fits:  # a Bayesian member took part
        print("\nConvergence per origin (the worst of the Bayesian members' fits):")
        columns = ["origin", "r_hat_max", "ess_bulk_min", "ess_tail_min", "divergences",
                   "trustworthy", "seconds"]
        print(fits[[c for c in columns if c in fits]].to_string(
            index=False, float_format=lambda v: f"{v:.3f}"))
        print(f"trustworthy origins: {int(fits['trustworthy'].sum())} of {len(fits)}")

    results = [result]
    by_hand = out / BY_HAND
    if by_hand.is_file():
        saved = pd.read_csv(by_hand)
        results += [BacktestResult(rows, name) for name, rows in saved.groupby("model")
                    if name in ("ens_sqrt_bayes_hier", "ens_sqrt_bayes")]
    print("\nAll 90 series:")
    compare_with_run(results, out, "", origins)
    sub = [BacktestResult(r.scores[r.scores["location"] != "US"], r.model) for r in results]
    print("\nThe 87 sub-national series:")
    compare_with_run(sub, out, "", origins)
    print(f"\nwall time {wall:.0f} s (fit + forecast + scoring, {len(origins)} origins)")


if __name__ == "__main__":
    main()
