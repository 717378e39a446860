"""The download cache under real concurrency: separate processes writing and reading one entry.

Two writer processes replace the same entry with different contents, over and over, while a
third process verifies and reads it in a loop; the cache code is the real one, and so are the
processes, the files and the locks.  Before entries were atomic and writers locked, the reader
saw "corrupted" in most of its reads and the writers could leave data and sidecar mismatched.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import odforecast
from odforecast.data import cache

WRITERS = 2
TRIALS = 6
SIZE = 1 << 21  # 2 MiB: long enough writes for the processes to overlap

# Each child waits for the "go" file so the three start together.  Contents differ by writer
# and trial; the reader checks that the bytes it reads hash to the sidecar's checksum.
_CHILD = r"""
import hashlib, json, os, sys, time
from pathlib import Path
from odforecast.data import cache
from odforecast.errors import DataError

role, entry, go, done = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4])
while not go.exists():
    time.sleep(0.001)
if role.startswith("writer"):
    w = int(role[6:])
    for t in range(int(sys.argv[5])):
        payload = (f"writer {w} trial {t}\n".encode() * (int(sys.argv[6]) // 20))
        cache.write(entry, payload, source_url=f"w{w}", vintage="2025-01-01", rows=t)
    sys.exit(0)
ok, failures = 0, []
data_path = getattr(cache, "data_path", lambda e, m: e)  # the layout before issue 13
while True:
    finished = done.exists()
    try:
        meta = cache.verify(entry)
        data = data_path(entry, meta).read_bytes()
        if hashlib.sha256(data).hexdigest() != meta["sha256"]:
            failures.append("data read does not match the sidecar")
        else:
            ok += 1
    except (DataError, OSError) as exc:
        failures.append(str(exc))
    if finished:
        break
print(json.dumps({"ok": ok, "failures": failures}))
"""


def _env() -> dict[str, str]:
    src = str(Path(odforecast.__file__).resolve().parents[1])
    return {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}


def test_concurrent_writers_and_reader_never_see_a_mismatch(tmp_path):
    entry = tmp_path / "cache" / "vsrr_test.csv"
    cache.write(entry, b"initial\n" * (SIZE // 8), source_url="init", vintage="2025-01-01")
    go, done = tmp_path / "go", tmp_path / "done"
    args = [str(entry), str(go), str(done), str(TRIALS), str(SIZE)]

    def start(role: str) -> subprocess.Popen[str]:
        return subprocess.Popen([sys.executable, "-c", _CHILD, role, *args], env=_env(),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    reader = start("reader")
    writers = [start(f"writer{w}") for w in range(WRITERS)]
    time.sleep(1.0)  # let the interpreters start and wait for "go"
    go.touch()
    for writer in writers:
        _, err = writer.communicate(timeout=120)
        assert writer.returncode == 0, err
    done.touch()
    out, err = reader.communicate(timeout=120)
    assert reader.returncode == 0, err
    report = json.loads(out)

    # the reader never saw a half-switched entry, and it did read while the writers wrote
    assert report["failures"] == []
    assert report["ok"] > 0
    # the entry left behind is consistent: one data file, the sidecar's, holding a payload
    # one of the writers wrote last
    meta = cache.verify(entry)
    data = cache.data_path(entry, meta).read_bytes()
    assert hashlib.sha256(data).hexdigest() == meta["sha256"]
    assert meta["rows"] == TRIALS - 1
    assert data.startswith(f"writer {meta['source_url'][1:]} trial {TRIALS - 1}\n".encode())
    # besides the lock and the sidecar, only complete data files (each named by the checksum
    # of its contents): the current one and the replaced ones, kept for readers a while
    names = sorted(p.name for p in entry.parent.iterdir())
    assert names[:1] == [".vsrr_test.csv.lock"] and names[-1] == "vsrr_test.csv.json"
    assert meta["file"] in names
    for name in names[1:-1]:
        digest = hashlib.sha256((entry.parent / name).read_bytes()).hexdigest()
        assert name == f"vsrr_test-{digest[:16]}.csv"
    assert len(names) - 2 == 1 + WRITERS * TRIALS  # the initial entry and every write


def test_replaced_data_files_are_kept_a_while_then_deleted(tmp_path, monkeypatch):
    entry = tmp_path / "e.csv"
    first = cache.write(entry, b"a\n1\n", source_url="u", vintage="2025-01-01")
    held = cache.data_path(entry, first)  # a reader holding the path of the first version
    cache.write(entry, b"a\n2\n", source_url="u", vintage="2025-02-01")
    assert held.read_bytes() == b"a\n1\n"  # still readable after the switch
    monkeypatch.setattr(cache, "RETIRED_SECONDS", 0.0)
    time.sleep(0.01)
    third = cache.write(entry, b"a\n3\n", source_url="u", vintage="2025-03-01")
    assert not held.exists()  # retired long enough: deleted by a later write
    second = tmp_path / f"e-{hashlib.sha256(b'a\n2\n').hexdigest()[:16]}.csv"
    assert second.read_bytes() == b"a\n2\n"  # just retired: kept
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [".e.csv.lock", "e.csv.json", third["file"], second.name])


def test_writer_lock_serialises_writers_but_not_readers(tmp_path):
    entry = tmp_path / "e.csv"
    cache.write(entry, b"a\n1\n", source_url="u", vintage="2025-01-01")
    held = tmp_path / "held"
    # another process holds the writer lock for a second
    code = (f"import time, pathlib\nfrom odforecast.data import cache\n"
            f"with cache._writer_lock(pathlib.Path({str(entry)!r})):\n"
            f"    pathlib.Path({str(held)!r}).touch()\n    time.sleep(1.0)\n")
    holder = subprocess.Popen([sys.executable, "-c", code], env=_env())
    try:
        deadline = time.monotonic() + 60
        while not held.exists():
            assert time.monotonic() < deadline
            time.sleep(0.01)
        start = time.monotonic()
        assert cache.verify(entry)["bytes"] == 4  # a reader does not wait
        assert time.monotonic() - start < 0.5
        cache.write(entry, b"a\n2\n", source_url="u", vintage="2025-02-01")  # a writer does
        assert time.monotonic() - start > 0.5
    finally:
        holder.wait(60)
    assert cache.verify(entry)["vintage"] == "2025-02-01"
    assert cache.data_path(entry).read_bytes() == b"a\n2\n"
