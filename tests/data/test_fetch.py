"""fetch_vsrr and the cache, against a real HTTP server on 127.0.0.1 speaking the SODA CSV format.

The served data is the real national VSRR file (1,464 rows) with the SODA field names and quoting,
paged by ``$limit``/``$offset``; faults (dropped connections, truncated bodies, HTTP errors,
stalls) are injected per request.  No test touches the internet.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pandas as pd
import pytest

from odforecast.data import cache
from odforecast.data import fetch as fetch_module
from odforecast.data.fetch import fetch_vsrr
from odforecast.errors import DataError, FetchError, OdforecastWarning

RAW = "vsrr_national_US_2025-07-16.csv"
DATASET = "xkb8-kh2a"
VINTAGE = "2025-07-16"
ROWS_UPDATED_AT = int(datetime(2025, 7, 16, 14, 30, tzinfo=UTC).timestamp())
N_ROWS = 1464
PAGE = 500  # 3 pages: 500 + 500 + 464 rows
CACHE_NAME = f"vsrr_{DATASET}.csv"

# A fault is (kind, offset, n-th request for that kind and offset) -> action or None:
#   "drop"      close the socket without any response
#   "truncate"  announce the full Content-Length, send half the body, close
#   "cut"       send the first half of the body with a matching Content-Length (ends mid-row)
#   "html"      a 200 text/html page, as a captive portal sends
#   "stall"     send nothing for longer than the client's timeout
#   "reorder"   the page's columns in reverse order, without the footnote column
#   "bad_value" a well-formed page whose first data_value is "n/a"
#   int         that HTTP status (with Retry-After if FakeSoda.retry_after is set)
Fault = Callable[[str, int, int], "str | int | None"]


def _soda_field(title: str) -> str:
    return "_".join(title.lower().split())


class FakeSoda:
    """State of the fake data.cdc.gov: the rows it serves, faults, and the requests it saw."""

    def __init__(self, header: list[str], rows: list[list[str]]) -> None:
        self.header = header
        self.rows = rows
        self.fault: Fault = lambda kind, offset, n: None
        self.retry_after: str | None = None
        self.requests: list[tuple[str, int]] = []
        self.lock = threading.Lock()
        self.release = threading.Event()  # set at teardown to end stalled handlers
        self.url = ""

    def count(self, kind: str | None = None, offset: int | None = None) -> int:
        with self.lock:
            return sum(1 for k, o in self.requests
                       if (kind is None or k == kind) and (offset is None or o == offset))

    def reset(self) -> None:
        with self.lock:
            self.requests.clear()
        self.fault = lambda kind, offset, n: None

    def page(self, offset: int, limit: int, action: str | int | None) -> bytes:
        header, rows = self.header, self.rows[offset:offset + limit]
        if action == "reorder":
            keep = [i for i in reversed(range(len(header))) if header[i] != "footnote"]
            header, rows = [header[i] for i in keep], [[r[i] for i in keep] for r in rows]
        if action == "bad_value" and rows:
            rows = [list(rows[0]), *rows[1:]]
            rows[0][header.index("data_value")] = "n/a"
        out = io.StringIO(newline="")
        # SODA quotes every value; a null is an empty unquoted field.
        writer = csv.writer(out, quoting=csv.QUOTE_NOTNULL, lineterminator="\n")
        writer.writerow(header)
        writer.writerows([v if v != "" else None for v in row] for row in rows)
        return out.getvalue().encode("utf-8")


def _handler(soda: FakeSoda) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # keep pytest output clean
            pass

        def _send(self, status: int, body: bytes, content_type: str, *,
                  length: int | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body) if length is None else length))
            if status >= 400 and soda.retry_after is not None:
                self.send_header("Retry-After", soda.retry_after)
            self.end_headers()
            self.wfile.write(body)
            self.wfile.flush()

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = parse_qs(parts.query)
            if parts.path == f"/resource/{DATASET}.csv":
                assert query["$order"] == [":id"]
                kind, offset = "data", int(query["$offset"][0])
                limit = int(query["$limit"][0])
            elif parts.path == f"/api/views/{DATASET}.json":
                kind, offset, limit = "meta", 0, 0
            else:
                kind, offset, limit = "other", 0, 0
            with soda.lock:
                soda.requests.append((kind, offset))
                nth = soda.requests.count((kind, offset))
            action = soda.fault(kind, offset, nth)
            if action == "drop":
                self.close_connection = True
                return
            if action == "stall":
                soda.release.wait(10)
                self.close_connection = True
                return
            if isinstance(action, int):
                self._send(action, f"error {action}\n".encode(), "text/plain")
                return
            if action == "html":
                self._send(200, b"<html><body>Sign in to the network</body></html>\n",
                           "text/html; charset=utf-8")
                return
            if kind == "meta":
                body = json.dumps({"id": DATASET, "rowsUpdatedAt": ROWS_UPDATED_AT}).encode()
                self._send(200, body, "application/json; charset=utf-8")
                return
            if kind != "data":
                self._send(404, b"not found\n", "text/plain")
                return
            body = soda.page(offset, limit, action)
            if action == "truncate":
                self._send(200, body[: len(body) // 2], "text/csv; charset=UTF-8",
                           length=len(body))
                self.close_connection = True
            elif action == "cut":
                self._send(200, body[: len(body) // 2], "text/csv; charset=UTF-8")
            else:
                self._send(200, body, "text/csv; charset=UTF-8")

    return Handler


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients that time out and hang up are expected here


@pytest.fixture
def soda(raw) -> Iterator[FakeSoda]:
    """A real HTTP server on 127.0.0.1 serving the real national VSRR data the SODA way."""
    with open(raw(RAW), newline="", encoding="utf-8") as fh:
        records = list(csv.reader(fh))
    state = FakeSoda([_soda_field(t) for t in records[0]], records[1:])
    assert len(state.rows) == N_ROWS
    server = _QuietServer(("127.0.0.1", 0), _handler(state))
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield state
    finally:
        state.release.set()
        server.shutdown()
        server.server_close()
        thread.join(5)


_EXPECTED: dict[Path, pd.DataFrame] = {}


@pytest.fixture
def expected(raw) -> pd.DataFrame:
    """read_vsrr of the same real data, read from the original file (parsed once per session)."""
    from odforecast.data.vsrr import read_vsrr

    path = raw(RAW)
    if path not in _EXPECTED:
        _EXPECTED[path] = read_vsrr(path, vintage=VINTAGE)
    return _EXPECTED[path].copy()


@pytest.fixture
def cache_path(tmp_path: Path) -> Path:
    directory = tmp_path / "cache"
    directory.mkdir()
    return directory


def _fetch(soda: FakeSoda, directory: Path, **kwargs: Any) -> Any:
    options: dict[str, Any] = {"cache_dir": directory, "base_url": soda.url, "page_size": PAGE,
                               "backoff": 0, "timeout": 5.0}
    options.update(kwargs)
    return fetch_vsrr(**options)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _listing(directory: Path) -> list[str]:
    """Names in a cache directory, without the writers' lock files."""
    return sorted(p.name for p in directory.iterdir() if not p.name.endswith(".lock"))


