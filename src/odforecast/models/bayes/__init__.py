"""Bayesian models in PyMC (imported lazily: ``import odforecast`` does not load PyMC)."""

from odforecast.models.bayes.config import (
    ANNUAL_MODEL_CONFIG,
    ANNUAL_SAMPLER_CONFIG,
    DEFAULT_MODEL_CONFIG,
    DEFAULT_SAMPLER_CONFIG,
    HIERARCHICAL_MODEL_CONFIG,
    HIERARCHICAL_SAMPLER_CONFIG,
)
from odforecast.models.bayes.fit import BayesFit, load_fit
from odforecast.models.bayes.hierarchical import HierarchicalBayes
from odforecast.models.bayes.trend import BayesianTrend

__all__ = [
    "ANNUAL_MODEL_CONFIG",
    "ANNUAL_SAMPLER_CONFIG",
    "DEFAULT_MODEL_CONFIG",
    "DEFAULT_SAMPLER_CONFIG",
    "HIERARCHICAL_MODEL_CONFIG",
    "HIERARCHICAL_SAMPLER_CONFIG",
    "BayesFit",
    "BayesianTrend",
    "HierarchicalBayes",
    "load_fit",
]
