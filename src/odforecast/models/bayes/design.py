"""From checked series to the arrays the Bayesian models use: a latent time grid and
observation operators that say which latent steps each observed count sums.

The latent death rate lives on a grid of *steps* of the data's own period (a month, quarter,
half-year or year), and each observation is the count of one step.

CDC's 12-month-ending counts need care: consecutive values overlap by 11 months, so using them
all would count every death twelve times and make the posterior about twelve times too
confident.  We observe **non-overlapping** windows only — the latest 12-month window and every
12th one before it — and the latent grid is made of those 12-month blocks, so each death enters
the likelihood once and every step is observed directly.  A window CDC did not show is skipped,
never filled in.  The skipped windows share 11 of 12 months with the kept ones, so little
information is lost; the benchmark checks that intervals stay calibrated.  Monthly detail, which
forecasting 12-month-ending values one month at a time needs, comes from interpolating the block
rates (see :meth:`odforecast.models.bayes.fit.BayesFit.forecast`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from odforecast import calendar
from odforecast._warnings import warn
from odforecast.errors import DataError
from odforecast.models.series import Series

__all__ = ["Design", "build_design", "step_months"]


def step_months(frequency: str) -> int:
    """Length of one latent step in months (12-month blocks for 12-month-ending data)."""
    return calendar.frequency(frequency).span


@dataclass
class Design:
    """Arrays describing the data for a Bayesian model (one row per series).

    Attributes
    ----------
    frequency, step
        Frequency of the data and months per latent step.
    grid
        ``period_end`` of each latent step.
    series
        The series, in model order.
    obs_series, obs_start, obs_end
        For each observation: series index, first and last latent step it sums (inclusive).
    obs_value, obs_upper, obs_censored
        Observed count (the bound for censored ones), upper bound (inf unless censored), flag.
    obs_time
        ``period_end`` of each observation.
    last_step
        Index of each series' last latent step with data.
    first_rate
        Observed rate per step at the start of each series (prior centre of the level).
    exposure
        Population per latent step, shape ``(series, steps)`` (ones without a population).
    population_by_year
        Each series' population by calendar year (None without a population); see
        :meth:`log_population`.
    exog, exog_mean, exog_sd, exog_columns
        Standardised regressors per latent step (or None) and the standardisation used.
    """

    frequency: str
    step: int
    grid: pd.DatetimeIndex
    series: list[Series]
    obs_series: np.ndarray
    obs_start: np.ndarray
    obs_end: np.ndarray
    obs_value: np.ndarray
    obs_upper: np.ndarray
    obs_censored: np.ndarray
    obs_time: pd.DatetimeIndex
    last_step: np.ndarray
    first_rate: np.ndarray
    exposure: np.ndarray
    exog: np.ndarray | None
    exog_mean: np.ndarray | None
    exog_sd: np.ndarray | None
    exog_columns: list[str] | None
    population_by_year: list[pd.Series] | None = None

    @property
    def n_series(self) -> int:
        return len(self.series)

    @property
    def n_steps(self) -> int:
        return len(self.grid)

    def log_population(self, i: int, dates) -> np.ndarray:
        """Log population of series ``i`` at ``dates`` (zeros without a population); years
        outside the table use the nearest year's value, as the fitted exposure does."""
        if self.population_by_year is None:
            return np.zeros(len(dates))
        return np.log(_population_at(self.population_by_year[i],
                                     pd.DatetimeIndex(dates).year))


