"""Simulation-based calibration (Talts et al. 2018) of the mechanistic model's NUTS calibration.

Each replicate draws every unknown from its prior (structural parameters, the two latent
processes' scales and paths, the noise levels), simulates what the calibration would have seen
at the vintage (annual counts, every 12-month window, NSDUH prevalence, each with the
likelihood's own noise), calibrates to it with the default NUTS sampler, and records the rank of
the true value among the posterior draws.  If the sampler and the likelihood are right, each
rank is uniform.

The vintage is mid-2016: annual counts 2002-2013 and the twelve 12-month windows of 2015, so
both parts of the likelihood are exercised, at a third of the cost of a fit to today's data.

Usage (from the repository root)::

    .venv/bin/python benchmarks/mechanistic_calibration/sbc.py --replicates 24

Writes ``results/sbc_ranks.csv`` and ``sbc_ranks.png`` (rank histograms) and prints a
chi-square uniformity test per quantity.
"""

from __future__ import annotations

import argparse
import dataclasses
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
VINTAGE = "2016-06-30"
N_BINS = 8
THIN_TO = 199  # posterior draws kept for a rank (ranks 0..199)


def simulate_calibration_data(cal, basis, rng):
    """Truth and a synthetic copy of ``cal`` drawn from the prior predictive."""
    from odforecast.mechanistic.density import fit_drivers
    from odforecast.mechanistic.parameters import (
        FIXED,
        FREE_PARAMETERS,
        INITIAL_STOCKS,
        LATENT_PRIORS,
        with_derived,
    )
    from odforecast.mechanistic.simulator import STATES, simulate

    truth, params = {}, {k: float(v) for k, v in FIXED.items()}
    for prior in (*FREE_PARAMETERS, *LATENT_PRIORS):
        z = prior.mu + prior.sd * rng.standard_normal()
        truth[prior.name] = float(np.exp(z) if prior.log else z)
    params.update({p.name: truth[p.name] for p in FREE_PARAMETERS})
    params = with_derived(params)
    drivers = fit_drivers(cal)
    n = cal.n_months
    drivers = {k: v[:n] for k, v in drivers.items()}
    knots = {}
    for name, key in (("lethality", "leth_x"), ("rx", "rx_x")):
        coef = truth[f"sigma_{name}"] * basis.s * rng.standard_normal(basis.n_modes)
        knots[name] = basis.path(coef)
        drivers[key] = np.exp(basis.interp[:n] @ knots[name])
    truth["lethality_end"] = float(knots["lethality"][-1])
    truth["lethality_2010"] = float(knots["lethality"][32])
    sim = simulate(params, drivers, INITIAL_STOCKS)
    months = {}
    for bucket, series in (("rx", sim.deaths_rx[0]), ("ill", sim.deaths_ill[0])):
        noise = truth[f"noise_{bucket}"]
        sd = np.sqrt(series + (noise * series) ** 2)
        months[bucket] = series + sd * rng.standard_normal(n)
    annual = cal.annual.copy()
    for year in annual.index:
        lo = (int(year) - 2002) * 12
        for bucket in ("rx", "ill"):
            annual.loc[year, bucket] = months[bucket][lo:lo + 12].sum()
    annual["opioids"] = annual["rx"] + annual["ill"]
    windows = cal.windows.copy()
    for end in windows.index:
        period = pd.Period(end, freq="M")
        hi = (period.year - 2002) * 12 + period.month
        for bucket in ("rx", "ill"):
            windows.loc[end, bucket] = months[bucket][hi - 12:hi].sum()
    windows["opioids"] = windows["rx"] + windows["ill"]
    prevalence = tuple(
        (month, stock, float(sim.stocks[stock, 0, month]
                             * np.exp(FIXED["sigma_prevalence"] * rng.standard_normal())))
        for month, stock, _ in cal.prevalence)
    assert len(STATES) == 5
    return truth, dataclasses.replace(cal, annual=annual, windows=windows,
                                      prevalence=prevalence)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--replicates", type=int, default=24)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--out", default=str(HERE / "results"))
    args = parser.parse_args(argv)

    from odforecast.mechanistic import calibration_frame
    from odforecast.mechanistic.density import build_density
    from odforecast.mechanistic.inference import infer, merge_sampler_config
    from odforecast.mechanistic.latent import LatentBasis, quarterly_persistence
    from odforecast.mechanistic.model import GROWTH_HALF_LIFE
    from odforecast.mechanistic.simulator import month_times
    from odforecast.mechanistic.targets import calibration_data

    cal = calibration_data(calibration_frame(), pd.Timestamp(VINTAGE))
    basis = LatentBasis.for_months(month_times(cal.end.year, cal.end.month),
                                   quarterly_persistence(GROWTH_HALF_LIFE))
    config = merge_sampler_config({"method": "nuts"})
    rng = np.random.default_rng(args.seed)
    rows = []
    for rep in range(args.replicates):
        truth, synthetic = simulate_calibration_data(cal, basis, rng)
        started = time.perf_counter()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                posterior = infer(build_density(synthetic, basis), config, 1000 + rep)
        except Exception as error:
            print(f"replicate {rep}: calibration failed: {error}", flush=True)
            rows.append({"replicate": rep, "failed": str(error)})
            continue
        d = posterior.derived
        draws = {name: d[name] for name in ("m_H0", "m_P0", "beta_S", "iota_H0", "iota_H2016",
                                            "sigma_PH0", "sigma_lethality", "noise_ill")}
        draws["lethality_end"] = d["knots_lethality"][:, -1]
        draws["lethality_2010"] = d["knots_lethality"][:, 32]
        keep = np.linspace(0, len(draws["m_H0"]) - 1, THIN_TO).astype(int)
        row = {"replicate": rep, "seconds": round(time.perf_counter() - started, 1),
               **{k: v for k, v in posterior.diagnostics.items()
                  if k in ("r_hat_max", "ess_bulk_min", "ess_tail_min", "divergences")}}
        for name, values in draws.items():
            row[f"rank_{name}"] = int(np.sum(values[keep] < truth[name]))
        rows.append(row)
        print(f"replicate {rep}: {row['seconds']} s, R-hat {row.get('r_hat_max')}, "
              f"divergences {row.get('divergences')}", flush=True)
    frame = pd.DataFrame(rows)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    frame.to_csv(out / "sbc_ranks.csv", index=False)
    summarise(frame, HERE / "sbc_ranks.png")
    return 0


