"""The local download cache: atomic writes and a checksummed JSON sidecar per cached file.

Every cached file ``<dir>/<name>`` has a sidecar ``<dir>/<name>.json`` recording its SHA-256
checksum, size in bytes, row count, source URL, when it was fetched (UTC), the vintage of the data
(the publisher's last-updated date) and the odforecast version that wrote it.  Files are written
atomically (temporary file in the same directory, ``fsync``, :func:`os.replace`), so a reader never
sees a partial file under the final name, and :func:`verify` detects a file that was truncated or
corrupted afterwards.

The module is generic: it knows nothing about any particular source, and imports no network code.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from os import PathLike
from pathlib import Path
from typing import Any

from odforecast.errors import DataError

__all__ = ["atomic_write", "cache_dir", "read_metadata", "sidecar_path", "verify", "write"]

#: Environment variable that overrides the cache directory.
ENV_VAR = "ODFORECAST_CACHE_DIR"


def cache_dir() -> Path:
    """Directory of the download cache.

    ``$ODFORECAST_CACHE_DIR`` if set, else the platform's user cache directory for odforecast
    (``~/.cache/odforecast`` on Linux).  The directory is not created here; writers create it.

    Examples
    --------
    >>> cache_dir().is_absolute()
    True
    """
    override = os.environ.get(ENV_VAR)
    if override:
        return Path(override).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("odforecast"))


def sidecar_path(path: str | PathLike[str]) -> Path:
    """Path of the JSON sidecar of a cached file (its name with ``.json`` appended).

    Examples
    --------
    >>> sidecar_path("/tmp/cache/vsrr_xkb8-kh2a.csv").name
    'vsrr_xkb8-kh2a.csv.json'
    """
    p = Path(path)
    return p.with_name(p.name + ".json")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _fsync_dir(directory: Path) -> None:
    # Make the rename itself durable where the platform allows opening a directory (POSIX).
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def atomic_write(path: str | PathLike[str], data: bytes, *,
                 check: Callable[[Path], object] | None = None) -> Path:
    """Write ``data`` to ``path`` atomically: the old file or the complete new one, never a part.

    The bytes go to a temporary file in the same directory, which is flushed, ``fsync``-ed and
    then renamed over ``path`` with :func:`os.replace`.  On any exception (including one raised by
    ``check``) the temporary file is deleted and ``path`` is left as it was.

    Parameters
    ----------
    path
        Final file name; its directory is created if needed.
    data
        Complete contents.
    check
        Optional callable given the path of the written temporary file before it is renamed;
        raise from it to reject the contents (for example a parser).

    Returns
    -------
    pathlib.Path
        ``path``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "a.txt"
    >>> atomic_write(target, b"hello\\n").read_bytes()
    b'hello\\n'
    """
    final = Path(path)
    final.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=final.parent, prefix=f".{final.name}.", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if check is not None:
            check(tmp)
        os.replace(tmp, final)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    _fsync_dir(final.parent)
    return final


def write(path: str | PathLike[str], data: bytes, *, source_url: str, vintage: str,
          rows: int | None = None, note: str | None = None,
          check: Callable[[Path], object] | None = None,
          extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """Store ``data`` in the cache at ``path`` with its sidecar, both atomically.

    Parameters
    ----------
    path
        Cached file name (usually ``cache_dir() / name``).
    data
        Complete file contents.
    source_url
        Where the data came from.
    vintage
        ISO date the publisher last updated the data.
    rows
        Number of data rows, if known.
    note
        Anything a later reader should know (e.g. why the vintage is a guess).
    check
        Passed to :func:`atomic_write`: validate the new contents before they replace the old.
    extra
        Further JSON-serialisable fields for the sidecar.

    Returns
    -------
    dict
        The sidecar contents.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "x.csv"
    >>> meta = write(target, b"a,b\\n1,2\\n", source_url="https://example.org/x.csv",
    ...              vintage="2025-07-16", rows=1)
    >>> meta["bytes"], meta["rows"], verify(target)["sha256"] == meta["sha256"]
    (8, 1, True)
    """
    from odforecast import __version__

    final = Path(path)
    meta: dict[str, Any] = {
        "file": final.name,
        "sha256": hashlib.sha256(data).hexdigest(),
        "bytes": len(data),
        "rows": rows,
        "source_url": source_url,
        "fetched_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "vintage": vintage,
        "odforecast_version": __version__,
        "note": note,
        **(extra or {}),
    }
    # Data first, then sidecar: if we die in between, the old sidecar no longer matches the new
    # file and verify() rejects the pair, which only costs a refetch.
    atomic_write(final, data, check=check)
    text = json.dumps(meta, indent=2, sort_keys=True) + "\n"
    atomic_write(sidecar_path(final), text.encode("utf-8"))
    return meta


def read_metadata(path: str | PathLike[str]) -> dict[str, Any]:
    """The sidecar of a cached file, as a dict (without checking the file itself).

    Raises
    ------
    odforecast.DataError
        If the sidecar is missing or is not a JSON object.
    """
    side = sidecar_path(path)
    try:
        meta = json.loads(side.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataError("cache sidecar is missing", path=side,
                        hint="the cached file cannot be trusted; fetch it again") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError(f"cache sidecar is unreadable ({exc})", path=side,
                        hint="delete it and fetch again") from None
    if not isinstance(meta, dict) or "sha256" not in meta or "bytes" not in meta:
        raise DataError("cache sidecar lacks 'sha256'/'bytes'", path=side,
                        hint="delete it and fetch again")
    return meta


def verify(path: str | PathLike[str]) -> dict[str, Any]:
    """Check a cached file against its sidecar and return the sidecar.

    Recomputes the size and SHA-256 checksum of the file.

    Raises
    ------
    odforecast.DataError
        If the file or its sidecar is missing, or the file was truncated or corrupted.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "x.csv"
    >>> _ = write(target, b"a\\n1\\n", source_url="u", vintage="2025-01-01", rows=1)
    >>> _ = target.write_bytes(b"a\\n2\\n")
    >>> try:
    ...     verify(target)
    ... except DataError as err:
    ...     print(err.reason)
    cached file is corrupted: SHA-256 checksum does not match its sidecar
    """
    p = Path(path)
    if not p.is_file():
        raise DataError("cached file not found", path=p)
    meta = read_metadata(p)
    size = p.stat().st_size
    if size != meta["bytes"]:
        raise DataError(f"cached file is truncated or modified: {size} bytes, its sidecar "
                        f"records {meta['bytes']}", path=p, hint="fetch it again")
    if _sha256(p) != meta["sha256"]:
        raise DataError("cached file is corrupted: SHA-256 checksum does not match its sidecar",
                        path=p, hint="fetch it again")
    return meta
