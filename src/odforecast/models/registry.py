"""Models by name, for the CLI and for configuration files."""

from __future__ import annotations

from typing import Any

from odforecast.errors import DataError
from odforecast.models.arima import ARIMA
from odforecast.models.base import Model
from odforecast.models.baselines import Drift, Naive, SeasonalNaive
from odforecast.models.bayes.hierarchical import HierarchicalBayes
from odforecast.models.bayes.trend import BayesianTrend

__all__ = ["MODELS", "get_model"]

#: Name -> model class.  Later model families register here too.
MODELS: dict[str, type[Model]] = {
    "arima": ARIMA,
    "naive": Naive,
    "drift": Drift,
    "seasonal_naive": SeasonalNaive,
    "bayes": BayesianTrend,
    "hierarchical": HierarchicalBayes,
}


def get_model(name: str, **params: Any) -> Model:
    """A model instance by name.

    Examples
    --------
    >>> get_model("arima", order=(1, 1, 0))
    ARIMA(order=(1, 1, 0), seasonal_order=None, seasonal=None, transform='auto', max_p=3, max_q=3, max_P=1, max_Q=1, max_d=2, max_D=1, max_models=30, fallback='drift')
    """  # noqa: E501
    if name not in MODELS:
        raise DataError(f"unknown model {name!r}; available: {', '.join(MODELS)}",
                        column="model")
    return MODELS[name](**params)
