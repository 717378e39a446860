"""Small parsing helpers shared by the readers: numbers with markers, and located errors."""

from __future__ import annotations

import math
import re
from os import PathLike
from pathlib import Path

from odforecast.errors import DataError

__all__ = ["MONTHS", "open_text", "parse_count", "parse_number", "require_columns"]

#: Month names and abbreviations -> month number (CBP uses ``OCT``, WONDER ``Jan.``).
MONTHS: dict[str, int] = {}
for _i, _name in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september",
     "october", "november", "december"], start=1):
    MONTHS[_name] = _i
    MONTHS[_name[:3]] = _i
MONTHS["sept"] = 9

_NUMBER = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d+)?$|^-?\d+(\.\d+)?([eE][-+]?\d+)?$")


def open_text(path: str | PathLike[str], encoding: str = "utf-8") -> str:
    """Read a whole file as text, with a DataError (not a traceback) if it is missing or binary."""
    p = Path(path)
    if not p.is_file():
        raise DataError("file not found", path=p, hint="check the path")
    try:
        return p.read_text(encoding=encoding)
    except UnicodeDecodeError as exc:
        raise DataError(f"not a {encoding} text file ({exc.reason} at byte {exc.start})",
                        path=p) from None


def parse_number(text: object, *, path: str | PathLike[str] | None, row: int | None,
                 column: str, allow_negative: bool = False) -> float:
    """Parse a published number (``1234``, ``"1,234"``, ``12.5``) or raise a located DataError."""
    if isinstance(text, int | float) and not isinstance(text, bool):
        value = float(text)
    else:
        s = str(text).strip()
        if not _NUMBER.match(s):
            raise DataError(f"expected a number, got {s!r}", path=path, row=row, column=column)
        value = float(s.replace(",", ""))
    if not math.isfinite(value):
        raise DataError(f"expected a finite number, got {text!r}", path=path, row=row,
                        column=column)
    if value < 0 and not allow_negative:
        raise DataError(f"expected a non-negative number, got {text!r}", path=path, row=row,
                        column=column)
    return value


def parse_count(text: object, *, path: str | PathLike[str] | None, row: int | None,
                column: str) -> float:
    """Parse a non-negative whole count, rejecting fractions and negatives."""
    value = parse_number(text, path=path, row=row, column=column)
    if value != int(value):
        raise DataError(f"expected a whole count, got {text!r}", path=path, row=row,
                        column=column)
    return value


def require_columns(found: list[str], required: list[str], *, path: str | PathLike[str],
                    what: str, row: int = 1) -> None:
    """Raise a DataError naming the first required column missing from a header."""
    missing = [c for c in required if c not in found]
    if missing:
        raise DataError(
            f"missing column {missing[0]!r}; a {what} has columns {', '.join(required)}; "
            f"this file has {', '.join(map(repr, found))}",
            path=path, row=row, column=missing[0],
            hint="was the file edited or exported with different options?",
        )
