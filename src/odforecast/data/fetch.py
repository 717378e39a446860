"""Download official data from the publisher's API into the local cache.

Only the standard library is used for the network (:mod:`urllib.request`), and it is imported
inside the functions, so ``import odforecast`` never loads a network client.  Every download is
validated (complete body, well-formed CSV), retried with exponential backoff on transient failures,
and stored atomically in the cache (:mod:`odforecast.data.cache`) with a checksummed sidecar.  When
the network fails, a verified cached copy is used with an :class:`~odforecast.OdforecastWarning`.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any

from odforecast._version import __version__
from odforecast._warnings import warn
from odforecast.data import cache as _cache
from odforecast.errors import DataError, FetchError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["fetch_vsrr"]

_USER_AGENT = f"odforecast/{__version__} (+https://github.com/odforecast/odforecast)"
_OFFLINE_HINT = ('Bundled datasets work offline: odforecast.load_dataset("us_monthly_12m").')


class _InvalidResponseError(Exception):
    """A response that arrived but is unusable (truncated, malformed): retried like a failure."""


class _UnavailableError(Exception):
    """A download that failed on every attempt, or at once on a client error."""

    def __init__(self, url: str, reason: str, attempts: int, *, offline: bool = True) -> None:
        self.url, self.reason, self.attempts = url, reason, attempts
        self.offline = offline  # False: the server answered, but not usefully
        tries = f" (after {attempts} attempts)" if attempts > 1 else ""
        super().__init__(f"could not download {url}: {reason}{tries}")


def _retry_after(headers: Any) -> float | None:
    value = headers.get("Retry-After") if headers is not None else None
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None  # an HTTP date: ignore, the exponential backoff applies


def _get[T](url: str, parse: Callable[[bytes, str], T], *, timeout: float, retries: int,
         backoff: float) -> T:
    """GET ``url`` and ``parse(body, content_type)``, retrying transient failures.

    Connection errors, timeouts, truncated bodies, HTTP 5xx/429 and bodies ``parse`` rejects
    with :class:`_InvalidResponseError` are retried up to ``retries`` times, sleeping
    ``backoff * 2**k`` seconds (at least ``Retry-After`` when the server sends one and
    ``backoff > 0``).  Other HTTP errors fail at once.  Raises :class:`_UnavailableError`.
    """
    import http.client
    import urllib.error
    import urllib.request

    attempts = retries + 1
    reason = ""
    for attempt in range(1, attempts + 1):
        retry_after = None
        request = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                body = response.read()
                content_type = response.headers.get("Content-Type", "")
            return parse(body, content_type)
        except urllib.error.HTTPError as exc:
            with contextlib.suppress(Exception):
                exc.close()
            reason = f"HTTP {exc.code} {exc.reason}"
            if exc.code != 429 and exc.code < 500:
                raise _UnavailableError(url, f"{reason} (a client error, not retried)", 1,
                                        offline=False) from None
            retry_after = _retry_after(exc.headers)
        except http.client.IncompleteRead as exc:
            reason = (f"truncated response ({len(exc.partial)} bytes received, "
                      f"{exc.expected} more announced)")
        except TimeoutError:
            reason = f"timed out after {timeout:g} s"
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, TimeoutError):
                reason = f"timed out after {timeout:g} s"
            else:
                reason = f"connection failed ({exc.reason})"
        except (OSError, http.client.HTTPException) as exc:
            reason = f"connection failed ({type(exc).__name__}: {exc})"
        except _InvalidResponseError as exc:
            reason = str(exc)
        if attempt < attempts:
            delay = backoff * 2 ** (attempt - 1)
            if retry_after is not None and backoff > 0:
                delay = max(delay, min(retry_after, 60.0))
            if delay > 0:
                time.sleep(delay)
    raise _UnavailableError(url, reason, attempts)


def _parse_csv_page(body: bytes, content_type: str) -> tuple[list[str] | None, list[list[str]]]:
    """Header and rows of one CSV page; :class:`_InvalidResponseError` if truncated/malformed."""
    if "html" in content_type.lower():
        raise _InvalidResponseError(
            f"server sent {content_type!r}, not CSV (a proxy or captive portal?)")
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _InvalidResponseError(
            f"response is not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    if not text:
        return None, []
    if not text.endswith("\n"):
        raise _InvalidResponseError("truncated CSV page: the last line does not end with a newline")
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error as exc:
        raise _InvalidResponseError(f"malformed CSV page ({exc})") from None
    header, rows = records[0], records[1:]
    if len(set(header)) != len(header) or "" in header:
        raise _InvalidResponseError(f"malformed CSV header {header!r}")
    for number, row in enumerate(rows, start=2):
        if len(row) != len(header):
            raise _InvalidResponseError(
                f"malformed CSV page: line {number} has {len(row)} fields, the header has "
                f"{len(header)}")
    return header, rows


def _parse_json(body: bytes, content_type: str) -> Any:
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _InvalidResponseError(f"response is not valid JSON ({exc})") from None


def _download_soda_csv(resource: str, *, page_size: int, timeout: float, retries: int,
                       backoff: float) -> tuple[bytes, int, int]:
    """All rows of a SODA resource as one CSV: (bytes, data rows, pages)."""
    from urllib.parse import urlencode

    pages: list[tuple[list[str], list[list[str]]]] = []
    columns: list[str] = []
    offset = 0
    while True:
        query = urlencode({"$limit": page_size, "$offset": offset, "$order": ":id"}, safe="$:")
        url = f"{resource}?{query}"
        header, rows = _get(url, _parse_csv_page, timeout=timeout, retries=retries,
                            backoff=backoff)
        if header is None:
            if offset == 0:
                raise _UnavailableError(url, "empty response (not even a CSV header)", 1,
                                        offline=False)
            break
        if pages and rows and rows == pages[-1][1]:
            raise _UnavailableError(url, "the server ignored $offset (same page twice)", 1,
                                    offline=False)
        columns.extend(name for name in header if name not in columns)
        pages.append((header, rows))
        if len(rows) < page_size:
            break
        offset += page_size

    total = sum(len(rows) for _, rows in pages)
    if total == 0:
        raise _UnavailableError(resource, "the server returned a header but no data rows", 1,
                                offline=False)
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for header, rows in pages:
        if header == columns:
            writer.writerows(rows)
        else:  # merge by column name; a column a page lacks is left empty
            position = {name: i for i, name in enumerate(header)}
            index = [position.get(name) for name in columns]
            writer.writerows([row[i] if i is not None else "" for i in index] for row in rows)
    return out.getvalue().encode("utf-8"), total, len(pages)


def _soda_vintage(base_url: str, dataset_id: str, *, timeout: float, retries: int,
                  backoff: float) -> tuple[str, str | None]:
    """ISO date the dataset was last updated (``rowsUpdatedAt``), and a note if unknown."""
    url = f"{base_url}/api/views/{dataset_id}.json"
    try:
        meta = _get(url, _parse_json, timeout=timeout, retries=retries, backoff=backoff)
        stamp = meta["rowsUpdatedAt"]
        return datetime.fromtimestamp(int(stamp), UTC).date().isoformat(), None
    except _UnavailableError as exc:
        problem = str(exc)
    except (KeyError, TypeError, ValueError, OverflowError, OSError) as exc:
        problem = f"{url} has no usable 'rowsUpdatedAt' ({type(exc).__name__}: {exc})"
    today = datetime.now(UTC).date().isoformat()
    return today, f"vintage unknown, set to the download date: {problem}"


def _cache_info(meta: dict[str, Any], path: Path) -> dict[str, Any]:
    """``frame.attrs["cache"]``: the sidecar plus ``path``, the cached data file."""
    return {**meta, "path": str(path)}


def _use_cached(target: Path, read: bool) -> tuple[pd.DataFrame | Path, dict[str, Any]]:
    """The verified cached copy of entry ``target`` (its path, or its parsed frame), and its
    sidecar."""
    from odforecast.data.vsrr import read_vsrr

    for _ in range(3):
        meta = _cache.verify(target)
        path = _cache.data_path(target, meta)
        if not read:
            return path, meta
        try:
            frame = read_vsrr(path, vintage=meta["vintage"])
        except DataError:
            if path.exists():
                raise
            continue  # a concurrent download replaced the entry meanwhile: read the new one
        frame.attrs["cache"] = _cache_info(meta, path)
        return frame, meta
    raise DataError("the cached copy kept changing while it was being read", path=target,
                    hint="another process is downloading it; try again when it has finished")


def fetch_vsrr(*, cache_dir: str | PathLike[str] | None = None,
               base_url: str = "https://data.cdc.gov", dataset_id: str = "xkb8-kh2a",
               page_size: int = 50_000, timeout: float = 30.0, retries: int = 3,
               backoff: float = 1.0, refresh: bool = True,
               read: bool = True) -> pd.DataFrame | Path:
    """Download CDC's VSRR Provisional Drug Overdose Death Counts, cache them and read them.

    Pages through the official Socrata (SODA) endpoint ``{base_url}/resource/{dataset_id}.csv``
    (``$limit``/``$offset``, ordered by ``:id``) until a page has fewer than ``page_size`` rows,
    merges the pages by column name, and takes the vintage from the dataset's metadata
    (``{base_url}/api/views/{dataset_id}.json``, ``rowsUpdatedAt``; if that fails the vintage
    is the download date and the sidecar's ``note`` says so).  The CSV is parsed with
    :func:`odforecast.data.vsrr.read_vsrr` and stored as the cache entry ``vsrr_{dataset_id}.csv``
    (a content-addressed data file and its JSON sidecar, switched atomically under a writer
    lock, so concurrent downloads and readers are safe; see :mod:`odforecast.data.cache`).

    Connection errors, timeouts, HTTP 5xx and 429, and truncated or malformed pages are retried
    with exponential backoff; other HTTP errors are not retried.  If the download fails and a
    cached copy passes :func:`odforecast.data.cache.verify`, that copy is returned with an
    :class:`~odforecast.OdforecastWarning`.

    Parameters
    ----------
    cache_dir
        Cache directory; default :func:`odforecast.data.cache.cache_dir`.
    base_url
        Socrata host.
    dataset_id
        Socrata dataset identifier (``xkb8-kh2a`` is VSRR provisional overdose deaths).
    page_size
        Rows per request.
    timeout
        Seconds to wait on each socket operation (connect, each read).
    retries
        Retries per request after the first attempt (``retries=3`` is up to 4 attempts).
    backoff
        Sleep ``backoff * 2**k`` seconds before retry ``k + 1``; 0 retries immediately.
    refresh
        If False and a verified cached copy exists, return it without using the network.
    read
        If True return the parsed frame, else the path of the cached CSV.

    Returns
    -------
    pandas.DataFrame or pathlib.Path
        The tidy frame, or the cached data file's path when ``read=False``.  Whether the data
        was downloaded now, taken from the cache (``refresh=False``) or from the cache after a
        failed download, ``frame.attrs["cache"]`` holds the sidecar (``file``, checksum,
        size, rows, source URL, ``fetched_at``, ``vintage``, odforecast version, note) and
        ``path``, the cached data file.  The path stays valid until a later download replaces
        the entry.

    Raises
    ------
    odforecast.FetchError
        If the download failed and no verified cached copy exists.
    odforecast.DataError
        If the downloaded data cannot be read and no verified cached copy exists.

    Warns
    -----
    odforecast.OdforecastWarning
        When the download failed and the cached copy is used instead.

    Examples
    --------
    >>> from odforecast.data.fetch import fetch_vsrr
    >>> frame = fetch_vsrr()  # doctest: +SKIP
    >>> frame.attrs["cache"]["vintage"]  # doctest: +SKIP
    '2025-07-16'
    >>> cached = fetch_vsrr(refresh=False)  # no network if a valid copy is cached  # doctest: +SKIP
    """
    if page_size < 1:
        raise ValueError(f"page_size must be at least 1, got {page_size}")
    if retries < 0:
        raise ValueError(f"retries must be non-negative, got {retries}")
    if not timeout > 0:
        raise ValueError(f"timeout must be positive, got {timeout}")
    if backoff < 0:
        raise ValueError(f"backoff must be non-negative, got {backoff}")
    directory = Path(cache_dir) if cache_dir is not None else _cache.cache_dir()
    target = directory / f"vsrr_{dataset_id}.csv"
    base_url = base_url.rstrip("/")
    resource = f"{base_url}/resource/{dataset_id}.csv"
    policy = {"timeout": timeout, "retries": retries, "backoff": backoff}

    if not refresh and _cache.exists(target):
        with contextlib.suppress(DataError):  # unusable copy: fetch a fresh one below
            return _use_cached(target, read)[0]

    try:
        data, rows, n_pages = _download_soda_csv(resource, page_size=page_size, **policy)
        vintage, note = _soda_vintage(base_url, dataset_id, **policy)
        parsed: list[pd.DataFrame] = []

        def check(tmp: Path) -> None:
            # Parse the new file before it replaces the cached one: a download the reader
            # rejects never overwrites a good copy.
            from odforecast.data.vsrr import read_vsrr

            try:
                parsed.append(read_vsrr(tmp, vintage=vintage))
            except DataError as exc:  # name the URL, not the temporary file
                raise DataError(
                    f"the data downloaded from {resource} cannot be read: {exc.reason}",
                    row=exc.row, column=exc.column,
                    hint="the published format may have changed; please report it",
                ) from None

        meta = _cache.write(target, data, source_url=resource, vintage=vintage, rows=rows,
                            note=note, check=check if read else None,
                            extra={"dataset_id": dataset_id, "pages": n_pages})
    except (_UnavailableError, DataError) as exc:
        failure = exc
    else:
        path = _cache.data_path(target, meta)
        if not read:
            return path
        frame = parsed[0]
        frame.attrs["cache"] = _cache_info(meta, path)
        return frame

    try:
        result, cached = _use_cached(target, read)
    except DataError as bad:
        cache_problem = (f"there is no cached copy in {directory}"
                         if not _cache.exists(target)
                         else f"the cached copy is unusable ({bad})")
    else:
        warn(
            f"using cached copy from {cached['fetched_at'][:10]}, vintage {cached['vintage']}: "
            f"{failure}")
        return result
    if isinstance(failure, DataError):
        raise failure
    if not failure.offline:
        cause = (f"The server answered but not with the dataset (check base_url {base_url!r} "
                 f"and dataset_id {dataset_id!r})")
    else:
        cause = f"The machine may be offline or {base_url} unreachable"
    raise FetchError(f"{failure}. {cause}, and {cache_problem}. {_OFFLINE_HINT}") from None
