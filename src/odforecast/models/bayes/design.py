"""From checked series to the arrays the Bayesian models use: a latent time grid and
observation operators that say which latent steps each observed count sums.

The latent death rate lives on a grid of *steps* of the data's own period (a month, quarter,
half-year or year), and each observation is the count of one step.

CDC's 12-month-ending counts need care: consecutive values overlap by 11 months, so observing
each as an independent count would count every death twelve times and make the posterior about
twelve times too confident. By default (``model_config["twelve_month_likelihood"] = "blocks"``)
we observe **non-overlapping** windows only — the latest 12-month window and every 12th one
before it — and the latent grid is made of those 12-month blocks, so each death enters the
likelihood once and every step is observed directly; monthly detail comes from interpolating
the block rates.  Where CDC withheld a block's last window, the latest shown window inside the
block stands in for it, as a weighted sum of that block and the one before
(:func:`block_windows`). With ``"windows"`` the trend has 12-month latent steps (blocks ending
at the latest month) and a latent **monthly** path interpolating them (log-linearly between block
middles); every shown window enters one exact likelihood of all windows jointly
(:func:`odforecast.models.bayes.twelve_month.window_loglik`): a window is the sum of its 12
latent months, consecutive windows differ by one month in and one out, so each death enters
once and every window — the ones between yearly blocks too — informs the path. A window CDC did
not show is skipped, never filled in; withheld windows at the end are bridged by the model's
monthly path from the latest shown ones. Suppressed windows enter as censored 12-month sums
when they share no month with a shown one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from odforecast import calendar
from odforecast._warnings import warn
from odforecast.errors import DataError
from odforecast.models.bayes.twelve_month import Windows, build_windows
from odforecast.models.series import Series

__all__ = ["Design", "block_windows", "build_design", "step_months"]


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
    windows
        For 12-month-ending data, every shown uncensored window arranged for the exact
        likelihood (:class:`~odforecast.models.bayes.twelve_month.Windows`); the ``obs_*``
        arrays then hold only the suppressed windows that share no month with a shown one.
    start_step
        Each series' first latent step of the trend (zeros: the grid's first step).
    obs_lag
        For 12-month-ending blocks: months by which each observed window ends before the end
        of its step (see :func:`block_windows`); it then sums ``12 - lag`` months of its step
        and ``lag`` of the one before.  Zeros (or None) otherwise.
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
    windows: Windows | None = None
    start_step: np.ndarray | None = None
    obs_lag: np.ndarray | None = None

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
                 exog: pd.DataFrame | None = None, twelve_month: str = "blocks") -> Design:
    """Build the latent grid and observation operators; check what the models cannot use.

    ``twelve_month`` chooses how 12-month-ending counts are observed: ``"blocks"`` (the
    non-overlapping windows ending every 12th month before the latest one) or ``"windows"``
    (every shown window, in :func:`~odforecast.models.bayes.twelve_month.window_loglik`).

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
        if values.size == 0 and not s.censored.any():
            raise DataError(f"series {s.label} has no shown value (every cell missing): "
                            "nothing to fit", hint="drop it, or start the data later")
        if (~s.censored).sum() == 0:
            raise DataError(f"series {s.label} is entirely censored (suppressed): nothing to "
                            "fit", hint="drop it, or aggregate it with neighbours")
        if np.nansum(values) == 0:
            raise DataError(f"series {s.label} is all zeros: a log-rate model cannot be fitted")
        usable = ~np.isnan(s.values) | s.censored
        end_month = calendar.month_number(s.time)[usable]
        # the first month the earliest count covers (11 months before a 12-month window's end)
        first = int(end_month.min() - calendar.frequency(frequency).span + 1)
        first_month = first if first_month is None else min(first_month, first)
        last_month = int(end_month.max()) if last_month is None else max(last_month,
                                                                         int(end_month.max()))
    if frequency == "12m_ending" and twelve_month == "windows":
        return _build_twelve_month(series, first_month, last_month, population, exog)
    # Steps end at last_month, last_month - step, ...
    n_steps = (last_month - first_month + 1) // step
    step_end = last_month - step * np.arange(n_steps)[::-1]
    grid = _grid(step_end)

    rows = []
    first_rate = np.empty(len(series))
    first_step = np.empty(len(series), dtype=int)  # the latent step of the first count
    position = {int(m): k for k, m in enumerate(step_end)}
    for i, s in enumerate(series):
        months = calendar.month_number(s.time)
        usable = ~np.isnan(s.values) | s.censored
        if frequency == "12m_ending":
            for j, k, lag in block_windows(months, usable, s.censored, step_end):
                rows.append((i, k, k, s.values[j], s.censor_upper[j], bool(s.censored[j]),
                             s.time[j], lag))
        else:
            for j in np.flatnonzero(usable):
                k = position.get(int(months[j]))
                if k is None:  # not on the grid of steps (never for aligned periods)
                    continue
                rows.append((i, k, k, s.values[j], s.censor_upper[j], bool(s.censored[j]),
                             s.time[j], 0))
        observed = np.flatnonzero(~s.censored & ~np.isnan(s.values))
        first_rate[i] = max(s.values[observed[0]], 0.5)
        first_step[i] = min(int(grid.searchsorted(s.time[observed[0]])), n_steps - 1)
    # Every series is forecast from the last step of the grid; steps a series lacks at the end
    # (values CDC did not show) are estimated from the model, not filled in from neighbours.
    last_step = np.full(len(series), n_steps - 1)

    value, upper, censored, obs = _observations(rows)
    exposure, population_by_year = _exposure(series, grid, population)
    first_rate = first_rate / exposure[np.arange(len(series)), first_step]
    exog_values, mean, sd, columns = _exog(exog, grid, last_step)
    return Design(frequency, step, grid, list(series), obs[0], obs[1], obs[2], value, upper,
                  censored, obs[3], last_step, first_rate, exposure, exog_values, mean, sd,
                  columns, population_by_year, None, np.zeros(len(series), dtype=int), obs[4])


