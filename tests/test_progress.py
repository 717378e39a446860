"""Progress messages: on stderr when the option is on, nothing at all when it is off."""

from __future__ import annotations

import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

import odforecast
from odforecast._progress import Progress, duration, enabled, sampler_progressbar, silenced
from odforecast.cli import main
from odforecast.evaluate import backtest
from odforecast.models import ARIMA, Naive
from odforecast.reproduction import reproduce

ORIGINS = ["2023-03-31", "2023-06-30", "2023-09-30"]


@pytest.fixture(scope="module")
def opioids():
    us = odforecast.load_dataset("us_monthly_12m")
    return us[(us["indicator"] == "opioids") & (us["estimate"] == "reported")]


def test_backtest_reports_each_origin_on_stderr(opioids, capfd):
    result = backtest(Naive(), opioids, origins=ORIGINS, horizon=3, n_samples=100,
                      progress=True)
    out, err = capfd.readouterr()
    assert out == ""
    lines = err.splitlines()
    assert lines[0] == ("[odforecast] backtest naive: 3 origins (2023-03-31 .. 2023-09-30) x "
                        "1 series, horizon 3, 100 sample paths")
    assert "origin 2023-03-31 in " in lines[1] and "(1/3)" in lines[1] and "elapsed" in lines[1]
    assert "origin 2023-09-30" in lines[-2] and "(3/3)" in lines[-2]
    assert lines[-1].startswith("[odforecast] backtest naive: done in ")
    assert f"mean WIS {result.scores['wis'].mean():,.0f}" in lines[-1]


def test_nothing_is_printed_when_progress_is_off(opioids, capfd):
    backtest(Naive(), opioids, origins=ORIGINS, horizon=3, n_samples=100, progress=False)
    with odforecast.set_options(progress=False):
        backtest(Naive(), opioids, origins=ORIGINS, horizon=3, n_samples=100)
        reproduce("stanford-lancet", models=["arima"], scenarios=(), n_samples=100)
    assert capfd.readouterr() == ("", "")


def test_the_global_option_is_the_default_and_an_argument_wins(opioids, capfd):
    with odforecast.set_options(progress=False):
        backtest(Naive(), opioids, origins=ORIGINS[:1], horizon=2, n_samples=50,
                 progress=True)
    assert "[odforecast] backtest naive" in capfd.readouterr().err
    with odforecast.set_options(progress=True):
        backtest(Naive(), opioids, origins=ORIGINS[:1], horizon=2, n_samples=50)
    assert "[odforecast] backtest naive" in capfd.readouterr().err


def test_environment_variable_turns_progress_off():
    import subprocess

    code = ("import odforecast.options as o; print(o.progress_enabled(None), "
            "o.progress_enabled(True))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={"ODFORECAST_PROGRESS": "0", "PATH": ""})
    assert out.stdout.split() == ["False", "True"]


def test_fits_inside_a_backtest_stay_quiet_even_on_worker_threads(opioids, capfd):
    """The backtest reports per origin; per-series fit messages and parallel workers add
    nothing (ARIMA on one series is quick, so it is the backtest's own lines only)."""
    with ThreadPoolExecutor(2) as pool:
        backtest(ARIMA(order=(0, 2, 0)), opioids, origins=ORIGINS[:2], horizon=2,
                 n_samples=50, executor=pool, progress=True)
    err = capfd.readouterr().err
    assert all(line.startswith("[odforecast] backtest arima: ") for line in err.splitlines())
    assert odforecast.get_options()["progress"] is True  # workers did not flip the option


def test_reproduce_reports_each_model(capfd):
    reproduce("stanford-lancet", models=["arima"], scenarios=(), n_samples=100,
              progress=True)
    err = capfd.readouterr().err
    assert "[odforecast] reproduce stanford_lancet_2021: data through 2020" in err
    assert "fitting arima ..." in err and "arima done in " in err


def test_cli_quiet_silences_long_commands(capfd):
    argv = ["backtest", "--dataset", "us_monthly_12m", "--indicator", "opioids", "--location",
            "US", "--model", "naive", "--horizon", "2", "--origins", "2023-06-30",
            "--n-samples", "50"]
    assert main(argv) == 0
    assert "[odforecast] backtest naive" in capfd.readouterr().err
    assert main([*argv, "--quiet"]) == 0
    out, err = capfd.readouterr()
    assert "WIS" in out and err == ""
    assert odforecast.get_options()["progress"] is True  # --quiet is scoped to the command


def test_delay_keeps_quick_work_silent_and_nesting_is_quiet(capsys):
    with Progress("quick", progress=True, delay=60) as report:
        report.start("not yet")
        report.step("one")
    assert capsys.readouterr().err == ""
    with Progress("outer", progress=True) as outer:
        with Progress("inner", progress=True) as inner:
            inner.note("hidden")
        outer.note("shown")
    err = capsys.readouterr().err
    assert "[odforecast] outer: shown" in err and "inner" not in err
    assert not inner.enabled and outer.shown


def test_an_error_inside_says_where_it_stopped(capsys):
    def work() -> None:
        with Progress("work", progress=True) as report:
            report.start("dividing")
            raise ZeroDivisionError

    with pytest.raises(ZeroDivisionError):
        work()
    assert "[odforecast] work: stopped after " in capsys.readouterr().err


def test_helpers():
    assert duration(0.04) == "0.0 s" and duration(59.4) == "59 s"
    assert duration(3600) == "1 h 00 min"
    with silenced():
        assert not enabled(True)
    assert enabled(True) and not enabled(False)
    # explicit sampler settings are kept; "auto" is off when progress is off or in a log
    assert sampler_progressbar({"progressbar": True}) is True
    with odforecast.set_options(progress=False):
        assert sampler_progressbar({"progressbar": "auto", "method": "nuts",
                                    "nuts_sampler": "nutpie"}) is False
    assert sampler_progressbar({"progressbar": "auto", "method": "nuts",
                                "nuts_sampler": "nutpie"}) is False  # pytest: not a terminal
