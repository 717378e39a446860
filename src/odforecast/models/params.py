"""Checks of model parameters, run when a model is constructed or at the start of ``fit``.

Each check returns the value (normalised) or raises
:class:`~odforecast.errors.ParameterError` naming the parameter, what was given and what is
allowed, before any series is fitted (scikit-learn's rule: ``__init__`` stores, ``fit``
validates).

Examples
--------
>>> check_choice("drift", "fallback", ("drift", "naive", None))
'drift'
>>> check_choice("bogus", "fallback", ("drift", "naive", None))
Traceback (most recent call last):
...
odforecast.errors.ParameterError: fallback must be one of 'drift', 'naive', None; got 'bogus'
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from odforecast.errors import ParameterError

__all__ = ["check_bool", "check_choice", "check_int", "check_number", "check_order",
           "check_sampler_settings", "merge_settings"]


def check_choice(value: Any, parameter: str, choices: Sequence[Any]) -> Any:
    """``value`` if it is one of ``choices``.

    Examples
    --------
    >>> check_choice("log", "transform", ("auto", "log", "sqrt", "none"))
    'log'
    """
    if not any(value is c or (isinstance(value, str) and value == c) for c in choices):
        allowed = ", ".join(repr(c) for c in choices)
        raise ParameterError(f"must be one of {allowed}; got {value!r}", parameter=parameter)
    return value


def check_bool(value: Any, parameter: str, *, allow_none: bool = False) -> bool | None:
    """``value`` as a bool (True/False, or None when allowed).

    Examples
    --------
    >>> check_bool(True, "damped"), check_bool(None, "seasonal", allow_none=True)
    (True, None)
    """
    if value is None and allow_none:
        return None
    if not isinstance(value, bool | np.bool_):
        allowed = "True, False or None" if allow_none else "True or False"
        raise ParameterError(f"must be {allowed}; got {value!r}", parameter=parameter)
    return bool(value)


def check_int(value: Any, parameter: str, *, minimum: int = 0,
              allow_none: bool = False) -> int | None:
    """``value`` as an int at least ``minimum`` (Python or NumPy integer, not bool).

    Examples
    --------
    >>> import numpy as np
    >>> check_int(np.int64(3), "max_p"), check_int(None, "season_length", allow_none=True)
    (3, None)
    >>> check_int(2.5, "parameter_draws", minimum=1)
    Traceback (most recent call last):
    ...
    odforecast.errors.ParameterError: parameter_draws must be a positive integer; got 2.5
    """
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        what = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
        raise ParameterError(f"must be {what}{' or None' if allow_none else ''}; got {value!r}",
                             parameter=parameter)
    return int(value)


def check_number(value: Any, parameter: str, *, positive: bool = False,
                 allow_none: bool = False) -> float | None:
    """``value`` as a finite float (positive when asked).

    Examples
    --------
    >>> check_number(0.22, "rao_growth")
    0.22
    >>> check_number(float("nan"), "rao_growth")
    Traceback (most recent call last):
    ...
    odforecast.errors.ParameterError: rao_growth must be a finite number; got nan
    """
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating) \
            or not math.isfinite(value) or (positive and value <= 0):
        what = "a positive number" if positive else "a finite number"
        raise ParameterError(f"must be {what}{' or None' if allow_none else ''}; got {value!r}",
                             parameter=parameter)
    return float(value)


def check_order(value: Any, parameter: str, *, allow_none: bool = True
                ) -> tuple[int, int, int] | None:
    """An ARIMA order: three non-negative integers (or None when allowed).

    Examples
    --------
    >>> check_order([1, 1, 0], "order")
    (1, 1, 0)
    """
    if value is None and allow_none:
        return None
    if not isinstance(value, Sequence) or isinstance(value, str) or len(value) != 3:
        raise ParameterError(f"must be three non-negative integers such as (1, 1, 0); got "
                             f"{value!r}", parameter=parameter)
    return tuple(check_int(v, parameter) for v in value)  # type: ignore[return-value]


def check_sampler_settings(config: dict[str, Any], counts: Sequence[str]) -> None:
    """Check the counts (``tune`` may be 0, the others positive) and ``target_accept`` (in
    [0.5, 1)) of a sampler configuration; the parameter named is the entry's key.

    Examples
    --------
    >>> check_sampler_settings({"draws": 500, "tune": 0, "target_accept": 0.9},
    ...                        ("draws", "tune"))
    >>> check_sampler_settings({"draws": 500, "tune": 0, "target_accept": 1.0},
    ...                        ("draws", "tune"))
    Traceback (most recent call last):
    ...
    odforecast.errors.ParameterError: target_accept must be in [0.5, 1); got 1.0
    """
    for key in counts:
        check_int(config[key], key, minimum=0 if key == "tune" else 1)
    target = check_number(config["target_accept"], "target_accept")
    if not 0.5 <= target < 1:
        raise ParameterError(f"must be in [0.5, 1); got {config['target_accept']!r}",
                             parameter="target_accept")


def merge_settings(defaults: Mapping[str, Any], user: Mapping[str, Any] | None, *,
                   name: str) -> dict[str, Any]:
    """``defaults`` updated with the ``user`` dict; an unknown key is a ParameterError naming
    the dict (``name``) and listing the known keys.

    Examples
    --------
    >>> merge_settings({"draws": 1000, "tune": 1000}, {"draws": 200}, name="sampler_config")
    {'draws': 200, 'tune': 1000}
    """
    if user is not None and not isinstance(user, Mapping):
        raise ParameterError(f"must be a dict of settings or None; got {user!r}", parameter=name)
    merged = dict(defaults)
    for key, value in (user or {}).items():
        if key not in defaults:
            raise ParameterError(f"unknown {name} option {key!r}; known options: "
                                 f"{', '.join(sorted(defaults))}", parameter=name)
        merged[key] = value
    return merged
