/**
 * Every family on every available GPU backend against the reference path, through
 * `verify`: bit-exact configurations chain by chain, the others over their first
 * generations and in law (see src/verify.ts for the criteria).
 */
import { describe, expect, it } from 'vitest';
import { resolveRunSpec } from '../../src/spec/run-spec.js';
import { verify } from '../../src/verify.js';
import { backendsUnderTest } from './backends-under-test.js';

const backends = (await backendsUnderTest(true)).filter((b) => b.run).map((b) => b.backend);

const CONFIGURATIONS: [string, Record<string, unknown>, string][] = [
  ['bernoulli per-sample', { family: 'bernoulli', samples: 40, p0: 0.4 }, 'bit-exact'],
  ['bernoulli per-sample, ground truth, accumulate', { family: 'bernoulli', samples: 12, 'ground-truth': 2, 'truth-p': 0.3, regime: 'accumulate', generations: 200 }, 'bit-exact'],
  ['bernoulli sufficient', { family: 'bernoulli', samples: 80, mode: 'sufficient' }, 'float32'],
  ['bernoulli with a prior', { family: 'bernoulli', samples: 20, prior: 2, generations: 150 }, 'float32'],
  ['ising per-sample (θ₂ = 0)', { family: 'ising', spins: 5, samples: 8, m0: 0.2 }, 'bit-exact'],
  ['ising sufficient', { family: 'ising', spins: 5, samples: 8, m0: -0.2, mode: 'sufficient' }, 'float32'],
  // Coupled spins run on the host-fit path: the kernel draws, the host refits in float64.
  ['ising per-sample, θ₂ learned', { family: 'ising', spins: 5, samples: 8, m0: 0.2, theta2: 0.3, learn: 'theta1,theta2' }, 'bit-exact'],
  ['ising per-sample, θ₂ = −0.5 held, ground truth, window', { family: 'ising', spins: 4, samples: 6, m0: 0.1, theta2: -0.5, 'ground-truth': 1, regime: 'window:3', generations: 60 }, 'bit-exact'],
  ['ising per-sample, θ₂ learned from independent spins, prior', { family: 'ising', spins: 6, samples: 5, m0: -0.3, learn: 'theta1,theta2', prior: 0.5, generations: 80 }, 'bit-exact'],
  ['ising sufficient, θ₂ learned', { family: 'ising', spins: 6, samples: 10, m0: -0.1, theta2: 0.4, learn: 'theta1,theta2', mode: 'sufficient' }, 'float32'],
  // Σu² over a generation beyond 2^24: carried in two exact float32 parts.
  ['ising per-sample, N = 128, M = 2048', { family: 'ising', spins: 128, samples: 2048, m0: 0.5, theta2: 0.2, generations: 2, chains: 20 }, 'bit-exact'],
  ['poisson per-sample', { family: 'poisson', samples: 10, lambda0: 0.8, generations: 300 }, 'near-exact'],
  ['poisson sufficient', { family: 'poisson', samples: 10, lambda0: 0.8, generations: 300, mode: 'sufficient' }, 'float32'],
  ['gaussian per-sample (unbiased)', { family: 'gaussian', samples: 8, estimator: 'unbiased', 'collapse-threshold': 0.01 }, 'float32'],
  ['gaussian sufficient', { family: 'gaussian', samples: 8, 'collapse-threshold': 0.01, mode: 'sufficient' }, 'float32'],
  ['exponential per-sample', { family: 'exponential', samples: 6, 'collapse-threshold': 0.01 }, 'float32'],
  ['exponential L2', { family: 'exponential', samples: 6, l2: 0.5, generations: 100 }, 'float32'],
  // The penalised fits' root finder (kernels/fits.js), in its logistic and tanh forms.
  ['bernoulli L2', { family: 'bernoulli', samples: 20, l2: 0.5, generations: 60 }, 'float32'],
  ['ising L2 (θ₂ = 0)', { family: 'ising', spins: 4, samples: 6, l2: 0.5, generations: 60 }, 'float32'],
  ['categorical per-sample', { family: 'categorical', categories: 6, samples: 12 }, 'bit-exact'],
  ['categorical sufficient, top-p', { family: 'categorical', categories: 6, init: 'zipf:1', samples: 15, 'top-p': 0.9, mode: 'sufficient' }, 'float32'],
];

describe.skipIf(backends.length === 0).each(CONFIGURATIONS)('%s', (_label, options, exactness) => {
  it(`agrees with the reference on ${backends.join(', ')}`, async () => {
    const spec = resolveRunSpec({ chains: 400, seed: 'verify-test', out: 'unused.arrow', backend: 'reference', ...options });
    const report = await verify(spec, { backends });
    for (const result of report.backends) {
      expect(result.skipped, `${result.backend} was not run`).toBeNull();
      expect(result.exactness).toBe(exactness);
      expect(result.failures, result.failures.join('; ')).toEqual([]);
      if (exactness === 'bit-exact') expect(result.identicalChains).toBe(spec.chains);
    }
    expect(report.generator.pass).toBe(true);
    expect(report.pass).toBe(true);
  });
});
