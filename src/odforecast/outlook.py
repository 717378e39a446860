"""Today's projection: every model fitted to the newest bundled data, annual US opioid deaths
for the next ten years under the status quo and interdiction scenarios.

:func:`project` (``odforecast.project``, CLI ``odforecast project``) fits the mechanistic
model (NUTS on the annual counts and every 12-month window), ARIMA and the Bayesian trend model
(annual counts), projects each under the status quo, the supply presets estimated from the
mechanistic fit (a shock like 2023-24; a rebound to the mid-2023 lethality), the SOURCE and
Australian analogues and any scenario file, and returns one table: model x scenario -> deaths
per year and cumulative totals, with 80 % and 95 % intervals (quantiles of sums of paths).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from odforecast._progress import Progress, duration
from odforecast.errors import DataError, ScenarioError

__all__ = ["DEFAULT_MODELS", "DEFAULT_SCENARIOS", "ENSEMBLE", "Projection", "project"]

#: Models a projection fits by default.
DEFAULT_MODELS: tuple[str, ...] = ("mechanistic", "arima", "bayes")

#: Scenarios projected besides the status quo: the two presets estimated from the mechanistic
#: fit (odforecast.mechanistic.empirical_presets), then library presets.
DEFAULT_SCENARIOS: tuple[str, ...] = ("supply_shock_like_2023", "supply_rebound",
                                      "source_low_fentanyl", "source_high_fentanyl",
                                      "australia_heroin_shortage_2001")

_MODEL_LABELS = {"mechanistic": "mechanistic (supply process)", "arima": "ARIMA",
                 "bayes": "Bayesian trend"}

#: Label of the equal-weight mixture of the models' paths (a row of the table, not a model
#: one can ask for alone).
ENSEMBLE = "ensemble"


@dataclass
class Projection:
    """Result of :func:`project`.

    Attributes
    ----------
    table
        One row per model x scenario: the median and 80 % / 95 % intervals of the deaths in
        each projected year and of the cumulative totals (first five years, all years).
    forecasts
        ``{model: Forecast}`` with a ``scenario`` dimension (annual, location US, indicator
        ``opioids``).
    observed
        Observed annual US opioid deaths (year, value).
    scenarios
        The scenarios projected, by name, with their sources.
    notes
        Scenarios or models left out, with the reason.
    seconds
        Wall time per model.
    first_year, last_year
        The projected years.

    Examples
    --------
    >>> import odforecast
    >>> result = odforecast.project(models=["arima"], scenarios=["source_low_fentanyl"],
    ...                             n_samples=200, progress=False)
    >>> sorted(result.forecasts), len(result.table)
    (['arima'], 2)
    >>> result.write("today")  # doctest: +SKIP
    """

    table: pd.DataFrame
    forecasts: dict[str, Any]
    observed: pd.DataFrame
    scenarios: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    first_year: int = 0
    last_year: int = 0

    def format_table(self) -> str:
        """Cumulative totals per model and scenario, as text (what the CLI prints)."""
        from odforecast.data.display import format_table

        five = f"{self.first_year}-{min(self.first_year + 4, self.last_year)}"
        whole = f"{self.first_year}-{self.last_year}"
        rows = []
        for row in self.table.itertuples(index=False):
            rows.append({"model": row.model, "scenario": row.scenario,
                         f"first year ({self.first_year})": _cell(row, str(self.first_year)),
                         five: _cell(row, five), whole: _cell(row, whole)})
        frame = pd.DataFrame(rows)
        return format_table(frame, title=(f"US opioid overdose deaths, median (80 % interval);"
                                          f" projected {self.first_year}-{self.last_year}"),
                            notes=self.notes)

    def __repr__(self) -> str:
        return (f"<Projection {self.first_year}-{self.last_year}: {len(self.forecasts)} "
                f"models x {len(self.scenarios)} scenarios>\n{self.format_table()}")

    def hubverse(self) -> pd.DataFrame:
        """Every model's forecast in the hubverse format, with a ``model_id`` column."""
        frames = []
        for model, fc in self.forecasts.items():
            hub = fc.to_hubverse()
            hub.insert(0, "model_id", f"odforecast-{model}")
            frames.append(hub)
        return pd.concat(frames, ignore_index=True)

    def plot(self):
        """Figure: observed deaths, each model's status-quo fan (80 % and 95 %), and a panel
        of the projected decade totals by scenario (median, 80 % and 95 %)."""
        from odforecast.plotting.projection import plot_projection

        return plot_projection(self)

    def write(self, out: str | Path) -> list[Path]:
        """Write ``projection.csv`` (the table), ``annual.csv`` (long: model, scenario, year,
        quantiles), ``hubverse.csv`` and ``projection.png`` into ``out``, atomically: into a
        temporary folder beside it, renamed at the end, so an interrupted run never leaves
        output that looks complete."""
        from odforecast._output import atomic_folder

        out = Path(out)
        names = ["projection.csv", "annual.csv", "hubverse.csv", "projection.png"]
        with atomic_folder(out) as tmp:
            self.table.to_csv(tmp / names[0], index=False)
            self.annual().to_csv(tmp / names[1], index=False)
            self.hubverse().to_csv(tmp / names[2], index=False)
            self.plot().savefig(tmp / names[3], dpi=130)
        return [out / name for name in names]

    def annual(self) -> pd.DataFrame:
        """Annual quantiles per model and scenario (long format)."""
        frames = []
        for model, fc in self.forecasts.items():
            for scenario in fc.scenarios:
                frame = fc.sel(scenario=scenario).to_frame(intervals=(0.8, 0.95))
                frames.append(pd.DataFrame({
                    "model": model, "scenario": scenario,
                    "year": frame["period_end"].dt.year, "median": frame["median"],
                    "lower_80": frame["lower_80"], "upper_80": frame["upper_80"],
                    "lower_95": frame["lower_95"], "upper_95": frame["upper_95"]}))
        return pd.concat(frames, ignore_index=True)


