"""The documentation site: it builds without a warning, and its examples run.

* ``test_docs_build`` runs ``sphinx-build -W --keep-going -b html docs <tmp>``: a docs build
  warning, a broken cross-reference (``nitpicky``), a docstring numpydoc cannot parse, or a
  public function or class without an Examples section fails it.  Marked ``slow`` (about 20 s).
* ``test_pycon_examples`` runs every ```` ```pycon ```` block of a page as a doctest (input and
  the output shown), in order, in one namespace per page.
* ``test_python_examples`` runs every ```` ```python ```` block of a page, in order, in one
  namespace per page, in quick mode (``odforecast.set_options(quick=True)``).  Signatures and
  pseudo-code use ```` ```{code-block} python ```` instead,
  which is highlighted the same way and not run.

So an example that no longer matches the API fails CI.  The examples run in a temporary
directory (they write files such as ``scenarios.png``).  With
``ODFORECAST_DOCS_UPDATE_FIGURES=1`` the figure of the getting-started page is copied to
``docs/img/getting-started-scenarios.png``.
"""

from __future__ import annotations

import doctest
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"

_FENCE = re.compile(r"^(?P<indent> *)```(?P<info>[^\n`]*)\n(?P<body>.*?)^(?P=indent)```[ \t]*$",
                    re.MULTILINE | re.DOTALL)


def _blocks(page: Path, language: str) -> list[tuple[int, str]]:
    """(line number, code) of every fenced block whose info string is exactly ``language``."""
    text = page.read_text(encoding="utf-8")
    found = []
    for match in _FENCE.finditer(text):
        if match.group("info").strip() != language:
            continue
        indent = len(match.group("indent"))
        body = "\n".join(line[indent:] for line in match.group("body").splitlines())
        found.append((text.count("\n", 0, match.start()) + 1, body))
    return found


def _pages(language: str) -> list[Path]:
    return sorted(p for p in DOCS.glob("*.md") if _blocks(p, language))


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    import odforecast

    with odforecast.set_options(progress=False):
        yield tmp_path


def test_pages_have_examples():
    """The getting-started page is tested; a typo in the fences must not silently skip it."""
    assert DOCS / "getting-started.md" in _pages("pycon")


@pytest.mark.parametrize("page", _pages("pycon"), ids=lambda p: p.name)
def test_pycon_examples(page, in_tmp):
    parser = doctest.DocTestParser()
    runner = doctest.DocTestRunner(
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False)
    globs: dict[str, object] = {"__name__": "__docs__"}
    report: list[str] = []
    for line, code in _blocks(page, "pycon"):
        test = parser.get_doctest(code, globs, f"{page.name}:{line}", str(page), line)
        runner.run(test, out=report.append, clear_globs=False)
        globs = test.globs  # DocTest copies its globals: carry them to the next block
    assert runner.failures == 0, "".join(report)
    if page.name == "getting-started.md" and os.environ.get("ODFORECAST_DOCS_UPDATE_FIGURES"):
        shutil.copy(in_tmp / "scenarios.png", DOCS / "img" / "getting-started-scenarios.png")


@pytest.mark.parametrize("page", _pages("python"), ids=lambda p: p.name)
def test_python_examples(page, in_tmp):
    """In quick mode, as the notebooks run: these blocks show no output to compare, so the
    full-size calibrations (NUTS, minutes) would only test the same calls more slowly."""
    import odforecast

    namespace: dict[str, object] = {"__name__": "__docs__"}
    for line, code in _blocks(page, "python"):
        try:
            with odforecast.set_options(quick=True):
                exec(compile(code, f"{page.name}:{line}", "exec"), namespace)
        except Exception as exc:
            raise AssertionError(f"{page.name}, code block at line {line} failed: "
                                 f"{type(exc).__name__}: {exc}\n{code}") from exc


@pytest.mark.slow
def test_docs_build(tmp_path):
    """The site builds with warnings as errors (the CI docs build)."""
    command = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html",
               "-d", str(tmp_path / "doctrees"), str(DOCS), str(tmp_path / "html")]
    env = {**os.environ, "MPLBACKEND": "Agg"}
    env.pop("ODFORECAST_DOCS_ONLINE", None)  # always the offline inventories here
    result = subprocess.run(command, capture_output=True, text=True, cwd=REPO, env=env,
                            timeout=600, check=False)
    assert result.returncode == 0, (f"sphinx-build failed ({result.returncode}):\n"
                                    f"{result.stderr}\n{result.stdout}")
    assert (tmp_path / "html" / "index.html").is_file()
    assert (tmp_path / "html" / "api" / "generated" / "odforecast.Forecast.html").is_file()
