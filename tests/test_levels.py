"""The one place interval probabilities become quantile levels, and the hubverse levels."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from odforecast import DataError
from odforecast.levels import (
    HUBVERSE_QUANTILES,
    check_levels,
    interval_bounds,
    interval_levels,
    percent,
)


def test_interval_levels_values():
    assert interval_levels([0.5, 0.8, 0.95]) == [0.5, 0.25, 0.75, 0.1, 0.9, 0.025, 0.975]
    assert interval_levels([0.9], median=False) == [0.05, 0.95]
    assert interval_levels([]) == [0.5]
    # rounded: the naive (1 - 0.8) / 2 is 0.09999999999999998
    assert (1 - 0.8) / 2 != 0.1 and interval_bounds(0.8) == (0.1, 0.9)
    for p in np.linspace(0.01, 0.99, 99):
        lo, hi = interval_bounds(float(p))
        assert lo + hi == pytest.approx(1.0, abs=1e-12) and hi - lo == pytest.approx(p)


def test_hubverse_quantiles():
    assert len(HUBVERSE_QUANTILES) == 23 and HUBVERSE_QUANTILES[11] == 0.5
    assert list(HUBVERSE_QUANTILES) == sorted(HUBVERSE_QUANTILES)
    # symmetric: central intervals 10 %, 20 %... 90 %, 95 % and 98 % around the median
    expected = sorted({0.5, *interval_levels(
        [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.98], median=False)})
    assert list(HUBVERSE_QUANTILES) == expected


def test_hub_levels_of_the_backtests_are_the_hubverse_quantiles():
    """evaluate's HUB_LEVELS is the same list (to become the same object at merge)."""
    from odforecast.evaluate import HUB_LEVELS

    assert tuple(float(v) for v in HUB_LEVELS) == HUBVERSE_QUANTILES


def test_check_levels():
    assert check_levels(0.5) == [0.5]
    assert check_levels(np.array([0.9, 0.1]), "q") == [0.9, 0.1]
    for bad, message in [([], "non-empty"), ([0.0], "strictly between"),
                         ([1.0], "strictly between"), ([np.nan], "strictly between"),
                         ([0.5, 0.5], "duplicate"), ([[0.5]], "non-empty")]:
        with pytest.raises(DataError, match=message):
            check_levels(bad, "intervals")


def test_percent():
    assert [percent(p) for p in (0.5, 0.8, 0.95, 0.975, 0.999)] == [
        "50", "80", "95", "97.5", "99.9"]


def test_levels_module_is_light():
    code = ("import sys, odforecast.levels; "
            "print(sorted(m for m in ('pandas', 'xarray', 'matplotlib') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"