def _cell(row: Any, key: str) -> str:
    k = key.replace("-", "_")
    median, lo, hi = (getattr(row, f"median_{k}"), getattr(row, f"lower80_{k}"),
                      getattr(row, f"upper80_{k}"))
    if pd.isna(median):
        return "—"
    return f"{median / 1000:,.0f}k ({lo / 1000:,.0f}k-{hi / 1000:,.0f}k)"


def check_output_folder(out: str | Path) -> Path:
    """Raise :class:`~odforecast.errors.ParameterError` (``parameter='--out'``) unless ``out``
    can be written: a folder (new or existing) whose parent exists and is writable.  Called
    before any fitting, so a bad path costs nothing.
    """
    from odforecast._output import check_output_folder as check

    return check(out, flag="--out")


def _resolve_scenarios(names: Sequence[Any], empirical: dict[str, Any],
                       data_end: pd.Timestamp) -> tuple[list[Any], list[str]]:
    """Scenario objects (status quo first) and notes on the ones left out."""
    from odforecast.scenarios import PRESETS, StatusQuo, fixed_onsets, load_scenarios, preset

    chosen: list[Any] = [StatusQuo()]
    notes: list[str] = []
    for item in names:
        if not isinstance(item, str):
            found = [item]
        elif item in empirical:
            found = [empirical[item]]
        elif item in PRESETS:
            found = [preset(item)]
        elif Path(item).suffix.lower() in (".json", ".yaml", ".yml"):
            found = load_scenarios(item)
        else:
            raise ScenarioError(f"unknown scenario {item!r}: give a preset name "
                                f"({', '.join(sorted({*PRESETS, *empirical}))}) or a "
                                "scenario file (.json, .yaml)")
        for scenario in found:
            if scenario.name == "status_quo":
                continue
            inside = [o for o in fixed_onsets(scenario) if o <= data_end]
            if inside:
                raise ScenarioError(
                    f"scenario {scenario.name!r}: its onset ({inside[0].date()}) "
                    f"falls inside the data (through {data_end.date()}), which already contain"
                    " what happened then; choose a later onset or None (the forecast start)")
            if scenario.name in [s.name for s in chosen]:
                raise ScenarioError(f"scenario {scenario.name!r} is given twice")
            chosen.append(scenario)
    return chosen, notes


