"""Write the offline intersphinx inventories in this folder.

The docs build resolves references to Python, NumPy, pandas, xarray, statsmodels, PyMC, ArviZ and
matplotlib from ``docs/_intersphinx/<project>.inv`` so that it needs no network (CI and the test
suite build offline, with warnings as errors).  Two kinds of file live here:

* **Subsets of a project's published inventory** (``objects.inv`` of its Sphinx site, or the same
  file shipped in a distribution's documentation package).  Only the Python-domain objects and
  the glossary terms (and Python's labels) are kept, so the files stay small; every entry is
  the project's own.
* **Curated inventories** for projects whose inventory could not be obtained when the files were
  written: the entries in ``CURATED`` below, each the address of a real page of the project's
  documentation (checked by hand; see ``README.md``).

Usage (from the repository root)::

    # online: replace every inventory by a subset of the project's published one
    python docs/_intersphinx/refresh.py --online
    # offline: take a project's inventory from a file (e.g. a Debian *-doc package)
    python docs/_intersphinx/refresh.py --from pandas=path/to/html/objects.inv
    # (re)write the curated inventories only
    python docs/_intersphinx/refresh.py --curated
"""

from __future__ import annotations

import argparse
import re
import sys
import urllib.request
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent

#: project -> base URL of its documentation (docs/conf.py reads this table for intersphinx)
PROJECTS = {
    "python": "https://docs.python.org/3/",
    "numpy": "https://numpy.org/doc/stable/",
    "pandas": "https://pandas.pydata.org/docs/",
    "xarray": "https://docs.xarray.dev/en/stable/",
    "statsmodels": "https://www.statsmodels.org/stable/",
    "pymc": "https://www.pymc.io/projects/docs/en/stable/",
    "arviz": "https://python.arviz.org/en/stable/",
    "matplotlib": "https://matplotlib.org/stable/",
}

#: Hand-written entries (name, domain:role, uri relative to the project's base URL, display).
#: Each uri is a page of the project's documentation: the pattern of its API pages as built by
#: its Sphinx configuration (autosummary ``generated/`` stubs), checked against the published
#: site.  Replaced by the real inventory on the next ``--online`` refresh.
CURATED: dict[str, dict[str, object]] = {
    "numpy": {
        "version": "stable",
        "entries": [
            ("numpy.ndarray", "py:class", "reference/generated/numpy.ndarray.html#numpy.ndarray"),
            ("numpy.random.Generator", "py:class",
             "reference/random/generator.html#numpy.random.Generator"),
            ("numpy.random.default_rng", "py:function",
             "reference/random/generator.html#numpy.random.default_rng"),
            ("numpy.random.SeedSequence", "py:class",
             "reference/random/bit_generators/generated/numpy.random.SeedSequence.html"
             "#numpy.random.SeedSequence"),
        ],
    },
    "xarray": {
        "version": "stable",
        "entries": [
            ("xarray.DataArray", "py:class", "generated/xarray.DataArray.html#xarray.DataArray"),
            ("xarray.Dataset", "py:class", "generated/xarray.Dataset.html#xarray.Dataset"),
            ("xarray.DataTree", "py:class", "generated/xarray.DataTree.html#xarray.DataTree"),
            ("xarray.open_datatree", "py:function",
             "generated/xarray.open_datatree.html#xarray.open_datatree"),
        ],
    },
    "pymc": {
        "version": "stable",
        "entries": [
            ("pymc.sampling.mcmc.sample", "py:function",
             "api/generated/pymc.sampling.mcmc.sample.html#pymc.sampling.mcmc.sample"),
            ("pymc.sample", "py:function",
             "api/generated/pymc.sampling.mcmc.sample.html#pymc.sampling.mcmc.sample"),
            ("pymc.fit", "py:function", "api/generated/pymc.fit.html#pymc.fit"),
            ("pymc.model.core.Model", "py:class",
             "api/generated/pymc.model.core.Model.html#pymc.model.core.Model"),
            ("pymc.Model", "py:class",
             "api/generated/pymc.model.core.Model.html#pymc.model.core.Model"),
            ("index", "std:doc", "index.html"),
        ],
    },
    "arviz": {
        "version": "stable",
        "entries": [
            ("index", "std:doc", "index.html"),
        ],
    },
    "matplotlib": {
        "version": "stable",
        "entries": [
            ("matplotlib.figure.Figure", "py:class",
             "api/_as_gen/matplotlib.figure.Figure.html#matplotlib.figure.Figure"),
            ("matplotlib.axes.Axes", "py:class",
             "api/_as_gen/matplotlib.axes.Axes.html#matplotlib.axes.Axes"),
        ],
    },
}

