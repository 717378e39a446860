"""Speed benchmark of the Bayesian models: wall time (compilation included), ESS, R-hat,
divergences and peak memory, side by side with a straightforward plain-PyMC reference.

Each case runs in a fresh subprocess (so peak memory is per model and nothing is shared in
memory); all cases share one fresh PyTensor ``base_compiledir`` that a tiny warm-up model has
primed, so every case pays its own model-specific compilation (numba for nutpie and PyMC's NUTS,
XLA for numpyro) but not the one-off build of PyTensor's generic helpers.  Each case also gets
its own empty odforecast cache folder (``ODFORECAST_CACHE_DIR``, where the library keeps XLA's
compiled programs); with ``--second-process`` each case then runs again in a new process with
the same folders, as a user's second session would (warm on-disk caches).

    .venv/bin/python benchmarks/bayes_speed/run.py --quick      # smoke test, ~2 min
    .venv/bin/python benchmarks/bayes_speed/run.py              # full run (waits for load < 1)
    .venv/bin/python benchmarks/bayes_speed/run.py --cases ours,national_12m --no-wait
    .venv/bin/python benchmarks/bayes_speed/run.py --cases ours_numpyro,ours_nutpie,\
        national_12m,national_12m_nutpie --second-process   # cold, then warm on-disk caches

Cases (``--cases``, comma separated; default: all of them in this order):

reference      plain PyMC 6, written below: non-centred negative-binomial log-rate random walk,
               49 jurisdictions x 133 latent months, EVERY shown 12-month-ending value observed
               as NegBin of its 12-month sum (overlapping windows; ~4,700 observations), nutpie.
ours           HierarchicalBayes (library default sampler: nutpie for 49 series) on the same data.
ours_defaults  HierarchicalBayes at every library default (2 x 2,000 draws after 1,000 tuning steps;
               a run that misses the thresholds is sampled again, longer, as a user's fit is).
ours_nutpie    HierarchicalBayes with nuts_sampler="nutpie".
ours_numpyro   HierarchicalBayes with nuts_sampler="numpyro".
ours_pymc      HierarchicalBayes with nuts_sampler="pymc" (PyMC's own NUTS).
national_12m   BayesianTrend, defaults, us_monthly_12m opioids reported: construction -> fit ->
               forecast(12).
               (default sampler: numpyro for one series)
national_12m_nutpie  the same with nuts_sampler="nutpie".
national_annual BayesianTrend, defaults, us_annual opioids reported: construction -> fit ->
               forecast(1) (one year = 12 months).
profile        gradient cost per model (logp+dlogp evaluations per second, numba as nutpie
               runs it) -- not part of the table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEED = 20250301
ALL_CASES = ["reference", "ours", "ours_numpyro", "ours_pymc", "national_12m",
             "national_12m_nutpie", "national_annual"]
LABELS = {
    "reference": "reference: plain PyMC RW, all 12m windows (nutpie)",
    "ours": "HierarchicalBayes",
    "ours_defaults": "HierarchicalBayes (library defaults)",
    "ours_nutpie": "HierarchicalBayes",
    "ours_numpyro": "HierarchicalBayes",
    "ours_pymc": "HierarchicalBayes",
    "national_12m": "BayesianTrend US 12m-ending, end-to-end",
    "national_12m_nutpie": "BayesianTrend US 12m-ending, end-to-end",
    "national_annual": "BayesianTrend US annual, end-to-end",
}


# ----------------------------------------------------------------------------------- data ---
def states_frame(n_states: int | None = None):
    """opioids, reported, 12-month-ending, NYC added into NY, PR dropped (49 jurisdictions:
    VSRR shows no opioid counts for Louisiana and Pennsylvania)."""
    import odforecast
    from odforecast.data.transform import merge_nyc

    frame = odforecast.load_dataset("states_monthly_12m")
    frame = frame[(frame["indicator"] == "opioids") & (frame["estimate"] == "reported")]
    frame = merge_nyc(frame)
    frame = frame[frame["location"] != "US-PR"].reset_index(drop=True)
    if n_states is not None:
        keep = sorted(frame["location"].unique())[:n_states]
        frame = frame[frame["location"].isin(keep)].reset_index(drop=True)
    return frame


def population_frame():
    """The bundled Census estimates (2010-2024) with 2024 carried forward to 2025.

    ``HierarchicalBayes(population="auto")`` refuses states_monthly_12m as is: its Jan and
    Feb 2025 windows fall in a year the table does not cover (DataError "population of US-AK
    does not cover 2025").  Carrying 2024 forward is what the model already does for the
    padding and the forecast horizon, and what the reference does.
    """
    import pandas as pd

    import odforecast

    pop = odforecast.load_dataset("states_population")
    last = pop[pop["period_start"].dt.year == pop["period_start"].dt.year.max()].copy()
    last["period_start"] = last["period_start"] + pd.DateOffset(years=1)
    last["period_end"] = last["period_end"] + pd.DateOffset(years=1)
    return pd.concat([pop, last], ignore_index=True)


def national_frame(name: str):
    import odforecast

    frame = odforecast.load_dataset(name)
    return frame[(frame["indicator"] == "opioids")
                 & (frame["estimate"] == "reported")].reset_index(drop=True)


def sizes(quick: bool) -> dict:
    if quick:
        return {"draws": 100, "tune": 100, "chains": 2, "n_states": 6}
    return {"draws": 1000, "tune": 1000, "chains": 2, "n_states": None}


# ------------------------------------------------------------------------------ diagnostics --
def summarise(idata, names: list[str]) -> dict:
    """Min bulk/tail ESS and max R-hat over ``names``, the 5 weakest parameters, tree stats."""
    import arviz as az
    import numpy as np

    post = idata["posterior"].to_dataset()
    names = [n for n in names if n in post]
    ess = az.ess(post[names], method="bulk")
    tail = az.ess(post[names], method="tail")
    rhat = az.rhat(post[names])
    weakest = []
    for n in names:
        values = np.atleast_1d(ess[n].values).ravel()
        labels = [n] if ess[n].ndim == 0 else [
            f"{n}[{c}]" for c in ess[n][ess[n].dims[0]].values]
        weakest += list(zip(values.tolist(), labels, strict=True))
    weakest.sort()
    stats = idata["sample_stats"].to_dataset()
    out = {
        "ess_bulk_min": float(min(float(ess[n].min()) for n in names)),
        "ess_tail_min": float(min(float(tail[n].min()) for n in names)),
        "r_hat_max": float(max(float(rhat[n].max()) for n in names)),
        "weakest": [[round(v, 1), label] for v, label in weakest[:6]],
        "divergences": int(stats["diverging"].sum()) if "diverging" in stats else None,
    }
    for key in ("depth", "tree_depth"):
        if key in stats:
            out["tree_depth_mean"] = float(stats[key].mean())
            out["tree_depth_max"] = int(stats[key].max())
    if "n_steps" in stats:
        out["leapfrog_mean"] = float(stats["n_steps"].mean())
        out["leapfrog_total_draws"] = int(stats["n_steps"].sum())
    for key in ("maxdepth_reached", "reached_max_treedepth"):
        if key in stats:
            out["max_treedepth_hits"] = int(stats[key].sum())
    if "step_size" in stats:
        out["step_size_mean"] = float(stats["step_size"].mean())
    return out


def converged(result: dict) -> bool:
    return (result.get("finished", True) and result["r_hat_max"] <= 1.01
            and result["ess_bulk_min"] >= 400 and result["divergences"] == 0)


# ------------------------------------------------------------------------- reference model --
def reference_model(frame):
    """The straightforward model, in plain PyMC 6.

    log_rate[s, t] = level0_s + sum_{j<=t} sigma_s z[s, j] (monthly random walk, non-centred),
    level0_s and log(sigma_s) non-centred hierarchical, a population offset, and EVERY shown
    12-month-ending count observed as NegBin(sum of the 12 monthly expected deaths, alpha) with
    one global extra-Poisson CV c = 1/sqrt(alpha) ~ HalfNormal(0.1).  Overlapping windows are
    used as they are (each death enters the likelihood up to 12 times): that is what makes it
    "straightforward", and it is also the most expensive choice (~4,700 observations).
    """
    import numpy as np
    import pandas as pd
    import pymc as pm
    import pytensor.tensor as pt

    import odforecast

    values = frame.pivot(index="location", columns="period_end", values="value")
    states = list(values.index)
    months = pd.DatetimeIndex(values.columns)  # 12-month-ending period ends, Jan 2015 ..
    y = values.to_numpy(dtype=float)  # NaN = not shown by CDC (skipped)
    n_states, n_obs_months = y.shape
    n_latent = n_obs_months + 11  # the first window starts 11 months before the first end
    latent_end = pd.date_range(months[0] - pd.offsets.MonthEnd(11), periods=n_latent,
                               freq="ME")
    pop = odforecast.load_dataset("states_population")
    pop = pop[pop["indicator"] == "population"].assign(year=pop["period_start"].dt.year)
    table = pop.pivot(index="location", columns="year", values="value")
    years = np.clip(latent_end.year, table.columns.min(), table.columns.max())
    exposure = table.loc[states, years].to_numpy(dtype=float)  # persons; rate per month

    shown = ~np.isnan(y)
    obs_s, obs_m = np.nonzero(shown)  # window of obs month m = latent months m .. m+11
    typical = np.nanmean(y, axis=1) / (12 * exposure.mean(axis=1))  # deaths/person/month
    coords = {"state": states, "month": np.arange(1, n_latent), "obs": np.arange(len(obs_s))}
    with pm.Model(coords=coords) as model:
        level_mu = pm.Normal("level_mu", float(np.log(typical).mean()), 1.0)
        level_tau = pm.HalfNormal("level_tau", 1.0)
        level_z = pm.Normal("level_z", 0, 1, dims="state")
        level0 = pm.Deterministic("level0", level_mu + level_tau * level_z, dims="state")
        log_sigma_mu = pm.Normal("log_sigma_mu", np.log(0.03), 1.0)
        log_sigma_tau = pm.HalfNormal("log_sigma_tau", 0.5)
        sigma_z = pm.Normal("sigma_z", 0, 1, dims="state")
        sigma = pm.Deterministic("sigma", pt.exp(log_sigma_mu + log_sigma_tau * sigma_z),
                                 dims="state")
        z = pm.Normal("z", 0, 1, dims=("state", "month"))
        walk = pt.cumsum(sigma[:, None] * z, axis=1)
        log_rate = level0[:, None] + pt.concatenate([pt.zeros((n_states, 1)), walk], axis=1)
        rate = pt.exp(log_rate) * exposure
        cum = pt.concatenate([pt.zeros((n_states, 1)), pt.cumsum(rate, axis=1)], axis=1)
        mu = cum[obs_s, obs_m + 12] - cum[obs_s, obs_m]
        c = pm.HalfNormal("overdispersion", 0.1)
        pm.NegativeBinomial("y", mu=mu, alpha=1.0 / c**2, observed=y[shown], dims="obs")
    hyper = ["level_mu", "level_tau", "log_sigma_mu", "log_sigma_tau", "overdispersion",
             "sigma", "level0"]
    return model, hyper, {"series": n_states, "latent_steps": n_latent,
                          "observations": int(shown.sum()), "free_parameters": None}


def case_reference(quick: bool) -> dict:
    import nutpie

    size = sizes(quick)
    frame = states_frame(size["n_states"])
    t0 = time.perf_counter()
    model, hyper, shape = reference_model(frame)
    t_built = time.perf_counter()
    compiled = nutpie.compile_pymc_model(model, backend="numba")
    t_compiled = time.perf_counter()
    progress: dict = {}

    def record(chains) -> None:  # nutpie calls this from a background thread
        progress["finished"] = [int(c.finished_draws) for c in chains]
        progress["steps"] = [int(c.total_num_steps) for c in chains]

    sampler = nutpie.sample(compiled, draws=size["draws"], tune=size["tune"],
                            chains=size["chains"], cores=2, seed=SEED, progress_bar=False,
                            blocking=False, progress_callback=record, progress_rate=1000)
    limit = float(os.environ.get("BAYES_SPEED_TIME_LIMIT", "0")) or None
    try:
        idata, finished = sampler.wait(timeout=limit), True
    except TimeoutError:  # over the time limit: keep what was drawn, and say so
        idata, finished = sampler.abort(), False
    t_sampled = time.perf_counter()
    try:
        result = summarise(idata, hyper)
    except Exception as exc:  # e.g. stopped during tuning: no posterior draws to summarise
        result = {"ess_bulk_min": float("nan"), "ess_tail_min": float("nan"),
                  "r_hat_max": float("nan"), "weakest": [], "divergences": None,
                  "summary_error": repr(exc)}
    t_end = time.perf_counter()
    shape["free_parameters"] = int(compiled.n_dim)
    total = size["chains"] * (size["draws"] + size["tune"])
    done = sum(progress.get("finished", [total]))
    return {**result, **shape, "wall": t_end - t0, "build": t_built - t0,
            "compile": t_compiled - t0, "sampling": t_sampled - t_compiled,
            "post": t_end - t_sampled, "hyperparameters": hyper, "finished": finished,
            "iterations_done": done, "iterations_total": total,
            "leapfrog_steps_all": sum(progress.get("steps", [0]))}


# ---------------------------------------------------------------------------- our models ---
class _Timers:
    """Wrap the library's calls into PyMC/nutpie to split compile and sampling time (the
    library itself is not modified: its module attributes are wrapped in this subprocess)."""

    def __init__(self) -> None:
        self.t: dict[str, float] = {}
        self.n_dim: int | None = None

    def wrap(self, module, name: str, key: str, after=None) -> None:
        original = getattr(module, name)

        def timed(*args, **kwargs):
            start = time.perf_counter()
            out = original(*args, **kwargs)
            self.t[key] = self.t.get(key, 0.0) + time.perf_counter() - start
            if after is not None:
                after(out)
            return out

        setattr(module, name, timed)


def _install_timers() -> _Timers:
    import nutpie
    import pymc

    import odforecast.models.bayes.model as builder

    timers = _Timers()
    timers.wrap(builder, "build_model", "build")
    timers.wrap(nutpie, "compile_pymc_model", "nutpie_compile",
                after=lambda compiled: setattr(timers, "n_dim", int(compiled.n_dim)))
    timers.wrap(nutpie, "sample", "nutpie_sample")
    timers.wrap(pymc, "sample", "pm_sample")
    return timers


def _fit_result(fitted, timers: _Timers, wall: float) -> dict:
    conv = fitted.convergence
    sampler = fitted.sampler_config["nuts_sampler"]
    detail = summarise(fitted.idata, fitted.pooled_vars())
    sampling_attr = float(fitted.idata["posterior"].attrs.get("sampling_time", float("nan")))
    build = timers.t.get("build", 0.0)
    if sampler == "nutpie":
        compile_s = build + timers.t.get("nutpie_compile", 0.0)
        sampling = timers.t.get("nutpie_sample", sampling_attr)
    else:  # PyMC NUTS and numpyro: graph work, compilation, initial point, trace conversion
        # (sampling_time: numpyro's run, including the jit of its sampler on a cold cache)
        compile_s = build + timers.t.get("pm_sample", 0.0) - sampling_attr
        sampling = sampling_attr
    d = fitted.design
    return {
        **detail, "sampler": sampler,
        # the library's own verdict (its convergence dict), used for the table:
        "ess_bulk_min": conv["ess_bulk_min"], "ess_tail_min": conv["ess_tail_min"],
        "r_hat_max": conv["r_hat_max"], "divergences": conv["divergences"],
        "max_treedepth_hits": conv["max_treedepth_hits"],
        "trustworthy": conv["trustworthy"], "problems": conv["problems"],
        "fit_seconds": fitted.seconds, "wall": wall, "compile": compile_s,
        "sampling": sampling, "build": build,
        "series": d.n_series, "latent_steps": d.n_steps,
        "observations": len(d.obs_value), "free_parameters": timers.n_dim,
        "hyperparameters": fitted.pooled_vars(),
    }


def case_ours(quick: bool, sampler: str | None = None, defaults: bool = False) -> dict:
    timers = _install_timers()
    from odforecast.models import HierarchicalBayes

    size = sizes(quick)
    frame = states_frame(size["n_states"])
    config = {k: size[k] for k in ("draws", "tune", "chains")}
    if sampler is not None:  # else the library's default ("auto")
        config["nuts_sampler"] = sampler
    if defaults and not quick:  # what a user's HierarchicalBayes() runs, reruns included
        config = None
    t0 = time.perf_counter()
    model = HierarchicalBayes(sampler_config=config, random_seed=SEED,
                              population=population_frame())
    fitted = model.fit(frame)
    wall = time.perf_counter() - t0
    return _fit_result(fitted, timers, wall)


def case_national(quick: bool, dataset: str, horizon: int, sampler: str | None = None) -> dict:
    timers = _install_timers()
    from odforecast.models import BayesianTrend

    frame = national_frame(dataset)
    size = sizes(quick)
    config = {} if not quick else {k: size[k] for k in ("draws", "tune")}
    if sampler is not None:
        config["nuts_sampler"] = sampler
    t0 = time.perf_counter()
    fitted = BayesianTrend(sampler_config=config or None, random_seed=SEED).fit(frame)
    t_fit = time.perf_counter()
    forecast = fitted.forecast(horizon, random_seed=SEED)
    wall = time.perf_counter() - t0
    result = _fit_result(fitted, timers, wall)
    result.update(forecast_seconds=wall - t_fit, forecast_periods=int(horizon),
                  forecast_rows=len(forecast.to_frame()))
    return result


# ---------------------------------------------------------------------------- profiling -----
def _grad_rate(model, seconds: float = 3.0) -> dict:
    """logp+dlogp evaluations per second at the initial point, compiled with numba (PyTensor's
    default linker in PyMC 6, used by nutpie and by PyMC's own NUTS alike); a second
    compilation of the same graph shows what the on-disk numba cache saves."""
    import numpy as np

    out = {}
    point = model.initial_point()
    for mode in ("NUMBA", "NUMBA (cached)"):
        t0 = time.perf_counter()
        fn = model.logp_dlogp_function(ravel_inputs=True, mode="NUMBA")
        fn.set_extra_values({})
        x = np.concatenate([np.asarray(point[v.name]).ravel() for v in fn._grad_vars])
        fn(x)
        compile_s = time.perf_counter() - t0
        n, t1 = 0, time.perf_counter()
        while time.perf_counter() - t1 < seconds:
            fn(x)
            n += 1
        rate = n / (time.perf_counter() - t1)
        out[mode] = {"evals_per_s": rate, "us_per_eval": 1e6 / rate, "compile_s": compile_s,
                     "n_dim": int(x.size)}
    return out


def case_profile(quick: bool) -> dict:
    from odforecast.models import HierarchicalBayes
    from odforecast.models.bayes.design import build_design
    from odforecast.models.bayes.model import build_model
    from odforecast.models.series import prepare_series

    size = sizes(quick)
    frame = states_frame(size["n_states"])
    ref, _, _ = reference_model(frame)
    hb = HierarchicalBayes(population=population_frame())
    model_config, _ = hb._configs()
    series = prepare_series(frame, min_length=3, allow_censored=True, allow_missing=True,
                            model_name="hierarchical")
    design = build_design(series, population=hb._population(series))
    ours = build_model(design, model_config, pooled=True)
    return {"reference": _grad_rate(ref), "ours": _grad_rate(ours)}


def case_warmup(quick: bool) -> dict:
    """Prime PyTensor's generic caches (C helpers, numba runtime) in the fresh compiledir."""
    import numpy as np
    import pymc as pm

    with pm.Model():
        mu = pm.Normal("mu", 0, 1)
        pm.NegativeBinomial("y", mu=pm.math.exp(mu + np.zeros(3)), alpha=2.0,
                            observed=np.array([1, 2, 3]))
        for sampler in ("nutpie", "pymc"):
            pm.sample(draws=20, tune=20, chains=2, cores=2, nuts_sampler=sampler,
                      progressbar=False, random_seed=1, compute_convergence_checks=False)
    return {}


CASES = {
    "reference": case_reference,
    "ours": case_ours,
    "ours_defaults": lambda quick: case_ours(quick, defaults=True),
    "ours_nutpie": lambda quick: case_ours(quick, "nutpie"),
    "ours_numpyro": lambda quick: case_ours(quick, "numpyro"),
    "ours_pymc": lambda quick: case_ours(quick, "pymc"),
    "national_12m": lambda quick: case_national(quick, "us_monthly_12m", 12),
    "national_12m_nutpie": lambda quick: case_national(quick, "us_monthly_12m", 12, "nutpie"),
    "national_annual": lambda quick: case_national(quick, "us_annual", 1),
    "profile": case_profile,
    "warmup": case_warmup,
}


def child(case: str, quick: bool, result_file: str) -> None:
    import warnings

    warnings.simplefilter("ignore")
    started = time.perf_counter()
    import numpy  # noqa: F401  (import cost counted separately from the model)
    import pymc  # noqa: F401

    import odforecast  # noqa: F401

    imports = time.perf_counter() - started
    result = CASES[case](quick)
    result["imports"] = imports
    Path(result_file).write_text(json.dumps(result))


# ------------------------------------------------------------------------------- parent ----
def wait_for_quiet(threshold: float, max_minutes: float, poll: float = 30.0) -> float:
    deadline = time.time() + max_minutes * 60
    load = os.getloadavg()[0]
    while load >= threshold and time.time() < deadline:
        print(f"  load average {load:.2f} >= {threshold}; waiting", flush=True)
        time.sleep(poll)
        load = os.getloadavg()[0]
    return load


def run_case(case: str, quick: bool, env: dict) -> dict:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        result_file = handle.name
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", case, "--result-file",
           result_file] + (["--quick"] if quick else [])
    load = os.getloadavg()[0]
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        return {"case": case, "error": f"exit code {proc.returncode}", "process_wall": elapsed}
    result = json.loads(Path(result_file).read_text())
    os.unlink(result_file)
    # ru_maxrss of the reaped child, in KiB on Linux: the peak resident set of that process
    # (or of the largest of its own reaped children, e.g. PyMC's chain worker processes).
    result.update(case=case, process_wall=elapsed, peak_mb=usage.ru_maxrss / 1024,
                  cpu_user=usage.ru_utime, cpu_sys=usage.ru_stime, load_at_start=load)
    return result


