"""The scenario types by the ``type`` key of their plain-data form, and building one from it.

Each scenario type registers itself where it is defined (``@register("interdiction")``), so
:func:`~odforecast.scenarios.from_dict` finds every type, and a type made of other scenarios
(:class:`~odforecast.scenarios.Combined`) can read its parts from plain data, without this
module importing any of them.

Examples
--------
>>> from odforecast.scenarios.registry import scenario_type
>>> scenario_type("interdiction").__name__
'Interdiction'
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from odforecast.errors import ScenarioError

__all__ = ["register", "scenario_type", "type_names"]

_T = TypeVar("_T", bound=type)

# type key -> class, in registration order (the order error messages list them in)
_TYPES: dict[str, type] = {}


def register(kind: str) -> Callable[[_T], _T]:
    """Class decorator: make ``kind`` the ``type`` key that builds the class from plain data.

    Examples
    --------
    >>> from dataclasses import dataclass
    >>> @register("doctest_only")
    ... @dataclass(frozen=True)
    ... class Doubling:
    ...     name: str = "doubling"
    >>> scenario_type("doctest_only") is Doubling
    True
    >>> _ = _TYPES.pop("doctest_only")  # leave the registry as it was
    """
    def add(cls: _T) -> _T:
        if _TYPES.get(kind, cls) is not cls:
            raise ValueError(f"scenario type {kind!r} is already registered")
        _TYPES[kind] = cls
        return cls
    return add


def type_names() -> list[str]:
    """Every registered ``type`` key, in registration order.

    Examples
    --------
    >>> type_names()[:3]
    ['status_quo', 'constant_multiplier', 'interdiction']
    """
    return list(_TYPES)


def scenario_type(kind: Any) -> type:
    """The class registered for ``kind``.

    Raises
    ------
    ScenarioError
        For an unknown ``kind``, listing the known ones (and ``preset``).

    Examples
    --------
    >>> scenario_type("embargo")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    odforecast.errors.ScenarioError: parameter 'type' must be one of status_quo, ... (or give \
'preset'); got 'embargo'
    """
    if not isinstance(kind, str) or kind not in _TYPES:
        raise ScenarioError(f"parameter 'type' must be one of {', '.join(_TYPES)} (or give "
                            f"'preset'); got {kind!r}")
    return _TYPES[kind]


def _build(cls: type, data: Mapping[str, Any]) -> Any:
    """Construct ``cls`` from its dict form, with errors naming the bad or missing key."""
    label = f"{cls.__name__} {data.get('name')!r}" if isinstance(data, Mapping) else cls.__name__
    if not isinstance(data, Mapping):
        raise ScenarioError(f"{label}: expected a mapping of parameters; got "
                            f"{type(data).__name__}")
    names = [f.name for f in dataclasses.fields(cls)]
    required = [f.name for f in dataclasses.fields(cls)
                if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING]
    args = {k: v for k, v in data.items() if k != "type"}
    unknown = [k for k in args if k not in names]
    if unknown:
        raise ScenarioError(f"{label}: unknown parameter {unknown[0]!r}; its parameters are "
                            f"{', '.join(names)}")
    missing = [k for k in required if k not in args]
    if missing:
        raise ScenarioError(f"{label}: missing parameter {missing[0]!r} (required: "
                            f"{', '.join(required)})")
    return cls(**args)
