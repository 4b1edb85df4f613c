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

# Chains per block: bounds the (block x M) draw arrays to a few tens of MiB at M = 100.
BLOCK = 1 << 15


def bernoulli(rng, chains, samples, p0, generations, form):
    """Returns (collapse_time, outcome); outcome is the absorbing value p (0 or 1)."""
    collapse_time = np.full(chains, -1, dtype=np.int32)
    outcome = np.full(chains, np.nan)
    for start in range(0, chains, BLOCK):
        index = np.arange(start, min(start + BLOCK, chains))
        p = np.full(index.size, p0)
        t = 0
        while index.size > 0 and t < generations:
            t += 1
            if form == "per-sample":
                counts = (rng.random((index.size, samples)) < p[:, None]).sum(axis=1)
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


def categorical(rng, chains, samples, init, generations, form):
    """Outcome: the single surviving category (0-based)."""
    init = np.asarray(init, dtype=float)
    categories = init.size
    collapse_time = np.full(chains, -1, dtype=np.int32)
    outcome = np.full(chains, np.nan)
    for start in range(0, chains, BLOCK):
        index = np.arange(start, min(start + BLOCK, chains))
        pi = np.tile(init, (index.size, 1))
        t = 0
        while index.size > 0 and t < generations:
            t += 1
            n = index.size
            if form == "per-sample":
                # Inverse CDF for every point of every chain at once: offset each chain's CDF by
                # its row number so one searchsorted over the flattened rows does them all.
                cdf = np.cumsum(pi, axis=1)
                cdf[:, -1] = 1.0
                rows = np.arange(n)[:, None]
                category = np.searchsorted((cdf + rows).ravel(), (rng.random((n, samples)) + rows).ravel(), side="right")
                counts = np.bincount(category, minlength=n * categories).reshape(n, categories)
            else:
                counts = rng.multinomial(samples, pi)
            pi = counts / samples
            survivors = (counts > 0).sum(axis=1)
            absorbed = survivors == 1
            if absorbed.any():
                collapse_time[index[absorbed]] = t
                outcome[index[absorbed]] = counts[absorbed].argmax(axis=1)
                keep = ~absorbed
                index, pi = index[keep], pi[keep]
    return collapse_time, outcome


def gaussian(rng, chains, samples, mu0, var0, estimator, threshold, generations, form):
    """Collapse: fitted variance <= threshold * var0. No outcome (NaN)."""
    ddof = 1 if estimator == "unbiased" else 0
    floor = threshold * var0
    collapse_time = np.full(chains, -1, dtype=np.int32)
    outcome = np.full(chains, np.nan)
    for start in range(0, chains, BLOCK):
        index = np.arange(start, min(start + BLOCK, chains))
        mu = np.full(index.size, float(mu0))
        var = np.full(index.size, float(var0))
        t = 0
        while index.size > 0 and t < generations:
            t += 1
            sigma = np.sqrt(var)
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


FORMS = {
    "bernoulli": {"per-sample": "per-sample", "sufficient": "binomial"},
    "categorical": {"per-sample": "per-sample", "sufficient": "multinomial"},
    "gaussian": {"per-sample": "per-sample", "sufficient": "chi-square"},
}


def simulate(request):
    """Runs one request; returns the reply (timing, and the per-chain results if asked)."""
    family, mode = request["family"], request["mode"]
    if family not in FORMS:
        raise ValueError(f"the numpy peer implements {', '.join(FORMS)}, not {family}")
    form = FORMS[family][mode]
    rng = np.random.default_rng(int(request.get("seed", 0)))
    chains, samples, generations = int(request["chains"]), int(request["samples"]), int(request["generations"])
    started = time.perf_counter()
    if family == "bernoulli":
        collapse_time, outcome = bernoulli(rng, chains, samples, float(request["p0"]), generations, form)
    elif family == "categorical":
        collapse_time, outcome = categorical(rng, chains, samples, request["init"], generations, form)
    else:
        collapse_time, outcome = gaussian(
            rng, chains, samples, float(request["mu0"]), float(request["var0"]), request["estimator"],
            float(request["collapse_threshold"]), generations, form,
        )
    seconds = time.perf_counter() - started
    # Each chain runs until it collapses (that generation included) or reaches T.
    chain_generations = int(np.where(collapse_time > 0, collapse_time, generations).sum())
    reply = {
        "seconds": seconds,
        "chain_generations": chain_generations,
        "form": form,
        # ru_maxrss is in KiB on Linux: the peak of this process so far.
        "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        "numpy": np.__version__,
    }
    if request.get("return_chains"):
        reply["collapse_time"] = collapse_time.tolist()
        reply["outcome"] = [None if np.isnan(v) else float(v) for v in outcome]
    return reply


def serve():
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            reply = simulate(json.loads(line))
        except Exception as error:  # the harness reports it as this peer's one-line failure
            reply = {"error": f"{type(error).__name__}: {error}"}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
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
        serve()
        return
    request = dict(vars(args), init=[1.0 / args.categories] * args.categories)
    print(json.dumps(simulate(request)))


if __name__ == "__main__":
    main()
