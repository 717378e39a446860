"""Scenarios that multiply the latent death rate: :class:`StatusQuo`,
:class:`ConstantMultiplier`, and the effects with an onset and a profile: :class:`Interdiction`
(illicit-supply shocks), :class:`Naloxone` and :class:`MOUD` (programme expansions).

An effect scenario's multiplier is ``1 - effect x (1 - substitution) x`` the mean of its
:func:`~odforecast.scenarios.profile` over each forecast period; every numeric parameter may be
a :class:`~odforecast.scenarios.Distribution`, drawn once per sample path.

Examples
--------
>>> import numpy as np, pandas as pd
>>> from odforecast.scenarios import Interdiction
>>> Interdiction("cut", effect=0.3, onset=None).multiplier(
...     pd.DatetimeIndex(["2026-12-31"]), location="US", indicator="opioids", n_samples=1,
...     rng=np.random.default_rng(0), frequency="annual")
array([0.7])
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from odforecast.errors import ScenarioError
from odforecast.scenarios.distributions import Param, _draw, _Streams
from odforecast.scenarios.params import (
    _check_name,
    _labels,
    _param,
    _param_to_data,
    _Range,
    _timestamp,
)
from odforecast.scenarios.profiles import _months, _period_means, _windows
from odforecast.scenarios.registry import _build, register

__all__ = [
    "EFFECT_RANGE",
    "ILLICIT_OPIOID_INDICATORS",
    "INTERDICTION_VARIANTS",
    "MOUD",
    "OPIOID_INDICATORS",
    "PROGRAMME_EFFECT_RANGE",
    "ConstantMultiplier",
    "Interdiction",
    "Naloxone",
    "StatusQuo",
]

#: Indicators an illicit-supply :class:`Interdiction` acts on by default: the series whose deaths
#: are dominated by illicitly manufactured fentanyl and heroin.  Prescription-type series
#: (``natural_semisynthetic``, ``methadone``, ``natural_semisynthetic_methadone``), stimulants and
#: ``all_drugs`` get a multiplier of exactly 1 unless listed explicitly (see ``docs/scenarios.md``).
ILLICIT_OPIOID_INDICATORS: tuple[str, ...] = (
    "opioids", "synthetic_opioids", "heroin", "natural_semisynthetic_synthetic_methadone")

#: How an :class:`Interdiction` acts on the mechanistic model's illicit lethality ``Lambda``
#: (``mechanistic-model.md`` §6): ``total`` scales it, ``excess`` scales only its part above
#: the heroin-era level, ``penetration`` scales the fentanyl share of the supply.
INTERDICTION_VARIANTS: tuple[str, ...] = ("total", "excess", "penetration")

#: Every opioid indicator: where :class:`Naloxone` and :class:`MOUD` act by default (naloxone
#: reverses any opioid overdose; MOUD treats opioid use disorder whatever the opioid).
OPIOID_INDICATORS: tuple[str, ...] = (
    *ILLICIT_OPIOID_INDICATORS, "natural_semisynthetic", "methadone",
    "natural_semisynthetic_methadone")



# -- no change, or the same change everywhere ------------------------------------------------------

@register("status_quo")
@dataclass(frozen=True)
class StatusQuo:
    """No change: the model's own projection.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> StatusQuo().multiplier(pd.DatetimeIndex(["2025-12-31"]), location="US",
    ...                        indicator="opioids", n_samples=2, rng=np.random.default_rng(0))
    array([1.])
    """

    name: str = "status_quo"
    source = "No intervention: the fitted model's own projection."

    def multiplier(self, time: pd.DatetimeIndex, *, location: str, indicator: str,
                   n_samples: int, rng: np.random.Generator) -> np.ndarray:
        return np.ones(len(time))

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form (see :func:`from_dict`)."""
        return {"type": "status_quo", "name": self.name}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> StatusQuo:
        """Inverse of :meth:`to_dict`."""
        return _build(cls, data)


