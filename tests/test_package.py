"""The package itself: version, a light import, the public names, the CLI's contract."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import odforecast
from odforecast.cli import main

HEAVY = ["pymc", "pytensor", "arviz", "matplotlib", "urllib.request", "http.client", "requests",
         "pandas", "statsmodels"]


def test_version_is_exposed():
    assert odforecast.__version__.count(".") == 2
    out = subprocess.run([sys.executable, "-m", "odforecast.cli", "--version"],
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == f"odforecast {odforecast.__version__}"


def test_import_is_light_and_fast():
    code = ("import sys, time, json; t = time.perf_counter(); import odforecast; "
            "dt = time.perf_counter() - t; "
            f"print(json.dumps([dt, [m for m in {HEAVY!r} if m in sys.modules]]))")
    best = float("inf")
    for _ in range(3):  # best of three: the first run may pay for a cold disk cache
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             check=True)
        seconds, loaded = json.loads(out.stdout)
        assert loaded == [], f"import odforecast pulled in {loaded}"
        best = min(best, seconds)
    assert best < 0.5, f"import odforecast took {best:.3f} s"


def test_public_names_resolve_lazily():
    for name in odforecast.__all__:
        assert getattr(odforecast, name) is not None
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        odforecast.nope  # noqa: B018


def test_cli_error_goes_to_stderr_without_traceback(capsys):
    code = main(["data", "show", "no_such_dataset"])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    assert "no bundled dataset named 'no_such_dataset'" in captured.err
    assert "Traceback" not in captured.err


def test_cli_debug_shows_the_exception():
    with pytest.raises(odforecast.DataError):
        main(["--debug", "data", "show", "no_such_dataset"])


def test_cli_without_command_prints_help_and_fails(capsys):
    assert main([]) == 2
    assert "usage: odforecast" in capsys.readouterr().err


def test_console_script_runs_as_a_user_would():
    out = subprocess.run([sys.executable, "-m", "odforecast.cli", "data", "list"],
                         capture_output=True, text=True, check=True)
    assert "us_annual" in out.stdout and "us_monthly_12m" in out.stdout


def test_reproduce_is_callable_whatever_was_imported_first():
    # importing the subpackage first once replaced odforecast.reproduce (the function) by the
    # package of the same name; the package is now odforecast.reproduction
    code = ("import odforecast\n"
            "from odforecast.reproduction import PROJECTIONS\n"
            "print(callable(odforecast.reproduce), 'stanford_lancet_2021' in PROJECTIONS)\n"
            "try:\n"
            "    odforecast.reproduce('no-such-projection')\n"
            "except odforecast.OdforecastError as exc:\n"
            "    print(type(exc).__name__)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["True", "True", "DataError"]  # the call reached reproduce()'s own check
