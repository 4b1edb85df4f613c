#!/usr/bin/env python3
"""The NumPy peer's algorithm on the GPU with CuPy: the same code, CuPy as its array module.

What a researcher with a GPU writes first: numpy_peer.py with `import cupy as np`. The
loop is numpy_peer.py's own (vectorised over chains, absorbed chains compacted away by
boolean indexing every generation, the same stopping rule); only what CuPy lacks or does
differently is here:

  - blocks of 2^22 chains (the NumPy peer's 2^15 would leave a GPU idle);
  - per-sample Bernoulli uniforms in float32 (half the memory traffic of float64; a
    24-bit uniform against p = k/M changes nothing in law);
  - CuPy's Generator has no row-wise multinomial, so sufficient-mode categorical draws
    it as conditional binomials, c_j ~ Binomial(M - c_0 - ... - c_{j-1}, pi_j / (pi_j + ... + pi_K)).

Runs as numpy_peer.py does (`--serve` for the benchmark harness). Without CuPy, or without
a GPU it can use, every request is answered with that error.
"""
import time

import numpy_peer
from numpy_peer import Arrays, check_request, reply_for, simulate_with

BLOCK = 1 << 22


class ConditionalBinomialArrays(Arrays):
    """Arrays whose generator has no row-wise multinomial: conditional binomials instead."""

    def multinomial(self, samples, pi):
        xp = self.xp
        n, categories = pi.shape
        counts = xp.zeros((n, categories), dtype=xp.int64)
        left = xp.full(n, samples, dtype=xp.int64)
        # Mass from category j on: the binomial's p is pi_j over it (0 where nothing is left).
        suffix = xp.cumsum(pi[:, ::-1], axis=1)[:, ::-1]
        for j in range(categories - 1):
            share = xp.where(suffix[:, j] > 0, pi[:, j] / xp.where(suffix[:, j] > 0, suffix[:, j], 1.0), 0.0)
            counts[:, j] = self.rng.binomial(left, xp.clip(share, 0.0, 1.0))
            left = left - counts[:, j]
        counts[:, categories - 1] = left
        return counts


def cupy_arrays(seed):
    import cupy

    return ConditionalBinomialArrays(cupy, cupy.random.default_rng(seed), BLOCK, cupy.float32, f"cupy {cupy.__version__}")


def describe_device():
    """'CuPy <version> on <GPU name> (CUDA runtime <v>)', or raises when CuPy cannot run here."""
    import cupy

    cupy.arange(4).sum().item()  # imports are lazy: make CuPy reach the GPU
    properties = cupy.cuda.runtime.getDeviceProperties(cupy.cuda.Device().id)
    name = properties["name"].decode() if isinstance(properties["name"], bytes) else properties["name"]
    return f"CuPy {cupy.__version__} on {name} (CUDA runtime {cupy.cuda.runtime.runtimeGetVersion()})"


def simulate(request):
    form = check_request(request, name="cupy")
    arrays = cupy_arrays(int(request.get("seed", 0)))
    started = time.perf_counter()
    collapse_time, outcome = simulate_with(arrays, request, form)
    arrays.xp.cuda.Stream.null.synchronize()
    seconds = time.perf_counter() - started
    return reply_for(request, form, seconds, collapse_time.get(), outcome.get(), {"cupy": arrays.library})


if __name__ == "__main__":
    numpy_peer.main(simulate, __doc__)
