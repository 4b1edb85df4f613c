#!/usr/bin/env python3
"""The script a researcher would write instead of collapse-sim: NumPy, vectorised over chains.

Closed-loop retraining run to collapse (or the horizon T), one row of NumPy arrays per
generation, absorbed chains compacted away, chains processed in blocks so memory stays
bounded. Same configurations and stopping rules as collapse-sim's plain loop (each
generation refits on its own M synthetic points, maximum likelihood):

  bernoulli    per-sample: (rng.random((n, M)) < p).sum(1)    binomial: rng.binomial(M, p)
  categorical  per-sample: inverse-CDF lookup of rng.random((n, M))   multinomial: rng.multinomial(M, p)
  gaussian     per-sample: normal draws, mean and variance      sufficient: normal mean + chi-square

The forms map to collapse-sim's modes: per-sample <-> per-sample, the others <-> sufficient.
Collapse times follow collapse-sim's convention: the first generation t >= 1 whose fitted
model is collapsed, -1 when censored at T.

The algorithm takes its array module as a parameter (`Arrays`), so the CuPy peer
(cupy_peer.py) runs this very code on the GPU; the JSON-lines protocol below is shared by
every peer (jax_peer.py too).

Two ways to run it:
  python3 numpy_peer.py --family bernoulli --mode per-sample --chains 100000 [--samples 100 --p0 0.5]
      one simulation, one JSON line on stdout;
  python3 numpy_peer.py --serve
      the benchmark harness's protocol: one JSON request per stdin line, one JSON reply per
      stdout line (so NumPy's import and first-call costs are paid once, in the warm-up).
"""
import argparse
import json
import resource
import sys
import time

import numpy as np

FORMS = {
    "bernoulli": {"per-sample": "per-sample", "sufficient": "binomial"},
    "categorical": {"per-sample": "per-sample", "sufficient": "multinomial"},
    "gaussian": {"per-sample": "per-sample", "sufficient": "chi-square"},
}


class Arrays:
    """Where the arrays live: the module (numpy or cupy), its generator and block size."""

    def __init__(self, xp, rng, block, uniform_dtype, library):
        self.xp = xp
        self.rng = rng
        # Chains per block: bounds the (block x M) draw arrays.
        self.block = block
        self.uniform_dtype = uniform_dtype
        self.library = library

    def multinomial(self, samples, pi):
        """Counts ~ Multinomial(samples, pi[i]) for every row i."""
        return self.rng.multinomial(samples, pi)

    def to_host(self, array):
        return np.asarray(array)


def numpy_arrays(seed):
    # 32768 chains per block bounds the (block x M) float64 draws to 25 MiB at M = 100.
    return Arrays(np, np.random.default_rng(seed), 1 << 15, np.float64, f"numpy {np.__version__}")


def bernoulli(arrays, chains, samples, p0, generations, form):
    """Returns (collapse_time, outcome); outcome is the absorbing value p (0 or 1)."""
    xp, rng = arrays.xp, arrays.rng
    collapse_time = xp.full(chains, -1, dtype=xp.int32)
    outcome = xp.full(chains, xp.nan)
    for start in range(0, chains, arrays.block):
        index = xp.arange(start, min(start + arrays.block, chains))
        p = xp.full(index.size, p0)
        t = 0
        while index.size > 0 and t < generations:
            t += 1
            if form == "per-sample":
                counts = (rng.random((index.size, samples), dtype=arrays.uniform_dtype) < p[:, None]).sum(axis=1)
            else:
                counts = rng.binomial(samples, p)
            p = counts / samples
            absorbed = (counts == 0) | (counts == samples)
            if absorbed.any():
                collapse_time[index[absorbed]] = t
                outcome[index[absorbed]] = p[absorbed]
                keep = ~absorbed
                index, p = index[keep], p[keep]
    return collapse_time, outcome


def categorical(arrays, chains, samples, init, generations, form):
    """Outcome: the single surviving category (0-based)."""
    xp, rng = arrays.xp, arrays.rng
    init = xp.asarray(init, dtype=float)
    categories = init.size
    collapse_time = xp.full(chains, -1, dtype=xp.int32)
    outcome = xp.full(chains, xp.nan)
    for start in range(0, chains, arrays.block):
        index = xp.arange(start, min(start + arrays.block, chains))
        pi = xp.tile(init, (index.size, 1))
        t = 0
        while index.size > 0 and t < generations:
            t += 1
            n = index.size
            if form == "per-sample":
                # Inverse CDF for every point of every chain at once: offset each chain's CDF by
                # its row number so one searchsorted over the flattened rows does them all
                # (float64, so the offsets keep the uniforms' resolution).
                cdf = xp.cumsum(pi, axis=1)
                cdf[:, -1] = 1.0
                rows = xp.arange(n)[:, None]
                category = xp.searchsorted((cdf + rows).ravel(), (rng.random((n, samples)) + rows).ravel(), side="right")
                counts = xp.bincount(category, minlength=n * categories).reshape(n, categories)
            else:
                counts = arrays.multinomial(samples, pi)
            pi = counts / samples
            survivors = (counts > 0).sum(axis=1)
            absorbed = survivors == 1
            if absorbed.any():
                collapse_time[index[absorbed]] = t
                outcome[index[absorbed]] = counts[absorbed].argmax(axis=1)
                keep = ~absorbed
                index, pi = index[keep], pi[keep]
    return collapse_time, outcome


