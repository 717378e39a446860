"""Published projections (as data) and their reproduction: :func:`reproduce`.

Users call the function as ``odforecast.reproduce(...)``; this package holds the registry and
the run.  It used to be the package ``odforecast.reproduce`` too (module and function shared
the name): code that wrote ``from odforecast.reproduction import get_projection`` now writes
``from odforecast.reproduction import get_projection``.

Examples
--------
>>> import odforecast
>>> from odforecast.reproduction import PROJECTIONS, reproduce
>>> reproduce is odforecast.reproduce
True
>>> "stanford_lancet_2021" in PROJECTIONS
True
"""

from odforecast.reproduction.registry import (
    PROJECTIONS,
    Projection,
    PublishedTotal,
    get_projection,
)
from odforecast.reproduction.run import DEFAULT_SCENARIOS, Reproduction, reproduce

__all__ = [
    "DEFAULT_SCENARIOS",
    "PROJECTIONS",
    "Projection",
    "PublishedTotal",
    "Reproduction",
    "get_projection",
    "reproduce",
]
