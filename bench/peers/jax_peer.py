#!/usr/bin/env python3
"""The NumPy peer's algorithm in JAX, written the way a JAX user writes it for a GPU.

Same model, stopping rule and protocol as numpy_peer.py (vectorised over chains, absorbed
chains compacted away, chains run to collapse or the horizon T, blocks of chains), with the
two things JAX changes:

  - Shapes are static: jit compiles once per array shape, so compacting to the exact number
    of live chains every generation would recompile almost every generation. Chains live in
    power-of-two buckets instead (from 2^16 on a GPU): absorbed chains stay in place, masked,
    until at most half the bucket is alive, then the survivors move to the next smaller
    bucket. Every bucket's code is compiled before the timer starts (reported apart as
    compile_seconds, as collapse-sim's kernel compilation is reported apart as warm-up).
  - The generator is functional: generation t of a block draws from fold_in(block key, t),
    a counter-based stream like collapse-sim's own, so no key is threaded through the loop.
    One jitted call advances STEPS generations (lax.fori_loop) between the host's looks at
    how many chains are left.

Forms as in numpy_peer.py: per-sample Bernoulli (uniform(key, (n, M)) < p).sum(1), binomial
jax.random.binomial; categorical per-sample by inverse CDF (counts from how many uniforms
fall below each cumulative probability), multinomial as conditional binomials (lax.scan
over categories); Gaussian normal draws, or normal mean plus jax.random.chisquare. float32
throughout (JAX's default).

Runs as numpy_peer.py does (`--serve` for the benchmark harness).
"""
import functools
import time

import numpy as np
import jax
import jax.numpy as jnp
from jax import lax

import numpy_peer
from numpy_peer import check_request, reply_for

BLOCK = 1 << 22
# The smallest bucket: below 2^16 chains a generation is launch-bound on a GPU anyway (fewer
# buckets, fewer compilations); on a CPU padding costs its full price, so buckets go lower.
MIN_BUCKET = (1 << 10) if jax.default_backend() == "cpu" else (1 << 16)
# Generations per jitted call: the host looks at the number of live chains between calls.
STEPS = 8


def bucket(n, smallest=MIN_BUCKET):
    """The power-of-two bucket holding n chains."""
    return max(smallest, 1 << (max(1, int(n)) - 1).bit_length())


def family_step(config):
    """(initial model for a bucket, one generation's step) for a hashable configuration."""
    family, form, samples = config[0], config[1], config[2]
    if family == "bernoulli":
        p0 = config[3]

        def initial(size):
            return (jnp.full(size, p0, jnp.float32),)

        def step(model, key):
            (p,) = model
            if form == "per-sample":
                counts = jnp.sum(jax.random.uniform(key, (p.shape[0], samples)) < p[:, None], axis=1, dtype=jnp.int32)
            else:
                counts = jax.random.binomial(key, samples, p).astype(jnp.int32)
            p = counts.astype(jnp.float32) / samples
            return (p,), (counts == 0) | (counts == samples), p

        return initial, step

    if family == "categorical":
        init = jnp.asarray(config[3], jnp.float32)
        categories = init.shape[0]

        def initial(size):
            return (jnp.tile(init, (size, 1)),)

        def step(model, key):
            (pi,) = model
            size = pi.shape[0]
            if form == "per-sample":
                # Points in categories 0..j = uniforms below the cumulative probability of j.
                cdf = jnp.cumsum(pi, axis=1)[:, :-1]
                u = jax.random.uniform(key, (size, samples))
                below = jnp.sum(u[:, :, None] < cdf[:, None, :], axis=1, dtype=jnp.int32)
                cumulative = jnp.concatenate([below, jnp.full((size, 1), samples, jnp.int32)], axis=1)
                counts = jnp.diff(cumulative, axis=1, prepend=0)
            else:
                suffix = jnp.cumsum(pi[:, ::-1], axis=1)[:, ::-1]
                share = jnp.clip(jnp.where(suffix > 0, pi / jnp.where(suffix > 0, suffix, 1.0), 0.0), 0.0, 1.0)

                def draw(left, column):
                    p, k = column
                    c = jax.random.binomial(k, left, p)
                    return left - c, c

                keys = jax.random.split(key, categories - 1)
                left, drawn = lax.scan(draw, jnp.full(size, float(samples), jnp.float32), (share.T[:-1], keys))
                counts = jnp.concatenate([drawn.T, left[:, None]], axis=1).astype(jnp.int32)
            survivors = jnp.sum(counts > 0, axis=1)
            return (counts.astype(jnp.float32) / samples,), survivors == 1, jnp.argmax(counts, axis=1).astype(jnp.float32)

        return initial, step

    mu0, var0, estimator, threshold = config[3:]
    ddof = 1 if estimator == "unbiased" else 0
    floor = threshold * var0

    def initial(size):
        return (jnp.full(size, mu0, jnp.float32), jnp.full(size, var0, jnp.float32))

    def step(model, key):
        mu, var = model
        sigma = jnp.sqrt(var)
        if form == "per-sample":
            x = mu[:, None] + sigma[:, None] * jax.random.normal(key, (mu.shape[0], samples))
            mu, var = jnp.mean(x, axis=1), jnp.var(x, axis=1, ddof=ddof)
        else:
            k1, k2 = jax.random.split(key)
            mu = mu + sigma / np.sqrt(samples) * jax.random.normal(k1, mu.shape)
            var = var * jax.random.chisquare(k2, samples - 1, mu.shape) / (samples - ddof)
        return (mu, var), var <= floor, jnp.full(mu.shape, jnp.nan, jnp.float32)

    return initial, step


