"""Prior and posterior predictive checks of the mechanistic model at the newest vintage, the
posterior summaries quoted in docs/mechanistic.md, and the Laplace quick mode against NUTS on
the reproduction's numbers.

Usage (from the repository root)::

    .venv/bin/python benchmarks/mechanistic_calibration/checks.py

Writes ``docs/img/mechanistic_ppc.png`` and ``docs/img/mechanistic_prior.png`` and prints the
tables of the docs and of this folder's README.
"""

from __future__ import annotations

import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
IMG = ROOT / "docs" / "img"


def main() -> int:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    import odforecast
    from odforecast.mechanistic import (
        MechanisticOpioidModel,
        calibration_frame,
        empirical_presets,
        prior_predictive,
    )

    data = calibration_frame()
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = MechanisticOpioidModel("latest", calibration="nuts").fit(data, progress=False)
    print(f"## fit: {fit.convergence_text()} ({time.perf_counter() - started:.0f} s wall)")
    derived = fit.posterior.derived
    print("## posterior medians")
    for name in ("m_H0", "m_P0", "beta_S", "iota_H0", "iota_H2016", "sigma_PH0",
                 "sigma_lethality", "sigma_rx", "noise_rx", "noise_ill"):
        q = np.quantile(derived[name], [0.05, 0.5, 0.95])
        print(f"{name:<16} {q[1]:.4g} (90 % {q[0]:.4g}-{q[2]:.4g})")
    drop = 1 - fit.lethality_at("2024-12-31") / fit.lethality_at("2023-07-01")
    print("## fall of Lambda Jul 2023 -> Dec 2024: "
          + " / ".join(f"{v:.0%}" for v in np.quantile(drop, [0.05, 0.5, 0.95])))
    shock, _ = empirical_presets(fit)
    print(f"## preset: {shock.source}")

    check = fit.predictive_check(n_samples=2000, random_seed=0)
    annual = check[check["kind"] == "annual"]
    last = check[check["kind"] == "12m_ending"].groupby("indicator").tail(24)
    table = pd.DataFrame({
        "annual 2002-2024": annual.groupby("indicator")["covered"].mean(),
        "last 24 windows": last.groupby("indicator")["covered"].mean()})
    table.loc["all"] = [annual["covered"].mean(), last["covered"].mean()]
    print("## 80 % posterior predictive coverage")
    print(table.round(3).to_string())
    print("## not covered:")
    missed = pd.concat([annual, last])[lambda f: ~f["covered"]]
    print(missed.round(dict.fromkeys(("observed", "median", "lower", "upper"), 0)).to_string())
    fc = fit.forecast(12, frequency="12m_ending", n_samples=2000, random_seed=1)
    first = float(fc.samples.sel(indicator="opioids").isel(time=0).median())
    last_obs = float(fit.cal.windows["opioids"].iloc[-1])
    print(f"## first projected window {pd.Timestamp(fc.samples['time'].values[0]).date()}: "
          f"{first:,.0f} vs last observed {last_obs:,.0f} ({first / last_obs - 1:+.1%})")

    # posterior predictive figure: annual (2002-2024) and windows, by bucket
    fig, axes = plt.subplots(2, 3, figsize=(13, 6.5))
    for col, indicator in enumerate(("opioids", "opioids_illicit", "opioids_rx_only")):
        for row, (kind, frame) in enumerate((("annual", annual),
                                             ("12m_ending",
                                              check[check["kind"] == "12m_ending"]))):
            ax = axes[row, col]
            part = frame[frame["indicator"] == indicator]
            ax.fill_between(part["period_end"], part["lower"], part["upper"], color="tab:blue",
                            alpha=0.3, label="80 % predictive")
            ax.plot(part["period_end"], part["median"], color="tab:blue", lw=1)
            miss = part[~part["covered"]]
            ax.plot(part["period_end"], part["observed"], "k.", ms=3, label="published")
            ax.plot(miss["period_end"], miss["observed"], "rx", ms=5, label="outside")
            ax.set_title(f"{indicator}, {'annual' if kind == 'annual' else '12-month windows'}",
                         fontsize=9)
            ax.set_ylim(bottom=0)
    axes[0, 0].legend(fontsize=8)
    fig.suptitle(f"Posterior predictive check, vintage {fit.vintage.date()} (NUTS)", fontsize=10)
    fig.tight_layout()
    fig.savefig(IMG / "mechanistic_ppc.png", dpi=110)

    prior = prior_predictive(2024, n_samples=1000, random_seed=0)
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
    observed = fit.predictive_check(n_samples=10)
    obs = observed[observed["kind"] == "annual"]
    for ax, indicator in zip(axes, ("opioids_illicit", "opioids_rx_only"), strict=True):
        values = prior[indicator]
        years = values.columns.to_numpy()
        for lo, hi, alpha in ((0.05, 0.95, 0.25), (0.25, 0.75, 0.45)):
            ax.fill_between(years, values.quantile(lo), values.quantile(hi), color="tab:green",
                            alpha=alpha, lw=0)
        ax.plot(years, values.median(), color="tab:green", lw=1, label="prior median")
        part = obs[obs["indicator"] == indicator]
        ax.plot(part["period_end"].dt.year, part["observed"], "k.", label="published")
        ax.set_yscale("log")
        ax.set_title(f"{indicator}: prior predictive (50 % and 90 %)", fontsize=9)
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(IMG / "mechanistic_prior.png", dpi=110)
    q = prior[("opioids_illicit", 2020)].quantile([0.05, 0.5, 0.95])
    print(f"## prior predictive illicit 2020: {q.iloc[0]:,.0f} / {q.iloc[1]:,.0f} / "
          f"{q.iloc[2]:,.0f}")

    # Laplace quick mode against NUTS on the reproduction's rows (2021 vintage)
    from odforecast.reproduction import reproduce

    rows = []
    for quick in (False, True):
        with odforecast.set_options(quick=quick), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t0 = time.perf_counter()
            result = reproduce("stanford-lancet", models=["mechanistic"], scenarios=(),
                               n_samples=2000, random_seed=0, progress=False)
        for _, row in result.table[result.table["model"].str.startswith("mech")].iterrows():
            rows.append({"calibration": "Laplace" if quick else "NUTS", "row": row["model"],
                         "2020-2024": f"{row['median_2020_2024'] / 1e3:,.0f}k "
                                      f"({row['low_2020_2024'] / 1e3:,.0f}-"
                                      f"{row['high_2020_2024'] / 1e3:,.0f}k)",
                         "2020-2029": f"{row['median_2020_2029'] / 1e3:,.0f}k "
                                      f"({row['low_2020_2029'] / 1e3:,.0f}-"
                                      f"{row['high_2020_2029'] / 1e3:,.0f}k)",
                         "seconds": round(time.perf_counter() - t0)})
    print("## reproduction, NUTS vs Laplace")
    print(pd.DataFrame(rows).to_markdown(index=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
