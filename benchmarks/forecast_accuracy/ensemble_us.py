"""A small check of odforecast.Ensemble against its members on one national series.

US opioid deaths, 12-month-ending, reported (bundled ``us_monthly_12m``), rolling origins every 6
months from December 2020 to December 2023, horizons 1-12, 1,000 sample paths, seed 0: the
ensemble of automatic ARIMA, drift and naive with inverse-WIS weights (``Ensemble()`` when this
was measured, 2026-12-05), the same members
stacked and equally weighted, and each member alone, all through ``odforecast.evaluate.backtest``
on the same cells.  At each origin the ensemble learns its weights from backtests on the data up
to that origin only.

Usage (from the repository root)::

    .venv/bin/python benchmarks/forecast_accuracy/ensemble_us.py
"""

from __future__ import annotations

import time

import odforecast
from odforecast.evaluate import backtest, compare, rolling_origins
from odforecast.models import ARIMA, Drift, Ensemble, Naive


def main() -> None:
    us = odforecast.load_dataset("us_monthly_12m")
    us = us[(us["indicator"] == "opioids") & (us["estimate"] == "reported")]
    origins = rolling_origins(us, "2020-12", "2023-12", step=6)
    def members():
        return [ARIMA(), Drift(), Naive()]

    models = {"ensemble": Ensemble(members(), weights="inverse_wis"),
              "ensemble_stacking": Ensemble(members(), weights="stacking"),
              "ensemble_equal": Ensemble(members(), weights="equal"), "arima": ARIMA(),
              "drift": Drift(),
              "naive": Naive()}
    results = []
    for name, model in models.items():
        start = time.perf_counter()
        results.append(backtest(model, us, origins=origins, horizon=12, n_samples=1000,
                                random_seed=0, model_name=name, progress=False))
        print(f"{name}: {time.perf_counter() - start:.0f} s", flush=True)
    table = compare(results, baseline="naive").sort_values("wis")
    print(f"\nUS opioids, {len(origins)} origins ({origins[0]} .. {origins[-1]}), h = 1-12")
    print(table[["model", "n", "wis", "rel_wis_vs_naive", "mae", "cover_50", "cover_80",
                 "cover_95"]].round(3).to_string(index=False))
    by_h = compare(results, baseline="naive", by=("model", "horizon"))
    by_h = by_h[by_h["horizon"].isin([1, 6, 12])]
    print("\nby horizon")
    print(by_h[["model", "horizon", "wis", "cover_80"]].round(3).to_string(index=False))


if __name__ == "__main__":
    main()
