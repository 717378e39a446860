"""Sphinx configuration of the odforecast documentation site.

Build (from the repository root; CI runs the same command through ``tests/test_docs.py``)::

    .venv/bin/sphinx-build -W --keep-going -b html docs docs/_build/html

Warnings are errors, and ``nitpicky`` is on, so a docstring that numpydoc cannot parse, a broken
cross-reference (to odforecast or to pandas, xarray, NumPy, PyMC, ArviZ, statsmodels, Python) or
a public object without a docstring or an Examples section fails the build.

External cross-references (intersphinx) are resolved **offline** from the inventories in
``docs/_intersphinx/`` (see the README there for where each one comes from and how to refresh
them).  A fetch over the network is tried first only when ``ODFORECAST_DOCS_ONLINE=1``; a failed
fetch then falls back to the local file instead of failing the build.
"""

from __future__ import annotations

import dataclasses
import importlib
import importlib.util
import inspect
import os
import re
import shutil
import sys
from pathlib import Path

from sphinx.util import logging

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT / "src"))  # document the checkout, not whatever is installed

import odforecast  # noqa: E402

_LOGGER = logging.getLogger("odforecast.docs")

# -- Project -------------------------------------------------------------------------------------

project = "odforecast"
author = "odforecast developers"
copyright = "2026, odforecast developers"
release = odforecast.__version__
version = ".".join(release.split(".")[:2])

# -- Extensions ----------------------------------------------------------------------------------

extensions = [
    "myst_nb",  # MyST Markdown pages and (unexecuted) notebooks; includes myst_parser
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "sphinx_copybutton",
]

templates_path = ["_templates"]
exclude_patterns = [
    "_build",
    "README.md",  # how to build the docs: for developers, not a page of the site
    "_intersphinx",
    "jupyter_execute",
    "**.ipynb_checkpoints",
]

# every broken cross-reference is a warning, and warnings are errors in CI
nitpicky = True
nitpick_ignore: list[tuple[str, str]] = []

# -- MyST / myst-nb ------------------------------------------------------------------------------

myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_heading_anchors = 3
myst_url_schemes = ["http", "https", "mailto"]
# The example notebooks are executed by the test suite (nbmake); the docs only render them.
nb_execution_mode = "off"
nb_merge_streams = True

# The example notebooks live in examples/ (run by the test suite with nbmake, committed without
# outputs).  The site renders copies of them, made here on every build into docs/notebooks/
# (git-ignored build input), and does not execute them (nb_execution_mode = "off" above).
NOTEBOOKS = DOCS / "notebooks"
shutil.rmtree(NOTEBOOKS, ignore_errors=True)
NOTEBOOKS.mkdir()
for _notebook in sorted((ROOT / "examples").glob("*.ipynb")):
    shutil.copy2(_notebook, NOTEBOOKS / _notebook.name)

# -- autodoc / autosummary / numpydoc ------------------------------------------------------------

autosummary_generate = True
autosummary_generate_overwrite = True
# The stubs in api/generated/ are build output (git-ignored): start from none, so a stub left
# over from a renamed or removed object cannot linger (it would be a "not in any toctree" error).
shutil.rmtree(DOCS / "api" / "generated", ignore_errors=True)
autodoc_typehints = "none"  # numpydoc's Parameters section carries the types
autodoc_member_order = "bysource"
autodoc_default_options = {"exclude-members": "__init__, __new__"}

numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = True
numpydoc_xref_ignore = "all"  # only the names below (and numpydoc's defaults) become links
numpydoc_xref_aliases = {
    # the scientific Python stack
    "DataFrame": "pandas.DataFrame",
    "pandas.DataFrame": "pandas.DataFrame",
    "pd.DataFrame": "pandas.DataFrame",
    "Series": "pandas.Series",
    "pandas.Series": "pandas.Series",
    "pd.Series": "pandas.Series",
    "Timestamp": "pandas.Timestamp",
    "pandas.Timestamp": "pandas.Timestamp",
    "pd.Timestamp": "pandas.Timestamp",
    "DatetimeIndex": "pandas.DatetimeIndex",
    "pandas.DatetimeIndex": "pandas.DatetimeIndex",
    "pd.DatetimeIndex": "pandas.DatetimeIndex",
    "DataArray": "xarray.DataArray",
    "xarray.DataArray": "xarray.DataArray",
    "xr.DataArray": "xarray.DataArray",
    "DataTree": "xarray.DataTree",
    "xarray.DataTree": "xarray.DataTree",
    "Generator": "numpy.random.Generator",
    "numpy.random.Generator": "numpy.random.Generator",
    "np.random.Generator": "numpy.random.Generator",
    "numpy.ndarray": "numpy.ndarray",
    "Figure": "matplotlib.figure.Figure",
    "matplotlib.figure.Figure": "matplotlib.figure.Figure",
    "Axes": "matplotlib.axes.Axes",
    "matplotlib.axes.Axes": "matplotlib.axes.Axes",
    "Executor": "concurrent.futures.Executor",
    "concurrent.futures.Executor": "concurrent.futures.Executor",
    "path-like": "os.PathLike",
    "PathLike": "os.PathLike",
    "os.PathLike": "os.PathLike",
    "Path": "pathlib.Path",
    "pathlib.Path": "pathlib.Path",
    "Mapping": "collections.abc.Mapping",
    "Sequence": "collections.abc.Sequence",
    "date": "datetime.date",
    "datetime.date": "datetime.date",
    # odforecast's own types
    "Forecast": "odforecast.Forecast",
    "odforecast.Forecast": "odforecast.Forecast",
    "Model": "odforecast.models.Model",
    "FittedModel": "odforecast.models.FittedModel",
    "Scenario": "odforecast.scenarios.Scenario",
    "Distribution": "odforecast.scenarios.Distribution",
    "BacktestResult": "odforecast.evaluate.BacktestResult",
    "BayesFit": "odforecast.models.bayes.BayesFit",
    "MechanisticFit": "odforecast.mechanistic.MechanisticFit",
    "Reproduction": "odforecast.reproduction.Reproduction",
    "Projection": "odforecast.reproduction.Projection",
    "DataError": "odforecast.DataError",
    "odforecast.DataError": "odforecast.DataError",
    "ScenarioError": "odforecast.ScenarioError",
    "odforecast.ScenarioError": "odforecast.ScenarioError",
    "FitError": "odforecast.FitError",
    "odforecast.FitError": "odforecast.FitError",
    "FetchError": "odforecast.FetchError",
    "odforecast.FetchError": "odforecast.FetchError",
    "OdforecastError": "odforecast.OdforecastError",
    "odforecast.OdforecastError": "odforecast.OdforecastError",
    "OdforecastWarning": "odforecast.OdforecastWarning",
    "odforecast.OdforecastWarning": "odforecast.OdforecastWarning",
}
# numpydoc's own validation is off: ``_check_docstring`` below enforces the project's rule
# (every public function and class in the API reference has a docstring with an Examples
# section, run as a doctest by ``pytest --doctest-modules``; every method and property has a
# docstring, its own or inherited).
numpydoc_validation_checks: set[str] = set()

# -- Intersphinx (offline) -----------------------------------------------------------------------

INTERSPHINX_DIR = DOCS / "_intersphinx"
_ONLINE = os.environ.get("ODFORECAST_DOCS_ONLINE", "").strip().lower() in {"1", "true", "yes"}

