"""What a scenario provides, the optional abilities some scenarios have, and how to ask for them.

Every scenario is a :class:`Scenario`: a ``name`` and a ``multiplier`` method.  Some scenarios
can do more, and each optional ability is declared here once, as a runtime-checkable protocol,
with a small function the rest of the code (models included) calls instead of probing
attributes:

* :class:`Timed`: an ``onset`` (a date, or None: the forecast start); ask :func:`onset_of`.
* :class:`HorizonChecked`: ``check_horizon(end)``; call :func:`check_horizon`.
* :class:`Composite`: ``parts`` (scenarios); ask :func:`parts_of`, :func:`walk`, :func:`leaves`.
* :class:`RegressorProvider`: ``exog_future(time, columns, history)``; ask
  :func:`provides_regressors`.
* :class:`ModelChecked`: ``check_model(fitted)``.
* :class:`Targeted`: ``applies_to(location, indicator)``.
* :class:`Serialisable`: ``to_dict()``.
* :class:`FrequencyAware`: ``multiplier(..., frequency=...)``; ask :func:`accepts_frequency`.

:func:`evaluate_multiplier` is how a model calls a scenario: it passes ``frequency`` to the
scenarios that accept it and checks the multiplier's shape and values.

Loads no other odforecast module but ``odforecast.errors``.

Examples
--------
>>> from odforecast.scenarios import Combined, Interdiction, Naloxone, StatusQuo
>>> from odforecast.scenarios.protocols import Composite, Timed, onset_of, parts_of
>>> both = Combined("both", [Interdiction("cut", 0.3, "2026-01-01"), Naloxone("nx", 0.1, None)])
>>> isinstance(both, Composite), isinstance(StatusQuo(), Timed)
(True, False)
>>> [(p.name, onset_of(p)) for p in parts_of(both)]
[('cut', Timestamp('2026-01-01 00:00:00')), ('nx', None)]
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

from odforecast.errors import ScenarioError

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "Composite",
    "FrequencyAware",
    "HorizonChecked",
    "ModelChecked",
    "RegressorProvider",
    "Scenario",
    "Serialisable",
    "Targeted",
    "Timed",
    "accepts_frequency",
    "check_horizon",
    "evaluate_multiplier",
    "fixed_onsets",
    "leaves",
    "onset_of",
    "parts_of",
    "provides_regressors",
    "walk",
]


# -- the interface every model uses -------------------------------------------------------------

@runtime_checkable
class Scenario(Protocol):
    """What every scenario provides: a ``name`` and a ``multiplier`` method.

    Any object with these two is a scenario (a structural protocol); models multiply their
    latent rate by the multiplier, path by path.

    Examples
    --------
    A scenario that halves deaths from 2026:

    >>> import numpy as np, pandas as pd
    >>> import odforecast
    >>> from odforecast.scenarios import Scenario
    >>> class HalfFrom2026:
    ...     name = "half_from_2026"
    ...     def multiplier(self, time, *, location, indicator, n_samples, rng):
    ...         return np.where(time >= pd.Timestamp("2026-01-01"), 0.5, 1.0)
    >>> isinstance(HalfFrom2026(), Scenario)
    True
    >>> us = odforecast.load_dataset("us_annual").query(
    ...     "indicator == 'opioids' and estimate == 'reported'")
    >>> fc = odforecast.Naive().fit(us).forecast(
    ...     3, [odforecast.preset("status_quo"), HalfFrom2026()], n_samples=100, random_seed=1)
    >>> ratio = fc.samples.sel(scenario="half_from_2026") / fc.samples.sel(scenario="status_quo")
    >>> ratio.mean(["sample", "location", "indicator"]).values  # 2025, 2026, 2027
    array([1. , 0.5, 0.5])
    """

    name: str

    def multiplier(self, time: pd.DatetimeIndex, *, location: str, indicator: str,
                   n_samples: int, rng: np.random.Generator) -> np.ndarray:
        """Multiplicative effect on the latent rate, shape ``(n_samples, len(time))`` or
        ``(len(time),)``; values must be finite and non-negative."""
        ...


# -- optional abilities --------------------------------------------------------------------------
# isinstance() on these checks that the members exist (statically, as typing does in Python
# 3.12: an attribute made up by __getattr__ does not count), not their signatures.

class FrequencyAware(Scenario, Protocol):
    """A scenario whose ``multiplier`` also takes ``frequency`` (the frequency of the periods
    ending at ``time``), so it can average its effect over each period's months exactly.

    A protocol cannot check a parameter at run time, so this one is for type checkers and
    readers: whether a scenario gets ``frequency`` is decided by :func:`accepts_frequency`,
    from the multiplier's signature (a ``frequency`` parameter or ``**kwargs``), which also
    covers user classes that never heard of this protocol.

    Examples
    --------
    >>> from odforecast.scenarios import Naloxone, accepts_frequency
    >>> accepts_frequency(Naloxone("nx", 0.1, None))  # its multiplier takes frequency=
    True
    """

    def multiplier(self, time: pd.DatetimeIndex, *, location: str, indicator: str,
                   n_samples: int, rng: np.random.Generator,
                   frequency: str | None = None) -> np.ndarray:
        """As :meth:`Scenario.multiplier`, for periods of the given ``frequency``."""
        ...


@runtime_checkable
class Timed(Protocol):
    """A scenario with an ``onset``: the date its effect starts, or None for the forecast
    start.

    Examples
    --------
    >>> from odforecast.scenarios import Interdiction, StatusQuo
    >>> isinstance(Interdiction("cut", 0.3, None), Timed), isinstance(StatusQuo(), Timed)
    (True, False)
    """

    onset: pd.Timestamp | None


@runtime_checkable
class HorizonChecked(Protocol):
    """A scenario that can tell whether it acts before the end of a forecast.

    Examples
    --------
    >>> from odforecast.scenarios import ConstantMultiplier, Naloxone
    >>> isinstance(Naloxone("nx", 0.1, None), HorizonChecked)
    True
    >>> isinstance(ConstantMultiplier(0.9), HorizonChecked)
    False
    """

    def check_horizon(self, end: pd.Timestamp) -> None:
        """Raise ScenarioError if the scenario would have no effect before ``end`` (the last
        forecast time)."""
        ...


@runtime_checkable
class Composite(Protocol):
    """A scenario made of other scenarios (its ``parts``), such as
    :class:`~odforecast.scenarios.Combined`.

    Examples
    --------
    >>> from odforecast.scenarios import Combined, StatusQuo
    >>> isinstance(Combined("c", [StatusQuo()]), Composite), isinstance(StatusQuo(), Composite)
    (True, False)
    """

    parts: Sequence[Any]


@runtime_checkable
class RegressorProvider(Protocol):
    """A scenario that supplies the future values of a model's regressors.

    Examples
    --------
    >>> import pandas as pd
    >>> from odforecast.scenarios import CovariateScenario, StatusQuo
    >>> up = CovariateScenario("up", "seized", 0.5, "2026-01-01")
    >>> isinstance(up, RegressorProvider), isinstance(StatusQuo(), RegressorProvider)
    (True, False)
    """

    def exog_future(self, time: pd.DatetimeIndex, columns: Sequence[str] | None = None,
                    history: pd.DataFrame | None = None) -> pd.DataFrame:
        """Future regressor values: a frame indexed by ``time`` with ``columns``."""
        ...


@runtime_checkable
class ModelChecked(Protocol):
    """A scenario that can check itself against a fitted model (e.g. that the model has the
    regressor it changes).

    Examples
    --------
    >>> from odforecast.scenarios import CovariateScenario, Interdiction
    >>> isinstance(CovariateScenario("up", "seized", 0.5, "2026-01-01"), ModelChecked)
    True
    >>> isinstance(Interdiction("cut", 0.3, None), ModelChecked)
    False
    """

    def check_model(self, fitted: object) -> None:
        """Raise ScenarioError if the scenario cannot act on ``fitted``."""
        ...


@runtime_checkable
class Targeted(Protocol):
    """A scenario that acts on some series only (its multiplier is exactly 1 elsewhere).

    Examples
    --------
    >>> from odforecast.scenarios import Interdiction
    >>> cut = Interdiction("cut", 0.3, None)
    >>> isinstance(cut, Targeted), cut.applies_to("US", "stimulants")
    (True, False)
    """

    def applies_to(self, location: str, indicator: str) -> bool:
        """Whether the scenario acts on this series."""
        ...


@runtime_checkable
class Serialisable(Protocol):
    """A scenario with a plain-data form (``to_dict()``, read back by
    :func:`~odforecast.scenarios.from_dict`).

    Examples
    --------
    >>> from odforecast.scenarios import StatusQuo
    >>> isinstance(StatusQuo(), Serialisable)
    True
    """

    def to_dict(self) -> dict[str, Any]:
        """Plain-data (JSON-compatible) form."""
        ...


# -- asking for them -----------------------------------------------------------------------------

def accepts_frequency(scenario: object) -> bool:
    """Whether ``scenario.multiplier`` takes a ``frequency`` keyword (a ``frequency`` parameter
    or ``**kwargs``): :func:`evaluate_multiplier` passes it only to those.

    Examples
    --------
    >>> from odforecast.scenarios import Interdiction
    >>> class Old:
    ...     name = "old"
    ...     def multiplier(self, time, *, location, indicator, n_samples, rng):
    ...         return 1.0
    >>> accepts_frequency(Interdiction("cut", 0.3, None)), accepts_frequency(Old())
    (True, False)
    """
    try:
        params = inspect.signature(getattr(scenario, "multiplier", None)).parameters
    except (TypeError, ValueError):  # no multiplier, or one without a signature
        return False
    return "frequency" in params or any(p.kind is inspect.Parameter.VAR_KEYWORD
                                        for p in params.values())


def onset_of(scenario: object) -> pd.Timestamp | None:
    """The scenario's onset, or None if it has none or starts at the forecast start.

    Examples
    --------
    >>> from odforecast.scenarios import Interdiction, StatusQuo
    >>> onset_of(Interdiction("cut", 0.3, "2026-01-01")).year, onset_of(StatusQuo())
    (2026, None)
    """
    return scenario.onset if isinstance(scenario, Timed) else None


def fixed_onsets(scenario: object) -> list[pd.Timestamp]:
    """The fixed onsets of a scenario and of all its parts (an onset of None, the forecast
    start, is not fixed and is left out).

    Examples
    --------
    >>> from odforecast.scenarios import Combined, Interdiction, Naloxone
    >>> both = Combined("both", [Interdiction("cut", 0.3, "2026-01-01"),
    ...                          Naloxone("nx", 0.1, None)])
    >>> [str(o.date()) for o in fixed_onsets(both)]
    ['2026-01-01']
    """
    import pandas as pd

    return [pd.Timestamp(o) for o in map(onset_of, walk(scenario)) if o is not None]


def parts_of(scenario: object) -> tuple[Any, ...]:
    """The direct parts of a :class:`Composite` scenario; ``()`` for any other scenario.

    Examples
    --------
    >>> from odforecast.scenarios import Combined, Interdiction, StatusQuo
    >>> [p.name for p in parts_of(Combined("c", [StatusQuo(), Interdiction("cut", 0.3, None)]))]
    ['status_quo', 'cut']
    >>> parts_of(StatusQuo())
    ()
    """
    return tuple(scenario.parts) if isinstance(scenario, Composite) else ()


def walk(scenario: object) -> Iterator[Any]:
    """The scenario, then every part of it, depth first (parts of parts included).

    Examples
    --------
    >>> from odforecast.scenarios import Combined, Interdiction, Naloxone
    >>> inner = Combined("inner", [Naloxone("nx", 0.1, None)])
    >>> [s.name for s in walk(Combined("outer", [Interdiction("cut", 0.3, None), inner]))]
    ['outer', 'cut', 'inner', 'nx']
    """
    yield scenario
    for part in parts_of(scenario):
        yield from walk(part)


def leaves(scenario: object) -> Iterator[Any]:
    """The scenarios that are not made of parts: the scenario itself, or every part of it
    (depth first) that is not a :class:`Composite`.

    Examples
    --------
    >>> from odforecast.scenarios import Combined, Interdiction, Naloxone
    >>> inner = Combined("inner", [Naloxone("nx", 0.1, None)])
    >>> [s.name for s in leaves(Combined("outer", [Interdiction("cut", 0.3, None), inner]))]
    ['cut', 'nx']
    """
    return (s for s in walk(scenario) if not isinstance(s, Composite))


def provides_regressors(scenario: object) -> bool:
    """Whether the scenario, or a part of it, supplies regressor paths (a
    :class:`RegressorProvider` that is not a :class:`Composite`).

    A composite such as :class:`~odforecast.scenarios.Combined` has an ``exog_future`` method
    whether or not a part supplies regressors, so its parts decide.

    Examples
    --------
    >>> from odforecast.scenarios import Combined, CovariateScenario, Interdiction
    >>> cut = Interdiction("cut", 0.3, None)
    >>> up = CovariateScenario("up", "seized", 0.5, "2026-01-01")
    >>> provides_regressors(Combined("c", [cut])), provides_regressors(Combined("d", [cut, up]))
    (False, True)
    """
    if isinstance(scenario, Composite):
        return any(provides_regressors(p) for p in scenario.parts)
    return isinstance(scenario, RegressorProvider)


def check_horizon(scenario: object, end: pd.Timestamp) -> None:
    """Raise ScenarioError if the scenario, or any part of it, has its onset at or after
    ``end`` (the last forecast time); scenarios without an onset pass.

    A :class:`HorizonChecked` scenario checks itself (a
    :class:`~odforecast.scenarios.Combined` checks its parts); the parts of any other
    :class:`Composite` are checked one by one.

    Examples
    --------
    >>> import pandas as pd
    >>> from odforecast.scenarios import Combined, Interdiction, StatusQuo
    >>> late = Combined("c", [StatusQuo(), Interdiction("late", 0.3, "2031-01-01")])
    >>> check_horizon(late, pd.Timestamp("2030-12-31"))
    Traceback (most recent call last):
    ...
    odforecast.errors.ScenarioError: Interdiction 'late': parameter 'onset' (2031-01-01) is not \
