"""Bayesian model classes: fitting with NUTS (or ADVI), diagnostics, forecasting, save/load."""

from __future__ import annotations

import json
import time
import warnings
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from odforecast import calendar
from odforecast._version import __version__
from odforecast._warnings import fit_advice, warn
from odforecast.errors import DataError, FitError, ParameterError
from odforecast.models.base import (
    FittedModel,
    ForecastRequest,
    Model,
    SampledPaths,
    _jsonable,
    assemble_paths,
    resolve_seed,
    series_seed,
)
from odforecast.models.bayes.config import (
    DEFAULT_MODEL_CONFIG,
    DEFAULT_SAMPLER_CONFIG,
    merge_config,
    resolve_sampler,
)
from odforecast.models.bayes.design import Design, build_design
from odforecast.models.bayes.twelve_month import kalman_level_update, recent_months
from odforecast.models.params import check_bool, check_choice, check_number
from odforecast.models.series import Series, future_periods, prepare_series
from odforecast.options import QUICK_SAMPLER_CONFIG, get_options
from odforecast.scenarios import RegressorProvider, evaluate_multiplier

__all__ = ["BayesFit", "BayesModel", "load_fit"]

#: Prior scales that must be positive numbers.
_POSITIVE_PRIORS = ("level_sd", "slope_sd", "sigma_slope", "sigma_slope_log_sd",
                    "sigma_slope_spread", "overdispersion_median", "overdispersion_log_sd",
                    "exog_sd", "changepoint_sd")

#: Convergence thresholds (Vehtari et al. 2021): a fit outside them is flagged untrustworthy.
RHAT_MAX = 1.01
ESS_MIN = 400