def block_windows(months: np.ndarray, usable: np.ndarray, censored: np.ndarray,
                  step_end: np.ndarray) -> list[tuple[int, int, int]]:
    """The 12-month windows a series contributes to the "blocks" likelihood, none overlapping.

    Going back from the latest block, each block is observed by the window ending at its last
    month when CDC shows it, else by the latest usable window ending inside the block (the
    latest shown one, else the latest suppressed one), ``lag`` months before the block's end:
    it covers ``12 - lag`` months of its block and ``lag`` of the one before.  A window for an
    earlier block must end at least 12 months before the one chosen after it, so each death
    enters the likelihood at most once; a window reaching back before the first block is not
    used.  Complete series give the block-end windows (every lag 0), as before; a series whose
    latest windows are withheld (Florida, Oct 2024 - Feb 2025) is observed by its latest shown
    window and every 12th one before it, and a series shown only between block ends is no
    longer unobserved.

    Parameters
    ----------
    months
        Month number (:func:`odforecast.calendar.month_number`) each window ends in.
    usable, censored
        Per window: shown or suppressed (not withheld); suppressed.
    step_end
        Month number each block ends in, oldest first.

    Returns
    -------
    list of (window index, block index, lag in months)

    Examples
    --------
    Three blocks, ending in months 11, 23 and 35; the windows ending in months 34 and 35 are
    withheld.  The latest block is observed by the window ending in month 33 (lag 2), the one
    before by the window ending 12 months earlier (month 21); block 0's own window (month 11)
    would share months with it, and an earlier one would reach back before month 0, so block
    0 is not observed:

    >>> months = np.arange(36)
    >>> block_windows(months, months < 34, np.zeros(36, bool), np.array([11, 23, 35]))
    [(21, 1, 2), (33, 2, 2)]
    >>> block_windows(months, months != 20, np.zeros(36, bool), np.array([11, 23, 35]))
    [(11, 0, 0), (23, 1, 0), (35, 2, 0)]
    """
    where = {int(m): j for j, m in enumerate(months) if usable[j]}
    picks: list[tuple[int, int, int]] = []
    min_lag = 0  # an earlier block's window must end this many months before its block's end
    for k in range(len(step_end) - 1, -1, -1):
        lags = [lag for lag in range(min_lag, 12) if int(step_end[k]) - lag in where]
        if k == 0:
            lags = [lag for lag in lags if lag == 0]  # would start before the grid
        shown = [lag for lag in lags if not censored[where[int(step_end[k]) - lag]]]
        chosen = shown[0] if shown else lags[0] if lags else None
        if chosen is None:
            min_lag = 0  # a block without a window: the next one back is free again
            continue
        picks.append((where[int(step_end[k]) - chosen], k, chosen))
        min_lag = chosen
    return picks[::-1]


