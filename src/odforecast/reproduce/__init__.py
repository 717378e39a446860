"""Published projections (as data) and their reproduction: :func:`reproduce`."""

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
