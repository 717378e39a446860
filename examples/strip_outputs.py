"""Strip outputs from the example notebooks: they are committed without outputs.

Usage (from the repository root)::

    .venv/bin/python examples/strip_outputs.py            # strip every examples/*.ipynb
    .venv/bin/python examples/strip_outputs.py --check    # exit 1 if any has outputs
    .venv/bin/python examples/strip_outputs.py examples/01_quickstart.ipynb

Stripping removes cell outputs and execution counts, the execution timestamps and view state
that Jupyter adds to cell metadata, and any notebook metadata except the kernel and language
names, so a notebook that was run and saved in Jupyter diffs cleanly. The test suite
(``tests/test_notebooks.py``) fails if a committed notebook still has outputs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat

EXAMPLES = Path(__file__).resolve().parent

#: Cell metadata keys written by Jupyter and its extensions when a notebook is run or viewed.
TRANSIENT_CELL_METADATA = ("execution", "ExecuteTime", "collapsed", "scrolled", "jupyter")

#: The only notebook metadata kept.
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


def strip(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Return ``nb`` without outputs, execution counts and transient metadata (in place)."""
    for cell in nb.cells:
        for key in TRANSIENT_CELL_METADATA:
            cell.metadata.pop(key, None)
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    nb.metadata = nbformat.from_dict({
        "kernelspec": dict(nb.metadata.get("kernelspec") or KERNELSPEC),
        "language_info": {"name": "python"},
    })
    return nb


def stripped_text(path: Path) -> tuple[str, str]:
    """The notebook's current text and its text once stripped."""
    text = path.read_text(encoding="utf-8")
    nb = nbformat.reads(text, as_version=nbformat.NO_CONVERT)
    return text, nbformat.writes(strip(nb)) + "\n"


def needs_stripping(path: Path) -> bool:
    """Whether the notebook at ``path`` has outputs or transient metadata."""
    text, stripped = stripped_text(path)
    return text != stripped


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path,
                        help="notebooks to strip (default: examples/*.ipynb)")
    parser.add_argument("--check", action="store_true",
                        help="change nothing; exit 1 if any notebook needs stripping")
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted(EXAMPLES.glob("*.ipynb"))
    dirty = []
    for path in paths:
        text, stripped = stripped_text(path)
        if text == stripped:
            continue
        dirty.append(path)
        if not args.check:
            path.write_text(stripped, encoding="utf-8")
            print(f"stripped {path}")
    if args.check and dirty:
        print("notebooks with outputs (run examples/strip_outputs.py):", file=sys.stderr)
        for path in dirty:
            print(f"  {path}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
