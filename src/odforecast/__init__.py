"""odforecast: statistical forecasting of overdose mortality."""
from odforecast._version import __version__