def _grid(step_end: np.ndarray) -> pd.DatetimeIndex:
    return pd.DatetimeIndex([pd.Period(year=int(m) // 12, month=int(m) % 12 + 1, freq="M")
                             .to_timestamp(how="end").normalize() for m in step_end])


def _observations(rows: list[tuple]):
    """Arrays of directly observed counts from ``(series, start, end, value, upper, censored,
    time, lag)`` rows: (value or bound, upper bound, censored flag, (series, start, end, time,
    lag))."""
    if not rows:
        empty = np.array([], dtype=int)
        return (np.array([]), np.array([]), np.array([], dtype=bool),
                (empty, empty, empty, pd.DatetimeIndex([]), empty))
    obs = list(zip(*rows, strict=True))
    censored = np.array(obs[5], dtype=bool)
    value = np.where(censored, np.array(obs[4], dtype=float), np.array(obs[3], dtype=float))
    upper = np.where(censored, value, np.inf)
    return value, upper, censored, (np.array(obs[0]), np.array(obs[1]), np.array(obs[2]),
                                    pd.DatetimeIndex(obs[6]), np.array(obs[7], dtype=int))


def _build_twelve_month(series: list[Series], first_month: int, last_month: int,
                        population: pd.DataFrame | None, exog: pd.DataFrame | None) -> Design:
    """The design of 12-month-ending data: 12-month latent steps (blocks ending at the latest
    month), a latent monthly path interpolating them, every shown window in the exact window
    likelihood, and suppressed windows that share no month with a shown one (nor with each
    other, latest first) as censored 12-month sums — so each death enters once."""
    n_steps = -(-(last_month - first_month + 1) // 12)  # blocks covering every window
    grid = _grid(last_month - 12 * np.arange(n_steps)[::-1])
    n_months = 12 * n_steps
    month0 = last_month - n_months + 1
    months = _grid(month0 + np.arange(n_months))
    exposure, population_by_year = _exposure(series, grid, population)
    monthly_exposure, _ = _exposure(series, months, population, announce=False)
    windows = build_windows(series, month0, knots=_knot_matrix(n_steps),
                            exposure=monthly_exposure * calendar.month_share(months),
                            dates=months)
    covered = np.zeros((len(series), n_months), dtype=bool)
    covered[windows.month_series, windows.month_step] = True
    rows = []
    first_rate = np.empty(len(series))
    first_step = np.empty(len(series), dtype=int)
    for i, s in enumerate(series):
        ends = calendar.month_number(s.time) - month0
        for j in np.flatnonzero(s.censored)[::-1]:
            span = slice(int(ends[j]) - 11, int(ends[j]) + 1)
            if covered[i, span].any():
                continue  # would count some deaths twice: the shown windows have them
            covered[i, span] = True
            rows.append((i, span.start, span.stop - 1, s.values[j], s.censor_upper[j],
                         True, s.time[j], 0))
        observed = np.flatnonzero(~s.censored & ~np.isnan(s.values))
        first_rate[i] = max(s.values[observed[0]], 0.5)
        first_step[i] = min(int(grid.searchsorted(s.time[observed[0]])), n_steps - 1)
    rows.sort(key=lambda r: (r[0], r[1]))
    last_step = np.full(len(series), n_steps - 1)
    value, upper, censored, obs = _observations(rows)
    first_rate = first_rate / exposure[np.arange(len(series)), first_step]
    exog_values, mean, sd, columns = _exog(exog, grid, last_step)
    return Design("12m_ending", 12, grid, list(series), obs[0], obs[1], obs[2], value, upper,
                  censored, obs[3], last_step, first_rate, exposure, exog_values, mean, sd,
                  columns, population_by_year, windows, np.zeros(len(series), dtype=int),
                  obs[4])


def _knot_matrix(n_steps: int) -> np.ndarray:
    """Weights ``(12 n_steps, n_steps)`` turning the log rates of 12-month blocks into monthly
    log rates: linear between block middles, continued with the nearest two blocks' growth
    before the first middle and after the last one.

    Examples
    --------
    >>> w = _knot_matrix(2)
    >>> w.shape, bool(np.allclose(w.sum(axis=1), 1))
    ((24, 2), True)
    >>> bool(np.allclose(w @ np.array([0.0, 12.0]), np.arange(24) - 5.5))  # a straight line
    True
    """
    middles = 12.0 * np.arange(n_steps) + 5.5
    month = np.arange(12 * n_steps, dtype=float)
    if n_steps == 1:
        return np.ones((12, 1))
    lower = np.clip(np.searchsorted(middles, month, side="right") - 1, 0, n_steps - 2)
    weight = (month - middles[lower]) / 12.0
    out = np.zeros((len(month), n_steps))
    out[np.arange(len(month)), lower] = 1 - weight
    out[np.arange(len(month)), lower + 1] = weight
    return out


def _exposure(series: list[Series], grid: pd.DatetimeIndex, population: pd.DataFrame | None,
              *, announce: bool = True) -> tuple[np.ndarray, list[pd.Series] | None]:
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
    if carried and announce:
        # Census estimates lag the death counts by a year or more (the 2025 vintage of VSRR
        # has Jan-Feb 2025 windows, the estimates end in 2024): the nearest year's population
        # is used, and said so, rather than refusing the latest data.
        years_missing = sorted({y for v in carried.values() for y in v})
        warn(f"population of {_locations_text(sorted(carried))} does not cover "
             f"{_years_text(years_missing)}; using the nearest year's value (pass a "
             "population table that covers these years to use your own figures)")
    return out, tables


def _population_at(by_year: pd.Series, years) -> np.ndarray:
    """Population in ``years``; years outside the table take the nearest year's value."""
    clipped = np.clip(years, by_year.index.min(), by_year.index.max())
    return by_year.reindex(clipped).to_numpy()


def _locations_text(locations: list[str]) -> str:
    """The locations, or for more than six their number and the first and last three (a
    warning about the 50 states stays one readable line).

    Examples
    --------
    >>> _locations_text(["US-NH", "US-VT"])
    'US-NH, US-VT'
    >>> _locations_text([f"L{i:02d}" for i in range(52)])
    '52 locations (L00, L01, L02, ..., L49, L50, L51)'
    """
    if len(locations) <= 6:
        return ", ".join(locations)
    return (f"{len(locations)} locations ({', '.join(locations[:3])}, ..., "
            f"{', '.join(locations[-3:])})")


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
