"""Import the package before pytest collects its source files for the doctests.

With ``--import-mode=importlib`` pytest imports a source file by its path.  A module that its
own package's ``__init__`` imports (``odforecast.scenarios.effects``,
``odforecast.models.base``) would then run twice when its file is collected first, as in
``pytest src/odforecast/scenarios/effects.py``: the second copy registers its scenario types
again or defines classes the rest of the package does not know (or, for
``odforecast.evaluate.backtesting``, functions a process pool cannot pickle by name).
Imported here first, the modules are in ``sys.modules`` and pytest reuses them.
"""

import importlib

for _name in ("odforecast.models", "odforecast.scenarios", "odforecast.evaluate"):
    importlib.import_module(_name)
