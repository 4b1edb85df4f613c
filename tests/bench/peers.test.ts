/**
 * The peers simulate the same thing we do: otherwise the benchmark compares different
 * work. Each peer's collapse-time law and outcomes are checked against exact theory where
 * there is one (Wright–Fisher for Bernoulli) and against the reference path.
 *
 * A peer runs wherever a Python can run it (COLLAPSE_SIM_PYTHON, python3, /usr/bin/python3);
 * elsewhere its tests are skipped with the reason — unless COLLAPSE_SIM_REQUIRE_PEERS names
 * it (CI names numpy), where its absence fails them. JAX runs on a CPU too; CuPy needs an
 * NVIDIA GPU, so its code is also run here with NumPy as its array module (the
 * "CuPy peer's algorithm" tests), which exercises everything but CuPy itself.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findPeer, peerSeed, runPeerOnce } from '../../src/bench/processes.js';
import { PEERS, peerRequest, type PeerName } from '../../src/bench/peers.js';
import { packageRoot } from '../../src/package-files.js';
import { bernoulliTheory } from '../../src/families/bernoulli/index.js';
import { chiSquareHomogeneity, ksDiscrete, ksTwoSample } from '../../src/stats/hypothesis.js';
import { resolveRunSpec } from '../../src/spec/run-spec.js';
import { expectPValue, expectWithinStandardErrors, simulate } from '../helpers.js';

const requiredPeers = (process.env['COLLAPSE_SIM_REQUIRE_PEERS'] ?? '').split(',');
const CHAINS = 6000;

interface PeerRun {
  collapseTime: number[];
  outcome: (number | null)[];
  chainGenerations: number;
}

type Runner = (options: Record<string, unknown>) => PeerRun;

function requestFor(options: Record<string, unknown>, peer: PeerName = 'numpy'): Record<string, unknown> {
  const spec = resolveRunSpec({ ...options, chains: CHAINS, out: 'unused.arrow' });
  const request = peerRequest(spec, peer);
  if ('refusal' in request) throw new Error(request.refusal);
  return request.request;
}

/**
 * Small blocks and buckets, so that 6000 chains go through what 10^8 do: several blocks,
 * and (JAX) compaction from bucket to bucket, each bucket size compiled ahead.
 */
const SMALL_BLOCKS = { block: 2048, min_bucket: 256 };

function peerRunner(peer: PeerName, python: string): Runner {
  return (options) => {
    const reply = runPeerOnce(peer, python, { ...requestFor(options, peer), ...SMALL_BLOCKS }, CHAINS, 'peer-law');
    return { collapseTime: reply['collapse_time'] as number[], outcome: reply['outcome'] as (number | null)[], chainGenerations: reply['chain_generations'] as number };
  };
}

/**
 * cupy_peer.py's array backend (blocks of 2^22, float32 uniforms, multinomials as
 * conditional binomials) driving numpy_peer.py's loop, with NumPy standing in for CuPy.
 */
function cupyAlgorithmOnNumpy(python: string): Runner {
  const script = `
import json, sys
import numpy as np
import cupy_peer, numpy_peer
request = json.loads(sys.stdin.read())
arrays = cupy_peer.ConditionalBinomialArrays(np, np.random.default_rng(request["seed"]), cupy_peer.BLOCK, np.float32, "numpy standing in for cupy")
form = numpy_peer.check_request(request, name="cupy")
collapse_time, outcome = numpy_peer.simulate_with(arrays, request, form)
print(json.dumps(numpy_peer.reply_for({**request, "return_chains": True}, form, 0.0, collapse_time, outcome, {})))
`;
  return (options) => {
    const input = JSON.stringify({ ...requestFor(options), ...SMALL_BLOCKS, chains: CHAINS, seed: peerSeed('cupy-algorithm') });
    const peers = join(packageRoot(), 'bench', 'peers');
    const result = spawnSync(python, ['-c', script], { input, encoding: 'utf8', maxBuffer: 1 << 28, env: { ...process.env, PYTHONPATH: peers } });
    if (result.status !== 0) throw new Error(`cupy algorithm on numpy: ${result.stderr.trim().split('\n').slice(-1)[0]}`);
    const reply = JSON.parse(result.stdout) as Record<string, unknown>;
    return { collapseTime: reply['collapse_time'] as number[], outcome: reply['outcome'] as (number | null)[], chainGenerations: reply['chain_generations'] as number };
  };
}

/** Counts of each outcome value (null = censored), over the union of the values seen. */
function outcomeCounts(a: readonly (number | null)[], b: ArrayLike<number>): [number[], number[]] {
  const key = (value: number | null): string => (value === null || Number.isNaN(value) ? 'none' : String(value));
  const keys = [...new Set([...a.map(key), ...Array.from(b, key)])].sort();
  const count = (values: ArrayLike<number | null>): number[] => keys.map((k) => Array.from(values).filter((v) => key(v) === k).length);
  return [count(a), count(b)];
}

