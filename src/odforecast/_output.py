"""Output paths: checked before any work, written atomically.

An output is written under a temporary name in its own folder and renamed at the end, so an
interrupted run never leaves a file (or a folder of files) that looks complete, and a failed run
leaves the previous output as it was.  The checks run before fitting, so a bad path costs
nothing: a missing folder, a directory where a file is expected (or the reverse), or a place
without write permission is a :class:`~odforecast.errors.ParameterError` naming the option
(``--out``) and the path.

Examples
--------
>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> with AtomicFiles() as files:
...     _ = files.path(folder / "table.csv").write_text("a,b\\n1,2\\n")
>>> sorted(p.name for p in folder.iterdir())
['table.csv']
>>> check_output_file(folder / "missing" / "table.csv", flag="--out")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
odforecast.errors.ParameterError: parameter '--out': ...table.csv: the folder ...missing does \
not exist; create it first
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType

from odforecast.errors import ParameterError

__all__ = ["AtomicFiles", "atomic_folder", "check_output_file", "check_output_folder"]


def _writable_parent(path: Path, flag: str) -> Path:
    parent = path.absolute().parent
    if not parent.is_dir():
        where = "is a file, not a folder" if parent.exists() else "does not exist"
        raise ParameterError(f"{path}: the folder {parent} {where}; create it first",
                             parameter=flag)
    if not os.access(parent, os.W_OK | os.X_OK):
        raise ParameterError(f"{path}: no permission to write in {parent}",
                             parameter=flag, hint="choose a folder you can write to")
    return parent


def check_output_file(path: str | os.PathLike[str], *, flag: str) -> Path:
    """Raise :class:`~odforecast.errors.ParameterError` (``parameter=flag``) unless ``path`` can
    be written as a file: its folder exists and is writable, and the path is not a folder or a
    read-only file.

    Examples
    --------
    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> check_output_file(folder, flag="--plot")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    odforecast.errors.ParameterError: parameter '--plot': ... is a folder; give a file name \
such as ...
    """
    path = Path(path)
    if str(path) == "" or path.is_dir():
        raise ParameterError(f"{path} is a folder; give a file name such as "
                             f"{path / ('out' + _suffix(flag))}", parameter=flag)
    _writable_parent(path, flag)
    if path.exists() and not os.access(path, os.W_OK):
        raise ParameterError(f"{path}: no permission to replace this file", parameter=flag,
                             hint="choose another file name")
    return path


def _suffix(flag: str) -> str:
    return {"--plot": ".png", "--save": ".nc"}.get(flag, ".csv")


def check_output_folder(path: str | os.PathLike[str], *, flag: str = "--out") -> Path:
    """Raise :class:`~odforecast.errors.ParameterError` (``parameter=flag``) unless ``path`` can
    be written as a folder of outputs (new or existing) whose parent exists and is writable.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> existing = pathlib.Path(tempfile.mkdtemp()) / "table.csv"
    >>> _ = existing.write_text("x\\n")
    >>> check_output_folder(existing)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    odforecast.errors.ParameterError: parameter '--out': ...table.csv is a file, not a folder; \
give a folder for the outputs
    """
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise ParameterError(f"{path} is a file, not a folder; give a folder for the outputs",
                             parameter=flag)
    _writable_parent(path, flag)
    if path.exists() and not os.access(path, os.W_OK | os.X_OK):
        raise ParameterError(f"{path}: no permission to write in this folder", parameter=flag)
    return path


def _umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask


class AtomicFiles:
    """Write several output files so that either all of them appear or none does.

    :meth:`path` gives a temporary path beside each target (same folder and suffix, so
    ``savefig`` and netCDF writers pick the right format); when the ``with`` block ends without
    an exception every temporary file is renamed onto its target, otherwise all are deleted and
    the targets are left as they were.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> try:
    ...     with AtomicFiles() as files:
    ...         _ = files.path(folder / "a.csv").write_text("partial")
    ...         raise KeyboardInterrupt
    ... except KeyboardInterrupt:
    ...     pass
    >>> list(folder.iterdir())  # nothing left behind
    []
    """

    def __init__(self) -> None:
        self._pending: list[tuple[Path, Path]] = []

    def path(self, target: str | os.PathLike[str], *, flag: str = "--out") -> Path:
        """A new temporary path that becomes ``target`` at the end of the ``with`` block; a
        folder that refuses it (read-only, full) is a ParameterError naming ``flag``."""
        target = Path(target)
        try:
            handle, name = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=target.suffix,
                                            dir=target.absolute().parent)
        except OSError as exc:
            raise ParameterError(f"{target}: cannot write there ({exc.strerror})",
                                 parameter=flag) from None
        os.close(handle)
        tmp = Path(name)
        self._pending.append((tmp, target))
        return tmp

    def __enter__(self) -> AtomicFiles:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        try:
            if kind is None:
                mode = 0o666 & ~_umask()  # mkstemp makes files private; outputs are not
                for tmp, target in self._pending:
                    tmp.chmod(mode)
                    os.replace(tmp, target)
        finally:
            for tmp, _ in self._pending:
                tmp.unlink(missing_ok=True)
            self._pending.clear()


@contextmanager
def atomic_folder(out: str | os.PathLike[str], *, flag: str = "--out") -> Iterator[Path]:
    """Yield a temporary folder beside ``out``; at the end it replaces ``out`` (an existing
    folder is swapped out and removed), or is deleted if the block raised.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "run"
    >>> with atomic_folder(out) as tmp:
    ...     _ = (tmp / "table.csv").write_text("x\\n")
    >>> [p.name for p in out.iterdir()]
    ['table.csv']
    """
    out = Path(out)
    check_output_folder(out, flag=flag)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.absolute().parent))
    tmp.chmod(0o777 & ~_umask())  # mkdtemp makes it private; the output folder should not be
    try:
        yield tmp
        if out.exists():
            old = out.with_name(f".{out.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            out.rename(old)
            tmp.rename(out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise

