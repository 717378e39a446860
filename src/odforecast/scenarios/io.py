"""Scenarios as plain data and files: :func:`from_dict` (and each type's ``to_dict()``),
:func:`load_scenarios` and :func:`save_scenarios` for JSON or YAML scenario files.

Examples
--------
>>> from odforecast.scenarios import from_dict
>>> from_dict({"type": "naloxone", "name": "nx", "effect": 0.1, "onset": None}).to_dict()["type"]
'naloxone'
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from os import PathLike
from pathlib import Path
from typing import Any

from odforecast.errors import ScenarioError
from odforecast.scenarios.presets import preset
from odforecast.scenarios.protocols import Serialisable
from odforecast.scenarios.registry import scenario_type

__all__ = ["from_dict", "load_scenarios", "save_scenarios"]


def from_dict(data: Mapping[str, Any]) -> Any:
    """Build a scenario from its plain-data form.

    ``data`` has a ``"type"`` (``status_quo``, ``constant_multiplier``, ``interdiction``,
    ``naloxone``, ``moud``, ``covariate``, ``combined``) and the type's parameters, or a
    ``"preset"`` name plus optional overrides.  Numeric parameters may be numbers or
    distributions ``{"dist": "uniform", "low": 0.2, "high": 0.4}`` (``fixed``, ``uniform``,
    ``normal``, ``beta``, ``triangular``).

    Examples
    --------
    >>> s = from_dict({"type": "interdiction", "name": "cut", "onset": "2026-01-01",
    ...                "effect": {"dist": "uniform", "low": 0.2, "high": 0.4}})
    >>> s.effect
    Uniform(low=0.2, high=0.4)
    >>> from_dict(s.to_dict()) == s
    True
    >>> from_dict({"preset": "source_low_fentanyl", "name": "low"}).name
    'low'
    """
    if not isinstance(data, Mapping):
        raise ScenarioError(f"a scenario must be a mapping with a 'type' or 'preset' key; got "
                            f"{type(data).__name__}")
    if "preset" in data:
        if "type" in data:
            raise ScenarioError("give either 'type' or 'preset', not both")
        return preset(data["preset"], **{k: v for k, v in data.items() if k != "preset"})
    return scenario_type(data.get("type")).from_dict(data)


def _read_file(path: Path) -> Any:
    suffix = path.suffix.lower()
    if suffix not in (".json", ".yaml", ".yml"):
        raise ScenarioError(f"{path}: unknown scenario file type {suffix!r}: use .json (always "
                            "supported) or .yaml / .yml (needs PyYAML)")
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read the scenario file: {exc.strerror or exc}") \
            from None
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[:exc.start].count(b"\n") + 1
        raise ScenarioError(f"{path}: not UTF-8 text (byte {exc.start}, line {line}); save the "
                            "scenario file as UTF-8") from None
    if suffix == ".json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise ScenarioError(f"{path}: not valid JSON (line {exc.lineno}, column "
                                f"{exc.colno}): {exc.msg}") from None
        except RecursionError:
            raise ScenarioError(f"{path}: nested too deeply to be a scenario file") from None
    try:
        import yaml
    except ImportError:
        raise ScenarioError(f"{path}: reading YAML needs PyYAML, which is not installed "
                            "(pip install pyyaml); JSON scenario files always work") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ScenarioError(f"{path}: not valid YAML: {exc}") from None
    except RecursionError:
        raise ScenarioError(f"{path}: nested too deeply to be a scenario file") from None


def load_scenarios(path: str | PathLike[str]) -> list[Any]:
    """Read and validate scenarios from a JSON or YAML file (YAML needs PyYAML).

    The file holds one scenario (a mapping), a list of them, or ``{"scenarios": [...]}``;
    each is the plain-data form of :func:`from_dict`.  Every scenario is built — so validated —
    before this returns; errors name the file, the scenario's index and name, and the
    parameter.

    Returns
    -------
    list
        The scenarios, in file order (a one-scenario file gives a list of one).

    Examples
    --------
    >>> import json, tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "s.json"
    >>> _ = path.write_text(json.dumps([{"preset": "status_quo"},
    ...     {"type": "interdiction", "name": "cut", "effect": 0.3, "onset": "2026-01-01"}]))
    >>> [s.name for s in load_scenarios(path)]
    ['status_quo', 'cut']
    >>> _ = path.write_text(json.dumps([{"type": "interdiction", "name": "cut",
    ...                                  "effect": 1.2, "onset": "2026-01-01"}]))
    >>> load_scenarios(path)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    odforecast.errors.ScenarioError: ...s.json: scenario 0 ('cut'): Interdiction 'cut': \
parameter 'effect' must be in (-3, 1); got 1.2 (an effect of 1.2 would be a reduction above 100 %)
    """
    path = Path(path)
    data = _read_file(path)
    if isinstance(data, Mapping) and set(data) == {"scenarios"}:
        data = data["scenarios"]
    items = [data] if isinstance(data, Mapping) else data
    if not isinstance(items, list) or not items:
        raise ScenarioError(f"{path}: expected a scenario (mapping), a non-empty list of "
                            f"scenarios, or {{'scenarios': [...]}}; got {type(data).__name__}")
    scenarios = []
    for i, item in enumerate(items):
        name = item.get("name", item.get("preset")) if isinstance(item, Mapping) else None
        label = f"scenario {i}" + (f" ({name!r})" if name is not None else "")
        try:
            scenarios.append(from_dict(item))
        except ScenarioError as exc:
            raise ScenarioError(f"{path}: {label}: {exc}") from None
        except RecursionError:  # Combined parts nested thousands deep
            raise ScenarioError(f"{path}: {label}: parts nested too deeply") from None
    names = [s.name for s in scenarios]
    for i, name in enumerate(names):
        if names.index(name) != i:
            raise ScenarioError(f"{path}: scenario {i} ({name!r}): parameter 'name' repeats "
                                f"scenario {names.index(name)}'s; names must be unique")
    return scenarios


def save_scenarios(scenarios: Any, path: str | PathLike[str]) -> None:
    """Write scenarios (one or a list) to a JSON file (or YAML for .yaml / .yml, with PyYAML)
    that :func:`load_scenarios` reads back.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from odforecast.scenarios import Interdiction, load_scenarios, preset, save_scenarios
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "runs.json"
    >>> save_scenarios([preset("status_quo"),
    ...                 Interdiction("cut", effect=0.3, onset="2026-01-01")], path)
    >>> [s.name for s in load_scenarios(path)]
    ['status_quo', 'cut']
    """
    path = Path(path)
    items = list(scenarios) if isinstance(scenarios, Sequence) else [scenarios]
    data = []
    for s in items:
        if not isinstance(s, Serialisable):
            raise ScenarioError(f"scenario {getattr(s, 'name', s)!r} cannot be serialised "
                                "(no to_dict)")
        data.append(s.to_dict())
    if path.suffix.lower() in (".yaml", ".yml"):
        try:
            import yaml
        except ImportError:
            raise ScenarioError(f"{path}: writing YAML needs PyYAML, which is not installed "
                                "(pip install pyyaml); write .json instead") from None
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    else:
        path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
