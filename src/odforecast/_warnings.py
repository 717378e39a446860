"""How odforecast warns: at the user's own line, once, and saying what to change.

Python attributes a warning to a frame chosen by ``stacklevel``.  Inside a library the right level
depends on how deep the call chain is, so a fixed level points at some odforecast file (for
example ``.../site-packages/odforecast/reproduction/run.py:460``), which means nothing to a user
and differs from call to call, so Python's "once per location" default shows it again and again.
:func:`warn` instead attributes every warning to the first frame *outside* the package (the
user's script line or notebook cell) with ``skip_file_prefixes`` (Python 3.12+).

Python's once-per-location memory (the calling module's ``__warningregistry__``) is wiped
whenever the warning filters change, and odforecast changes them inside every fit (with
:class:`warnings.catch_warnings`, to quiet PyMC and statsmodels).  So a loop fitting twice would
print the same warning twice.  :func:`warn` keeps its own memory of what it showed where, used
only when the filter that applies is Python's ``"default"`` action (once per location): a user's
``"always"``, ``"error"`` or ``"ignore"`` filter is obeyed as usual.
"""

from __future__ import annotations

import re
import sys
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from types import MappingProxyType
from typing import Any

from odforecast.errors import OdforecastWarning

__all__ = ["command_line_flags", "fit_advice", "warn"]

#: Files under this folder are odforecast's own; a warning is attributed to the first frame
#: outside it.  The trailing separator keeps e.g. ``odforecast_extras/`` outside.
PACKAGE_DIR = str(Path(__file__).resolve().parent) + "/"
_PREFIXES = (PACKAGE_DIR, str(Path(__file__).parent) + "/")

#: (message, category, filename, line) of warnings already shown under the "default" action.
_shown: set[tuple[str, type[Warning], str, int]] = set()


def warn(message: str, category: type[Warning] = OdforecastWarning) -> None:
    """Warn at the first caller outside odforecast, once per message and location.

    Parameters
    ----------
    message
        What happened and what to change.
    category
        The warning class, :class:`~odforecast.OdforecastWarning` unless said otherwise.

    Examples
    --------
    The warning names the caller's file and line, here the doctest's, not this module:

    >>> import warnings
    >>> from odforecast._warnings import warn
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warn("population of US-VT does not cover 2025")
    >>> caught[0].category.__name__, "odforecast/_warnings.py" in caught[0].filename
    ('OdforecastWarning', False)
    """
    frame = _user_frame()
    if frame is not None:
        key = (str(message), category, frame.f_code.co_filename, frame.f_lineno)
        module = frame.f_globals.get("__name__", "<string>")
        if _action(str(message), category, module, frame.f_lineno) == "default":
            if key in _shown:
                return
            _shown.add(key)
    warnings.warn(message, category, skip_file_prefixes=_PREFIXES)