def _load_projects() -> dict[str, str]:
    """project -> base URL of its documentation: the table of ``_intersphinx/refresh.py``,
    which builds the local inventory files (one list for both)."""
    spec = importlib.util.spec_from_file_location("_intersphinx_refresh",
                                                  INTERSPHINX_DIR / "refresh.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.PROJECTS


#: project -> base URL of its documentation; the local inventory is docs/_intersphinx/NAME.inv
_INVENTORIES = _load_projects()


def _mapping() -> dict[str, tuple[str, tuple[str | None, ...]]]:
    mapping = {}
    for name, url in _INVENTORIES.items():
        local = str(INTERSPHINX_DIR / f"{name}.inv")
        # online: the project's published inventory first, the local copy as fallback (a
        # failed fetch with a working fallback is only an info message, not a warning)
        mapping[name] = (url, (None, local) if _ONLINE else (local,))
    return mapping


intersphinx_mapping = _mapping()
intersphinx_timeout = 10

# -- HTML ----------------------------------------------------------------------------------------

html_theme = "pydata_sphinx_theme"
html_title = f"odforecast {release}"
html_static_path = ["_static"]
html_css_files = ["custom.css"]
html_show_sourcelink = False
html_theme_options = {
    "logo": {"text": "odforecast"},
    "github_url": "https://github.com/odforecast/odforecast",
    "navbar_align": "left",
    "header_links_before_dropdown": 6,
    "show_toc_level": 2,
    "navigation_with_keys": False,
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version", "theme-version"],
    "secondary_sidebar_items": ["page-toc"],
}
html_sidebars = {
    "index": [],
    "getting-started": [],
    "changelog": [],
}
html_context = {"default_mode": "light"}

copybutton_prompt_text = r">>> |\.\.\. |\$ "
copybutton_prompt_is_regexp = True

# -- Cross-references to re-exported names -------------------------------------------------------

#: Public namespaces; an object is documented under the first of these that exports it.
_PUBLIC = ("odforecast", "odforecast.models", "odforecast.models.bayes", "odforecast.evaluate",
           "odforecast.scenarios", "odforecast.mechanistic", "odforecast.reproduction",
           "odforecast.plotting")


def _lookup(path: str):
    """The object at a dotted ``odforecast`` path, or None."""
    parts = path.split(".")
    for cut in range(len(parts), 0, -1):  # the longest importable module prefix
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        try:
            for attr in parts[cut:]:
                obj = getattr(obj, attr)
        except AttributeError:
            return None
        return obj
    return None


def _candidates(path: str) -> list[str]:
    """Other dotted paths of the object at ``path`` (where it is defined or re-exported)."""
    obj = _lookup(path)
    if obj is None:
        return []
    qualname = getattr(obj, "__qualname__", None)
    module = getattr(obj, "__module__", None)
    if not qualname or not module or qualname.startswith("<"):  # constants: the path's module
        module, _, qualname = path.rpartition(".")
    found = [f"{module}.{qualname}"]
    head = qualname.split(".")[0]
    for namespace in _PUBLIC:
        try:
            if getattr(importlib.import_module(namespace), head, None) is getattr(
                    importlib.import_module(module), head, object()):
                found.append(f"{namespace}.{qualname}")
        except ImportError:
            continue
    return [c for c in found if c != path]


def _context_modules(node) -> list[str]:
    """Modules an unqualified target may live in: the current module and, on an API page,
    the module that defines the documented object."""
    modules = []
    if node.get("py:module"):
        modules.append(node["py:module"])
    page = node.get("refdoc", "").rsplit("/", 1)[-1]
    if page.startswith("odforecast."):
        obj = _lookup(page)
        module = getattr(obj, "__module__", None)
        if module:
            modules.append(module)
    return modules


def _resolve_reexport(app, env, node, contnode):
    """Resolve a reference by any public path of an object to where the API reference documents it.

    Public objects are re-exported (``odforecast.ARIMA``, ``odforecast.models.ARIMA`` and
    ``odforecast.models.arima.ARIMA`` are one class) and documented once.  A reference to an
    object that does not exist, or is not documented, still fails the build.
    """
    if node.get("refdomain") != "py":
        return None
    target = node.get("reftarget", "").lstrip("~.")
    if target.startswith("odforecast."):
        paths = [target]
    else:
        paths = [f"{module}.{node['py:class']}.{target}" if node.get("py:class") else None
                 for module in _context_modules(node)]
        paths = [p for p in paths if p] + [f"{m}.{target}" for m in _context_modules(node)]
        paths += [f"{namespace}.{target}" for namespace in _PUBLIC]  # e.g. a module docstring
    domain = env.get_domain("py")
    for path in paths:
        for candidate in [path, *_candidates(path)]:
            if not domain.find_obj(env, None, None, candidate, None, 1):
                continue
            new = node.deepcopy()
            new["reftarget"] = candidate
            found = domain.resolve_xref(env, node["refdoc"], app.builder, node["reftype"],
                                        candidate, new, contnode)
            if found is not None:
                return found
    return None


def _process_bases(app, name, obj, options, bases):
    """Show public base classes only: a private base is replaced by its own bases."""
    result = []
    queue = list(bases)
    while queue:
        base = queue.pop(0)
        module = getattr(base, "__module__", "") or ""
        if base is object:
            continue
        if module.startswith("odforecast") and (base.__name__.startswith("_") or not any(
                getattr(importlib.import_module(ns), base.__name__, None) is base
                for ns in _PUBLIC)):
            queue[:0] = [b for b in base.__bases__ if b is not object]
            continue
        if base not in result:
            result.append(base)
    bases[:] = result or [object]


_EXAMPLES = re.compile(r"^Examples\n-{3,}$", re.MULTILINE)


def _check_docstring(app, what, name, obj, options, lines):
    """Every documented odforecast function and class has a docstring with an Examples
    section; every method and property has a docstring (its own or inherited)."""
    if not name.startswith("odforecast."):
        return
    if what in ("function", "class", "exception"):
        own = obj.__doc__ if what != "function" else inspect.getdoc(obj)
        text = inspect.cleandoc(own or "")
        generated = (dataclasses.is_dataclass(obj) and "\n" not in text
                     and text.startswith(f"{obj.__name__}("))  # a dataclass's own __doc__
        if not text or generated:
            _LOGGER.warning("%s has no docstring", name, type="odforecast", subtype="docstring")
        elif not _EXAMPLES.search(text):
            _LOGGER.warning("%s: the docstring has no Examples section", name,
                            type="odforecast", subtype="docstring")
    elif what in ("method", "property") and not any(line.strip() for line in lines):
        _LOGGER.warning("%s has no docstring", name, type="odforecast", subtype="docstring")


def _module_sections(app, what, name, obj, options, lines):
    """numpydoc leaves module docstrings alone: turn their section headings (``Examples`` over a
    line of dashes) into rubrics, as numpydoc does for functions and classes, so that they do
    not become sections of the page (duplicate ``#examples`` anchors across pages)."""
    if what != "module":
        return
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        underline = lines[i + 1] if i + 1 < len(lines) else ""
        if line.strip() and underline.strip() and set(underline.strip()) == {"-"} \
                and len(underline.strip()) >= len(line.strip()):
            out += [f".. rubric:: {line.strip()}", ""]
            i += 2
            continue
        out.append(line)
        i += 1
    lines[:] = out


def setup(app):
    app.connect("autodoc-process-docstring", _module_sections)
    app.connect("missing-reference", _resolve_reexport)
    app.connect("autodoc-process-bases", _process_bases)
    app.connect("autodoc-process-docstring", _check_docstring, priority=400)
