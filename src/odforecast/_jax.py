"""Import JAX the way odforecast's JAX code needs it: 64-bit floats, one CPU device per core,
and XLA's compiled programs kept on disk in odforecast's cache folder.

Used by the mechanistic calibration (its own JAX density) and by the Bayesian models when they
sample with numpyro or blackjax (PyMC translates the model to JAX).  64-bit: windows hold ~1e5
deaths, single precision loses the monthly differences, and PyMC's graphs are float64.  One
device per core: numpyro and blackjax run chains in parallel only on separate devices.

XLA reads the device count once, when JAX is imported: if JAX is already imported with fewer
devices, chains run one after another.  Enabling 64-bit floats is process-wide in JAX; it does
not change results of code that asks for explicit dtypes.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from odforecast.errors import FitError

__all__ = ["import_jax", "jax_cache_dir", "memory_maps", "release_compiled_programs"]


def import_jax() -> Any:
    """JAX, with x64 enabled, (if not yet imported) one host CPU device per core, and the
    persistent compilation cache in odforecast's cache folder (see :func:`jax_cache_dir`)."""
    if "jax" not in sys.modules:
        flags = os.environ.get("XLA_FLAGS", "")
        if "xla_force_host_platform_device_count" not in flags:
            n = max(1, os.cpu_count() or 1)
            os.environ["XLA_FLAGS"] = (flags + " --xla_force_host_platform_device_count="
                                       f"{n}").strip()
    try:
        import jax
    except ImportError as exc:  # pragma: no cover - jax is a dependency
        raise FitError("this needs JAX (pip install jax)") from exc
    jax.config.update("jax_enable_x64", True)
    _use_compilation_cache(jax)
    return jax


def jax_cache_dir():
    """Where odforecast keeps XLA's compiled programs: ``jax/`` under
    :func:`odforecast.data.cache.cache_dir` (``$ODFORECAST_CACHE_DIR/jax`` when that is set).

    Deleting the folder clears the cache (the next fit compiles again); setting
    ``JAX_COMPILATION_CACHE_DIR`` (or ``jax.config.update("jax_compilation_cache_dir", ...)``
    before the first fit) puts it elsewhere, and odforecast then leaves it alone.

    Examples
    --------
    >>> from odforecast.data.cache import cache_dir
    >>> jax_cache_dir() == cache_dir() / "jax"
    True
    """
    from odforecast.data.cache import cache_dir

    return cache_dir() / "jax"


def _use_compilation_cache(jax: Any) -> None:
    """Keep XLA's compiled programs in :func:`jax_cache_dir`, so a fit in a new process reuses
    the compilation of an earlier one of the same shapes.  A cache the user configured
    (``JAX_COMPILATION_CACHE_DIR`` or ``jax.config``) is left alone, with its settings."""
    if jax.config.jax_compilation_cache_dir or os.environ.get("JAX_COMPILATION_CACHE_DIR"):
        return
    jax.config.update("jax_compilation_cache_dir", str(jax_cache_dir()))
    # every program, not only those over JAX's default 1 s of compiling: PyMC evaluates the
    # initial point op by op, ~125 programs of ~50 ms each (5 of the 19 s of a national
    # 12-month fit in a second process; 14 s with them cached)
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)


def memory_maps() -> tuple[int, int] | None:
    """The process's memory mappings and the kernel's limit on them (``vm.max_map_count``), or
    None where ``/proc`` does not tell (not Linux).

    Examples
    --------
    >>> maps = memory_maps()
    >>> maps is None or 0 < maps[0] < maps[1]
    True
    """
    try:
        with open("/proc/self/maps", "rb") as f:
            used = sum(1 for _ in f)
        with open("/proc/sys/vm/max_map_count") as f:
            limit = int(f.read().strip())
    except (OSError, ValueError):
        return None
    return used, limit


def release_compiled_programs(limit_share: float = 0.5) -> bool:
    """Clear JAX's in-memory caches of compiled programs if the process holds more than
    ``limit_share`` of the memory mappings the kernel allows; True if it cleared them.

    Every Bayesian fit sampled with numpyro or blackjax compiles new XLA programs (PyMC builds
    new functions for each model), and JAX keeps them, with the ~650 memory mappings of a
    one-series annual fit, for the life of the process.  At the kernel's limit (65,530 by
    default) LLVM cannot map the next program and aborts the whole process ("Unable to
    allocate section memory"): a backtest of 70 such fits died that way.  Clearing costs
    about 0.7 s of re-tracing in the next fit, so it is done only past ``limit_share``;
    compiled programs stay in the on-disk cache (:func:`jax_cache_dir`).

    Examples
    --------
    >>> release_compiled_programs()  # far below the limit: nothing to do
    False
    """
    if "jax" not in sys.modules:
        return False
    maps = memory_maps()
    if maps is None or maps[0] <= limit_share * maps[1]:
        return False
    sys.modules["jax"].clear_caches()
    import gc

    gc.collect()  # the executables go with their last references
    return True