def _user_frame():
    """The first frame outside the package (what ``skip_file_prefixes`` picks), or None."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_PREFIXES):
        frame = frame.f_back
    return frame


def _action(text: str, category: type[Warning], module: str, lineno: int) -> str:
    """The action of the first filter that matches, as :func:`warnings.warn_explicit` finds it."""
    for action, msg, cat, mod, ln in warnings.filters:
        if ((msg is None or _match(msg, text)) and issubclass(category, cat)
                and (mod is None or _match(mod, module)) and (ln == 0 or lineno == ln)):
            return action
    return warnings.defaultaction


def _match(pattern: Any, text: str) -> bool:
    if isinstance(pattern, str):  # filters added with append/insert as plain strings
        return re.match(pattern, text) is not None
    return pattern.match(text) is not None


#: Sampler setting -> command-line flag, while a command that has such flags runs (set with
#: :func:`command_line_flags`); empty for Python users and for commands without them.
_FLAGS: ContextVar[Mapping[str, str]] = ContextVar("odforecast_flags",
                                                  default=MappingProxyType({}))


@contextmanager
def command_line_flags(flags: Mapping[str, str]) -> Iterator[None]:
    """Within, :func:`fit_advice` names these command-line flags besides the settings.

    Only a command that has the flags sets them (the command line's ``forecast`` and
    ``backtest``), so ``reproduce``, ``project`` and Python users are never told to pass a
    flag they cannot pass.  The flags are a context variable: fits run in the same thread (or
    a copied context) see them; work sent to another process does not and is advised in
    setting names only.

    Parameters
    ----------
    flags
        Setting -> flag, e.g. ``{"draws": "--draws"}``.

    Examples
    --------
    >>> from odforecast._warnings import command_line_flags, fit_advice
    >>> with command_line_flags({"target_accept": "--target-accept"}):
    ...     fit_advice("3 divergent transitions", {"target_accept": 0.9})
    'raise target_accept (now 0.9; e.g. --target-accept 0.99)'
    >>> fit_advice("3 divergent transitions", {"target_accept": 0.9})
    "raise target_accept (now 0.9; e.g. sampler_config={'target_accept': 0.99})"
    """
    token = _FLAGS.set(MappingProxyType(dict(flags)))
    try:
        yield
    finally:
        _FLAGS.reset(token)


def fit_advice(problems: str, sampler_config: Mapping[str, Any], *, quick: bool = False,
               flags: Mapping[str, str] | None = None) -> str:
    r"""What to change when MCMC diagnostics flag a fit: the settings to raise, with values.

    Parameters
    ----------
    problems
        The diagnostics that failed, as in ``convergence["problems"]``.
    sampler_config
        The settings the fit ran with (``draws``, ``tune``, ``target_accept``, ``method``).
    quick
        Whether quick mode shortened the run.
    flags
        Setting -> command-line flag of the command that runs the fit; the suggestions then
        name the flags instead of the settings.  ``None`` (the default) takes those of
        :func:`command_line_flags` — none unless a command that has them set them — so a
        command without such flags (``reproduce``, ``project``) and a Python user are told
        the ``sampler_config`` settings.

    Examples
    --------
    >>> from odforecast._warnings import fit_advice
    >>> problems = "R-hat 1.030 > 1.01; 2 divergent transitions"
    >>> print(fit_advice(problems, {"draws": 200, "tune": 300, "target_accept": 0.9}
    ...                  ).replace("; ", ";\n"))
    raise draws and tune (now 200 and 300;
    e.g. sampler_config={'draws': 1000, 'tune': 1000});
    raise target_accept (now 0.9;
    e.g. sampler_config={'target_accept': 0.99})

    On the command line of ``forecast``, which has the flags:

    >>> cli = {"draws": "--draws", "tune": "--tune", "target_accept": "--target-accept"}
    >>> print(fit_advice(problems, {"draws": 200, "tune": 300, "target_accept": 0.9},
    ...                  flags=cli).replace("; ", ";\n"))
    raise draws and tune (now 200 and 300;
    e.g. --draws 1000 --tune 1000);
    raise target_accept (now 0.9;
    e.g. --target-accept 0.99)

    Each suggestion is higher than the setting the fit ran with:

    >>> fit_advice("3 divergent transitions", {"target_accept": 0.995}, flags=cli)
    'raise target_accept (now 0.995; e.g. --target-accept 0.999)'
    >>> fit_advice("3 divergent transitions", {"target_accept": 0.999})[:50]
    'divergences persist at target_accept 0.999: the po'

    Quick mode is named with both ways to turn it off (a command line can only use the
    environment):

    >>> advice = fit_advice("bulk ESS 120 < 400", {"draws": 200, "tune": 300}, quick=True)
    >>> "ODFORECAST_QUICK=0" in advice and "set_options(quick=False)" in advice
    True
    >>> fit_advice("approximate inference (ADVI), no MCMC diagnostics", {"method": "advi"})
    "use sampler_config={'method': 'nuts'} for a fit with convergence diagnostics"
    """
    if sampler_config.get("method") == "advi":
        return "use sampler_config={'method': 'nuts'} for a fit with convergence diagnostics"
    flags = _FLAGS.get() if flags is None else flags
    advice = []
    if re.search(r"R-hat|ESS", problems):
        draws, tune = int(sampler_config["draws"]), int(sampler_config["tune"])
        more = {"draws": max(1000, 2 * draws), "tune": max(1000, 2 * tune)}
        advice.append(f"raise draws and tune (now {draws} and {tune}; e.g. "
                      f"{_settings(more, flags)})")
    if re.search(r"\b[1-9][0-9,]* divergen", problems):
        now = float(sampler_config.get("target_accept", 0.8))
        higher = next((t for t in (0.99, 0.995, 0.999) if t > now), None)
        if higher is None:  # raising it further only slows the sampler down
            advice.append(f"divergences persist at target_accept {now:g}: the posterior is "
                          "hard to explore for these data, so compare with another model "
                          "(or, for a hierarchical model, pool more locations)")
        else:
            advice.append(f"raise target_accept (now {now:g}; e.g. "
                          f"{_settings({'target_accept': higher}, flags)})")
    if quick:  # a command line can only have set it through the environment
        advice.append("quick mode is on: turn it off with ODFORECAST_QUICK=0 in the "
                      "environment, or odforecast.set_options(quick=False) in Python")
    return "; ".join(advice) or "run longer chains"


def _settings(values: Mapping[str, Any], flags: Mapping[str, str]) -> str:
    """``--draws 1000 --tune 1000`` when every setting has a flag, else
    ``sampler_config={'draws': 1000, 'tune': 1000}``."""
    if all(key in flags for key in values):
        return " ".join(f"{flags[key]} {value}" for key, value in values.items())
    return f"sampler_config={dict(values)!r}"
