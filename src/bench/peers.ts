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
import { FAMILIES, FAMILY_NAMES } from '../families/index.js';
import { resolveRunSpec, type RunSpec } from '../spec/run-spec.js';

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
/** The families the peers implement: those whose descriptor says how a peer runs them. */
const PEER_FAMILIES = FAMILY_NAMES.filter((name) => FAMILIES[name].peerRequest(resolveRunSpec({ family: name, out: 'unused.arrow' })) !== null);

/** A peer's request for this run (chains and seed are added per measurement) and its sufficient form, or why it cannot run it. */
export function peerRequest(spec: RunSpec, peer: PeerName = 'numpy'): { request: Record<string, unknown>; sufficientForm: string } | { refusal: string } {
  const answer = FAMILIES[spec.family].peerRequest(spec);
  if (answer === null) return { refusal: `the ${peer} peer implements ${PEER_FAMILIES.join(', ')}, not ${spec.family}` };
  if (typeof answer === 'string') return { refusal: `the ${peer} peer ${answer}` };
  const common = { family: spec.family, mode: spec.mode, samples: spec.samples, generations: spec.generations };
  return { request: { ...common, ...answer.params }, sufficientForm: answer.sufficientForm };
}