@functools.lru_cache(maxsize=None)
def compiled(config):
    """The configuration's jitted functions; jit then keeps one executable per bucket."""
    initial, step = family_step(config)
    donate = () if jax.default_backend() == "cpu" else (0, 1, 2, 3)

    def advance(model, alive, ctime, outcome, block_key, t0, steps):
        def generation(i, carry):
            model, alive, ctime, outcome = carry
            t = t0 + i + 1
            new_model, absorbed, value = step(model, jax.random.fold_in(block_key, t))
            absorbed = absorbed & alive
            # Absorbed and padding chains keep their model: they are masked, not removed.
            model = tuple(jnp.where(alive.reshape(alive.shape + (1,) * (new.ndim - 1)), new, old) for new, old in zip(new_model, model))
            return model, alive & ~absorbed, jnp.where(absorbed, t, ctime), jnp.where(absorbed, value, outcome)

        return lax.fori_loop(0, steps, generation, (model, alive, ctime, outcome))

    return initial, jax.jit(advance, donate_argnums=donate)


@functools.partial(jax.jit, static_argnums=(5,))
def compact(model, alive, ctime, outcome, index, size):
    """The live chains first, in a bucket of `size`; the slots after them become padding."""
    order = jnp.argsort(~alive, stable=True)[:size]
    keep = jnp.arange(size) < jnp.sum(alive)
    model = tuple(m[order] for m in model)
    return model, keep, ctime[order], outcome[order], jnp.where(keep, index[order], -1)


def empty_state(initial, size, chains):
    alive = jnp.arange(size) < chains
    return (
        initial(size),
        alive,
        jnp.full(size, -1, jnp.int32),
        jnp.full(size, jnp.nan, jnp.float32),
        jnp.where(alive, jnp.arange(size, dtype=jnp.int32), -1),
    )


def prepare(config, chains, block, smallest):
    """Compiles every bucket a run of `chains` chains can use; returns the seconds it took."""
    initial, advance = compiled(config)
    started = time.perf_counter()
    sizes = {bucket(chains % block, smallest)} if chains % block else set()
    size = bucket(min(chains, block), smallest)
    while size >= smallest:
        sizes.add(size)
        size //= 2
    key = jax.random.key(0)
    for size in sorted(sizes):
        model, alive, ctime, outcome, index = empty_state(initial, size, 0)
        jax.block_until_ready(advance(model, alive, ctime, outcome, key, 0, 0))
        if size > smallest:
            model, alive, ctime, outcome, index = empty_state(initial, size, 0)
            jax.block_until_ready(compact(model, alive, ctime, outcome, index, size // 2))
    return time.perf_counter() - started


def record(collapse_time, outcome_out, state, final):
    """Copies finished chains' results (every chain's at the end) from the device."""
    _, alive, ctime, outcome, index = state
    alive, ctime, outcome, index = jax.device_get((alive, ctime, outcome, index))
    done = (index >= 0) & (True if final else ~alive)
    collapse_time[index[done]] = ctime[done]
    outcome_out[index[done]] = outcome[done]


def run(config, chains, generations, seed, block, smallest):
    initial, advance = compiled(config)
    collapse_time = np.full(chains, -1, dtype=np.int32)
    outcome = np.full(chains, np.nan)
    root = jax.random.key(seed)
    for number, start in enumerate(range(0, chains, block)):
        count = min(block, chains - start)
        block_key = jax.random.fold_in(root, number)
        size = bucket(count, smallest)
        state = empty_state(initial, size, count)
        t = 0
        while t < generations:
            steps = min(STEPS, generations - t)
            model, alive, ctime, out = advance(*state[:4], block_key, t, steps)
            state = (model, alive, ctime, out, state[4])
            t += steps
            live = int(jnp.sum(alive))
            if live == 0:
                break
            if live <= size // 2 and size > smallest:
                record(collapse_time[start:], outcome[start:], state, final=False)
                size = bucket(live, smallest)
                state = compact(*state, size)
        record(collapse_time[start:], outcome[start:], state, final=True)
    return collapse_time, outcome


def configuration(request, form):
    family, samples = request["family"], int(request["samples"])
    if family == "bernoulli":
        return (family, form, samples, float(request["p0"]))
    if family == "categorical":
        return (family, form, samples, tuple(float(p) for p in request["init"]))
    return (family, form, samples, float(request["mu0"]), float(request["var0"]), request["estimator"], float(request["collapse_threshold"]))


def processor():
    """'cpu' where JAX fell back to its CPU backend, else 'gpu'."""
    return "cpu" if jax.default_backend() == "cpu" else "gpu"


def describe_device():
    device = jax.devices()[0]
    return f"JAX {jax.__version__} on {device.platform} ({device.device_kind})"


def simulate(request):
    form = check_request(request, name="jax")
    config = configuration(request, form)
    chains, generations = int(request["chains"]), int(request["generations"])
    # "block" and "min_bucket" exist for tests: the block and bucket logic on small ensembles.
    block, smallest = int(request.get("block", BLOCK)), int(request.get("min_bucket", MIN_BUCKET))
    compile_seconds = prepare(config, chains, block, smallest)
    started = time.perf_counter()
    collapse_time, outcome = run(config, chains, generations, int(request.get("seed", 0)), block, smallest)
    seconds = time.perf_counter() - started
    return reply_for(request, form, seconds, collapse_time, outcome, {"jax": jax.__version__, "device": describe_device(), "compile_seconds": compile_seconds})


if __name__ == "__main__":
    numpy_peer.main(simulate, __doc__)
