"""What the mechanistic calibration sees at a data vintage: deaths by bucket, annual and monthly.

Deaths enter in the two mutually exclusive buckets of spec §9.1-9.2 (prescription-only ``rx``
and illicit-involved ``ill``), built from the overlapping CDC series ``opioids``, ``heroin`` and
``synthetic_opioids``.  Two kinds of observation:

* final (or provisional) **annual** counts for the years before the monthly series begins;
* every published **12-month-ending window** (``us_monthly_12m``, from the window ending
  January 2015), through the newest one available at the vintage.

The vintage rule: an annual count of year Y is provisional from June of Y+1 and final from
December of Y+1; a 12-month window ending in month E is available five months after E (the
annual rule applied to the window ending in December).  Data published later never reach the
fit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from odforecast.errors import DataError
from odforecast.mechanistic.parameters import (
    DRIVER_DATA,
    FIXED,
    NSDUH_TARGETS,
    RX_SYNTHETIC_BASELINE,
    T0,
)

__all__ = [
    "FINAL_LAG_MONTHS",
    "PROVISIONAL_LAG_MONTHS",
    "CalibrationData",
    "availability",
    "bucket_targets",
    "calibration_data",
    "window_available",
    "window_targets",
]

#: Months after the end of year Y when its provisional / final annual count is available.
PROVISIONAL_LAG_MONTHS = 5   # VSRR 12-month-ending December counts: about June of Y+1
FINAL_LAG_MONTHS = 11        # NCHS final data: about December of Y+1

#: Indicators the buckets are built from.
NEEDED = ("opioids", "heroin", "synthetic_opioids")


def availability(year: int, vintage: pd.Timestamp) -> str | None:
    """What was known about calendar ``year``'s annual deaths at ``vintage``.

    Year Y is ``"final"`` from the first day of December of Y+1 (NCHS final data),
    ``"provisional"`` from the first day of June of Y+1 (VSRR 12-month-ending December
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


def window_available(period_end: pd.Timestamp, vintage: pd.Timestamp) -> bool:
    """Whether the 12-month window ending ``period_end`` was published by ``vintage``.

    Examples
    --------
    >>> window_available(pd.Timestamp("2020-12-31"), pd.Timestamp("2021-06-17"))
    True
    >>> window_available(pd.Timestamp("2021-01-31"), pd.Timestamp("2021-06-17"))  # July
    False
    >>> window_available(pd.Timestamp("2021-02-28"), pd.Timestamp("2021-06-17"))
    False
    """
    end = pd.Timestamp(period_end).to_period("M").end_time.normalize()
    return bool(vintage >= end + pd.DateOffset(months=PROVISIONAL_LAG_MONTHS, days=1))


def overlap_share(time: float) -> float:
    """Share of min(heroin, illicit synthetic) deaths involving both, at decimal ``time``.

    ``min(0.7, 0.08 + 1.35 f)`` with ``f`` the fentanyl penetration of NFLIS reports
    (interpolated at mid-years, held after 2020): a fit by eye of the SOURCE NVSS microdata
    shares 2013-2020 (0.09, 0.21, 0.30, 0.39, 0.54, 0.62, 0.64, 0.69) against ``f`` [D].

    Examples
    --------
    >>> overlap_share(2015.5), overlap_share(2024.0)
    (0.1907, 0.7)
    """
    years = sorted(DRIVER_DATA["fentanyl_share"])
    f = float(np.interp(time, np.array(years) + 0.5,
                        [DRIVER_DATA["fentanyl_share"][y] for y in years]))
    return round(min(0.7, 0.08 + 1.35 * f), 10)


def _buckets(wide: pd.DataFrame, times: np.ndarray) -> pd.DataFrame:
    synth = np.maximum(wide["synthetic_opioids"] - RX_SYNTHETIC_BASELINE, 0.0)
    heroin = wide["heroin"]
    share = np.array([overlap_share(t) for t in times])
    ill = heroin + synth - share * np.minimum(heroin, synth)
    return pd.DataFrame({"rx": wide["opioids"] - ill, "ill": ill, "opioids": wide["opioids"]})


def _check_frame(data: pd.DataFrame) -> None:
    if not isinstance(data, pd.DataFrame):
        raise DataError("data must be a tidy DataFrame such as load_dataset('us_annual')",
                        column="data")
    missing = [c for c in ("location", "indicator", "frequency", "period_end", "value",
                           "estimate") if c not in data.columns]
    if missing:
        raise DataError(f"data lacks column {missing[0]!r}", column=missing[0])


def bucket_targets(data: pd.DataFrame, vintage: pd.Timestamp) -> tuple[pd.DataFrame,
                                                                       pd.DataFrame]:
    """The spec §9.2 death buckets of the annual US counts available at the vintage.

    ``illicit = heroin + S - overlap x min(heroin, S)`` with ``S = max(synthetic_opioids -
    3,000, 0)`` (pre-fentanyl T40.4 deaths are prescription synthetics, spec §9.1) and the
    overlap share of ``overlap_share``; ``rx = opioids - illicit``.  Only years available
    at the vintage (:func:`availability`) and the ``reported`` estimate are kept.

    Parameters
    ----------
    data
        Tidy frame such as ``odforecast.load_dataset("us_annual")`` (other frequencies are
        ignored).
    vintage
        Data vintage.

    Returns
    -------
    tuple of DataFrame
        The buckets (index year; columns ``rx``, ``ill``, ``opioids``, ``status``) and the rows
        of ``data`` they were built from.

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
    _check_frame(data)
    frame = data[(data["location"] == "US") & (data["frequency"] == "annual")
                 & (data["estimate"] == "reported") & data["indicator"].isin(NEEDED)].copy()
    frame["year"] = pd.to_datetime(frame["period_end"]).dt.year
    frame["status"] = [availability(int(y), vintage) for y in frame["year"]]
    frame = frame[frame["status"].notna() & (frame["year"] >= int(T0))]
    wide = frame.pivot_table(index="year", columns="indicator", values="value", aggfunc="first")
    if wide.empty or any(c not in wide.columns for c in NEEDED):
        return (pd.DataFrame(columns=["rx", "ill", "opioids", "status"]),
                data.loc[frame.index])
    wide = wide.dropna(subset=list(NEEDED))
    out = _buckets(wide, wide.index.to_numpy(dtype=float) + 0.5)
    out["status"] = frame.groupby("year")["status"].first().reindex(out.index)
    return out, data.loc[frame[frame["year"].isin(out.index)].index]


def window_targets(data: pd.DataFrame, vintage: pd.Timestamp) -> tuple[pd.DataFrame,
                                                                       pd.DataFrame]:
    """The buckets of every US 12-month-ending window available at the vintage.

    Same construction as :func:`bucket_targets`, window by window, with the overlap share at
    the middle of each window.  A window is used only when all three series have a reported
    value for it.

    Returns
    -------
    tuple of DataFrame
        The buckets (index ``period_end``; columns ``rx``, ``ill``, ``opioids``) and the rows
        of ``data`` they were built from.  Empty if ``data`` holds no such windows.

    Examples
    --------
    >>> import pandas as pd
    >>> import odforecast
    >>> from odforecast.mechanistic.targets import window_targets
    >>> windows, _ = window_targets(odforecast.load_dataset("us_monthly_12m"),
    ...                             pd.Timestamp("2021-06-17"))
    >>> str(windows.index[0].date()), str(windows.index[-1].date()), len(windows)
    ('2015-01-31', '2020-12-31', 72)
    """
    _check_frame(data)
    frame = data[(data["location"] == "US") & (data["frequency"] == "12m_ending")
                 & (data["estimate"] == "reported") & data["indicator"].isin(NEEDED)].copy()
    frame["period_end"] = pd.to_datetime(frame["period_end"])
    frame = frame[[window_available(e, vintage) for e in frame["period_end"]]]
    if frame.empty:
        return pd.DataFrame(columns=["rx", "ill", "opioids"]), data.loc[frame.index]
    wide = frame.pivot_table(index="period_end", columns="indicator", values="value",
                             aggfunc="first")
    if any(c not in wide.columns for c in NEEDED):
        return pd.DataFrame(columns=["rx", "ill", "opioids"]), data.loc[frame.index[:0]]
    wide = wide.dropna(subset=list(NEEDED)).sort_index()
    months = pd.DatetimeIndex(wide.index).to_period("M")
    if len(months) > 1 and np.any(np.diff(months.asi8) != 1):
        gap = months[1:][np.diff(months.asi8) != 1][0]
        raise DataError(f"the 12-month-ending windows have a gap before {gap}: the monthly "
                        "likelihood needs every window from the first to the last",
                        column="period_end")
    mid = np.array([m.year + (m.month - 6) / 12.0 for m in months])  # middle of the window
    out = _buckets(wide, mid)
    return out, data.loc[frame[frame["period_end"].isin(out.index)].index]


@dataclass(frozen=True)
class CalibrationData:
    """Everything the calibration fits, on a monthly grid from January 2002.

    Attributes
    ----------
    n_months
        Months in the fit window (the last is the end of the newest window, or December of
        the last annual year when no window is available).
    annual
        Annual buckets used (years before the months the windows cover): index year;
        ``rx``, ``ill``, ``opioids``, ``status``.
    windows
        12-month-ending buckets used: index ``period_end``; ``rx``, ``ill``, ``opioids``.
    first_window_month
        Grid index of the first month of the first window (None without windows).
    prevalence
        ``(month index, stock index, persons)`` NSDUH targets available at the vintage.
    vintage
        The data vintage.
    rows
        The input rows published by the vintage: every annual count (also the years the
        windows cover, for the forecast's observed series) and every window.

    Examples
    --------
    >>> import pandas as pd
    >>> import odforecast
    >>> from odforecast.mechanistic.targets import calibration_data
    >>> data = pd.concat([odforecast.load_dataset("us_annual"),
    ...                   odforecast.load_dataset("us_monthly_12m")])
    >>> cal = calibration_data(data, pd.Timestamp("2021-06-17"))
    >>> list(cal.annual.index[[0, -1]]), len(cal.windows), cal.n_months
    ([2002, 2013], 72, 228)
    """

    n_months: int
    annual: pd.DataFrame
    windows: pd.DataFrame
    first_window_month: int | None
    prevalence: tuple[tuple[int, int, float], ...]
    vintage: pd.Timestamp
    rows: pd.DataFrame = field(repr=False)

    @property
    def end(self) -> pd.Period:
        """The last month of the fit window."""
        return pd.Period(f"{int(T0)}-01", freq="M") + (self.n_months - 1)

    @property
    def last_data_year(self) -> int:
        """The calendar year of the last month with data."""
        return int(self.end.year)


def calibration_data(data: pd.DataFrame, vintage: pd.Timestamp) -> CalibrationData:
    """Select what the calibration sees at ``vintage`` (see the module docstring).

    Every death counts once: annual counts are used only for years wholly before the months
    the first window covers (the window ending January 2015 covers February 2014 onwards, so
    annual counts run to 2013 and January 2014 is not observed), and every window after it.
    Without windows, every annual count available at the vintage is used, a provisional one
    with a doubled sd (spec §8).

    Raises
    ------
    odforecast.DataError
        Fewer than five years of deaths at the vintage, or non-consecutive years.
    """
    annual, annual_rows = bucket_targets(data, vintage)
    windows, window_rows = window_targets(data, vintage)
    if len(windows):
        first = pd.Period(windows.index[0], freq="M") - 11
        annual = annual[annual.index < first.year]
        first_month = (first.year - int(T0)) * 12 + first.month - 1
        last = pd.Period(windows.index[-1], freq="M")
    else:
        first_month = None
        if len(annual) == 0:
            raise DataError(f"no US annual {', '.join(NEEDED)} deaths from {int(T0)} onwards "
                            f"were available at vintage {vintage.date()}", column="vintage",
                            hint="choose a later vintage (final 2002 counts appeared in Dec "
                                 "2003)")
        last = pd.Period(f"{int(annual.index[-1])}-12", freq="M")
    years = annual.index.to_numpy(dtype=int)
    if len(years) and np.any(np.diff(years) != 1):
        raise DataError("the available years of deaths are not consecutive", column="data")
    n_years_of_data = len(years) + len(windows) / 12.0
    if n_years_of_data < 5:
        raise DataError(f"only {n_years_of_data:.1f} years of deaths were available at vintage "
                        f"{vintage.date()}; the calibration needs at least 5",
                        column="vintage")
    n_months = (last.year - int(T0)) * 12 + last.month
    prevalence = []
    for i, stock in enumerate("MPHTR"):
        for year, persons in NSDUH_TARGETS.get(stock, {}).items():
            month = 12 * (year - int(T0)) + 6
            if availability(year, vintage) is not None and month < n_months:
                prevalence.append((month, i, float(persons)))
    rows = pd.concat([annual_rows, window_rows])
    return CalibrationData(n_months, annual, windows, first_month, tuple(prevalence), vintage,
                           rows)


def sd_factors(annual: pd.DataFrame) -> np.ndarray:
    """Observation-sd multiplier per annual year: doubled for provisional counts."""
    return np.where(annual["status"] == "provisional", FIXED["provisional_sd_factor"], 1.0)
