"""Text for the terminal: its width, and table notes wrapped to it."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

__all__ = ["terminal_width", "wrap_notes"]


def terminal_width() -> int:
    """Columns of the terminal (100 when there is none, e.g. output to a file)."""
    import shutil

    return shutil.get_terminal_size((100, 24)).columns


def wrap_notes(notes: Sequence[str]) -> list[str]:
    """A table's notes wrapped to the terminal (60-100 columns), continuation lines indented.

    Examples
    --------
    >>> print(wrap_notes(["word " * 30])[0])  # doctest: +ELLIPSIS
    word word ... word
      word word...
    """
    width = max(60, min(terminal_width(), 100))
    return [textwrap.fill(note, width, subsequent_indent="  ") for note in notes]
