"""Why are ARIMA's intervals miscalibrated?  Reads the score table written by ``run.py``.

Refits ``ARIMA()`` at every origin of the benchmark (fits only, to record the selected orders)
and breaks the 80% coverage down by the number of differences ``d``, by origin year and by the
direction of the misses, next to statsforecast's AutoARIMA on log counts.

Usage (after ``run.py``)::

    .venv/bin/python benchmarks/forecast_accuracy/calibration.py [--quick]
"""

from __future__ import annotations

import argparse
import sys
import warnings
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import HERE, ROOT, load_series, markdown

from odforecast.models import ARIMA


def _orders(train: pd.DataFrame, origin: str) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        diag = ARIMA().fit(train).diagnostics
    diag = diag[["location", "indicator", "order", "constant", "converged", "ljung_box_p",
                 "fallback"]].copy()
    diag["origin"] = origin
    return diag


def orders(data: pd.DataFrame, origins: list[str], jobs: int) -> pd.DataFrame:
    tasks = [(group[group["period_end"] <= origin], origin) for origin in origins
             for _, group in data.groupby("indicator")]
    with ProcessPoolExecutor(jobs) as pool:
        parts = list(pool.map(_orders, *zip(*tasks, strict=True)))
    out = pd.concat(parts, ignore_index=True)
    out["d"] = out["order"].str.strip("()").str.split(",").str[1].astype(int)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--every", type=int, default=1,
                        help="use every n-th origin only (the refits take a while)")
    parser.add_argument("--raw", type=Path, default=ROOT.parent / "shared" / "data")
    args = parser.parse_args()
    suffix = "_quick" if args.quick else ""
    table = pd.read_csv(HERE / "results" / f"scores{suffix}.csv.gz")
    data, _ = load_series(args.raw)
    keys = table[["location", "indicator"]].drop_duplicates()
    data = data.merge(keys, on=["location", "indicator"])
    origins = sorted(table["origin"].unique())[::args.every]
    table = table[table["origin"].isin(origins)]
    print(f"{len(keys)} series x {len(origins)} origins: {', '.join(origins)}\n")
    diag = orders(data, origins, args.jobs)
    table = table.merge(diag, on=["location", "indicator", "origin"], how="left")
    fmt = {c: ".3f" for c in ("cov80", "below", "above", "share")}
    fmt.update({"rel. width80": ".3f", "WIS": ".1f"})

    arima = table[table["model"] == "arima"]
    print("ARIMA orders selected (share of series x origins):")
    print(markdown(diag["d"].value_counts(normalize=True).sort_index()
                   .rename_axis("d").reset_index(name="share"), fmt))
    print(f"\nconverged: {diag['converged'].mean():.3f}; fallback: {diag['fallback'].mean():.3f};"
          f" Ljung-Box p < 0.05: {(diag['ljung_box_p'] < 0.05).mean():.3f}")

    def cover(frame: pd.DataFrame, by: list[str]) -> pd.DataFrame:
        g = frame.assign(below=frame["truth"] < frame["lower_80"],
                         above=frame["truth"] > frame["upper_80"]).groupby(by)
        return g.agg(n=("wis", "size"), WIS=("wis", "mean"), cov80=("cover_80", "mean"),
                     below=("below", "mean"), above=("above", "mean")).reset_index()

    print("\nARIMA 80% coverage by d and horizon (below/above: truth outside the interval):")
    print(markdown(cover(arima[arima["horizon"].isin([1, 6, 12])], ["d", "horizon"]), fmt))
    table["year"] = table["origin"].str[:4]
    both = table[table["model"].isin(["arima", "sf_AutoARIMA_log"])]
    print("\n80% coverage by origin year (all horizons):")
    print(markdown(cover(both, ["year", "model"]), fmt))
    # Interval widths relative to statsforecast's log AutoARIMA on the same cells.
    width = table.assign(width=table["upper_80"] - table["lower_80"]).pivot_table(
        index=["location", "indicator", "origin", "horizon"], columns="model", values="width")
    rel = (width["arima"] / width["sf_AutoARIMA_log"]).groupby(level="horizon").median()
    print("\nmedian width of ARIMA's 80% interval / sf_AutoARIMA_log's, by horizon:")
    print(markdown(rel.loc[[1, 3, 6, 12]].rename("rel. width80").reset_index(), fmt))
    print("\nARIMA 80% coverage by d and the constant (all horizons):")
    print(markdown(cover(arima, ["d", "constant"]), fmt))


if __name__ == "__main__":
    main()
