"""The example notebooks (examples/*.ipynb): each runs top to bottom, and none is committed with
outputs.

Each notebook runs in a fresh Jupyter kernel with the notebook's folder as working directory,
exactly as a user would run it, with two settings in the kernel's environment:

- ``ODFORECAST_QUICK=1`` (quick mode: smaller Bayesian sampler runs, and the smaller settings
  each notebook's settings cell chooses), unless ``ODFORECAST_QUICK`` is already set, so
  ``ODFORECAST_QUICK=0 .venv/bin/python -m pytest tests/test_notebooks.py`` runs them with the
  full settings a user gets;
- ``MPLBACKEND`` = matplotlib's inline backend, which renders the plots to PNG headless (CI
  exports ``MPLBACKEND=Agg`` for the rest of the suite);
- ``PYTHONWARNINGS`` turning pandas' "obj.round has no effect with datetime" warning into an
  error: rounding a table that holds dates is a notebook bug (round the numbers only).

A cell that raises fails the test with that cell's traceback, and so does a warning whose
location is a file inside odforecast: a user should see their own cell's line instead. Set
``ODFORECAST_NOTEBOOK_OUTPUT=<folder>`` to keep the executed copies, with outputs and plots.
"""

from __future__ import annotations

import importlib.util
import os
import re
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
NOTEBOOKS = sorted(EXAMPLES.glob("*.ipynb"))
CELL_TIMEOUT = 1200  # seconds; a full-mode backtest cell can take several minutes
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"
#: pandas warns this when DataFrame.round meets a datetime column (message prefix, as -W takes it)
ROUND_ON_DATES = "error:obj.round has no effect with datetime:UserWarning"
#: "<path>/odforecast/<module>.py:<line>:" as Python prints a warning's location
PACKAGE_LOCATION = re.compile(r"[\\/]odforecast[\\/][\w\\/]*\.py:\d+:")


def _strip_outputs_module():
    spec = importlib.util.spec_from_file_location("strip_outputs", EXAMPLES / "strip_outputs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_example_notebook_is_listed():
    assert len(NOTEBOOKS) >= 6, f"expected the example notebooks in {EXAMPLES}"
    readme = (EXAMPLES / "README.md").read_text(encoding="utf-8")
    missing = [path.name for path in NOTEBOOKS if path.name not in readme]
    assert not missing, f"examples/README.md does not list {missing}"


def test_committed_notebooks_have_no_outputs():
    strip = _strip_outputs_module()
    dirty = [path.name for path in NOTEBOOKS if strip.needs_stripping(path)]
    assert not dirty, (f"{dirty} have outputs or transient metadata; run "
                       "`.venv/bin/python examples/strip_outputs.py` before committing")


def test_notebooks_read_only_files_in_the_repository():
    """A clone runs every notebook: no paths to the development machine's shared folders."""
    outside = re.compile(r"shared/data|SHARED_DATA|/work/|\.\./\.\.|\.\./shared")
    found = {}
    for path in NOTEBOOKS:
        code = "\n".join(cell.source for cell in nbformat.read(path, as_version=4).cells
                         if cell.cell_type == "code")
        if match := outside.search(code):
            found[path.name] = match.group(0)
    assert not found, f"notebooks referring to files outside the repository: {found}"
    data = EXAMPLES / "data"
    readme = (data / "README.md").read_text(encoding="utf-8")
    shipped = sorted(p.name for p in data.iterdir() if p.suffix in (".csv", ".txt"))
    assert len(shipped) == 4 and all(f"`{name}`" in readme for name in shipped), (
        "every file in examples/data needs its provenance line in examples/data/README.md")
    notebook = (EXAMPLES / "06_bring_your_own_data.ipynb").read_text(encoding="utf-8")
    assert all(name in notebook for name in shipped)
    assert max(p.stat().st_size for p in data.iterdir()) < 50_000  # excerpts, not downloads


def kernel_environment() -> dict[str, str]:
    """The environment of the notebook kernels (see the module docstring)."""
    env = dict(os.environ)
    if not env.get("ODFORECAST_QUICK"):
        env["ODFORECAST_QUICK"] = "1"
    env["MPLBACKEND"] = INLINE_BACKEND
    env["PYTHONWARNINGS"] = ",".join(filter(None, [env.get("PYTHONWARNINGS"), ROUND_ON_DATES]))
    return env


def package_locations(nb) -> list[str]:
    """Lines of the notebook's stderr output that show a location inside odforecast."""
    return [line for cell in nb.cells for output in cell.get("outputs", [])
            if output.get("output_type") == "stream" and output.get("name") == "stderr"
            for line in output["text"].splitlines() if PACKAGE_LOCATION.search(line)]


@pytest.mark.slow
@pytest.mark.notebook
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.stem for path in NOTEBOOKS])
def test_notebook_runs(path: Path):
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    started = time.perf_counter()
    try:
        client.execute(env=kernel_environment())
    finally:
        keep = os.environ.get("ODFORECAST_NOTEBOOK_OUTPUT")
        if keep:
            Path(keep).mkdir(parents=True, exist_ok=True)
            nbformat.write(nb, Path(keep) / path.name)
    print(f"{path.name}: ran in {time.perf_counter() - started:.0f} s")
    leaked = package_locations(nb)
    assert not leaked, f"{path.name} prints warnings located inside odforecast: {leaked}"
