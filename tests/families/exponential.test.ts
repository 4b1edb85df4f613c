import { describe, expect, it } from 'vitest';
import { exponentialMeanWithL2, exponentialTheory } from '../../src/families/exponential/index.js';
import { expectWithinStandardErrors, mean, simulate, variance, varianceStandardError } from '../helpers.js';

const CHAINS = 20000;

describe('exponential: ln(mean) drifts by ψ(M) − ln M', () => {
  for (const mode of ['per-sample', 'sufficient']) {
    it(`${mode}: mean and variance of ln(mean_T / mean_0)`, async () => {
      const samples = 8;
      const generations = 15;
      const rate0 = 0.5;
      const run = await simulate({ family: 'exponential', samples, rate0, generations, chains: CHAINS, mode, 'collapse-threshold': 1e-300, seed: `exponential/${mode}` });
      const logRatio = Array.from(run.finals['final_rate'], (rate) => Math.log(rate0 / rate));
      const drift = exponentialTheory.logMeanDrift(samples);
      const stepVariance = exponentialTheory.logMeanStepVariance(samples);
      expect(drift).toBeLessThan(0);
      expectWithinStandardErrors(mean(logRatio), generations * drift, Math.sqrt((generations * stepVariance) / CHAINS), `${mode} drift`);
      expectWithinStandardErrors(variance(logRatio), generations * stepVariance, varianceStandardError(logRatio), `${mode} variance`);
      // The mean itself is a martingale.
      const means = Array.from(run.finals['final_rate'], (rate) => 1 / rate);
      const secondMoment = Math.pow((samples + 1) / samples, generations) / rate0 ** 2;
      expectWithinStandardErrors(mean(means), 1 / rate0, Math.sqrt((secondMoment - 1 / rate0 ** 2) / CHAINS), `${mode} E[mean]`);
    });
  }

  it('collapses when the mean falls to ε of its start', async () => {
    const run = await simulate({ family: 'exponential', samples: 3, rate0: 2, 'collapse-threshold': 0.1, chains: 500, generations: 100000, mode: 'sufficient' });
    expect(run.collapseTime.every((t) => t > 0)).toBe(true);
    expect(run.finals['final_rate'].every((rate) => 1 / rate <= 0.1 / 2)).toBe(true);
    expect(run.outcome.every((o) => Number.isNaN(o))).toBe(true);
  });

  it('the L2 fit is the positive root of mean² − x̄·mean − c = 0', () => {
    const m = exponentialMeanWithL2(0.7, 0.3);
    expect(m * m - 0.7 * m - 0.3).toBeCloseTo(0, 14);
    expect(exponentialMeanWithL2(0, 0.01)).toBeCloseTo(0.1, 14);
  });
});