#: Only these parts of a large project's inventory are kept (all of it for the others).
PREFIXES = {"statsmodels": ("statsmodels.tsa", "statsmodels.stats")}

_LINE = re.compile(r"(.+?)\s+(\S+)\s+(-?\d+)\s+?(\S*)\s+(.*)")
#: Glossary terms are kept for every project, labels (``:ref:`` targets) only for these.
KEEP_LABELS = {"python"}


def read_inventory(raw: bytes) -> tuple[str, str, list[tuple[str, str, str, str, str]]]:
    """Parse a version-2 Sphinx inventory: (project, version, [(name, type, prio, uri, disp)])."""
    head, _, rest = raw.partition(b"# The remainder of this file is compressed using zlib.\n")
    lines = head.decode().splitlines()
    if not lines or lines[0].strip() != "# Sphinx inventory version 2":
        raise ValueError("not a Sphinx inventory (version 2)")
    project = lines[1].removeprefix("# Project: ").strip()
    version = lines[2].removeprefix("# Version: ").strip()
    entries = []
    for line in zlib.decompress(rest).decode().splitlines():
        match = _LINE.match(line.rstrip())
        if match:
            entries.append(match.groups())
    return project, version, entries


def write_inventory(path: Path, project: str, version: str,
                    entries: list[tuple[str, str, str, str, str]]) -> None:
    """Write a version-2 Sphinx inventory."""
    lines = []
    for name, kind, prio, uri, disp in sorted(entries):
        if uri.endswith(name):  # Sphinx's own abbreviation
            uri = uri[: -len(name)] + "$"
        lines.append(f"{name} {kind} {prio} {uri} {disp}\n")
    body = "".join(lines)
    header = (f"# Sphinx inventory version 2\n# Project: {project}\n# Version: {version}\n"
              "# The remainder of this file is compressed using zlib.\n")
    path.write_bytes(header.encode() + zlib.compress(body.encode(), 9))


def subset(name: str, entries: list[tuple[str, str, str, str, str]]
           ) -> list[tuple[str, str, str, str, str]]:
    """Keep the Python-domain objects (under ``PREFIXES``), glossary terms and some labels."""
    prefixes = PREFIXES.get(name)
    if prefixes:
        return [e for e in entries if e[1].startswith("py:") and e[0].startswith(prefixes)]
    keep = {"std:term", "std:label"} if name in KEEP_LABELS else {"std:term"}
    return [e for e in entries if e[1].startswith("py:") or e[1] in keep]


def from_source(name: str, source: str) -> None:
    if "://" in source:
        with urllib.request.urlopen(source, timeout=30) as response:
            raw = response.read()
    else:
        raw = Path(source).read_bytes()
    project, version, entries = read_inventory(raw)
    kept = subset(name, entries)
    write_inventory(HERE / f"{name}.inv", project, version, kept)
    print(f"{name}: {len(kept)} of {len(entries)} entries from {source} ({project} {version})")


def curated(name: str) -> None:
    spec = CURATED[name]
    entries = [(n, kind, "1", uri, "-") for n, kind, uri in spec["entries"]]  # type: ignore[misc]
    write_inventory(HERE / f"{name}.inv", f"{name} (curated subset, see README.md)",
                    str(spec["version"]), entries)
    print(f"{name}: {len(entries)} curated entries")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--online", action="store_true",
                        help="download every project's published objects.inv")
    parser.add_argument("--from", dest="sources", action="append", default=[],
                        metavar="NAME=PATH_OR_URL", help="one project's inventory from a file")
    parser.add_argument("--curated", action="store_true", help="write the curated inventories")
    args = parser.parse_args(argv)
    if args.online:
        for name, url in PROJECTS.items():
            from_source(name, url + "objects.inv")
    for item in args.sources:
        name, _, source = item.partition("=")
        if name not in PROJECTS or not source:
            parser.error(f"--from needs NAME=PATH with NAME one of {sorted(PROJECTS)}")
        from_source(name, source)
    if args.curated:
        for name in CURATED:
            curated(name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
