"""Models by name, for the CLI and for configuration files."""

from __future__ import annotations

from typing import Any

from odforecast.errors import DataError
from odforecast.models.arima import ARIMA
from odforecast.models.base import Model
from odforecast.models.baselines import Drift, Naive, SeasonalNaive
from odforecast.models.bayes.hierarchical import HierarchicalBayes
from odforecast.models.bayes.trend import BayesianTrend
from odforecast.models.ensemble import Ensemble
from odforecast.models.structural import StructuralTrend

__all__ = ["MODELS", "get_model"]

#: Name -> model class.  Later model families register here too.
MODELS: dict[str, type[Model]] = {
    "arima": ARIMA,
    "naive": Naive,
    "drift": Drift,
    "structural": StructuralTrend,
    "seasonal_naive": SeasonalNaive,
    "bayes": BayesianTrend,
    "hierarchical": HierarchicalBayes,
    "ensemble": Ensemble,
}


def get_model(name: str, **params: Any) -> Model:
    """A model instance by name.

    Examples
    --------
    >>> get_model("arima", order=(1, 1, 0))
    ARIMA(order=(1, 1, 0))
    """
    if name not in MODELS:
        raise DataError(f"unknown model {name!r}; available: {', '.join(MODELS)}",
                        column="model")
    return MODELS[name](**params)
