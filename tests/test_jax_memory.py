"""Compiled JAX programs are released before the process runs out of memory mappings.

Every Bayesian fit sampled by numpyro or blackjax compiles new XLA programs that JAX keeps for
the life of the process; at the kernel's limit on memory mappings LLVM aborts the process (a
decade backtest of 70 one-series fits died so).  ``release_compiled_programs`` clears JAX's
caches once the process holds more than a share of the limit.
"""

from __future__ import annotations

import pytest

from odforecast._jax import import_jax, memory_maps, release_compiled_programs

pytestmark = pytest.mark.skipif(memory_maps() is None, reason="needs Linux's /proc")


def _compile_programs(jax, n: int) -> None:
    import jax.numpy as jnp

    for k in range(n):  # a new function each time, as PyMC builds for every fit
        f = jax.jit(lambda x, k=k: jnp.sin(x) * k + jnp.cumsum(x) ** 2)
        f(jnp.arange(10.0 + k)).block_until_ready()


def test_compiled_programs_hold_memory_maps_until_released():
    jax = import_jax()
    release_compiled_programs(0.0)
    before = memory_maps()[0]
    _compile_programs(jax, 30)
    grown = memory_maps()[0]
    assert grown - before > 60  # a few mappings per program, kept after the function is gone
    assert release_compiled_programs(0.0) is True
    assert memory_maps()[0] < grown - (grown - before) / 2


def test_nothing_is_cleared_far_below_the_limit():
    jax = import_jax()
    _compile_programs(jax, 3)
    used, limit = memory_maps()
    assert used < 0.5 * limit
    assert release_compiled_programs() is False
    assert release_compiled_programs(1.0) is False
    assert memory_maps()[0] == used
