"""Published projections (as data) and their reproduction: :func:`reproduce`."""

from odforecast._callable_module import make_callable
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


# ``odforecast.reproduce`` is both this package and the function: keep it callable whichever
# got bound to the name (see odforecast._callable_module)
make_callable(__name__, reproduce)
