"""The example notebooks (examples/*.ipynb): each runs top to bottom, and none is committed with
outputs.

Each notebook runs in a fresh Jupyter kernel with the notebook's folder as working directory,
exactly as a user would run it, with two settings in the kernel's environment:

- ``ODFORECAST_QUICK=1`` (quick mode: smaller Bayesian sampler runs, and the smaller settings
  each notebook's settings cell chooses), unless ``ODFORECAST_QUICK`` is already set, so
  ``ODFORECAST_QUICK=0 .venv/bin/python -m pytest tests/test_notebooks.py`` runs them with the
  full settings a user gets;
- ``MPLBACKEND`` = matplotlib's inline backend, which renders the plots to PNG headless (CI
  exports ``MPLBACKEND=Agg`` for the rest of the suite).

A cell that raises fails the test with that cell's traceback. Set
``ODFORECAST_NOTEBOOK_OUTPUT=<folder>`` to keep the executed copies, with outputs and plots.
"""

from __future__ import annotations

import importlib.util
import os
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


def kernel_environment() -> dict[str, str]:
    """The environment of the notebook kernels (see the module docstring)."""
    env = dict(os.environ)
    if not env.get("ODFORECAST_QUICK"):
        env["ODFORECAST_QUICK"] = "1"
    env["MPLBACKEND"] = INLINE_BACKEND
    return env


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
