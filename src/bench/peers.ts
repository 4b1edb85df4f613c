/**
 * The peers a researcher would otherwise write, and which configurations they implement.
 * Three programs run the same plain loop — each generation refits on its own M synthetic
 * points by maximum likelihood — for Bernoulli, categorical and Gaussian:
 *
 *   numpy  bench/peers/numpy_peer.py, vectorised NumPy on the CPU (one thread);
 *   jax    bench/peers/jax_peer.py, the same algorithm in JAX (jit, power-of-two buckets);
 *   cupy   bench/peers/cupy_peer.py, numpy_peer.py's own code with CuPy as its array module.
 *
 * Anything else is refused with the reason rather than timed on different work.
 */
import type { BernoulliParams } from '../families/bernoulli.js';
import type { CategoricalParams } from '../families/categorical.js';
import type { GaussianParams } from '../families/gaussian.js';
import type { RunSpec } from '../spec/run-spec.js';

export const PEERS = ['numpy', 'jax', 'cupy'] as const;
export type PeerName = (typeof PEERS)[number];

export interface PeerDefinition {
  /** The script under bench/peers/, speaking numpy_peer.py's JSON-lines protocol with --serve. */
  readonly script: string;
  /**
   * Python that prints one line — "cpu" or "gpu", a tab, then the library, its version and
   * the device it runs on — and fails where the peer cannot run.
   */
  readonly probe: string;
  /** What to install when no Python can run it. */
  readonly install: string;
}

export const PEER_DEFINITIONS: Readonly<Record<PeerName, PeerDefinition>> = {
  numpy: {
    script: 'numpy_peer.py',
    probe: 'import numpy, platform; print(f"cpu\\tNumPy {numpy.__version__} (Python {platform.python_version()}), CPU, one thread")',
    install: 'install python3-numpy',
  },
  jax: {
    script: 'jax_peer.py',
    probe: 'import jax_peer; print(f"{jax_peer.processor()}\\t{jax_peer.describe_device()}")',
    install: 'install JAX (pip install jax; jax[cuda12] or jax[cuda13] for a GPU)',
  },
  cupy: {
    script: 'cupy_peer.py',
    probe: 'import cupy_peer; print(f"gpu\\t{cupy_peer.describe_device()}")',
    install: 'install CuPy for the machine’s CUDA (cupy-cuda12x, cupy-cuda13x) on a machine with an NVIDIA GPU',
  },
};

/** Every peer's form of each of our modes, as its timings are labelled. */
export const PEER_FORMS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  bernoulli: { 'per-sample': 'per-sample', sufficient: 'binomial' },
  categorical: { 'per-sample': 'per-sample', sufficient: 'multinomial' },
  gaussian: { 'per-sample': 'per-sample', sufficient: 'chi-square' },
};

/** A peer's request for this run (chains and seed are added per measurement), or why it cannot run it. */
export function peerRequest(spec: RunSpec, peer: PeerName = 'numpy'): { request: Record<string, unknown> } | { refusal: string } {
  if (!(spec.family in PEER_FORMS)) return { refusal: `the ${peer} peer implements ${Object.keys(PEER_FORMS).join(', ')}, not ${spec.family}` };
  const departures = [
    spec.regime.kind !== 'replace' ? `--regime ${spec.regime.kind}` : null,
    spec.groundTruth > 0 ? '--ground-truth' : null,
    spec.prior > 0 ? '--prior' : null,
    spec.l2 > 0 ? '--l2' : null,
  ];
  const common = { family: spec.family, mode: spec.mode, samples: spec.samples, generations: spec.generations };
  let request: Record<string, unknown>;
  if (spec.family === 'bernoulli') {
    request = { ...common, p0: (spec.familyParams as BernoulliParams).p0 };
  } else if (spec.family === 'categorical') {
    const params = spec.familyParams as CategoricalParams;
    departures.push(params.temperature !== 1 ? '--temperature' : null, params.topK !== null ? '--top-k' : null, params.topP !== 1 ? '--top-p' : null);
    request = { ...common, init: params.init };
  } else {
    const params = spec.familyParams as GaussianParams;
    request = { ...common, mu0: params.mu0, var0: params.var0, estimator: params.estimator, collapse_threshold: params.collapseThreshold };
  }
  const used = departures.filter((flag): flag is string => flag !== null);
  if (used.length > 0) return { refusal: `the ${peer} peer runs the plain loop only (no ${used.join(', ')})` };
  return { request };
}
