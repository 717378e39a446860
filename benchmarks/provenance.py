"""Where a benchmark result came from: the source revision, the command and the date.

Every results folder gets a ``provenance.json`` beside its tables, so a number in a README can
be traced to the commit that produced it (``git show <revision>``), even after later runs of
other scripts have rewritten neighbouring files.  Imported by the benchmark scripts with their
parent folder on ``sys.path``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def source_revision() -> str:
    """The checked-out commit, with ``+changes`` when tracked files differ from it (the run
    then used code no commit holds), or ``unknown`` outside a git checkout."""
    try:
        commit = subprocess.run(["git", "rev-parse", "--short=10", "HEAD"], cwd=ROOT,
                                capture_output=True, text=True, check=True).stdout.strip()
        changed = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                                 cwd=ROOT, capture_output=True, text=True,
                                 check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return commit + ("+changes" if changed else "")


def write_provenance(folder: Path, files: list[str], **extra: object) -> Path:
    """Record in ``folder/provenance.json`` which run wrote ``files``: the revision, the
    command line and the time, merged with the entries other scripts left there."""
    path = Path(folder) / "provenance.json"
    record = json.loads(path.read_text()) if path.exists() else {}
    entry = {"revision": source_revision(),
             "command": " ".join([Path(sys.executable).name, *sys.argv]),
             "finished": time.strftime("%Y-%m-%d %H:%M %Z"), **extra}
    for name in files:
        record[name] = entry
    path.write_text(json.dumps(record, indent=1, sort_keys=True) + "\n")
    return path