class BayesModel(Model):
    """Shared machinery of the Bayesian models (see :class:`BayesianTrend`)."""

    name: ClassVar[str] = "bayes"
    pooled: ClassVar[bool] = False

    def __init__(self, *, model_config: dict[str, Any] | None = None,
                 sampler_config: dict[str, Any] | None = None, damped: bool = True,
                 changepoints: Sequence[str] | None = None,
                 population: pd.DataFrame | str | None = None,
                 random_seed: int | None = None) -> None:
        self.model_config = model_config
        self.sampler_config = sampler_config
        self.damped = damped
        self.changepoints = changepoints
        self.population = population
        self.random_seed = random_seed

    default_model_config: ClassVar[dict[str, Any]] = DEFAULT_MODEL_CONFIG
    default_sampler_config: ClassVar[dict[str, Any]] = DEFAULT_SAMPLER_CONFIG
    #: Defaults that replace the above for annual data (none here; see BayesianTrend).
    annual_model_config: ClassVar[dict[str, Any]] = {}
    annual_sampler_config: ClassVar[dict[str, Any]] = {}

    def _configs(self, frequency: str | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
        """The model and sampler configurations for data of ``frequency``: the class defaults
        (with the annual ones for annual data), quick mode's sampler, then the user's dicts."""
        annual = frequency == "annual"
        defaults = {**self.default_model_config, **(self.annual_model_config if annual else {})}
        model_config = merge_config(defaults, self.model_config, name="model_config")
        if not self.damped:
            model_config["damping_alpha"] = model_config["damping_beta"] = None
        for key in _POSITIVE_PRIORS:
            if key in model_config:  # sigma_slope_spread: HierarchicalBayes only
                check_number(model_config[key], key, positive=True)
        if model_config.get("common_shock_sd") is not None:  # HierarchicalBayes only
            check_number(model_config["common_shock_sd"], "common_shock_sd", positive=True)
        check_choice(model_config["growth_target"], "growth_target", ("zero", "mean"))
        check_choice(model_config["parameterization"], "parameterization",
                     ("auto", "levels", "noncentered", "centered"))
        check_choice(model_config["twelve_month_likelihood"], "twelve_month_likelihood",
                     ("blocks", "windows"))
        check_choice(model_config["overdispersion_pooling"], "overdispersion_pooling",
                     ("per_series", "shared"))
        if "spread_prior" in model_config:  # HierarchicalBayes only
            check_choice(model_config["spread_prior"], "spread_prior",
                         ("auto", "half_normal", "log_normal"))
        defaults = {**self.default_sampler_config,
                    **(self.annual_sampler_config if annual else {})}
        if get_options()["quick"]:  # odforecast.set_options(quick=True): fewer iterations
            defaults.update(QUICK_SAMPLER_CONFIG)
        sampler_config = merge_config(defaults, self.sampler_config, name="sampler_config")
        return model_config, sampler_config

    def restore_fit(self, idata, data: pd.DataFrame, *, origin: str = "saved fit") -> BayesFit:
        """Rebuild a fit of this model from a saved posterior (``idata``) and the data it was
        fitted to, without sampling (used by :func:`load_fit`)."""
        from odforecast.data.schema import validate

        data = validate(data, origin=origin)
        series = prepare_series(data, min_length=3, allow_censored=True, allow_missing=True,
                                model_name=self.name)
        model_config = json.loads(idata.attrs["model_config"])
        design = build_design(series, population=self._population(series),
                              twelve_month=model_config.get("twelve_month_likelihood",
                                                            "blocks"))
        sampler_config = json.loads(idata.attrs["sampler_config"])
        return BayesFit(self, design, data, idata, model_config, sampler_config,
                        int(idata.attrs["random_seed"]), float(idata.attrs["fit_seconds"]))

    def add_aggregate(self, samples, series: Sequence[Series]):
        """Forecast paths with any aggregate series this model adds (none: ``samples``)."""
        return samples

    def check_params(self) -> None:
        """Check the settings before any work (``fit`` calls it first)."""
        check_bool(self.damped, "damped")
        resolve_seed(self.random_seed)
        if not (self.population is None or isinstance(self.population, pd.DataFrame)
                or (isinstance(self.population, str) and self.population == "auto")):
            raise ParameterError(f"must be a tidy frame, 'auto' or None; got "
                                 f"{self.population!r}", parameter="population")
        if self.changepoints is not None and (isinstance(self.changepoints, str)
                                              or not isinstance(self.changepoints, Sequence)):
            raise ParameterError(f"must be a list of dates such as ['2020-03-31'] or None; "
                                 f"got {self.changepoints!r}", parameter="changepoints")
        for frequency in ("annual", None):  # both default sets (annual ones differ)
            self._configs(frequency)

    def _population(self, series) -> pd.DataFrame | None:
        if self.population is None:
            return None
        if isinstance(self.population, str):
            from odforecast.data.bundled import load_dataset

            return load_dataset("states_population")
        return self.population

    def fit(self, data: pd.DataFrame, *, exog: pd.DataFrame | None = None,
            executor: Executor | None = None) -> BayesFit:
        """Fit the model to every series in ``data`` jointly (one PyMC model).

        ``executor`` is accepted for the common contract; NUTS runs its chains in parallel
        itself (``sampler_config['cores']``).
        """
        self.check_params()
        series = prepare_series(data, min_length=3, allow_censored=True, allow_missing=True,
                                model_name=self.name)
        frequencies = {s.frequency for s in series}  # mixed ones are refused by build_design
        model_config, sampler_config = self._configs(
            frequencies.pop() if len(frequencies) == 1 else None)
        design = build_design(series, population=self._population(series), exog=exog,
                              twelve_month=model_config["twelve_month_likelihood"])
        changepoints = self._changepoint_steps(design)
        sampler_config = resolve_sampler(sampler_config, n_series=design.n_series,
                                         censored=bool(design.obs_censored.any()))
        seed = resolve_seed(self.random_seed)
        from odforecast._progress import Progress, sampler_progressbar
        from odforecast.models.bayes.model import build_model
        from odforecast.models.bayes.report import convergence_text, run_description

        with Progress(self.name) as report:  # start and end lines; the option switches them
            report.start(run_description(sampler_config, len(series)) + " ...")
            # "auto" resolves to the sampler's own live bar only where it renders (a terminal)
            run_config = {**sampler_config, "progressbar": sampler_progressbar(sampler_config)}
            started = time.perf_counter()
            model = build_model(design, model_config, pooled=self.pooled,
                                changepoints=changepoints)
            idata = _run_inference(model, run_config, seed)
            fitted = BayesFit(self, design, data, idata, model_config, sampler_config, seed,
                              time.perf_counter() - started)
            earlier = []  # what each run before the last one missed
            while self._may_rerun(fitted, len(earlier)):
                problems = fitted.convergence["problems"]
                earlier.append(f"{sampler_config['draws']} draws: {problems}")
                sampler_config = rerun_config(sampler_config, problems)
                report.note(f"not converged ({problems}); sampling again with "
                            f"{sampler_config['draws']:,} draws after "
                            f"{sampler_config['tune']:,} tuning steps, target_accept "
                            f"{sampler_config['target_accept']} ...")
                run_config = {**sampler_config, "progressbar": run_config["progressbar"]}
                idata = _run_inference(model, run_config, seed)
                idata.attrs["earlier_runs"] = "; then ".join(earlier)
                fitted = BayesFit(self, design, data, idata, model_config, sampler_config,
                                  seed, time.perf_counter() - started)
            _record_provenance(idata, self.name, data, model_config, sampler_config, seed,
                               fitted.seconds)
            report.finish(convergence_text(fitted.convergence))
        if not fitted.convergence["trustworthy"]:
            problems = fitted.convergence["problems"]
            warn(f"{self.name} fit is not trustworthy: {problems}. To fix it, "
                 f"{fit_advice(problems, sampler_config, quick=get_options()['quick'])}")
        return fitted

    def _may_rerun(self, fitted: BayesFit, done: int = 0) -> bool:
        """Whether to sample again, longer, after ``done`` reruns and a run that did not
        converge: at most ``sampler_config["reruns"]`` times, only at the default run length
        (a user who chose ``draws`` or ``tune`` gets what they chose; quick mode stays quick)
        and only for NUTS."""
        return (may_rerun(fitted.convergence["trustworthy"], fitted.sampler_config,
                          self.sampler_config, done) and not get_options()["quick"])

    def _changepoint_steps(self, design: Design) -> list[int]:
        steps = []
        for date in self.changepoints or []:
            stamp = pd.Timestamp(date)
            position = int(design.grid.searchsorted(stamp))
            if position <= 0 or position >= design.n_steps:
                raise DataError(f"changepoint {date} is outside the data "
                                f"({design.grid[0].date()} .. {design.grid[-1].date()})",
                                column="changepoints")
            steps.append(position)
        return steps


def may_rerun(converged: bool, config: Mapping[str, Any], chosen: Mapping[str, Any] | None,
              done: int) -> bool:
    """Whether a fit samples again, longer, after ``done`` reruns (the Bayesian models' and
    the mechanistic calibration's rule): a NUTS run (``config``, the settings it ran with) that
    missed the thresholds, at most ``config["reruns"]`` times, and only at the default run
    length — a user who chose ``draws`` or ``tune`` (``chosen``: the user's own settings) gets
    what they chose.

    Examples
    --------
    >>> config = {"method": "nuts", "reruns": 1}
    >>> may_rerun(False, config, None, 0), may_rerun(False, config, None, 1)
    (True, False)
    >>> may_rerun(False, config, {"draws": 500}, 0), may_rerun(True, config, None, 0)
    (False, False)
    """
    return (not converged and config["method"] == "nuts" and done < config.get("reruns", 0)
            and not set(chosen or {}) & {"draws", "tune"})


def rerun_config(sampler_config: dict[str, Any], problems: str) -> dict[str, Any]:
    """The settings of an automatic rerun after a run that missed the convergence thresholds
    with ``problems``: twice the draws and tuning steps, and with divergences a
    ``target_accept`` halfway to 1.

    At the early backtest origins of the state benchmarks (a few years per state) the
    hierarchical model's pooled scales mix at 1/4-3/4 of the effective draws a converged run
    needs (benchmarks/bayes_speed, "Convergence at the backtest origins"); doubling the run
    costs sampling time where it is needed, and none where it is not.

    Examples
    --------
    >>> c = rerun_config({"draws": 1000, "tune": 1000, "target_accept": 0.99},
    ...                  "bulk ESS 250 < 400; 3 divergent transitions")
    >>> c["draws"], c["tune"], round(c["target_accept"], 4)
    (2000, 2000, 0.995)
    """
    out = {**sampler_config, "draws": 2 * sampler_config["draws"],
           "tune": 2 * sampler_config["tune"]}
    if "divergent" in problems:
        out["target_accept"] = 1 - (1 - sampler_config["target_accept"]) / 2
    return out


def _run_inference(model, config: dict[str, Any], seed: int):
    import pymc as pm

    from odforecast._progress import quiet_logger

    # PyMC logs its own "NUTS[...]" / "Sampling ..." lines: they go with progress off
    with model, warnings.catch_warnings(), quiet_logger("pymc"):
        warnings.filterwarnings("ignore", category=FutureWarning)
        if config["method"] == "advi":
            import pytensor

            # PyTensor's default numba backend fails to compile the ADVI graph of this model
            # (IndexError in its vectorize codegen, PyTensor 3.3); the C virtual machine works.
            with pytensor.config.change_flags(linker="cvm"):
                approx = pm.fit(n=config["advi_iterations"], method="advi", random_seed=seed,
                                progressbar=config["progressbar"])
                idata = approx.sample(config["draws"] * config["chains"], random_seed=seed)
            idata.attrs["inference"] = "ADVI (approximate: mean-field variational)"
            return idata
        kwargs = {k: config[k] for k in ("draws", "tune", "chains", "cores", "target_accept",
                                         "nuts_sampler", "progressbar")}
        if config["nuts_sampler"] in ("numpyro", "blackjax"):
            from odforecast._jax import import_jax

            # before PyMC imports JAX: a CPU device per chain (parallel chains), 64-bit, and
            # XLA's programs kept on disk for the next process (odforecast._jax)
            import_jax()
            # PyMC's own checks repeat the diagnostics odforecast computes (_convergence) and
            # cost seconds on the deterministics
            kwargs["compute_convergence_checks"] = False
        try:
            idata = pm.sample(random_seed=seed, **kwargs)
            if config["nuts_sampler"] in ("numpyro", "blackjax"):
                from odforecast._jax import release_compiled_programs

                release_compiled_programs()  # many fits in one process (backtests)
        except Exception as exc:  # a sampler crash is reported, not hidden
            hint = ""
            if config["nuts_sampler"] == "blackjax" and "progress_bar" in str(exc):
                hint = (" -- PyMC's bridge to blackjax fails with blackjax 1.6 and later "
                        "(pymc issue #8367); use sampler_config={'nuts_sampler': 'numpyro'} "
                        "or 'nutpie'")
            elif "Betainc gradient" in str(exc):  # see config.resolve_sampler
                hint = (" -- JAX cannot differentiate the likelihood of censored (suppressed) "
                        "counts; use sampler_config={'nuts_sampler': 'nutpie'} (or 'auto')")
            raise FitError(f"sampling failed ({config['nuts_sampler']}): {exc}{hint}") from exc
        idata.attrs["inference"] = f"NUTS ({config['nuts_sampler']})"
        return idata


class BayesFit(FittedModel):
    """A fitted Bayesian model: posterior (``.idata``, an xarray DataTree), diagnostics,
    forecasts.

    Returned by :meth:`BayesianTrend.fit <odforecast.BayesianTrend.fit>` and
    :meth:`HierarchicalBayes.fit <odforecast.HierarchicalBayes.fit>`; ``convergence``
    summarises the run and ``idata`` holds the posterior with the library, PyMC and ArviZ
    versions, both configurations, the data vintage and the seed in its attributes.

    Examples
    --------
    Sampling takes from seconds (ADVI) to minutes (NUTS), so these lines are not run as tests:

    >>> import odforecast
    >>> us = odforecast.load_dataset("us_annual").query(
    ...     "indicator == 'opioids' and estimate == 'reported'")
    >>> fitted = odforecast.BayesianTrend(random_seed=1).fit(us)  # doctest: +SKIP
    >>> fitted.diagnostics[["r_hat_max", "ess_bulk_min", "divergences"]]  # doctest: +SKIP
    >>> fitted.summary()  # ArviZ table of the main parameters  # doctest: +SKIP
    >>> fitted.save("us_opioids.nc")  # doctest: +SKIP
    >>> odforecast.models.bayes.load_fit("us_opioids.nc").forecast(5)  # doctest: +SKIP
    """

    def __init__(self, model: BayesModel, design: Design, data: pd.DataFrame, idata,
                 model_config: dict[str, Any], sampler_config: dict[str, Any], seed: int,
                 seconds: float) -> None:
        self.model = model
        self.design = design
        self.series = tuple(design.series)
        self.data = data
        self.idata = idata
        self.model_config = model_config
        self.sampler_config = sampler_config
        self.seed = seed
        self.seconds = seconds
        self.convergence = _convergence(idata, self.pooled_vars())

    def pooled_vars(self) -> list[str]:
        names = ["sigma", "overdispersion", "level0", "slope0"]  # deterministic in every
        # parameterisation, so the diagnostics compare like with like
        if self.model.pooled:
            names += ["level_mu", "level_tau", "slope_mu", "slope_tau", "log_sigma_mu",
                      "log_sigma_tau", "log_overdispersion_mu"]
            if self.model_config.get("overdispersion_pooling") != "shared":
                names.append("log_overdispersion_tau")
            if self.model_config.get("common_shock_sd") is not None:
                # the shared growth shocks (none when the grid has no innovation step)
                names += [n for n in ("common_shock_sd", "common_shock")
                          if n in self.idata["posterior"]]
        if self.model_config["damping_alpha"] is not None:
            names.append("damping")
            if self.model_config.get("growth_target") == "mean":
                names.append("growth_mean")
        if self.design.exog is not None:
            names.append("exog_effect")
        return names

    @property
    def approximate(self) -> bool:
        return self.sampler_config["method"] == "advi"

    def __repr__(self) -> str:
        from odforecast.models.bayes.report import fit_repr

        return fit_repr(self)

    def _repr_html_(self) -> str:
        from odforecast.models.bayes.report import fit_repr_html

        return fit_repr_html(self)

    @property
    def diagnostics(self) -> pd.DataFrame:
        """One row per series: worst R-hat and smallest ESS over its parameters, plus the run's
        divergences and tree-depth saturation."""
        import arviz as az

        post = self.idata["posterior"].to_dataset()
        names = [n for n in self.pooled_vars() if "series" in post[n].dims]
        rows = []
        for i, s in enumerate(self.series):
            sub = post[names].isel(series=i)
            rhat = float(max(az.rhat(sub[n]).max() for n in names)) if not self.approximate \
                else float("nan")
            bulk = float(min(az.ess(sub[n], method="bulk").min() for n in names))
            tail = float(min(az.ess(sub[n], method="tail").min() for n in names))
            rows.append({"location": s.location, "indicator": s.indicator,
                         "frequency": s.frequency, "estimate": s.estimate,
                         "model": self.model.name, "r_hat_max": rhat, "ess_bulk_min": bulk,
                         "ess_tail_min": tail,
                         "divergences": self.convergence["divergences"],
                         "max_treedepth_hits": self.convergence["max_treedepth_hits"],
                         "trustworthy": self.convergence["trustworthy"],
                         "inference": self.idata.attrs["inference"]})
        return pd.DataFrame(rows)

    def summary(self) -> pd.DataFrame:
        """ArviZ summary (mean, sd, interval, ESS, R-hat) of the model's main parameters."""
        import arviz as az

        return az.summary(self.idata, var_names=self.pooled_vars())

    can_save: ClassVar[bool] = True

    @classmethod
    def load(cls, path: str | Path) -> BayesFit:
        """Read a fit written by :meth:`save` (the same as :func:`load_fit`)."""
        return load_fit(path)

    def save(self, path: str | Path) -> None:
        """Save posterior, data and configuration to one NetCDF file (see :func:`load_fit`).

        The file is the posterior DataTree with two more groups, ``odforecast_data`` (the
        tidy data the model was fitted to) and, for a population given as a frame,
        ``odforecast_population``; the model's class and parameters are in the attributes.
        """
        if self.design.exog is not None:
            raise DataError("saving a fit with exogenous regressors is not supported yet",
                            hint="refit from the data instead")
        import xarray as xr

        tree = self.idata.copy()
        tree["odforecast_data"] = xr.DataTree(frame_to_dataset(self.data))
        params = self.model.get_params()
        if isinstance(params.get("population"), pd.DataFrame):
            tree["odforecast_population"] = xr.DataTree(frame_to_dataset(params["population"]))
            params["population"] = "<odforecast_population group>"
        tree.attrs["odforecast_model"] = json.dumps({"class": type(self.model).__name__,
                                                     "params": _jsonable(params)})
        tree.to_netcdf(path)

    # -- forecasting ---------------------------------------------------------------------------
    @property
    def exog_columns(self) -> list[str] | None:
        """Names of the regressors the model was fitted with (None: fitted without any)."""
        return None if self.design.exog is None else list(self.design.exog_columns)

    def _sample_paths(self, request: ForecastRequest) -> SampledPaths:
        """Posterior predictive sample paths for the next ``horizon`` periods.

        Each path takes one posterior draw, continues the latent trend with fresh innovations,
        multiplies the latent death rate by the scenario's effect, and draws counts from the
        negative-binomial observation model.  For 12-month-ending series the latest observed
        count is split across its 12 months in proportion to the posterior monthly rates
        (multinomially), so the first forecasts stay consistent with what was observed, and
        new months are added as they enter the window.
        """
        horizon, n_samples, seed = request.horizon, request.n_samples, request.seed
        exog_future = request.exog_future
        draws = _posterior_arrays(self.idata, self.design, self.model_config)
        total = draws["level_last"].shape[0]
        picker = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(0,)))
        index = picker.choice(total, size=n_samples, replace=n_samples > total)
        draws = {k: v[index] for k, v in draws.items()}
        if "common_shock_sd" in draws:
            # the shocks every series shares in a path: one stream for all series, so the
            # series' paths move together as the fit says they do
            common_rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(1,)))
            draws["common_noise"] = common_rng.standard_normal((n_samples, horizon + 2))

        d = self.design
        provider = next((scn for scn in request.scenarios
                         if isinstance(scn, RegressorProvider)), None)
        if exog_future is None and provider is not None and d.exog is not None:
            # a covariate scenario supplies the regressors: monthly values over the horizon
            # (every step date needed below is a month end within it)
            months = future_periods(pd.Timestamp(d.grid[-1]), "monthly", 12 * (horizon + 2))
            exog_future = provider.exog_future(months, columns=d.exog_columns, history=None)
        blocks, times = [], []
        for i, s in enumerate(self.series):
            seq = series_seed(seed, s.location, s.indicator)
            path_seq, scenario_seq, counts_seq, update_seq = seq.spawn(4)
            rng = np.random.default_rng(path_seq)
            last = pd.Timestamp(d.grid[d.last_step[i]])
            out_time = future_periods(last, s.frequency, horizon)
            if s.frequency == "12m_ending" and d.windows is None:  # non-overlapping blocks
                steps = future_periods(last, "monthly", horizon)
                tail, log_rate = self._monthly_log_rates(i, horizon, draws, rng, exog_future)
                latest = self._latest_shown_window(i)
                shares, shift, gap = self._latest_months(i, tail, latest,
                                                         np.random.default_rng(update_seq))
                log_rate = log_rate + shift[:, None]
                recent_rate = np.exp(tail[:, 12 - gap:] + shift[:, None])  # withheld months
                frequency = "monthly"
            elif s.frequency == "12m_ending":  # every window: latent months sum to windows
                steps, frequency = future_periods(last, "monthly", horizon), "monthly"
                alpha = np.exp(-2.0 * np.log(draws["overdispersion"][:, i]))
                past = self._past_months(i, draws["monthly_recent"][:, i, :], alpha,
                                         np.random.default_rng(update_seq))
                log_rate = self._future_log_rates(i, horizon, draws, rng, exog_future)
            else:
                steps, frequency = out_time, s.frequency
                log_rate = (_latent_paths(draws, i, horizon, rng)
                            + self._offsets(i, steps, exog_future, draws))
            latent = np.exp(log_rate)
            per_scenario = []
            for scn in request.scenarios:
                effect = evaluate_multiplier(
                    scn, steps, location=s.location, indicator=s.indicator,
                    n_samples=n_samples, rng=np.random.default_rng(scenario_seq),
                    frequency=frequency)
                # the same count noise for every scenario (common random numbers)
                counts_rng = np.random.default_rng(counts_seq)
                alpha = np.exp(-2.0 * np.log(draws["overdispersion"][:, i]))
                if s.frequency == "12m_ending" and d.windows is None:
                    counts = self._counts_12m_blocks(i, latent * effect, shares, recent_rate,
                                                     latest, alpha, draws, counts_rng)
                elif s.frequency == "12m_ending":
                    counts = self._counts_12m(i, latent * effect, past, alpha, counts_rng)
                else:
                    counts = _negbin(counts_rng, latent * effect, alpha[:, None])
                per_scenario.append(counts)
            blocks.append(np.stack(per_scenario))
            times.append(out_time)
        samples = self.model.add_aggregate(assemble_paths(self.series, blocks, times, request),
                                           self.series)
        warn = [] if self.convergence["trustworthy"] else [
            f"posterior not trustworthy: {self.convergence['problems']}"]
        if self.approximate:
            warn.append("approximate inference (ADVI): intervals may be too narrow")
        metadata = {
            "model_config": _jsonable(self.model_config),
            "sampler_config": _jsonable(self.sampler_config),
            "inference": self.idata.attrs["inference"],
            "fit_random_seed": self.seed, "warnings": warn,
            # what a backtest reports per origin (BacktestResult.fits)
            "convergence": _jsonable(self.convergence),
        }
        return SampledPaths(samples, self.series[0].frequency, self.data, metadata)

    def _log_population(self, i: int, dates: pd.DatetimeIndex) -> np.ndarray:
        """Log population at ``dates`` (0 without a population); the last estimate is carried
        forward beyond the table (the table was read and checked once, by the design)."""
        return self.design.log_population(i, dates)

    def _exog_effect(self, i: int, dates: pd.DatetimeIndex, exog_future, draws,
                     *, observed: bool = False) -> np.ndarray:
        """Regressor contribution ``x_t b`` per path at ``dates`` (zeros without regressors)."""
        d = self.design
        n = draws["level_last"].shape[0]
        if d.exog is None:
            if exog_future is not None and not observed:
                raise DataError("exog_future given but the model was fitted without exog",
                                column="exog_future")
            return np.zeros((n, len(dates)))
        if observed:
            x = d.exog[d.grid.get_indexer(dates)]
        else:
            if exog_future is None:
                raise DataError(f"the model was fitted with regressors {d.exog_columns}; give "
                                "their future values with exog_future=", column="exog_future")
            from odforecast.models.base import align_exog

            x = (align_exog(exog_future[d.exog_columns], dates, d.series[i].label,
                            "exog_future") - d.exog_mean) / d.exog_sd
        effect = draws["exog_effect"]
        b = effect[:, i, :] if effect.ndim == 3 else effect
        return b @ x.T

    def _offsets(self, i: int, steps: pd.DatetimeIndex, exog_future, draws) -> np.ndarray:
        return (self._log_population(i, steps)[None, :]
                + self._exog_effect(i, steps, exog_future, draws))

    def _future_log_rates(self, i: int, horizon: int, draws, rng, exog_future):
        """Monthly log expected deaths for the ``horizon`` months after the origin of a
        12-month-ending series: the trend continues by 12-month steps and months in between
        are interpolated log-linearly between step middles, as in the fitted monthly path."""
        return self._interpolated_log_rates(i, np.arange(1, horizon + 1), draws, rng,
                                            exog_future)

    def _interpolated_log_rates(self, i: int, months: np.ndarray, draws, rng,
                                exog_future) -> np.ndarray:
        """Monthly log death rates ``(n, len(months))`` of a 12-month-ending series at
        ``months`` (counted from the last observed month, 0; from -11 to the horizon at most).

        The model's steps are 12-month blocks: the two observed ones (the last and the one
        before, with their regressor effects) and enough future ones, drawn from the latent
        trend (``rng``) with the future regressors.  A block's log rate is assigned to its
        middle month and months in between are interpolated linearly (a smooth trend within
        the year); a twelfth of the block and the month's population make it a monthly rate.
        """
        d = self.design
        last = pd.Timestamp(d.grid[d.last_step[i]])
        n_blocks = int(months[-1]) // 12 + 2
        block_ends = future_periods(last, "annual", n_blocks)
        future = _latent_paths(draws, i, n_blocks, rng) + self._exog_effect(
            i, block_ends, exog_future, draws)
        previous_end = (last.to_period("M") - 12).to_timestamp(how="end").normalize()
        known = np.stack([draws["level_last"][:, i] - draws["slope_prev"][:, i],
                          draws["level_last"][:, i]], axis=1)
        if d.last_step[i] >= 1:
            known = known + self._exog_effect(i, pd.DatetimeIndex([previous_end, last]), None,
                                              draws, observed=True)
        levels = np.concatenate([known, future], axis=1)  # blocks -1, 0, 1, ..., n_blocks
        middles = 12.0 * np.arange(-1, n_blocks + 1) - 5.5  # middle month of each block
        upper = np.searchsorted(middles, months, side="right")
        weight = (months - middles[upper - 1]) / 12.0
        block_log = levels[:, upper - 1] * (1 - weight) + levels[:, upper] * weight
        dates = pd.DatetimeIndex([(last.to_period("M") + int(m)).to_timestamp(how="end")
                                  .normalize() for m in months])
        return (block_log + np.log(calendar.month_share(dates))[None, :]
                + self._log_population(i, dates)[None, :])

    def _past_months(self, i: int, recent: np.ndarray, alpha: np.ndarray,
                     rng: np.random.Generator) -> np.ndarray:
        """The 12 monthly counts of the 12-month window ending at the forecast origin, per
        path ``(n, 12)``: they sum to that window as observed, and leave the window one by one
        as it moves forward.

        The latest shown uncensored window ``S_b`` no more than 11 months before the origin
        (:meth:`_latest_shown_window`: not when the origin's own window is suppressed) is
        split across its months (multinomially, in the proportions recovered from CDC's window
        differences by :func:`~odforecast.models.bayes.twelve_month.recent_months`, else the
        model's monthly rates); the months after it, when CDC withheld the latest windows,
        are negative-binomial draws from the posterior monthly rates — so withheld trailing
        windows are bridged from the latest shown one.  Without a shown window in the last
        12 months, the whole window is a posterior-predictive draw (below CDC's bound when
        suppressed), split by the model's rates.
        """
        from scipy import stats

        s = self.series[i]
        n = recent.shape[0]
        latest = self._latest_shown_window(i)
        if latest is not None:
            j, gap = latest  # gap: months CDC has not shown yet
            months = recent_months(s, s.time[j])
            if months is not None:
                shares = np.broadcast_to(months / months.sum(), (n, 12))
            else:
                rates = recent[:, recent.shape[1] - 12 - gap: recent.shape[1] - gap]
                shares = rates / rates.sum(axis=1, keepdims=True)
            withheld = _negbin(rng, recent[:, recent.shape[1] - gap:], alpha[:, None] / 12.0)
            return _bridged_window(rng, s.values[j], shares, withheld).astype(float)
        rates = recent[:, -12:]
        mu = rates.sum(axis=1)
        p = alpha / (alpha + mu)
        at_origin = np.flatnonzero(calendar.month_number(s.time) == self._origin_month(i))
        censored = at_origin.size and s.censored[at_origin[0]]
        top = stats.nbinom.cdf(s.censor_upper[at_origin[0]], alpha, p) if censored \
            else np.ones(n)
        total = stats.nbinom.ppf(rng.uniform(0, top), alpha, p)
        return rng.multinomial(total.astype(np.int64), rates / mu[:, None]).astype(float)

    def _counts_12m(self, i: int, rate: np.ndarray, past: np.ndarray, alpha: np.ndarray,
                    rng: np.random.Generator) -> np.ndarray:
        """12-month-ending counts from monthly rates ``(n, horizon)`` and the 12 months
        ``past`` of the window at the origin: each new month adds a negative-binomial count with
        dispersion ``alpha / 12`` (so that a 12-month sum has the likelihood's dispersion), and
        each forecast window sums its 12 months."""
        return _moving_windows(past, _negbin(rng, rate, alpha[:, None] / 12.0))


    # -- 12-month-ending data observed in non-overlapping blocks (twelve_month_likelihood
    #    "blocks", the default) ----------------------------------------------------------------
    def _monthly_log_rates(self, i: int, horizon: int, draws, rng, exog_future):
        """Monthly log death rates for the 12 observed months before the forecast and the
        ``horizon`` months after, for a 12-month-ending series (interpolated between the
        12-month blocks, as :meth:`_interpolated_log_rates` says).  Returns ``(tail, future)``
        with shapes ``(n, 12)`` and ``(n, horizon)``.
        """
        monthly = self._interpolated_log_rates(i, np.arange(-11, horizon + 1), draws, rng,
                                               exog_future)
        return monthly[:, :12], monthly[:, 12:]

    def _origin_month(self, i: int) -> int:
        """The forecast origin of series ``i`` (its last step's end) as a month number
        (:func:`odforecast.calendar.month_number`), comparable with its windows' ends."""
        d = self.design
        return int(calendar.month_number(d.grid[d.last_step[i]:][:1])[0])

    def _latest_shown_window(self, i: int) -> tuple[int, int] | None:
        """Position in series ``i`` of the window whose months start the forecast, and the
        months from its end to the origin (``gap``): the window ending at the origin, or when
        CDC withheld it, the latest shown uncensored window of the 11 months before; None when
        that is not possible (the origin's window is suppressed — its bound then matters — or
        nothing was shown in the last 12 months)."""
        s = self.series[i]
        origin = self._origin_month(i)
        ends = calendar.month_number(s.time)
        if np.any((ends == origin) & s.censored):
            return None
        shown = np.flatnonzero(~np.isnan(s.values) & ~s.censored & (ends <= origin)
                               & (ends > origin - 12))
        return (int(shown[-1]), origin - int(ends[shown[-1]])) if shown.size else None

    def _latest_months(self, i: int, tail: np.ndarray, latest: tuple[int, int] | None,
                       rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, int]:
        """Within-window shares of the latest shown 12-month count, the level update at the
        forecast origin and the number of months CDC withheld after that window (``gap``), for a
        12-month-ending series.

        When the months of the latest shown window (the one at the origin, or the latest of
        the 11 months before when CDC withheld the last ones) can be recovered from CDC's window
        differences (:func:`~odforecast.models.bayes.twelve_month.recent_months`), they give the
        shares, and its latest 3 months update each path's level (an ensemble Kalman step)
        against the model's rates for the same months; otherwise the shares follow the model's
        interpolated monthly rates ``tail`` (months -11 ... 0 of the origin), there is no update
        and ``gap`` is 0.  ``latest``: :meth:`_latest_shown_window`.  Returns
        ``(shares (n, 12), shift (n,), gap)``.
        """
        n = tail.shape[0]
        s = self.series[i]
        months = None if latest is None else recent_months(s, s.time[latest[0]])
        if months is None:
            shares = np.exp(tail - tail.max(axis=1, keepdims=True))
            return shares / shares.sum(axis=1, keepdims=True), np.zeros(n), 0
        gap = latest[1]
        shares = np.broadcast_to(months / months.sum(), (n, 12))
        model_log = np.log(np.exp(tail[:, 9 - gap: 12 - gap]).sum(axis=1))
        # The 3 months measure the current level with Poisson error only: the overdispersion
        # says how far 12-month blocks stray from the smooth trend — a lasting departure the
        # update is there to pick up, not noise to discount (as month-level noise, 12 c^2 / 3,
        # it held the update back: states' WIS ~3 % worse, 4 % at h = 12; benchmarks/
        # forecast_accuracy, "Short horizons")
        shift = kalman_level_update(model_log, float(months[-3:].sum()), np.zeros(n), rng)
        return shares, shift, gap

    def _counts_12m_blocks(self, i: int, rate: np.ndarray, shares: np.ndarray,
                           recent_rate: np.ndarray, latest: tuple[int, int] | None,
                           alpha: np.ndarray, draws, rng: np.random.Generator) -> np.ndarray:
        """12-month-ending counts from monthly rates ``(n, horizon)``.

        The latest shown 12-month count is split across its months by ``shares``
        (multinomially); if CDC withheld the windows after it (``recent_rate`` holds the
        expected counts of those ``gap`` months, updated to the shown window's level), its
        first ``gap`` months leave and the withheld months are drawn, so the forecast is
        bridged from the latest shown window (``latest``, from :meth:`_latest_shown_window`),
        not from a year-old level.  New months are drawn block by block
        (:func:`_block_counts`): a 12-month block has the likelihood's dispersion, and a window
        that takes in a few new months varies only as much as they do.
        """
        monthly = _block_counts(rng, rate, alpha)
        gap = recent_rate.shape[1]
        if gap:  # months T-11 .. T
            past = _bridged_window(rng, self.series[i].values[latest[0]], shares,
                                   _block_counts(rng, recent_rate, alpha))
        else:
            last_value = self._last_window_counts_blocks(i, draws, alpha, rng)
            past = rng.multinomial(last_value.astype(np.int64), shares)  # months T-11 .. T
        return _moving_windows(past, monthly)

    def _last_window_counts_blocks(self, i: int, draws, alpha: np.ndarray, rng) -> np.ndarray:
        """The latest 12-month count: as observed; if censored, a posterior-predictive draw
        below the bound; if not shown, a posterior-predictive draw."""
        from scipy import stats

        d = self.design
        n = draws["level_last"].shape[0]
        lag = d.obs_lag if d.obs_lag is not None else np.zeros(len(d.obs_series), dtype=int)
        # the window ending at the forecast origin (not one ending earlier in the last block)
        mine = np.flatnonzero((d.obs_series == i) & (d.obs_end == d.last_step[i]) & (lag == 0))
        if mine.size and not d.obs_censored[mine[0]]:
            return np.full(n, d.obs_value[mine[0]])
        last = pd.DatetimeIndex([d.grid[d.last_step[i]]])
        mu = np.exp(draws["level_last"][:, i] + self._log_population(i, last)[0]
                    + self._exog_effect(i, last, None, draws, observed=True)[:, 0])
        p = alpha / (alpha + mu)
        top = stats.nbinom.cdf(d.obs_upper[mine[0]], alpha, p) if mine.size else np.ones(n)
        return stats.nbinom.ppf(rng.uniform(0, top), alpha, p)