def summarise(frame: pd.DataFrame, png: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from scipy import stats

    ranks = [c for c in frame.columns if c.startswith("rank_")]
    done = frame.dropna(subset=ranks)
    print(f"{len(done)} of {len(frame)} replicates calibrated; median "
          f"{done['seconds'].median():.0f} s; divergences in "
          f"{int((done['divergences'] > 0).sum())}")
    fig, axes = plt.subplots(2, (len(ranks) + 1) // 2, figsize=(14, 5.5), sharey=True)
    edges = np.linspace(0, THIN_TO + 1, N_BINS + 1)
    expected = len(done) / N_BINS
    print(f"{'quantity':<18} chi2 p-value (uniform ranks, {N_BINS} bins)")
    for ax, col in zip(axes.ravel(), ranks, strict=False):
        counts, _ = np.histogram(done[col], bins=edges)
        p = stats.chisquare(counts).pvalue
        print(f"{col[5:]:<18} {p:.2f}")
        ax.bar(edges[:-1], counts, width=np.diff(edges), align="edge", color="tab:blue",
               edgecolor="white")
        lo, hi = stats.binom.ppf([0.005, 0.995], len(done), 1 / N_BINS)
        ax.axhspan(lo, hi, color="0.85", zorder=0)
        ax.axhline(expected, color="0.4", lw=1)
        ax.set_title(f"{col[5:]} (p = {p:.2f})", fontsize=9)
        ax.set_xticks([])
    for ax in axes.ravel()[len(ranks):]:
        ax.axis("off")
    fig.suptitle(f"SBC rank histograms, {len(done)} prior draws, vintage {VINTAGE} (grey: "
                 "99 % band of a uniform histogram)", fontsize=10)
    fig.tight_layout()
    fig.savefig(png, dpi=110)


if __name__ == "__main__":
    raise SystemExit(main())
