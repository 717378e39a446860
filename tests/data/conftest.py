"""Fixtures shared by the reader tests: broken copies of real files, and located-error checks.

Tests run with ``--import-mode=importlib``, so a helper module next to the tests cannot be
imported; the helpers are handed out by fixtures instead.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from odforecast import DataError


def _broken_copy(src: Path, out: Path, *, line: int | None = None, old: str = "",
                 new: str = "", duplicate: int | None = None, keep: int | None = None) -> Path:
    """Write a copy of ``src`` to ``out`` with one edit or one duplicated line.

    Parameters
    ----------
    src
        The real file.
    out
        Where to write the copy.
    line
        1-based line on which the first ``old`` is replaced by ``new`` (asserted to be there).
    old, new
        The text to replace, and its replacement.
    duplicate
        1-based line repeated right after itself (so the repeat is line ``duplicate + 1``).
    keep
        Keep only the first ``keep`` lines; a truncated copy ends with a newline, a full copy
        keeps the file's own ending.

    Returns
    -------
    pathlib.Path
        ``out``.
    """
    lines = src.read_bytes().split(b"\n")[:keep]
    if line is not None:
        assert old.encode() in lines[line - 1], lines[line - 1]
        lines[line - 1] = lines[line - 1].replace(old.encode(), new.encode(), 1)
    if duplicate is not None:
        lines.insert(duplicate, lines[duplicate - 1])
    out.write_bytes(b"\n".join(lines) + (b"\n" if keep is not None else b""))
    return out


def _data_error_at(read: Callable[..., Any], path: Path, *, row: int | None,
                   column: str | None, needle: str | None = None, match: str | None = None,
                   **kwargs: Any) -> DataError:
    """Call ``read(path, **kwargs)`` and check the DataError it must raise.

    Parameters
    ----------
    read
        The reader.
    path
        The file it reads; the error must name it.
    row, column
        Expected ``row`` (1-based file line) and ``column`` of the error.
    needle
        Text the error message must contain.
    match
        Regular expression the error message must match (as ``pytest.raises(match=...)``).
    **kwargs
        Passed on to ``read``.

    Returns
    -------
    odforecast.DataError
        The error, for further checks.
    """
    with pytest.raises(DataError, match=match) as info:
        read(path, **kwargs)
    err = info.value
    assert (err.row, err.column) == (row, column)
    assert err.path == str(path)
    if needle is not None:
        assert needle in str(err)
    return err


@pytest.fixture
def broken_copy(tmp_path: Path) -> Callable[..., Path]:
    """Return ``broken_copy(src, *, line, old, new, duplicate, keep)``, writing ``broken.csv``.

    See :func:`_broken_copy`; the copy is written to ``tmp_path / "broken.csv"``.
    """
    def make(src: Path, **edits: Any) -> Path:
        return _broken_copy(src, tmp_path / "broken.csv", **edits)

    return make


@pytest.fixture
def data_error_at() -> Callable[..., DataError]:
    """Return ``data_error_at(read, path, *, row, column, needle=None, match=None)``.

    It calls the reader, expects a DataError naming ``path``, ``row`` and ``column`` (and
    containing ``needle`` / matching ``match``), and returns it; see :func:`_data_error_at`.
    """
    return _data_error_at
