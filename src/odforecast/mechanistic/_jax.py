"""Import JAX the way the mechanistic calibration needs it: 64-bit floats (windows hold ~1e5
deaths; single precision loses the monthly differences) and one CPU device per chain, so
numpyro runs chains in parallel.

XLA reads the device count once, when JAX is imported: if JAX is already imported with fewer
devices, chains run one after another (the calibration says so).  Enabling 64-bit floats is
process-wide in JAX; it does not change results of code that asks for explicit dtypes.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from odforecast.errors import FitError

__all__ = ["import_jax"]


def import_jax() -> Any:
    """JAX, with x64 enabled and (if not yet imported) one host CPU device per core."""
    if "jax" not in sys.modules:
        flags = os.environ.get("XLA_FLAGS", "")
        if "xla_force_host_platform_device_count" not in flags:
            n = max(1, os.cpu_count() or 1)
            os.environ["XLA_FLAGS"] = (flags + " --xla_force_host_platform_device_count="
                                       f"{n}").strip()
    try:
        import jax
    except ImportError as exc:  # pragma: no cover - jax is a dependency
        raise FitError("the mechanistic calibration needs JAX and numpyro "
                       "(pip install jax numpyro)") from exc
    jax.config.update("jax_enable_x64", True)
    _use_compilation_cache(jax)
    return jax


def _use_compilation_cache(jax: Any) -> None:
    """Keep XLA's compiled programs in odforecast's cache folder (``jax/`` under
    :func:`odforecast.data.cache.cache_dir`), so a calibration in a new process reuses the
    compilation of an earlier one of the same shapes.  A cache the user configured
    (``JAX_COMPILATION_CACHE_DIR`` or ``jax.config``) is left alone."""
    if jax.config.jax_compilation_cache_dir or os.environ.get("JAX_COMPILATION_CACHE_DIR"):
        return
    from odforecast.data.cache import cache_dir

    jax.config.update("jax_compilation_cache_dir", str(cache_dir() / "jax"))