def build_design(series: list[Series], *, population: pd.DataFrame | None = None,
                 exog: pd.DataFrame | None = None) -> Design:
    """Build the latent grid and observation operators; check what the models cannot use.

    Raises
    ------
    odforecast.DataError
        Mixed frequencies, non-integer counts, series with no uncensored observation or with
        only zeros, population tables with gaps or zeros, regressors not covering the grid.
    """
    frequencies = {s.frequency for s in series}
    if len(frequencies) > 1:
        raise DataError(f"all series must share one frequency; got {sorted(frequencies)}")
    frequency = frequencies.pop()
    step = step_months(frequency)

    first_month, last_month = None, None
    for s in series:
        values = s.values[~np.isnan(s.values)]
        if np.any(values != np.round(values)):
            raise DataError(f"series {s.label} has non-integer counts; the negative-binomial "
                            "model needs whole numbers of deaths", hint="round or use ARIMA")
        if (~s.censored).sum() == 0:
            raise DataError(f"series {s.label} is entirely censored (suppressed): nothing to "
                            "fit", hint="drop it, or aggregate it with neighbours")
        if np.nansum(values) == 0:
            raise DataError(f"series {s.label} is all zeros: a log-rate model cannot be fitted")
        usable = ~np.isnan(s.values) | s.censored
        end_month = calendar.month_number(s.time)[usable]
        first = int(end_month.min() - step + 1)
        first_month = first if first_month is None else min(first_month, first)
        last_month = int(end_month.max()) if last_month is None else max(last_month,
                                                                         int(end_month.max()))
    # Steps end at last_month, last_month - step, ...: for 12-month-ending data these are the
    # non-overlapping 12-month blocks ending at the latest month with data.
    n_steps = (last_month - first_month + 1) // step
    step_end = last_month - step * np.arange(n_steps)[::-1]
    grid = pd.DatetimeIndex([pd.Period(year=int(m) // 12, month=int(m) % 12 + 1, freq="M")
                             .to_timestamp(how="end").normalize() for m in step_end])

    rows = []
    first_rate = np.empty(len(series))
    first_step = np.empty(len(series), dtype=int)  # the latent step of the first count
    for i, s in enumerate(series):
        months = calendar.month_number(s.time)
        usable = ~np.isnan(s.values) | s.censored
        position = {int(m): k for k, m in enumerate(step_end)}
        for j in np.flatnonzero(usable):
            k = position.get(int(months[j]))
            if k is None:  # a 12-month window overlapping the blocks: not observed again
                continue
            rows.append((i, k, k, s.values[j], s.censor_upper[j], bool(s.censored[j]),
                         s.time[j]))
        observed = np.flatnonzero(~s.censored & ~np.isnan(s.values))
        first_rate[i] = max(s.values[observed[0]], 0.5)
        first_step[i] = min(int(grid.searchsorted(s.time[observed[0]])), n_steps - 1)
    # Every series is forecast from the last step of the grid; steps a series lacks at the end
    # (values CDC did not show) are estimated from the model, not filled in from neighbours.
    last_step = np.full(len(series), n_steps - 1)

    obs = list(zip(*rows, strict=True))
    censored = np.array(obs[5], dtype=bool)
    value = np.where(censored, np.array(obs[4], dtype=float), np.array(obs[3], dtype=float))
    upper = np.where(censored, value, np.inf)
    exposure, population_by_year = _exposure(series, grid, population)
    first_rate = first_rate / exposure[np.arange(len(series)), first_step]
    exog_values, mean, sd, columns = _exog(exog, grid, last_step)
    return Design(frequency, step, grid, list(series), np.array(obs[0]), np.array(obs[1]),
                  np.array(obs[2]), value, upper, censored, pd.DatetimeIndex(obs[6]), last_step,
                  first_rate, exposure, exog_values, mean, sd, columns, population_by_year)


def _exposure(series: list[Series], grid: pd.DatetimeIndex, population: pd.DataFrame | None
              ) -> tuple[np.ndarray, list[pd.Series] | None]:
    """Population per series and latent step, and each series' population by year."""
    if population is None:
        return np.ones((len(series), len(grid))), None
    table = population[population["indicator"] == "population"]
    out = np.empty((len(series), len(grid)))
    tables: list[pd.Series] = []
    years = grid.year
    carried: dict[str, list[int]] = {}
    for i, s in enumerate(series):
        rows = table[table["location"] == s.location]
        if rows.empty:
            hint = ("VSRR reports New York City apart from New York: add it in with "
                    "odforecast.data.transform.merge_nyc(data)" if s.location == "US-NYC"
                    else "give a population table covering every location")
            raise DataError(f"population has no rows for {s.location}", column="population",
                            hint=hint)
        by_year = rows.set_index(rows["period_start"].dt.year)["value"].sort_index()
        if (by_year <= 0).any() or by_year.isna().any():
            raise DataError(f"population of {s.location} has zero or missing values",
                            column="population")
        span = range(int(by_year.index.min()), int(by_year.index.max()) + 1)
        if len(by_year) != len(span):
            missing = sorted(set(span) - set(by_year.index))
            raise DataError(f"population of {s.location} has a gap: no value for {missing[0]}",
                            column="population")
        data_years = sorted(set(s.time.year))
        uncovered = [y for y in data_years if y not in by_year.index]
        if uncovered:
            carried[s.location] = uncovered
        # Years outside the table (the padding at the edges of the grid, the forecast horizon
        # and data years not yet estimated) use the nearest year's value.
        out[i] = _population_at(by_year, years)
        tables.append(by_year)
    if carried:
        # Census estimates lag the death counts by a year or more (the 2025 vintage of VSRR
        # has Jan-Feb 2025 windows, the estimates end in 2024): the nearest year's population
        # is used, and said so, rather than refusing the latest data.
        years_missing = sorted({y for v in carried.values() for y in v})
        warn(f"population of {', '.join(sorted(carried))} does not cover "
             f"{_years_text(years_missing)}; using the nearest year's value (pass a "
             "population table that covers these years to use your own figures)")
    return out, tables


def _population_at(by_year: pd.Series, years) -> np.ndarray:
    """Population in ``years``; years outside the table take the nearest year's value."""
    clipped = np.clip(years, by_year.index.min(), by_year.index.max())
    return by_year.reindex(clipped).to_numpy()


def _years_text(years: list[int]) -> str:
    return str(years[0]) if len(years) == 1 else f"{years[0]}-{years[-1]}"


def _exog(exog: pd.DataFrame | None, grid: pd.DatetimeIndex, last_step: np.ndarray):
    if exog is None:
        return None, None, None, None
    from odforecast.models.base import align_exog

    used = grid[: int(last_step.max()) + 1]
    values = align_exog(exog, used, "the fitted series", "exog")
    mean, sd = values.mean(axis=0), values.std(axis=0)
    if np.any(sd == 0):
        raise DataError("an exogenous regressor is constant over the fitted period",
                        column=str(exog.columns[int(np.flatnonzero(sd == 0)[0])]))
    full = np.full((len(grid), values.shape[1]), np.nan)
    full[: len(used)] = (values - mean) / sd
    return full, mean, sd, list(exog.columns)
