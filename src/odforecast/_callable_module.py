"""Modules that share their name with the function they define, and stay callable.

``odforecast.reproduce`` (a package and a function) and ``odforecast.evaluate.backtest`` (a
module and a function) are both names users call.  Importing the module makes Python (or
pytest's importlib mode) set the parent's attribute to the module, hiding the function; a module
whose class forwards calls to the function works whichever got bound.
"""

from __future__ import annotations

import sys
import types
from collections.abc import Callable
from typing import Any

__all__ = ["make_callable"]


def make_callable(module_name: str, function: Callable[..., Any]) -> None:
    """Let ``module_name`` (already in ``sys.modules``) be called as ``function``.

    Examples
    --------
    >>> import odforecast.evaluate.backtest as module
    >>> callable(module)
    True
    """

    class _CallableModule(types.ModuleType):
        __doc__ = sys.modules[module_name].__doc__

        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            return function(*args, **kwargs)

    sys.modules[module_name].__class__ = _CallableModule
