"""``MechanisticOpioidModel``: a compact compartmental model of US opioid overdose deaths.

Follows the design specification ``mechanistic-model.md`` (compact model, §3-§9): stocks of
prescription misuse ``M``, prescription OUD ``P``, illicit-opioid OUD ``H`` (heroin and illicit
fentanyl through a time-varying lethality multiplier), MOUD ``T`` and remission ``R``; monthly
steps; deaths in two mutually exclusive buckets (prescription-only and illicit-involved) whose
sum is compared with the ``opioids`` series.  See ``docs/mechanistic.md``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from odforecast._version import __version__
from odforecast.errors import DataError, ScenarioError
from odforecast.mechanistic.calibrate import (
    Posterior,
    Targets,
    numpy_laplace_fit,
    pymc_laplace_fit,
)
from odforecast.mechanistic.parameters import (
    DRIVER_DATA,
    FIXED,
    INITIAL_STOCKS,
    NSDUH_TARGETS,
    RX_SYNTHETIC_BASELINE,
    T0,
)
from odforecast.mechanistic.simulator import Simulation, build_drivers, simulate
from odforecast.models.base import FittedModel, Model, _jsonable, check_horizon, resolve_seed
from odforecast.scenarios import MOUD, Combined, Interdiction, Naloxone, StatusQuo

__all__ = [
    "LETHALITY",
    "MechanisticFit",
    "MechanisticOpioidModel",
    "availability",
    "bucket_targets",
    "period_totals",
]

#: Projection assumptions for illicit lethality.
LETHALITY: tuple[str, ...] = ("data", "rao_trend")

#: Indicators of the bundled data the calibration reads.
_NEEDED = ("opioids", "heroin", "synthetic_opioids")

#: Months after the end of year Y when its provisional / final annual count is available.
PROVISIONAL_LAG_MONTHS = 5   # VSRR 12-month-ending December counts: about June of Y+1
FINAL_LAG_MONTHS = 11        # NCHS final data: about December of Y+1


def availability(year: int, vintage: pd.Timestamp) -> str | None:
    """What was known about calendar ``year``'s annual deaths at ``vintage``.

    The vintage rule: year Y is ``"final"`` from the first day of December of Y+1 (NCHS final
    data), ``"provisional"`` from the first day of June of Y+1 (VSRR 12-month-ending December
    counts) and unknown (None) before.

    Examples
    --------
    >>> availability(2019, pd.Timestamp("2021-06-17")), availability(2020,
    ...     pd.Timestamp("2021-06-17")), availability(2021, pd.Timestamp("2021-06-17"))
    ('final', 'provisional', None)
    """
    end = pd.Timestamp(year=year, month=12, day=31)
    if vintage >= end + pd.DateOffset(months=FINAL_LAG_MONTHS, days=1):
        return "final"
    if vintage >= end + pd.DateOffset(months=PROVISIONAL_LAG_MONTHS, days=1):
        return "provisional"
    return None


def _overlap_share(year: int) -> float:
    """Share of min(heroin, illicit synthetic) deaths involving both (spec §9.2 buckets need it;
    the bundled series overlap).  ``min(0.7, 0.08 + 1.35 f(Y))``: a fit by eye of the SOURCE
    NVSS microdata shares 2013-2020 (0.09, 0.21, 0.30, 0.39, 0.54, 0.62, 0.64, 0.69) against
    fentanyl penetration f [D]."""
    f = float(np.interp(year, sorted(DRIVER_DATA["fentanyl_share"]),
                        [DRIVER_DATA["fentanyl_share"][y]
                         for y in sorted(DRIVER_DATA["fentanyl_share"])]))
    return min(0.7, 0.08 + 1.35 * f)


def bucket_targets(data: pd.DataFrame, vintage: pd.Timestamp) -> tuple[pd.DataFrame,
                                                                       pd.DataFrame]:
    """The spec §9.2 death buckets from the bundled indicators, cut at the vintage.

    ``illicit = heroin + S - overlap x min(heroin, S)`` with ``S = max(synthetic_opioids -
    3,000, 0)`` (pre-fentanyl T40.4 deaths are prescription synthetics, spec §9.1) and the
    overlap share of ``_overlap_share()``; ``rx = opioids - illicit``.  Only years available
    at the vintage (:func:`availability`) are kept, and only the ``reported`` estimate.

    Parameters
    ----------
    data
        Tidy frame such as ``odforecast.load_dataset("us_annual")``.
    vintage
        Data vintage.

    Returns
    -------
    tuple of DataFrame
        The buckets (index year; columns ``rx``, ``ill``, ``opioids``, ``status``) and the rows
        of ``data`` the fit may see.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> import odforecast
    >>> from odforecast.mechanistic import bucket_targets
    >>> buckets, rows = bucket_targets(odforecast.load_dataset("us_annual"),
    ...                                pd.Timestamp("2021-06-17"))
    >>> list(buckets.index[[0, -1]]), buckets.loc[2020, "status"]
    ([2002, 2020], 'provisional')
    >>> bool(np.allclose(buckets["rx"] + buckets["ill"], buckets["opioids"]))
    True
    """
    if not isinstance(data, pd.DataFrame):
        raise DataError("data must be a tidy DataFrame such as load_dataset('us_annual')",
                        column="data")
    missing = [c for c in ("location", "indicator", "frequency", "period_end", "value",
                           "estimate") if c not in data.columns]
    if missing:
        raise DataError(f"data lacks column {missing[0]!r}", column=missing[0])
    frame = data[(data["location"] == "US") & (data["frequency"] == "annual")
                 & (data["estimate"] == "reported") & data["indicator"].isin(_NEEDED)].copy()
    frame["year"] = pd.to_datetime(frame["period_end"]).dt.year
    frame["status"] = [availability(int(y), vintage) for y in frame["year"]]
    frame = frame[frame["status"].notna() & (frame["year"] >= int(T0))]
    wide = frame.pivot_table(index="year", columns="indicator", values="value", aggfunc="first")
    wide = wide.dropna(subset=[c for c in _NEEDED if c in wide.columns])
    if wide.empty or any(c not in wide.columns for c in _NEEDED):
        raise DataError(f"no US annual {', '.join(_NEEDED)} deaths from {int(T0)} onwards were "
                        f"available at vintage {vintage.date()}", column="vintage",
                        hint="choose a later vintage (final 2002 counts appeared in Dec 2003)")
    synth = np.maximum(wide["synthetic_opioids"] - RX_SYNTHETIC_BASELINE, 0.0)
    heroin = wide["heroin"]
    share = np.array([_overlap_share(int(y)) for y in wide.index])
    ill = heroin + synth - share * np.minimum(heroin, synth)
    out = pd.DataFrame({"rx": wide["opioids"] - ill, "ill": ill, "opioids": wide["opioids"]})
    status = frame.groupby("year")["status"].first()
    out["status"] = status.reindex(out.index)
    rows = data.loc[frame.index]
    return out, rows


class MechanisticOpioidModel(Model):
    """Compact compartmental model of US opioid overdose deaths (spec ``mechanistic-model.md``).

    Parameters
    ----------
    vintage
        Information date: only deaths and driver data available then reach the fit (see
        :func:`availability`).  ``"2021-06-17"`` is the CDC WONDER access date of Rao et al.
        2021 (final deaths through 2019 plus the provisional 2020 signal).
    lethality
        Projection of illicit lethality: ``"data"`` (fentanyl penetration levels off towards
        the SOURCE Base value 0.81 by 2032) or ``"rao_trend"`` (the Rao-anchor assumption:
        illicit lethality keeps rising ``exp(g_L)`` per year until ``Y_L``, spec §10.3).
    rao_growth, rao_end_year
        Rao-trend growth ``g_L`` (/yr, log scale; default 0.22 = +24.6 %/yr) and end year
        ``Y_L`` (default 2024.5).
    n_draws
        Posterior draws kept by the (Laplace) calibration.
    calibration
        ``"numpy"`` (default, ~5 s): Laplace approximation of the posterior with the log
        density evaluated by the vectorised NumPy simulator; ``"pymc"`` (1-3.5 min on two
        cores): the same model in PyMC (``pytensor.scan``), MAP with PyMC's gradient and a
        finite-difference Hessian.  Both give the same MAP (see ``docs/mechanistic.md``).
    random_seed
        Seed of the calibration.

    Examples
    --------
    >>> import odforecast
    >>> from odforecast.mechanistic import MechanisticOpioidModel
    >>> fit = MechanisticOpioidModel().fit(odforecast.load_dataset("us_annual"))  # doctest: +SKIP
    >>> fc = fit.forecast(10, n_samples=200, random_seed=1)  # 2020-2029  # doctest: +SKIP
    """

    name: ClassVar[str] = "mechanistic"

    def __init__(self, vintage: str = "2021-06-17", lethality: str = "data", *,
                 rao_growth: float = FIXED["g_L"],
                  rao_end_year: float = FIXED["Y_L"], n_draws: int = 1000,
                 calibration: str = "numpy", random_seed: int = 0) -> None:
        self.vintage = vintage
        self.lethality = lethality
        self.rao_growth = rao_growth
        self.rao_end_year = rao_end_year
        self.n_draws = n_draws
        self.calibration = calibration
        self.random_seed = random_seed

    def _check(self) -> pd.Timestamp:
        if self.lethality not in LETHALITY:
            raise DataError(f"lethality must be one of {', '.join(LETHALITY)}; got "
                            f"{self.lethality!r}", column="lethality")
        try:
            vintage = pd.Timestamp(self.vintage)
        except (TypeError, ValueError):
            raise DataError(f"vintage must be a date such as '2021-06-17'; got "
                            f"{self.vintage!r}", column="vintage") from None
        if vintage is pd.NaT:
            raise DataError(f"vintage must be a date; got {self.vintage!r}", column="vintage")
        for name in ("rao_growth", "rao_end_year"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) \
                    or not math.isfinite(value):
                raise DataError(f"{name} must be a finite number; got {value!r}", column=name)
        if isinstance(self.n_draws, bool) or not isinstance(self.n_draws, int) \
                or self.n_draws < 10:
            raise DataError(f"n_draws must be an integer >= 10; got {self.n_draws!r}",
                            column="n_draws")
        if self.calibration not in ("numpy", "pymc"):
            raise DataError(f"calibration must be 'numpy' or 'pymc'; got {self.calibration!r}",
                            column="calibration")
        resolve_seed(self.random_seed)
        return vintage

    def fit(self, data: pd.DataFrame, *, exog: pd.DataFrame | None = None,
            executor: Any = None) -> MechanisticFit:
        """Calibrate to US annual deaths by bucket available at the vintage.

        Parameters
        ----------
        data
            Tidy frame with US annual ``opioids``, ``heroin`` and ``synthetic_opioids``
            (``odforecast.load_dataset("us_annual")``).
        exog, executor
            Not used (the model takes no regressors); ``exog`` must be None.

        Returns
        -------
        MechanisticFit

        Raises
        ------
        odforecast.DataError
            Bad settings (naming the parameter) or no data at the vintage.
        odforecast.FitError
            If the calibration fails.
        """
        vintage = self._check()
        if exog is not None:
            raise DataError("the mechanistic model takes no regressors", column="exog")
        buckets, rows = bucket_targets(data, vintage)
        if len(buckets) < 5:
            raise DataError(f"only {len(buckets)} years of deaths were available at vintage "
                            f"{vintage.date()}; the calibration needs at least 5",
                            column="vintage")
        years = buckets.index.to_numpy(dtype=int)
        if np.any(np.diff(years) != 1):
            raise DataError("the available years of deaths are not consecutive",
                            column="data")
        last_data_year = int(years[-1])
        prevalence = {s: {y: v for y, v in values.items()
                          if availability(y, vintage) is not None and y <= last_data_year}
                      for s, values in NSDUH_TARGETS.items()}
        targets = Targets(
            years=years, rx=buckets["rx"].to_numpy(float), ill=buckets["ill"].to_numpy(float),
            sd_factor=np.where(buckets["status"] == "provisional",
                               FIXED["provisional_sd_factor"], 1.0),
            prevalence=prevalence)
        drivers = build_drivers(last_data_year, last_data_year, "data")
        fitter = numpy_laplace_fit if self.calibration == "numpy" else pymc_laplace_fit
        posterior = fitter(targets, drivers, n_draws=self.n_draws,
                           random_seed=resolve_seed(self.random_seed))
        final_years = buckets.index[buckets["status"] == "final"]
        if len(final_years) == 0:
            raise DataError(f"no final deaths were available at vintage {vintage.date()}",
                            column="vintage")
        return MechanisticFit(self, vintage, buckets, rows, posterior, last_data_year,
                              int(final_years[-1]) + 1)


def _part_rng(rng: np.random.Generator, name: str) -> np.random.Generator:
    import zlib

    entropy = [int(v) for v in rng.integers(0, 2**63, size=2)]
    return np.random.default_rng(np.random.SeedSequence(entropy,
                                                        spawn_key=(zlib.crc32(name.encode()),)))


class MechanisticFit(FittedModel):
    """A calibrated :class:`MechanisticOpioidModel`: posterior draws and projections.

    Attributes
    ----------
    model
        The model (settings).
    vintage
        The information date.
    targets
        Death buckets the calibration saw (index year; ``rx``, ``ill``, ``opioids``,
        ``status`` final / provisional).
    data
        Rows of the input frame available at the vintage.
    posterior
        Laplace posterior of the free parameters.
    last_data_year
        Last year of deaths (and driver data) used.
    forecast_start
        First projected year: the year after the last *final* year (a provisional year is
        used in the fit with a doubled sd and also projected, as Rao et al. projected 2020).

    Examples
    --------
    A small posterior (50 draws) keeps the calibration to a few seconds:

    >>> import odforecast
    >>> from odforecast.mechanistic import MechanisticOpioidModel, period_totals
    >>> fit = MechanisticOpioidModel(n_draws=50).fit(odforecast.load_dataset("us_annual"))
    >>> fit.last_data_year, fit.forecast_start
    (2020, 2020)
    >>> fc = fit.forecast(10, n_samples=100, random_seed=1)
    >>> fc.indicators
    ['opioids', 'opioids_illicit', 'opioids_rx_only']
    >>> period_totals(fc, 2020, 2029).sizes["sample"]
    100
    """

    series: tuple = ()

    def __init__(self, model: MechanisticOpioidModel, vintage: pd.Timestamp,
                 targets: pd.DataFrame, data: pd.DataFrame, posterior: Posterior,
                 last_data_year: int, forecast_start: int) -> None:
        self.model = model
        self.vintage = vintage
        self.targets = targets
        self.data = data
        self.posterior = posterior
        self.last_data_year = last_data_year
        self.forecast_start = forecast_start

    def __repr__(self) -> str:
        return (f"<Fitted {self.model!r}: deaths {self.targets.index[0]}-"
                f"{self.targets.index[-1]}, projects from {self.forecast_start}>")

    @property
    def diagnostics(self) -> pd.DataFrame:
        """One row: calibration method, timing, and posterior medians / sds of the free
        parameters (natural scale)."""
        row: dict[str, Any] = {"location": "US", "indicator": "opioids", "model": self.model.name,
                               "vintage": str(self.vintage.date()),
                               "years": f"{self.targets.index[0]}-{self.targets.index[-1]}",
                               **self.posterior.info}
        for name, draws in self.posterior.draws.items():
            row[f"{name}_median"] = float(np.median(draws))
            row[f"{name}_sd"] = float(np.std(draws))
        return pd.DataFrame([row])

    def parameters(self, idx: np.ndarray) -> dict[str, np.ndarray]:
        """Full parameter set (fixed and the posterior draws ``idx``)."""
        params: dict[str, Any] = {k: float(v) for k, v in FIXED.items()}
        params.update({k: v[idx] for k, v in self.posterior.draws.items()})
        return params

    def simulate(self, end_year: int, *, idx: np.ndarray, lethality: str | None = None,
                 factors: dict[str, np.ndarray] | None = None) -> Simulation:
        """Run posterior draws ``idx`` from 2002 to ``end_year``.

        Parameters
        ----------
        end_year
            Last simulated calendar year.
        idx
            Indices of posterior draws.
        lethality
            Overrides the model's lethality assumption.
        factors
            Scenario factors ``leth_x`` / ``nx_x`` / ``moud_x`` (multiplied into the drivers),
            each ``(n, n_months)`` or ``(n_months,)``.

        Returns
        -------
        Simulation
        """
        model = self.model
        drivers = build_drivers(self.last_data_year, end_year, lethality or model.lethality,
                                rao_growth=model.rao_growth,
                                rao_end_year=model.rao_end_year)
        for name, value in (factors or {}).items():
            drivers[name] = drivers[name] * value
        return simulate(self.parameters(idx), drivers, INITIAL_STOCKS)

    def _scenario_factors(self, scenario: Any, t: np.ndarray, n: int,
                          rng: np.random.Generator) -> dict[str, np.ndarray]:
        """Per-path monthly factors of a scenario (1 before the forecast start)."""
        months = pd.date_range(f"{self.forecast_start}-01-31", periods=int(np.sum(
            t >= self.forecast_start)), freq="ME")
        first = int(np.argmax(t >= self.forecast_start))
        factors = {k: np.ones((n, len(t))) for k in ("leth_x", "nx_x", "moud_x")}

        def apply(part: Any, part_rng: np.random.Generator) -> None:
            if part is None or isinstance(part, StatusQuo):
                return
            if isinstance(part, Combined):
                for sub in part.parts:
                    apply(sub, _part_rng(part_rng, sub.name))
                return
            if isinstance(part, Interdiction):
                key, indicator = "leth_x", "synthetic_opioids"
            elif isinstance(part, Naloxone):
                key, indicator = "nx_x", "opioids"
            elif isinstance(part, MOUD):
                key, indicator = "moud_x", "opioids"
            else:
                raise ScenarioError(f"scenario {getattr(part, 'name', part)!r} of type "
                                    f"{type(part).__name__} is not supported by the "
                                    "mechanistic model (use Interdiction, Naloxone, MOUD, "
                                    "Combined or StatusQuo)")
            mult = np.broadcast_to(np.asarray(part.multiplier(
                months, location="US", indicator=indicator, n_samples=n, rng=part_rng,
                frequency="monthly"), dtype=float), (n, len(months)))
            if key == "moud_x":  # effect = relative expansion of treatment entry (spec §7)
                mult = 1.0 / np.maximum(mult, 1e-6)
            factors[key][:, first:] *= mult

        apply(scenario, rng)
        return factors

    def forecast(self, horizon: int, scenario: Any = None, *, n_samples: int = 1000,
                 random_seed: int | None = None, exog_future: Any = None,
                 buckets: bool = True):
        """Annual projections of US opioid deaths from posterior draws.

        Parameters
        ----------
        horizon
            Years to project, starting at ``forecast_start`` (10 from vintage 2021-06
            gives 2020-2029).
        scenario
            None, a scenario (:class:`~odforecast.scenarios.Interdiction` lowers the illicit
            fatal hazard by its multiplier evaluated monthly for ``synthetic_opioids``;
            :class:`~odforecast.scenarios.Naloxone` scales every fatal overdose hazard, i.e.
            the share of overdoses not reversed; :class:`~odforecast.scenarios.MOUD` divides
            treatment entry by its multiplier; :class:`~odforecast.scenarios.Combined`), or a
            list of them (adds a ``scenario`` dimension; paths are paired across scenarios).
        n_samples
            Sample paths (posterior draws, resampled if more than kept).
        random_seed
            Seed; the same seed gives the same paths.
        exog_future
            Not used; must be None.
        buckets
            Also return the buckets as indicators ``opioids_rx_only`` and
            ``opioids_illicit``.

        Returns
        -------
        odforecast.forecast.Forecast
            Indicator ``opioids`` (= rx-only + illicit-involved overdose deaths) for
            location ``US``, annual.
        """
        import xarray as xr

        from odforecast.forecast import Forecast

        horizon = check_horizon(horizon)
        if isinstance(n_samples, bool) or not isinstance(n_samples, int | np.integer) \
                or n_samples < 1:
            raise DataError(f"n_samples must be a positive integer; got {n_samples!r}",
                            column="n_samples")
        if exog_future is not None:
            raise DataError("the mechanistic model takes no regressors", column="exog_future")
        seed = resolve_seed(random_seed)
        compare = isinstance(scenario, Sequence) and not isinstance(scenario, str)
        scenarios = list(scenario) if compare else [scenario]
        names = [getattr(s, "name", "status_quo") if s is not None else "status_quo"
                 for s in scenarios]
        if len(set(names)) != len(names):
            raise ScenarioError(f"scenario names must be unique; got {names}")
        end_year = self.forecast_start + horizon - 1
        end = pd.Timestamp(f"{end_year}-12-31")
        for s in scenarios:
            for part in (s.parts if isinstance(s, Combined) else [s]):
                if hasattr(part, "check_horizon"):
                    part.check_horizon(end)
        path_seq, noise_seq, scenario_seq = np.random.SeedSequence(seed).spawn(3)
        n_draws = len(next(iter(self.posterior.draws.values())))
        idx = np.random.default_rng(path_seq).choice(n_draws, size=n_samples,
                                                     replace=n_samples > n_draws)
        noise_rng = np.random.default_rng(noise_seq)
        sd = self.posterior.draws["sigma_d"][idx][:, None]
        z_rx = noise_rng.standard_normal((n_samples, horizon))
        z_ill = noise_rng.standard_normal((n_samples, horizon))
        years = np.arange(self.forecast_start, end_year + 1)
        t_axis = build_drivers(self.last_data_year, end_year, "data")["t"]
        blocks = []
        for s in scenarios:
            factors = self._scenario_factors(s, t_axis, n_samples,
                                             np.random.default_rng(scenario_seq))
            sim = self.simulate(end_year, idx=idx, factors=factors)
            rx = sim.annual("deaths_rx")[years].to_numpy() * np.exp(sd * z_rx - sd**2 / 2)
            ill = sim.annual("deaths_ill")[years].to_numpy() * np.exp(sd * z_ill - sd**2 / 2)
            stack = [rx + ill, ill, rx] if buckets else [rx + ill]
            blocks.append(np.stack(stack, axis=1)[:, None])  # sample, location, indicator, time
        indicators = ["opioids", "opioids_illicit", "opioids_rx_only"] if buckets \
            else ["opioids"]
        coords = {"location": ["US"], "indicator": indicators,
                  "time": pd.to_datetime([f"{y}-12-31" for y in years])}
        if compare:
            samples = xr.DataArray(np.stack(blocks), dims=("scenario", "sample", "location",
                                                           "indicator", "time"),
                                   coords={**coords, "scenario": names})
        else:
            samples = xr.DataArray(blocks[0], dims=("sample", "location", "indicator", "time"),
                                   coords=coords)
        metadata = {
            "odforecast_version": __version__,
            "model": self.model.name,
            "model_config": {k: _jsonable(v) for k, v in self.model.get_params().items()},
            "data_vintage": str(self.vintage.date()),
            "fit_years": f"{self.targets.index[0]}-{self.targets.index[-1]}",
            "random_seed": seed,
            "estimate": "reported",
            "calibration": self.posterior.info["method"],
            "warnings": [],
            "scenario": None if compare or scenario is None else names[0],
        }
        observed = self.data[self.data["indicator"] == "opioids"]
        return Forecast(samples, frequency="annual", observed=observed, metadata=metadata)


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
