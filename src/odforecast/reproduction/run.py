"""Reproduce a published projection: refit models to the data available at its vintage, project
under the status quo and interdiction presets, and compare with the publication and with what
actually happened."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from odforecast._progress import Progress, duration
from odforecast.errors import DataError
from odforecast.reproduction.registry import Projection, get_projection
from odforecast.scenarios import fixed_onsets

__all__ = ["DEFAULT_SCENARIOS", "Reproduction", "reproduce"]

#: Scenarios projected besides the status quo (see odforecast.scenarios.PRESETS).  A scenario
#: whose fixed onset falls inside the data a reproduction is fitted to (``us_supply_shock_2023``
#: from data through 2023 or later) is not applied: the data already contain it.
DEFAULT_SCENARIOS = ("source_low_fentanyl", "source_high_fentanyl", "us_supply_shock_2023",
                     "australia_heroin_shortage_2001")

#: Model labels in the figure's legend.
_MODEL_LABELS = {"arima": "ARIMA", "bayes": "Bayesian trend"}


@dataclass
class Reproduction:
    """Result of :func:`reproduce`.

    Attributes
    ----------
    projection
        The registry entry reproduced.
    vintage, last_data_year
        Data vintage used and the last year of data the models saw.
    table
        One row per model x scenario: cumulative deaths (median and 95 % interval) for each
        published period, plus rows for the published values and for observed deaths.  The
        ``note`` column says from when each scenario was applied; a requested scenario that was
        not applied (its effect is already in the data) has one row, model ``"not applied"``,
        with no numbers and the reason in ``note``.
    annual
        Annual medians and 95 % intervals per model x scenario.
    observed
        The observed annual series (all years, for the figure).
    seconds
        Wall time per model.
    not_applied
        Requested scenarios left out, with the reason (see :func:`reproduce`).
    quick
        Whether the run was made in quick mode (fewer MCMC draws for the Bayesian model).

    Examples
    --------
    ARIMA alone, status quo only (the full reproduction adds the mechanistic and Bayesian
    models and four interdiction scenarios):

    >>> from odforecast.reproduction import reproduce
    >>> result = reproduce("stanford_lancet_2021", models=["arima"], scenarios=[],
    ...                    n_samples=200, progress=False)
    >>> list(result.table["model"])
    ['published', 'observed', 'arima']
    >>> int(result.table.loc[0, "median_2020_2029"])  # the published 1.22 million
    1220000
    """

    projection: Projection
    vintage: str
    last_data_year: int
    table: pd.DataFrame
    annual: pd.DataFrame
    observed: pd.DataFrame
    seconds: dict[str, float] = field(default_factory=dict)
    not_applied: dict[str, str] = field(default_factory=dict)
    quick: bool = False

    def format_table(self) -> str:
        """The comparison table as text (what the CLI prints), with a line for each requested
        scenario that was not applied."""
        text = self._format(self.table)
        for name, reason in self.not_applied.items():
            text += f"\nnot applied: {name}: {reason}"
        return text

    def __repr__(self) -> str:
        """Status-quo projections beside the published and observed totals."""
        keep = self.table["model"].isin(["published", "observed"]) | (
            self.table["scenario"] == "status_quo")
        n_scenarios = self.table.loc[~self.table["model"].isin(
            ["published", "observed", "not applied"]), "scenario"].nunique()
        skipped = (f"; not applied (already in the data): {', '.join(self.not_applied)}"
                   if self.not_applied else "")
        quick = "; quick mode" if self.quick else ""
        head = (f"<Reproduction {self.projection.key}: models fitted to data through "
                f"{self.last_data_year} (vintage {self.vintage}); {n_scenarios} scenarios, "
                f"status quo shown (.table has all){skipped}{quick}")
        body = "\n".join("  " + line.rstrip() for line in self._format(self.table[keep])
                         .splitlines())
        return f"{head}\n{body}>"

    def _format(self, table: pd.DataFrame) -> str:
        periods = [f"{t.start}-{t.end}" for t in self.projection.totals]
        header = ["model", "scenario", *periods]
        rows = []
        for row in table.itertuples(index=False):
            cells = [row.model, row.scenario]
            for p in periods:
                median, low, high = (getattr(row, f"median_{p.replace('-', '_')}"),
                                     getattr(row, f"low_{p.replace('-', '_')}"),
                                     getattr(row, f"high_{p.replace('-', '_')}"))
                if pd.isna(median):
                    cells.append("—")
                elif pd.isna(low):
                    cells.append(f"{median / 1000:,.0f}k")
                else:
                    cells.append(f"{median / 1000:,.0f}k ({low / 1000:,.0f}k-{high / 1000:,.0f}k)")
            rows.append(cells)
        widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
        lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)),
                 "  ".join("-" * w for w in widths)]
        lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
                  for r in rows]
        return "\n".join(line.rstrip() for line in lines)

    def plot(self):
        """Figure: observed deaths, status-quo projections with 95 % bands, and the published
        totals shown as implied annual averages with their ranges.

        The y axis is scaled to what is drawn inside the x range; a 95 % band reaching far
        above every line (a trend model compounding years of growth uncertainty) is cut off
        there, and the figure says so.
        """
        from matplotlib.figure import Figure
        from matplotlib.ticker import FuncFormatter, MaxNLocator

        projection = self.projection
        first_year, last_year = 2005, max(t.end for t in projection.totals)
        fig = Figure(figsize=(10, 5.5), layout="constrained")
        ax = fig.add_subplot()
        obs = self.observed
        obs = obs[(obs["year"] >= first_year) & (obs["year"] <= last_year)]
        ax.plot(obs["year"], obs["value"], "o-", color="black", ms=3, lw=1.2,
                label="observed (NCHS final to 2019, VSRR after)")
        colours = {"arima": "tab:blue", "bayes": "tab:green",
                   "mechanistic (anchor assumptions)": "tab:red",
                   "mechanistic (data-driven)": "tab:orange"}
        sq = self.annual[(self.annual["scenario"] == "status_quo")
                         & (self.annual["year"] <= last_year)]
        for model, rows in sq.groupby("model", sort=False):
            colour = colours.get(model)
            ax.fill_between(rows["year"], rows["lower_95"], rows["upper_95"], alpha=0.15,
                            color=colour)
            ax.plot(rows["year"], rows["median"], lw=2, color=colour,
                    label=f"{_MODEL_LABELS.get(model, model)}: status quo (median, 95 %)")
        previous_end = None
        published_top = 0.0  # highest implied annual value drawn for the publication
        for total in projection.totals:
            start = total.start if previous_end is None else previous_end + 1
            years = total.end - start + 1
            already = 0.0
            if previous_end is not None:
                prior = projection.totals[0]
                already = prior.value
            mean = (total.value - already) / years
            label = "published (implied annual average and range)" if previous_end is None \
                else None
            ax.hlines(mean, start - 0.5, total.end + 0.5, color="purple", lw=2.5, label=label)
            published_top = max(published_top, mean)
            if total.low is not None:
                low = (total.low - (projection.totals[0].low if previous_end else 0)) / years
                high = (total.high - (projection.totals[0].high if previous_end else 0)) \
                    / years
                ax.fill_between([start - 0.5, total.end + 0.5], low, high, color="purple",
                                alpha=0.08)
                published_top = max(published_top, high)
            previous_end = total.end
        # Scale to the lines and bands drawn, but let heavy upper tails (a trend model
        # compounding 10 years of growth uncertainty) not flatten everything else.
        lines_top = max(obs["value"].max() if len(obs) else 0.0,
                        sq["median"].max() if len(sq) else 0.0, published_top)
        bands_top = sq["upper_95"].max() if len(sq) else 0.0
        top = min(1.05 * max(lines_top, bands_top), 1.35 * lines_top)
        if bands_top > top:
            ax.text(0.99, 0.01, "95 % bands above the axis are cut off",
                    transform=ax.transAxes, ha="right", va="bottom", fontsize=8,
                    color="grey")
        ax.set_ylim(0, top)
        ax.set_xlim(first_year, last_year + 1)
        ax.axvline(self.last_data_year + 0.5, color="grey", ls=":", lw=1)
        ax.text(self.last_data_year + 0.6, top * 0.97, f"data to {self.last_data_year}",
                color="grey", va="top", fontsize=8)
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:,.0f}"))
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # years, never 2007.5
        what = "opioid" if projection.indicator == "opioids" else projection.indicator
        ax.set_ylabel(f"{what} overdose deaths per year ({projection.region})")
        ax.set_xlabel("year")
        quick = " · quick mode (few MCMC draws)" if self.quick else ""
        ax.set_title(f"{projection.name or projection.key}\nreproduced with data through "
                     f"{self.last_data_year} (vintage {self.vintage}){quick}", fontsize=11)
        ax.grid(alpha=0.3)
        ax.legend(loc="upper left", fontsize=8, frameon=False)
        return fig

    def write(self, out: str | Path) -> list[Path]:
        """Write ``comparison.csv``, ``annual.csv`` and ``reproduction.png`` into ``out``,
        atomically: into a temporary folder beside it, renamed at the end, so an interrupted
        run never leaves output that looks complete.  ``out`` must not be a file, and its parent
        folder must exist (:class:`~odforecast.errors.ParameterError` otherwise)."""
        from odforecast._output import atomic_folder

        out = Path(out)
        names = ["comparison.csv", "annual.csv", "reproduction.png"]
        with atomic_folder(out) as tmp:
            self.table.to_csv(tmp / names[0], index=False)
            self.annual.to_csv(tmp / names[1], index=False)
            self.plot().savefig(tmp / names[2], dpi=130)
        return [out / name for name in names]


def _vintage_year(projection: Projection, vintage: str, observed: pd.DataFrame) -> tuple[str, int]:
    available = sorted(observed["year"])
    if vintage == "anchor":
        return projection.vintage, projection.last_data_year
    if vintage == "latest":
        return "latest bundled", int(available[-1])
    try:
        stamp = pd.Timestamp(vintage)
    except (TypeError, ValueError):
        raise DataError(f"vintage must be 'anchor', 'latest' or a date; got {vintage!r}",
                        column="vintage") from None
    year = stamp.year - 1  # a calendar year's annual count is published during the next year
    if year < available[0] + 5:
        raise DataError(f"no usable data at vintage {vintage}: annual counts start in "
                        f"{available[0]} and a projection needs at least five years",
                        column="vintage")
    return stamp.date().isoformat(), min(year, int(available[-1]))


def _observed_series(indicator: str) -> pd.DataFrame:
    from odforecast.data.bundled import load_dataset

    us = load_dataset("us_annual")
    rows = us[(us["indicator"] == indicator) & (us["estimate"] == "reported")
              & (us["location"] == "US")].sort_values("period_start")
    return rows


def reproduce(name: str = "stanford_lancet_2021", *, vintage: str = "anchor",
              models: Sequence[str] = ("mechanistic", "arima", "bayes"),
              scenarios: Sequence[str] = DEFAULT_SCENARIOS, n_samples: int = 2000,
              random_seed: int = 0, progress: bool | None = None,
              sampler_config: dict[str, Any] | None = None) -> Reproduction:
    """Reproduce a published projection and set it beside what happened.

    Parameters
    ----------
    name
        Registry key (see :data:`odforecast.reproduction.PROJECTIONS`), e.g.
        ``"stanford_lancet_2021"``.
    vintage
        ``"anchor"`` (the data the authors had), ``"latest"`` (all bundled data) or a date.
    models
        Any of ``"mechanistic"``, ``"arima"``, ``"bayes"``.
    scenarios
        Preset names projected besides the status quo.  A preset with a fixed onset on or
        before the end of the data the models are fitted to (``us_supply_shock_2023``, onset
        2023-07, from data through 2023 or 2024) describes an event the data already contain:
        it is not applied, since that would count it twice, and the table says so (a
        ``"not applied"`` row and ``Reproduction.not_applied``).  Presets without a fixed
        onset start at the forecast start of each vintage.
    n_samples, random_seed
        Sample paths per projection and the seed (the run reproduces from it).
    progress
        Print progress (each model's start and time taken) to stderr; None follows
        :func:`odforecast.set_options` (``progress``).
    sampler_config
        Overrides for the Bayesian model's sampler.  By default a full run takes 2,000 draws
        per chain; in quick mode (:func:`odforecast.set_options`, ``quick=True``) the quick
        sampler settings apply instead.  Values given here win in both modes.

    Returns
    -------
    Reproduction

    Examples
    --------
    >>> from odforecast.reproduction import reproduce
    >>> result = reproduce("stanford_lancet_2021", models=["arima"])  # doctest: +SKIP
    >>> print(result.format_table())  # doctest: +SKIP
    """
    from odforecast.options import get_options

    projection = get_projection(name)
    rows = _observed_series(projection.indicator)
    observed = pd.DataFrame({"year": rows["period_start"].dt.year.to_numpy(),
                             "value": rows["value"].to_numpy()})
    vintage_label, last_year = _vintage_year(projection, vintage, observed)
    train = rows[rows["period_start"].dt.year <= last_year]
    horizon = max(t.end for t in projection.totals) - last_year
    if horizon <= 0:
        raise DataError(f"the data at vintage {vintage_label} already cover the published period",
                        column="vintage")
    scenario_objects, not_applied = _choose_scenarios(scenarios, last_year)
    # min_interval 0: one line per model however quick (there are only a few)
    with Progress(f"reproduce {projection.key}", total=len(models), progress=progress,
                  min_interval=0.0) as report:
        report.start(f"data through {last_year} ({len(train)} years), projecting "
                     f"{last_year + 1}-{last_year + horizon} under {len(scenario_objects)} "
                     f"scenarios with {', '.join(models)}")
        for scenario_name in not_applied:
            report.note(f"{scenario_name} not applied: the data through {last_year} already "
                        "contain it")
        context = {"all_indicators": _all_indicators(),
                   "vintage": _vintage_date(projection, vintage),
                   "end_year": max(t.end for t in projection.totals), "report": report}
        forecasts, seconds = {}, {}
        for model_name in models:
            started = time.perf_counter()
            report.note(f"fitting {model_name} ...")
            for label, fc in _project(model_name, train, horizon, scenario_objects, n_samples,
                                      random_seed, sampler_config, context):
                forecasts[label] = fc
            seconds[model_name] = time.perf_counter() - started
            report.step(f"{model_name} done in {duration(seconds[model_name])}")

        table, annual = _summarise(projection, forecasts, observed, last_year,
                                   _scenario_notes(scenario_objects, last_year), not_applied)
    return Reproduction(projection, vintage_label, last_year, table, annual, observed, seconds,
                        not_applied, quick=get_options()["quick"])


def _choose_scenarios(names: Sequence[str], last_year: int) -> tuple[list[Any], dict[str, str]]:
    """The scenarios to project from data through ``last_year`` (status quo first), and the
    requested ones left out, with the reason.

    A scenario with a fixed onset on or before the end of the data describes an event the
    data already contain (docs/scenarios.md: ``us_supply_shock_2023`` applied to a forecast
    from current data counts the shock twice), so it is not applied.  An onset inside the last
    data year counts too: that year's total already holds the start of the effect and the
    models fitted to it carry it on.

    Examples
    --------
    >>> chosen, skipped = _choose_scenarios(["us_supply_shock_2023"], 2024)
    >>> [s.name for s in chosen], list(skipped)
    (['status_quo'], ['us_supply_shock_2023'])
    >>> [s.name for s in _choose_scenarios(["us_supply_shock_2023"], 2020)[0]]
    ['status_quo', 'us_supply_shock_2023']
    """
    from odforecast.scenarios import StatusQuo, preset

    data_end = pd.Timestamp(f"{last_year}-12-31")
    chosen: list[Any] = [StatusQuo()]
    skipped: dict[str, str] = {}
    for name in names:
        scenario = preset(name)
        inside = [o for o in fixed_onsets(scenario) if o <= data_end]
        if inside:
            skipped[scenario.name] = (
                f"its onset ({min(inside).date()}) falls inside the data the models were "
                f"fitted to (through {last_year}), which already contain its effect; applying "
                "it again would count it twice")
        else:
            chosen.append(scenario)
    return chosen, skipped


def _scenario_notes(scenarios: Sequence[Any], last_year: int) -> dict[str, str]:
    """What each applied scenario did, for the table's ``note`` column."""
    notes = {}
    for scenario in scenarios:
        onsets = fixed_onsets(scenario)
        if scenario.name == "status_quo":
            notes[scenario.name] = ""
        elif onsets:
            notes[scenario.name] = f"applied from {min(onsets).date()}"
        else:
            notes[scenario.name] = f"applied from the forecast start ({last_year + 1})"
    return notes


def _bayes_sampler_config(sampler_config: dict[str, Any] | None) -> dict[str, Any]:
    """The sampler settings a reproduction gives the Bayesian model: only the user's.

    The model's own defaults for annual data already ask for 2,000 draws and tuning steps per
    chain (:data:`~odforecast.models.bayes.config.ANNUAL_SAMPLER_CONFIG`; quick mode's in
    quick mode), and a run that misses the convergence thresholds is sampled again, longer,
    only when ``draws`` and ``tune`` were not set.  The reproduction used to set ``draws``
    itself (2,000, the same number), which switched those reruns off: with jax 0.12.1 the
    main job's fit then ended at bulk ESS 340 and warned.

    Examples
    --------
    >>> _bayes_sampler_config(None), _bayes_sampler_config({"tune": 500})
    ({}, {'tune': 500})
    """
    return dict(sampler_config or {})


def _all_indicators() -> pd.DataFrame:
    from odforecast.mechanistic import calibration_frame

    return calibration_frame()


def _onset_inside(scenario: Any, data_end: pd.Period) -> bool:
    """Whether a scenario's fixed onset falls inside the monthly data a fit saw."""
    end = data_end.to_timestamp(how="end")
    return any(onset <= end for onset in fixed_onsets(scenario))


def _vintage_date(projection: Projection, vintage: str) -> str:
    if vintage == "anchor":
        return projection.vintage
    if vintage == "latest":
        return pd.Timestamp.today().date().isoformat()
    return pd.Timestamp(vintage).date().isoformat()


def _project(model_name, train, horizon, scenarios, n_samples, seed, sampler_config, context):
    if model_name == "arima":
        from odforecast.models import ARIMA

        fitted = ARIMA().fit(train)
        yield "arima", fitted.forecast(horizon, scenarios, n_samples=n_samples, random_seed=seed)
    elif model_name == "bayes":
        import warnings

        from odforecast.errors import OdforecastWarning
        from odforecast.models import BayesianTrend

        config = _bayes_sampler_config(sampler_config)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", OdforecastWarning)
            fitted = BayesianTrend(sampler_config=config, random_seed=seed).fit(train)
        for warning in caught:
            if issubclass(warning.category, OdforecastWarning):
                context["report"].note(f"warning: {warning.message}")
        yield "bayes", fitted.forecast(horizon, scenarios, n_samples=n_samples,
                                       random_seed=seed)
    elif model_name == "mechanistic":
        from odforecast.mechanistic import MechanisticOpioidModel

        # The mechanistic model calibrates to deaths by type (prescription-only and
        # illicit-involved, annual and 12-month windows) and applies the vintage itself.  The
        # lethality assumption is a projection rule: one calibration serves both rows.
        model = MechanisticOpioidModel(vintage=context["vintage"], random_seed=seed,
                                       sampler_config=context.get("mechanistic_config"))
        fitted = model.fit(context["all_indicators"])
        years = context["end_year"] - fitted.forecast_start + 1
        usable = [s for s in scenarios if not _onset_inside(s, fitted.cal.end)]
        for lethality, label in (("rao_trend", "mechanistic (anchor assumptions)"),
                                 ("data", "mechanistic (data-driven)")):
            yield label, fitted.forecast(years, usable, n_samples=n_samples,
                                         random_seed=seed, buckets=False,
                                         lethality=lethality)
    else:
        raise DataError(f"unknown model {model_name!r}; choose from mechanistic, arima, bayes",
                        column="models")


def _summarise(projection: Projection, forecasts: dict, observed: pd.DataFrame,
               last_year: int, notes: dict[str, str] | None = None,
               not_applied: dict[str, str] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    records, annual = [], []
    for model, fc in forecasts.items():
        fc_us = fc.sel(location="US", indicator=projection.indicator)
        for scenario in fc_us.scenarios or ["status_quo"]:
            one = fc_us.sel(scenario=scenario) if fc_us.scenarios else fc_us
            record = {"model": model, "scenario": scenario,
                      "note": (notes or {}).get(scenario, "")}
            for total in projection.totals:
                key = f"{total.start}_{total.end}"
                if total.end <= last_year:  # entirely observed: the model adds nothing
                    years = observed[(observed["year"] >= total.start)
                                     & (observed["year"] <= total.end)]
                    value = float(years["value"].sum())
                    record.update({f"median_{key}": value, f"low_{key}": value,
                                   f"high_{key}": value})
                    continue
                window = one.cumulative(str(total.start), str(total.end), intervals=(0.95,),
                                        include_observed=total.start <= last_year)
                record[f"median_{key}"] = float(window["median"].iloc[0])
                record[f"low_{key}"] = float(window["lower_95"].iloc[0])
                record[f"high_{key}"] = float(window["upper_95"].iloc[0])
            records.append(record)
            frame = one.to_frame(intervals=(0.95,))
            annual.append(pd.DataFrame({"model": model, "scenario": scenario,
                                        "year": frame["period_end"].dt.year,
                                        "median": frame["median"],
                                        "lower_95": frame["lower_95"],
                                        "upper_95": frame["upper_95"]}))
    published = {"model": "published", "scenario": projection.key,
                 "note": projection.name}
    actual = {"model": "observed", "scenario": "reported (VSRR Jul 2025)", "note": ""}
    skipped = [{"model": "not applied", "scenario": name, "note": f"not applied: {reason}"}
               for name, reason in (not_applied or {}).items()]
    for total in projection.totals:
        key = f"{total.start}_{total.end}"
        published.update({f"median_{key}": total.value, f"low_{key}": total.low,
                          f"high_{key}": total.high})
        years = observed[(observed["year"] >= total.start) & (observed["year"] <= total.end)]
        complete = len(years) == total.end - total.start + 1
        actual.update({f"median_{key}": float(years["value"].sum()) if complete else np.nan,
                       f"low_{key}": np.nan, f"high_{key}": np.nan})
    table = pd.DataFrame([published, actual, *records, *skipped])
    periods = [f"{k}_{t.start}_{t.end}" for t in projection.totals
               for k in ("median", "low", "high")]
    table = table[["model", "scenario", *periods, "note"]]
    return table, pd.concat(annual, ignore_index=True)
