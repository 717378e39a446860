"""Exceptions and warnings raised by odforecast.

Every error says *what* went wrong, *where* (file, row, column, parameter or series) and *what to
do about it*.  Catch :class:`OdforecastError` to handle all of them.
"""

from __future__ import annotations

from os import PathLike

__all__ = [
    "DataError",
    "FetchError",
    "FitError",
    "OdforecastError",
    "OdforecastWarning",
    "ScenarioError",
]


class OdforecastError(Exception):
    """Base class of every error odforecast raises on purpose."""


class DataError(OdforecastError, ValueError):
    """Input data that cannot be read or does not satisfy the tidy schema.

    Parameters
    ----------
    message
        What was wrong and what was expected.
    path
        File being read, if any.
    row
        1-based line number in the file (the header is line 1), or the 0-based row position in a
        frame when there is no file.
    column
        Column (or field) name.
    hint
        What the user can do about it.

    Examples
    --------
    >>> err = DataError("expected a non-negative integer, got '-3'", path="x.csv", row=7,
    ...                 column="Deaths")
    >>> print(err)
    x.csv, row 7, column 'Deaths': expected a non-negative integer, got '-3'
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | PathLike[str] | None = None,
        row: int | None = None,
        column: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.reason = message
        self.path = None if path is None else str(path)
        self.row = row
        self.column = column
        self.hint = hint
        where = []
        if self.path is not None:
            where.append(self.path)
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column {column!r}")
        text = f"{', '.join(where)}: {message}" if where else message
        if hint:
            text += f" ({hint})"
        super().__init__(text)


class FetchError(OdforecastError, OSError):
    """A download failed and no usable cached copy exists."""


class FitError(OdforecastError, RuntimeError):
    """A model could not be fitted or was used before fitting."""


class ScenarioError(OdforecastError, ValueError):
    """A scenario specification is invalid."""


class OdforecastWarning(UserWarning):
    """Warnings odforecast emits (stale cache, untrustworthy fit, ...)."""
