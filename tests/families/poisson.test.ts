import { describe, expect, it } from 'vitest';
import { poissonTheory, poissonWithL2 } from '../../src/families/poisson/index.js';
import { ksDiscrete } from '../../src/stats/hypothesis.js';
import { expectPValue, expectWithinStandardErrors, mean, simulate } from '../helpers.js';

const CHAINS = 20000;

describe('poisson: a critical Galton–Watson process', () => {
  for (const mode of ['per-sample', 'sufficient']) {
    it.each([
      [4, 0.5],
      [10, 0.3],
      [3, 4],
    ])(`${mode}: M = %i, λ₀ = %f, extinction-time CDF (censored at T)`, async (samples, lambda0) => {
      const horizon = 400;
      const run = await simulate({ family: 'poisson', samples, lambda0, chains: CHAINS, generations: horizon, mode, seed: `poisson/${samples}/${lambda0}/${mode}` });
      const cdf = poissonTheory.extinctionCdf(samples, lambda0, horizon);
      // Censored chains are beyond the horizon; the CDF is compared on 0..T only.
      const times = Array.from(run.collapseTime, (t) => (t < 0 ? horizon + 1 : t));
      expectPValue(ksDiscrete(times, cdf).pValue, `M=${samples} λ0=${lambda0} ${mode}`);
      expect(run.outcome.every((o, i) => (run.collapseTime[i] < 0 ? Number.isNaN(o) : o === 0))).toBe(true);
    });
  }

  it('E[λ_t] = λ₀ with Var λ_t = tλ₀/M (the martingale)', async () => {
    const samples = 10;
    const lambda0 = 2;
    const generations = 6;
    const run = await simulate({ family: 'poisson', samples, lambda0, generations, chains: CHAINS, mode: 'per-sample', seed: 'poisson-martingale' });
    expectWithinStandardErrors(mean(run.finals['final_lambda']), lambda0, Math.sqrt((generations * lambda0) / samples / CHAINS));
  });

  it('the L2 fit solves e^θ + cθ = mean and never reaches 0', () => {
    for (const [target, c] of [
      [0, 0.1],
      [0, 1e-6],
      [3.5, 0.2],
    ]) {
      const lambda = poissonWithL2(target, c);
      expect(lambda).toBeGreaterThan(0);
      expect(Math.abs(lambda + c * Math.log(lambda) - target)).toBeLessThan(1e-12 * Math.max(1, Math.abs(Math.log(lambda))));
    }
  });
});
