"""Conformance checks every odforecast model must pass (usable by third-party models too).

Examples
--------
>>> import odforecast
>>> from odforecast.models import Naive
>>> from odforecast.testing import check_model
>>> us = odforecast.load_dataset("us_annual").query(
...     "indicator in ['opioids', 'heroin'] and estimate == 'reported'")
>>> check_model(Naive(), us, horizon=3)
"""

from __future__ import annotations

import copy
import inspect

import numpy as np
import pandas as pd

from odforecast.errors import DataError
from odforecast.models.base import FittedModel, Model
from odforecast.scenarios import ConstantMultiplier

__all__ = ["check_model"]


def check_model(model: Model, data: pd.DataFrame, *, horizon: int = 4, n_samples: int = 64,
                random_seed: int = 123) -> None:
    """Run the model contract's checks; raise AssertionError describing the first failure.

    Checks that ``__init__`` only stores parameters (fitting leaves the model unchanged), that
    ``fit`` returns a :class:`~odforecast.models.base.FittedModel` with a diagnostics row per
    series, that forecasts have the documented dims, are non-negative, reproduce from a seed and
    differ across seeds, survive a pickle round trip (for classes pickle can find by name) and
    a save/load round trip (for families that save), that a scenario multiplier of 1
    reproduces the baseline path for path and a multiplier of 0.5 halves it (on average), that
    several scenarios give a ``scenario`` dimension, and that bad horizons are rejected with
    :class:`~odforecast.DataError`.

    Parameters
    ----------
    model : Model
        An unfitted model (any :class:`~odforecast.models.Model`, including your own).
    data : DataFrame
        Tidy frame to fit (one or more series, one estimate each).
    horizon, n_samples, random_seed : int
        Settings of the test forecasts.

    Raises
    ------
    AssertionError
        Naming the first rule the model breaks.

    Examples
    --------
    >>> import odforecast
    >>> from odforecast.testing import check_model
    >>> us = odforecast.load_dataset("us_annual").query(
    ...     "indicator in ['opioids', 'heroin'] and estimate == 'reported'")
    >>> check_model(odforecast.Drift(), us, horizon=3)  # passes: returns None
    """
    params = inspect.signature(type(model).__init__).parameters
    for name in params:
        if name != "self" and not hasattr(model, name):
            raise AssertionError(f"{type(model).__name__}.__init__ must store parameter {name!r}")
    before = copy.deepcopy(model.__dict__)
    fitted = model.fit(data)
    if not isinstance(fitted, FittedModel):
        raise AssertionError("fit() must return a FittedModel")
    if model.__dict__.keys() != before.keys() or repr(model.__dict__) != repr(before):
        raise AssertionError("fit() must not change the model object (state belongs on the "
                             "fitted object)")
    n_series = data.groupby(["location", "indicator"]).ngroups
    if len(fitted.diagnostics) != n_series:
        raise AssertionError(f"diagnostics must have one row per series ({n_series})")

    fc = fitted.forecast(horizon, n_samples=n_samples, random_seed=random_seed)
    dims = fc.samples.dims
    if dims != ("sample", "location", "indicator", "time"):
        raise AssertionError(f"forecast dims must be (sample, location, indicator, time); "
                             f"got {dims}")
    if fc.samples.sizes["time"] != horizon or fc.samples.sizes["sample"] != n_samples:
        raise AssertionError("forecast must have `horizon` periods and `n_samples` paths")
    values = fc.samples.values
    if np.nanmin(values) < 0:
        raise AssertionError("sample paths must be non-negative")
    last_observed = pd.to_datetime(data["period_end"]).max()
    if pd.Timestamp(fc.samples["time"].values[0]) <= last_observed:
        raise AssertionError("forecast periods must follow the last observed period")
    again = fitted.forecast(horizon, n_samples=n_samples, random_seed=random_seed)
    if not np.array_equal(values, again.samples.values, equal_nan=True):
        raise AssertionError("the same random_seed must reproduce the same paths")
    other = fitted.forecast(horizon, n_samples=n_samples, random_seed=random_seed + 1)
    if np.array_equal(values, other.samples.values, equal_nan=True):
        raise AssertionError("different seeds must give different paths")
    if fc.metadata.get("random_seed") != random_seed:
        raise AssertionError("the forecast's metadata must record the seed")

    one = fitted.forecast(horizon, ConstantMultiplier(1.0), n_samples=n_samples,
                          random_seed=random_seed)
    if not np.array_equal(values, one.samples.values, equal_nan=True):
        raise AssertionError("a scenario multiplier of 1 must reproduce the baseline paths")
    half = fitted.forecast(horizon, ConstantMultiplier(0.5), n_samples=n_samples,
                           random_seed=random_seed)
    # The multiplier acts on the latent rate: paths of models without observation noise halve
    # exactly; count models draw new counts around the halved rate, so their mean halves.
    ratio = np.nanmean(half.samples.values) / np.nanmean(values)
    if not 0.4 <= ratio <= 0.6:
        raise AssertionError(f"a scenario multiplier of 0.5 must halve the latent paths "
                             f"(mean ratio {ratio:.3f})")
    both = fitted.forecast(horizon, [ConstantMultiplier(1.0, name="base"),
                                     ConstantMultiplier(0.5, name="half")],
                           n_samples=n_samples, random_seed=random_seed)
    if both.samples.dims[0] != "scenario" or list(both.samples["scenario"].values) != [
            "base", "half"]:
        raise AssertionError("a list of scenarios must give a leading 'scenario' dimension")

    _check_round_trips(fitted, fc, horizon, n_samples, random_seed)

    for bad in (0, -1, 2.5):
        try:
            fitted.forecast(bad, n_samples=n_samples, random_seed=random_seed)
        except DataError:
            continue
        raise AssertionError(f"horizon={bad!r} must raise odforecast.DataError")


def _check_round_trips(fitted: FittedModel, fc, horizon: int, n_samples: int,
                       random_seed: int) -> None:
    """A pickled fit (for process executors and caching) and, for families that save, a
    saved and loaded fit forecast the same paths for the same seed."""
    import pickle
    import tempfile
    from pathlib import Path

    values = fc.samples.values
    if not all(_importable(type(x)) for x in (fitted, fitted.model)):
        return  # a class defined in a function or a doctest cannot be pickled by reference
    try:
        again = pickle.loads(pickle.dumps(fitted))
    except Exception as exc:
        raise AssertionError(f"a fitted model must survive pickling ({exc})") from exc
    paths = again.forecast(horizon, n_samples=n_samples, random_seed=random_seed)
    if not np.array_equal(values, paths.samples.values, equal_nan=True) \
            or paths.locations != fc.locations:
        raise AssertionError("a pickled and unpickled fit must forecast the same paths")
    if not type(fitted).can_save:
        return
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fit.nc"
        fitted.save(path)
        loaded = type(fitted).load(path)
        paths = loaded.forecast(horizon, n_samples=n_samples, random_seed=random_seed)
    if not np.array_equal(values, paths.samples.values, equal_nan=True) \
            or paths.locations != fc.locations:
        raise AssertionError("a saved and loaded fit must forecast the same paths")


def _importable(cls: type) -> bool:
    """Whether pickle can find ``cls`` by its module and qualified name."""
    import sys

    owner: object = sys.modules.get(cls.__module__)
    for part in cls.__qualname__.split("."):
        owner = getattr(owner, part, None)
    return owner is cls
