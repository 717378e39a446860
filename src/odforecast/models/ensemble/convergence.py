"""An ensemble's convergence: the worst of its Bayesian members' posterior checks.

A mixture is only as trustworthy as its least trustworthy member, so an ensemble reports the
largest R-hat, the smallest bulk and tail ESS and the divergences of all its members that
carry these checks (the Bayesian ones), and says which member fails.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from odforecast.models.base import CONVERGENCE_COLUMNS

__all__ = ["combine_convergence", "series_convergence"]


def _worst(values: list[Any], pick) -> float:
    finite = [float(v) for v in values if v is not None and np.isfinite(v)]
    return float(pick(finite)) if finite else float("nan")


def _worst_checks(records: list[Mapping[str, Any]]) -> dict[str, Any]:
    """The worst of each of :data:`~odforecast.models.base.CONVERGENCE_COLUMNS` over
    ``records``: the largest R-hat, the smallest ESS, the divergences summed, trustworthy only
    if every record is."""
    r_hat, bulk, tail, divergences, trustworthy = CONVERGENCE_COLUMNS
    return {r_hat: _worst([r.get(r_hat) for r in records], max),
            bulk: _worst([r.get(bulk) for r in records], min),
            tail: _worst([r.get(tail) for r in records], min),
            divergences: int(sum(int(r.get(divergences, 0)) for r in records)),
            trustworthy: all(bool(r.get(trustworthy, False)) for r in records)}


def combine_convergence(by_member: Mapping[str, Mapping[str, Any]]) -> dict[str, Any] | None:
    """The ensemble's convergence from its members' (``label -> metadata["convergence"]``):
    the worst value of each check, the members checked, and each failing member's problems.
    None when no member carries checks (an ensemble of ARIMA and baselines).

    Examples
    --------
    >>> combine_convergence({
    ...     "bayes": {"r_hat_max": 1.004, "ess_bulk_min": 900.0, "ess_tail_min": 850.0,
    ...               "divergences": 0, "trustworthy": True, "problems": "none"},
    ...     "hierarchical": {"r_hat_max": 1.02, "ess_bulk_min": 310.0, "ess_tail_min": 520.0,
    ...                      "divergences": 1, "trustworthy": False,
    ...                      "problems": "R-hat 1.020 > 1.01; bulk ESS 310 < 400"}})
    ... # doctest: +NORMALIZE_WHITESPACE
    {'r_hat_max': 1.02, 'ess_bulk_min': 310.0, 'ess_tail_min': 520.0, 'divergences': 1,
     'trustworthy': False, 'max_treedepth_hits': 0, 'members_checked': ['bayes', 'hierarchical'],
     'problems': 'hierarchical: R-hat 1.020 > 1.01; bulk ESS 310 < 400'}
    >>> combine_convergence({"arima": {}}) is None
    True
    """
    checked = {label: c for label, c in by_member.items() if c}
    if not checked:
        return None
    records = list(checked.values())
    failing = [f"{label}: {c.get('problems', 'not trustworthy')}"
               for label, c in checked.items() if not c.get("trustworthy", False)]
    return {**_worst_checks(records),
            "max_treedepth_hits": int(sum(c.get("max_treedepth_hits", 0) for c in records)),
            "members_checked": list(checked),
            "problems": "; ".join(failing) or "none"}


def series_convergence(diagnostics: Mapping[str, pd.DataFrame], location: str,
                       indicator: str) -> dict[str, Any]:
    """The worst of the members' per-series checks (their ``diagnostics`` rows for the series
    ``location``/``indicator``), as :data:`~odforecast.models.base.CONVERGENCE_COLUMNS`; empty
    when no member has them.

    Examples
    --------
    >>> rows = {"arima": pd.DataFrame({"location": ["US"], "indicator": ["opioids"]}),
    ...         "bayes": pd.DataFrame({"location": ["US"], "indicator": ["opioids"],
    ...                                "r_hat_max": [1.003], "ess_bulk_min": [812.0],
    ...                                "ess_tail_min": [640.0], "divergences": [0],
    ...                                "trustworthy": [True]})}
    >>> series_convergence(rows, "US", "opioids")  # doctest: +NORMALIZE_WHITESPACE
    {'r_hat_max': 1.003, 'ess_bulk_min': 812.0, 'ess_tail_min': 640.0, 'divergences': 0,
     'trustworthy': True}
    """
    found = []
    for diag in diagnostics.values():
        if not set(CONVERGENCE_COLUMNS) <= set(diag.columns):
            continue
        hit = diag[(diag["location"] == location) & (diag["indicator"] == indicator)]
        if len(hit):
            found.append(hit.iloc[0].to_dict())
    return _worst_checks(found) if found else {}
