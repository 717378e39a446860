"""Shared fixtures: the real public data files in ../shared/data.

Locally a missing raw file skips the test that needs it; under CI (CI=true) it is a failure, so a
green CI run always means the real files were read.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("ODFORECAST_SHARED_DATA", REPO.parent / "shared" / "data"))


def _raw(name: str) -> Path:
    path = SHARED_DATA / name
    if not path.is_file():
        message = f"real data file {path} is missing"
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(message + " (CI=true: missing real data is a failure)")
        pytest.skip(message)
    return path


@pytest.fixture
def raw():
    """Return a function mapping a file name in ../shared/data to its path (skip/fail if absent)."""
    return _raw
