"""JAX for the mechanistic calibration: :func:`odforecast._jax.import_jax` (64-bit floats, one
CPU device per chain, XLA's compiled programs kept in odforecast's cache folder), shared with
the Bayesian models' numpyro and blackjax samplers."""

from __future__ import annotations

from odforecast._jax import _use_compilation_cache, import_jax

__all__ = ["_use_compilation_cache", "import_jax"]