def project(*, models: Sequence[str] = DEFAULT_MODELS,
            scenarios: Sequence[Any] = DEFAULT_SCENARIOS, years: int = 10,
            n_samples: int = 2000, random_seed: int = 0, progress: bool | None = None,
            out: str | Path | None = None, mechanistic_config: dict[str, Any] | None = None,
            shock_half_life_months: Any = None, ensemble: bool = True) -> Projection:
    """Project annual US opioid deaths for the next ``years`` years from the newest bundled
    data, under the status quo and scenarios, with every model.

    Parameters
    ----------
    models
        Any of ``"mechanistic"``, ``"arima"``, ``"bayes"``.
    scenarios
        Names of presets (:data:`odforecast.scenarios.PRESETS`, plus
        ``supply_shock_like_2023`` and ``supply_rebound`` estimated from the mechanistic fit),
        paths of scenario files (.json / .yaml) or scenario objects.  A scenario with a fixed
        onset inside the data is an error (the data already contain it).  Statistical models
        apply interdictions to the illicit share of opioid deaths (:class:`Diluted
        <odforecast.scenarios.Diluted>`) so every model projects the same effect size; they
        skip the ``excess`` and ``penetration`` variants (noted in the result).
    years
        Years to project, from the first year not wholly observed.
    n_samples, random_seed
        Sample paths per model and scenario, and the seed (the run reproduces from it).
    progress
        Progress lines on stderr; None follows :func:`odforecast.set_options`.
    out
        If given, a folder checked before any fitting and written at the end
        (:meth:`Projection.write`).
    mechanistic_config
        Overrides of the mechanistic model's sampler settings (``sampler_config``).
    shock_half_life_months
        Persistence of ``supply_shock_like_2023`` (None: persistent; a number or a
        distribution).
    ensemble
        With two or more models, add the ``ensemble`` rows: an equal-weight mixture of the
        models' sample paths (:func:`~odforecast.models.ensemble.mix_forecasts`), for the
        scenarios every model projects.  In the vintage backtest
        (``benchmarks/projection_vintages``) its 80 % intervals covered 0.76 of the next five
        annual totals against 0.57-0.81 for the single models, at a WIS within 2 % of the
        best of them.

    Returns
    -------
    Projection

    Examples
    --------
    >>> import odforecast
    >>> result = odforecast.project(models=["arima"], scenarios=["source_low_fentanyl"],
    ...                             n_samples=200, progress=False)
    >>> list(result.table["scenario"])
    ['status_quo', 'source_low_fentanyl']
    >>> result.first_year, result.last_year
    (2025, 2034)
    """
    from odforecast.mechanistic import calibration_frame
    from odforecast.models.base import check_horizon

    years = check_horizon(years)
    unknown = [m for m in models if m not in _MODEL_LABELS]
    if unknown or not models:
        raise DataError(f"unknown model {unknown[0] if unknown else None!r}; choose from "
                        f"{', '.join(_MODEL_LABELS)}", column="models")
    if out is not None:
        check_output_folder(out)
    data = calibration_frame()
    annual = data[(data["frequency"] == "annual") & (data["indicator"] == "opioids")]
    annual = annual.sort_values("period_end")
    observed = pd.DataFrame({"year": annual["period_end"].dt.year.to_numpy(),
                             "value": annual["value"].to_numpy()})
    windows = data[data["frequency"] == "12m_ending"]
    data_end = pd.to_datetime(windows["period_end"]).max() if len(windows) else \
        pd.to_datetime(annual["period_end"]).max()
    first_year = int(observed["year"].max()) + 1
    last_year = first_year + years - 1
    forecasts: dict[str, Any] = {}
    seconds: dict[str, float] = {}
    notes: list[str] = []
    with Progress("project", total=len(models), progress=progress, min_interval=0.0) as report:
        report.start(f"US opioid deaths {first_year}-{last_year} with {', '.join(models)}; "
                     f"data to {data_end.date()}")
        empirical: dict[str, Any] = {}
        order = sorted(models, key=lambda m: m != "mechanistic")  # its presets come first
        fits: dict[str, Any] = {}
        for name in order:
            started = time.perf_counter()
            report.note(f"fitting {name} ...")
            if name == "mechanistic":
                from odforecast.mechanistic import MechanisticOpioidModel, empirical_presets

                fit = MechanisticOpioidModel("latest", sampler_config=mechanistic_config,
                                             random_seed=random_seed).fit(data)
                fits[name] = fit
                empirical = {s.name: s for s in empirical_presets(
                    fit, half_life_months=shock_half_life_months)}
            else:
                from odforecast.models.registry import get_model

                model = get_model(name)
                if "random_seed" in model.get_params():  # the Bayesian fit's own seed
                    model.random_seed = random_seed
                fits[name] = model.fit(annual)
            seconds[name] = time.perf_counter() - started
            report.step(f"{name} fitted in {duration(seconds[name])}")
        wanted = [s for s in scenarios
                  if not (isinstance(s, str) and s in ("supply_shock_like_2023",
                                                       "supply_rebound") and not empirical)]
        for s in scenarios:
            if s not in wanted:
                notes.append(f"{s}: estimated from the mechanistic fit, which was not run")
        chosen, more_notes = _resolve_scenarios(wanted, empirical, data_end)
        notes += more_notes
        share = _illicit_share(fits.get("mechanistic"), data)
        for name in order:
            fit = fits[name]
            if name == "mechanistic":
                fc = fit.forecast(years, chosen, n_samples=n_samples, random_seed=random_seed,
                                  buckets=False)
            else:
                usable = []
                for s in chosen:
                    if getattr(s, "variant", "total") != "total":
                        notes.append(f"{s.name}: variant {s.variant!r} acts on supply "
                                     f"lethality; not applied to {name}")
                        continue
                    usable.append(_dilute(s, share))
                fc = fit.forecast(years, usable, n_samples=n_samples, random_seed=random_seed)
            forecasts[name] = fc
        if ensemble and len(forecasts) > 1:
            forecasts[ENSEMBLE], more_notes = _ensemble(forecasts, random_seed)
            notes += more_notes
        table = _table(forecasts, first_year, last_year)
        report.finish(f"{len(forecasts)} models x {len(chosen)} scenarios")
    result = Projection(table, forecasts, observed, {s.name: s for s in chosen}, notes,
                        seconds, first_year, last_year)
    if out is not None:
        result.write(out)
    return result


