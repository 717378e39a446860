"""Warnings as the command line prints them: once each, ``odforecast: warning: ...``, without
the internal file paths Python's warning display adds, and with what to change on the command
line when a Bayesian fit is not trustworthy."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable

__all__ = ["SAMPLER_HINT", "print_warnings", "warning_lines"]

#: What to change when a posterior is not trustworthy (the flags of ``forecast``/``backtest``).
SAMPLER_HINT = ("to fix it, sample longer: e.g. --draws 2000 --tune 2000, and --target-accept "
                "0.995 if there were divergences")

# "/path/to/module.py:123: " or "(/path/to/file.py, line 12)": where a warning was raised
_PATH = re.compile(r"(?:[A-Za-z]:)?(?:[\\/][^\s:,()]+)+\.pyx?(?:(?::\d+)|(?:, line \d+))?:?\s*"
                   r"(?:\w*Warning:\s*)?")


def _key(message: str) -> str:
    """Messages that say the same thing share a key: the fit's warning ("bayes fit is not
    trustworthy: ...") and the forecast's ("posterior not trustworthy: ...") are one."""
    if "not trustworthy" in message:
        return "not trustworthy"
    return message


def warning_lines(messages: Iterable[str], *, sampler_flags: bool = True) -> list[str]:
    """The lines to print for ``messages``: distinct ones, in order, without file paths.

    Examples
    --------
    >>> lines = warning_lines([
    ...     "/usr/lib/python3.12/site-packages/odforecast/models/bayes/fit.py:171: "
    ...     "bayes fit is not trustworthy: max R-hat 1.04 > 1.01",
    ...     "posterior not trustworthy: max R-hat 1.04 > 1.01",
    ...     "US heroin: fitted with fallback drift", "US heroin: fitted with fallback drift"])
    >>> for line in lines:
    ...     print(line)  # doctest: +NORMALIZE_WHITESPACE
    odforecast: warning: bayes fit is not trustworthy: max R-hat 1.04 > 1.01; to fix it,
    sample longer: e.g. --draws 2000 --tune 2000, and --target-accept 0.995 if there were
    divergences
    odforecast: warning: US heroin: fitted with fallback drift

    A message that already says what to change (the models' own advice) is not given a second
    piece of advice:

    >>> warning_lines(["bayes fit is not trustworthy: bulk ESS 142 < 400. To fix it, raise "
    ...                "draws and tune (--draws 2000 --tune 2000)"])[0].count("to fix it")
    0
    """
    seen: set[str] = set()
    lines = []
    for message in messages:
        text = _PATH.sub("", str(message)).strip()
        if not text or _key(text) in seen:
            continue
        seen.add(_key(text))
        if "not trustworthy" in text and sampler_flags and "to fix it" not in text.lower():
            text = f"{text}; {SAMPLER_HINT}"
        lines.append(f"odforecast: warning: {text}")
    return lines


def print_warnings(messages: Iterable[str], *, sampler_flags: bool = True) -> None:
    """Print :func:`warning_lines` to stderr."""
    for line in warning_lines(messages, sampler_flags=sampler_flags):
        print(line, file=sys.stderr)
