"""``MechanisticOpioidModel``: a compact compartmental model of US opioid overdose deaths with
a latent illicit-supply lethality process, calibrated by NUTS.

Follows the design specification ``mechanistic-model.md`` (compact model, §3-§9): stocks of
prescription misuse ``M``, prescription OUD ``P``, illicit-opioid OUD ``H``, MOUD ``T`` and
remission ``R``; monthly steps; deaths in two mutually exclusive buckets (prescription-only and
illicit-involved) whose sum is the ``opioids`` series.  Where the spec drives illicit lethality
by fentanyl penetration data (which end in 2020), the model estimates it as a smooth latent
process ``Lambda(t)`` from the deaths themselves, so it follows the rise of fentanyl and the
2023-25 fall, and interdiction scenarios act on it.  See ``docs/mechanistic.md``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from odforecast.errors import DataError, ParameterError, ScenarioError
from odforecast.mechanistic.parameters import FIXED, GROWTH_HALF_LIFE, SUPPLY_INNOVATION_DF, T0
from odforecast.mechanistic.targets import (
    CalibrationData,
    availability,
    calibration_data,
)
from odforecast.models.base import (
    FittedModel,
    ForecastRequest,
    Model,
    SampledPaths,
    check_horizon,
    resolve_seed,
    scenario_items,
)
from odforecast.models.params import check_choice, check_number

__all__ = ["LETHALITY", "MechanisticFit", "MechanisticOpioidModel", "period_totals"]

#: Projection assumptions for illicit lethality: ``"data"`` continues the fitted supply process
#: with its uncertainty; ``"rao_trend"`` is the Rao-anchor assumption (spec §6, §10.3).
LETHALITY: tuple[str, ...] = ("data", "rao_trend")

_FREQUENCIES = ("annual", "12m_ending")


class MechanisticOpioidModel(Model):
    """Compact compartmental model of US opioid overdose deaths with a latent supply process.

    Parameters
    ----------
    vintage
        Information date: only deaths published by then reach the fit (annual counts from June
        of the next year, final from December; a 12-month-ending window five months after it
        ends).  ``"2021-06-17"`` is the CDC WONDER access date of Rao et al. 2021;
        ``"latest"`` uses everything in the data.
    lethality
        Projection of illicit lethality ``Lambda``: ``"data"`` continues the fitted process
        (its growth damped with ``growth_half_life``, plus new innovations of the fitted
        scale: it may keep falling, level off or rebound, as the posterior says);
        ``"rao_trend"`` is the Rao-anchor assumption: lethality grows ``exp(rao_growth)`` a
        year from the end of the data until ``rao_end_year``, then stays (spec §10.3).
    rao_growth, rao_end_year
        Rao-trend growth (/yr, log scale; default 0.22 = +24.6 %/yr) and end year.
    growth_half_life
        Half-life in years of the growth of the latent processes (their damping): how long a
        trend in supply lethality persists.  The default was chosen by the vintage backtest.
    supply_innovation_df
        Degrees of freedom of the Student-t innovations that continue the supply process in
        projections (None: Gaussian, as in the fit).  Same scale as the fitted innovations,
        heavier tails: the jumps of 2020 and 2023 were far rarer under a Gaussian than they
        were in the data.  The default was chosen by the vintage backtest.
    calibration
        ``"auto"`` (NUTS; the Laplace approximation in quick mode,
        :func:`odforecast.set_options`), ``"nuts"`` or ``"laplace"`` (posterior mode plus a
        Gaussian: seconds instead of a minute or two, approximate).
    sampler_config
        Overrides of :data:`~odforecast.mechanistic.inference.DEFAULT_SAMPLER_CONFIG`
        (draws, tune, mass_window, chains, target_accept, max_tree_depth, laplace_draws,
        reruns).
    random_seed
        Seed of the calibration.

    Examples
    --------
    >>> import odforecast
    >>> from odforecast.mechanistic import MechanisticOpioidModel
    >>> model = MechanisticOpioidModel(vintage="latest", calibration="laplace")
    >>> model.lethality, model.calibration
    ('data', 'laplace')
    >>> data = odforecast.mechanistic.calibration_frame()  # doctest: +SKIP
    >>> fit = model.fit(data)  # doctest: +SKIP
    >>> fit.forecast(10, n_samples=1000, random_seed=1)  # doctest: +SKIP
    """

    name: ClassVar[str] = "mechanistic"

    def __init__(self, vintage: str = "2021-06-17", lethality: str = "data", *,
                 rao_growth: float = FIXED["g_L"], rao_end_year: float = FIXED["Y_L"],
                 growth_half_life: float | None = GROWTH_HALF_LIFE,
                 supply_innovation_df: float | None = SUPPLY_INNOVATION_DF,
                 calibration: str = "auto", sampler_config: dict[str, Any] | None = None,
                 random_seed: int = 0) -> None:
        self.vintage = vintage
        self.lethality = lethality
        self.rao_growth = rao_growth
        self.rao_end_year = rao_end_year
        self.growth_half_life = growth_half_life
        self.supply_innovation_df = supply_innovation_df
        self.calibration = calibration
        self.sampler_config = sampler_config
        self.random_seed = random_seed

    def check_params(self) -> None:
        """Check the settings (``fit`` calls it first); the vintage is checked against the
        data in ``fit``."""
        _check_lethality(self.lethality)
        check_number(self.rao_growth, "rao_growth")
        check_number(self.rao_end_year, "rao_end_year")
        hl = self.growth_half_life
        if hl is not None and (isinstance(hl, bool) or not isinstance(hl, int | float)
                               or not math.isfinite(hl) or hl <= 0):
            raise ParameterError(f"must be a positive number of years or None (undamped); "
                                 f"got {hl!r}", parameter="growth_half_life")
        df = check_number(self.supply_innovation_df, "supply_innovation_df", allow_none=True)
        if df is not None and df <= 1:
            raise ParameterError(f"must be a number of degrees of freedom above 1 or None "
                                 f"(Gaussian); got {df!r}", parameter="supply_innovation_df")
        check_choice(self.calibration, "calibration", ("auto", "nuts", "laplace"))
        from odforecast.mechanistic.inference import merge_sampler_config

        merge_sampler_config(self.sampler_config)
        resolve_seed(self.random_seed)

    def _check(self, data: pd.DataFrame) -> pd.Timestamp:
        self.check_params()
        if not isinstance(data, pd.DataFrame) or "period_end" not in data.columns:
            raise DataError("data must be a tidy DataFrame such as "
                            "odforecast.mechanistic.calibration_frame()", column="data")
        newest = pd.to_datetime(data["period_end"]).max()
        if self.vintage == "latest":
            return pd.Timestamp.today().normalize() if pd.notna(newest) else newest
        try:
            vintage = pd.Timestamp(self.vintage)
        except (TypeError, ValueError):
            raise ParameterError(f"must be 'latest' or a date such as '2021-06-17'; got "
                                 f"{self.vintage!r}", parameter="vintage") from None
        if vintage is pd.NaT:
            raise ParameterError(f"must be a date; got {self.vintage!r}", parameter="vintage")
        if pd.notna(newest) and vintage > pd.Timestamp.today() + pd.DateOffset(days=1):
            raise ParameterError(f"{vintage.date()} is in the future; use 'latest' for "
                                 "everything published", parameter="vintage")
        return vintage

    def fit(self, data: pd.DataFrame, *, exog: pd.DataFrame | None = None,
            executor: Any = None, progress: bool | None = None) -> MechanisticFit:
        """Calibrate to the US deaths by bucket published by the vintage.

        Parameters
        ----------
        data
            Tidy frame with US ``opioids``, ``heroin`` and ``synthetic_opioids``: annual
            counts (``us_annual``) and, for the monthly information, 12-month-ending windows
            (``us_monthly_12m``); :func:`calibration_frame` returns both.
        exog, executor
            Not used (the model takes no regressors); ``exog`` must be None.
        progress
            Print the calibration's stages to stderr; None follows
            :func:`odforecast.set_options`.

        Returns
        -------
        MechanisticFit

        Raises
        ------
        odforecast.DataError
            Bad settings (naming the parameter) or too little data at the vintage.
        odforecast.FitError
            If the calibration fails.
        """
        from odforecast._progress import Progress
        from odforecast._warnings import fit_advice, warn
        from odforecast.mechanistic.density import build_density
        from odforecast.mechanistic.inference import infer, merge_sampler_config
        from odforecast.mechanistic.latent import LatentBasis, quarterly_persistence
        from odforecast.mechanistic.simulator import month_times
        from odforecast.models.bayes.fit import may_rerun, rerun_config

        vintage = self._check(data)
        if exog is not None:
            raise DataError("the mechanistic model takes no regressors", column="exog")
        config = merge_sampler_config(self.sampler_config)
        if self.calibration != "auto":
            config["method"] = self.calibration
        cal = calibration_data(data, vintage)
        end = cal.end
        basis = LatentBasis.for_months(month_times(end.year, end.month),
                                       quarterly_persistence(self.growth_half_life))
        seed = resolve_seed(self.random_seed)
        with Progress("mechanistic calibration", progress=progress) as report:
            report.start(f"deaths to {end} (vintage {vintage.date()}): "
                         f"{len(cal.annual)} annual counts, {len(cal.windows)} 12-month "
                         f"windows; {config['method']}")
            started = time.perf_counter()
            density = build_density(cal, basis)
            posterior = infer(density, config, seed, report)
            fit = MechanisticFit(self, vintage, cal, posterior, basis,
                                 time.perf_counter() - started)
            earlier = []  # what each run before the last one missed
            while may_rerun(posterior.converged, config, self.sampler_config, len(earlier)):
                earlier.append(fit.convergence_text())
                config = rerun_config(config, "divergent" if posterior.diagnostics[
                    "divergences"] else "")
                report.note(f"not converged ({earlier[-1]}); sampling again with "
                            f"{config['draws']:,} draws after {config['tune']:,} step-size "
                            f"iterations, target_accept {config['target_accept']} ...")
                posterior = infer(density, config, seed, report)
                posterior.diagnostics["earlier_runs"] = "; then ".join(earlier)
                fit = MechanisticFit(self, vintage, cal, posterior, basis,
                                     time.perf_counter() - started)
            report.finish(fit.convergence_text())
        if config["method"] == "nuts" and not posterior.converged:
            warn(f"mechanistic calibration is not trustworthy: {fit.convergence_text()}. "
                 f"To fix it, {fit_advice(fit.convergence_text(), config)}")
        return fit


def calibration_frame() -> pd.DataFrame:
    """The bundled US annual counts and 12-month-ending windows the model calibrates to.

    Examples
    --------
    >>> from odforecast.mechanistic import calibration_frame
    >>> sorted(calibration_frame()["frequency"].unique())
    ['12m_ending', 'annual']
    """
    from odforecast.data.bundled import load_dataset

    frames = [load_dataset("us_annual"), load_dataset("us_monthly_12m")]
    frames = [f[(f["location"] == "US") & (f["estimate"] == "reported")] for f in frames]
    return pd.concat(frames, ignore_index=True)


class MechanisticFit(FittedModel):
    """A calibrated :class:`MechanisticOpioidModel`: posterior draws and projections.

    Attributes
    ----------
    model
        The model (settings).
    vintage
        The information date.
    cal
        What the calibration saw (``odforecast.mechanistic.targets.CalibrationData``).
    posterior
        Posterior draws (:class:`~odforecast.mechanistic.inference.Posterior`).
    basis
        The latent processes' knots and basis.
    forecast_start
        First year with a month not yet observed (the first projected annual total).

    Examples
    --------
    >>> import odforecast  # doctest: +SKIP
    >>> from odforecast.mechanistic import MechanisticOpioidModel, calibration_frame
    >>> fit = MechanisticOpioidModel("latest").fit(calibration_frame())  # doctest: +SKIP
    >>> fit.forecast(10, n_samples=1000, random_seed=1).to_frame()  # doctest: +SKIP
    """

    series: tuple = ()

    def __init__(self, model: MechanisticOpioidModel, vintage: pd.Timestamp,
                 cal: CalibrationData, posterior: Any, basis: Any, seconds: float) -> None:
        self.model = model
        self.vintage = vintage
        self.cal = cal
        self.posterior = posterior
        self.basis = basis
        self.seconds = seconds
        self.data = cal.rows

    @property
    def last_data_year(self) -> int:
        """Calendar year of the last month with data."""
        return self.cal.last_data_year

    @property
    def forecast_start(self) -> int:
        """First year not wholly observed."""
        end = self.cal.end
        return end.year + 1 if end.month == 12 else end.year

    @property
    def last_driver_year(self) -> int:
        """Last year of exogenous driver data known at the vintage."""
        years = [y for y in range(self.cal.end.year, int(T0) - 1, -1)
                 if availability(y, self.vintage) is not None]
        return years[0] if years else self.cal.end.year

    @property
    def targets(self) -> pd.DataFrame:
        """Annual buckets the calibration saw (index year; ``rx``, ``ill``, ``opioids``,
        ``status``)."""
        return self.cal.annual

    def convergence_text(self) -> str:
        """One line on the calibration: method, time, and for NUTS its convergence."""
        info = self.posterior.diagnostics
        text = f"{info.get('method', '')} in {self.seconds:.0f} s"
        if "r_hat_max" in info:
            verdict = "converged" if self.posterior.converged else "NOT converged"
            text += (f"; {verdict}: R-hat max {info['r_hat_max']:.3f}, ESS bulk/tail min "
                     f"{info['ess_bulk_min']:.0f}/{info['ess_tail_min']:.0f}, "
                     f"{info['divergences']} divergences")
        return text

    def __repr__(self) -> str:
        return (f"<Fitted mechanistic model (vintage {self.vintage.date()}): deaths to "
                f"{self.cal.end}; {self.convergence_text()}>")

    @property
    def diagnostics(self) -> pd.DataFrame:
        """One row: calibration method, timings, convergence, and posterior medians / sds of
        the structural parameters and latent scales (natural scale)."""
        row: dict[str, Any] = {"location": "US", "indicator": "opioids",
                               "model": self.model.name, "vintage": str(self.vintage.date()),
                               "data_end": str(self.cal.end),
                               **{k: v for k, v in self.posterior.diagnostics.items()
                                  if not isinstance(v, list | dict)}}
        for name, draws in self.posterior.derived.items():
            if np.ndim(draws) == 1:
                row[f"{name}_median"] = float(np.median(draws))
                row[f"{name}_sd"] = float(np.std(draws))
        return pd.DataFrame([row])

    def lethality(self, *, quantiles: Sequence[float] = (0.1, 0.5, 0.9)) -> pd.DataFrame:
        """Posterior quantiles of illicit lethality ``Lambda`` on the knots (1 = 2002).

        Examples
        --------
        >>> fit.lethality().loc["2023-07-01"]  # doctest: +SKIP
        """
        knots = np.exp(self.posterior.derived["knots_lethality"])
        index = pd.to_datetime([_decimal_to_date(t) for t in self.basis.knot_times])
        return pd.DataFrame(np.quantile(knots, quantiles, axis=0).T, index=index,
                            columns=[f"q{q:g}" for q in quantiles])

    def lethality_at(self, when: str | pd.Timestamp) -> np.ndarray:
        """Posterior draws of ``Lambda`` at a date inside the fit window (linear between
        knots)."""
        t = _date_to_decimal(pd.Timestamp(when))
        knots = self.basis.knot_times
        if not knots[0] <= t <= knots[-1]:
            raise DataError(f"{pd.Timestamp(when).date()} is outside the fitted period "
                            f"({_decimal_to_date(knots[0])} .. {self.cal.end})",
                            column="when")
        from odforecast.mechanistic.latent import interpolation

        weights = interpolation(knots, np.array([t]))[0]
        return np.exp(self.posterior.derived["knots_lethality"] @ weights)

    def predictive_check(self, *, n_samples: int = 2000, random_seed: int = 0,
                         level: float = 0.8) -> pd.DataFrame:
        """Published annual counts and 12-month windows beside the posterior predictive
        interval (:func:`~odforecast.mechanistic.checks.posterior_predictive_check`)."""
        from odforecast.mechanistic.checks import posterior_predictive_check

        return posterior_predictive_check(self, n_samples=n_samples, random_seed=random_seed,
                                          level=level)

    # -- forecasts ---------------------------------------------------------------------------

    def _draw_indices(self, n_samples: int, rng: np.random.Generator) -> np.ndarray:
        n = self.posterior.n_draws
        if n_samples <= n:
            return rng.choice(n, size=n_samples, replace=False)
        return rng.choice(n, size=n_samples, replace=True)

    def forecast(self, horizon: int, scenario: Any = None, *, n_samples: int = 1000,
                 random_seed: int | None = None, exog_future: Any = None,
                 buckets: bool = True, frequency: str = "annual",
                 lethality: str | None = None):
        """Projections of US opioid deaths: sample paths from the posterior.

        Parameters
        ----------
        horizon
            Periods to project: calendar years from :attr:`forecast_start` (annual), or
            12-month-ending windows from the first window not yet published
            (``frequency="12m_ending"``).
        scenario
            None, a scenario (:class:`~odforecast.scenarios.Interdiction` acts on illicit
            lethality as its ``variant`` says; :class:`~odforecast.scenarios.Naloxone` scales
            every fatal overdose hazard; :class:`~odforecast.scenarios.MOUD` divides treatment
            entry by its multiplier; :class:`~odforecast.scenarios.Combined`), or a list of
            them (adds a ``scenario`` dimension; paths are paired across scenarios).
        n_samples
            Sample paths (posterior draws, resampled when more than kept).
        random_seed
            Seed; the same seed gives the same paths.
        exog_future
            Not used; must be None.
        buckets
            Also return the buckets as indicators ``opioids_rx_only`` and
            ``opioids_illicit``.
        frequency
            ``"annual"`` (calendar years; a partly observed first year adds the observed
            months, reconstructed from the windows) or ``"12m_ending"`` (monthly windows, each
            the sum of its last 12 months, observed and projected).
        lethality
            Projection rule of illicit lethality for this forecast (:data:`LETHALITY`);
            None = the model's.  The calibration does not depend on it, so one fit serves
            both the data-driven projection and the Rao-anchor assumption.

        Returns
        -------
        odforecast.forecast.Forecast
            Location ``US``; indicator ``opioids`` (= prescription-only + illicit-involved).
        """
        return self._forecast(horizon, scenario, n_samples=n_samples, random_seed=random_seed,
                              exog_future=exog_future, buckets=buckets, frequency=frequency,
                              lethality=lethality)

    def _check_options(self, horizon: int, options: dict[str, Any]) -> dict[str, Any]:
        lethality = options.get("lethality")
        lethality = self.model.lethality if lethality is None else lethality
        _check_lethality(lethality)
        frequency = options.get("frequency", "annual")
        if frequency not in _FREQUENCIES:
            raise ParameterError(f"must be one of {', '.join(_FREQUENCIES)}; got {frequency!r}",
                                 parameter="frequency")
        if frequency == "12m_ending" and not len(self.cal.windows):
            raise ParameterError("12-month-ending forecasts need a fit to 12-month windows; "
                                 "this fit saw annual counts only", parameter="frequency")
        years_ahead = horizon if frequency == "annual" else horizon / 12.0
        if self.forecast_start + years_ahead > 2200:
            raise ParameterError(f"horizon {horizon} reaches beyond the year 2200",
                                 parameter="horizon")
        return {"lethality": lethality, "frequency": frequency,
                "buckets": bool(options.get("buckets", True))}

    def _last_month(self, horizon: int, frequency: str) -> pd.Period:
        if frequency == "annual":
            return pd.Period(f"{self.forecast_start + horizon - 1}-12", freq="M")
        return self.cal.end + horizon

    def forecast_end(self, horizon: int, **options: Any) -> pd.Timestamp:
        """The end of the last projected period (``frequency`` as in :meth:`forecast`)."""
        horizon = check_horizon(horizon)
        options = self._check_options(horizon, options)
        return self._last_month(horizon, options["frequency"]).to_timestamp(how="end").normalize()

    def check_scenarios(self, scenario: Any, *, horizon: int | None = None,
                        exog_future: Any = None, **options: Any) -> None:
        """Check scenarios before any sampling: as every model, and no onset inside the data
        (the fit already contains what happened then)."""
        super().check_scenarios(scenario, horizon=horizon, exog_future=exog_future, **options)
        from odforecast.scenarios.protocols import onset_of, walk

        data_end = self.cal.end.to_timestamp(how="end")
        for s in scenario_items(scenario)[0]:
            for part in ([] if s is None else walk(s)):
                onset = onset_of(part)
                if onset is not None and onset <= data_end:
                    raise ScenarioError(
                        f"scenario {part.name!r}: onset {onset.date()} falls inside the "
                        f"data the model was fitted to (through {self.cal.end}), which already "
                        "contain what happened then; choose an onset after the data, or None "
                        "for the forecast start")

    def _provenance(self) -> dict[str, Any]:
        return {"data_vintage": str(self.vintage.date()), "fit_data_end": str(self.cal.end),
                "estimate": "reported"}

    def _sample_paths(self, request: ForecastRequest) -> SampledPaths:
        import xarray as xr

        from odforecast.mechanistic.projection import project_months

        frequency, lethality = request.options["frequency"], request.options["lethality"]
        buckets = request.options["buckets"]
        end = self._last_month(request.horizon, frequency)
        path_seq, rest_seq = np.random.SeedSequence(request.seed).spawn(2)
        idx = self._draw_indices(request.n_samples, np.random.default_rng(path_seq))
        scenarios = list(request.scenarios)
        projected = project_months(self, idx, end, scenarios, rest_seq, lethality)
        months = projected["_months"]
        observed = self._observed_months(idx)
        all_months = pd.period_range(months[0] - observed["rx"].shape[1], months[-1],
                                     freq="M")
        blocks = []
        for name in request.names:
            per_bucket = {bucket: np.concatenate([observed[bucket], projected[name][bucket]],
                                                 axis=1) for bucket in ("rx", "ill")}
            if frequency == "annual":
                values, times = _annual(per_bucket, all_months, self.forecast_start, end.year)
            else:
                values, times = _windows(per_bucket, all_months, self.cal.end + 1, end)
            stack = [values["rx"] + values["ill"], values["ill"], values["rx"]] if buckets \
                else [values["rx"] + values["ill"]]
            blocks.append(np.stack(stack, axis=1)[:, None])
        indicators = ["opioids", "opioids_illicit", "opioids_rx_only"] if buckets \
            else ["opioids"]
        coords = {"location": ["US"], "indicator": indicators, "time": times}
        if request.compare:
            samples = xr.DataArray(np.stack(blocks), dims=("scenario", "sample", "location",
                                                           "indicator", "time"),
                                   coords={**coords, "scenario": list(request.names)})
        else:
            samples = xr.DataArray(blocks[0], dims=("sample", "location", "indicator", "time"),
                                   coords=coords)
        info = self.posterior.diagnostics
        warnings_list = [] if info.get("converged", True) or "r_hat_max" not in info else [
            f"mechanistic calibration not converged: {self.convergence_text()}"]
        metadata = {"calibration": info.get("method", ""), "warnings": warnings_list,
                    "lethality": lethality}
        observed_rows = self.data[(self.data["indicator"] == "opioids")
                                  & (self.data["frequency"] == frequency)]
        if frequency == "annual":
            observed_rows = observed_rows[pd.to_datetime(observed_rows["period_end"]).dt.year
                                          < self.forecast_start]
        return SampledPaths(samples, frequency, observed_rows, metadata)

    def _observed_months(self, idx: np.ndarray) -> dict[str, np.ndarray]:
        """Reconstructed monthly deaths of the observed months the forecast needs: those of
        a partly observed first year (annual) and the last 11 (12-month windows)."""
        need = 11 if len(self.cal.windows) else 0
        if self.cal.end.month != 12:
            need = max(need, self.cal.end.month)
        if need == 0 or "months_rx" not in self.posterior.derived:
            return {b: np.zeros((len(idx), 0)) for b in ("rx", "ill")}
        return {b: self.posterior.derived[f"months_{b}"][idx, -need:] for b in ("rx", "ill")}


def _annual(series: dict[str, np.ndarray], months: pd.PeriodIndex, first_year: int,
            last_year: int) -> tuple[dict[str, np.ndarray], pd.DatetimeIndex]:
    years = np.arange(first_year, last_year + 1)
    out = {}
    for bucket, values in series.items():
        cols = []
        for y in years:
            mask = months.year == y
            if mask.sum() != 12:
                raise DataError(f"year {y} is not complete in the projection", column="horizon")
            cols.append(values[:, mask].sum(axis=1))
        out[bucket] = np.stack(cols, axis=1)
    return out, pd.to_datetime([f"{y}-12-31" for y in years])


def _windows(series: dict[str, np.ndarray], months: pd.PeriodIndex, first_end: pd.Period,
             last_end: pd.Period) -> tuple[dict[str, np.ndarray], pd.DatetimeIndex]:
    ends = pd.period_range(first_end, last_end, freq="M")
    out = {}
    for bucket, values in series.items():
        csum = np.concatenate([np.zeros((values.shape[0], 1)), np.cumsum(values, axis=1)],
                              axis=1)
        pos = np.array([months.get_loc(e) for e in ends]) + 1
        out[bucket] = csum[:, pos] - csum[:, pos - 12]
    return out, ends.to_timestamp(how="end").normalize()


def _check_lethality(value: Any) -> None:
    if value not in LETHALITY:
        raise ParameterError(f"must be one of {', '.join(LETHALITY)}; got {value!r}",
                             parameter="lethality")


def _decimal_to_date(t: float) -> pd.Timestamp:
    year = math.floor(t + 1e-9)
    month = round((t - year) * 12) + 1
    return pd.Timestamp(year=year, month=min(month, 12), day=1)


def _date_to_decimal(stamp: pd.Timestamp) -> float:
    return stamp.year + (stamp.month - 1 + (stamp.day - 1) / stamp.days_in_month) / 12.0


def period_totals(forecast: Any, start: int, end: int, indicator: str = "opioids") -> Any:
    """Sum of each sample path over calendar years ``start``-``end`` (xarray).

    Parameters
    ----------
    forecast
        An annual :class:`~odforecast.Forecast` for location ``US`` (e.g. from
        :meth:`MechanisticFit.forecast`).
    start, end
        First and last calendar year of the window (inclusive).
    indicator
        Indicator to sum.

    Returns
    -------
    xarray.DataArray
        One total per sample path (and scenario); take quantiles of it, never sum quantiles.

    Examples
    --------
    >>> import numpy as np, pandas as pd, xarray as xr
    >>> from odforecast import Forecast
    >>> from odforecast.mechanistic import period_totals
    >>> paths = xr.DataArray(
    ...     np.full((3, 1, 1, 4), 80_000.0), dims=("sample", "location", "indicator", "time"),
    ...     coords={"location": ["US"], "indicator": ["opioids"],
    ...             "time": pd.to_datetime(["2025-12-31", "2026-12-31", "2027-12-31",
    ...                                     "2028-12-31"])})
    >>> period_totals(Forecast(paths, frequency="annual"), 2025, 2027).values
    array([240000., 240000., 240000.])
    """
    samples = forecast.samples.sel(indicator=indicator, location="US")
    years = pd.DatetimeIndex(samples["time"].values).year
    if start < years.min() or end > years.max():
        raise DataError(f"the forecast covers {years.min()}-{years.max()}, not {start}-{end}",
                        column="horizon")
    return samples.isel(time=np.flatnonzero((years >= start) & (years <= end))).sum("time")

