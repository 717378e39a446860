"""Evaluation: rolling-origin backtests and scoring rules (on plain numpy arrays)."""

from odforecast.evaluate.backtesting import (
    HUB_LEVELS,
    BacktestResult,
    backtest,
    compare,
    fit_and_forecast,
    rolling_origins,
    score_forecast,
)
from odforecast.evaluate.scores import (
    coverage,
    crps_sample,
    interval_score,
    mae,
    mape,
    mase,
    pinball_loss,
    pit,
    relative_wis,
    wis,
)

__all__ = [
    "HUB_LEVELS",
    "BacktestResult",
    "backtest",
    "compare",
    "coverage",
    "crps_sample",
    "fit_and_forecast",
    "interval_score",
    "mae",
    "mape",
    "mase",
    "pinball_loss",
    "pit",
    "relative_wis",
    "rolling_origins",
    "score_forecast",
    "wis",
]