def _only(kind: str, offset: int, action: str | int, times: int | None = None) -> Fault:
    """Fault for requests (kind, offset): the first ``times`` of them, or all if None."""
    def fault(k: str, o: int, n: int) -> str | int | None:
        hit = k == kind and o == offset and (times is None or n <= times)
        return action if hit else None
    return fault


# -- (a) happy path ----------------------------------------------------------------------------


def test_happy_path_pages_caches_and_reads(soda, cache_path, expected):
    frame = _fetch(soda, cache_path)

    pd.testing.assert_frame_equal(frame, expected)
    assert frame["vintage"].eq(VINTAGE).all()
    us22 = frame[(frame.location == "US") & (frame.indicator == "all_drugs")
                 & (frame.period_end == "2022-12-31") & (frame.estimate == "reported")]
    assert us22["value"].tolist() == [109413.0]
    # three pages of 500, then the metadata
    assert [o for k, o in soda.requests if k == "data"] == [0, 500, 1000]
    assert soda.count("meta") == 1

    entry = cache_path / CACHE_NAME
    meta = json.loads(cache.sidecar_path(entry).read_text())
    path = cache_path / meta["file"]
    assert meta["file"] == f"vsrr_{DATASET}-{_sha(path)[:16]}.csv"
    assert _listing(cache_path) == [path.name, CACHE_NAME + ".json"]
    assert meta["sha256"] == _sha(path)
    assert meta["bytes"] == path.stat().st_size
    assert meta["rows"] == N_ROWS
    assert meta["vintage"] == VINTAGE
    assert meta["source_url"] == f"{soda.url}/resource/{DATASET}.csv"
    assert meta["note"] is None
    assert meta["pages"] == 3
    assert datetime.fromisoformat(meta["fetched_at"]).utcoffset().total_seconds() == 0
    from odforecast import __version__
    assert meta["odforecast_version"] == __version__
    assert frame.attrs["cache"] == {**meta, "path": str(path)}
    assert cache.verify(entry) == meta
    # the cached file holds every row once, under the SODA field names
    with open(path, newline="", encoding="utf-8") as fh:
        cached = list(csv.reader(fh))
    assert cached[0] == soda.header
    assert cached[1:] == soda.rows