def _ensemble(forecasts: dict[str, Any], random_seed: int) -> tuple[Any, list[str]]:
    """Equal-weight mixture of the models' paths; notes the scenarios some model lacks."""
    from odforecast.models.ensemble import mix_forecasts

    members = list(forecasts)
    mixed = mix_forecasts(list(forecasts.values()), random_seed=random_seed, metadata={
        "ensemble": {"members": members, "weights": [1 / len(members)] * len(members),
                     "weights_method": "equal"}})
    notes = [f"{s}: not in the ensemble (not projected by every model)"
             for s in forecasts[members[0]].scenarios if s not in mixed.scenarios]
    return mixed, notes


def _illicit_share(fit: Any, data: pd.DataFrame) -> float:
    """Illicit-involved share of opioid deaths in the last whole data year (spec §9.2
    buckets)."""
    from odforecast.mechanistic import bucket_targets

    buckets, _ = bucket_targets(data, pd.Timestamp.today())
    last = buckets.iloc[-1]
    return float(last["ill"] / last["opioids"])


def _dilute(scenario: Any, share: float) -> Any:
    from odforecast.scenarios import Combined, Diluted, Interdiction, StatusQuo

    if isinstance(scenario, StatusQuo):
        return scenario
    if isinstance(scenario, Interdiction):
        return Diluted(scenario, share)
    if isinstance(scenario, Combined):
        return Combined(scenario.name, [_dilute(p, share) for p in scenario.parts],
                        scenario.source)
    return scenario


def _table(forecasts: dict[str, Any], first_year: int, last_year: int) -> pd.DataFrame:
    """One row per model x scenario: median, 80 % and 95 % intervals of each year's deaths and
    of the five- and ten-year totals (:meth:`Forecast.cumulative
    <odforecast.forecast.Forecast.cumulative>`: quantiles of sums of paths)."""
    spans = [(str(y), y, y) for y in range(first_year, last_year + 1)]
    five_end = min(first_year + 4, last_year)
    spans += [(f"{first_year}-{five_end}", first_year, five_end),
              (f"{first_year}-{last_year}", first_year, last_year)]
    names = {"median": "median", "lower80": "lower_80", "upper80": "upper_80",
             "lower95": "lower_95", "upper95": "upper_95"}
    frames = []
    for model, fc in forecasts.items():
        us = fc.sel(location="US", indicator="opioids")
        columns: dict[str, Any] = {}
        for label, lo, hi in spans:
            totals = us.cumulative(str(lo), str(hi), intervals=(0.8, 0.95))
            key = label.replace("-", "_")
            for ours, theirs in names.items():
                columns[f"{ours}_{key}"] = totals[theirs].to_numpy()
        frame = pd.DataFrame(columns)
        frame.insert(0, "scenario", totals["scenario"].to_numpy())
        frame.insert(0, "model", model)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)
