"""Which weighting? One fit of ``Ensemble([ARIMA(), Drift(), Naive()], weights="inverse_wis")``
(``Ensemble()`` when this was measured, 2026-12-05) per origin and indicator on run.py's quick
subset (12 series); the same fit forecast with equal, inverse-WIS and stacking weights and with
each member alone (weight 1), scored on the same cells exactly as ``backtest`` scores.

Usage (from the repository root)::

    .venv/bin/python benchmarks/forecast_accuracy/ensemble_weights.py 2022-01-31,2024-01-31
"""
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run

from odforecast.evaluate import BacktestResult, compare
from odforecast.evaluate.backtesting import score_forecast
from odforecast.models import ARIMA, Drift, Ensemble, Naive
from odforecast.models.ensemble.weights import inverse_wis_weights, stacking_weights
from odforecast.models.series import prepare_series


def main() -> None:
    data, _ = run.load_series(run.ROOT.parent / "shared" / "data")
    keys = data[["location", "indicator"]].drop_duplicates().iloc[::8]
    data = data.merge(keys, on=["location", "indicator"])
    origins = sys.argv[1].split(",") if len(sys.argv) > 1 else ["2022-01-31", "2024-01-31"]
    rows = {m: [] for m in ("equal", "inverse_wis", "stacking", "arima", "naive", "drift")}
    for origin in origins:
        for ind, group in data.groupby("indicator"):
            full = {s.key: s for s in prepare_series(group, allow_censored=True)}
            train = group[group["period_end"] <= origin]
            t = time.perf_counter()
            fit = Ensemble([ARIMA(), Drift(), Naive()], weights="inverse_wis",
                           random_seed=0).fit(train)
            print(origin, ind, f"{time.perf_counter()-t:.0f} s", flush=True)
            table = fit.past.mean_scores(fit.labels)
            variants = {}
            for s in fit.series:
                a, b = fit.past.crps_terms[s.key]
                mine = (table.location == s.location) & (table.indicator == s.indicator)
                wis = table[mine]["past_wis"].to_numpy()
                variants.setdefault("equal", {})[s.key] = np.full(3, 1 / 3)
                variants.setdefault("inverse_wis", {})[s.key] = inverse_wis_weights(wis)
                variants.setdefault("stacking", {})[s.key] = stacking_weights(a, b)
                for k, m in enumerate(("arima", "drift", "naive")):
                    variants.setdefault(m, {})[s.key] = np.eye(3)[k]
            for name, w in variants.items():
                fit.weights = w
                fc = fit.forecast(12, n_samples=1000, random_seed=0)
                rows[name].append(score_forecast(fc, full, pd.Timestamp(origin), name, 0))
            print(pd.DataFrame({n: {f"{k[0]}|{k[1]}": np.round(v, 2) for k, v in w.items()}
                                for n, w in variants.items() if n in ("inverse_wis", "stacking")}),
                  flush=True)
    results = [BacktestResult(pd.concat(r, ignore_index=True), n) for n, r in rows.items()]
    columns = ["model", "n", "wis", "rel_wis_vs_naive", "cover_50", "cover_80", "cover_95"]
    print(compare(results, baseline="naive")[columns].round(3).to_string(index=False))


if __name__ == "__main__":
    main()