def gaussian(arrays, chains, samples, mu0, var0, estimator, threshold, generations, form):
    """Collapse: fitted variance <= threshold * var0. No outcome (NaN)."""
    xp, rng = arrays.xp, arrays.rng
    ddof = 1 if estimator == "unbiased" else 0
    floor = threshold * var0
    collapse_time = xp.full(chains, -1, dtype=xp.int32)
    outcome = xp.full(chains, xp.nan)
    for start in range(0, chains, arrays.block):
        index = xp.arange(start, min(start + arrays.block, chains))
        mu = xp.full(index.size, float(mu0))
        var = xp.full(index.size, float(var0))
        t = 0
        while index.size > 0 and t < generations:
            t += 1
            sigma = xp.sqrt(var)
            if form == "per-sample":
                x = mu[:, None] + sigma[:, None] * rng.standard_normal((index.size, samples))
                mu = x.mean(axis=1)
                var = x.var(axis=1, ddof=ddof)
            else:
                mu = mu + sigma / np.sqrt(samples) * rng.standard_normal(index.size)
                var = var * rng.chisquare(samples - 1, index.size) / (samples - ddof)
            absorbed = var <= floor
            if absorbed.any():
                collapse_time[index[absorbed]] = t
                keep = ~absorbed
                index, mu, var = index[keep], mu[keep], var[keep]
    return collapse_time, outcome


def check_request(request, forms=FORMS, name="numpy"):
    """The form of the request's mode, or ValueError naming what this peer does not implement."""
    family, mode = request["family"], request["mode"]
    if family not in forms:
        raise ValueError(f"the {name} peer implements {', '.join(forms)}, not {family}")
    return forms[family][mode]


def simulate_with(arrays, request, form):
    """Runs one request on `arrays` in `form`; returns (collapse_time, outcome) as arrays of `arrays.xp`."""
    chains, samples, generations = int(request["chains"]), int(request["samples"]), int(request["generations"])
    family = request["family"]
    if "block" in request:  # for tests: several blocks on a small ensemble
        arrays.block = int(request["block"])
    if family == "bernoulli":
        return bernoulli(arrays, chains, samples, float(request["p0"]), generations, form)
    if family == "categorical":
        return categorical(arrays, chains, samples, request["init"], generations, form)
    return gaussian(
        arrays, chains, samples, float(request["mu0"]), float(request["var0"]), request["estimator"],
        float(request["collapse_threshold"]), generations, form,
    )


def reply_for(request, form, seconds, collapse_time, outcome, extra):
    """The protocol's reply: timing, peak RSS, and the per-chain results when asked."""
    collapse_time = np.asarray(collapse_time)
    outcome = np.asarray(outcome, dtype=float)
    generations = int(request["generations"])
    # Each chain runs until it collapses (that generation included) or reaches T.
    chain_generations = int(np.where(collapse_time > 0, collapse_time, generations).sum())
    reply = {
        "seconds": seconds,
        "chain_generations": chain_generations,
        "form": form,
        # ru_maxrss is in KiB on Linux: the peak of this process so far.
        "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        **extra,
    }
    if request.get("return_chains"):
        reply["collapse_time"] = collapse_time.tolist()
        reply["outcome"] = [None if np.isnan(v) else float(v) for v in outcome]
    return reply


def simulate(request):
    """Runs one request on NumPy; returns the reply."""
    form = check_request(request)
    arrays = numpy_arrays(int(request.get("seed", 0)))
    started = time.perf_counter()
    collapse_time, outcome = simulate_with(arrays, request, form)
    seconds = time.perf_counter() - started
    return reply_for(request, form, seconds, collapse_time, outcome, {"numpy": np.__version__})


def serve(simulate_request):
    """The harness's protocol: one JSON request per stdin line, one JSON reply per stdout line."""
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            reply = simulate_request(json.loads(line))
        except Exception as error:  # the harness reports it as this peer's one-line failure
            reply = {"error": f"{type(error).__name__}: {error}"}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


def main(simulate_request=simulate, description=__doc__):
    parser = argparse.ArgumentParser(description=description.split("\n")[0])
    parser.add_argument("--serve", action="store_true")
    parser.add_argument("--family", default="bernoulli", choices=sorted(FORMS))
    parser.add_argument("--mode", default="per-sample", choices=["per-sample", "sufficient"])
    parser.add_argument("--chains", type=int, default=10000)
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--generations", type=int, default=100000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--p0", type=float, default=0.5)
    parser.add_argument("--categories", type=int, default=10)
    parser.add_argument("--mu0", type=float, default=0.0)
    parser.add_argument("--var0", type=float, default=1.0)
    parser.add_argument("--estimator", default="mle", choices=["mle", "unbiased"])
    parser.add_argument("--collapse-threshold", type=float, default=1e-6)
    args = parser.parse_args()
    if args.serve:
        serve(simulate_request)
        return
    request = dict(vars(args), init=[1.0 / args.categories] * args.categories)
    print(json.dumps(simulate_request(request)))


if __name__ == "__main__":
    main()