def _negbin(rng: np.random.Generator, mean: np.ndarray, alpha) -> np.ndarray:
    """Negative-binomial draws as a gamma-Poisson mixture (mean, shape alpha)."""
    lam = rng.gamma(np.broadcast_to(alpha, mean.shape), mean / alpha)
    return rng.poisson(lam).astype(float)


def _moving_windows(past: np.ndarray, monthly: np.ndarray) -> np.ndarray:
    """12-month-ending counts ``(n, horizon)`` as the window moves forward month by month from
    the window at the origin (its 12 monthly counts ``past``, ``(n, 12)``) through the new
    months ``monthly`` ``(n, horizon)``: window ``h`` drops the first ``h`` months of ``past``
    and adds the first ``h`` new ones.

    Examples
    --------
    >>> _moving_windows(np.ones((1, 12)), np.array([[2.0, 3.0]]))
    array([[13., 15.]])
    """
    months = np.concatenate([past, monthly], axis=1)
    cum = np.concatenate([np.zeros((len(months), 1)), np.cumsum(months, axis=1)], axis=1)
    h = np.arange(1, monthly.shape[1] + 1)
    return cum[:, 12 + h] - cum[:, h]


def _block_counts(rng: np.random.Generator, rate: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Monthly counts ``(n, months)`` for the months after a block boundary: Poisson around
    ``rate`` times a gamma factor (mean 1, shape ``alpha``) shared by each run of 12 months.

    The blocks likelihood says how far a 12-month block strays from the smooth trend (a
    negative binomial with shape ``alpha``); that departure lasts the block, it is not
    independent noise in every month.  A whole block drawn this way is exactly that negative
    binomial; a window that takes in ``h`` new months varies by about ``h / 12`` of the
    block's spread (plus the months' Poisson noise), where twelve independent months with
    dispersion ``alpha / 12`` would give ``sqrt(h / 12)`` of it — 3.5 times too much one
    month ahead (``benchmarks/forecast_accuracy/README.md``, "One departure per 12-month
    block").

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> rate = np.full((20000, 12), 1000.0)
    >>> counts = _block_counts(rng, rate, np.full(20000, 400.0))  # blocks vary by 5 %
    >>> block = counts.sum(axis=1)
    >>> round(float(block.std() / block.mean()), 3), round(float(counts[:, 0].std() / 1000), 3)
    (0.051, 0.059)
    """
    blocks = -(-rate.shape[1] // 12)
    factor = rng.gamma(np.broadcast_to(alpha[:, None], (len(alpha), blocks)),
                       1.0 / alpha[:, None])
    return rng.poisson(rate * np.repeat(factor, 12, axis=1)[:, :rate.shape[1]]).astype(float)


def _bridged_window(rng: np.random.Generator, shown: float, shares: np.ndarray,
                    withheld: np.ndarray) -> np.ndarray:
    """The 12 monthly counts ``(n, 12)`` of the window at the forecast origin when CDC showed
    it only up to ``gap`` months before (``gap = withheld.shape[1]``, 0 when shown): the
    latest shown count ``shown`` split across its months by ``shares`` (multinomially), its
    first ``gap`` months dropped, and the withheld months' counts ``withheld`` (drawn by the
    caller) after them."""
    gap = withheld.shape[1]
    split = rng.multinomial(int(shown), shares)
    return np.concatenate([split[:, gap:], withheld], axis=1)


def _latent_paths(draws, i: int, horizon: int, rng: np.random.Generator) -> np.ndarray:
    """Future log-rates (without offsets) by continuing the damped local linear trend:
    ``slope_t = g + phi * (slope_(t-1) - g) + sigma * eps + s_c * eps_c``,
    ``level_(t+1) = level_t + slope_t`` (``g`` the long-run growth when the growth reverts to
    it, else 0; ``s_c * eps_c`` the shock shared by every series in a path, when the model has
    one: ``draws["common_noise"]``, the same for every series)."""
    level = draws["level_last"][:, i].copy()
    slope = draws["slope_prev"][:, i].copy()
    sigma = draws["sigma"][:, i]
    phi = draws["phi_step"]
    target = draws["growth_mean"][:, i]
    out = np.empty((len(level), horizon))
    noise = rng.standard_normal((len(level), horizon))
    if "common_shock_sd" in draws:
        noise_common = draws["common_shock_sd"][:, None] * draws["common_noise"][:, :horizon]
    else:
        noise_common = np.zeros((len(level), horizon))
    for k in range(horizon):
        slope = target + phi * (slope - target) + sigma * noise[:, k] + noise_common[:, k]
        level = level + slope
        out[:, k] = level
    return out


def _record_provenance(idata, name: str, data: pd.DataFrame, model_config: dict[str, Any],
                       sampler_config: dict[str, Any], seed: int, seconds: float) -> None:
    """Library versions, configurations, data vintage and seed, in the posterior's attributes
    (saved with it, so a loaded fit says how it was made)."""
    idata.attrs.update({
        "odforecast_version": __version__,
        "model": name,
        "model_config": json.dumps(_jsonable(model_config)),
        "sampler_config": json.dumps(_jsonable(sampler_config)),
        "random_seed": seed,
        "data_vintage": ", ".join(sorted(set(data["vintage"]))),
        "fit_seconds": round(seconds, 2),
        "pymc_version": _version("pymc"),
        "arviz_version": _version("arviz"),
    })


def _posterior_arrays(idata, design: Design, config) -> dict[str, np.ndarray]:
    post = idata["posterior"].to_dataset()
    flat = post.stack(sample=("chain", "draw")).transpose("sample", ...)
    names = ["level_last", "slope_prev", "sigma", "overdispersion"]
    if "mu_obs" in flat:
        names.append("mu_obs")
    if design.exog is not None:
        names.append("exog_effect")
    if design.windows is not None:
        names.append("monthly_recent")
    out = {n: np.asarray(flat[n].values) for n in names}
    if "phi_step" in flat:
        out["phi_step"] = np.asarray(flat["phi_step"].values)
    else:
        out["phi_step"] = np.ones(flat.sizes["sample"])
    if "common_shock_sd" in flat:
        out["common_shock_sd"] = np.asarray(flat["common_shock_sd"].values)
    if "growth_mean" in flat:
        out["growth_mean"] = np.asarray(flat["growth_mean"].values)
    else:  # damped towards zero growth (or undamped)
        out["growth_mean"] = np.zeros_like(out["sigma"])
    return out


def _convergence(idata, names: list[str]) -> dict[str, Any]:
    import arviz as az

    approximate = "ADVI" in idata.attrs.get("inference", "")
    post = idata["posterior"].to_dataset()
    names = [n for n in names if n in post]
    result: dict[str, Any] = {"divergences": 0, "max_treedepth_hits": 0}
    problems = []
    if approximate:
        result.update(r_hat_max=float("nan"), ess_bulk_min=float("nan"),
                      ess_tail_min=float("nan"), trustworthy=False,
                      problems="approximate inference (ADVI), no MCMC diagnostics")
        return result
    rhat = max(float(az.rhat(post[n]).max()) for n in names)
    bulk = min(float(az.ess(post[n], method="bulk").min()) for n in names)
    tail = min(float(az.ess(post[n], method="tail").min()) for n in names)
    stats = idata["sample_stats"].to_dataset()
    if "diverging" in stats:
        result["divergences"] = int(stats["diverging"].sum())
    for key in ("maxdepth_reached", "reached_max_treedepth"):
        if key in stats:
            result["max_treedepth_hits"] = int(stats[key].sum())
    if rhat > RHAT_MAX:
        problems.append(f"R-hat {rhat:.3f} > {RHAT_MAX}")
    if bulk < ESS_MIN:
        problems.append(f"bulk ESS {bulk:.0f} < {ESS_MIN}")
    if tail < ESS_MIN:
        problems.append(f"tail ESS {tail:.0f} < {ESS_MIN}")
    if result["divergences"]:
        problems.append(f"{result['divergences']} divergent transitions")
    result.update(r_hat_max=rhat, ess_bulk_min=bulk, ess_tail_min=tail,
                  trustworthy=not problems, problems="; ".join(problems) or "none")
    return result


def _version(package: str) -> str:
    from importlib.metadata import version

    return version(package)


def load_fit(path: str | Path) -> BayesFit:
    """Load a fit saved with :meth:`BayesFit.save`; forecasts reproduce exactly.

    The model is rebuilt by calling its class with the saved parameters, then
    ``BayesModel.restore_fit`` rebuilds the fit from the saved posterior and data.

    Examples
    --------
    >>> fitted = load_fit("national.nc")  # doctest: +SKIP
    >>> fitted.forecast(12, random_seed=1)  # doctest: +SKIP
    """
    import xarray as xr

    tree = xr.open_datatree(path).load()
    if "odforecast_data" in tree.attrs:  # the layout before issue 11: data as JSON attributes
        raise DataError("this fit was saved by an earlier odforecast version, whose file layout "
                        "is no longer read", path=path, hint="refit the model and save again")
    try:
        spec = json.loads(tree.attrs["odforecast_model"])
        cls = _model_classes()[spec["class"]]
        params = dict(spec["params"])
        data = dataset_to_frame(tree["odforecast_data"].to_dataset())
    except (KeyError, ValueError, AttributeError, TypeError) as exc:
        raise DataError(f"not a Bayesian fit saved by odforecast ({type(exc).__name__}: {exc})",
                        path=path, hint="save fits with BayesFit.save()") from None
    if "odforecast_population" in tree.children:
        params["population"] = dataset_to_frame(tree["odforecast_population"].to_dataset())
    posterior = tree.copy()
    for group in ("odforecast_data", "odforecast_population"):
        if group in posterior.children:
            del posterior[group]
    return cls(**params).restore_fit(posterior, data, origin=str(path))


def _model_classes() -> dict[str, type[BayesModel]]:
    """Every Bayesian model class by name (the subclasses of BayesModel, at any depth; the
    package ``odforecast.models.bayes`` defines them before any fit can be loaded)."""
    found: dict[str, type[BayesModel]] = {}
    todo = [BayesModel]
    while todo:
        cls = todo.pop()
        found[cls.__name__] = cls
        todo.extend(cls.__subclasses__())
    return found


def frame_to_dataset(frame: pd.DataFrame):
    """A tidy frame as an xarray Dataset (one variable per column, dimension ``row``), for
    storing in a NetCDF group; :func:`dataset_to_frame` inverts it."""
    import xarray as xr

    frame = frame.reset_index(drop=True)
    variables = {}
    for column in frame.columns:
        values = frame[column]
        if values.dtype == object:
            if values.isna().any():  # NetCDF strings have no missing value
                raise DataError("cannot save a frame with missing text values",
                                column=str(column))
            values = values.astype(str)
        variables[str(column)] = ("row", values.to_numpy())
    return xr.Dataset(variables, attrs={"odforecast_columns": json.dumps(list(frame.columns))})


def dataset_to_frame(dataset) -> pd.DataFrame:
    """The frame stored by :func:`frame_to_dataset` (same columns, order and values)."""
    columns = json.loads(dataset.attrs["odforecast_columns"])
    frame = pd.DataFrame({c: dataset[c].to_numpy() for c in columns})
    for column in columns:
        if frame[column].dtype.kind in "US":
            frame[column] = frame[column].astype(object)
    return frame