def test_read_false_returns_the_cached_path(soda, cache_path):
    path = _fetch(soda, cache_path, read=False)
    meta = cache.verify(cache_path / CACHE_NAME)
    assert path == cache_path / meta["file"] == cache.data_path(cache_path / CACHE_NAME)
    assert meta["rows"] == N_ROWS and _sha(path) == meta["sha256"]


# -- (b) retried failures ----------------------------------------------------------------------


def test_dropped_connection_is_retried(soda, cache_path, expected):
    soda.fault = _only("data", 500, "drop", times=1)
    frame = _fetch(soda, cache_path)
    pd.testing.assert_frame_equal(frame, expected)
    assert soda.count("data", 500) == 2  # the server saw the retry
    assert soda.count("data", 0) == soda.count("data", 1000) == 1


@pytest.mark.parametrize("action", ["truncate", "cut", "html"])
def test_truncated_or_malformed_page_is_retried(soda, cache_path, expected, action):
    soda.fault = _only("data", 1000, action, times=2)
    frame = _fetch(soda, cache_path, retries=2)
    pd.testing.assert_frame_equal(frame, expected)
    assert soda.count("data", 1000) == 3


# -- (c) truncated on every attempt, no cache --------------------------------------------------


def test_truncated_every_time_without_cache_fails_and_leaves_nothing(soda, cache_path):
    soda.fault = _only("data", 500, "truncate")
    with pytest.raises(FetchError) as info:
        _fetch(soda, cache_path, retries=2)
    message = str(info.value)
    assert f"{soda.url}/resource/{DATASET}.csv?$limit=500&$offset=500" in message
    assert "truncated" in message
    assert "after 3 attempts" in message
    assert "offline" in message
    assert 'odforecast.load_dataset("us_monthly_12m")' in message
    assert soda.count("data", 500) == 3
    assert soda.count("meta") == 0
    assert list(cache_path.iterdir()) == []  # no partial or temporary file


# -- (d) truncated with a good cache -----------------------------------------------------------