before the end of the forecast horizon (2030-12-31), so the scenario would have no effect; choose \
an earlier onset or a longer horizon
    """
    if isinstance(scenario, HorizonChecked):
        scenario.check_horizon(end)
        return
    for part in parts_of(scenario):
        check_horizon(part, end)


def evaluate_multiplier(scenario: Scenario | None, time: pd.DatetimeIndex, *, location: str,
                        indicator: str, n_samples: int, rng: np.random.Generator,
                        frequency: str | None = None) -> np.ndarray:
    """A scenario's multiplier as a checked ``(n_samples, len(time))`` array (ones if None).

    ``frequency`` (optional) is the frequency of the periods ending at ``time`` (``"annual"``,
    ``"monthly"``, ``"12m_ending"``, ...); it is passed on to scenarios whose ``multiplier``
    accepts it (:func:`accepts_frequency`), so they can average their effect over each period's
    months exactly (a 12-month-ending value averages over its trailing 12 months).  Without it,
    the periods are taken to be the intervals between consecutive forecast times.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from odforecast.scenarios import Interdiction, evaluate_multiplier
    >>> cut = Interdiction("cut", effect=0.3, onset="2026-01-01")
    >>> time = pd.DatetimeIndex(["2025-12-31", "2026-12-31", "2027-12-31"])
    >>> evaluate_multiplier(cut, time, location="US", indicator="opioids", n_samples=2,
    ...                     rng=np.random.default_rng(0), frequency="annual")
    array([[1. , 0.7, 0.7],
           [1. , 0.7, 0.7]])
    """
    if scenario is None:
        return np.ones((n_samples, len(time)))
    if not isinstance(scenario, Scenario):
        raise ScenarioError(f"scenario must provide .name and .multiplier(time, ...); got "
                            f"{type(scenario).__name__}")
    kwargs: dict[str, Any] = {}
    if frequency is not None and accepts_frequency(scenario):
        kwargs["frequency"] = frequency
    effect = np.asarray(scenario.multiplier(time, location=location, indicator=indicator,
                                            n_samples=n_samples, rng=rng, **kwargs), dtype=float)
    try:
        effect = np.broadcast_to(effect, (n_samples, len(time)))
    except ValueError:
        raise ScenarioError(f"scenario {scenario.name!r} returned a multiplier of shape "
                            f"{effect.shape}; expected ({n_samples}, {len(time)}) or "
                            f"({len(time)},)") from None
    if not np.all(np.isfinite(effect)) or np.any(effect < 0):
        raise ScenarioError(f"scenario {scenario.name!r} returned negative or non-finite "
                            "multipliers")
    return effect
