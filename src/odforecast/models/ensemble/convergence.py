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

__all__ = ["CHECK_COLUMNS", "combine_convergence", "series_convergence"]

#: The per-series checks of a Bayesian member's ``diagnostics`` that an ensemble carries over.
CHECK_COLUMNS = ("r_hat_max", "ess_bulk_min", "ess_tail_min", "divergences", "trustworthy")


def _worst(values: list[float], pick) -> float:
    finite = [v for v in values if v is not None and np.isfinite(v)]
    return float(pick(finite)) if finite else float("nan")


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
     'max_treedepth_hits': 0, 'trustworthy': False, 'members_checked': ['bayes', 'hierarchical'],
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
    return {
        "r_hat_max": _worst([c.get("r_hat_max") for c in records], max),
        "ess_bulk_min": _worst([c.get("ess_bulk_min") for c in records], min),
        "ess_tail_min": _worst([c.get("ess_tail_min") for c in records], min),
        "divergences": int(sum(c.get("divergences", 0) for c in records)),
        "max_treedepth_hits": int(sum(c.get("max_treedepth_hits", 0) for c in records)),
        "trustworthy": not failing,
        "members_checked": list(checked),
        "problems": "; ".join(failing) or "none",
    }


def series_convergence(diagnostics: Mapping[str, pd.DataFrame], location: str,
                       indicator: str) -> dict[str, Any]:
    """The worst of the members' per-series checks (their ``diagnostics`` rows for the series
    ``location``/``indicator``), as :data:`CHECK_COLUMNS`; empty when no member has them.

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
        if not set(CHECK_COLUMNS) <= set(diag.columns):
            continue
        hit = diag[(diag["location"] == location) & (diag["indicator"] == indicator)]
        if len(hit):
            found.append(hit.iloc[0])
    if not found:
        return {}
    return {"r_hat_max": _worst([float(r["r_hat_max"]) for r in found], max),
            "ess_bulk_min": _worst([float(r["ess_bulk_min"]) for r in found], min),
            "ess_tail_min": _worst([float(r["ess_tail_min"]) for r in found], min),
            "divergences": int(sum(int(r["divergences"]) for r in found)),
            "trustworthy": all(bool(r["trustworthy"]) for r in found)}
