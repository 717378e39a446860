"""An equal-weight ensemble with a Bayesian member: ARIMA on the log and square-root scales and
``BayesianTrend``, on the same series, origins (every 12 months) and horizons as run.py.

Each member is fitted once per origin to all 90 series (BayesianTrend jointly, as in
bayes.py), its 1,000 paths are scored on their own, and the mixtures are drawn path by path
from the members' forecasts (``odforecast.models.ensemble.mix_forecasts``, equal weights: what
``Ensemble(members, weights="equal")`` does, without fitting every member twice).  The table
compares them with run.py's models and peers (``results/scores.csv.gz``) on the common cells;
BayesianTrend's convergence is reported per origin.

    .venv/bin/python benchmarks/forecast_accuracy/ensemble_bayes.py            # ~8 min
    .venv/bin/python benchmarks/forecast_accuracy/ensemble_bayes.py --step 6   # run.py's 13
    .venv/bin/python benchmarks/forecast_accuracy/ensemble_bayes.py --quick    # 2 origins
    .venv/bin/python benchmarks/forecast_accuracy/ensemble_bayes.py --bayes-defaults
        # BayesianTrend at the library's defaults (automatic longer reruns included), not at
        # the fixed 2 x 1,000 draws: what a user's fit does, and its convergence per origin
    .venv/bin/python benchmarks/forecast_accuracy/ensemble_bayes.py --hierarchical
        # HierarchicalBayes too (per indicator, the states, as bayes.py fits it), scored on
        # the state series it forecasts and mixed there with the others (HIER_MIXTURES)
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import run  # noqa: E402
from bayes import (  # noqa: E402
    SAMPLER,
    compare_with_run,
    fit_forecast,
    hierarchical_forecasts,
)

from odforecast.evaluate.backtesting import BacktestResult, score_forecast  # noqa: E402
from odforecast.models import ARIMA, BayesianTrend  # noqa: E402
from odforecast.models.ensemble import mix_forecasts  # noqa: E402
from odforecast.models.ensemble.fit import member_seed  # noqa: E402
from odforecast.models.series import prepare_series  # noqa: E402

#: The mixtures scored, by label: member labels, equal weights.
MIXTURES = {"ens_log_sqrt": ("arima_log", "arima_sqrt"),
            "ens_sqrt_bayes": ("arima_sqrt", "bayes"),
            "ens_log_sqrt_bayes": ("arima_log", "arima_sqrt", "bayes")}

#: With --hierarchical: mixtures with HierarchicalBayes on the sub-national series it
#: forecasts; every other series (the national ones, New York City, Puerto Rico) keeps
#: ``ens_sqrt_bayes``'s mixture, so each label scores the same cells as the others.
HIER_MIXTURES = {"ens_sqrt_bayes_hier": ("arima_sqrt", "bayes", "hier"),
                 "ens_bayes_hier": ("bayes", "hier")}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw", type=Path, default=run.ROOT.parent / "shared" / "data")
    parser.add_argument("--quick", action="store_true", help="2 origins, 72 months apart")
    parser.add_argument("--step", type=int, default=12,
                        help="months between origins (12: 7 origins; 6: run.py's 13)")
    parser.add_argument("--bayes-defaults", action="store_true",
                        help="BayesianTrend at the library's sampler defaults (reruns included)")
    parser.add_argument("--hierarchical", action="store_true",
                        help="HierarchicalBayes too, and its mixtures on the state series")
    args = parser.parse_args(argv)
    bayes_sampler = None if args.bayes_defaults else SAMPLER
    data, how = run.load_series(args.raw)
    origins = run.origins_every(72 if args.quick else args.step)
    full = {s.key: s for s in prepare_series(data)}
    print(how)
    print(f"origins: {', '.join(origins)}; horizon {run.HORIZON}; {run.N_SAMPLES} paths; "
          f"BayesianTrend NUTS {bayes_sampler or 'library defaults'}; {run.machine_info()}",
          flush=True)
    tables: dict[str, list[pd.DataFrame]] = {}
    walls: dict[str, float] = {}
    convergence, convergence_hier = [], []
    for origin in origins:
        stamp = pd.Timestamp(origin)
        train = data[data["period_end"] <= stamp]
        forecasts = {}
        # each member's paths from its own seed, as Ensemble draws them (member_seed)
        for k, (label, model) in enumerate((("arima_log", ARIMA(transform="log")),
                                            ("arima_sqrt", ARIMA(transform="sqrt")),
                                            ("bayes", BayesianTrend(sampler_config=bayes_sampler,
                                                                    random_seed=run.SEED)))):
            started = time.perf_counter()
            if label == "bayes":
                fc, conv, _flags = fit_forecast(model, train, member_seed(run.SEED, k))
                convergence.append({"origin": origin, **conv})
            else:
                fc = model.fit(train).forecast(run.HORIZON, n_samples=run.N_SAMPLES,
                                               random_seed=member_seed(run.SEED, k))
            walls[label] = walls.get(label, 0.0) + time.perf_counter() - started
            forecasts[label] = fc
        for label, members in MIXTURES.items():
            forecasts[label] = mix_forecasts([forecasts[m] for m in members],
                                             random_seed=run.SEED)
        for label, fc in forecasts.items():
            tables.setdefault(label, []).append(score_forecast(fc, full, stamp, label,
                                                               run.SEED))
        if args.hierarchical:
            started = time.perf_counter()
            hier = list(hierarchical_forecasts(data[~data["location"].isin(["US", "US-PR"])],
                                               stamp, full, member_seed(run.SEED, 3)))
            walls["hier"] = walls.get("hier", 0.0) + time.perf_counter() - started
            for label, frame in _hier_scores(forecasts, hier, full, stamp,
                                             tables["ens_sqrt_bayes"][-1]).items():
                tables.setdefault(label, []).append(frame)
            convergence_hier.extend({"origin": origin, "indicator": ind, **conv}
                                    for ind, _fc, conv in hier)
        c = convergence[-1]
        print(f"origin {origin}: bayes R-hat {c['r_hat_max']:.3f}, bulk ESS "
              f"{c['ess_bulk_min']:.0f}, tail ESS {c['ess_tail_min']:.0f}, divergences "
              f"{c['divergences']}, trustworthy {c['trustworthy']}; seconds so far "
              + ", ".join(f"{k} {v:.0f}" for k, v in walls.items()), flush=True)
    results = [BacktestResult(pd.concat(t, ignore_index=True), name)
               for name, t in tables.items()]
    out = HERE / "results"
    suffix = "_quick" if args.quick else "" if args.step == 12 else f"_step{args.step}"
    suffix += "_defaults" if args.bayes_defaults else ""
    suffix += "_hier" if args.hierarchical else ""
    run.write_scores(results, out / f"scores_ensemble_bayes{suffix}.csv.gz")
    _print_convergence("BayesianTrend convergence per origin (90 series, one joint fit)",
                       convergence, ["origin"], ["earlier_runs"])
    if convergence_hier:
        _print_convergence("HierarchicalBayes convergence (per origin and indicator, the "
                           "states)", convergence_hier, ["origin", "indicator"], [])
    # run.py's full scores, on every series; then, with --hierarchical, on the state series
    # HierarchicalBayes forecasts (its cells only)
    compare_with_run([r for r in results if r.model != "hier"], out, "", origins)
    if args.hierarchical:
        print("\nOn the state series HierarchicalBayes forecasts:")
        compare_with_run(results, out, "", origins)
    print("\nwall seconds (fit + forecast, all origins): "
          + ", ".join(f"{k} {v:.0f}" for k, v in walls.items()))


def _print_convergence(title: str, rows: list[dict], keys: list[str],
                       extra: list[str]) -> None:
    """One line per fit (its keys, R-hat, ESS, divergences, verdict, draws) and the count of
    trustworthy fits."""
    conv = pd.DataFrame(rows)
    print(f"\n{title}:")
    print(conv[[*keys, "r_hat_max", "ess_bulk_min", "ess_tail_min", "divergences",
                "trustworthy", "draws", *extra]].to_string(
        index=False, float_format=lambda v: f"{v:.3f}"))
    print(f"trustworthy fits: {int(conv['trustworthy'].sum())} of {len(conv)}")


def _hier_scores(forecasts: dict, hier: list, full: dict, stamp: pd.Timestamp,
                 ens_scores: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Scores of ``hier`` (HierarchicalBayes's state forecasts, national sums left out) and of
    the HIER_MIXTURES: on the states it forecasts, the mixture of the members; on every other
    series, ``ens_sqrt_bayes``'s scores at this origin (``ens_scores``)."""
    out: dict[str, list[pd.DataFrame]] = {"hier": []}
    covered = set()
    for indicator, fc, _conv in hier:
        states = [loc for loc in fc.locations if loc != "US"]
        covered |= {(loc, indicator) for loc in states}
        members = {"hier": fc.sel(location=states)}
        members.update({label: forecasts[label].sel(location=states, indicator=indicator)
                        for label in ("arima_sqrt", "bayes")})
        out["hier"].append(score_forecast(members["hier"], full, stamp, "hier", run.SEED))
        for label, names in HIER_MIXTURES.items():
            mixed = mix_forecasts([members[m] for m in names], random_seed=run.SEED)
            out.setdefault(label, []).append(score_forecast(mixed, full, stamp, label,
                                                            run.SEED))
    rest = ens_scores[[(loc, ind) not in covered for loc, ind in zip(ens_scores["location"],
                                                                     ens_scores["indicator"],
                                                                     strict=True)]]
    tables = {"hier": pd.concat(out["hier"], ignore_index=True)}
    for label in HIER_MIXTURES:
        tables[label] = pd.concat([*out[label], rest.assign(model=label)], ignore_index=True)
    return tables


if __name__ == "__main__":
    main()
