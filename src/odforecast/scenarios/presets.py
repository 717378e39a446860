"""Evidence-based preset scenarios: :data:`PRESETS`, :func:`preset` (a preset with
overrides) and :func:`describe_presets` (a table of their parameters and sources).

Each preset's ``source`` cites the evidence and tags every number as in ``docs/scenarios.md``:
[S] in the source, [D] derived, [unverified] an assumption.

Examples
--------
>>> from odforecast.scenarios import PRESETS
>>> PRESETS["naloxone_source"].effect
0.067
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import pandas as pd

from odforecast.errors import ScenarioError
from odforecast.scenarios.distributions import Distribution, Uniform
from odforecast.scenarios.effects import MOUD, Interdiction, Naloxone, StatusQuo
from odforecast.scenarios.params import _central
from odforecast.scenarios.protocols import Targeted, Timed

__all__ = ["PRESETS", "describe_presets", "preset"]

_SOURCE_ENVELOPE = (
    "SOURCE model (Lim et al. PNAS 2022; Stringfellow et al. Sci Adv 2022; GitHub FDA/SOURCE "
    "X8_{Base,FentH,FentL}_PolTot.tab): 2022-2032 opioid deaths 541,754 (Base), 418,991 "
    "(FentL), 666,236 (FentH) [S]; {pct} vs Base [D]. A constant multiplier changes cumulative "
    "deaths over any horizon by exactly the effect. evidence.md sec. 3.1, 4.4.")

_PRESET_LIST: list[Any] = [
    StatusQuo(),
    Interdiction(
        "source_low_fentanyl", effect=0.227, onset=None,
        source=_SOURCE_ENVELOPE.replace("{pct}", "FentL -22.7%")),
    Interdiction(
        "source_high_fentanyl", effect=-0.230, onset=None,
        source=_SOURCE_ENVELOPE.replace("{pct}", "FentH +23.0%")),
    Interdiction(
        "us_supply_shock_2023", effect=Uniform(0.33, 0.40), onset="2023-07-01", ramp_months=12,
        source=(
            "US fentanyl supply shock from mid-2023 (Vangelov, Humphreys, Reuter, Caulkins et "
            "al., Science, Jan 2026): purity fell in H2 2023; synthetic-opioid deaths peaked at "
            "~76,000 (2023) and fell by more than one-third by end-2024 [S]; evidence.md sec. "
            "4.1, 4.4 (-33% to -40%). Onset 2023-07-01 and a 12-month ramp [D]: on a flat "
            "baseline they give annual 2024/2023 ratios 0.68-0.74 (observed opioid deaths "
            "81,083 -> 54,743: 0.675) and 12-month-ending Dec 2024 vs Jun 2023 ratios "
            "0.65-0.71; persistence unknown [unverified], taken as persistent.")),
    Interdiction(
        "australia_heroin_shortage_2001", effect=Uniform(0.60, 0.67), onset=None, ramp_months=3,
        half_life_months=Uniform(24.0, 60.0),
        source=(
            "Australian heroin shortage, Jan 2001 (Degenhardt, Day, Gilmour, Hall 2006, "
            "doi:10.1186/1747-597X-1-11): ~60% drop in opioid overdose mortality (Science 2026 "
            "summary) and NSW opiate deaths -67% 1999->2002 (Time) [S]; the effect lasted years "
            "[S]; half-life 2-5 years from the 0.3-5 y persistence prior [D]; 3-month ramp "
            "('abrupt') [unverified]. Applied as an analogue from the forecast start (set "
            "onset= to place it). evidence.md sec. 4.1, 4.4.")),
    Interdiction(
        "local_seizure_spike", effect=-1.4, onset=None, half_life_months=0.23,
        source=(
            "Local harm after opioid seizures: fatal overdoses ~2x expected within 7 days and "
            "500 m (Ray et al. AJPH 2023;113(7):750-758); nonfatal RR 2.62 / 2.17 / 1.83 at "
            "3 / 7 / 14 days within 250 m (J Epidemiol Community Health 2024) [S]. Effect -1.4 "
            "with a 7-day (0.23-month) half-life averages 2.0x over the first week and 1.75x "
            "over two weeks [D]. Local (<= 500 m) only: do not apply to state or national "
            "series. evidence.md sec. 4.3, 4.4 (lever C).")),
    Naloxone(
        "naloxone_rao2021", effect=0.263, onset=None, ramp_months=12,
        source=(
            "Rao, Humphreys, Brandeau, Lancet Reg Health Am 2021;3:100031: naloxone "
            "availability +30% averts ~25% of opioid deaths 2020-2029 [S]; effect 0.263 with a "
            "12-month ramp gives 0.263 x (1 - 6/120) = 25% over 120 months [D]; ramp "
            "[unverified]. evidence.md sec. 2; mechanistic-model.md sec. 7.")),
    Naloxone(
        "naloxone_source", effect=0.067, onset=None, ramp_months=12,
        source=(
            "SOURCE 'Nx Kits 50': 6.4% of 2022-2032 opioid deaths averted (default size: 2.7%) "
            "[S]; effect 0.067 with a 12-month ramp gives 0.067 x (1 - 6/132) = 6.4% over 132 "
            "months [D]. evidence.md sec. 3.1; mechanistic-model.md sec. 7.")),
    MOUD(
        "moud_expansion", effect=Uniform(0.004, 0.10), onset=None, ramp_months=24,
        source=(
            "SOURCE 'Bup Prov Capacity': 0.4% of 2022-2032 opioid deaths averted [S]; Rao 2021: "
            "'uniformly beneficial', magnitude not available [S qualitative]; upper bound 10% "
            "and 24-month ramp [unverified]. evidence.md sec. 2, 3.1; mechanistic-model.md "
            "sec. 7.")),
]

#: Evidence-based scenarios by name (read-only).  Use :func:`preset` to get one, optionally
#: with overrides, and :func:`describe_presets` for a table.
PRESETS: Mapping[str, Any] = MappingProxyType({s.name: s for s in _PRESET_LIST})


def preset(name: str, /, **overrides: Any) -> Any:
    """A preset scenario, optionally with some parameters replaced (re-validated).

    Parameters
    ----------
    name
        One of :data:`PRESETS`.
    **overrides
        Parameters to replace, e.g. ``onset="2026-01-01"`` or ``name="my_run"``.

    Examples
    --------
    >>> preset("australia_heroin_shortage_2001", onset="2026-01-01").onset.year
    2026
    >>> preset("nope")
    Traceback (most recent call last):
    ...
    odforecast.errors.ScenarioError: unknown preset 'nope'; available presets: \