@register("constant_multiplier")
@dataclass(frozen=True)
class ConstantMultiplier:
    """The same multiplicative effect in every forecast period (e.g. 0.8 = 20 % fewer deaths).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> ConstantMultiplier(0.8).multiplier(pd.DatetimeIndex(["2025-12-31"]), location="US",
    ...     indicator="opioids", n_samples=1, rng=np.random.default_rng(0))
    array([0.8])
    """

    factor: float
    name: str = "constant_multiplier"

    def __post_init__(self) -> None:
        if not np.isfinite(self.factor) or self.factor < 0:
            raise ScenarioError(f"ConstantMultiplier factor must be a finite number >= 0; got "
                                f"{self.factor!r}")

    def multiplier(self, time: pd.DatetimeIndex, *, location: str, indicator: str,
                   n_samples: int, rng: np.random.Generator) -> np.ndarray:
        return np.full(len(time), float(self.factor))

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form (see :func:`from_dict`)."""
        return {"type": "constant_multiplier", "name": self.name, "factor": float(self.factor)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ConstantMultiplier:
        """Inverse of :meth:`to_dict`."""
        return _build(cls, data)



# -- allowed ranges --------------------------------------------------------------------------------

#: Allowed ``effect`` of an :class:`Interdiction`: the open interval (-3, 1).  1 would remove
#: every death; negative effects mean *more* deaths, down to -3 (a quadrupling), which covers the
#: largest local risk ratio after seizures in the evidence (upper 95 % bound 3.67).
EFFECT_RANGE = _Range(-3.0, 1.0, True, True)
#: Allowed ``effect`` of :class:`Naloxone` and :class:`MOUD`: (-1, 1); negative = a scale-back.
PROGRAMME_EFFECT_RANGE = _Range(-1.0, 1.0, True, True)
_RAMP_RANGE = _Range(0.0, math.inf, False, True)
_HALF_LIFE_RANGE = _Range(0.0, math.inf, True, False)
_SUBSTITUTION_RANGE = _Range(0.0, 1.0, False, False)


def _effect_hint(value: float) -> str:
    if value > 1:
        return f" (an effect of {value:g} would be a reduction above 100 %)"
    if value == 1:
        return " (an effect of 1 would remove every death)"
    if value <= -3:
        return f" (an effect of {value:g} would multiply deaths by {1 - value:g} or more)"
    if value <= -1:
        return f" (an effect of {value:g} would be an increase of {-value:.0%})"
    return ""



# -- effects with an onset and a profile -----------------------------------------------------------

class _EffectScenario:
    """Shared machinery of :class:`Interdiction`, :class:`Naloxone` and :class:`MOUD`:
    multiplier = 1 - effect x (1 - substitution) x mean profile over each period."""

    name: str
    effect: Param
    onset: pd.Timestamp | None
    ramp_months: Param
    indicators: tuple[str, ...] | None
    locations: tuple[str, ...] | None
    kind: ClassVar[str] = ""
    default_indicators: ClassVar[tuple[str, ...]] = ()
    effect_range: ClassVar[_Range] = EFFECT_RANGE

    @property
    def _owner(self) -> str:
        return f"{type(self).__name__} {self.name!r}"

    def _half_life(self) -> Param | None:
        return None

    def _substitution(self) -> Param:
        return 0.0

    def _validate_common(self) -> None:
        object.__setattr__(self, "name", _check_name(type(self), self.name))
        owner = self._owner
        object.__setattr__(self, "effect", _param(owner, "effect", self.effect, self.effect_range,
                                                  _effect_hint))
        if self.onset is not None:
            object.__setattr__(self, "onset", _timestamp(owner, "onset", self.onset))
        object.__setattr__(self, "ramp_months",
                           _param(owner, "ramp_months", self.ramp_months, _RAMP_RANGE))
        object.__setattr__(self, "indicators", _labels(owner, "indicators", self.indicators,
                                                       check_indicators=True))
        object.__setattr__(self, "locations", _labels(owner, "locations", self.locations,
                                                      check_indicators=False))
        if not isinstance(getattr(self, "source", ""), str):
            raise ScenarioError(f"{owner}: parameter 'source' must be a string")

    def applies_to(self, location: str, indicator: str) -> bool:
        """Whether the scenario acts on this series (otherwise its multiplier is exactly 1)."""
        indicators = self.default_indicators if self.indicators is None else self.indicators
        return indicator in indicators and (self.locations is None or location in self.locations)

    def check_horizon(self, end: pd.Timestamp) -> None:
        """Raise ScenarioError if the onset is not before ``end`` (the last forecast time)."""
        if self.onset is not None and self.onset >= pd.Timestamp(end):
            raise ScenarioError(
                f"{self._owner}: parameter 'onset' ({self.onset.date()}) is not before the end "
                f"of the forecast horizon ({pd.Timestamp(end).date()}), so the scenario would "
                "have no effect; choose an earlier onset or a longer horizon")

    def multiplier(self, time: pd.DatetimeIndex, *, location: str, indicator: str,
                   n_samples: int, rng: np.random.Generator,
                   frequency: str | None = None) -> np.ndarray:
        """``1 - effect x (1 - substitution) x`` the mean profile over each forecast period.

        Periods that end by the onset get exactly 1, as do series the scenario does not apply
        to.  Each uncertain parameter is drawn once per sample path from its own stream derived
        from ``rng``.  ``frequency`` (optional) gives the period length; without it a period is
        the interval since the previous forecast time.
        """
        return self.effect_multiplier(time, location=location, indicator=indicator,
                                      n_samples=n_samples, rng=rng, frequency=frequency)

    def effect_multiplier(self, time: pd.DatetimeIndex, *, location: str, indicator: str,
                          n_samples: int, rng: np.random.Generator,
                          frequency: str | None = None) -> np.ndarray:
        """The multiplier of :meth:`multiplier` for a model that applies it itself (the
        mechanistic model reads an interdiction's ``variant``)."""
        time = pd.DatetimeIndex(time)
        starts, ends, start = _windows(time, frequency, self._owner)
        if self.onset is not None:
            self.check_horizon(time[-1])
        if not self.applies_to(location, indicator):
            return np.ones(len(time))
        onset = start if self.onset is None else float(_months(pd.DatetimeIndex([self.onset]))[0])
        streams = _Streams(rng)
        effect = _draw(self.effect, "effect", streams, n_samples)
        ramp = _draw(self.ramp_months, "ramp_months", streams, n_samples)
        half_life = _draw(self._half_life(), "half_life_months", streams, n_samples,
                          default=math.inf)
        substitution = _draw(self._substitution(), "substitution", streams, n_samples)
        mean_profile = _period_means(starts, ends, onset, ramp, half_life)
        return 1.0 - effect * (1.0 - substitution) * mean_profile

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form (JSON-compatible; see :func:`from_dict`)."""
        out: dict[str, Any] = {"type": self.kind}
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            if isinstance(value, pd.Timestamp):
                value = value.date().isoformat() if value == value.normalize() \
                    else value.isoformat()
            elif isinstance(value, tuple):
                value = list(value)
            out[f.name] = _param_to_data(value)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Any:
        """Inverse of :meth:`to_dict`."""
        return _build(cls, data)


@register("interdiction")
@dataclass(frozen=True)
class Interdiction(_EffectScenario):
    """An illicit-supply shock (interdiction, supply disruption, or a rise in lethality).

    The multiplier on the latent death rate is, per sample path and forecast period,

    .. math::

        m = 1 - e\\,(1 - s)\\,\\bar p

    where :math:`\\bar p` is the mean over the period of the :func:`profile` (0 before ``onset``,
    a linear rise over ``ramp_months``, then decay with ``half_life_months``).  Every numeric
    parameter may be a :class:`Distribution` (or its dict form), drawn once per sample path.

    Parameters
    ----------
    name
        Scenario name (the label in the forecast's ``scenario`` dimension).
    effect
        Proportional reduction of illicit-opioid overdose deaths at full strength (0.3 = 30 %
        fewer deaths than the latent rate), in ``(-3, 1)``.  Negative values mean *more* deaths
        (local enforcement has been followed by more overdoses nearby): -1 doubles the rate.
    onset
        Date the effect starts (before it the multiplier is exactly 1), or None for the start
        of the forecast (the first period not observed).  An onset at or after the last
        forecast time raises :class:`~odforecast.errors.ScenarioError` when forecasting.
    ramp_months
        Months over which the effect rises linearly to full strength (>= 0; 0 = immediate).
    half_life_months
        Months for the effect to halve after the ramp (> 0), or None for a persistent effect.
    substitution
        Fraction of the effect lost to other drugs or routes, in ``[0, 1]``: the net effect is
        ``effect x (1 - substitution)``.
    indicators
        Indicators the scenario acts on; None = :data:`ILLICIT_OPIOID_INDICATORS`.  Others get a
        multiplier of exactly 1.
    locations
        Locations it acts on; None = all.
    source
        Free-text provenance (citation).
    variant
        How the mechanistic model applies it to illicit lethality ``Lambda``
        (``INTERDICTION_VARIANTS``): ``"total"`` (default; the whole illicit fatal hazard,
        ``Lambda x m``), ``"excess"`` (only lethality above the heroin era, ``1 + (Lambda - 1)
        x m``: SOURCE's "Fent OD Risk") or ``"penetration"`` (the fentanyl share of the supply
        times ``m``, through SOURCE's overdose-rate and fatality channels).  Statistical models
        apply only ``"total"``; they raise :class:`~odforecast.errors.ScenarioError` for the
        others.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> cut = Interdiction("cut", effect=0.3, onset="2026-01-01", ramp_months=12)
    >>> time = pd.DatetimeIndex(["2025-12-31", "2026-12-31", "2027-12-31"])
    >>> cut.multiplier(time, location="US", indicator="opioids", n_samples=1,
    ...                rng=np.random.default_rng(0)).round(3)
    array([1.  , 0.85, 0.7 ])
    >>> Interdiction("bad", effect=1.2, onset="2026-01-01")
    Traceback (most recent call last):
    ...
    odforecast.errors.ScenarioError: Interdiction 'bad': parameter 'effect' must be in (-3, 1); \
got 1.2 (an effect of 1.2 would be a reduction above 100 %)
    """

    name: str
    effect: Param
    onset: pd.Timestamp | None
    ramp_months: Param = 0.0
    half_life_months: Param | None = None
    substitution: Param = 0.0
    indicators: tuple[str, ...] | None = None
    locations: tuple[str, ...] | None = None
    source: str = dataclasses.field(default="", repr=False)  # long citations: not in repr
    variant: str = "total"
    kind: ClassVar[str] = "interdiction"
    default_indicators: ClassVar[tuple[str, ...]] = ILLICIT_OPIOID_INDICATORS
    effect_range: ClassVar[_Range] = EFFECT_RANGE

    def __post_init__(self) -> None:
        self._validate_common()
        owner = self._owner
        half_life = self.half_life_months
        if isinstance(half_life, int | float) and not isinstance(half_life, bool) \
                and half_life == math.inf:
            half_life = None  # infinite half-life = persistent
        if half_life is not None:
            half_life = _param(owner, "half_life_months", half_life, _HALF_LIFE_RANGE,
                               lambda v: " (use None for a persistent effect)")
        object.__setattr__(self, "half_life_months", half_life)
        object.__setattr__(self, "substitution", _param(owner, "substitution", self.substitution,
                                                        _SUBSTITUTION_RANGE))
        if self.variant not in INTERDICTION_VARIANTS:
            raise ScenarioError(f"{owner}: parameter 'variant' must be one of "
                                f"{', '.join(INTERDICTION_VARIANTS)}; got {self.variant!r}")

    def multiplier(self, time: pd.DatetimeIndex, *, location: str, indicator: str,
                   n_samples: int, rng: np.random.Generator,
                   frequency: str | None = None) -> np.ndarray:
        """The multiplier on a statistical model's latent death rate (``variant="total"``).

        The ``excess`` and ``penetration`` variants act on the lethality of the drug supply,
        which only :class:`~odforecast.mechanistic.MechanisticOpioidModel` represents; a
        statistical model refuses them rather than guess their effect on deaths.
        """
        if self.variant != "total":
            raise ScenarioError(
                f"{self._owner}: variant {self.variant!r} acts on the lethality of the illicit "
                "supply, which only the mechanistic model represents; statistical models "
                "apply interdictions to deaths (variant 'total')")
        return super().multiplier(time, location=location, indicator=indicator,
                                  n_samples=n_samples, rng=rng, frequency=frequency)

    def _half_life(self) -> Param | None:
        return self.half_life_months

    def _substitution(self) -> Param:
        return self.substitution


@dataclass(frozen=True)
class _Programme(_EffectScenario):
    """Fields shared by the programme expansions (:class:`Naloxone`, :class:`MOUD`)."""

    name: str
    effect: Param
    onset: pd.Timestamp | None
    ramp_months: Param = 0.0
    indicators: tuple[str, ...] | None = None
    locations: tuple[str, ...] | None = None
    source: str = dataclasses.field(default="", repr=False)  # long citations: not in repr
    default_indicators: ClassVar[tuple[str, ...]] = OPIOID_INDICATORS
    effect_range: ClassVar[_Range] = PROGRAMME_EFFECT_RANGE

    def __post_init__(self) -> None:
        self._validate_common()


@register("naloxone")
@dataclass(frozen=True)
class Naloxone(_Programme):
    """Expanded naloxone distribution, as a multiplier on the latent rate of every opioid
    indicator (statistical models).

    ``effect`` is the proportional reduction of opioid overdose deaths at full scale-up, in
    ``(-1, 1)`` (negative = a scale-back).  Published sizes differ about ten-fold: Rao et al.
    2021 found +30 % naloxone availability averts about 25 % of opioid deaths over 2020-2029
    [S] (``PRESETS["naloxone_rao2021"]``), SOURCE found 2.7 % (default size) to 6.4 % ("Nx Kits
    50") over 2022-2032 [S] (``PRESETS["naloxone_source"]``).  The mechanistic model applies
    naloxone to its parameters instead (the share of overdoses reversed), not as a multiplier.

    Parameters
    ----------
    name, effect, onset, ramp_months, indicators, locations, source
        As for :class:`Interdiction` (indicators default to :data:`OPIOID_INDICATORS`); the
        effect is persistent (no half-life, no substitution).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> nx = Naloxone("naloxone", effect=0.25, onset="2026-01-01", ramp_months=12)
    >>> nx.multiplier(pd.DatetimeIndex(["2027-12-31"]), location="US", indicator="heroin",
    ...               n_samples=1, rng=np.random.default_rng(0), frequency="annual")
    array([0.75])
    """

    kind: ClassVar[str] = "naloxone"


@register("moud")
@dataclass(frozen=True)
class MOUD(_Programme):
    """Expanded medication for opioid use disorder (buprenorphine, methadone, naltrexone), as a
    multiplier on the latent rate of every opioid indicator (statistical models).

    ``effect`` is the proportional reduction of opioid overdose deaths at full scale-up, in
    ``(-1, 1)``.  Rao et al. 2021 call MOUD expansion "uniformly beneficial" without a
    magnitude in the available text [S qualitative]; SOURCE's buprenorphine-capacity policy
    averted 0.4 % of 2022-2032 deaths [S].  ``PRESETS["moud_expansion"]`` spans 0.4 %-10 % (the
    upper bound is an [unverified] assumption).  The mechanistic model applies MOUD to its
    parameters instead (treatment entry and retention), not as a multiplier.

    Parameters
    ----------
    name, effect, onset, ramp_months, indicators, locations, source
        As for :class:`Naloxone`.

    Examples
    --------
    >>> MOUD("moud", effect=0.05, onset="2026-01-01", ramp_months=24).to_dict()["effect"]
    0.05
    """

    kind: ClassVar[str] = "moud"
