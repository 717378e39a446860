"""Library-wide options: quick mode and progress display.

Two switches that notebooks, the CLI and scripts share:

``quick``
    Smaller default sampler settings for the Bayesian models (fewer tuning steps and draws), and
    the Laplace approximation instead of NUTS for the mechanistic model's calibration, for
    trying things out and for running the example notebooks in CI.  The models and data are the
    real ones; only the inference is cheaper, so quick Bayesian fits are usually flagged as not
    converged — their forecasts carry that warning.  Explicit ``sampler_config`` values always
    win over quick mode.
``progress``
    Progress messages on long work (sampling, backtests, reproductions), written to stderr.

Each option can be set in code (:func:`set_options`, also usable as a context manager) or by
an environment variable read when odforecast is imported: ``ODFORECAST_QUICK=1`` and
``ODFORECAST_PROGRESS=0``.

Examples
--------
>>> import odforecast
>>> odforecast.get_options()["quick"] in (True, False)
True
>>> with odforecast.set_options(quick=True):
...     odforecast.get_options()["quick"]
True
"""

from __future__ import annotations

import os
from typing import Any

from odforecast.errors import OdforecastError

__all__ = ["QUICK_SAMPLER_CONFIG", "get_options", "set_options"]

#: Sampler settings that quick mode puts in place of the defaults (see
#: :data:`odforecast.models.bayes.config.DEFAULT_SAMPLER_CONFIG`).
QUICK_SAMPLER_CONFIG: dict[str, Any] = {"draws": 200, "tune": 300, "advi_iterations": 5_000}


def _env_flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise OdforecastError(f"environment variable {name}={value!r} is not a yes/no value; "
                          "use 1 or 0")


_OPTIONS: dict[str, bool] = {
    "quick": _env_flag("ODFORECAST_QUICK", False),
    "progress": _env_flag("ODFORECAST_PROGRESS", True),
}


def get_options() -> dict[str, bool]:
    """Current option values (a copy).

    Returns
    -------
    dict
        ``{"quick": bool, "progress": bool}``.

    Examples
    --------
    >>> import odforecast
    >>> sorted(odforecast.get_options())
    ['progress', 'quick']
    """
    return dict(_OPTIONS)


class set_options:  # noqa: N801  (a function-like context manager, as xarray.set_options)
    """Set library options, globally or inside a ``with`` block.

    Parameters
    ----------
    quick : bool, optional
        Smaller default sampler settings for the Bayesian models (see the module docs).
    progress : bool, optional
        Progress messages on stderr during long work.

    Raises
    ------
    odforecast.OdforecastError
        A value that is not a bool.

    Examples
    --------
    >>> import odforecast
    >>> before = odforecast.get_options()["progress"]
    >>> with odforecast.set_options(progress=False):
    ...     odforecast.get_options()["progress"]
    False
    >>> odforecast.get_options()["progress"] == before
    True
    """

    def __init__(self, *, quick: bool | None = None, progress: bool | None = None) -> None:
        self._previous = dict(_OPTIONS)
        for name, value in (("quick", quick), ("progress", progress)):
            if value is None:
                continue
            if not isinstance(value, bool):
                raise OdforecastError(f"set_options: {name} must be True or False, "
                                      f"got {value!r}")
            _OPTIONS[name] = value

    def __enter__(self) -> set_options:
        return self

    def __exit__(self, *exc: object) -> None:
        _OPTIONS.clear()
        _OPTIONS.update(self._previous)


def progress_enabled(progress: bool | None = None) -> bool:
    """Resolve a function's ``progress`` argument: ``None`` means the global option."""
    return _OPTIONS["progress"] if progress is None else bool(progress)