australia_heroin_shortage_2001, local_seizure_spike, moud_expansion, naloxone_rao2021, \
naloxone_source, source_high_fentanyl, source_low_fentanyl, status_quo, us_supply_shock_2023
    """
    if name not in PRESETS:
        raise ScenarioError(f"unknown preset {name!r}; available presets: "
                            f"{', '.join(sorted(PRESETS))}")
    base = PRESETS[name]
    if not overrides:
        return base
    allowed = [f.name for f in dataclasses.fields(base)]
    unknown = [k for k in overrides if k not in allowed]
    if unknown:
        raise ScenarioError(f"preset {name!r}: unknown parameter {unknown[0]!r}; its "
                            f"parameters are {', '.join(allowed)}")
    return dataclasses.replace(base, **overrides)


def describe_presets() -> pd.DataFrame:
    """One row per preset: type, effect (central value and range), onset, ramp, half-life,
    substitution, indicators and source.

    Examples
    --------
    >>> float(describe_presets().loc["source_low_fentanyl", "effect"])
    0.227
    """
    rows = []
    for name, s in PRESETS.items():
        effect = getattr(s, "effect", None)
        half_life = getattr(s, "half_life_months", None)
        rows.append({
            "name": name,
            "type": s.to_dict()["type"],
            "effect": _central(effect),
            "effect_range": (effect.support if isinstance(effect, Distribution) else None),
            "onset": (None if not isinstance(s, Timed) else
                      "forecast start" if s.onset is None else s.onset.date().isoformat()),
            "ramp_months": _central(getattr(s, "ramp_months", None)),
            "half_life_months": (_central(half_life) if half_life is not None else
                                 "persistent" if isinstance(s, Timed) else None),
            "substitution": _central(getattr(s, "substitution", None)),
            "indicators": (None if not isinstance(s, Targeted) else
                           list(s.indicators or s.default_indicators)),
            "source": getattr(s, "source", ""),
        })
    return pd.DataFrame(rows).set_index("name")
