"""Wall time and peak memory of read_wonder on large CDC WONDER exports.

A large export is built by repeating the real state x month T40.4 export
(``wonder_t40.4_druginduced_state_month_1999_2020.csv``, 3,347 rows) once per combination of
three further grouping columns a WONDER query can add (Single-Year Ages, Gender, Hispanic
Origin, each with its ``... Code`` twin), so that every row stays unique, as in a real export
grouped by more variables.  The file is written to a temporary folder (never to the
repository) and read by :func:`odforecast.data.wonder.read_wonder` in a fresh Python process,
whose wall time and peak resident memory (``ru_maxrss``) are reported.

Usage, from the repository root::

    .venv/bin/python benchmarks/readers/run.py --sizes 10 200
    .venv/bin/python benchmarks/readers/run.py --sizes 10 --src /tmp/before/src  # older code

``--src`` points at the ``src`` folder of the odforecast to measure (default: this checkout's).
"""

from __future__ import annotations

import argparse
import csv
import io
import itertools
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCE = "wonder_t40.4_druginduced_state_month_1999_2020.csv"
VINTAGE = "2025-10-25"

_CHILD = """
import sys, time
t0 = time.perf_counter()
from odforecast.data.wonder import read_wonder
frame = read_wonder(sys.argv[1], vintage=sys.argv[2])
print(time.perf_counter() - t0, len(frame), int(frame['value'].sum()), int(frame['censored'].sum()))
"""


def build(raw: Path, out: Path, megabytes: float) -> tuple[int, int]:
    """Write an export of about ``megabytes`` MB; return (bytes, data rows)."""
    with open(raw / SOURCE, newline="", encoding="utf-8") as fh:
        records = list(csv.reader(fh))
    header, rows = records[0], records[1:]
    extra = ["Single-Year Ages", "Single-Year Ages Code", "Gender", "Gender Code",
             "Hispanic Origin", "Hispanic Origin Code"]
    at = header.index("State Code") + 1
    combos = itertools.product(
        [(f"{a} years", str(a)) for a in range(100)], [("Female", "F"), ("Male", "M")],
        [("Hispanic or Latino", "2135-2"), ("Not Hispanic or Latino", "2186-5"),
         ("Not Stated", "NS")])
    target = int(megabytes * 1e6)
    written = n = 0
    with open(out, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\r\n")
        writer.writerow(header[:at] + extra + header[at:])
        for (age, age_code), (sex, sex_code), (hisp, hisp_code) in combos:
            buffer = io.StringIO(newline="")
            block = csv.writer(buffer, lineterminator="\r\n")
            block.writerows([*r[:at], age, age_code, sex, sex_code, hisp, hisp_code, *r[at:]]
                            for r in rows)
            text = buffer.getvalue()
            fh.write(text)
            written += len(text)
            n += len(rows)
            if written >= target:
                break
        else:
            raise SystemExit(f"cannot reach {megabytes} MB with 600 copies")
    return out.stat().st_size, n


def measure(path: Path, src: Path, timeout: float) -> dict[str, object]:
    env = {**os.environ, "PYTHONPATH": str(src)}
    start = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-c", _CHILD, str(path), VINTAGE], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    timed_out = False
    while True:
        pid, status, usage = os.wait4(child.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() - start > timeout:
            child.kill()
            pid, status, usage = os.wait4(child.pid, 0)
            timed_out = True
            break
        time.sleep(0.05)
    wall = time.perf_counter() - start
    out = child.stdout.read() if child.stdout else ""
    err = child.stderr.read() if child.stderr else ""
    peak_mb = usage.ru_maxrss / 1024  # kilobytes on Linux
    cpu = round(usage.ru_utime + usage.ru_stime, 1)  # less sensitive to a busy machine
    if timed_out:
        return {"seconds": None, "stopped_after": round(wall, 1), "cpu_seconds": cpu,
                "peak_rss_mb": round(peak_mb)}
    if status != 0:
        raise SystemExit(f"read_wonder failed:\n{err}")
    seconds, rows, total, censored = out.split()
    return {"seconds": round(float(seconds), 1), "cpu_seconds": cpu,
            "peak_rss_mb": round(peak_mb), "rows": int(rows),
            "deaths": int(total), "censored": int(censored)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--src", type=Path, default=ROOT / "src")
    parser.add_argument("--sizes", type=float, nargs="+", default=[10, 200])
    parser.add_argument("--timeout", type=float, default=300.0)
    args = parser.parse_args()
    print(f"# {platform.node()}: {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} CPUs, Python {platform.python_version()}; src {args.src}")
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            path = Path(tmp) / f"wonder_{size:g}mb.csv"
            nbytes, rows = build(args.raw, path, size)
            result = {"target_mb": size, "file_mb": round(nbytes / 1e6, 1), "file_rows": rows,
                      "load_average": round(os.getloadavg()[0], 1),
                      **measure(path, args.src, args.timeout)}
            print(json.dumps(result), flush=True)
            results.append(result)
            path.unlink()


if __name__ == "__main__":
    main()