def test_truncated_with_cache_warns_and_returns_cached_copy(soda, cache_path, expected):
    first = _fetch(soda, cache_path)
    path = cache.data_path(cache_path / CACHE_NAME)
    data, sidecar = path.read_bytes(), cache.sidecar_path(cache_path / CACHE_NAME).read_bytes()

    soda.reset()
    soda.fault = _only("data", 500, "truncate")
    today = datetime.now(UTC).date().isoformat()
    with pytest.warns(OdforecastWarning,
                      match=rf"using cached copy from {today}, vintage {VINTAGE}: .*truncated"):
        frame = _fetch(soda, cache_path, retries=1)
    pd.testing.assert_frame_equal(frame, expected)
    assert frame.attrs["cache"] == first.attrs["cache"]
    assert soda.count("data", 500) == 2
    assert path.read_bytes() == data  # cache untouched
    assert cache.sidecar_path(cache_path / CACHE_NAME).read_bytes() == sidecar
    assert _sha(path) == first.attrs["cache"]["sha256"]
    assert frame.attrs["cache"]["path"] == str(path)
    assert _listing(cache_path) == [path.name, CACHE_NAME + ".json"]


# -- (e) 404 -----------------------------------------------------------------------------------


def test_404_fails_at_once(soda, cache_path):
    soda.fault = _only("data", 0, 404)
    with pytest.raises(FetchError, match=r"HTTP 404 .*not retried") as info:
        _fetch(soda, cache_path, retries=3)
    message = str(info.value)
    assert f"{soda.url}/resource/{DATASET}.csv" in message
    assert "check base_url" in message and "offline" not in message.split("Bundled")[0]
    assert soda.count() == 1
    assert list(cache_path.iterdir()) == []


# -- (f) 5xx and 429 are retried ---------------------------------------------------------------


@pytest.mark.parametrize("status", [503, 500, 429])
def test_server_errors_are_retried(soda, cache_path, expected, status):
    soda.fault = _only("data", 0, status, times=2)
    frame = _fetch(soda, cache_path, retries=3)
    pd.testing.assert_frame_equal(frame, expected)
    assert soda.count("data", 0) == 3


def test_backoff_is_exponential_and_honours_retry_after(soda, cache_path, monkeypatch):
    sleeps: list[float] = []
    monkeypatch.setattr(fetch_module.time, "sleep", sleeps.append)
    soda.fault = _only("data", 0, 503, times=3)
    _fetch(soda, cache_path, retries=3, backoff=0.5, read=False)
    assert sleeps == [0.5, 1.0, 2.0]

    sleeps.clear()
    soda.reset()
    soda.retry_after = "3"
    soda.fault = _only("data", 0, 429, times=1)
    _fetch(soda, cache_path, retries=3, backoff=0.5, read=False)
    assert sleeps == [3.0]

    sleeps.clear()  # backoff=0 never sleeps, whatever the server asks
    soda.reset()
    soda.fault = _only("data", 0, 429, times=1)
    _fetch(soda, cache_path, retries=3, backoff=0, read=False)
    assert sleeps == []


# -- (g) timeouts ------------------------------------------------------------------------------


def test_timeout_is_retried_then_fails_or_falls_back(soda, cache_path, expected):
    soda.fault = _only("data", 0, "stall")
    start = time.monotonic()
    with pytest.raises(FetchError, match=r"timed out after 0.5 s \(after 2 attempts\)"):
        _fetch(soda, cache_path, timeout=0.5, retries=1)
    assert time.monotonic() - start < 3
    assert soda.count("data", 0) == 2
    assert list(cache_path.iterdir()) == []

    soda.reset()
    _fetch(soda, cache_path)
    soda.fault = _only("data", 0, "stall")
    with pytest.warns(OdforecastWarning, match="using cached copy.*timed out"):
        frame = _fetch(soda, cache_path, timeout=0.5, retries=1)
    pd.testing.assert_frame_equal(frame, expected)


