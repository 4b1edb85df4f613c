/**
 * The WebAssembly engine (--backend simd) against the reference path: it runs the same family
 * code and the same samplers (in WebAssembly, with the host's Math), so every configuration —
 * continuous families, decoders, priors, penalties, windows, coupled Ising — must give the
 * reference's chains bit for bit, and its batches, trajectories and shards must be the
 * reference's. It must also stop promptly when asked.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { ChainBatch } from '../../src/engine/batch.js';
import { ReferenceEngine } from '../../src/engine/reference.js';
import { SimdEngine } from '../../src/engine/simd/engine.js';
import { InterruptedError } from '../../src/spec/errors.js';
import { expectSimdBitExact } from './simd-verify.js';
import { resolveRunSpec, type RunSpec } from '../../src/spec/run-spec.js';

const engine = await SimdEngine.open();
afterAll(() => engine.close());

const CONFIGURATIONS: [string, Record<string, unknown>][] = [
  ['bernoulli per-sample', { family: 'bernoulli', samples: 40, p0: 0.4 }],
  ['bernoulli per-sample, M not a multiple of 16, ground truth, accumulate', { family: 'bernoulli', samples: 37, 'ground-truth': 3, 'truth-p': 0.3, regime: 'accumulate', generations: 200 }],
  ['bernoulli sufficient', { family: 'bernoulli', samples: 80, mode: 'sufficient' }],
  ['bernoulli with a prior and an L2 penalty', { family: 'bernoulli', samples: 20, prior: 2, l2: 0.3, generations: 150 }],
  ['bernoulli, window regime', { family: 'bernoulli', samples: 15, 'ground-truth': 1, regime: 'window:4', generations: 120 }],
  ['ising per-sample (θ₂ = 0)', { family: 'ising', spins: 5, samples: 8, m0: 0.2 }],
  ['ising sufficient', { family: 'ising', spins: 5, samples: 8, m0: -0.2, mode: 'sufficient' }],
  ['ising per-sample, θ₂ learned', { family: 'ising', spins: 5, samples: 8, m0: 0.2, theta2: 0.3, learn: 'theta1,theta2' }],
  ['ising per-sample, θ₂ = −0.5 held, ground truth, window', { family: 'ising', spins: 4, samples: 6, m0: 0.1, theta2: -0.5, 'ground-truth': 1, regime: 'window:3', generations: 60 }],
  ['ising sufficient, θ₂ learned, L2', { family: 'ising', spins: 6, samples: 10, m0: -0.1, theta2: 0.4, learn: 'theta1,theta2', mode: 'sufficient', l2: 0.2, generations: 50 }],
  ['poisson per-sample', { family: 'poisson', samples: 10, lambda0: 0.8, generations: 300 }],
  ['poisson sufficient, rejection sampler (λ·M above the inversion limit)', { family: 'poisson', samples: 30, lambda0: 2, generations: 300, mode: 'sufficient' }],
  ['gaussian per-sample (unbiased)', { family: 'gaussian', samples: 8, estimator: 'unbiased', 'collapse-threshold': 0.01 }],
  ['gaussian sufficient, prior and ground truth', { family: 'gaussian', samples: 8, 'collapse-threshold': 0.01, mode: 'sufficient', prior: 1, 'ground-truth': 1, generations: 100 }],
  ['exponential per-sample', { family: 'exponential', samples: 6, 'collapse-threshold': 0.01 }],
  ['exponential sufficient, L2', { family: 'exponential', samples: 6, l2: 0.5, generations: 100, mode: 'sufficient' }],
  ['categorical per-sample', { family: 'categorical', categories: 6, samples: 12 }],
  ['categorical per-sample, temperature and top-k, ground truth', { family: 'categorical', categories: 8, init: 'zipf:1', samples: 20, temperature: 0.7, 'top-k': 5, 'ground-truth': 2, generations: 60 }],
  ['categorical sufficient, top-p', { family: 'categorical', categories: 6, init: 'zipf:1', samples: 15, 'top-p': 0.9, mode: 'sufficient' }],
  ['categorical sufficient, L2', { family: 'categorical', categories: 5, samples: 10, l2: 0.5, mode: 'sufficient', generations: 40 }],
];

describe.each(CONFIGURATIONS)('%s', (_label, options) => {
  it('is the reference path chain by chain (verify)', async () => {
    const spec = resolveRunSpec({ chains: 300, seed: 'simd-test', out: 'unused.arrow', backend: 'reference', ...options });
    await expectSimdBitExact(engine, spec);
  });
});

async function batches(source: { run(spec: RunSpec): AsyncGenerator<ChainBatch> }, spec: RunSpec): Promise<ChainBatch[]> {
  const out: ChainBatch[] = [];
  for await (const batch of source.run(spec)) out.push(batch);
  return out;
}

describe('batches, trajectories and shards', () => {
  it('yields the reference’s batches, trajectory rows included, for a shard cut into several batches', async () => {
    const spec = resolveRunSpec({
      family: 'ising', spins: 4, samples: 10, m0: 0.3, chains: 1000, 'batch-size': 170, shard: '1/3', seed: 'simd-batches',
      trajectories: 'every:3,chains:400', out: 'unused.arrow', 'trajectories-out': 'unused-t.arrow',
    });
    const expected = await batches(new ReferenceEngine(), spec);
    const actual = await batches(engine, spec);
    expect(actual.length).toBe(expected.length);
    expect(actual.some((batch) => batch.trajectory !== null)).toBe(true);
    for (let b = 0; b < expected.length; b++) {
      const { trajectory: expectedTrajectory, ...expectedColumns } = expected[b];
      const { trajectory: actualTrajectory, ...actualColumns } = actual[b];
      expect(actualColumns).toEqual(expectedColumns);
      expect(actualTrajectory).toEqual(expectedTrajectory);
    }
  });

  it('stops between generations when the run is aborted, and runs again afterwards', async () => {
    const spec = resolveRunSpec({ family: 'bernoulli', samples: 100, chains: 200000, seed: 'simd-abort', out: 'unused.arrow' });
    const controller = new AbortController();
    const started = performance.now();
    setTimeout(() => controller.abort(new InterruptedError('SIGINT')), 300);
    await expect(
      (async () => {
        for await (const _batch of engine.run(spec, { signal: controller.signal })) void _batch;
      })(),
    ).rejects.toBeInstanceOf(InterruptedError);
    expect(performance.now() - started).toBeLessThan(5000);
    const small = resolveRunSpec({ family: 'bernoulli', samples: 30, chains: 50, seed: 'simd-after-abort', out: 'unused.arrow' });
    expect(await batches(engine, small)).toEqual(await batches(new ReferenceEngine(), small));
  });
});
