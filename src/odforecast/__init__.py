"""odforecast: statistical forecasting of overdose mortality.

Real public data in one call, ARIMA and Bayesian models with honest uncertainty, scenario
projections and reproductions of published projections.

``import odforecast`` is light: pandas, PyMC, ArviZ and matplotlib load only when first used
(the public names below are resolved lazily).

Examples
--------
>>> import odforecast
>>> frame = odforecast.load_dataset("us_annual")  # doctest: +SKIP
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from odforecast._version import __version__
from odforecast.errors import (
    DataError,
    FetchError,
    FitError,
    OdforecastError,
    OdforecastWarning,
    ParameterError,
    ScenarioError,
)

# public name -> module that defines it (imported on first attribute access)
_LAZY: dict[str, str] = {
    "list_datasets": "odforecast.data.bundled",
    "load_dataset": "odforecast.data.bundled",
    "dataset_info": "odforecast.data.bundled",
    "validate": "odforecast.data.schema",
    "read_vsrr": "odforecast.data.vsrr",
    "read_wonder": "odforecast.data.wonder",
    "read_phac": "odforecast.data.phac",
    "read_cbp_seizures": "odforecast.data.cbp",
    "read_nflis": "odforecast.data.nflis",
    "read_census_population": "odforecast.data.census",
    "read_nida_overdose": "odforecast.data.nida",
    "read_nchs_drug_poisoning": "odforecast.data.nida",
    "fetch_vsrr": "odforecast.data.fetch",
    "Forecast": "odforecast.forecast",
    "ARIMA": "odforecast.models",
    "Naive": "odforecast.models",
    "Drift": "odforecast.models",
    "SeasonalNaive": "odforecast.models",
    "StructuralTrend": "odforecast.models",
    "get_model": "odforecast.models",
    "BayesianTrend": "odforecast.models",
    "HierarchicalBayes": "odforecast.models",
    "Ensemble": "odforecast.models",
    "backtest": "odforecast.evaluate",
    "MechanisticOpioidModel": "odforecast.mechanistic",
    "reproduce": "odforecast.reproduction",
    "project": "odforecast.outlook",
    "Interdiction": "odforecast.scenarios",
    "preset": "odforecast.scenarios",
    "load_scenarios": "odforecast.scenarios",
    "get_options": "odforecast.options",
    "set_options": "odforecast.options",
}

__all__ = [
    "DataError",
    "FetchError",
    "FitError",
    "OdforecastError",
    "OdforecastWarning",
    "ParameterError",
    "ScenarioError",
    "__version__",
    *_LAZY,
]

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from odforecast.data.bundled import dataset_info as dataset_info
    from odforecast.data.bundled import list_datasets as list_datasets
    from odforecast.data.bundled import load_dataset as load_dataset
    from odforecast.data.schema import validate as validate


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'odforecast' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