def test_cache_attrs_name_the_cached_file_on_every_return_path(soda, cache_path):
    # issue 13: `odforecast data fetch` printed "cached at ?" (no path in the attrs)
    def check(frame: pd.DataFrame) -> dict[str, Any]:
        info = frame.attrs["cache"]
        path = Path(info["path"])
        assert path.parent == cache_path and path.name == info["file"]
        assert _sha(path) == info["sha256"] and info["vintage"] == VINTAGE
        return info

    fresh = check(_fetch(soda, cache_path))
    soda.reset()
    assert check(_fetch(soda, cache_path, refresh=False)) == fresh  # cached, no network
    assert soda.count() == 0
    soda.fault = _only("data", 0, "drop")
    with pytest.warns(OdforecastWarning, match="using cached copy"):
        assert check(_fetch(soda, cache_path, retries=0)) == fresh  # offline fallback


# -- (h) refresh=False -------------------------------------------------------------------------


def test_refresh_false_uses_cache_without_network(soda, cache_path, expected):
    first = _fetch(soda, cache_path)
    soda.reset()
    frame = _fetch(soda, cache_path, refresh=False)
    assert soda.count() == 0
    pd.testing.assert_frame_equal(frame, expected)
    assert frame.attrs["cache"] == first.attrs["cache"]


def test_refresh_false_without_cache_downloads(soda, cache_path, expected):
    frame = _fetch(soda, cache_path, refresh=False)
    pd.testing.assert_frame_equal(frame, expected)
    assert soda.count("data") == 3


# -- (i) corrupted cache -----------------------------------------------------------------------


