"""odforecast's warnings point at the user's own line, show once there, and obey the user's filters.

The end-to-end check runs a small user script in a fresh interpreter, as a user would, and reads
what Python prints on stderr.  Its trigger is real and cheap: the population warning of a
hierarchical fit to two states whose 12-month data run past the Census table, raised while the
design is built, before any sampling (a changepoint outside the data then stops the fit).
"""

from __future__ import annotations

import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

import odforecast
from odforecast._warnings import warn

PACKAGE = Path(odforecast.__file__).resolve().parent

USER_SCRIPT = """\
import odforecast

states = odforecast.load_dataset("states_monthly_12m")
data = states[states["location"].isin(["US-VT", "US-NH"]) & (states["indicator"] == "opioids")
              & (states["estimate"] == "reported")]
model = odforecast.HierarchicalBayes(population="auto", changepoints=["1990-01-01"])
for attempt in range(2):
    try:
        model.fit(data)  # line 9: warns about the population, then refuses the changepoint
    except odforecast.DataError as err:
        print("DataError:", err)
"""


def test_a_warning_names_the_user_line_once_and_no_package_path(tmp_path):
    script = tmp_path / "my_analysis.py"
    script.write_text(USER_SCRIPT, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONWARNINGS"}  # Python's defaults
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PACKAGE.parent),
                                                      env.get("PYTHONPATH")]))
    done = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("DataError: column 'changepoints'") == 2  # both fits were tried
    message = "OdforecastWarning: population of US-NH, US-VT does not cover 2025"
    # before: ".../odforecast/models/bayes/hierarchical.py:76: OdforecastWarning: ..." twice
    assert done.stderr.count(message) == 1, done.stderr
    assert f"{script}:9: {message}" in done.stderr
    assert "model.fit(data)" in done.stderr  # the source line Python quotes is the user's
    assert str(PACKAGE) not in done.stderr and "odforecast/" not in done.stderr


def _fit_like_call(message: str) -> None:
    # a fit changes the warning filters (catch_warnings, to quiet PyMC), which wipes Python's
    # once-per-location memory of the caller; the helper must still show the warning once
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
    warn(message)


def test_default_action_shows_once_even_when_filters_change_between_calls():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")
        for _ in range(3):
            _fit_like_call("test_warnings: shown once")
    assert [str(w.message) for w in caught] == ["test_warnings: shown once"]
    assert caught[0].filename == __file__  # this test file, not odforecast/_warnings.py
    assert caught[0].category is odforecast.OdforecastWarning


def test_user_filters_always_and_error_are_obeyed():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(2):
            _fit_like_call("test_warnings: always")
    assert len(caught) == 2
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message="test_warnings: error")
        for _ in range(2):  # the second call raises too, though the first was seen
            with pytest.raises(odforecast.OdforecastWarning, match="test_warnings: error"):
                _fit_like_call("test_warnings: error")



def test_fit_advice_names_flags_only_where_the_command_has_them():
    # reproduce/project (and Python users) have no --draws: their advice was to pass it anyway
    from odforecast._warnings import command_line_flags, fit_advice
    from odforecast.cli._models import SAMPLER_FLAGS

    problems = "max R-hat 1.04 > 1.01; 3 divergent transitions"
    config = {"draws": 300, "tune": 400, "target_accept": 0.95}
    python = fit_advice(problems, config)
    assert "--" not in python
    assert "sampler_config={'draws': 1000, 'tune': 1000}" in python
    assert "sampler_config={'target_accept': 0.99}" in python
    with command_line_flags({key: flag for flag, key in SAMPLER_FLAGS.items()}):
        cli = fit_advice(problems, config)
    assert "--draws 1000 --tune 1000" in cli and "--target-accept 0.99" in cli
    assert "sampler_config" not in cli
    assert fit_advice(problems, config) == python  # the flags end with the command
