"""The local download cache: one atomic, checksummed entry per cached file, locked for writers.

An entry named ``<dir>/<name>`` (``vsrr_xkb8-kh2a.csv``) consists of

* the data, stored under a content-addressed name ``<stem>-<first 16 hex digits of its
  SHA-256><suffix>`` (``vsrr_xkb8-kh2a-3f2a9c0d1e2f3a4b.csv``), written once and never modified;
* the sidecar ``<dir>/<name>.json``, which records the data file's name (``file``), its SHA-256
  checksum, size in bytes, row count, source URL, when it was fetched (UTC), the vintage of the
  data (the publisher's last-updated date) and the odforecast version that wrote it.

The sidecar is the entry: replacing it (temporary file, ``fsync``, :func:`os.replace`) switches
the entry from the old data to the new in one atomic step, so a reader sees either the old pair
or the new pair, never new data with an old sidecar.  (Two files renamed one after the other, as
before, left a window in which readers saw "corrupted" and concurrent writers could leave the
pair mismatched; a directory per entry cannot be replaced atomically on POSIX when the old one
is not empty.)  Writers hold an exclusive lock on ``<dir>/.<name>.lock`` (``fcntl.flock`` on
POSIX, ``msvcrt.locking`` on Windows) while they switch the sidecar and delete the data files
it no longer points to; readers take no lock and never wait.  A replaced data file is kept for
``RETIRED_SECONDS`` (ten minutes) after the switch, so a reader that has just read the old
sidecar, or a caller holding its path, can still read it; a later write deletes it.  Should a
reader still find its data file gone, it re-reads the sidecar and follows it to the new data.
:func:`verify` detects a data file that was truncated or corrupted after it was written.

The module is generic: it knows nothing about any particular source, and imports no network code.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from os import PathLike
from pathlib import Path
from typing import Any

from odforecast.errors import DataError

__all__ = ["atomic_write", "cache_dir", "data_path", "exists", "read_metadata", "sidecar_path",
           "verify", "write"]

#: Environment variable that overrides the cache directory.
ENV_VAR = "ODFORECAST_CACHE_DIR"

#: How often a reader follows a sidecar that a concurrent writer switched under it.
_READ_ATTEMPTS = 5
#: Seconds a data file is kept after a newer download replaced it (readers may still use it).
RETIRED_SECONDS = 600.0
#: Seconds a Windows writer waits for the lock before giving up.
_LOCK_TIMEOUT = 600.0


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
    """Path of the JSON sidecar of a cache entry (its name with ``.json`` appended).

    Examples
    --------
    >>> sidecar_path("/tmp/cache/vsrr_xkb8-kh2a.csv").name
    'vsrr_xkb8-kh2a.csv.json'
    """
    p = Path(path)
    return p.with_name(p.name + ".json")


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
    with _temp_file(final, data, check) as tmp:
        os.replace(tmp, final)
    _fsync_dir(final.parent)
    return final


@contextlib.contextmanager
def _temp_file(final: Path, data: bytes,
               check: Callable[[Path], object] | None) -> Iterator[Path]:
    """A temporary file beside ``final`` (its directory created if needed) holding ``data``,
    flushed, ``fsync``-ed and given to ``check``; the body renames it into place.  On any
    exception, in ``check`` or in the body, the temporary file is deleted."""
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
        yield tmp
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def _blob_name(entry: Path, digest: str) -> str:
    """Content-addressed name of the data of ``entry`` with SHA-256 ``digest``."""
    return f"{entry.stem}-{digest[:16]}{entry.suffix}"


def _blob_pattern(entry: Path) -> re.Pattern[str]:
    return re.compile(rf"{re.escape(entry.stem)}-[0-9a-f]{{16}}{re.escape(entry.suffix)}")


@contextlib.contextmanager
def _writer_lock(entry: Path) -> Iterator[None]:
    """Hold the exclusive writer lock of ``entry`` (a lock file beside it; readers ignore it).

    The lock file is never deleted: deleting it would let two writers lock two different files.
    """
    lock_path = entry.with_name(f".{entry.name}.lock")
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            import fcntl
        except ImportError:  # Windows: lock the first byte, retrying until the timeout
            import msvcrt

            deadline = time.monotonic() + _LOCK_TIMEOUT
            while True:
                try:
                    msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise DataError(f"another process has held the cache lock for over "
                                        f"{_LOCK_TIMEOUT:g} s", path=lock_path,
                                        hint="wait for the other download to finish") from None
                    time.sleep(0.05)
            try:
                yield
            finally:
                os.lseek(fd, 0, os.SEEK_SET)
                msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)  # type: ignore[attr-defined]
        else:
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def write(path: str | PathLike[str], data: bytes, *, source_url: str, vintage: str,
          rows: int | None = None, note: str | None = None,
          check: Callable[[Path], object] | None = None,
          extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """Store ``data`` as the cache entry ``path``, replacing any previous entry atomically.

    The data goes to a temporary file in the cache directory (``fsync``-ed, then checked by
    ``check``), is renamed to its content-addressed name, and the sidecar pointing to it then
    replaces the old sidecar with :func:`os.replace`, which is the moment the entry changes.
    The rename, the sidecar switch and the clean-up of data files the entry no longer uses
    (kept ``RETIRED_SECONDS`` after they are replaced) happen under the entry's writer
    lock, so concurrent writers take turns (the last one wins) and readers, who take no lock,
    see the old entry or the new one, complete.  On any exception (including one raised by
    ``check``) the temporary file is deleted and the old entry is left as it was.

    Parameters
    ----------
    path
        Name of the entry (usually ``cache_dir() / name``).  The data is stored beside it under
        a content-addressed name; see :func:`data_path`.
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
        Called with the path of the written temporary file before the entry changes; raise
        from it to reject the contents (for example a parser).
    extra
        Further JSON-serialisable fields for the sidecar.

    Returns
    -------
    dict
        The sidecar contents; ``file`` is the name of the data file.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "x.csv"
    >>> meta = write(target, b"a,b\\n1,2\\n", source_url="https://example.org/x.csv",
    ...              vintage="2025-07-16", rows=1)
    >>> meta["bytes"], meta["rows"], verify(target)["sha256"] == meta["sha256"]
    (8, 1, True)
    >>> meta["file"], data_path(target).read_bytes()
    ('x-492d5ea496056f1a.csv', b'a,b\\n1,2\\n')
    """
    from odforecast import __version__

    final = Path(path)
    digest = hashlib.sha256(data).hexdigest()
    blob = final.with_name(_blob_name(final, digest))
    meta: dict[str, Any] = {
        "file": blob.name,
        "sha256": digest,
        "bytes": len(data),
        "rows": rows,
        "source_url": source_url,
        "fetched_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "vintage": vintage,
        "odforecast_version": __version__,
        "note": note,
        **(extra or {}),
    }
    text = json.dumps(meta, indent=2, sort_keys=True) + "\n"
    # check runs before the lock is taken: parsing may take a while
    with _temp_file(final, data, check) as tmp, _writer_lock(final):
        try:
            previous: Path | None = data_path(final)
        except DataError:
            previous = None
        # Same content, same name: replacing an identical data file is harmless.
        os.replace(tmp, blob)
        _fsync_dir(final.parent)
        atomic_write(sidecar_path(final), text.encode("utf-8"))
        _remove_unused(final, keep=blob, previous=previous)
    return meta


def _remove_unused(entry: Path, *, keep: Path, previous: Path | None) -> None:
    """Retire the data file the entry used until now; delete those retired long ago.

    Called under the writer lock.  A reader may have read the old sidecar just before the
    switch and not yet opened its data file, and a caller may hold its path; so the previous
    data file is kept for ``RETIRED_SECONDS`` (its modification time is set to the moment
    it was retired), and deleted by a later write.
    """
    now = time.time()
    if previous is not None and previous != keep and previous.is_file():
        with contextlib.suppress(OSError):
            os.utime(previous, (now, now))
    pattern = _blob_pattern(entry)
    for other in entry.parent.iterdir():
        if other in (keep, previous) or not pattern.fullmatch(other.name):
            continue
        with contextlib.suppress(OSError):
            if now - other.stat().st_mtime > RETIRED_SECONDS:
                other.unlink()
    if entry.is_file():  # the data file of the previous layout, next to its sidecar
        with contextlib.suppress(OSError):
            entry.unlink()


def exists(path: str | PathLike[str]) -> bool:
    """True if the cache holds an entry named ``path`` (usable or not).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "x.csv"
    >>> exists(target), exists(write(target, b"a\\n", source_url="u", vintage="2025-01-01")
    ...                        and target)
    (False, True)
    """
    p = Path(path)
    return sidecar_path(p).exists() or p.exists()


def read_metadata(path: str | PathLike[str]) -> dict[str, Any]:
    """The sidecar of a cache entry, as a dict (without checking the data file).

    Raises
    ------
    odforecast.DataError
        If the entry has no sidecar, or it is not a JSON object with ``sha256`` and ``bytes``.
    """
    side = sidecar_path(path)
    try:
        meta = json.loads(side.read_text(encoding="utf-8"))
    except FileNotFoundError:
        if Path(path).is_file():  # a data file of the previous layout without its sidecar
            raise DataError("cache sidecar is missing", path=side,
                            hint="the cached file cannot be trusted; fetch it again") from None
        raise DataError("cached file not found", path=path,
                        hint="fetch it (the cache holds no such entry)") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError(f"cache sidecar is unreadable ({exc})", path=side,
                        hint="delete it and fetch again") from None
    if not isinstance(meta, dict) or "sha256" not in meta or "bytes" not in meta:
        raise DataError("cache sidecar lacks 'sha256'/'bytes'", path=side,
                        hint="delete it and fetch again")
    return meta


def data_path(path: str | PathLike[str], meta: dict[str, Any] | None = None) -> Path:
    """Path of the data file of the cache entry ``path``, as its sidecar names it.

    Parameters
    ----------
    path
        The entry.
    meta
        Its sidecar, if already read (see :func:`read_metadata`).

    Raises
    ------
    odforecast.DataError
        If the sidecar is missing, unreadable, or names something other than a file beside it.
    """
    entry = Path(path)
    meta = read_metadata(entry) if meta is None else meta
    name = meta.get("file", entry.name)  # sidecars of the previous layout name the entry
    if not isinstance(name, str) or name in ("", ".", "..") or Path(name).name != name:
        raise DataError(f"cache sidecar names the data file {name!r}, not a file name",
                        path=sidecar_path(entry), hint="delete it and fetch again")
    return entry.with_name(name)


def verify(path: str | PathLike[str]) -> dict[str, Any]:
    """Check a cache entry's data file against its sidecar and return the sidecar.

    Recomputes the size and SHA-256 checksum of the data file.  Takes no lock: if a concurrent
    writer switches the entry and deletes the data file meanwhile, the new entry is checked.

    Raises
    ------
    odforecast.DataError
        If the entry or its data file is missing, or the data file was truncated or corrupted.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "x.csv"
    >>> _ = write(target, b"a\\n1\\n", source_url="u", vintage="2025-01-01", rows=1)
    >>> _ = data_path(target).write_bytes(b"a\\n2\\n")
    >>> try:
    ...     verify(target)
    ... except DataError as err:
    ...     print(err.reason)
    cached file is corrupted: SHA-256 checksum does not match its sidecar
    """
    for _ in range(_READ_ATTEMPTS):
        meta = read_metadata(path)
        p = data_path(path, meta)
        try:
            with open(p, "rb") as fh:  # hash what was opened, even if it is deleted meanwhile
                size = os.fstat(fh.fileno()).st_size
                digest = hashlib.sha256()
                for chunk in iter(lambda fh=fh: fh.read(1 << 20), b""):
                    digest.update(chunk)
        except FileNotFoundError:
            if _still(path, meta):
                raise DataError("cached file not found (its sidecar names it)", path=p,
                                hint="fetch it again") from None
            continue  # a writer switched the entry: check the new one
        if size != meta["bytes"]:
            raise DataError(f"cached file is truncated or modified: {size} bytes, its sidecar "
                            f"records {meta['bytes']}", path=p, hint="fetch it again")
        if digest.hexdigest() != meta["sha256"]:
            raise DataError("cached file is corrupted: SHA-256 checksum does not match its "
                            "sidecar", path=p, hint="fetch it again")
        return meta
    raise DataError(f"the cache entry changed {_READ_ATTEMPTS} times while it was being read",
                    path=path, hint="other processes are writing it; try again")


def _still(path: str | PathLike[str], meta: dict[str, Any]) -> bool:
    """True if the entry's sidecar is (still) ``meta``."""
    try:
        return read_metadata(path) == meta
    except DataError:
        return False
