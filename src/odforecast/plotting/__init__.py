"""Figures of forecasts, scenarios and backtests (matplotlib, imported only when drawing).

Every function returns a :class:`matplotlib.figure.Figure` made without pyplot, so it works
headless; in a notebook it displays itself, in a script save it with ``fig.savefig(path)``.

* :func:`plot_forecast` — fan chart (what :meth:`odforecast.Forecast.plot` draws);
* :func:`plot_scenarios` — scenarios against the baseline, with cumulative totals;
* :func:`plot_locations` — small multiples: one fan chart per location (e.g. every state);
* :func:`plot_backtest` — WIS and interval coverage by horizon, per model.

Examples
--------
>>> import odforecast
>>> from odforecast.models import ARIMA
>>> from odforecast.plotting import plot_forecast
>>> us = odforecast.load_dataset("us_annual").query(
...     "indicator == 'opioids' and estimate == 'reported'")
>>> fig = plot_forecast(ARIMA(order=(1, 1, 0)).fit(us).forecast(5, random_seed=1))
>>> fig.savefig("fan.png")  # doctest: +SKIP
"""

from odforecast.plotting.backtest import plot_backtest
from odforecast.plotting.fan import plot_forecast
from odforecast.plotting.locations import plot_locations
from odforecast.plotting.scenarios import plot_scenarios

__all__ = ["plot_backtest", "plot_forecast", "plot_locations", "plot_scenarios"]
