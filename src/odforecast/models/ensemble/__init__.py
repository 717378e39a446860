"""Ensembles of odforecast models: a weighted mixture of the members' sample paths, with weights
learnt only from backtests on the training data (:class:`Ensemble`)."""

from odforecast.models.ensemble.fit import EnsembleFit, mix_forecasts
from odforecast.models.ensemble.model import DEFAULT_MEMBERS, WEIGHT_METHODS, Ensemble

__all__ = ["DEFAULT_MEMBERS", "WEIGHT_METHODS", "Ensemble", "EnsembleFit", "mix_forecasts"]
