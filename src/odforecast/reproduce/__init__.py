"""Published projections (as data) and their reproduction: :func:`reproduce`."""

import sys
import types

from odforecast.reproduce.registry import PROJECTIONS, Projection, PublishedTotal, get_projection
from odforecast.reproduce.run import DEFAULT_SCENARIOS, Reproduction, reproduce

__all__ = [
    "DEFAULT_SCENARIOS",
    "PROJECTIONS",
    "Projection",
    "PublishedTotal",
    "Reproduction",
    "get_projection",
    "reproduce",
]


class _CallableModule(types.ModuleType):
    """``odforecast.reproduce`` is both this package and the function :func:`reproduce`.

    Importing the package (``from odforecast.reproduce import PROJECTIONS``) makes Python set
    the attribute ``odforecast.reproduce`` to the package, hiding the function of the same
    name; calling the package forwards to the function, so ``odforecast.reproduce(...)`` works
    whatever was imported first.
    """

    def __call__(self, *args, **kwargs):
        return reproduce(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