def test_verify_detects_corruption_and_fetch_refetches(soda, cache_path, expected):
    _fetch(soda, cache_path)
    entry = cache_path / CACHE_NAME
    path = cache.data_path(entry)
    good = path.read_bytes()

    flipped = bytearray(good)
    flipped[len(good) // 2] ^= 0x01
    path.write_bytes(bytes(flipped))
    with pytest.raises(DataError, match="corrupted"):
        cache.verify(entry)
    path.write_bytes(good[:-10])
    with pytest.raises(DataError, match="truncated"):
        cache.verify(entry)

    path.write_bytes(bytes(flipped))
    soda.reset()
    frame = _fetch(soda, cache_path, refresh=False)  # not trusted: downloaded again
    assert soda.count("data") == 3
    pd.testing.assert_frame_equal(frame, expected)
    assert path.read_bytes() == good
    assert cache.verify(entry)["sha256"] == _sha(path)


def test_corrupted_cache_is_not_a_fallback(soda, cache_path):
    _fetch(soda, cache_path)
    path = cache.data_path(cache_path / CACHE_NAME)
    path.write_bytes(path.read_bytes()[:-100])
    soda.reset()
    soda.fault = _only("data", 0, "drop")
    with pytest.raises(FetchError, match="the cached copy is unusable") as info:
        _fetch(soda, cache_path, retries=1)
    message = str(info.value)
    # one sentence, no "there is the cached copy is unusable" (issue 13)
    assert "there is the" not in message
    assert "unreachable, and the cached copy is unusable (" in message
    assert "truncated or modified" in message and str(path) in message


# -- (j) no network client on import -----------------------------------------------------------


def test_import_odforecast_loads_no_network_client_or_heavy_engine():
    heavy = ["urllib.request", "http.client", "requests", "pymc", "pytensor", "arviz",
             "matplotlib"]
    code = ("import sys, odforecast\n"
            f"print(','.join(m for m in {heavy!r} if m in sys.modules))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, timeout=60)
    assert result.stdout.strip() == ""


# -- further behaviour -------------------------------------------------------------------------


def test_metadata_failure_uses_today_and_notes_it(soda, cache_path):
    soda.fault = _only("meta", 0, 500)
    frame = _fetch(soda, cache_path, retries=1)
    today = datetime.now(UTC).date().isoformat()
    meta = frame.attrs["cache"]
    assert meta["vintage"] == today
    assert "vintage unknown" in meta["note"] and "HTTP 500" in meta["note"]
    assert frame["vintage"].eq(today).all()
    assert soda.count("meta") == 2


def test_pages_are_merged_by_column_name(soda, cache_path, expected):
    soda.fault = _only("data", 500, "reorder")  # reversed columns, footnote missing
    frame = _fetch(soda, cache_path)
    pd.testing.assert_frame_equal(frame, expected)
    with open(frame.attrs["cache"]["path"], newline="", encoding="utf-8") as fh:
        cached = list(csv.DictReader(fh))
    assert list(cached[0]) == soda.header
    footnotes = Counter(row["footnote"] == "" for row in cached)
    assert footnotes[True] == PAGE  # the page without the column
    assert [row["data_value"] for row in cached] == [r[5] for r in soda.rows]


def test_unreadable_download_never_replaces_the_cache(soda, cache_path):
    soda.fault = _only("data", 0, "bad_value")
    with pytest.raises(DataError, match=rf"downloaded from {soda.url}.*cannot be read") as info:
        _fetch(soda, cache_path)
    assert info.value.column == "data_value"
    assert list(cache_path.iterdir()) == []  # the temporary file was removed

    soda.reset()
    first = _fetch(soda, cache_path)
    path = cache.data_path(cache_path / CACHE_NAME)
    data = path.read_bytes()
    soda.fault = _only("data", 0, "bad_value")
    with pytest.warns(OdforecastWarning, match="using cached copy.*cannot be read"):
        frame = _fetch(soda, cache_path)
    assert frame.attrs["cache"] == first.attrs["cache"]
    assert path.read_bytes() == data
    assert _listing(cache_path) == [path.name, CACHE_NAME + ".json"]


def test_unreachable_server_message(cache_path):
    # a port nobody listens on: connection refused on every attempt
    server = _QuietServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    port = server.server_address[1]
    server.server_close()
    with pytest.raises(FetchError, match=r"connection failed.*offline.*unreachable, and there "
                                         r"is no cached copy in "):
        fetch_vsrr(cache_dir=cache_path, base_url=f"http://127.0.0.1:{port}", retries=1,
                   backoff=0, timeout=2.0)


def test_invalid_arguments(cache_path):
    with pytest.raises(ValueError, match="page_size"):
        fetch_vsrr(cache_dir=cache_path, page_size=0)
    with pytest.raises(ValueError, match="retries"):
        fetch_vsrr(cache_dir=cache_path, retries=-1)


# -- cache module ------------------------------------------------------------------------------


def test_cache_dir_honours_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("ODFORECAST_CACHE_DIR", str(tmp_path / "c"))
    assert cache.cache_dir() == tmp_path / "c"
    monkeypatch.delenv("ODFORECAST_CACHE_DIR")
    import platformdirs
    assert cache.cache_dir() == Path(platformdirs.user_cache_dir("odforecast"))


def test_atomic_write_failure_keeps_old_file_and_leaves_no_temp(tmp_path):
    target = tmp_path / "x.csv"
    meta = cache.write(target, b"a\n1\n", source_url="u", vintage="2025-01-01", rows=1)

    def reject(tmp: Path) -> None:
        assert tmp.parent == tmp_path and tmp.read_bytes() == b"a\n2\n"
        raise DataError("rejected")

    with pytest.raises(DataError, match="rejected"):
        cache.write(target, b"a\n2\n", source_url="u", vintage="2025-02-01", rows=1,
                    check=reject)
    assert cache.data_path(target).read_bytes() == b"a\n1\n"
    assert cache.verify(target) == meta
    assert _listing(tmp_path) == [meta["file"], "x.csv.json"]


def test_verify_needs_the_sidecar(tmp_path):
    target = tmp_path / "x.csv"
    cache.write(target, b"a\n1\n", source_url="u", vintage="2025-01-01")
    cache.sidecar_path(target).unlink()  # the entry is gone (its data file is an orphan)
    with pytest.raises(DataError, match="cached file not found"):
        cache.verify(target)
    target.write_bytes(b"a\n1\n")  # a data file of the previous layout, without its sidecar
    with pytest.raises(DataError, match="sidecar is missing"):
        cache.verify(target)
    with pytest.raises(DataError, match="not found"):
        cache.verify(tmp_path / "absent.csv")
