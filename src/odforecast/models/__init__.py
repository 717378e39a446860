"""Forecasting models; every one follows the contract in :mod:`odforecast.models.base`."""

from odforecast.models.arima import ARIMA
from odforecast.models.base import FittedModel, Model, PerSeriesModel
from odforecast.models.baselines import Drift, Naive, SeasonalNaive
from odforecast.models.bayes import BayesianTrend, HierarchicalBayes
from odforecast.models.ensemble import Ensemble
from odforecast.models.registry import MODELS, get_model
from odforecast.models.structural import StructuralTrend

__all__ = [
    "ARIMA",
    "MODELS",
    "BayesianTrend",
    "Drift",
    "Ensemble",
    "FittedModel",
    "HierarchicalBayes",
    "Model",
    "Naive",
    "PerSeriesModel",
    "SeasonalNaive",
    "StructuralTrend",
    "get_model",
]