def fmt(value, spec: str) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "—"
    return format(value, spec)


def label(r: dict) -> str:
    """The case's label, with the sampler it ran and, for --second-process, which process."""
    text = LABELS.get(r["case"], r["case"])
    if r.get("sampler"):
        text += f" ({r['sampler']})"
    if r.get("process_number"):
        text += (", 1st process (cold caches)" if r["process_number"] == 1
                 else ", 2nd process (warm caches)")
    return text


def table(results: list[dict]) -> str:
    head = ("| model | wall s | compile s | sampling s | min ESS bulk | max R-hat | "
            "divergences | ESS/s | peak MB | converged? |")
    lines = [head, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for r in results:
        if "error" in r:
            lines.append(f"| {label(r)} | failed: {r['error']} "
                         "| | | | | | | | |")
            continue
        ok = "yes" if converged(r) else "no"
        if not r.get("finished", True):
            ok = (f"not finished: stopped at the time limit after {r['iterations_done']} of "
                  f"{r['iterations_total']} iterations (~"
                  f"{r['sampling'] * r['iterations_total'] / max(r['iterations_done'], 1):.0f}"
                  " s of sampling projected)")
        lines.append(
            f"| {label(r)} | {fmt(r['wall'], '.1f')} | "
            f"{fmt(r['compile'], '.1f')} | {fmt(r['sampling'], '.1f')} | "
            f"{fmt(r['ess_bulk_min'], '.0f')} | {fmt(r['r_hat_max'], '.3f')} | "
            f"{fmt(r['divergences'], 'd')} | {fmt(r['ess_bulk_min'] / r['wall'], '.1f')} | "
            f"{fmt(r['peak_mb'], '.0f')} | {ok} |")
    return "\n".join(lines)


def details(results: list[dict]) -> str:
    head = ("| model | series x steps | obs | free params | process s | imports s | "
            "min ESS tail | mean tree depth | mean leapfrog/draw | step size | "
            "weakest parameters (bulk ESS) |")
    lines = [head, "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for r in results:
        if "error" in r:
            continue
        weakest = ", ".join(f"{label} {value:.0f}" for value, label in r["weakest"][:4])
        lines.append(
            f"| {r['case']}{' #' + str(r['process_number']) if r.get('process_number') else ''}"
            f" | {r['series']} x {r['latent_steps']} | {r['observations']} | "
            f"{r['free_parameters']} | {fmt(r['process_wall'], '.1f')} | "
            f"{fmt(r['imports'], '.1f')} | {fmt(r['ess_tail_min'], '.0f')} | "
            f"{fmt(r.get('tree_depth_mean'), '.2f')} | {fmt(r.get('leapfrog_mean'), '.0f')} | "
            f"{fmt(r.get('step_size_mean'), '.3f')} | {weakest} |")
    return "\n".join(lines)


def code_identity() -> str:
    """Git commit of the measured library and whether its Bayesian modules differ from it."""
    import hashlib

    import odforecast

    src = Path(odforecast.__file__).resolve().parent
    bayes = sorted((src / "models" / "bayes").glob("*.py"))
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in bayes)).hexdigest()[:12]
    try:
        head = subprocess.run(["git", "-C", str(src), "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(src), "status", "--porcelain", "--", "."],
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        head, dirty = "?", ""
    state = "with uncommitted changes under src/odforecast" if dirty else "clean"
    return f"odforecast {src} at {head} ({state}); models/bayes/*.py sha256 {digest}"


def _version_or_none(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def machine() -> str:

    names = ("pymc", "pytensor", "nutpie", "numpyro", "jax", "arviz", "numba", "numpy")
    versions = ", ".join(f"{n} {_version_or_none(n)}" for n in names)
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (f"{os.cpu_count()} cores ({cpu}), {mem:.0f} GB RAM, Python "
            f"{platform.python_version()}, {platform.system()} {platform.release()}; "
            f"{versions}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smoke test: 6 states, 100+100")
    parser.add_argument("--cases", default=",".join(ALL_CASES))
    parser.add_argument("--profile", action="store_true", help="also run the gradient profile")
    parser.add_argument("--no-wait", action="store_true", help="do not wait for load < 1")
    parser.add_argument("--max-wait-minutes", type=float, default=25.0)
    parser.add_argument("--json", help="write all results to this JSON file")
    parser.add_argument("--reference-time-limit", type=float, default=1800.0,
                        help="stop the reference's sampling after this many seconds and report "
                             "the partial run (0: no limit)")
    parser.add_argument("--second-process", action="store_true",
                        help="run each case again in a new process with the same (now warm) "
                             "PyTensor and odforecast caches")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--result-file", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.quick, args.result_file)
        return

    cases = [c.strip() for c in args.cases.split(",") if c.strip()]
    unknown = set(cases) - set(CASES)
    if unknown:
        parser.error(f"unknown cases {sorted(unknown)}; choose from {sorted(CASES)}")
    if args.profile:
        cases.append("profile")
    print(machine(), flush=True)
    print(code_identity(), flush=True)
    load = os.getloadavg()[0] if args.no_wait or args.quick else wait_for_quiet(
        1.0, args.max_wait_minutes)
    print(f"load average at start: {load:.2f}", flush=True)
    compiledir = tempfile.mkdtemp(prefix="bayes_speed_pytensor_")
    env = dict(os.environ)
    env["BAYES_SPEED_TIME_LIMIT"] = str(args.reference_time_limit)
    env["PYTENSOR_FLAGS"] = ",".join(filter(None, [env.get("PYTENSOR_FLAGS"),
                                                   f"base_compiledir={compiledir}"]))
    started = time.perf_counter()
    warm = run_case("warmup", args.quick, env)
    print(f"warm-up of a fresh PyTensor cache {compiledir}: {warm['process_wall']:.1f} s",
          flush=True)
    results = []
    for case in cases:
        # an empty odforecast cache (XLA's programs) per case; the 2nd process reuses it
        case_env = {**env, "ODFORECAST_CACHE_DIR": tempfile.mkdtemp(prefix="bayes_speed_odf_")}
        runs = (1, 2) if args.second_process and case != "profile" else (None,)
        for number in runs:
            print(f"running {case}{f' (process {number})' if number else ''} ...", flush=True)
            result = run_case(case, args.quick, case_env)
            result["process_number"] = number
            results.append(result)
            if "error" in result:
                print(f"  {case} FAILED: {result['error']}", flush=True)
            elif case != "profile":
                print(f"  {case}: wall {result['wall']:.1f} s, min bulk ESS "
                      f"{result['ess_bulk_min']:.0f}, max R-hat {result['r_hat_max']:.3f}, "
                      f"divergences {result['divergences']}, peak {result['peak_mb']:.0f} MB, "
                      f"load at start {result['load_at_start']:.2f}", flush=True)
    total = time.perf_counter() - started
    rows = [r for r in results if r["case"] != "profile"]
    print()
    print(table(rows))
    print()
    print(details(rows))
    for r in results:
        if r["case"] == "profile" and "error" not in r:
            print("\ngradient cost (logp+dlogp at the initial point):")
            for name in ("reference", "ours"):
                for mode, v in r[name].items():
                    print(f"  {name:9s} {mode:8s} n_dim {v['n_dim']:5d}: "
                          f"{v['evals_per_s']:8.0f} evals/s ({v['us_per_eval']:.0f} us), "
                          f"compile {v['compile_s']:.1f} s")
    print(f"\nload average at start {load:.2f}, at end {os.getloadavg()[0]:.2f}; "
          f"total {total:.0f} s{' (QUICK: small sizes, not the benchmark)' if args.quick else ''}")
    if args.json:
        Path(args.json).write_text(json.dumps({"machine": machine(), "code": code_identity(),
                                               "load_at_start": load,
                                               "quick": args.quick, "results": results},
                                              indent=1))


if __name__ == "__main__":
    main()
