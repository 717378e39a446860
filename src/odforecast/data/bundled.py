"""The datasets bundled with odforecast: compact tidy tables usable offline after ``pip install``.

The tables are built from the raw public files by ``data/build_datasets.py`` and stored as CSV
with a ``catalog.json`` that records, for each, its description, publisher, official source,
vintage, licence, row count, checksum and the raw files it was built from.  In a wheel they sit in
``odforecast/_datasets``; in a source checkout they are read from ``data/datasets``.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd

from odforecast.data.schema import COLUMNS, validate
from odforecast.errors import DataError

__all__ = ["dataset_dir", "dataset_info", "list_datasets", "load_dataset"]

_CATALOG = "catalog.json"


@cache
def dataset_dir() -> Path:
    """Directory holding the bundled datasets (inside the installed package, or the checkout).

    Examples
    --------
    >>> (dataset_dir() / "catalog.json").is_file()
    True
    """
    here = Path(__file__).resolve()
    candidates = [
        here.parent.parent / "_datasets",  # installed wheel: odforecast/_datasets
        here.parents[3] / "data" / "datasets",  # source checkout / editable install
    ]
    for candidate in candidates:
        if (candidate / _CATALOG).is_file():
            return candidate
    raise DataError(
        "the bundled datasets are missing from this installation (looked in "
        + ", ".join(str(c) for c in candidates) + ")",
        hint="reinstall odforecast, or rebuild them with `python data/build_datasets.py`",
    )


@cache
def _catalog() -> dict[str, dict[str, Any]]:
    with open(dataset_dir() / _CATALOG, encoding="utf-8") as fh:
        return json.load(fh)["datasets"]


def dataset_info(name: str) -> dict[str, Any]:
    """Catalog entry of one bundled dataset (description, source, vintage, licence, rows, ...).

    Raises
    ------
    odforecast.DataError
        If no dataset has that name.

    Examples
    --------
    >>> dataset_info("us_annual")["publisher"]
    'CDC / NCHS; NIDA'
    """
    catalog = _catalog()
    if name not in catalog:
        raise DataError(f"no bundled dataset named {name!r}; available: {', '.join(catalog)}",
                        hint="see odforecast.list_datasets()")
    return dict(catalog[name])


def list_datasets() -> pd.DataFrame:
    """The bundled datasets: name, description, source, vintage and rows.

    Returns
    -------
    pandas.DataFrame
        One row per dataset with columns ``name``, ``description``, ``source``, ``vintage``,
        ``rows``, ``licence``.

    Examples
    --------
    >>> import odforecast
    >>> "us_annual" in set(odforecast.list_datasets()["name"])
    True
    """
    rows = [
        {"name": name, "description": info["description"], "source": info["source_url"],
         "vintage": info["vintage"], "rows": info["rows"], "licence": info["licence"]}
        for name, info in _catalog().items()
    ]
    return pd.DataFrame(rows)


def load_dataset(name: str, *, verify: bool = True) -> pd.DataFrame:
    """Load a bundled dataset as a tidy frame (see :mod:`odforecast.data.schema`).

    Parameters
    ----------
    name
        A name from :func:`list_datasets`, e.g. ``"us_annual"`` or ``"us_monthly_12m"``.
    verify
        Check the file's SHA-256 against the catalog first (a damaged install fails loudly).

    Returns
    -------
    pandas.DataFrame
        The tidy frame, validated; ``frame.attrs["dataset"]`` holds the catalog entry.

    Examples
    --------
    >>> import odforecast
    >>> us = odforecast.load_dataset("us_annual")
    >>> row = us[(us["indicator"] == "all_drugs") & (us["period_start"].dt.year == 2015)
    ...          & (us["estimate"] == "reported")]
    >>> int(row["value"].iloc[0])
    52404
    """
    info = dataset_info(name)
    path = dataset_dir() / info["file"]
    raw = path.read_bytes()
    if verify and hashlib.sha256(raw).hexdigest() != info["sha256"]:
        raise DataError("bundled dataset does not match its checksum in catalog.json",
                        path=path, hint="reinstall odforecast or rebuild the datasets")
    dims = info.get("dimensions", [])
    dtypes = {c: "string" for c in ("location", "indicator", "frequency", "estimate", "unit",
                                    "flag", "source", "vintage", *dims)}
    frame = pd.read_csv(path, dtype=dtypes, keep_default_na=False, na_values={"value": [""],
                        "censor_upper": [""]}, parse_dates=["period_start", "period_end"])
    for column in dtypes:
        frame[column] = frame[column].astype(object)
    frame = validate(frame[[*COLUMNS, *dims]], origin=f"bundled dataset {name!r}")
    frame.attrs["dataset"] = info
    return frame