const AGAINST_REFERENCE: [string, Record<string, unknown>][] = [
  ['categorical, zipf:1, K = 4', { family: 'categorical', categories: 4, init: 'zipf:1', samples: 10 }],
  ['gaussian, mle', { family: 'gaussian', samples: 8, 'collapse-threshold': 0.05 }],
  ['gaussian, unbiased, censored at T', { family: 'gaussian', samples: 8, estimator: 'unbiased', 'collapse-threshold': 0.05, generations: 40 }],
];

/** The law tests every peer (and the CuPy algorithm on NumPy) must pass. */
function lawTests(run: Runner): void {
  for (const mode of ['per-sample', 'sufficient']) {
    it(`bernoulli, ${mode}: collapse times follow the exact Wright–Fisher law, outcomes P(1) = p₀`, () => {
      const samples = 20;
      const p0 = 0.3;
      const horizon = 2000;
      const result = run({ family: 'bernoulli', samples, p0, mode, generations: horizon });
      const law = bernoulliTheory.absorptionTime(samples, p0, horizon);
      expect(result.collapseTime).toHaveLength(CHAINS);
      expect(result.collapseTime.every((t) => t >= 1)).toBe(true);
      expectPValue(ksDiscrete(result.collapseTime, law.cdf).pValue, 'KS against Wright–Fisher');
      const ones = result.outcome.filter((v) => v === 1).length;
      expect(result.outcome.every((v) => v === 0 || v === 1)).toBe(true);
      expectWithinStandardErrors(ones / CHAINS, p0, Math.sqrt((p0 * (1 - p0)) / CHAINS), 'P(outcome 1)');
      expect(result.chainGenerations).toBe(result.collapseTime.reduce((a, b) => a + b, 0));
    });
  }

  for (const [label, options] of AGAINST_REFERENCE) {
    for (const mode of ['per-sample', 'sufficient']) {
      it(`${label}, ${mode}: same collapse-time law and outcomes as the reference path`, async () => {
        const peer = run({ ...options, mode });
        const ours = await simulate({ ...options, mode, chains: CHAINS, seed: 'peer-law' });
        expect(peer.collapseTime).toHaveLength(CHAINS);
        // Censored chains (−1) sort below every time in both samples alike.
        expectPValue(ksTwoSample(peer.collapseTime, ours.collapseTime).pValue, 'KS collapse times, peer vs reference');
        const [a, b] = outcomeCounts(peer.outcome, ours.outcome);
        if (a.length > 1) expectPValue(chiSquareHomogeneity(a, b).pValue, 'χ² outcomes, peer vs reference');
      });
    }
  }
}

for (const name of PEERS) {
  const status = findPeer(name);
  const required = requiredPeers.includes(name);
  describe.skipIf(!status.available && !required)(`the ${name} peer (${status.available ? status.device : status.reason})`, () => {
    it('is available' + (required ? ' (required here)' : ''), () => {
      expect(status.available, status.reason).toBe(true);
      expect(['cpu', 'gpu']).toContain(status.processor);
    });
    lawTests(peerRunner(name, status.python!));
  });
}

const numpy = findPeer('numpy');
describe.skipIf(!numpy.available)('the CuPy peer’s algorithm, with NumPy as its array module', () => {
  lawTests(cupyAlgorithmOnNumpy(numpy.python!));
});

describe('peer requests', () => {
  it('refuse what the peers do not implement, with the reason', () => {
    const refusal = (options: Record<string, unknown>, peer: PeerName = 'numpy'): string | null => {
      const request = peerRequest(resolveRunSpec({ ...options, out: 'unused.arrow' }), peer);
      return 'refusal' in request ? request.refusal : null;
    };
    expect(refusal({ family: 'poisson' })).toMatch(/the numpy peer implements bernoulli, categorical, gaussian, not poisson/);
    expect(refusal({ family: 'poisson' }, 'jax')).toMatch(/the jax peer implements/);
    expect(refusal({ family: 'bernoulli', 'ground-truth': 2 }, 'cupy')).toMatch(/the cupy peer runs the plain loop only \(no --ground-truth\)/);
    expect(refusal({ family: 'categorical', 'top-k': 3, categories: 5 })).toMatch(/--top-k/);
    expect(refusal({ family: 'bernoulli' })).toBeNull();
  });

  it('name an absent peer’s reason and fix', () => {
    // CuPy cannot run without an NVIDIA GPU; where it can, this checks the positive answer instead.
    const cupy = findPeer('cupy');
    if (cupy.available) expect(cupy.processor).toBe('gpu');
    else expect(cupy.reason).toMatch(/^no Python can run the cupy peer \(.+\) — install CuPy .*, or set COLLAPSE_SIM_PYTHON$/);
  });
});
